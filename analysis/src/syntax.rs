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

/// How a macro that awaits its operands writes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AwaitedOperands {
    /// `join!(f(), g())`: futures as expressions separated by commas, which
    /// `#[concurrent]` reads through like any expression.
    Expressions,
    /// `select! { v = f() => handler, .. }`: branches, each with a future, a pattern and
    /// a handler: not expressions, so `#[concurrent]` keeps the macro in place.
    SelectBranches,
}

/// A macro that awaits its operands (an await point without an `.await` token), known
/// by the last segment of its path (`join!`, `tokio::select!`, `futures::try_join!`).
#[derive(Debug)]
pub struct AwaitingMacro {
    /// The last segment of its path.
    pub name: &'static str,
    /// How its operands are written.
    pub operands: AwaitedOperands,
}

/// The macros that await their operands: the one table the blocking scan (an operand
/// named in one is awaited; the call is where a guard is held across), `#[concurrent]`
/// (which reads through those whose operands are expressions) and the watchdog's await
/// marks (each call is one await) read.
pub static AWAITING_MACROS: [AwaitingMacro; 4] = [
    AwaitingMacro {
        name: "join",
        operands: AwaitedOperands::Expressions,
    },
    AwaitingMacro {
        name: "try_join",
        operands: AwaitedOperands::Expressions,
    },
    AwaitingMacro {
        name: "select",
        operands: AwaitedOperands::SelectBranches,
    },
    AwaitingMacro {
        name: "select_biased",
        operands: AwaitedOperands::SelectBranches,
    },
];

/// The awaiting macro whose path ends in `name`, if it is one.
///
/// ```
/// use async_hygiene_analysis::syntax::{awaiting_macro, AwaitedOperands};
///
/// assert_eq!(awaiting_macro("join").unwrap().operands, AwaitedOperands::Expressions);
/// assert_eq!(awaiting_macro("select").unwrap().operands, AwaitedOperands::SelectBranches);
/// assert!(awaiting_macro("println").is_none());
/// ```
#[must_use]
pub fn awaiting_macro(name: &str) -> Option<&'static AwaitingMacro> {
    AWAITING_MACROS.iter().find(|known| known.name == name)
}

/// A type without the references, parentheses and invisible groups around it:
/// `&mut (File)` → `File`.
pub(crate) fn peel_type(ty: &syn::Type) -> &syn::Type {
    match ty {
        syn::Type::Reference(reference) => peel_type(&reference.elem),
        syn::Type::Paren(inner) => peel_type(&inner.elem),
        syn::Type::Group(inner) => peel_type(&inner.elem),
        _ => ty,
    }
}

/// The name a `let` binds when its pattern is a single identifier (`_` included).
pub(crate) fn bound_name(pat: &syn::Pat) -> Option<String> {
    match pat {
        syn::Pat::Ident(ident) if ident.subpat.is_none() => Some(ident.ident.to_string()),
        syn::Pat::Type(typed) => bound_name(&typed.pat),
        syn::Pat::Wild(_) => Some("_".to_owned()),
        _ => None,
    }
}

/// The last segment of a path, `""` for none: what a macro or a call is named by.
pub(crate) fn last_segment(path: &syn::Path) -> String {
    path.segments
        .last()
        .map(|segment| segment.ident.to_string())
        .unwrap_or_default()
}

/// Calls whose arguments are futures that will be polled.
pub(crate) const FUTURE_TAKERS: &[&str] = &[
    "spawn",
    "spawn_local",
    "spawn_on",
    "timeout",
    "timeout_at",
    "unconstrained",
    "pin",
    "select",
    "join",
    "join_all",
    "try_join_all",
    "instrument",
    "run_until",
    "scope",
    "sync_scope",
];

/// Macros that pin a future so it can be awaited.
pub(crate) const PINNING_MACROS: &[&str] = &["pin", "pin_mut"];
