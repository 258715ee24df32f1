//! `#[offload]`: a sync fn becomes an `async fn` with the same name, arguments and return
//! type, whose body runs on tokio's blocking pool.
//!
//! Parse (`FnItem`) → validate (`validate`) → expand (`expand_offload`). Every problem is
//! reported together, next to the unchanged item.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::{ReturnType, Token};

use crate::arguments::no_arguments;

use crate::errors::{with_errors, Errors};
use crate::item::{
    body_block, borrow_errors, capture_all_arguments, not_a_function, returns_impl_trait,
    unsupported_qualifiers, FnItem,
};
use crate::private::Private;

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let args_error = syn::parse2::<OffloadArgs>(args).err();
    let Ok(function) = syn::parse2::<FnItem>(item.clone()) else {
        let mut error = not_a_function(&item, "`#[offload]` applies to a sync `fn`");
        if let Some(args_error) = args_error {
            error.combine(args_error);
        }
        return with_errors(&error, item);
    };
    let errors: Errors = args_error.into_iter().chain(validate(&function)).collect();
    match errors.into_error() {
        Some(error) => match caller_facing_item(&function) {
            Some(fallback) => with_errors(&error, fallback),
            None => with_errors(&error, item),
        },
        None => expand_offload(function),
    }
}

/// `#[offload]`'s arguments: none.
struct OffloadArgs;

impl Parse for OffloadArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        no_arguments(input, "`#[offload]` takes no arguments: write `#[offload]`")?;
        Ok(Self)
    }
}

/// On error, the item as its callers expect it: `async`, with the body run inline. A call
/// site's `.await` then type-checks and the attribute's own error is the only one, instead
/// of "`u64` is not a future" at every caller. `None` where the signature cannot simply
/// become `async` (already async, `const`, `extern`, variadic): the item stays as written.
fn caller_facing_item(function: &FnItem) -> Option<TokenStream> {
    let FnItem {
        attrs,
        vis,
        sig,
        body,
    } = function;
    if sig.asyncness.is_some()
        || sig.constness.is_some()
        || sig.abi.is_some()
        || sig.variadic.is_some()
    {
        return None;
    }
    let mut sig = sig.clone();
    sig.asyncness = Some(Token![async](sig.fn_token.span));
    Some(quote!(#(#attrs)* #vis #sig #body))
}

fn validate(function: &FnItem) -> Vec<syn::Error> {
    let sig = &function.sig;
    let mut errors = Vec::new();
    if let Some(asyncness) = &sig.asyncness {
        errors.push(syn::Error::new(
            asyncness.span,
            "`#[offload]` applies to a sync `fn`: it runs the body on tokio's blocking pool \
             and makes the function `async`. Remove `async`, or, to run async work without \
             awaiting it, use `#[background]`",
        ));
    }
    errors.extend(unsupported_qualifiers(sig, "offload"));
    errors.extend(borrow_errors(
        sig,
        "offload",
        "runs the body on another thread (tokio's blocking pool)",
    ));
    errors
}

// Input:
//     #[offload]
//     pub fn checksum(bytes: Vec<u8>, _: Permit) -> u64 { stmts }
//
// Output:
//     pub async fn checksum(bytes: Vec<u8>, __async_hygiene_arg1: Permit) -> u64 {
//         ::async_hygiene::__private::offload_run(move || -> u64 {
//             let _ = &bytes;
//             let _ = &__async_hygiene_arg1;
//             stmts
//         })
//         .await
//     }
fn expand_offload(function: FnItem) -> TokenStream {
    let FnItem {
        attrs,
        vis,
        mut sig,
        body,
    } = function;
    let captures = capture_all_arguments(&mut sig);
    // The closure's return type keeps inference (`?`, `.into()`, `collect()`) as it was in
    // the sync fn; an `impl Trait` output cannot be written there and is inferred instead.
    let closure_output = match &sig.output {
        ReturnType::Type(arrow, ty) if !returns_impl_trait(&sig.output) => quote!(#arrow #ty),
        _ => TokenStream::new(),
    };
    let name_span = sig.ident.span();
    sig.asyncness = Some(Token![async](sig.fn_token.span));
    // Spanned on the function's name, so a missing `Send` or `'static` bound points there.
    let block = body_block(captures, &body, name_span);
    let private = Private::at(name_span);
    let run = quote_spanned!(name_span=>
        #private::offload_run(move || #closure_output #block)
    );
    quote! {
        #(#attrs)*
        #vis #sig {
            #run.await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_is_reported_and_the_item_kept() {
        let item = quote!(
            async unsafe fn f(&self, path: &Path) {}
        );
        let expanded = expand(quote!(threads = 2), item.clone()).to_string();
        for needle in [
            "takes no arguments",
            "applies to a sync `fn`",
            "`unsafe fn`",
            "cannot borrow `self`",
            "argument `path` cannot borrow: take an owned `PathBuf`",
        ] {
            assert!(
                expanded.contains(needle),
                "missing {needle:?} in {expanded}"
            );
        }
        assert!(expanded.ends_with(&item.to_string()));
    }

    #[test]
    fn snapshots() {
        crate::snapshots::check("offload", super::expand);
    }
}
