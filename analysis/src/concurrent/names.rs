//! Use/def analysis of one statement: which names it binds, reads and writes, whether
//! it awaits, and whether it can leave the block in a way a join cannot reproduce.
//!
//! Everything here over-approximates on purpose. A name counted as used when it is not
//! only adds an ordering edge (less concurrency); a name missed would let a statement
//! read an older binding (wrong results). So closure parameters are not subtracted,
//! every identifier inside a macro call counts, and so does every `{name}` capture in a
//! string literal.

use std::collections::BTreeSet;

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use syn::visit::{self, Visit};
use syn::{BinOp, Expr, Pat, UnOp};

use crate::policy::{Guard, Rule};
use crate::syntax::{awaiting_macro, AwaitedOperands};

/// Macros whose expansion adds no hidden `?`, `return`, `break` or binding, so reading
/// their tokens is enough. Anything else in an initializer pins the statement.
const TRANSPARENT_MACROS: &[&str] = &[
    "assert",
    "assert_eq",
    "assert_ne",
    "cfg",
    "column",
    "concat",
    "dbg",
    "debug",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "debug_span",
    "env",
    "eprint",
    "eprintln",
    "error",
    "error_span",
    "event",
    "file",
    "format",
    "format_args",
    "include_bytes",
    "include_str",
    "info",
    "info_span",
    "join",
    "line",
    "matches",
    "module_path",
    "option_env",
    "panic",
    "print",
    "println",
    "span",
    "stringify",
    "todo",
    "trace",
    "trace_span",
    "try_join",
    "unimplemented",
    "unreachable",
    "vec",
    "warn",
    "warn_span",
    "write",
    "writeln",
];

/// Whether a transparent macro awaits its operands itself, without an `.await` token
/// (`join!`, `try_join!`): the awaiting macros whose operands are expressions.
fn awaits_expressions(name: &str) -> bool {
    awaiting_macro(name).is_some_and(|known| known.operands == AwaitedOperands::Expressions)
}

/// Macros that hide bindings or an early exit (so `#[concurrent]` does not read through
/// them) but never suspend: pinning a local, building an error or a JSON value, returning
/// one.
const NEVER_SUSPENDING_MACROS: &[&str] = &[
    "anyhow",
    "bail",
    "ensure",
    "eyre",
    "format_err",
    "json",
    "pin",
    "pin_mut",
];

/// Whether the macro call `mac` certainly cannot suspend the async body it is written
/// in: a `TRANSPARENT_MACROS` name (by its last segment) that does not await its
/// operands, or a `NEVER_SUSPENDING_MACROS` one, with no `await` among its tokens. Any other macro may expand to an
/// `.await` the attributes cannot see (`select!`, `join!`, a crate's own `retry!`), which
/// the watchdog's await marks must then not rely on.
#[must_use]
pub fn cannot_suspend(mac: &syn::Macro) -> bool {
    fn mentions_await(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|tree| match tree {
            TokenTree::Ident(ident) => ident == "await",
            TokenTree::Group(group) => mentions_await(group.stream()),
            TokenTree::Punct(_) | TokenTree::Literal(_) => false,
        })
    }
    let Some(name) = mac
        .path
        .segments
        .last()
        .map(|segment| segment.ident.to_string())
    else {
        return false;
    };
    let name = name.as_str();
    ((TRANSPARENT_MACROS.contains(&name) && !awaits_expressions(name))
        || NEVER_SUSPENDING_MACROS.contains(&name))
        && !mentions_await(mac.tokens.clone())
}

/// Why a statement keeps its place: it can leave the enclosing block early, or hides
/// what it does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// `?` somewhere other than at the very end of the initializer.
    NestedTry,
    /// `return` in the initializer.
    Return,
    /// `break`/`continue` aimed at a loop outside the initializer.
    LoopExit,
    /// A macro whose expansion the attribute cannot see.
    OpaqueMacro(String),
    /// A call that takes a lock, a permit or a borrow (`.lock()`, `.acquire()`,
    /// `span.enter()`, …): the value's lifetime is its purpose, so it must not start
    /// earlier than written.
    Acquisition(String),
    /// A clock read (`Instant::now()`, `SystemTime::now()`, `.elapsed()`,
    /// `.duration_since(..)`): where it runs among the awaits is what it measures, so moved
    /// into or out of a join it would time something else than written.
    ClockRead(String),
    /// `poll_fn(..)`: its closure works on the task's context (waker, coop budget, a
    /// registration's readiness), so the order it is polled in among its neighbours is its
    /// meaning (tokio's `Registration::async_io` takes its coop unit after readiness).
    TaskContext,
    /// A call that changes the file system or writes to a file (`fs::write`,
    /// `fs::remove_file`, `File::create`, `io::copy` into a writer, `.write_all(..)`,
    /// `.sync_all()`): a neighbour that reads the same file, by a path or a handle syntax
    /// cannot connect to it (dufs stats the file it has just copied an upload into), must
    /// see the change, so it keeps its place.
    Writes(String),
    /// A call the crate's policy names in `[concurrent.guards]` (a pooled connection, a
    /// lease): kept in place for the same reason as [`Anchor::Acquisition`].
    PolicyGuard {
        /// The rule as written: `.get`, `pool::checkout`.
        rule: String,
        /// The policy's reason.
        reason: String,
    },
}

/// The crate's own guard-returning calls, `[concurrent.guards]` of `async-hygiene.toml`
/// ([`crate::policy::Policy::guards`]), on top of the built-in [`is_acquisition`]
/// methods. Borrowed and `Copy`, so an empty list costs nothing per expression.
///
/// A method rule (`.get`) matches a method call of that name, a `Type::get(..)` path call
/// and `.get(` inside macro tokens; a path rule (`pool::checkout`) matches a call whose
/// path ends with its segments, and, inside macro tokens, any call of its last segment.
#[derive(Clone, Copy, Debug, Default)]
pub struct Guards<'a> {
    rules: &'a [Guard],
}

impl<'a> Guards<'a> {
    /// The built-in acquisitions only.
    pub const NONE: Guards<'static> = Guards { rules: &[] };

    /// The guards a policy names.
    #[must_use]
    pub fn new(rules: &'a [Guard]) -> Self {
        Self { rules }
    }

    /// The rule naming the method `name`.
    fn method(self, name: &str) -> Option<&'a Guard> {
        self.rules
            .iter()
            .find(|rule| matches!(&rule.rule, Rule::Method(method) if method == name))
    }

    /// The rule naming a call of `path`: a path rule it ends with, or a method rule for
    /// its last segment when it is a `Type::method` call.
    fn call(self, path: &syn::Path, through_type: bool) -> Option<&'a Guard> {
        let last = path.segments.last()?;
        self.rules.iter().find(|rule| match &rule.rule {
            Rule::Method(method) => through_type && last.ident == method,
            Rule::Path(segments) => {
                segments.len() <= path.segments.len()
                    && path
                        .segments
                        .iter()
                        .rev()
                        .zip(segments.iter().rev())
                        .all(|(segment, name)| segment.ident == name)
            }
        })
    }

    /// The path rule whose last segment is `name` (a call read from macro tokens, whose
    /// path syntax cannot be trusted: any call of that name counts).
    fn token_call(self, name: &str) -> Option<&'a Guard> {
        self.rules.iter().find(
            |rule| matches!(&rule.rule, Rule::Path(segments) if segments.last().is_some_and(|last| last == name)),
        )
    }
}

impl Anchor {
    fn policy_guard(guard: &Guard) -> Self {
        Anchor::PolicyGuard {
            rule: guard.rule.to_string(),
            reason: guard.reason.clone(),
        }
    }
}

/// Methods whose result is a guard, a permit or a borrow: taking one earlier than written
/// holds it while unrelated code waits (a read lock held across `rx.recv().await` lets a
/// queued writer deadlock the next `read()`). Matched by name, awaited or not, whatever the
/// receiver: syntax cannot tell `tokio::sync::Mutex::lock` from another `lock`, and keeping a
/// statement in place never changes what a program does.
const ACQUIRING_METHODS: &[&str] = &[
    "lock",
    "read",
    "write",
    "upgradable_read",
    "read_recursive",
    "upgrade",
    "acquire",
    "reserve",
    "enter",
    "entered",
    "borrow",
    "borrow_mut",
    "borrow_and_update",
    "try_borrow",
    "try_borrow_mut",
];

/// File-system functions that change what a later read sees, by their last segment under
/// an `fs` module (`tokio::fs::write`, `std::fs::rename`, `fs::remove_file`).
const FS_WRITES: &[&str] = &[
    "write",
    "copy",
    "rename",
    "remove_file",
    "remove_dir",
    "remove_dir_all",
    "create_dir",
    "create_dir_all",
    "hard_link",
    "symlink",
    "symlink_file",
    "symlink_dir",
    "set_permissions",
];

/// Methods that write to what they are called on, a file included.
const WRITING_METHODS: &[&str] = &["write_all", "sync_all", "sync_data", "set_len"];

/// Whether a call path (`tokio::fs::write`, `io::copy`, `File::create`) changes the file
/// system or writes to a file.
fn writes(path: &syn::Path) -> bool {
    let mut segments = path.segments.iter().rev();
    let (Some(name), Some(parent)) = (segments.next(), segments.next()) else {
        return false;
    };
    let is = |names: &[&str]| names.iter().any(|wanted| name.ident == wanted);
    if parent.ident == "fs" {
        is(FS_WRITES)
    } else if parent.ident == "File" {
        is(&["create", "create_new"])
    } else if parent.ident == "io" {
        is(&["copy", "copy_buf", "copy_bidirectional"])
    } else {
        false
    }
}

/// Methods that read a clock, on `Instant`/`SystemTime` and their tokio forms.
const CLOCK_METHODS: &[&str] = &[
    "elapsed",
    "duration_since",
    "checked_duration_since",
    "saturating_duration_since",
];

/// Families of the methods above: `try_lock_for`, `acquire_many`, `try_reserve`,
/// `blocking_lock`, … (`read_to_string`, `write_all` are I/O, not guards.)
const ACQUIRING_PREFIXES: &[&str] = &[
    "lock_",
    "try_lock",
    "try_read",
    "try_write",
    "try_upgrad",
    "acquire_",
    "try_acquire",
    "reserve_",
    "try_reserve",
    "blocking_lock",
    "blocking_read",
    "blocking_write",
    "blocking_acquire",
];

/// Whether a method (or a `Type::method` path call) named `name` takes a guard, a permit or
/// a borrow. Any `*_owned` form counts (`read_owned`, `acquire_many_owned`), except the
/// conversions `to_owned` and `into_owned`, and so does `parking_lot`'s `*_arc`.
#[must_use]
pub fn is_acquisition(name: &str) -> bool {
    ACQUIRING_METHODS.contains(&name)
        || ACQUIRING_PREFIXES
            .iter()
            .any(|prefix| name.starts_with(prefix))
        || (name.ends_with("_owned") && name != "to_owned" && name != "into_owned")
        || name.ends_with("_arc")
}

/// What one expression does with names, as far as syntax can tell.
#[derive(Default, Debug)]
pub struct ExprFacts {
    /// Names read, written, borrowed or captured.
    pub uses: BTreeSet<String>,
    /// Names assigned, `&mut`-borrowed or otherwise written.
    pub writes: BTreeSet<String>,
    /// Whether evaluating the expression suspends (an `.await` outside closures and
    /// async blocks, which are lazy).
    pub awaits: bool,
    /// The first reason the expression must keep its place, if any.
    pub anchor: Option<(Anchor, Span)>,
    /// Names seen inside macro arguments or format-string captures (`{x}`): read as
    /// tokens, so a rename there cannot be done safely.
    pub in_tokens: BTreeSet<String>,
    /// Names bound by a pattern inside the expression (closure parameters, `let`s in
    /// blocks, `match` arms, `for` patterns): a use of such a name may be to the inner
    /// binding.
    pub bound_inside: BTreeSet<String>,
    /// Methods called on a place rooted at a name, as `(name, method)`: `("s", "a")` for
    /// `s.a()` or `s.field.a()`, `("self", "conn")` for `self.conn().query()` (`query` is
    /// called on `conn`'s result). A method taking `&mut self` borrows the name mutably.
    /// Inside closures and macro tokens too.
    pub receivers: BTreeSet<(String, String)>,
    /// Names passed whole as an argument (`f(x)`, `s.m(x)`): a `&mut` passed so is
    /// reborrowed mutably.
    pub passed: BTreeSet<String>,
    /// Names used inside the arguments of a call, or as a method's receiver: what two
    /// calls may share state through.
    pub call_inputs: BTreeSet<String>,
}

impl ExprFacts {
    /// The facts of one expression (an initializer, a statement's expression).
    #[must_use]
    pub fn of_expr(expr: &Expr) -> Self {
        Self::of_expr_with(expr, Guards::NONE)
    }

    /// The facts of one expression, with the crate's own [`Guards`] anchoring it too.
    #[must_use]
    pub fn of_expr_with(expr: &Expr, guards: Guards<'_>) -> Self {
        let mut scan = ExprScan::new(guards);
        scan.visit_expr(expr);
        scan.facts
    }

    /// The facts of one whole statement.
    #[must_use]
    pub fn of_stmt(stmt: &syn::Stmt, guards: Guards<'_>) -> Self {
        let mut scan = ExprScan::new(guards);
        scan.visit_stmt(stmt);
        scan.facts
    }

    fn anchor(&mut self, anchor: Anchor, span: Span) {
        if self.anchor.is_none() {
            self.anchor = Some((anchor, span));
        }
    }
}

#[derive(Default)]
struct ExprScan<'g> {
    facts: ExprFacts,
    /// The crate's own guard-returning calls.
    guards: Guards<'g>,
    /// Inside a closure or an async block: nothing there runs (or returns) now.
    lazy_depth: usize,
    /// Loops entered inside the expression; an unlabelled `break` there stays local.
    loop_depth: usize,
    /// Labels declared inside the expression.
    labels: Vec<String>,
    /// Inside a call's arguments.
    argument_depth: usize,
}

impl<'g> ExprScan<'g> {
    fn new(guards: Guards<'g>) -> Self {
        Self {
            guards,
            ..Self::default()
        }
    }

    fn lazy<F: FnOnce(&mut Self)>(&mut self, f: F) {
        self.lazy_depth += 1;
        let loops = std::mem::take(&mut self.loop_depth);
        f(self);
        self.loop_depth = loops;
        self.lazy_depth -= 1;
    }

    fn in_loop<F: FnOnce(&mut Self)>(&mut self, label: Option<&syn::Label>, f: F) {
        if let Some(label) = label {
            self.labels.push(label.name.ident.to_string());
        }
        self.loop_depth += 1;
        f(self);
        self.loop_depth -= 1;
        if label.is_some() {
            self.labels.pop();
        }
    }

    fn exits(&mut self, label: Option<&syn::Lifetime>, span: Span) {
        if self.lazy_depth > 0 {
            return;
        }
        let local = match label {
            Some(label) => self.labels.contains(&label.ident.to_string()),
            None => self.loop_depth > 0,
        };
        if !local {
            self.facts.anchor(Anchor::LoopExit, span);
        }
    }

    fn write_place(&mut self, place: &Expr) {
        if let Some(root) = place_root(place) {
            self.facts.writes.insert(root);
        }
    }
}

/// The name a method call on `receiver` may borrow: `s` in `s.a()`, `s.field[0].a()`,
/// `(*s).a()`. `None` for a temporary (a call's or a method's result: the method borrows
/// that, not the name the call started from) and for `(&s).a()` (a shared borrow).
fn borrowed_root(receiver: &Expr) -> Option<String> {
    match receiver {
        Expr::Path(path) if path.qself.is_none() => path.path.get_ident().map(ToString::to_string),
        Expr::Field(field) => borrowed_root(&field.base),
        Expr::Index(index) => borrowed_root(&index.expr),
        Expr::Paren(paren) => borrowed_root(&paren.expr),
        Expr::Group(group) => borrowed_root(&group.expr),
        Expr::Unary(unary) if matches!(unary.op, UnOp::Deref(_)) => borrowed_root(&unary.expr),
        _ => None,
    }
}

/// `x` of an argument `x` (or `(x)`): a name passed whole.
fn bare_name(arg: &Expr) -> Option<String> {
    match arg {
        Expr::Path(path) if path.qself.is_none() => path.path.get_ident().map(ToString::to_string),
        Expr::Paren(paren) => bare_name(&paren.expr),
        Expr::Group(group) => bare_name(&group.expr),
        _ => None,
    }
}

/// The local a place expression starts from: `a` in `a.b[3].c` or `*a`.
fn place_root(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Path(path) if path.qself.is_none() => path.path.get_ident().map(ToString::to_string),
        Expr::Field(field) => place_root(&field.base),
        Expr::Index(index) => place_root(&index.expr),
        Expr::Paren(paren) => place_root(&paren.expr),
        Expr::Group(group) => place_root(&group.expr),
        Expr::Unary(unary) if matches!(unary.op, UnOp::Deref(_)) => place_root(&unary.expr),
        Expr::MethodCall(call) => place_root(&call.receiver),
        _ => None,
    }
}

fn is_compound_assign(op: &BinOp) -> bool {
    matches!(
        op,
        BinOp::AddAssign(_)
            | BinOp::SubAssign(_)
            | BinOp::MulAssign(_)
            | BinOp::DivAssign(_)
            | BinOp::RemAssign(_)
            | BinOp::BitXorAssign(_)
            | BinOp::BitAndAssign(_)
            | BinOp::BitOrAssign(_)
            | BinOp::ShlAssign(_)
            | BinOp::ShrAssign(_)
    )
}

impl<'ast> Visit<'ast> for ExprScan<'_> {
    fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
        self.facts.bound_inside.insert(pat.ident.to_string());
        visit::visit_pat_ident(self, pat);
    }

    fn visit_expr_path(&mut self, expr: &'ast syn::ExprPath) {
        if expr.qself.is_none() {
            if let Some(ident) = expr.path.get_ident() {
                self.facts.uses.insert(ident.to_string());
                if self.argument_depth > 0 {
                    self.facts.call_inputs.insert(ident.to_string());
                }
            }
        }
        visit::visit_expr_path(self, expr);
    }

    fn visit_expr_method_call(&mut self, expr: &'ast syn::ExprMethodCall) {
        if let Some(root) = borrowed_root(&expr.receiver) {
            self.facts.call_inputs.insert(root.clone());
            self.facts.receivers.insert((root, expr.method.to_string()));
        }
        self.arguments(&expr.args);
        if self.lazy_depth == 0 {
            let name = expr.method.to_string();
            if CLOCK_METHODS.contains(&name.as_str()) {
                self.facts
                    .anchor(Anchor::ClockRead(format!(".{name}()")), expr.method.span());
            } else if WRITING_METHODS.contains(&name.as_str()) {
                self.facts
                    .anchor(Anchor::Writes(format!(".{name}(…)")), expr.method.span());
            } else if is_acquisition(&name) {
                self.facts
                    .anchor(Anchor::Acquisition(name), expr.method.span());
            } else if let Some(rule) = self.guards.method(&name) {
                self.facts
                    .anchor(Anchor::policy_guard(rule), expr.method.span());
            }
        }
        self.visit_expr(&expr.receiver);
        self.argument_depth += 1;
        for arg in &expr.args {
            self.visit_expr(arg);
        }
        self.argument_depth -= 1;
    }

    fn visit_expr_call(&mut self, expr: &'ast syn::ExprCall) {
        self.arguments(&expr.args);
        // `Mutex::lock(&m)`, `Semaphore::acquire_owned(sem)`: a method called through its
        // type. A lowercase path (`tokio::fs::read`) is a function, not a guard.
        if let (Expr::Path(path), 0) = (&*expr.func, self.lazy_depth) {
            let segments = &path.path.segments;
            let mut through_type = false;
            if writes(&path.path) {
                let written: Vec<String> = segments
                    .iter()
                    .map(|segment| segment.ident.to_string())
                    .collect();
                let span = segments
                    .last()
                    .map_or_else(Span::call_site, |last| last.ident.span());
                self.facts
                    .anchor(Anchor::Writes(format!("{}(…)", written.join("::"))), span);
            }
            if segments.last().is_some_and(|last| last.ident == "poll_fn") {
                let span = segments
                    .last()
                    .map_or_else(Span::call_site, |last| last.ident.span());
                self.facts.anchor(Anchor::TaskContext, span);
            }
            if let [.., ty, method] = segments.iter().collect::<Vec<_>>()[..] {
                let name = method.ident.to_string();
                through_type = ty.ident.to_string().starts_with(char::is_uppercase);
                if name == "now" && (ty.ident == "Instant" || ty.ident == "SystemTime") {
                    self.facts.anchor(
                        Anchor::ClockRead(format!("{}::now()", ty.ident)),
                        method.ident.span(),
                    );
                }
                if through_type && is_acquisition(&name) {
                    self.facts
                        .anchor(Anchor::Acquisition(name), method.ident.span());
                }
            }
            if let Some(rule) = self.guards.call(&path.path, through_type) {
                let span = segments
                    .last()
                    .map_or_else(Span::call_site, |segment| segment.ident.span());
                self.facts.anchor(Anchor::policy_guard(rule), span);
            }
        }
        self.visit_expr(&expr.func);
        self.argument_depth += 1;
        for arg in &expr.args {
            self.visit_expr(arg);
        }
        self.argument_depth -= 1;
    }

    fn visit_expr_await(&mut self, expr: &'ast syn::ExprAwait) {
        if self.lazy_depth == 0 {
            self.facts.awaits = true;
        }
        visit::visit_expr_await(self, expr);
    }

    fn visit_expr_try(&mut self, expr: &'ast syn::ExprTry) {
        if self.lazy_depth == 0 {
            self.facts
                .anchor(Anchor::NestedTry, expr.question_token.span);
        }
        visit::visit_expr_try(self, expr);
    }

    fn visit_expr_return(&mut self, expr: &'ast syn::ExprReturn) {
        if self.lazy_depth == 0 {
            self.facts.anchor(Anchor::Return, expr.return_token.span);
        }
        visit::visit_expr_return(self, expr);
    }

    fn visit_expr_break(&mut self, expr: &'ast syn::ExprBreak) {
        self.exits(expr.label.as_ref(), expr.break_token.span);
        visit::visit_expr_break(self, expr);
    }

    fn visit_expr_continue(&mut self, expr: &'ast syn::ExprContinue) {
        self.exits(expr.label.as_ref(), expr.continue_token.span);
        visit::visit_expr_continue(self, expr);
    }

    fn visit_expr_loop(&mut self, expr: &'ast syn::ExprLoop) {
        self.in_loop(expr.label.as_ref(), |scan| {
            visit::visit_expr_loop(scan, expr);
        });
    }

    fn visit_expr_while(&mut self, expr: &'ast syn::ExprWhile) {
        self.in_loop(expr.label.as_ref(), |scan| {
            visit::visit_expr_while(scan, expr);
        });
    }

    fn visit_expr_for_loop(&mut self, expr: &'ast syn::ExprForLoop) {
        // The iterator expression runs once, outside the loop, but treating it as inside
        // only makes an unlabelled `break` there (a syntax error anyway) look local.
        self.in_loop(expr.label.as_ref(), |scan| {
            visit::visit_expr_for_loop(scan, expr);
        });
    }

    fn visit_expr_block(&mut self, expr: &'ast syn::ExprBlock) {
        match &expr.label {
            // `break 'a value` out of a labelled block stays inside the expression.
            Some(label) => {
                self.labels.push(label.name.ident.to_string());
                visit::visit_expr_block(self, expr);
                self.labels.pop();
            }
            None => visit::visit_expr_block(self, expr),
        }
    }

    fn visit_expr_closure(&mut self, expr: &'ast syn::ExprClosure) {
        self.lazy(|scan| visit::visit_expr_closure(scan, expr));
    }

    fn visit_expr_async(&mut self, expr: &'ast syn::ExprAsync) {
        self.lazy(|scan| visit::visit_expr_async(scan, expr));
    }

    fn visit_expr_assign(&mut self, expr: &'ast syn::ExprAssign) {
        self.write_place(&expr.left);
        visit::visit_expr_assign(self, expr);
    }

    fn visit_expr_binary(&mut self, expr: &'ast syn::ExprBinary) {
        if is_compound_assign(&expr.op) {
            self.write_place(&expr.left);
        }
        visit::visit_expr_binary(self, expr);
    }

    fn visit_expr_reference(&mut self, expr: &'ast syn::ExprReference) {
        if expr.mutability.is_some() {
            self.write_place(&expr.expr);
        }
        visit::visit_expr_reference(self, expr);
    }

    fn visit_expr_raw_addr(&mut self, expr: &'ast syn::ExprRawAddr) {
        self.write_place(&expr.expr);
        visit::visit_expr_raw_addr(self, expr);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let name = mac
            .path
            .segments
            .last()
            .map(|segment| segment.ident.to_string())
            .unwrap_or_default();
        self.scan_macro_call(&name, macro_name_span(mac), mac.tokens.clone());
    }

    fn visit_expr(&mut self, expr: &'ast Expr) {
        match expr {
            Expr::Verbatim(tokens) => self.scan_tokens(tokens.clone()),
            _ => visit::visit_expr(self, expr),
        }
    }

    // Items cannot capture locals and their `return`s are their own.
    fn visit_item(&mut self, _item: &'ast syn::Item) {}
}

/// The span of a macro's name, for the reason a statement keeps its place.
fn macro_name_span(mac: &syn::Macro) -> Span {
    mac.path
        .segments
        .last()
        .map_or_else(Span::call_site, |segment| segment.ident.span())
}

impl ExprScan<'_> {
    /// Notes the names passed whole; the visit that follows records every name inside
    /// the arguments as a call input.
    fn arguments(&mut self, args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>) {
        for arg in args {
            if let Some(name) = bare_name(arg) {
                self.facts.passed.insert(name);
            }
        }
    }

    fn scan_macro_call(&mut self, name: &str, span: Span, tokens: TokenStream) {
        if !TRANSPARENT_MACROS.contains(&name) {
            self.facts
                .anchor(Anchor::OpaqueMacro(name.to_owned()), span);
        }
        if awaits_expressions(name) && self.lazy_depth == 0 {
            self.facts.awaits = true;
        }
        self.scan_tokens(tokens);
    }

    /// Reads macro arguments as tokens: they need not be expressions.
    fn scan_tokens(&mut self, tokens: TokenStream) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        for (index, tree) in trees.iter().enumerate() {
            let previous = index.checked_sub(1).and_then(|before| trees.get(before));
            let next = trees.get(index + 1);
            let after_dot = matches!(previous, Some(TokenTree::Punct(p)) if p.as_char() == '.');
            let called = matches!(next, Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis);
            match tree {
                TokenTree::Group(group) => {
                    // `|x| { … }` and `async { … }` bodies inside macros are not told
                    // apart from eager code here: the over-approximation is safe.
                    if group.delimiter() != Delimiter::None || !group.stream().is_empty() {
                        self.scan_tokens(group.stream());
                    }
                }
                TokenTree::Ident(ident) => {
                    let text = ident.to_string();
                    let bang = matches!(next, Some(TokenTree::Punct(p)) if p.as_char() == '!');
                    match text.as_str() {
                        "await" if after_dot && self.lazy_depth == 0 => {
                            self.facts.awaits = true;
                        }
                        "await" if after_dot => {}
                        "return" if self.lazy_depth == 0 => {
                            self.facts.anchor(Anchor::Return, ident.span());
                        }
                        "break" | "continue" if self.lazy_depth == 0 => {
                            // Loops inside macro arguments are rare; assume the worst.
                            self.facts.anchor(Anchor::LoopExit, ident.span());
                        }
                        "mut" => {
                            if let Some(TokenTree::Ident(target)) = next {
                                self.facts.writes.insert(target.to_string());
                            }
                        }
                        _ if bang && !after_dot => {
                            // A nested macro call: `name!(…)`; its tokens follow as a group.
                            if !TRANSPARENT_MACROS.contains(&text.as_str()) {
                                self.facts
                                    .anchor(Anchor::OpaqueMacro(text.clone()), ident.span());
                            }
                            if awaits_expressions(&text) && self.lazy_depth == 0 {
                                self.facts.awaits = true;
                            }
                        }
                        _ if !after_dot => {
                            if let Some(method) = method_called_on(&trees[index + 1..]) {
                                self.facts.call_inputs.insert(text.clone());
                                self.facts.receivers.insert((text.clone(), method));
                            }
                            if called && self.lazy_depth == 0 {
                                if let Some(rule) = self.guards.token_call(&text) {
                                    self.facts.anchor(Anchor::policy_guard(rule), ident.span());
                                }
                            }
                            self.facts.in_tokens.insert(text.clone());
                            self.facts.uses.insert(text);
                        }
                        _ if self.lazy_depth == 0
                            && called
                            && CLOCK_METHODS.contains(&text.as_str()) =>
                        {
                            self.facts
                                .anchor(Anchor::ClockRead(format!(".{text}()")), ident.span());
                        }
                        _ if self.lazy_depth == 0 && called && is_acquisition(&text) => {
                            self.facts.anchor(Anchor::Acquisition(text), ident.span());
                        }
                        _ if self.lazy_depth == 0 && called => {
                            if let Some(rule) = self.guards.method(&text) {
                                self.facts.anchor(Anchor::policy_guard(rule), ident.span());
                            }
                        }
                        _ => {}
                    }
                }
                TokenTree::Punct(punct) => {
                    if punct.as_char() == '?' && self.lazy_depth == 0 {
                        self.facts.anchor(Anchor::NestedTry, punct.span());
                    }
                }
                TokenTree::Literal(literal) => {
                    let captures = format_captures(literal);
                    self.facts.in_tokens.extend(captures.iter().cloned());
                    self.facts.uses.extend(captures);
                }
            }
        }
    }
}

/// In macro tokens after a name: the method of `.a(…)` or `.field.a(…)`, called on a
/// place rooted at the name.
fn method_called_on(after: &[TokenTree]) -> Option<String> {
    let mut rest = after;
    loop {
        match rest {
            [TokenTree::Punct(dot), TokenTree::Ident(name), tail @ ..] if dot.as_char() == '.' => {
                if matches!(tail.first(), Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Parenthesis)
                {
                    return Some(name.to_string());
                }
                rest = tail;
            }
            _ => return None,
        }
    }
}

/// Names captured by a format string: `x` and `w` in `"{x:>w$}"`. Any string literal in
/// a macro call counts, since a user macro may forward it to `format!`.
#[must_use]
pub fn format_captures(literal: &proc_macro2::Literal) -> Vec<String> {
    let Ok(string) = syn::parse2::<syn::LitStr>(TokenTree::Literal(literal.clone()).into()) else {
        return Vec::new();
    };
    let text = string.value();
    let mut names = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '{' {
            continue;
        }
        if chars.peek() == Some(&'{') {
            chars.next();
            continue;
        }
        let mut placeholder = String::new();
        for inner in chars.by_ref() {
            if inner == '}' {
                break;
            }
            placeholder.push(inner);
        }
        let (argument, spec) = placeholder
            .split_once(':')
            .unwrap_or((placeholder.as_str(), ""));
        if is_identifier(argument.trim()) {
            names.push(argument.trim().to_owned());
        }
        // `width$` and `.precision$` name arguments too.
        for piece in spec.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$')) {
            if let Some(name) = piece.strip_suffix('$') {
                if is_identifier(name) {
                    names.push(name.to_owned());
                }
            }
        }
    }
    names
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && text != "_"
}

/// One name bound by a pattern.
#[derive(Clone, Debug)]
pub struct Binding {
    /// The name as written (its span is the user's token).
    pub ident: syn::Ident,
    /// `mut x`.
    pub mutable: bool,
    /// `ref x` / `ref mut x`.
    pub by_ref: bool,
}

/// Every name a pattern binds, or `None` if the pattern hides them (a macro).
#[must_use]
pub fn pattern_bindings(pat: &Pat) -> Option<Vec<Binding>> {
    #[derive(Default)]
    struct Bindings {
        found: Vec<Binding>,
        opaque: bool,
    }
    impl<'ast> Visit<'ast> for Bindings {
        fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
            self.found.push(Binding {
                ident: pat.ident.clone(),
                mutable: pat.mutability.is_some(),
                by_ref: pat.by_ref.is_some(),
            });
            visit::visit_pat_ident(self, pat);
        }
        fn visit_expr_macro(&mut self, _pat: &'ast syn::ExprMacro) {
            self.opaque = true;
        }
        // Types and paths inside patterns name no locals.
        fn visit_type(&mut self, _ty: &'ast syn::Type) {}
        fn visit_expr(&mut self, _expr: &'ast Expr) {}
    }
    let mut bindings = Bindings::default();
    bindings.visit_pat(pat);
    (!bindings.opaque).then_some(bindings.found)
}

/// Names that some code in the function may write through: `mut` bindings, parameters
/// of type `&mut T`, a `&mut self`/`mut self` receiver, and every place assigned or
/// `&mut`-borrowed. Statements touching one of these keep their relative order.
#[must_use]
pub fn mutable_names(sig: &syn::Signature, body: &syn::Block) -> BTreeSet<String> {
    #[derive(Default)]
    struct Mutables {
        names: BTreeSet<String>,
    }
    impl<'ast> Visit<'ast> for Mutables {
        fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
            if pat.mutability.is_some() || pat.by_ref.is_some() {
                self.names.insert(pat.ident.to_string());
            }
            visit::visit_pat_ident(self, pat);
        }
        fn visit_local(&mut self, local: &'ast syn::Local) {
            if let Pat::Type(typed) = &local.pat {
                if is_mut_reference(&typed.ty) {
                    self.names.extend(binding_names(&typed.pat));
                }
            }
            if let Some(init) = &local.init {
                if let Expr::Reference(reference) = &*init.expr {
                    if reference.mutability.is_some() {
                        self.names.extend(binding_names(&local.pat));
                    }
                }
            }
            visit::visit_local(self, local);
        }
    }
    let mut mutables = Mutables::default();
    for input in &sig.inputs {
        match input {
            syn::FnArg::Receiver(receiver) => {
                let by_mut_reference = match &receiver.kind {
                    syn::ReceiverKind::Reference(_, _, mutability) => mutability.is_some(),
                    syn::ReceiverKind::Typed(_, ty) => is_mut_reference(ty),
                    _ => false,
                };
                if receiver.mutability.is_some() || by_mut_reference {
                    mutables.names.insert("self".to_owned());
                }
            }
            syn::FnArg::Typed(typed) => {
                if is_mut_reference(&typed.ty) {
                    mutables.names.extend(binding_names(&typed.pat));
                }
                mutables.visit_pat(&typed.pat);
            }
        }
    }
    mutables.visit_block(body);
    // Writes anywhere in the body, in one pass.
    let mut writes = ExprScan::default();
    writes.visit_block(body);
    mutables.names.extend(writes.facts.writes);
    mutables.names
}

fn binding_names(pat: &Pat) -> Vec<String> {
    pattern_bindings(pat)
        .unwrap_or_default()
        .into_iter()
        .map(|binding| binding.ident.to_string())
        .collect()
}

fn is_mut_reference(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(reference) => reference.mutability.is_some(),
        syn::Type::Paren(paren) => is_mut_reference(&paren.elem),
        syn::Type::Group(group) => is_mut_reference(&group.elem),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_transparent_macros_without_awaits_cannot_suspend() {
        let cannot = |source: &str| cannot_suspend(&syn::parse_str(source).expect("a macro call"));
        assert!(cannot("println!(\"{}\", x)"));
        assert!(cannot("tracing::info!(user = %id, \"loaded\")"));
        assert!(cannot("vec![1, 2]"));
        assert!(cannot("tokio::pin!(sleep)"));
        assert!(cannot("anyhow::bail!(\"no user {id}\")"));
        assert!(!cannot("tokio::pin!(fut = f().await)"));
        assert!(!cannot("assert_eq!(f().await, 1)"));
        assert!(!cannot("tokio::join!(f(), g())"));
        assert!(!cannot("tokio::select! { x = f() => x }"));
        assert!(!cannot("retry!(f())"));
    }

    fn facts(source: &str) -> ExprFacts {
        ExprFacts::of_expr(&syn::parse_str(source).expect("test expression parses"))
    }

    #[test]
    fn format_string_captures_count_as_uses() {
        let facts = facts(r#"format!("{x} {y:?} {:>w$.p$} {{z}} {0}", a)"#);
        let uses: Vec<_> = facts.uses.iter().map(String::as_str).collect();
        assert_eq!(uses, ["a", "p", "w", "x", "y"]);
        assert!(facts.anchor.is_none());
    }

    #[test]
    fn closures_capture_but_do_not_await_now() {
        let facts = facts("items.iter().map(|i| i + offset).collect::<Vec<_>>()");
        assert!(facts.uses.contains("offset") && facts.uses.contains("items"));
        assert!(!facts.awaits);
        let facts = facts_of_async();
        assert!(!facts.awaits && facts.anchor.is_none());
    }

    fn facts_of_async() -> ExprFacts {
        facts("async { fetch(id).await? }")
    }

    #[test]
    fn await_inside_control_flow_is_one_node() {
        let facts = facts("if cached { local } else { remote(key).await }");
        assert!(facts.awaits);
        assert!(facts.anchor.is_none());
    }

    #[test]
    fn divergence_pins_the_statement() {
        assert_eq!(
            facts("f(g()?).await").anchor.map(|p| p.0),
            Some(Anchor::NestedTry)
        );
        assert_eq!(
            facts("match x { Some(v) => v, None => return 0 }")
                .anchor
                .map(|p| p.0),
            Some(Anchor::Return)
        );
        assert_eq!(
            facts("if done { break } else { 1 }").anchor.map(|p| p.0),
            Some(Anchor::LoopExit)
        );
        assert!(facts("loop { if done { break 3 } }").anchor.is_none());
        assert!(facts("'outer: { if done { break 'outer 3 } 4 }")
            .anchor
            .is_none());
        assert_eq!(
            facts("my_try!(x)").anchor.map(|p| p.0),
            Some(Anchor::OpaqueMacro("my_try".to_owned()))
        );
        assert_eq!(
            facts("vec![a?]").anchor.map(|p| p.0),
            Some(Anchor::NestedTry)
        );
    }

    #[test]
    fn acquisitions_pin_the_statement() {
        for source in [
            "map.read().await",
            "log.lock().await",
            "sem.acquire().await.unwrap()",
            "sem.clone().acquire_many_owned(2).await",
            "lock.try_lock_for(timeout)",
            "lock.upgradable_read()",
            "rw.write_arc()",
            "span.enter()",
            "cell.borrow_mut().len()",
            "tx.reserve().await",
            "Mutex::lock(&m).await",
            "if cached { None } else { Some(m.lock().await.len()) }",
            r#"format!("{}", m.lock().unwrap().len())"#,
        ] {
            assert!(
                matches!(facts(source).anchor, Some((Anchor::Acquisition(_), _))),
                "{source} takes a guard"
            );
        }
        for source in [
            "tokio::fs::read(path).await",
            "file.read_to_string(&mut text).await",
            "name.to_owned()",
            "cow.into_owned()",
            "async move { m.lock().await.len() }",
            "items.iter().map(|m| m.lock().unwrap().len()).count()",
            "client.get(url).send().await",
        ] {
            assert!(
                facts(source).anchor.is_none(),
                "{source} takes no guard now"
            );
        }
    }

    #[test]
    fn the_policy_guards_pin_the_statement() {
        let policy = crate::policy::parse(
            "[concurrent.guards]\n\".get\" = \"deadpool: the pooled connection\"\n\
             \"pool::checkout\" = \"a leased connection\"\n",
        )
        .expect("valid policy");
        let guards = Guards::new(&policy.guards);
        let anchored = |source: &str| {
            let expr = syn::parse_str(source).expect("test expression parses");
            ExprFacts::of_expr_with(&expr, guards)
                .anchor
                .map(|(anchor, _)| anchor)
        };
        for (source, rule) in [
            ("pool.get().await.unwrap()", ".get"),
            ("Pool::get(&pool).await", ".get"),
            (r#"format!("{:?}", pool.get().await)"#, ".get"),
            ("pool::checkout(&p).await", "pool::checkout"),
            ("crate::pool::checkout(&p).await", "pool::checkout"),
            ("vec![pool::checkout(&p)]", "pool::checkout"),
        ] {
            assert_eq!(
                anchored(source),
                Some(Anchor::PolicyGuard {
                    rule: rule.to_owned(),
                    reason: policy.guards[usize::from(rule == "pool::checkout")]
                        .reason
                        .clone(),
                }),
                "{source} holds a guard named by `{rule}`"
            );
        }
        for source in [
            "db::checkout(&p).await",
            "checkout(&p).await",
            "pool.checkout().await",
            "async move { pool.get().await }",
            "fetch(get)",
        ] {
            assert_eq!(anchored(source), None, "{source} is no guard of the policy");
        }
        // Without the policy, `.get` is an ordinary method: the built-in list is unchanged.
        assert!(facts("pool.get().await").anchor.is_none());
        assert!(matches!(
            ExprFacts::of_expr_with(&syn::parse_str("m.lock()").expect("parses"), guards).anchor,
            Some((Anchor::Acquisition(_), _))
        ));
    }

    #[test]
    fn clock_reads_and_poll_fn_pin_the_statement() {
        for source in [
            "Instant::now()",
            "std::time::SystemTime::now()",
            "start.elapsed()",
            "now.duration_since(start)",
            r#"format!("took {:?}", start.elapsed())"#,
        ] {
            assert!(
                matches!(facts(source).anchor, Some((Anchor::ClockRead(_), _))),
                "{source} reads the clock"
            );
        }
        assert!(matches!(
            facts("std::future::poll_fn(poll_proceed).await").anchor,
            Some((Anchor::TaskContext, _))
        ));
        for source in [
            "async move { start.elapsed() }",
            "items.iter().map(|_| Instant::now()).count()",
            "clock.now()",
        ] {
            assert!(
                facts(source).anchor.is_none(),
                "{source} reads no clock now"
            );
        }
    }

    /// A call that changes the file system or writes to a file keeps its place; reads and
    /// look-alikes do not.
    #[test]
    fn file_system_writes_pin_the_statement() {
        for source in [
            "tokio::fs::write(&path, body).await",
            "fs::remove_file(path).await",
            "std::fs::rename(from, to)",
            "File::create(&path).await",
            "io::copy(&mut reader, &mut file).await",
            "file.write_all(&bytes).await",
            "file.sync_all().await",
        ] {
            assert!(
                matches!(facts(source).anchor, Some((Anchor::Writes(_), _))),
                "{source} writes"
            );
        }
        for source in [
            "tokio::fs::metadata(path).await",
            "fs::read_to_string(path).await",
            "File::open(&path).await",
            "client.send(key).await",
            "ptr::copy(a, b, n)",
        ] {
            assert!(facts(source).anchor.is_none(), "{source} writes nothing");
        }
    }

    #[test]
    fn writes_are_found_through_places() {
        let facts = facts("{ a.b[0] = 1; *c += 2; f(&mut d.e); v.push(3) }");
        let writes: Vec<_> = facts.writes.iter().map(String::as_str).collect();
        assert_eq!(writes, ["a", "c", "d"]);
    }
}
