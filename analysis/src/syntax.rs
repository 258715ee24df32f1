//! Small questions about syntax that the rules, the attributes and the checker all ask,
//! answered once.

use proc_macro2::{TokenStream, TokenTree};
use syn::Expr;

/// An expression without the parentheses, invisible groups and `&`/`&mut` around it:
/// `(&f)` → `f`.
///
/// ```
/// use async_hygiene_analysis::syntax::peel;
///
/// let expr: syn::Expr = syn::parse_str("(&mut (x))").unwrap();
/// assert!(matches!(peel(&expr), syn::Expr::Path(_)));
/// ```
#[must_use]
pub fn peel(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(inner) => peel(&inner.expr),
        Expr::Group(inner) => peel(&inner.expr),
        Expr::Reference(inner) => peel(&inner.expr),
        _ => expr,
    }
}

/// Whether `name` is among the identifiers of `tokens`, at any depth (a macro's input,
/// read without parsing it).
///
/// ```
/// use async_hygiene_analysis::syntax::tokens_mention;
///
/// let tokens: proc_macro2::TokenStream = "f(a, [b.await])".parse().unwrap();
/// assert!(tokens_mention(tokens.clone(), "await"));
/// assert!(!tokens_mention(tokens, "c"));
/// ```
#[must_use]
pub fn tokens_mention(tokens: TokenStream, name: &str) -> bool {
    tokens.into_iter().any(|tree| match tree {
        TokenTree::Ident(ident) => ident == name,
        TokenTree::Group(group) => tokens_mention(group.stream(), name),
        _ => false,
    })
}
