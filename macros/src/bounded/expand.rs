//! `#[bounded]`'s expansion: a permit acquired before the body runs.

use proc_macro2::Span;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Block, Ident, ItemFn};

use async_hygiene_analysis::shape;

use super::args::{BoundedArgs, LimitSource, Timeout};
use crate::private::Private;
use crate::watchdog_hook;

// Input:
//     #[bounded(8, timeout = "1s")]
//     async fn fetch(url: Url) -> Result<Page, Error> { body }
//
// Output:
//     async fn fetch(url: Url) -> Result<Page, Error> {
//         let __async_hygiene_permit = {
//             static __ASYNC_HYGIENE_LIMIT: BoundedLimit =
//                 BoundedLimit::new(concat!(module_path!(), "::fetch"), 8);
//             match bounded_acquire_own_timeout(&__ASYNC_HYGIENE_LIMIT, Duration::from_nanos(..)).await {
//                 Ok(permit) => permit,
//                 Err(timeout) => return Err(bounded_timeout_error(timeout)),
//             }
//         };
//         body
//     }
//
// The signature is untouched and the body stays the fn's own block, so `return`, `?`,
// return-type inference, `impl Trait` and `self` behave exactly as written. The permit is
// the first local, hence dropped last: it is held until the body's own locals are gone.
// `#[bounded(limit = DB)]` acquires `&(DB)` instead of declaring a static.
pub(super) fn expand_bounded(args: &BoundedArgs, mut function: ItemFn) -> ItemFn {
    // Generated paths carry the span of the argument they come from, so a type error
    // (a `limit` that is not a `Limit`, an error type without `From<LimitTimeout>`, a const
    // capacity of 0) points at that argument rather than at the whole attribute.
    let private = Private::at;
    let permit = Ident::new("__async_hygiene_permit", Span::mixed_site());
    let (declare_limit, limit_ref, acquire_span, own) = match &args.source {
        LimitSource::Own { capacity } => {
            let limit = format_ident!("__ASYNC_HYGIENE_LIMIT");
            let name = function.sig.ident.to_string();
            let private = private(capacity.span());
            let declare = quote_spanned! {capacity.span()=>
                static #limit: #private::BoundedLimit = #private::BoundedLimit::new(
                    #private::core::concat!(#private::core::module_path!(), "::", #name),
                    #capacity,
                );
            };
            (Some(declare), quote!(&#limit), capacity.span(), true)
        }
        LimitSource::Shared { key, limit } => (
            None,
            quote_spanned!(limit.span()=> &(#limit)),
            key.span(),
            false,
        ),
    };
    let acquire = match (&args.timeout, own) {
        (None, own) => {
            let private = private(acquire_span);
            let acquire = if own {
                quote_spanned!(acquire_span=> bounded_acquire_own)
            } else {
                quote_spanned!(acquire_span=> bounded_acquire)
            };
            quote_spanned! {acquire_span=> #private::#acquire(#limit_ref).await }
        }
        (Some(Timeout { key, duration }), own) => {
            let private = private(key.span());
            let acquire_timeout = if own {
                quote_spanned!(key.span()=> bounded_acquire_own_timeout)
            } else {
                quote_spanned!(key.span()=> bounded_acquire_timeout)
            };
            let acquired = Ident::new("__async_hygiene_ok", Span::mixed_site());
            let timed_out = Ident::new("__async_hygiene_timed_out", Span::mixed_site());
            quote_spanned! {key.span()=>
                match #private::#acquire_timeout(#limit_ref, #duration).await {
                    #private::core::result::Result::Ok(#acquired) => #acquired,
                    #private::core::result::Result::Err(#timed_out) => {
                        return #private::core::result::Result::Err(
                            #private::bounded_timeout_error(#timed_out),
                        );
                    }
                }
            }
        }
    };
    // The static lives in the block that yields the permit: first in its own block, so it
    // is never an item after statements, whatever an attribute below puts before the body.
    // The permit goes through a binding of its own: bound straight from the `.await`, it
    // would be live beside the acquire future at every suspension, and rustc would give
    // them separate room in the fn's future instead of one shared slot. (Spans of the
    // expansion, so `clippy::let_and_return` treats it as macro code.)
    let acquired = Ident::new("__async_hygiene_acquired", Span::mixed_site());
    let prologue: Block = syn::parse_quote! {{
        let #permit = {
            #declare_limit
            let #acquired = #acquire;
            #acquired
        };
    }};
    // An attribute of ours above this one already wrapped the body in the watch: unwrap
    // it so the single watch added below covers the acquire too.
    let mut block = watchdog_hook::plain_body(*function.block);
    // The body whose execution is bounded: an `async fn`'s block, or the `async` block that
    // `#[async_trait]` (applied first, on the impl) left in `Box::pin(async move { … })`.
    if let Some(body) = shape::fn_shape(&function.sig, &block).async_body_mut(&mut block) {
        // After the items that lead the body (an attribute's `const _` tracking
        // `async-hygiene.toml`), so that none of them comes after a statement.
        let lead = body
            .stmts
            .iter()
            .take_while(|stmt| matches!(stmt, syn::Stmt::Item(_)))
            .count();
        body.stmts.splice(lead..lead, prologue.stmts);
    }
    function.block = Box::new(watchdog_hook::instrument_body(&function.sig, block));
    function
}
