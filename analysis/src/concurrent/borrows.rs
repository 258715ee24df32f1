//! Which statements may borrow a name mutably, so that joining them with another use of
//! the name would not build (E0499, E0502) or would change what the other call sees.
//!
//! A name can be borrowed mutably by a statement that is not a write (those are
//! [`super::mutable_names`]) in two ways only: a method whose receiver is `&mut self`,
//! called on a place rooted at the name (`s.a()`, `s.field.a()`, autoref), and the name
//! passed whole as an argument when it holds a `&mut` (`f(s)`, an implicit reborrow).
//! Both need the name to hold a `&mut` itself, or to be a `mut` binding (a mutable
//! name already): a binding that owns its value and is not `mut` cannot be borrowed
//! mutably at all, and a shared reference only hands out shared borrows. So only a name
//! whose type the syntax cannot see ([`opaque_bindings`]: a `let` without a type, a
//! closure parameter, a binding of a `match` or `for` pattern) is at risk, and then only
//! through a method not known to take `&self`.
//!
//! Input:
//!
//! ```text
//! let s = ctx.session();       // `s`: type not visible, may be a `&mut Session`
//! let a = s
//!     .read(1)                 // may take `&mut self`
//!     .await;
//! let b = s.read(2).await;     // joined with `a`, two `&mut` borrows: E0499
//! ```
//!
//! Output: `a` and `b` keep their order ([`super::EdgeReason::MayBorrowMutably`]).
//!
//! The checker's precise mode knows more: rustc's MIR shows, for each statement, which
//! names it borrows mutably (or writes, or moves out of) and which it only reads or
//! borrows shared ([`StatementUses`], given with [`Borrows::with_compiler`]). With those,
//! two statements that use a name only through shared borrows join, whatever the syntax
//! could not see, and a statement that borrows a name mutably keeps its order with
//! every other use of it.

use std::collections::BTreeSet;
use std::sync::Arc;

use syn::visit::{self, Visit};
use syn::{Expr, Pat};

use super::names::{mutable_names, ExprFacts};

/// Trait methods whose receiver is `&self` by the trait's own signature.
const SHARED_TRAIT_METHODS: &[&str] = &["as_ref", "clone", "to_owned", "to_string"];

/// How one statement uses the fn's names, as the compiler resolved it (rustc's MIR, read
/// by the checker's precise mode).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatementUses {
    /// Every name the statement uses: reads, borrows, writes, moves.
    pub used: BTreeSet<String>,
    /// The names it borrows mutably, writes or moves out of.
    pub exclusive: BTreeSet<String>,
}

/// The compiler's [`StatementUses`] of a statement of the fn; `None` when it has none
/// (code it did not compile, a statement it cannot place).
pub type CompilerUses = Arc<dyn Fn(&syn::Stmt) -> Option<StatementUses> + Send + Sync>;

/// What the plan of one fn knows about borrows: the names it may write through, the names
/// whose type it cannot see, and, in the checker's precise mode, how the compiler
/// resolved each statement's uses.
#[derive(Clone, Default)]
pub struct Borrows {
    mutables: BTreeSet<String>,
    opaque: BTreeSet<String>,
    transactions: BTreeSet<String>,
    compiler: Option<CompilerUses>,
}

impl std::fmt::Debug for Borrows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Borrows")
            .field("mutables", &self.mutables)
            .field("opaque", &self.opaque)
            .field("transactions", &self.transactions)
            .field("compiler", &self.compiler.is_some())
            .finish()
    }
}

/// What the compiler says about two statements that both touch one name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// One of them borrows it mutably, writes or moves it: they keep their order.
    Exclusive,
    /// Both use it, through shared borrows and reads only: it orders nothing.
    Shared,
    /// The compiler's facts do not cover both uses: the syntax decides.
    Unknown,
}

impl Borrows {
    /// The facts of the fn with signature `sig` and body `body`.
    #[must_use]
    pub fn of_fn(sig: &syn::Signature, body: &syn::Block) -> Self {
        let mutables = mutable_names(sig, body);
        let opaque = opaque_bindings(sig, body, &mutables);
        Self {
            mutables,
            opaque,
            transactions: transaction_names(sig, body),
            compiler: None,
        }
    }

    /// The names bound to a database transaction: a `let` of `.begin()`,
    /// `.transaction()` or a variant, or a parameter whose type's name ends in
    /// `Transaction`.
    #[must_use]
    pub fn transactions(&self) -> &BTreeSet<String> {
        &self.transactions
    }

    /// With the compiler's uses of each statement (the checker's precise mode).
    #[must_use]
    pub fn with_compiler(mut self, uses: CompilerUses) -> Self {
        self.compiler = Some(uses);
        self
    }

    /// The compiler's uses of each of `stmts`, all `None` without [`Borrows::with_compiler`]
    /// (no statement's span is joined then).
    pub(super) fn compiler_uses(&self, stmts: &[syn::Stmt]) -> Vec<Option<StatementUses>> {
        match &self.compiler {
            Some(uses) => stmts.iter().map(|stmt| uses(stmt)).collect(),
            None => vec![None; stmts.len()],
        }
    }

    /// What the compiler's uses of two statements (`binds`: the names each binds, whose
    /// own write is no conflict) say about `name`.
    pub(super) fn verdict(
        name: &str,
        (earlier, earlier_binds): (Option<&StatementUses>, &[String]),
        (later, later_binds): (Option<&StatementUses>, &[String]),
    ) -> Verdict {
        let exclusive = |uses: Option<&StatementUses>, binds: &[String]| {
            uses.is_some_and(|uses| {
                uses.exclusive.contains(name) && !binds.iter().any(|bound| bound == name)
            })
        };
        if exclusive(earlier, earlier_binds) || exclusive(later, later_binds) {
            return Verdict::Exclusive;
        }
        let seen = |uses: Option<&StatementUses>| uses.is_some_and(|uses| uses.used.contains(name));
        if seen(earlier) && seen(later) {
            Verdict::Shared
        } else {
            Verdict::Unknown
        }
    }

    /// The names some code in the fn may write through ([`mutable_names`]).
    #[must_use]
    pub fn mutables(&self) -> &BTreeSet<String> {
        &self.mutables
    }

    /// The names a statement with these facts may borrow mutably without writing them:
    /// an opaque name that a method not known to take `&self` is called on, or that is
    /// passed whole.
    pub(super) fn may_borrow_mutably(
        &self,
        receivers: &BTreeSet<(String, String)>,
        passed: &BTreeSet<String>,
    ) -> BTreeSet<String> {
        receivers
            .iter()
            .filter(|(name, method)| {
                self.opaque.contains(name) && !SHARED_TRAIT_METHODS.contains(&method.as_str())
            })
            .map(|(name, _)| name.clone())
            .chain(
                passed
                    .iter()
                    .filter(|name| self.opaque.contains(*name))
                    .cloned(),
            )
            .collect()
    }
}

/// Methods that open a database transaction: `pool.begin()` (sqlx, sea-orm),
/// `client.transaction()` (tokio-postgres, diesel-async), and their variants.
const TRANSACTION_OPENERS: &[&str] = &[
    "begin",
    "begin_with",
    "begin_with_config",
    "begin_transaction",
    "start_transaction",
    "transaction",
    "build_transaction",
];

/// The names bound to a database transaction in a fn: a parameter whose type is one
/// (`txn: &DatabaseTransaction`, `tx: &mut Transaction<'_, Postgres>`: a last segment
/// ending in `Transaction`), or a `let` of a method that opens one
/// ([`TRANSACTION_OPENERS`], through `.await`, `?`, `.unwrap()` and `.map_err(..)`).
/// The statements of a transaction run in the order written: two that use one keep it.
#[must_use]
fn transaction_names(sig: &syn::Signature, body: &syn::Block) -> BTreeSet<String> {
    fn is_transaction_type(ty: &syn::Type) -> bool {
        matches!(crate::syntax::peel_type(ty), syn::Type::Path(path)
            if path.path.segments.last().is_some_and(|last| last.ident.to_string().ends_with("Transaction")))
    }
    fn opens_a_transaction(expr: &Expr) -> bool {
        match expr {
            Expr::Await(inner) => opens_a_transaction(&inner.base),
            Expr::Try(inner) => opens_a_transaction(&inner.expr),
            Expr::Paren(inner) => opens_a_transaction(&inner.expr),
            Expr::Group(inner) => opens_a_transaction(&inner.expr),
            Expr::MethodCall(call) => {
                let method = call.method.to_string();
                TRANSACTION_OPENERS.contains(&method.as_str())
                    || (matches!(
                        method.as_str(),
                        "unwrap" | "expect" | "map_err" | "context" | "with_context"
                    ) && opens_a_transaction(&call.receiver))
            }
            _ => false,
        }
    }
    struct Lets(BTreeSet<String>);
    impl<'ast> Visit<'ast> for Lets {
        fn visit_local(&mut self, local: &'ast syn::Local) {
            let typed = matches!(&local.pat, Pat::Type(typed) if is_transaction_type(&typed.ty));
            let opened = local
                .init
                .as_ref()
                .is_some_and(|init| opens_a_transaction(&init.expr));
            if typed || opened {
                self.0.extend(crate::syntax::bound_name(&local.pat));
            }
            visit::visit_local(self, local);
        }
        fn visit_item(&mut self, _item: &'ast syn::Item) {}
    }
    let mut lets = Lets(BTreeSet::new());
    for input in &sig.inputs {
        if let syn::FnArg::Typed(typed) = input {
            if is_transaction_type(&typed.ty) {
                lets.0.extend(crate::syntax::bound_name(&typed.pat));
            }
        }
    }
    lets.visit_block(body);
    lets.0
}

/// The names some binding of the fn gives a type the syntax cannot see, which may then
/// be a `&mut`: a `let` without a type, a closure parameter without a type, a binding of
/// a `match`, `if let`, `while let` or `for` pattern, a parameter destructured from a
/// type that mentions `&mut`. Parameters bound whole by name are not: their type is
/// written. Nor is a `let` whose initializer is visibly no `&mut`: a shared borrow `&…`,
/// a literal, an expression that names nothing mutable or opaque and borrows nothing
/// mutably (`Client::new()`, `db()`, `ctx.session()` on a `ctx: &Ctx`: a `&mut` comes
/// from something mutable, or from a leak), or an awaited value (`f().await`, `f().await?`): a future that hands
/// back a `&mut` is rare, where a fn or method that does (`get_mut`, an accessor) is
/// common; and an awaited value is most often passed on to several calls, which would
/// otherwise never join. A `for` over a range binds numbers.
#[must_use]
pub fn opaque_bindings(
    sig: &syn::Signature,
    body: &syn::Block,
    mutables: &BTreeSet<String>,
) -> BTreeSet<String> {
    struct Opaque<'m> {
        names: BTreeSet<String>,
        mutables: &'m BTreeSet<String>,
    }
    impl Opaque<'_> {
        fn all_of(&mut self, pat: &Pat) {
            struct Names<'a>(&'a mut BTreeSet<String>);
            impl<'ast> Visit<'ast> for Names<'_> {
                fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
                    // `None`, `MAX`: a variant or a constant, not a binding.
                    let name = pat.ident.to_string();
                    if !name.starts_with(char::is_uppercase) {
                        self.0.insert(name);
                    }
                    visit::visit_pat_ident(self, pat);
                }
                fn visit_expr(&mut self, _expr: &'ast Expr) {}
            }
            Names(&mut self.names).visit_pat(pat);
        }

        /// A pattern with a written type: opaque only where the type holds a `&mut`.
        fn typed(&mut self, typed: &syn::PatType) {
            if mentions_mut_reference(&typed.ty) {
                self.all_of(&typed.pat);
            }
        }
    }
    impl<'ast> Visit<'ast> for Opaque<'_> {
        fn visit_local(&mut self, local: &'ast syn::Local) {
            let visibly_not_mut = local.init.as_ref().is_some_and(|init| {
                let value = match &*init.expr {
                    Expr::Try(tried) => &*tried.expr,
                    value => value,
                };
                if matches!(value, Expr::Reference(reference) if reference.mutability.is_none())
                    || matches!(value, Expr::Lit(_) | Expr::Await(_))
                {
                    return true;
                }
                // A `&mut` comes from something mutable: a `&mut` borrow, a mutable or
                // opaque name, or a leak (`Box::leak`, `&'static mut`).
                let facts = ExprFacts::of_expr(value);
                facts.writes.is_empty()
                    && !facts.receivers.iter().any(|(_, method)| method == "leak")
                    && !mentions_leak(value)
                    && facts
                        .uses
                        .iter()
                        .all(|name| !self.mutables.contains(name) && !self.names.contains(name))
            });
            match &local.pat {
                Pat::Type(typed) => self.typed(typed),
                pat if !visibly_not_mut => self.all_of(pat),
                _ => {}
            }
            // The initializer and the `else` block may bind names of their own.
            if let Some(init) = &local.init {
                self.visit_expr(&init.expr);
                if let Some((_, diverge)) = &init.diverge {
                    self.visit_expr(diverge);
                }
            }
        }
        fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
            for input in &closure.inputs {
                match input {
                    Pat::Type(typed) => self.typed(typed),
                    pat => self.all_of(pat),
                }
            }
            self.visit_expr(&closure.body);
        }
        fn visit_arm(&mut self, arm: &'ast syn::Arm) {
            self.all_of(&arm.pat);
            visit::visit_arm(self, arm);
        }
        fn visit_expr_let(&mut self, expr: &'ast syn::ExprLet) {
            self.all_of(&expr.pat);
            visit::visit_expr_let(self, expr);
        }
        fn visit_expr_for_loop(&mut self, expr: &'ast syn::ExprForLoop) {
            // A range yields numbers.
            if !matches!(&*expr.expr, Expr::Range(_)) {
                self.all_of(&expr.pat);
            }
            visit::visit_expr_for_loop(self, expr);
        }
        fn visit_item(&mut self, _item: &'ast syn::Item) {}
    }
    let mut opaque = Opaque {
        names: BTreeSet::new(),
        mutables,
    };
    for input in &sig.inputs {
        if let syn::FnArg::Typed(typed) = input {
            if !matches!(&*typed.pat, Pat::Ident(_)) {
                opaque.typed(typed);
            }
        }
    }
    opaque.visit_block(body);
    opaque.names
}

/// The names every binding of which, in the fn's parameters and `let`s, has a plain
/// value type written out: a primitive number, `bool`, `char`, `String`, or a shared
/// reference to one of those or to `str` (`id: u64`, `name: &str`). Such a value reaches
/// no shared state, so two calls given the same one share nothing through it. A name
/// bound anywhere without a written type, or with another type, is not one.
#[must_use]
pub(super) fn plain_values(sig: &syn::Signature, body: &syn::Block) -> BTreeSet<String> {
    fn plain(ty: &syn::Type) -> bool {
        match ty {
            syn::Type::Reference(reference) => {
                reference.mutability.is_none()
                    && (matches!(&*reference.elem, syn::Type::Path(path) if path.path.is_ident("str"))
                        || plain(&reference.elem))
            }
            syn::Type::Paren(inner) => plain(&inner.elem),
            syn::Type::Path(path) if path.qself.is_none() => {
                path.path.get_ident().is_some_and(|ident| {
                    matches!(
                        ident.to_string().as_str(),
                        "u8" | "u16"
                            | "u32"
                            | "u64"
                            | "u128"
                            | "usize"
                            | "i8"
                            | "i16"
                            | "i32"
                            | "i64"
                            | "i128"
                            | "isize"
                            | "f32"
                            | "f64"
                            | "bool"
                            | "char"
                            | "String"
                    )
                })
            }
            _ => false,
        }
    }
    #[derive(Default)]
    struct Bindings {
        plain: BTreeSet<String>,
        other: BTreeSet<String>,
    }
    impl Bindings {
        fn typed(&mut self, pat: &Pat, ty: &syn::Type) {
            match pat {
                Pat::Ident(ident) if ident.subpat.is_none() && plain(ty) => {
                    self.plain.insert(ident.ident.to_string());
                }
                _ => self.untyped(pat),
            }
        }
        fn untyped(&mut self, pat: &Pat) {
            struct Names<'b>(&'b mut BTreeSet<String>);
            impl<'ast> Visit<'ast> for Names<'_> {
                fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
                    self.0.insert(pat.ident.to_string());
                    visit::visit_pat_ident(self, pat);
                }
                fn visit_expr(&mut self, _expr: &'ast Expr) {}
            }
            Names(&mut self.other).visit_pat(pat);
        }
    }
    impl<'ast> Visit<'ast> for Bindings {
        fn visit_pat(&mut self, pat: &'ast Pat) {
            match pat {
                Pat::Type(typed) => self.typed(&typed.pat, &typed.ty),
                _ => self.untyped(pat),
            }
        }
        fn visit_item(&mut self, _item: &'ast syn::Item) {}
    }
    let mut bindings = Bindings::default();
    for input in &sig.inputs {
        if let syn::FnArg::Typed(typed) = input {
            bindings.typed(&typed.pat, &typed.ty);
        }
    }
    bindings.visit_block(body);
    bindings.plain.retain(|name| !bindings.other.contains(name));
    bindings.plain
}

/// Whether an expression calls a `leak` fn (`Box::leak(…)`): a `&'static mut`.
fn mentions_leak(expr: &Expr) -> bool {
    struct Leak(bool);
    impl<'ast> Visit<'ast> for Leak {
        fn visit_path(&mut self, path: &'ast syn::Path) {
            self.0 |= path
                .segments
                .last()
                .is_some_and(|last| last.ident == "leak");
            visit::visit_path(self, path);
        }
    }
    let mut found = Leak(false);
    found.visit_expr(expr);
    found.0
}

/// Whether a type mentions `&mut` anywhere (`Option<&mut T>`, `(&mut A, B)`).
fn mentions_mut_reference(ty: &syn::Type) -> bool {
    struct MutReference(bool);
    impl<'ast> Visit<'ast> for MutReference {
        fn visit_type_reference(&mut self, reference: &'ast syn::TypeReference) {
            self.0 |= reference.mutability.is_some();
            visit::visit_type_reference(self, reference);
        }
    }
    let mut found = MutReference(false);
    found.visit_type(ty);
    found.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(source: &str) -> syn::ItemFn {
        syn::parse_str(source).expect("test fn parses")
    }

    #[test]
    fn only_bindings_without_a_visible_type_are_opaque() {
        let f = function(
            "async fn f(a: &mut A, b: B, (c, d): (&mut C, D), e: &E) {
                let s = a.session();
                let w = ctx.session();
                let client = Client::new(&b);
                let l = Box::leak(client);
                let t: u32 = 1;
                let r = &shared;
                let n = 5;
                let u: Option<&mut U> = None;
                items.iter().map(|x| x).for_each(|y: &mut Y| ());
                let v = fetch().await?;
                for j in items.iter_mut() {}
                match m { Some(k) => (), None => () }
                for i in 0..3 {}
            }",
        );
        let opaque = opaque_bindings(&f.sig, &f.block, &mutable_names(&f.sig, &f.block));
        let names: Vec<&str> = opaque.iter().map(String::as_str).collect();
        assert_eq!(names, ["c", "d", "j", "k", "l", "s", "u", "x", "y"]);
    }
}
