//! Spawned work: fan-out with nothing that caps it ([`unbounded_spawns`]) and tasks
//! whose `JoinHandle` is dropped where they are spawned ([`detached_spawns`]). Plain
//! functions over a fn body; the checker runs them on every fn, and an attribute could.
//!
//! What counts as a spawn is import-aware, as the blocking catalogue is: `tokio::spawn`,
//! `tokio::task::spawn` and `tokio::task::spawn_local` written in full or named through a
//! `use` in view (a bare `spawn(..)` nothing imports is not tokio's), and
//! `JoinSet::spawn`/`FuturesUnordered::push` only on a receiver visibly of that type: a
//! parameter or `let` typed with it, or a `let` built with its `new()`/`default()` in
//! the same fn.
//!
//! Where the compiler's resolution is known (`check --precise`), a [`Resolver`] names
//! what each call is by its span, and that wins over the names: a spawn reached through a
//! re-export, an alias or a fn of the crate that returns the task's `JoinHandle`, a
//! `JoinSet` in a field (`self.tasks.spawn(..)`), `Handle::spawn`, a `macro_rules!` whose
//! expansion is a spawn; and a call named like a spawn that is not one is no spawn. The conditions around a call (the loop, the cap,
//! what becomes of the handle) are read from the syntax in both modes.
//!
//! ```
//! use async_hygiene_analysis::blocking::Imports;
//! use async_hygiene_analysis::spawn::{detached_spawns, unbounded_spawns};
//!
//! let file: syn::File = syn::parse_quote! {
//!     async fn fetch_all(urls: Vec<String>) {
//!         for url in urls {
//!             tokio::spawn(fetch(url));
//!         }
//!     }
//! };
//! let imports = Imports::module(&file.items);
//! let syn::Item::Fn(function) = &file.items[0] else { unreachable!() };
//! let unbounded = unbounded_spawns(&function.sig, &function.block, &imports, &|_| false);
//! assert_eq!(
//!     unbounded[0].message,
//!     "`tokio::spawn` in a loop over `urls` starts a task per item, with nothing that caps how many run at once",
//! );
//! let detached = detached_spawns(&function.sig, &function.block, &imports);
//! assert!(detached[0].message.starts_with("the `JoinHandle` of `tokio::spawn` is dropped"));
//! ```

mod detached;
#[cfg(test)]
mod tests;
mod unbounded;

use std::collections::HashMap;

use quote::ToTokens;
use syn::visit::{self, Visit};
use syn::{Expr, ExprCall, FnArg, Pat, Signature, Type};

use crate::blocking::Imports;
use crate::findings::Location;

pub use self::detached::{detached_spawns, detached_spawns_resolved};
pub use self::unbounded::{unbounded_spawns, unbounded_spawns_resolved};

/// The tokio fns that spawn a task and return its `JoinHandle`.
const SPAWN_FNS: [&[&str]; 3] = [
    &["tokio", "spawn"],
    &["tokio", "task", "spawn"],
    &["tokio", "task", "spawn_local"],
];

/// The crates whose task sets the rules know.
const SET_CRATES: [&str; 3] = ["tokio", "futures", "futures_util"];

/// What the compiler resolved a call to, looked up by the span of the whole call
/// expression (`tokio::spawn(..)`, `self.tasks.spawn(..)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A spawn that returns the task's `JoinHandle`: tokio's spawn fns,
    /// `Handle::spawn`, `LocalSet::spawn_local`, or a sync fn of the crate that hands
    /// the future it is given to one of them and returns the handle.
    Spawn,
    /// A fn of the crate that spawns a task from the future it is given, changed on the
    /// way (wrapped, tracked: `TaskTracker::spawn`): a task per call, but whether the
    /// handle it returns is all there is to the task is its own business.
    SpawnWrapped,
    /// Adds a task to a `JoinSet` (`spawn`, `spawn_on`, `spawn_local`, ..).
    JoinSet,
    /// Adds a future to a `FuturesUnordered` or `FuturesOrdered`.
    Futures,
    /// Any other callee: no spawn, whatever its name.
    Other,
}

/// The compiler's resolution of the call at a location, where it is known.
pub type Resolver<'a> = &'a dyn Fn(&Location) -> Option<Resolved>;

/// The resolver of the default mode: it knows no call.
// By reference, as every `Resolver` takes it (a `Location` is a word or two, depending
// on proc-macro2's features in the build).
#[allow(clippy::trivially_copy_pass_by_ref)]
pub(crate) fn unresolved(_: &Location) -> Option<Resolved> {
    None
}

/// A call that starts a task or adds a future to a set.
pub(crate) enum SpawnCall {
    /// A spawn returning its `JoinHandle`, as written (`tokio::spawn`, `handle.spawn`).
    Task(String),
    /// A spawn through a fn that may keep track of the task ([`Resolved::SpawnWrapped`]).
    Wrapped(String),
    /// An addition to a set, as written (`set.spawn`), and the set's kind.
    Adds(String, Set),
}

impl SpawnCall {
    /// The call as written, and whether it adds a future (not a task).
    pub(crate) fn shown(&self) -> (&str, bool) {
        match self {
            SpawnCall::Task(written) | SpawnCall::Wrapped(written) => (written, false),
            SpawnCall::Adds(written, set) => (written, *set == Set::Futures),
        }
    }

    fn of(resolved: Resolved, shown: String) -> Option<SpawnCall> {
        match resolved {
            Resolved::Spawn => Some(SpawnCall::Task(shown)),
            Resolved::SpawnWrapped => Some(SpawnCall::Wrapped(shown)),
            Resolved::JoinSet => Some(SpawnCall::Adds(shown, Set::JoinSet)),
            Resolved::Futures => Some(SpawnCall::Adds(shown, Set::Futures)),
            Resolved::Other => None,
        }
    }
}

/// Whether `expr`, a call or a method call, spawns: by the compiler's resolution where
/// `resolve` knows the call, else by its names (`spawn_fn`, `set_addition`). A macro
/// call spawns only where `resolve` says so (a `macro_rules!` that stands for a spawn).
pub(crate) fn spawn_call(
    expr: &Expr,
    imports: &Imports,
    sets: &HashMap<String, Set>,
    resolve: Resolver<'_>,
) -> Option<SpawnCall> {
    if !matches!(expr, Expr::Call(_) | Expr::MethodCall(_) | Expr::Macro(_)) {
        return None;
    }
    if let Some(resolved) = resolve(&call_location(expr)) {
        let shown = match expr {
            Expr::Call(call) => written(&call.func),
            Expr::MethodCall(call) => format!("{}.{}", written(&call.receiver), call.method),
            Expr::Macro(mac) => format!("{}!", written(&mac.mac.path)),
            _ => return None,
        };
        return SpawnCall::of(resolved, shown);
    }
    match expr {
        Expr::Call(call) => spawn_fn(call, imports).map(SpawnCall::Task),
        Expr::MethodCall(call) => {
            set_addition(call, sets).map(|(shown, set)| SpawnCall::Adds(shown, set))
        }
        _ => None,
    }
}

/// The range of a call, a method call or a macro call, from its first token to its
/// closing delimiter: the span rustc gives the call. Found without copying the
/// arguments' tokens.
fn call_location(expr: &Expr) -> Location {
    /// The first token of an expression, down the left of a chain.
    fn first(expr: &Expr) -> proc_macro2::Span {
        match expr {
            Expr::MethodCall(call) => first(&call.receiver),
            Expr::Call(call) => first(&call.func),
            Expr::Field(field) => first(&field.base),
            Expr::Await(await_expr) => first(&await_expr.base),
            Expr::Try(try_expr) => first(&try_expr.expr),
            Expr::Index(index) => first(&index.expr),
            Expr::Paren(paren) => paren.paren_token.span.open(),
            Expr::Macro(mac) => Location::of(&mac.mac.path).first,
            _ => Location::of(expr).first,
        }
    }
    let last = match expr {
        Expr::Call(call) => call.paren_token.span.close(),
        Expr::MethodCall(call) => call.paren_token.span.close(),
        Expr::Macro(mac) => mac.mac.delimiter.span().close(),
        _ => return Location::of(expr),
    };
    Location {
        first: first(expr),
        last,
    }
}

/// A macro statement's range, as [`call_location`] gives it.
pub(crate) fn macro_location(stmt: &syn::StmtMacro) -> Location {
    Location {
        first: Location::of(&stmt.mac.path).first,
        last: stmt.mac.delimiter.span().close(),
    }
}

/// A macro statement (`fire!(task);`) as an expression, for [`spawn_call`].
pub(crate) fn macro_expr(stmt: &syn::StmtMacro) -> Expr {
    Expr::Macro(syn::ExprMacro {
        attrs: stmt.attrs.clone(),
        mac: stmt.mac.clone(),
    })
}

/// A collection of running futures or tasks, visible from its type or constructor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Set {
    /// `tokio::task::JoinSet`: `spawn`, `spawn_on`, `spawn_local`, `spawn_local_on`.
    JoinSet,
    /// `futures::stream::FuturesUnordered` or `FuturesOrdered`: `push`, `push_back`,
    /// `push_front`.
    Futures,
}

impl Set {
    fn of_name(name: &str) -> Option<Set> {
        match name {
            "JoinSet" => Some(Set::JoinSet),
            "FuturesUnordered" | "FuturesOrdered" => Some(Set::Futures),
            _ => None,
        }
    }

    /// Whether `method` adds a future to a set of this kind.
    pub(crate) fn adds(self, method: &str) -> bool {
        match self {
            Set::JoinSet => matches!(
                method,
                "spawn" | "spawn_on" | "spawn_local" | "spawn_local_on"
            ),
            Set::Futures => matches!(method, "push" | "push_back" | "push_front"),
        }
    }
}

/// The tokio spawn fn a call names, as written (`tokio::spawn`, `spawn`).
pub(crate) fn spawn_fn(call: &ExprCall, imports: &Imports) -> Option<String> {
    let Expr::Path(func) = &*call.func else {
        return None;
    };
    if func.qself.is_some() {
        return None;
    }
    let path = &func.path;
    if path.segments.len() == 1 && imports.is_local(&path.segments[0].ident.to_string()) {
        return None;
    }
    let resolved = imports.resolve(path);
    let names_spawn = resolved.iter().any(|candidate| {
        SPAWN_FNS.iter().any(|spawn| {
            candidate
                .iter()
                .map(String::as_str)
                .eq(spawn.iter().copied())
        })
    });
    names_spawn.then(|| written(path))
}

/// A path as written, without spaces: `tokio::spawn`.
pub(crate) fn written(tokens: &impl ToTokens) -> String {
    tokens.to_token_stream().to_string().replace(' ', "")
}

/// The set a type path names (`JoinSet<T>`, `futures::stream::FuturesUnordered<F>`),
/// when it resolves to tokio's or futures'.
fn set_of_path(path: &syn::Path, imports: &Imports) -> Option<Set> {
    let set = Set::of_name(&path.segments.last()?.ident.to_string())?;
    imports
        .resolve(path)
        .iter()
        .any(|candidate| {
            candidate
                .first()
                .is_some_and(|first| SET_CRATES.contains(&first.as_str()))
        })
        .then_some(set)
}

fn set_of_type(ty: &Type, imports: &Imports) -> Option<Set> {
    match ty {
        Type::Reference(reference) => set_of_type(&reference.elem, imports),
        Type::Paren(inner) => set_of_type(&inner.elem, imports),
        Type::Group(inner) => set_of_type(&inner.elem, imports),
        Type::Path(path) if path.qself.is_none() => set_of_path(&path.path, imports),
        _ => None,
    }
}

/// The set an expression builds: `JoinSet::new()`, `FuturesUnordered::default()`.
fn set_built_by(expr: &Expr, imports: &Imports) -> Option<Set> {
    let Expr::Call(call) = crate::syntax::peel(expr) else {
        return None;
    };
    let Expr::Path(func) = &*call.func else {
        return None;
    };
    let segments = &func.path.segments;
    let constructor = segments.last()?.ident.to_string();
    if !matches!(constructor.as_str(), "new" | "default") || segments.len() < 2 {
        return None;
    }
    let mut type_path = func.path.clone();
    type_path.segments.pop();
    type_path.segments.pop_punct();
    set_of_path(&type_path, imports)
}

/// The parameters and `let` bindings of a fn that are visibly task sets, by name.
pub(crate) fn sets_in(
    sig: &Signature,
    block: &syn::Block,
    imports: &Imports,
) -> HashMap<String, Set> {
    struct Lets<'a> {
        imports: &'a Imports,
        sets: &'a mut HashMap<String, Set>,
    }
    impl<'ast> Visit<'ast> for Lets<'_> {
        fn visit_local(&mut self, local: &'ast syn::Local) {
            let (name, ty) = match &local.pat {
                Pat::Ident(name) => (&name.ident, None),
                Pat::Type(typed) => match &*typed.pat {
                    Pat::Ident(name) => (&name.ident, Some(&*typed.ty)),
                    _ => return visit::visit_local(self, local),
                },
                _ => return visit::visit_local(self, local),
            };
            let set = ty.and_then(|ty| set_of_type(ty, self.imports)).or_else(|| {
                let init = local.init.as_ref()?;
                set_built_by(&init.expr, self.imports)
            });
            if let Some(set) = set {
                self.sets.insert(name.to_string(), set);
            }
            visit::visit_local(self, local);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut sets = HashMap::new();
    for input in &sig.inputs {
        let FnArg::Typed(typed) = input else { continue };
        if let (Pat::Ident(name), Some(set)) = (&*typed.pat, set_of_type(&typed.ty, imports)) {
            sets.insert(name.ident.to_string(), set);
        }
    }
    Lets {
        imports,
        sets: &mut sets,
    }
    .visit_block(block);
    sets
}

/// The set a method call adds to, when its receiver is a named set: `set.spawn(..)`, as
/// written, and the set's kind.
pub(crate) fn set_addition(
    call: &syn::ExprMethodCall,
    sets: &HashMap<String, Set>,
) -> Option<(String, Set)> {
    let Expr::Path(receiver) = crate::syntax::peel(&call.receiver) else {
        return None;
    };
    let name = receiver.path.get_ident()?.to_string();
    let set = sets.get(&name)?;
    let method = call.method.to_string();
    set.adds(&method)
        .then(|| (format!("{name}.{method}"), *set))
}
