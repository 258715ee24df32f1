//! A std or `parking_lot` lock guard held across an `.await`.
//!
//! A short critical section with a std `Mutex` is what tokio recommends, so `.lock()`
//! alone is fine. The hazard is a guard that is still alive when the task suspends:
//! every other task that takes the lock then blocks its executor thread (or deadlocks
//! this one). Without types the macro recognises the guard by shape:
//!
//! ```text
//! let guard = state.lock().unwrap();   // `.lock()`/`.read()`/`.write()`, no arguments,
//!                                      // then only unwrap/expect/unwrap_or_else,
//!                                      // map_err/ok and `?`
//! ...                                  // no `drop(guard)` in between
//! fetch().await;                       // a later `.await` of the same block → error
//! ```
//!
//! Temporaries (`*state.lock().unwrap() += 1;`), guards in an inner block, and guards
//! passed to `drop` before the await are fine. What cannot be seen is listed in the
//! facade's `src/docs/no_blocking.md`; `clippy::await_holding_lock` sees types and complements this check.

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::{self, Visit};
use syn::{Expr, ExprMethodCall, Item, Local, Macro, Pat, Stmt};

use super::catalogue::BlockingCatalogue;
use crate::findings::{Finding, Label, Lint, Location};
use crate::syntax::awaiting_macro;
use crate::syntax::{last_segment, peel, tokens_mention, FUTURE_TAKERS, PINNING_MACROS};

/// Methods that unwrap a `LockResult` into the guard (`map_err`/`ok` then `?`).
const UNWRAPS: &[&str] = &["unwrap", "expect", "unwrap_or_else", "map_err", "ok"];

/// The finding for a guard bound by `local` and still alive at an `.await` in `rest`.
/// `is_cell` says whether a `.borrow()`/`.borrow_mut()` receiver is a `RefCell`.
pub(super) fn guard_held_across_await(
    catalogue: &BlockingCatalogue,
    local: &Local,
    rest: &[Stmt],
    is_cell: &dyn Fn(&Expr) -> bool,
) -> Option<Finding> {
    let name = guard_name(&local.pat)?;
    let init = &local.init.as_ref()?.expr;
    let lock_call = lock_call(init, is_cell)?;
    let entry = catalogue.guard(&lock_call.method.to_string())?;
    // `let lock = mutex.lock(); .. lock.await`: tokio's lock future, awaited later. (Not
    // after `.unwrap()` or `?`: that is a guard.)
    let unwrapped = !matches!(&**init, Expr::MethodCall(call) if std::ptr::eq(call, lock_call));
    if !unwrapped && rest.iter().any(|stmt| polls(stmt, &name)) {
        return None;
    }
    for stmt in rest {
        if drops(stmt, &name) {
            return None;
        }
        if let Some(suspension) = first_suspension(stmt) {
            if is_borrow(&lock_call.method) {
                let message = format!(
                    "{} bound to `{name}` is still alive at a later `.await` in this block: \
                     while the task is suspended, any other task on this thread that borrows \
                     the same cell mutably (or at all, for a `.borrow_mut()`) panics",
                    entry.what,
                );
                let help = format!(
                    "end the borrow's scope before awaiting with an inner block \
                     `{{ let {name} = …; … }}`, or copy out what you need \
                     (`let value = cell.borrow().clone();`)"
                );
                return Some(suspension.held_across(
                    lock_call,
                    &format!("`{name}`"),
                    message,
                    help,
                ));
            }
            let message = format!(
                "{} bound to `{name}` is still alive at a later `.await` in this block: \
                 while the task is suspended, every other task that takes this lock blocks \
                 its executor thread (or deadlocks)",
                entry.what,
            );
            let help = format!(
                "end the guard's scope before awaiting with an inner block \
                 `{{ let {name} = …; … }}` (after a `drop({name})` the future still counts as \
                 holding it and is not `Send`), or use `tokio::sync::{}` and `.{}().await`",
                tokio_lock(&lock_call.method),
                lock_call.method,
            );
            return Some(suspension.held_across(lock_call, &format!("`{name}`"), message, help));
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

/// The `.lock()` call an initializer evaluates to, through unwrapping, or the
/// `.borrow()`/`.borrow_mut()` of a `RefCell` (`is_cell`).
fn lock_call<'e>(init: &'e Expr, is_cell: &dyn Fn(&Expr) -> bool) -> Option<&'e ExprMethodCall> {
    match init {
        Expr::Try(inner) => lock_call(&inner.expr, is_cell),
        Expr::Paren(inner) => lock_call(&inner.expr, is_cell),
        Expr::MethodCall(call) if UNWRAPS.contains(&call.method.to_string().as_str()) => {
            lock_call(&call.receiver, is_cell)
        }
        Expr::MethodCall(call) if is_guard_call(call, is_cell) => Some(call),
        _ => None,
    }
}

/// `.lock()`, `.read()`, `.write()` with no arguments, or a `RefCell`'s `.borrow()` or
/// `.borrow_mut()`.
fn is_guard_call(call: &ExprMethodCall, is_cell: &dyn Fn(&Expr) -> bool) -> bool {
    call.args.is_empty()
        && match call.method.to_string().as_str() {
            "lock" | "read" | "write" => true,
            "borrow" | "borrow_mut" => is_cell(&call.receiver),
            _ => false,
        }
}

fn is_borrow(method: &syn::Ident) -> bool {
    method == "borrow" || method == "borrow_mut"
}

/// Whether a statement ends the guard's life here: `drop(name)`, or `name` moved by value
/// into a call (`MutexGuard::map(name, ..)`, `consume(name)`; a guard is not `Copy`) in a
/// statement that does not await (`write(name).await` holds it in that future). Anywhere
/// in the statement: a drop in one branch ends the check, which errs towards no false
/// alarm.
fn drops(stmt: &Stmt, name: &str) -> bool {
    struct Drop<'n> {
        name: &'n str,
        dropped: bool,
        moved: bool,
    }
    impl<'ast> Visit<'ast> for Drop<'_> {
        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            let is_drop = matches!(&*call.func, Expr::Path(func)
                if func.path.segments.last().is_some_and(|segment| segment.ident == "drop"));
            let drops_name = call.args.len() == 1
                && matches!(peel(&call.args[0]), Expr::Path(path) if path.path.is_ident(self.name));
            self.dropped |= is_drop && drops_name;
            self.moved |= call.args.iter().any(|arg| is_value(arg, self.name));
            visit::visit_expr_call(self, call);
        }
        fn visit_expr_method_call(&mut self, call: &'ast ExprMethodCall) {
            self.moved |= call.args.iter().any(|arg| is_value(arg, self.name));
            visit::visit_expr_method_call(self, call);
        }
        fn visit_item(&mut self, _: &'ast Item) {}
    }
    let mut finder = Drop {
        name,
        dropped: false,
        moved: false,
    };
    finder.visit_stmt(stmt);
    finder.dropped || (finder.moved && !awaits(stmt))
}

/// Whether a statement polls the future bound to `name`: `name.await`, `name` moved
/// into `timeout`/`spawn`/`Box::pin`.., or named in `select!`/`join!`/`pin!`. Stricter
/// than a call argument, which is what a `parking_lot` guard is too.
fn polls(stmt: &Stmt, name: &str) -> bool {
    struct Polls<'n> {
        name: &'n str,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Polls<'_> {
        fn visit_expr(&mut self, expr: &'ast Expr) {
            match expr {
                Expr::Await(await_expr) if is_value(&await_expr.base, self.name) => {
                    self.found = true;
                }
                Expr::Call(call)
                    if matches!(&*call.func, Expr::Path(func) if func.path.segments.last()
                        .is_some_and(|last| FUTURE_TAKERS.contains(&last.ident.to_string().as_str())))
                        && call.args.iter().any(|arg| is_value(arg, self.name)) =>
                {
                    self.found = true;
                }
                _ => visit::visit_expr(self, expr),
            }
        }
        fn visit_macro(&mut self, mac: &'ast Macro) {
            let polling = mac.path.segments.last().is_some_and(|last| {
                let last = last.ident.to_string();
                awaiting_macro(&last).is_some() || PINNING_MACROS.contains(&last.as_str())
            });
            if polling && tokens_mention(mac.tokens.clone(), self.name) {
                self.found = true;
            }
        }
        fn visit_item(&mut self, _: &'ast Item) {}
    }
    let mut finder = Polls { name, found: false };
    finder.visit_stmt(stmt);
    finder.found
}

/// Whether `expr` is the local `name` itself, by value: parentheses and invisible groups
/// are looked through, borrows are not (`&guard` neither moves nor polls it).
fn is_value(expr: &Expr, name: &str) -> bool {
    match expr {
        Expr::Paren(inner) => is_value(&inner.expr, name),
        Expr::Group(inner) => is_value(&inner.expr, name),
        Expr::Path(path) => path.qself.is_none() && path.path.is_ident(name),
        _ => false,
    }
}

fn tokio_lock(method: &syn::Ident) -> &'static str {
    if method == "lock" {
        "Mutex"
    } else {
        "RwLock"
    }
}

/// Where a future suspends: an `.await`, or a macro that awaits.
struct Suspension {
    location: Location,
    /// "across this `.await`", "across this `join!`".
    what: String,
}

impl Suspension {
    /// The finding for a guard taken by `lock_call` and still held at this suspension,
    /// labelled "`holder` is still held here, across this `.await`".
    fn held_across(
        self,
        lock_call: &ExprMethodCall,
        holder: &str,
        message: String,
        help: String,
    ) -> Finding {
        let mut finding = Finding::new(
            Lint::LockAcrossAwait,
            Location::of(lock_call),
            message,
            help,
        );
        finding.labels.push(Label {
            location: self.location,
            message: format!("{holder} is still held here, {}", self.what),
        });
        finding
    }
}

/// Finds the first suspension point outside nested `async` blocks, closures and items
/// (those are other futures or functions).
#[derive(Default)]
struct AwaitFinder {
    found: Option<Suspension>,
}

impl<'ast> Visit<'ast> for AwaitFinder {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        if self.found.is_some() {
            return;
        }
        match expr {
            Expr::Await(await_expr) => {
                // The operand's own awaits come first: `a.await.b().await` suspends at
                // `a.await` first.
                self.visit_expr(&await_expr.base);
                if self.found.is_none() {
                    self.found = Some(Suspension {
                        location: Location {
                            first: await_expr.dot_token.span,
                            last: await_expr.await_token.span,
                        },
                        what: "across this `.await`".to_owned(),
                    });
                }
            }
            Expr::Async(_) | Expr::Closure(_) => {}
            _ => visit::visit_expr(self, expr),
        }
    }
    fn visit_macro(&mut self, mac: &'ast Macro) {
        if self.found.is_some() {
            return;
        }
        let name = last_segment(&mac.path);
        if awaiting_macro(&name).is_some() {
            self.found = Some(Suspension {
                location: Location {
                    first: mac
                        .path
                        .segments
                        .first()
                        .map_or(mac.bang_token.span, |s| s.ident.span()),
                    last: mac.bang_token.span,
                },
                what: format!("across this `{name}!`"),
            });
        } else if let Some(span) = tokens_await(mac.tokens.clone()) {
            self.found = Some(Suspension {
                location: Location::at(span),
                what: "across this `.await`".to_owned(),
            });
        }
    }
    fn visit_item(&mut self, _: &'ast Item) {}
}

/// Where a statement first suspends this future, if it does.
fn first_suspension(stmt: &Stmt) -> Option<Suspension> {
    let mut finder = AwaitFinder::default();
    finder.visit_stmt(stmt);
    finder.found
}

/// Whether a statement suspends this future.
pub(super) fn awaits(stmt: &Stmt) -> bool {
    first_suspension(stmt).is_some()
}

/// A guard created in the scrutinee of a `match`, `if let` or `while let` and still alive
/// in a body that awaits. Temporaries of a scrutinee live until the end of the whole
/// expression, so this holds the lock across the await:
///
/// ```text
/// match cache.lock().unwrap().get(&key).cloned() {   // guard: a temporary of the scrutinee
///     Some(value) => value,
///     None => fetch(key).await,                       // ...still alive here
/// }
/// ```
pub(super) fn scrutinee_guard(
    catalogue: &BlockingCatalogue,
    expr: &Expr,
    is_cell: &dyn Fn(&Expr) -> bool,
) -> Option<Finding> {
    let (scrutinee, construct, suspension) = match expr {
        Expr::Match(expr_match) => {
            let mut finder = AwaitFinder::default();
            for arm in &expr_match.arms {
                finder.visit_arm(arm);
            }
            (&*expr_match.expr, "match", finder.found)
        }
        // Only the `then` block: since edition 2024 the temporaries are dropped before
        // `else`.
        Expr::If(expr_if) => let_scrutinee(&expr_if.cond, &expr_if.then_branch, "if let")?,
        Expr::While(expr_while) => let_scrutinee(&expr_while.cond, &expr_while.body, "while let")?,
        _ => return None,
    };
    let suspension = suspension?;
    let lock_call = temporary_lock_call(scrutinee, is_cell)?;
    let method = &lock_call.method;
    let entry = catalogue.guard(&method.to_string())?;
    if is_borrow(method) {
        let message = format!(
            "{} is a temporary of this `{construct}` scrutinee, so it lives until the end of \
             the `{construct}`, across the `.await` in its body: any other task on this \
             thread that borrows the same cell mutably meanwhile panics",
            entry.what,
        );
        let help = format!(
            "bind what you need first (`let value = cell.{method}().clone();`) and \
             `{construct}` on that"
        );
        return Some(suspension.held_across(lock_call, "the borrow", message, help));
    }
    let message = format!(
        "{} is a temporary of this `{construct}` scrutinee, so it lives until the end of \
         the `{construct}`, across the `.await` in its body: every other task that takes \
         this lock blocks its executor thread meanwhile (or deadlocks)",
        entry.what,
    );
    let help = format!(
        "bind what you need first (`let value = ...;`) and `{construct}` on that, or use \
         `tokio::sync::{}` and `.{method}().await`",
        tokio_lock(method),
    );
    Some(suspension.held_across(lock_call, "the guard", message, help))
}

/// The scrutinee of an `if let`/`while let` condition, and where its body first suspends.
fn let_scrutinee<'a>(
    condition: &'a Expr,
    body: &syn::Block,
    construct: &'static str,
) -> Option<(&'a Expr, &'static str, Option<Suspension>)> {
    let Expr::Let(expr_let) = condition else {
        return None;
    };
    let mut finder = AwaitFinder::default();
    finder.visit_block(body);
    Some((&*expr_let.expr, construct, finder.found))
}

/// A `.lock()`/`.read()`/`.write()` call in an expression whose temporaries it would
/// create (not inside nested blocks, closures or `async` blocks, and not awaited).
fn temporary_lock_call<'e>(
    expr: &'e Expr,
    is_cell: &dyn Fn(&Expr) -> bool,
) -> Option<&'e ExprMethodCall> {
    let recurse = |expr: &'e Expr| temporary_lock_call(expr, is_cell);
    match expr {
        Expr::MethodCall(call) if is_guard_call(call, is_cell) => Some(call),
        Expr::MethodCall(call) => {
            recurse(&call.receiver).or_else(|| call.args.iter().find_map(recurse))
        }
        // `m.lock().await` is tokio's: look past it, into the receiver.
        Expr::Await(await_expr) => match &*await_expr.base {
            Expr::MethodCall(call) => recurse(&call.receiver),
            base => recurse(base),
        },
        Expr::Call(call) => call.args.iter().find_map(recurse),
        Expr::Try(inner) => recurse(&inner.expr),
        Expr::Paren(inner) => recurse(&inner.expr),
        Expr::Group(inner) => recurse(&inner.expr),
        Expr::Reference(inner) => recurse(&inner.expr),
        Expr::Unary(inner) => recurse(&inner.expr),
        Expr::Field(inner) => recurse(&inner.base),
        Expr::Index(inner) => recurse(&inner.expr),
        Expr::Tuple(tuple) => tuple.elems.iter().find_map(recurse),
        _ => None,
    }
}

/// The first `. await` in a macro's tokens (`println!("{}", f().await)`).
fn tokens_await(tokens: TokenStream) -> Option<proc_macro2::Span> {
    let mut after_dot = false;
    for tree in tokens {
        match tree {
            TokenTree::Punct(punct) => after_dot = punct.as_char() == '.',
            TokenTree::Ident(ident) => {
                if after_dot && ident == "await" {
                    return Some(ident.span());
                }
                after_dot = false;
            }
            TokenTree::Group(group) => {
                if let Some(span) = tokens_await(group.stream()) {
                    return Some(span);
                }
                after_dot = false;
            }
            TokenTree::Literal(_) => after_dot = false,
        }
    }
    None
}
