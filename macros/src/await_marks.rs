//! Marks each `.await` of a watched body with its source location, so that the watchdog
//! reports a slow poll as the stretch of lines it ran, not just the fn.
//!
//! Two forms. When every point where the body can suspend is an `.await` outside macro
//! calls ([`tracked_argument`]), the body keeps its own watch state and each mark ends
//! one timed stretch and begins the next: no wrapper around the body, two thirds of the
//! wrapper's cost a poll. Otherwise the watch wraps the body and the marks record the
//! last await a poll reached, in a thread-local ([`marked_argument`]):
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
//! `select_biased!`, by their last path segment: the analysis crate's
//! `syntax::AWAITING_MACROS`, one table for the scanner, `#[concurrent]` and these marks) are marked as one await, at the macro's
//! name: `let (a, b) = join!(f(), g());` becomes
//! `let (a, b) = (_::at_await_macro(), join!(f(), g())).1;` (a tuple, so temporaries live
//! as long as before), and a statement `select! { … }` gets `_::at_await_macro();` before
//! it. Awaits written inside other macro calls (`assert_eq!(f().await, 1)`) are tokens
//! the attribute does not parse: a poll that suspends in one is reported as ending at the
//! last marked await. Awaits in nested items are other functions' and stay as they are.

use async_hygiene_analysis::concurrent::cannot_suspend;
use async_hygiene_analysis::syntax::AWAITING_MACROS;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use syn::visit::{self, Visit};
use syn::visit_mut::{self, VisitMut};
use syn::{Block, Expr, ExprAsync, ExprAwait, ExprClosure, Item, Macro, Stmt};

use crate::item::last_segment_is;
use crate::private::Private;

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

/// The `tracked = (state) { … }` argument of the watch call for `body`, when every point
/// where the body can suspend is an `.await` the attribute sees: the watch then needs no
/// wrapper around the body (see the runtime's `watchdog::tracked`). `None` when a macro
/// call may hide a suspension (`select!`, `join!`, an unknown macro, an `.await` inside
/// macro arguments): the watch then wraps the body and the awaits are marked with
/// [`marked_argument`].
///
/// Input:  `{ let user = db.user(id).await?; render(user) }`
/// Output (`_::` is `::async_hygiene::__private::`, `state` a hygienic local):
/// ```text
/// , tracked = (state) { let user = _::mark_await(&state, db.user(id)).await?; render(user) }
/// ```
/// Awaits in nested async blocks and closures are other futures' and stay as they are:
/// a nested future awaited here suspends the body through this body's own mark.
pub(crate) fn tracked_argument(body: &Block) -> Option<TokenStream> {
    let mut check = Trackable(true);
    check.visit_block(body);
    if !check.0 {
        return None;
    }
    let state = Ident::new("__async_hygiene_watch", Span::mixed_site());
    let mut marked = body.clone();
    StateMarker { state: &state }.visit_block_mut(&mut marked);
    Some(quote!(, tracked = (#state) #marked))
}

/// Marks `awaited` at its `await` keyword: with the body's watch `state`,
/// `mark_await(&state, base)`, else `at_await(base)`.
fn mark(awaited: &mut ExprAwait, state: Option<&Ident>) {
    let span = awaited.await_token.span;
    let base = without_parens(&awaited.base);
    let private = Private::at(span);
    *awaited.base = match state {
        Some(state) => syn::parse_quote_spanned!(span=> #private::mark_await(&#state, #base)),
        None => syn::parse_quote_spanned!(span=> #private::at_await(#base)),
    };
}

/// `(shutdown)` of `(shutdown).await` as `shutdown`: as a call's argument the parentheses
/// would trip `unused_parens` in the user's crate.
fn without_parens(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(paren) if paren.attrs.is_empty() => without_parens(&paren.expr),
        _ => expr,
    }
}

/// Whether every suspension point of a body is an `.await` outside macro calls.
struct Trackable(bool);

impl<'ast> Visit<'ast> for Trackable {
    fn visit_item(&mut self, _: &'ast Item) {}
    fn visit_expr_async(&mut self, _: &'ast ExprAsync) {}
    fn visit_expr_closure(&mut self, _: &'ast ExprClosure) {}
    fn visit_macro(&mut self, mac: &'ast Macro) {
        self.0 &= cannot_suspend(mac);
    }
    fn visit_expr(&mut self, expr: &'ast Expr) {
        if self.0 {
            visit::visit_expr(self, expr);
        }
    }
}

/// Marks the body's own awaits with its watch state.
struct StateMarker<'a> {
    state: &'a Ident,
}

impl VisitMut for StateMarker<'_> {
    fn visit_item_mut(&mut self, _: &mut Item) {}
    fn visit_expr_async_mut(&mut self, _: &mut ExprAsync) {}
    fn visit_expr_closure_mut(&mut self, _: &mut ExprClosure) {}

    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        // Inner awaits first: `f(x.await).await` marks both.
        visit_mut::visit_expr_mut(self, expr);
        if let Expr::Await(awaited) = expr {
            mark(awaited, Some(self.state));
        }
    }
}

struct AwaitMarker;

/// Whether `mac` awaits its operands: `join!`, `tokio::select!`, ….
fn awaits_operands(mac: &Macro) -> bool {
    AWAITING_MACROS
        .iter()
        .any(|known| last_segment_is(&mac.path, known.name))
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
            Expr::Await(awaited) => mark(awaited, None),
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

/// Parses and drops a `, marked = { … }` or `, tracked = (state) { … }` argument after
/// the body, if there is one.
pub(crate) fn skip_marked_argument(input: syn::parse::ParseStream<'_>) -> syn::Result<()> {
    syn::custom_keyword!(marked);
    syn::custom_keyword!(tracked);
    if input.peek(syn::Token![,]) && input.peek2(marked) {
        input.parse::<syn::Token![,]>()?;
        input.parse::<marked>()?;
        input.parse::<syn::Token![=]>()?;
        input.parse::<Block>()?;
    } else if input.peek(syn::Token![,]) && input.peek2(tracked) {
        input.parse::<syn::Token![,]>()?;
        input.parse::<tracked>()?;
        input.parse::<syn::Token![=]>()?;
        input.parse::<proc_macro2::Group>()?;
        input.parse::<Block>()?;
    }
    Ok(())
}

/// `tokens` without any `, marked = { … }` or `, tracked = (state) { … }` argument, for
/// tests of the rest of the watch.
#[cfg(test)]
pub(crate) fn without_marked(tokens: TokenStream) -> TokenStream {
    use proc_macro2::{Group, TokenTree};
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut kept = Vec::new();
    let mut index = 0;
    while index < trees.len() {
        if let [TokenTree::Punct(comma), TokenTree::Ident(key), TokenTree::Punct(eq), TokenTree::Group(_), rest @ ..] =
            &trees[index..]
        {
            if comma.as_char() == ',' && key == "marked" && eq.as_char() == '=' {
                index += 4;
                continue;
            }
            if comma.as_char() == ',' && key == "tracked" && eq.as_char() == '=' && !rest.is_empty()
            {
                index += 5;
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

    /// With the `watchdog` feature (the facade's turns on this crate's): the tracked copy
    /// when every await is visible, else the marked copy for the wrapper.
    #[test]
    #[cfg(feature = "watchdog")]
    fn the_watch_carries_the_tracked_or_marked_body_after_the_plain_one() {
        let out = watch_of("async fn f() -> u8 { g().await }");
        assert!(
            out.ends_with(&expected(
                "body = { g().await }, tracked = (__async_hygiene_watch) \
                 { _::mark_await(&__async_hygiene_watch, g()).await }) }"
            )),
            "{out}"
        );
        let out = watch_of("async fn f() -> u8 { tokio::select! { x = g() => x } }");
        assert!(
            out.ends_with(&expected(
                "body = { tokio::select! { x = g() => x } }, \
                 marked = { _::at_await_macro(); tokio::select! { x = g() => x } }) }"
            )),
            "{out}"
        );
        for out in [
            watch_of("async fn f() -> u8 { g().await }"),
            watch_of("async fn f() -> u8 { tokio::select! { x = g() => x } }"),
        ] {
            let plain = without_marked(out.parse().expect("tokens")).to_string();
            assert!(
                !plain.contains("marked") && !plain.contains("tracked"),
                "{plain}"
            );
            assert!(squeeze(&plain).contains("body={"), "{plain}");
        }
    }

    fn tracked(body: &str) -> Option<String> {
        let block: Block = syn::parse_str(body).expect("test blocks parse");
        tracked_argument(&block).map(|tokens| squeeze(&tokens.to_string()))
    }

    #[test]
    fn a_body_whose_awaits_are_all_visible_is_tracked() {
        assert_eq!(
            tracked(
                "{ let user = db.user(id).await?; info!(\"{user}\"); \
                 let a = async move { f().await }; send(load(x.await).await) }"
            ),
            Some(expected(
                ", tracked = (__async_hygiene_watch) { \
                 let user = _::mark_await(&__async_hygiene_watch, db.user(id)).await?; \
                 info!(\"{user}\"); \
                 let a = async move { f().await }; \
                 send(_::mark_await(&__async_hygiene_watch, \
                 load(_::mark_await(&__async_hygiene_watch, x).await)).await) }"
            ))
        );
        assert_eq!(
            tracked("{ (shutdown).await }"),
            Some(expected(
                ", tracked = (__async_hygiene_watch) \
                 { _::mark_await(&__async_hygiene_watch, shutdown).await }"
            ))
        );
        // Macros that cannot suspend, and any macro in a nested future or item, are fine.
        assert!(
            tracked("{ let v = vec![1]; tokio::spawn(async { join!(a(), b()) }); f().await }")
                .is_some()
        );
        assert!(tracked("{ fn g() { my_macro!() } f().await }").is_some());
    }

    #[test]
    fn a_macro_that_may_hide_a_suspension_keeps_the_wrapper() {
        for body in [
            "{ tokio::select! { x = f() => x } }",
            "{ let (a, b) = tokio::join!(f(), g()); a + b }",
            "{ futures::select_biased! { x = f() => x } }",
            "{ assert_eq!(f().await, 1); }",
            "{ retry!(f()); }",
            "{ let x = g(my_macro!(f())); x.await }",
        ] {
            assert_eq!(tracked(body), None, "{body}");
        }
    }

    /// Without it, the body is emitted as written: no watch, no marked copy.
    #[test]
    #[cfg(not(feature = "watchdog"))]
    fn without_the_feature_the_body_is_plain() {
        let out = watch_of("async fn f() -> u8 { g().await }");
        assert_eq!(out, "{g().await}");
    }

    fn watch_of(function: &str) -> String {
        let function: syn::ItemFn = syn::parse_str(function).expect("test items parse");
        squeeze(
            &crate::watchdog_hook::instrument_body(&function.sig, *function.block)
                .to_token_stream()
                .to_string(),
        )
    }
}
