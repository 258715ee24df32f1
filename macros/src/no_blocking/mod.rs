//! `#[no_blocking]`: rejects blocking calls in async code at compile time.
//!
//! parse (args, `async-hygiene.toml`, the item) → scan each async body with
//! `async_hygiene_analysis::blocking` → emit the item unchanged plus one spanned error
//! per finding (and per label: a proc macro on stable has no secondary spans).
//!
//! The item is never rewritten beyond two things: the watchdog hook
//! (`watchdog_hook::instrument_body`, the plain body unless the `watchdog` feature is on) and,
//! when the crate has an `async-hygiene.toml`, a `const _` that `include_bytes!`s it so
//! that cargo rebuilds the crate when the file changes.

#[cfg(test)]
mod tests;

use async_hygiene_analysis::blocking::{self, BlockingCatalogue, Context, Finding, Imports};
use async_hygiene_analysis::policy::{AttributePolicy, LoadedPolicy, ATTRIBUTE_FORMS};
use async_hygiene_analysis::shape::{self, FnShape};
use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::{Attribute, Block, ImplItem, Item, ItemImpl, Meta, Signature, TraitItem};

use crate::item::last_segment_is;
use crate::{policy_file, watchdog_hook};

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Vec::new();
    let mut crate_catalogue = BlockingCatalogue::builtin();
    let loaded = policy_file::load();
    if let Some(loaded) = &loaded {
        apply_policy_file(&mut crate_catalogue, loaded, &mut errors);
    }
    let args = syn::parse2::<AttributePolicy>(args).unwrap_or_else(|error| {
        // Still check the body with the crate's policy: every problem in one compile.
        errors.push(error);
        AttributePolicy::default()
    });
    let tracking = loaded
        .as_ref()
        .and_then(|loaded| policy_file::tracking_item(&loaded.path));
    let expanded = if let Ok(parsed) = syn::parse2::<Item>(item.clone()) {
        let catalogue = with_args(&crate_catalogue, &args, &mut errors);
        expand_item(parsed, &catalogue, tracking.as_ref(), &mut errors)
    } else {
        // A syntax error in the item: emit it as it is so rustc reports the real error.
        item
    };
    let errors = errors.into_iter().map(syn::Error::into_compile_error);
    quote!(#expanded #(#errors)*)
}

/// `async fn load(&self) -> u32;` in a trait: an fn without a body (syn reads it as a
/// verbatim item).
fn bodiless_declaration(item: &TokenStream) -> Option<syn::Error> {
    let declaration = syn::parse2::<syn::TraitItemFn>(item.clone()).ok()?;
    declaration.default.is_none().then(|| {
        syn::Error::new_spanned(
            &declaration.sig.ident,
            "`#[no_blocking]` checks a function body, and this declaration has none: put the \
             attribute on the implementations",
        )
    })
}

/// One spanned error per finding, then one per label (a proc macro on stable cannot
/// attach a secondary span to an error; rustc shows them one after the other).
fn push_findings(findings: Vec<Finding>, errors: &mut Vec<syn::Error>) {
    for finding in findings {
        errors.push(syn::Error::new_spanned(
            finding.location.tokens(),
            finding.to_string(),
        ));
        for label in &finding.labels {
            errors.push(syn::Error::new_spanned(
                label.location.tokens(),
                &label.message,
            ));
        }
    }
}

/// Input/Output by item kind (`T` = the tracking `const _`, only with a config file):
///
/// ```text
/// async fn f() { body }          →  async fn f() { instrument_body({ T; body }) }
/// impl S { async fn f() {..} }   →  T; impl S { async fn f() { instrument_body(..) } }
/// mod m { async fn f() {..} }    →  T; mod m { async fn f() { instrument_body(..) } }
/// fn f() {..}, struct, trait..   →  the item, and an error naming what is accepted
/// ```
fn expand_item(
    item: Item,
    catalogue: &BlockingCatalogue,
    tracking: Option<&Item>,
    errors: &mut Vec<syn::Error>,
) -> TokenStream {
    match item {
        Item::Fn(mut function) => {
            let checked = check_fn(
                &function.sig,
                &mut function.block,
                catalogue,
                &Imports::default(),
                errors,
            );
            if checked {
                if let Some(tracking) = tracking {
                    policy_file::track_in_fn(&function.sig, &mut function.block, tracking);
                }
            } else if !shape::is_test_case_wrapper(&function) {
                // A test macro's case wrapper only calls the test: nothing to check.
                let (fn_token, name) = (&function.sig.fn_token, &function.sig.ident);
                errors.push(syn::Error::new_spanned(
                    quote!(#fn_token #name),
                    format!(
                        "`#[no_blocking]` checks async code, and `fn {name}` is not async \
                         (blocking is fine in sync code): put it on an `async fn`, an `impl` \
                         block or an inline `mod`, whose async fns it checks"
                    ),
                ));
            }
            function.into_token_stream()
        }
        Item::Impl(mut item_impl) => {
            check_impl(&mut item_impl, catalogue, &Imports::default(), errors);
            quote!(#tracking #item_impl)
        }
        Item::Mod(mut item_mod) => {
            if let Some((_, items)) = &mut item_mod.content {
                check_mod(items, catalogue, errors);
            } else {
                let name = &item_mod.ident;
                errors.push(syn::Error::new_spanned(
                    quote!(#name),
                    format!(
                        "`#[no_blocking]` needs an inline `mod {name} {{ .. }}`: a macro cannot \
                         read the file of `mod {name};`; put the attribute on the impl blocks \
                         and async fns in that file instead"
                    ),
                ));
            }
            quote!(#tracking #item_mod)
        }
        other => {
            let bodiless = match &other {
                Item::Verbatim(tokens) => bodiless_declaration(tokens),
                _ => None,
            };
            errors.push(bodiless.unwrap_or_else(|| misuse(&other)));
            other.into_token_stream()
        }
    }
}

fn misuse(item: &Item) -> syn::Error {
    let accepted = "`#[no_blocking]` applies to an `async fn`, an `impl` block or an inline \
                    `mod` (whose async fns it checks)";
    let (head, kind) = match item {
        Item::Struct(item) => {
            let (keyword, ident) = (&item.struct_token, &item.ident);
            (quote!(#keyword #ident), "a struct")
        }
        Item::Enum(item) => {
            let (keyword, ident) = (&item.enum_token, &item.ident);
            (quote!(#keyword #ident), "an enum")
        }
        Item::Trait(item) => {
            let (trait_token, ident) = (&item.trait_token, &item.ident);
            return syn::Error::new_spanned(
                quote!(#trait_token #ident),
                format!(
                    "{accepted}, not to a trait: put it on the `impl` blocks of `{ident}`, \
                     or on an inline `mod` around the trait to check its default async fns"
                ),
            );
        }
        Item::Const(item) => (item.ident.to_token_stream(), "a const"),
        Item::Static(item) => (item.ident.to_token_stream(), "a static"),
        Item::Type(item) => (item.ident.to_token_stream(), "a type alias"),
        Item::Use(item) => (item.use_token.to_token_stream(), "a `use` item"),
        _ => (item.to_token_stream(), "this item"),
    };
    syn::Error::new_spanned(head, format!("{accepted}, not to {kind}"))
}

/// Checks every async fn of an impl block; sync fns stay untouched.
fn check_impl(
    item_impl: &mut ItemImpl,
    catalogue: &BlockingCatalogue,
    imports: &Imports,
    errors: &mut Vec<syn::Error>,
) {
    for impl_item in &mut item_impl.items {
        if let ImplItem::Fn(function) = impl_item {
            let local = nested_policy(&mut function.attrs, catalogue, errors);
            let catalogue = local.as_ref().unwrap_or(catalogue);
            check_fn(
                &function.sig,
                &mut function.block,
                catalogue,
                imports,
                errors,
            );
        }
    }
}

/// Checks the async fns of a module, its impl blocks and inline submodules.
fn check_mod(items: &mut [Item], catalogue: &BlockingCatalogue, errors: &mut Vec<syn::Error>) {
    let mut imports = Imports::default();
    imports.add_items(items);
    for item in items {
        match item {
            Item::Fn(function) => {
                let local = nested_policy(&mut function.attrs, catalogue, errors);
                let catalogue = local.as_ref().unwrap_or(catalogue);
                check_fn(
                    &function.sig,
                    &mut function.block,
                    catalogue,
                    &imports,
                    errors,
                );
            }
            Item::Impl(item_impl) => {
                let local = nested_policy(&mut item_impl.attrs, catalogue, errors);
                let catalogue = local.as_ref().unwrap_or(catalogue);
                check_impl(item_impl, catalogue, &imports, errors);
            }
            Item::Mod(item_mod) => {
                let local = nested_policy(&mut item_mod.attrs, catalogue, errors);
                let catalogue = local.as_ref().unwrap_or(catalogue);
                if let Some((_, items)) = &mut item_mod.content {
                    check_mod(items, catalogue, errors);
                }
            }
            // The default bodies of a trait's async fns are the module's code too.
            Item::Trait(item_trait) => {
                let local = nested_policy(&mut item_trait.attrs, catalogue, errors);
                let catalogue = local.as_ref().unwrap_or(catalogue);
                for trait_item in &mut item_trait.items {
                    if let TraitItem::Fn(function) = trait_item {
                        if let Some(block) = &mut function.default {
                            check_fn(&function.sig, block, catalogue, &imports, errors);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// A `#[no_blocking(..)]` on an item inside an annotated impl or mod refines the outer
/// policy for that item. It is consumed here, so the item is not checked twice.
fn nested_policy(
    attrs: &mut Vec<Attribute>,
    catalogue: &BlockingCatalogue,
    errors: &mut Vec<syn::Error>,
) -> Option<BlockingCatalogue> {
    let index = attrs
        .iter()
        .position(|attr| last_segment_is(attr.path(), "no_blocking"))?;
    let attr = attrs.remove(index);
    let args = match &attr.meta {
        Meta::Path(_) => Ok(AttributePolicy::default()),
        Meta::List(list) => syn::parse2::<AttributePolicy>(list.tokens.clone()),
        Meta::NameValue(_) => Err(syn::Error::new_spanned(&attr, ATTRIBUTE_FORMS)),
    };
    match args {
        Ok(args) => Some(with_args(catalogue, &args, errors)),
        Err(error) => {
            errors.push(error);
            None
        }
    }
}

/// Scans one fn body. Returns `false` for sync code, which is left alone.
fn check_fn(
    sig: &Signature,
    block: &mut Block,
    catalogue: &BlockingCatalogue,
    imports: &Imports,
    errors: &mut Vec<syn::Error>,
) -> bool {
    // Another of our attributes may have run first and wrapped the body in the watch.
    let plain = watchdog_hook::plain_body(block.clone());
    let mut imports = imports.clone();
    imports.add_signature(sig);
    match shape::fn_shape(sig, &plain) {
        // The whole block: under `#[async_trait]`, what runs before the boxed future runs
        // in the caller's poll too.
        FnShape::AsyncFn | FnShape::AsyncTrait => {
            let findings = blocking::scan_block(&plain, Context::Async, catalogue, &imports);
            push_findings(findings, errors);
            *block = watchdog_hook::instrument_body(sig, plain);
        }
        // Only the async blocks are the user's code; the `block_on` is tokio's.
        FnShape::RuntimeEntry => {
            // The whole block's imports and locals, as for the other shapes.
            imports.add_body(&plain);
            for body in shape::runtime_entry_bodies(&plain) {
                let findings =
                    blocking::scan_block(&body.block, Context::Async, catalogue, &imports);
                push_findings(findings, errors);
            }
        }
        // Sync code: blocking is fine.
        FnShape::SyncWithAsyncBlock | FnShape::Sync | FnShape::NotAFn => return false,
    }
    true
}

/// The crate's `async-hygiene.toml`, applied to the built-in catalogue.
fn apply_policy_file(
    catalogue: &mut BlockingCatalogue,
    loaded: &LoadedPolicy,
    errors: &mut Vec<syn::Error>,
) {
    let Some(policy) = policy_file::policy(loaded, errors) else {
        return;
    };
    for rule in catalogue.apply(policy, "this crate's `async-hygiene.toml`") {
        errors.push(syn::Error::new(
            proc_macro2::Span::call_site(),
            format!(
                "{}:{}: `{}` matches no blocking call that `#[no_blocking]` checks, so there \
                 is nothing to allow",
                loaded.path.display(),
                rule.line,
                rule.rule
            ),
        ));
    }
}

/// The catalogue with an attribute's `deny`/`allow` rules applied.
fn with_args(
    catalogue: &BlockingCatalogue,
    args: &AttributePolicy,
    errors: &mut Vec<syn::Error>,
) -> BlockingCatalogue {
    let mut catalogue = catalogue.clone();
    for rule in catalogue.apply(&args.policy, "`#[no_blocking(deny(..))]`") {
        let tokens = rule
            .location
            .map_or_else(TokenStream::new, |location| location.tokens());
        errors.push(syn::Error::new_spanned(
            tokens,
            format!(
                "`{}` matches no blocking call that `#[no_blocking]` checks, so there is \
                 nothing to allow",
                rule.rule
            ),
        ));
    }
    catalogue
}
