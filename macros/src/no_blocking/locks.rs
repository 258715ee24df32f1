//! A std or `parking_lot` lock guard held across an `.await`.
//!
//! A short critical section with a std `Mutex` is what tokio recommends, so `.lock()`
//! alone is fine. The hazard is a guard that is still alive when the task suspends:
//! every other task that takes the lock then blocks its executor thread (or deadlocks
//! this one). Without types the macro recognises the guard by shape:
//!
//! ```text
//! let guard = state.lock().unwrap();   // `.lock()`/`.read()`/`.write()`, no arguments,
//!                                      // then only unwrap/expect/unwrap_or_else/`?`
//! ...                                  // no `drop(guard)` in between
//! fetch().await;                       // a later `.await` of the same block → error
//! ```
//!
//! Temporaries (`*state.lock().unwrap() += 1;`), guards in an inner block, and guards
//! passed to `drop` before the await are fine. What cannot be seen is listed in the
//! README; `clippy::await_holding_lock` sees types and complements this check.

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::{self, Visit};
use syn::{Expr, ExprMethodCall, Item, Local, Macro, Pat, Stmt};

use super::catalogue::BlockingCatalogue;
use super::scan::peel;

/// Methods that unwrap a `LockResult` into the guard.
const UNWRAPS: &[&str] = &["unwrap", "expect", "unwrap_or_else"];
/// Macros that await their operands.
const AWAITING_MACROS: &[&str] = &["join", "try_join", "select", "select_biased"];

/// The error for a guard bound by `local` and still alive at an `.await` in `rest`.
pub(super) fn guard_held_across_await(
    catalogue: &BlockingCatalogue,
    local: &Local,
    rest: &[Stmt],
) -> Option<syn::Error> {
    let name = guard_name(&local.pat)?;
    let lock_call = lock_call(&local.init.as_ref()?.expr)?;
    let entry = catalogue.guard(&lock_call.method.to_string())?;
    for stmt in rest {
        if drops(stmt, &name) {
            return None;
        }
        if awaits(stmt) {
            let message = format!(
                "{} bound to `{name}` is still alive at a later `.await` in this block: \
                 while the task is suspended, every other task that takes this lock blocks \
                 its executor thread (or deadlocks); drop the guard before awaiting \
                 (`drop({name})` or an inner block), or use `tokio::sync::{}` and \
                 `.{}().await`",
                entry.what,
                if lock_call.method == "lock" {
                    "Mutex"
                } else {
                    "RwLock"
                },
                lock_call.method,
            );
            return Some(syn::Error::new_spanned(lock_call, message));
        }
    }
    None
}

/// The name that keeps the guard alive. `let _ = m.lock()` drops it at once.
fn guard_name(pat: &Pat) -> Option<String> {
    match pat {
        Pat::Ident(ident) if ident.subpat.is_none() => Some(ident.ident.to_string()),
        Pat::Type(typed) => guard_name(&typed.pat),
        _ => None,
    }
}

/// The `.lock()` call an initializer evaluates to, through unwrapping.
fn lock_call(init: &Expr) -> Option<&ExprMethodCall> {
    match init {
        Expr::Try(inner) => lock_call(&inner.expr),
        Expr::Paren(inner) => lock_call(&inner.expr),
        Expr::MethodCall(call) if UNWRAPS.contains(&call.method.to_string().as_str()) => {
            lock_call(&call.receiver)
        }
        Expr::MethodCall(call)
            if call.args.is_empty()
                && matches!(call.method.to_string().as_str(), "lock" | "read" | "write") =>
        {
            Some(call)
        }
        _ => None,
    }
}

/// Whether a statement passes `name` to `drop` (anywhere in it: a drop in one branch
/// ends the check, which errs towards no false alarm).
fn drops(stmt: &Stmt, name: &str) -> bool {
    struct Drop<'n> {
        name: &'n str,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Drop<'_> {
        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            let is_drop = matches!(&*call.func, Expr::Path(func)
                if func.path.segments.last().is_some_and(|segment| segment.ident == "drop"));
            let drops_name = call.args.len() == 1
                && matches!(peel(&call.args[0]), Expr::Path(path) if path.path.is_ident(self.name));
            if is_drop && drops_name {
                self.found = true;
            }
            visit::visit_expr_call(self, call);
        }
        fn visit_item(&mut self, _: &'ast Item) {}
    }
    let mut finder = Drop { name, found: false };
    finder.visit_stmt(stmt);
    finder.found
}

/// Whether a statement suspends this future: an `.await` or an awaiting macro outside
/// nested `async` blocks, closures and items (those are other futures or functions).
pub(super) fn awaits(stmt: &Stmt) -> bool {
    struct Await {
        found: bool,
    }
    impl<'ast> Visit<'ast> for Await {
        fn visit_expr(&mut self, expr: &'ast Expr) {
            match expr {
                Expr::Await(_) => self.found = true,
                Expr::Async(_) | Expr::Closure(_) => {}
                _ => visit::visit_expr(self, expr),
            }
        }
        fn visit_macro(&mut self, mac: &'ast Macro) {
            let name = mac
                .path
                .segments
                .last()
                .map(|segment| segment.ident.to_string())
                .unwrap_or_default();
            if AWAITING_MACROS.contains(&name.as_str()) || tokens_await(mac.tokens.clone()) {
                self.found = true;
            }
        }
        fn visit_item(&mut self, _: &'ast Item) {}
    }
    let mut finder = Await { found: false };
    finder.visit_stmt(stmt);
    finder.found
}

/// `. await` anywhere in a macro's tokens (`println!("{}", f().await)`).
fn tokens_await(tokens: TokenStream) -> bool {
    let mut after_dot = false;
    for tree in tokens {
        match tree {
            TokenTree::Punct(punct) => after_dot = punct.as_char() == '.',
            TokenTree::Ident(ident) => {
                if after_dot && ident == "await" {
                    return true;
                }
                after_dot = false;
            }
            TokenTree::Group(group) => {
                if tokens_await(group.stream()) {
                    return true;
                }
                after_dot = false;
            }
            TokenTree::Literal(_) => after_dot = false,
        }
    }
    false
}
