//! Marks each `.await` of a watched body with its source location, so that the watchdog
//! reports a slow poll as the stretch of lines it ran, not just the fn.
//!
//! Input:
//! ```text
//! let user = db.user(id).await?;
//! let feed = http.get(&url).await?;
//! ```
//! Output (`::async_hygiene::__private::` shortened to `_::`; each call is spanned at its
//! `await` keyword, so `#[track_caller]` records the user's line and column):
//! ```text
//! let user = _::at_await(db.user(id)).await?;
//! let feed = _::at_await(http.get(&url)).await?;
//! ```
//! `at_await` stores the location in a thread-local slot and returns the future as
//! `.await` takes it: the poll that ends pending ends at the last await it reached. The
//! expression and its temporaries are evaluated as before, in the same statement.
//!
//! The macros that await their operands (`join!`, `try_join!`, `select!`,
//! `select_biased!`, by their last path segment) are marked as one await, at the macro's
//! name: `let (a, b) = join!(f(), g());` becomes
//! `let (a, b) = (_::at_await_macro(), join!(f(), g())).1;` (a tuple, so temporaries live
//! as long as before), and a statement `select! { … }` gets `_::at_await_macro();` before
//! it. Awaits written inside other macro calls (`assert_eq!(f().await, 1)`) are tokens
//! the attribute does not parse: a poll that suspends in one is reported as ending at the
//! last marked await. Awaits in nested items are other functions' and stay as they are.

use proc_macro2::TokenStream;
use quote::quote;
use syn::visit_mut::{self, VisitMut};
use syn::{Block, Expr, Item, Macro, Stmt};

use crate::item::last_segment_is;
use crate::private::Private;

/// The macros that await their operands. The same list as the blocking scanner's in
/// `async_hygiene_analysis::blocking`, which does not export it.
const AWAITING_MACROS: &[&str] = &["join", "try_join", "select", "select_biased"];

/// `body` with each `.await` outside nested items marked (see the module docs).
pub(crate) fn mark_awaits(body: &Block) -> Block {
    let mut marked = body.clone();
    AwaitMarker.visit_block_mut(&mut marked);
    marked
}

/// The `marked = { … }` argument of the watch call for `body`.
pub(crate) fn marked_argument(body: &Block) -> TokenStream {
    let marked = mark_awaits(body);
    quote!(, marked = #marked)
}

struct AwaitMarker;

/// Whether `mac` awaits its operands: `join!`, `tokio::select!`, ….
fn awaits_operands(mac: &Macro) -> bool {
    AWAITING_MACROS
        .iter()
        .any(|name| last_segment_is(&mac.path, name))
}

impl VisitMut for AwaitMarker {
    fn visit_item_mut(&mut self, _: &mut Item) {}

    fn visit_block_mut(&mut self, block: &mut Block) {
        visit_mut::visit_block_mut(self, block);
        let stmts = std::mem::take(&mut block.stmts);
        for stmt in stmts {
            if let Stmt::Macro(statement) = &stmt {
                if awaits_operands(&statement.mac) {
                    let span = syn::spanned::Spanned::span(&statement.mac.path);
                    let private = Private::at(span);
                    block.stmts.push(syn::parse_quote_spanned!(span=>
                        #private::at_await_macro();
                    ));
                }
            }
            block.stmts.push(stmt);
        }
    }

    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        // Inner awaits first: `f(x.await).await` marks both.
        visit_mut::visit_expr_mut(self, expr);
        match expr {
            Expr::Await(awaited) => {
                let span = awaited.await_token.span;
                let base = &awaited.base;
                let private = Private::at(span);
                *awaited.base = syn::parse_quote_spanned!(span=>
                    #private::at_await(#base)
                );
            }
            Expr::Macro(call) if awaits_operands(&call.mac) => {
                let span = syn::spanned::Spanned::span(&call.mac.path);
                let private = Private::at(span);
                *expr = syn::parse_quote_spanned!(span=>
                    (#private::at_await_macro(), #call).1
                );
            }
            _ => {}
        }
    }
}

/// Parses and drops a `, marked = { … }` argument after the body, if there is one.
pub(crate) fn skip_marked_argument(input: syn::parse::ParseStream<'_>) -> syn::Result<()> {
    syn::custom_keyword!(marked);
    if input.peek(syn::Token![,]) && input.peek2(marked) {
        input.parse::<syn::Token![,]>()?;
        input.parse::<marked>()?;
        input.parse::<syn::Token![=]>()?;
        input.parse::<Block>()?;
    }
    Ok(())
}

/// `tokens` without any `, marked = { … }` argument, for tests of the rest of the watch.
#[cfg(test)]
pub(crate) fn without_marked(tokens: TokenStream) -> TokenStream {
    use proc_macro2::{Group, TokenTree};
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut kept = Vec::new();
    let mut index = 0;
    while index < trees.len() {
        if let [TokenTree::Punct(comma), TokenTree::Ident(key), TokenTree::Punct(eq), TokenTree::Group(_), ..] =
            &trees[index..]
        {
            if comma.as_char() == ',' && key == "marked" && eq.as_char() == '=' {
                index += 4;
                continue;
            }
        }
        kept.push(match &trees[index] {
            TokenTree::Group(group) => {
                let mut inner = Group::new(group.delimiter(), without_marked(group.stream()));
                inner.set_span(group.span());
                TokenTree::Group(inner)
            }
            tree => tree.clone(),
        });
        index += 1;
    }
    kept.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn squeeze(text: &str) -> String {
        text.chars().filter(|c| !c.is_whitespace()).collect()
    }

    fn marked(body: &str) -> String {
        let block: Block = syn::parse_str(body).expect("test blocks parse");
        squeeze(&mark_awaits(&block).to_token_stream().to_string())
    }

    fn expected(body: &str) -> String {
        squeeze(&body.replace("_::", "::async_hygiene::__private::"))
    }

    #[test]
    fn each_await_is_marked_inner_ones_too() {
        assert_eq!(
            marked("{ let user = db.user(id).await?; send(load(x.await).await) }"),
            expected(
                "{ let user = _::at_await(db.user(id)).await?; \
                 send(_::at_await(load(_::at_await(x).await)).await) }"
            )
        );
    }

    #[test]
    fn awaits_in_async_blocks_are_marked_but_not_in_nested_fns() {
        assert_eq!(
            marked("{ let a = async move { f().await }; async fn g() { h().await } a.await }"),
            expected(
                "{ let a = async move { _::at_await(f()).await }; \
                 async fn g() { h().await } _::at_await(a).await }"
            )
        );
    }

    #[test]
    fn macros_that_await_their_operands_are_marked_as_one_await() {
        assert_eq!(
            marked(
                "{ let (a, b) = tokio::join!(f(), g()); \
                 tokio::select! { x = h() => x, } \
                 assert_eq!(k().await, 1); }"
            ),
            expected(
                "{ let (a, b) = (_::at_await_macro(), tokio::join!(f(), g())).1; \
                 _::at_await_macro(); \
                 tokio::select! { x = h() => x, } \
                 assert_eq!(k().await, 1); }"
            )
        );
    }

    #[test]
    fn a_body_without_awaits_is_unchanged() {
        assert_eq!(
            marked("{ let x = 1; x + 1 }"),
            expected("{ let x = 1; x + 1 }")
        );
    }

    #[test]
    fn the_watch_carries_the_marked_body_after_the_plain_one() {
        let function: syn::ItemFn =
            syn::parse_str("async fn f() -> u8 { g().await }").expect("test items parse");
        let out = squeeze(
            &crate::watchdog_hook::instrument_body(&function.sig, *function.block)
                .to_token_stream()
                .to_string(),
        );
        assert!(
            out.ends_with(&expected(
                "body = { g().await }, marked = { _::at_await(g()).await }) }"
            )),
            "{out}"
        );
        assert_eq!(
            squeeze(&without_marked(out.parse().expect("tokens")).to_string()),
            squeeze(&out.replace(&expected(", marked = { _::at_await(g()).await }"), ""))
        );
    }
}
