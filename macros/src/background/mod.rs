//! `#[background]`: an async fn becomes a plain fn that spawns its body onto a tracked
//! registry and returns a handle at once.
//!
//! Parse (`args::parse`, `FnItem`) → validate (`validate`) → expand (`expand_background`).
//! Every problem is reported together, next to the unchanged item.

mod args;

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::{ReturnType, Token};

use self::args::{BackgroundArgs, Limit};
use crate::errors::{with_errors, Errors};
use crate::item::{
    body_block, borrow_errors, capture_all_arguments, find_attribute, last_segment_is,
    not_a_function, returns_impl_trait, unsupported_qualifiers, FnItem,
};
use crate::private::Private;

/// Attributes that rewrite an `async fn` body: below `#[background]` they would be applied
/// to the plain fn it produces, and wrap the spawn instead of the work.
const ASYNC_BODY_ATTRIBUTES: &[&str] = &["bounded", "no_blocking", "concurrent", "instrument"];

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let parsed_args = syn::parse2::<BackgroundArgs>(args);
    let Ok(function) = syn::parse2::<FnItem>(item.clone()) else {
        let mut error = not_a_function(&item, "`#[background]` applies to an `async fn`");
        if let Err(args_error) = parsed_args {
            error.combine(args_error);
        }
        return with_errors(&error, item);
    };
    let mut errors: Errors = parsed_args.as_ref().err().cloned().into_iter().collect();
    errors.extend(validate(&function));
    match (parsed_args, errors.into_error()) {
        (Ok(args), None) => expand_background(&args, function),
        (_, Some(error)) | (Err(error), None) => with_errors(&error, item),
    }
}

fn validate(function: &FnItem) -> Vec<syn::Error> {
    let sig = &function.sig;
    let mut errors = Vec::new();
    let offload_below = find_attribute(&function.attrs, "offload");
    match (sig.asyncness, offload_below) {
        (Some(_), _) => {}
        (None, Some(offload)) => errors.push(syn::Error::new_spanned(
            offload,
            "`#[offload]` must come before (above) `#[background]`: attributes apply \
             top-down, and `#[offload]` first makes the sync fn the `async fn` that \
             `#[background]` spawns (tracked CPU-heavy work that the caller does not await)",
        )),
        (None, None) => errors.push(syn::Error::new(
            sig.fn_token.span,
            "`#[background]` applies to an `async fn`: it runs the body as a tracked task. \
             To move a sync fn's blocking or CPU-heavy body off the event loop, use \
             `#[offload]`",
        )),
    }
    errors.extend(unsupported_qualifiers(sig, "background"));
    errors.extend(borrow_errors(
        sig,
        "background",
        "runs the body after the call has returned",
    ));
    for attr in &function.attrs {
        let Some(name) = ASYNC_BODY_ATTRIBUTES
            .iter()
            .find(|name| last_segment_is(attr.path(), name))
        else {
            continue;
        };
        errors.push(syn::Error::new_spanned(
            attr,
            format!(
                "`#[{name}]` must come before (above) `#[background]`: attributes apply \
                 top-down, and `#[{name}]` needs the `async fn` that `#[background]` \
                 turns into a plain fn"
            ),
        ));
    }
    errors
}

// Input:
//     #[background]
//     pub async fn record(event: Event, _: Guard) -> Result<(), Error> { stmts }
//
// Output:
//     #[track_caller]
//     pub fn record(event: Event, __async_hygiene_arg1: Guard)
//         -> ::async_hygiene::__private::BackgroundHandle<Result<(), Error>>
//     {
//         ::async_hygiene::__private::background_spawn::<Result<(), Error>, _>(
//             "record",
//             async move {
//                 let _ = &event;
//                 let _ = &__async_hygiene_arg1;
//                 stmts
//                 // (the body's statements, not its block: see `body_block`)
//             },
//         )
//     }
//
// With `registry = R` the call is `background_spawn_on(&(R), …)`. With `limit = …` the
// function stays `async` and waits for a permit of a `Limit` before spawning:
//     pub async fn record(…) -> …BackgroundHandle<…> {
//         let __async_hygiene_limit: &'static …FnLimit = {
//             static __ASYNC_HYGIENE_LIMIT: …FnLimit =
//                 …FnLimit::own(concat!(module_path!(), "::", "record"), 8);  // limit = 8
//             //  …LimitArg(&P).fn_limit(…, "…may not be 0")   limit = P: a `const` count
//             //                                              or a `static` Limit
//             &__ASYNC_HYGIENE_LIMIT
//         };
//         …background_spawn_limited(__async_hygiene_limit, "record", async move { … }).await
//     }
fn expand_background(args: &BackgroundArgs, function: FnItem) -> TokenStream {
    let FnItem {
        attrs,
        vis,
        mut sig,
        body,
    } = function;
    let name = syn::LitStr::new(&sig.ident.to_string(), sig.ident.span());
    let captures = capture_all_arguments(&mut sig);
    let output_ty = match &sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => ty.to_token_stream(),
    };
    // Naming the output type on the spawn call lets rustc infer the body (`?`, `.into()`)
    // as it did in the `async fn`; an `impl Trait` output cannot be named and is inferred.
    let output_generic = if returns_impl_trait(&sig.output) {
        TokenStream::new()
    } else {
        quote_spanned!(sig.ident.span()=> ::<#output_ty, _>)
    };
    let name_span = sig.ident.span();
    let at_name = Private::at(name_span);
    // Spanned on the function's name like the spawn call: a missing `'static` bound on a
    // type parameter is reported there, with rustc's suggestion to add it.
    let block = body_block(captures, &body, name_span);
    let job = quote_spanned!(name_span=> async move #block);
    sig.output = syn::parse_quote_spanned!(name_span=>
        -> #at_name::BackgroundHandle<#output_ty>
    );
    // Spanned on the function's name, so "future cannot be sent between threads safely"
    // and missing `'static` bounds point at the function, not at the attribute.
    let spawn = match (&args.limit, &args.registry) {
        (None, None) => quote_spanned!(name_span=>
            #at_name::background_spawn #output_generic (#name, #job)
        ),
        (None, Some(registry)) => quote_spanned!(name_span=>
            #at_name::background_spawn_on #output_generic (&(#registry), #name, #job)
        ),
        (Some(limit), registry) => {
            let limit_ref = syn::Ident::new("__async_hygiene_limit", Span::mixed_site());
            let limit_static = syn::Ident::new("__ASYNC_HYGIENE_LIMIT", Span::mixed_site());
            let private = Private::call_site();
            // Named like `#[bounded(n)]`'s own limit, `module::path::function`.
            let limit_name = quote!(#private::core::concat!(
                #private::core::module_path!(), "::", #name
            ));
            // A literal was checked here. A path is a `const` count or a `static Limit`:
            // its type picks `fn_limit`, which rejects a `const` 0 at compile time, spanned
            // on the path.
            let at_limit = Private::at(limit.span());
            let init = match limit {
                Limit::Literal(literal) => quote_spanned!(literal.span()=>
                    #at_limit::FnLimit::own(#limit_name, #literal)
                ),
                Limit::Const(path) => {
                    let zero = format!(
                        "`#[background(limit = {})]`: the limit may not be 0",
                        path.to_token_stream().to_string().replace(' ', "")
                    );
                    quote_spanned!(limit.span()=>
                        #at_limit::LimitArg(&#path).fn_limit(#limit_name, #zero)
                    )
                }
            };
            let spawn = match registry {
                None => quote_spanned!(name_span=>
                    #at_name::background_spawn_limited #output_generic (#limit_ref, #name, #job)
                ),
                Some(registry) => quote_spanned!(name_span=>
                    #at_name::background_spawn_limited_on #output_generic (
                        &(#registry), #limit_ref, #name, #job,
                    )
                ),
            };
            sig.asyncness = Some(Token![async](sig.fn_token.span));
            return quote! {
                #(#attrs)*
                #vis #sig {
                    // In its own block, so the body cannot see (or collide with) it.
                    let #limit_ref: &'static #private::FnLimit = {
                        static #limit_static: #private::FnLimit = #init;
                        &#limit_static
                    };
                    #spawn.await
                }
            };
        }
    };
    sig.asyncness = None;
    quote! {
        #(#attrs)*
        #[track_caller]
        #vis #sig {
            #spawn
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(args: TokenStream, item: TokenStream) -> String {
        expand(args, item).to_string()
    }

    #[test]
    fn every_problem_is_reported_and_the_item_kept() {
        let item = quote!(
            #[bounded(2)]
            unsafe fn f(&self, name: &str) {}
        );
        let expanded = expand_str(quote!(limit = 0, colour = 2), item.clone());
        for needle in [
            "may not be 0",
            "applies to an `async fn`",
            "`unsafe fn`",
            "cannot borrow `self`",
            "argument `name` cannot borrow: take an owned `String`",
            "`#[bounded]` must come before (above) `#[background]`",
        ] {
            assert!(
                expanded.contains(needle),
                "missing {needle:?} in {expanded}"
            );
        }
        assert!(expanded.ends_with(&item.to_string()));
    }

    #[test]
    fn non_functions_are_rejected_and_kept() {
        let expanded = expand_str(
            quote!(),
            quote!(
                struct S;
            ),
        );
        assert!(expanded.contains("`#[background]` applies to an `async fn`"));
        assert!(expanded.ends_with("struct S ;"));
    }

    #[test]
    fn snapshots() {
        crate::snapshots::check("background", super::expand);
    }
}
