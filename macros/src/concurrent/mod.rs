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

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

use async_hygiene_analysis::concurrent::mutable_names;

use self::emit::{BlockRewriter, MarkerStripper};

const USAGE: &str = "`#[concurrent]` takes no arguments: write `#[concurrent]` on an `async fn`, \
     and `#[concurrent::barrier]` on a statement that must keep its place";

/// Input: `#[concurrent] async fn f(…) -> R { body }`.
/// Output: the same signature; the body with every run of movable `let`s replaced by
/// joins (see `emit.rs`), passed through the watchdog hook. On any error: the errors,
/// and the function as written (markers removed) so the crate still type-checks.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let function: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(error) => {
            if let Ok(declaration) = syn::parse2::<syn::TraitItemFn>(item.clone()) {
                if declaration.default.is_none() {
                    let error = syn::Error::new_spanned(
                        &declaration.sig.ident,
                        "`#[concurrent]` rewrites a function body, and this declaration has \
                         none: put the attribute on the implementations",
                    )
                    .into_compile_error();
                    return quote!(#error #item);
                }
            }
            // A syntax error inside a fn: let rustc report it on the tokens as written.
            if looks_like_fn(&item) {
                return item;
            }
            let error = syn::Error::new(
                error.span(),
                "`#[concurrent]` applies to an `async fn` with a body",
            )
            .into_compile_error();
            return quote!(#error #item);
        }
    };
    match rewrite(args, function.clone()) {
        Ok(mut rewritten) => {
            let body = crate::watch::instrument_body(&rewritten.sig, *rewritten.block);
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
            let error = error.into_compile_error();
            quote!(#error #original)
        }
    }
}

/// The checks and the rewrite, without the watchdog hook (the snapshots show this).
fn rewrite(args: TokenStream, mut function: syn::ItemFn) -> syn::Result<syn::ItemFn> {
    // Another of our attributes above this one already wrapped the body for the watchdog.
    function.block = Box::new(crate::watch::plain_body(*function.block));
    let mut errors = Vec::new();
    if !args.is_empty() {
        errors.push(syn::Error::new_spanned(args, USAGE));
    }
    if let Some(constness) = &function.sig.constness {
        errors.push(syn::Error::new_spanned(
            constness,
            "`#[concurrent]` cannot apply to a `const fn`: it joins awaits of an `async fn`",
        ));
    } else if function.sig.asyncness.is_none() && !contains_async_block(&function.block) {
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
    errors.append(&mut stripper.misplaced);
    let mutables = mutable_names(&function.sig, &function.block);
    let mut rewriter = BlockRewriter {
        mutables: &mutables,
        errors: Vec::new(),
    };
    rewriter.visit_block_mut(&mut function.block);
    errors.append(&mut rewriter.errors);
    if let Some(combined) = errors.into_iter().reduce(|mut all, next| {
        all.combine(next);
        all
    }) {
        return Err(combined);
    }
    Ok(function)
}

fn looks_like_fn(item: &TokenStream) -> bool {
    item.clone()
        .into_iter()
        .any(|tree| matches!(tree, proc_macro2::TokenTree::Ident(ident) if ident == "fn"))
}

/// A non-async fn may still hold the async body, as after `#[async_trait]` or
/// `#[tokio::test]` ran first.
fn contains_async_block(block: &syn::Block) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {
            self.0 = true;
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut finder = Finder(false);
    finder.visit_block(block);
    finder.0
}
