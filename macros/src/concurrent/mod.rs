//! `#[concurrent]`: rewrites independent sequential awaits of an async fn into joins
//! along their data dependencies.
//!
//! entry (`expand` here: checks, markers) → the plan of each block, from the shared
//! analysis (`async_hygiene_analysis::concurrent::BlockPlan`: use/def facts, why each
//! statement stays, name resolution, the dependency graph of each run of movable `let`s,
//! renames of shadowed bindings, the schedule) → emit (`emit`: renames, then nested calls
//! of the runtime's `concurrent_join*`/`concurrent_try_join*`).

mod emit;

#[cfg(test)]
mod snapshots;

use async_hygiene_analysis::shape::{self, Classified, FnShape};
use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::visit_mut::VisitMut;

use async_hygiene_analysis::concurrent::mutable_names;

use self::emit::{BlockRewriter, MarkerStripper};
use crate::arguments::no_arguments;
use crate::errors::{with_errors, Errors};

const USAGE: &str = "`#[concurrent]` takes no arguments: write `#[concurrent]` on an `async fn`, \
     and `#[concurrent::barrier]` on a statement that must keep its place";

/// `#[concurrent]`'s arguments: none.
struct ConcurrentArgs;

impl Parse for ConcurrentArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        no_arguments(input, USAGE)?;
        Ok(Self)
    }
}

/// Input: `#[concurrent] async fn f(…) -> R { body }`.
/// Output: the same signature; the body with every run of movable `let`s replaced by
/// joins (see `emit.rs`), passed through the watchdog hook. On any error: the errors,
/// and the function as written (markers removed) so the crate still type-checks.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let function = match shape::classify(&item) {
        Classified::Fn(function, _) => *function,
        // A syntax error inside a fn: let rustc report it on the tokens as written.
        Classified::FnWithInvalidBody => return item,
        Classified::NotAFn(error) => {
            if let Ok(declaration) = syn::parse2::<syn::TraitItemFn>(item.clone()) {
                if declaration.default.is_none() {
                    let error = syn::Error::new_spanned(
                        &declaration.sig.ident,
                        "`#[concurrent]` rewrites a function body, and this declaration has \
                         none: put the attribute on the implementations",
                    );
                    return with_errors(&error, item);
                }
            }
            let error = syn::Error::new(
                error.span(),
                "`#[concurrent]` applies to an `async fn` with a body",
            );
            return with_errors(&error, item);
        }
    };
    match rewrite(args, function.clone()) {
        Ok(mut rewritten) => {
            let body = crate::watchdog_hook::instrument_body(&rewritten.sig, *rewritten.block);
            rewritten.block = Box::new(body);
            rewritten.into_token_stream()
        }
        Err(error) => {
            let mut original = function;
            let mut stripper = MarkerStripper {
                misplaced: Vec::new(),
                statements_too: true,
            };
            stripper.visit_block_mut(&mut original.block);
            with_errors(&error, original)
        }
    }
}

/// The checks and the rewrite, without the watchdog hook (the snapshots show this).
fn rewrite(args: TokenStream, mut function: syn::ItemFn) -> syn::Result<syn::ItemFn> {
    // Another of our attributes above this one already wrapped the body for the watchdog.
    function.block = Box::new(crate::watchdog_hook::plain_body(*function.block));
    let mut errors = Errors::default();
    if let Err(error) = syn::parse2::<ConcurrentArgs>(args) {
        errors.push(error);
    }
    if let Some(constness) = &function.sig.constness {
        errors.push(syn::Error::new_spanned(
            constness,
            "`#[concurrent]` cannot apply to a `const fn`: it joins awaits of an `async fn`",
        ));
    } else if shape::fn_shape(&function.sig, &function.block) == FnShape::Sync {
        // Every other shape holds async code: an `async fn`, or a sync fn holding the async
        // body, as after `#[async_trait]` or `#[tokio::test]` ran first.
        errors.push(syn::Error::new_spanned(
            function.sig.fn_token,
            "`#[concurrent]` joins the awaits of an `async fn`, and this function is not \
             `async` (nor does it contain an `async` block)",
        ));
    }
    // Misplaced markers first: the rewrite moves statements into join branches.
    let mut stripper = MarkerStripper {
        misplaced: Vec::new(),
        statements_too: false,
    };
    stripper.visit_block_mut(&mut function.block);
    errors.extend(stripper.misplaced);
    let mutables = mutable_names(&function.sig, &function.block);
    let mut rewriter = BlockRewriter {
        mutables: &mutables,
        errors: Vec::new(),
    };
    rewriter.visit_block_mut(&mut function.block);
    errors.extend(rewriter.errors);
    errors.finish(function)
}

#[cfg(test)]
mod tests {
    use quote::quote;

    #[test]
    fn items_that_only_mention_fn_are_rejected_and_kept() {
        for item in [
            quote!(
                type Loader = fn() -> u8;
            ),
            quote!(
                static LOADER: fn() = load;
            ),
            quote!(
                pub const PICK: fn(u8) -> u8 = |x| x;
            ),
        ] {
            let out = super::expand(quote!(), item.clone()).to_string();
            assert!(
                out.contains("`#[concurrent]` applies to an `async fn` with a body"),
                "{out}"
            );
            assert!(out.ends_with(&item.to_string()), "{out}");
        }
    }

    #[test]
    fn a_fn_whose_body_does_not_parse_is_left_to_rustc() {
        let item: proc_macro2::TokenStream = "async fn f() { let = ; }".parse().unwrap_or_default();
        assert_eq!(
            super::expand(quote!(), item.clone()).to_string(),
            item.to_string()
        );
    }
}
