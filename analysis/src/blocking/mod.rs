//! Blocking calls in async code: the catalogue, the scanner, lock guards held across
//! `.await`, and the name resolution they need. Typed [`Finding`]s out.
//!
//! The rules, in the order a body is read:
//! - **Calls by path** (`std::fs::read(p)`, `fs::read(p)`, `File::open(p)`): a path
//!   written in full, or resolved through a `use` in view, is always reported; a
//!   shortened one (`fs::read`) is reported unless awaited (tokio has async namesakes),
//!   with a note saying how to show it is your own; a bare distinctive name (`sleep(d)`,
//!   `read_dir(p)`) when its result is consumed as a value and the imports in view are
//!   partial (see [`Imports::complete`]).
//! - **Full paths used as values**: `.map(std::fs::read)`.
//! - **Method calls by name and shape** (no types): `rx.recv()` not awaited, `h.join()`
//!   with no arguments, `Command::new(..).output()`, a sync channel's receiver iterated
//!   (`for r in rx`, `rx.iter()`) where the channel's constructor is in view.
//! - **Lock guards** (std/`parking_lot` `.lock()`, `.read()`, `.write()`, and a
//!   `RefCell`'s `.borrow()`/`.borrow_mut()`) bound with `let` and alive at a later
//!   `.await`, or temporaries of a `match`/`if let`/`while let` scrutinee whose body
//!   awaits: [`Lint::LockAcrossAwait`], with the `.await` as a label.
//! - **Exempt**: the closures of `spawn_blocking`, `block_in_place`, `std::thread::spawn`
//!   and `scope`, and the policy's offload calls (also as the tail of a block,
//!   `spawn_blocking({ let a = a.clone(); move || .. })`); `allow_blocking!(reason, expr)`;
//!   nested fn items; what is awaited or handed to something that awaits it.
//! - **Settled by the arguments** (see `evidence.rs`): a std `bind` to a literal IP or
//!   an address value, `.to_socket_addrs()` on a literal IP, `std::io::copy` between
//!   buffers in memory, a `Condvar`-named wait whose argument is a `Duration`.
//!
//! ```
//! use async_hygiene_analysis::blocking::{scan_block, BlockingCatalogue, Context, Imports};
//!
//! // The checker's view: the file's imports, then one async fn body.
//! let file: syn::File = syn::parse_quote! {
//!     use std::thread::sleep;
//!     async fn tick(d: std::time::Duration) { sleep(d); }
//! };
//! let imports = Imports::module(&file.items);
//! let syn::Item::Fn(tick) = &file.items[1] else { unreachable!() };
//! let findings = scan_block(&tick.block, Context::Async, &BlockingCatalogue::builtin(), &imports);
//! assert_eq!(findings.len(), 1);
//! assert!(findings[0].message.starts_with("`std::thread::sleep`"));
//! ```

pub(crate) mod catalogue;
mod evidence;
mod imports;
mod locks;
mod scan;
#[cfg(test)]
mod tests;

use syn::{Block, Expr};

pub use self::catalogue::{ApiPattern, BlockingApi, BlockingCatalogue, Origin, Shape, BUILTIN};
pub use self::imports::Imports;
pub use self::scan::WATCH_MACROS;
use self::scan::{Scanner, Use};
pub use crate::findings::{Finding, Label, Lint, Location};

/// The name of the escape hatch macro: `allow_blocking!("reason", expr)`. Its operand is
/// not checked.
pub const ESCAPE_HATCH: &str = scan::ESCAPE_HATCH;

/// What kind of code is scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// The body of an `async fn`, an `async` block or an async closure: the `async`
    /// blocks and closures nested in it are scanned with it.
    Async,
    /// The body of a sync fn, for a caller that follows calls from async code into the
    /// crate's own sync helpers: the same calls are found, but nested `async` blocks and
    /// async closures are skipped (they are async contexts of their own), and nothing
    /// awaits, so no guard is held across an await. What runs in an offload context
    /// (`spawn_blocking`, `block_in_place`, `thread::spawn`/`scope` closures, the
    /// policy's offloads) is skipped in both.
    Sync,
}

/// Scans a fn body (or any block) in `context`. `imports` are the names in view
/// outside the block (for a fn, add its parameters with [`Imports::add_signature`]: a
/// parameter named `sleep` is not std's); the block's own `use` items, item definitions
/// and local bindings are added here. Findings come in source order.
#[must_use]
pub fn scan_block(
    block: &Block,
    context: Context,
    catalogue: &BlockingCatalogue,
    imports: &Imports,
) -> Vec<Finding> {
    let mut imports = imports.clone();
    imports.add_body(block);
    let mut scanner = Scanner::new(catalogue, &imports, context);
    scanner.stmts(&block.stmts, tail_use(context));
    scanner.findings
}

/// Scans one expression in `context`: an `async` block or closure found on its own (in
/// a sync fn, a `static`, a `#[tokio::main]` expansion), as [`scan_block`] does a body.
/// In [`Context::Async`], an `async` block or closure is scanned as its body.
#[must_use]
pub fn scan_expr(
    expr: &Expr,
    context: Context,
    catalogue: &BlockingCatalogue,
    imports: &Imports,
) -> Vec<Finding> {
    let mut imports = imports.clone();
    imports.add_expr(expr);
    let mut scanner = Scanner::new(catalogue, &imports, context);
    match expr {
        Expr::Closure(closure) if closure.asyncness.is_some() && context == Context::Async => {
            scanner.expr_with(&closure.body, Use::Value);
        }
        _ => scanner.expr_with(expr, tail_use(context)),
    }
    scanner.findings
}

/// Whether a call runs its closure arguments off the executor thread, so that the
/// blocking inside them is the fix: `spawn_blocking(|| ..)`, `block_in_place(|| ..)`,
/// `std::thread::spawn(|| ..)`, `thread::scope(|s| ..)` and a scope's `s.spawn(|| ..)`,
/// and the policy's `offload` calls. For a caller that walks bodies itself (a call
/// graph): the closures of such a call are not the enclosing fn's code.
#[must_use]
pub fn runs_off_executor(call: &Expr, catalogue: &BlockingCatalogue, imports: &Imports) -> bool {
    scan::runs_off_executor(call, catalogue, imports)
}

/// The work an argument of an offload call (see [`runs_off_executor`]) runs off the
/// executor, looking through parentheses and a block it ends (`spawn_blocking({ let a =
/// a.clone(); move || .. })`) and std's wrapping constructors (`Box::new(move || ..)`):
/// for a caller that walks bodies itself, what is not the
/// enclosing fn's code. `None` for an argument that runs here.
#[must_use]
pub fn offloaded_closure(arg: &Expr) -> Option<&syn::ExprClosure> {
    match scan::peel_work(arg) {
        Expr::Closure(closure) => Some(closure),
        Expr::Call(call) if call.args.len() == 1 && scan::wraps(&call.func) => {
            offloaded_closure(&call.args[0])
        }
        _ => None,
    }
}

/// The async contexts in a sync body that [`Context::Sync`] skips: its outermost
/// `async` blocks and async closures (not those inside nested fn items), for a caller
/// to scan with [`scan_expr`] in [`Context::Async`].
#[must_use]
pub fn async_contexts(block: &Block) -> Vec<&Expr> {
    scan::async_contexts(block)
}

/// A sync body's tail may be returned to a caller that awaits it (a fn returning a
/// future); an async body's is its output.
fn tail_use(context: Context) -> Use {
    match context {
        Context::Async => Use::Value,
        Context::Sync => Use::HandedOn,
    }
}
