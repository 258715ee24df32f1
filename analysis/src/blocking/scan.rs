//! The visitor that walks an async body and reports blocking calls.
//!
//! Each expression is visited knowing how its value is used ([`Use`]): a future is
//! awaited or handed on, a blocking call's result is consumed as a value. That use is
//! what tells `rx.recv().await` (tokio) from `rx.recv().unwrap()` (std) when the types
//! are out of sight.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};
use syn::{
    Block, Expr, ExprCall, ExprForLoop, ExprMethodCall, Item, Local, Macro, Pat, Stmt, Token,
};

use super::catalogue::{
    BlockingCatalogue, CallKind, Entry, Origin, PathMatch, Pattern, Shape, ORIGINS,
};
use super::imports::Imports;
use super::{evidence, locks, Context};
use crate::findings::{Finding, Location};

/// How the value of an expression is used by its parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Use {
    /// Consumed: the receiver of a method, `?`, a scrutinee, a statement, a `let` whose
    /// name is never awaited. A future used this way would be a type error, so a call
    /// with an ambiguous name here is the blocking one.
    Value,
    /// Passed as it is to a call or macro, which may take a future.
    HandedOn,
    /// Awaited: `.await`, an operand of `join!`/`select!`, a direct argument of an
    /// awaited call or of `spawn`/`timeout`/`Box::pin`, or bound to a name that is
    /// awaited or handed on later.
    Awaited,
}

/// Calls that run a closure argument on another thread (`std::thread::spawn`,
/// `thread::scope`, `Builder::spawn`, a scope's `s.spawn`). tokio's spawns take a
/// future, never a closure, so a closure argument tells them apart.
const THREAD_SPAWNS: &[&str] = &["spawn", "spawn_scoped", "scope"];

/// Calls that keep a sync closure (as it is, or in `Box::new`/`Arc::new`/`Rc::new`) to
/// run later, never during the call: at a panic, on a signal handler's thread, on a file
/// watcher's thread at each event. The closure is not the calling fn's code.
const RUNS_LATER: &[&str] = &[
    "std::panic::set_hook",
    "ctrlc::set_handler",
    "ctrlc::try_set_handler",
    "notify::recommended_watcher",
    "notify::RecommendedWatcher::new",
    "notify::PollWatcher::new",
    "notify::INotifyWatcher::new",
    "notify::FsEventWatcher::new",
    "notify::KqueueWatcher::new",
    "notify::ReadDirectoryChangesWatcher::new",
    "notify_debouncer_mini::new_debouncer",
    "notify_debouncer_full::new_debouncer",
];

/// Methods that keep a sync closure to run on a thread of their own: `jobserver`'s
/// `Client::into_helper_thread`.
const RUNS_LATER_METHODS: &[&str] = &["into_helper_thread"];

/// Whether a path call, resolved to `candidates`, is one of [`RUNS_LATER`].
fn runs_later(candidates: &[Vec<String>]) -> bool {
    candidates.iter().any(|candidate| {
        RUNS_LATER
            .iter()
            .any(|path| path.split("::").eq(candidate.iter().map(String::as_str)))
    })
}
/// Methods whose closure arguments return futures (`StreamExt::then`,
/// `for_each_concurrent`), or that store a future to be polled later
/// (`FuturesUnordered::push`, a `Vec` handed to `join_all`): their arguments count as
/// awaited, as a future bound to a name awaited later does.
const FUTURE_ARGUMENT_METHODS: &[&str] = &[
    "then",
    "for_each_concurrent",
    "try_for_each_concurrent",
    "push",
    "push_back",
    "push_front",
];
/// Stream methods whose receiver yields futures: `.map(|k| fetch(k)).buffer_unordered(8)`.
const FUTURE_STREAM_METHODS: &[&str] = &[
    "buffered",
    "buffer_unordered",
    "try_buffered",
    "try_buffer_unordered",
];
/// Methods that only futures have: their receiver is a future, not a value.
const FUTURE_COMBINATORS: &[&str] = &[
    "fuse",
    "boxed",
    "boxed_local",
    "then",
    "instrument",
    "in_current_span",
    "with_current_subscriber",
    "shared",
    "now_or_never",
    "into_future",
    "catch_unwind",
    "left_future",
    "right_future",
    "remote_handle",
    "map_ok",
    "err_into",
    "ok_into",
];

/// Methods of `Result`/`Option` only: their receiver is consumed as a value even inside
/// an awaited expression (`tx.send(rx.recv().unwrap()).await`, or a `let` whose name is
/// handed on later), so a blocking call there is not a future.
const VALUE_METHODS: &[&str] = &[
    "unwrap",
    "expect",
    "unwrap_or",
    "unwrap_or_else",
    "unwrap_or_default",
    "unwrap_err",
    "expect_err",
    "unwrap_unchecked",
];

/// The macros of the runtime crate that the attributes' watchdog hook wraps an async body
/// in (`::async_hygiene::__private::watch_body!(name = "f", .., body = { .. })`), as the
/// last path segment. The scanner looks into their `body`, so an attribute that runs
/// after another of ours still sees the user's code.
pub const WATCH_MACROS: [&str; 2] = ["watch_body", "watch_body_on"];
/// The escape hatch: its operand is not checked.
pub(super) const ESCAPE_HATCH: &str = "allow_blocking";

pub(crate) struct Scanner<'a> {
    catalogue: &'a BlockingCatalogue,
    /// The names in view: the fn's, and those of the `use` items of the blocks the scan
    /// is inside ([`Scanner::stmts`] adds a block's own for the block only).
    imports: Cow<'a, Imports>,
    context: Context,
    /// Locals bound to a std value whose methods block: `let mut cmd = Command::new(..)`.
    origins: HashMap<String, Origin>,
    /// How the next expression visited is used; reset to `Value` as it is taken.
    pending: Use,
    pub(crate) findings: Vec<Finding>,
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(
        catalogue: &'a BlockingCatalogue,
        imports: &'a Imports,
        context: Context,
    ) -> Self {
        Scanner {
            catalogue,
            imports: Cow::Borrowed(imports),
            context,
            origins: imports.parameter_origins().clone(),
            pending: Use::Value,
            findings: Vec::new(),
        }
    }

    pub(crate) fn expr_with(&mut self, expr: &Expr, use_: Use) {
        self.pending = use_;
        self.visit_expr(expr);
    }

    fn report(&mut self, entry: &Entry, tokens: &impl ToTokens, note: Option<String>) {
        let mut finding = Finding::new(
            self.catalogue.lint(),
            Location::of(tokens),
            entry.message(),
            entry.instead.to_string(),
        );
        finding.api = Some(entry.what.to_string());
        finding.notes.extend(note);
        self.findings.push(finding);
    }

    /// Visits statements; `tail` is how the block's value (its tail expression) is used.
    pub(crate) fn stmts(&mut self, stmts: &[Stmt], tail: Use) {
        // A block's `use` items name things in that block only (`spawn_blocking({ use
        // std::fs; .. })` leaves the fn's `tokio::fs` in view outside it).
        let outer = stmts
            .iter()
            .any(|stmt| matches!(stmt, Stmt::Item(Item::Use(_))))
            .then(|| {
                let mut scoped = (*self.imports).clone();
                scoped.add_block_uses(stmts);
                std::mem::replace(&mut self.imports, Cow::Owned(scoped))
            });
        self.block_stmts(stmts, tail);
        if let Some(outer) = outer {
            self.imports = outer;
        }
    }

    fn block_stmts(&mut self, stmts: &[Stmt], tail: Use) {
        let operands = MacroOperands::default();
        for (index, stmt) in stmts.iter().enumerate() {
            let rest = &stmts[index + 1..];
            match stmt {
                Stmt::Local(local) => self.local(local, rest, &operands),
                // Nested items are other functions: sync code, not this body.
                Stmt::Item(_) => {}
                Stmt::Expr(expr, None) if rest.is_empty() => self.expr_with(expr, tail),
                Stmt::Expr(expr, _) => self.expr_with(expr, Use::Value),
                Stmt::Macro(stmt_macro) => self.mac(&stmt_macro.mac, Use::Value),
            }
        }
    }

    fn local(&mut self, local: &Local, rest: &[Stmt], operands: &MacroOperands) {
        let is_cell = |receiver: &Expr| self.is_ref_cell(receiver);
        if let Some(guard) = locks::guard_held_across_await(self.catalogue, local, rest, &is_cell) {
            self.findings.push(guard);
        }
        let mut names = Vec::new();
        bound_names(&local.pat, &mut names);
        // A rebinding shadows the old local, origin included.
        for name in &names {
            self.origins.remove(name);
        }
        let typed = match &local.pat {
            Pat::Type(typed) => self.imports.type_origin(&typed.ty),
            _ => None,
        };
        let Some(init) = &local.init else {
            if let (Some(name), Some(origin)) = (bound_name(&local.pat), typed) {
                self.origins.insert(name, origin);
            }
            return;
        };
        let name = bound_name(&local.pat);
        let origin = typed.or_else(|| self.origin_of(&init.expr)).or_else(|| {
            let local = |name: &str| self.origins.get(name).copied();
            if evidence::is_address_value(&init.expr, &local) {
                Some(Origin::Address)
            } else if evidence::is_memory(&init.expr, &local) {
                Some(Origin::Memory)
            } else {
                None
            }
        });
        if let Some(name) = &name {
            if let Some(origin) = origin {
                self.origins.insert(name.clone(), origin);
            }
            // `let work = || ..; spawn_blocking(work)`: the closure is the fix.
            if matches!(&*init.expr, Expr::Closure(_)) && self.handed_to_offload(name, rest) {
                return;
            }
        }
        // `let (tx, rx) = std::sync::mpsc::channel();`: `rx` is a sync receiver.
        if origin == Some(Origin::SyncChannel) {
            if let Some(receiver) = pair_second_name(&local.pat) {
                self.origins.insert(receiver, Origin::SyncReceiver);
            }
        }
        let use_ = if names
            .iter()
            .any(|name| used_as_future(name, rest, operands))
        {
            Use::Awaited
        } else {
            Use::Value
        };
        self.expr_with(&init.expr, use_);
        if let Some((_, diverge)) = &init.diverge {
            self.expr_with(diverge, Use::Value);
        }
    }

    fn call(&mut self, call: &ExprCall, use_: Use) {
        let Expr::Path(func) = &*call.func else {
            self.expr_with(&call.func, Use::Value);
            self.args(call.args.iter(), Use::HandedOn);
            return;
        };
        if func.qself.is_some() {
            self.args(call.args.iter(), Use::HandedOn);
            return;
        }
        let last = last_segment(&func.path);
        let candidates = self.imports.resolve(&func.path);
        // `spawn_blocking(|| ..)`: the closure is the fix, not the problem;
        // `std::panic::set_hook(Box::new(|info| ..))`: the hook runs at a panic, not here.
        if let Some(is_work) = offloaded_work(
            self.catalogue.is_offload_call(&candidates),
            runs_later(&candidates),
            &last,
            &call.args,
        ) {
            self.offload_args(&call.args, is_work);
            return;
        }
        let bare_names = !self.imports.complete();
        if let Some((entry, matched)) = self
            .catalogue
            .path_call(&candidates, bare_names)
            .filter(|(entry, _)| !self.returns_at_once(entry, call))
        {
            let reported = match matched {
                PathMatch::Full => Some(None),
                // A shortened path may be the user's own: say how to show that it is.
                PathMatch::Shortened if use_ != Use::Awaited => Some(Some(&func.path)),
                // A bare name consumed as a value cannot be tokio's (those are futures),
                // unless the name is a local of the item (`sleep: impl Fn(Duration)`).
                PathMatch::Bare if use_ == Use::Value && !self.imports.is_local(&last) => {
                    Some(Some(&func.path))
                }
                PathMatch::Shortened | PathMatch::Bare => None,
            };
            if let Some(shortened) = reported {
                let note = shortened.map(|path| {
                    let written = path.to_token_stream().to_string().replace(' ', "");
                    entry.shortened_path_note(&written)
                });
                let entry = entry.clone();
                self.report(&entry, call, note);
            }
        }
        let args_use = if use_ == Use::Awaited || FUTURE_TAKERS.contains(&last.as_str()) {
            Use::Awaited
        } else {
            Use::HandedOn
        };
        self.args(call.args.iter(), args_use);
    }

    fn method_call(&mut self, call: &ExprMethodCall, use_: Use) {
        let name = call.method.to_string();
        let keeps = RUNS_LATER_METHODS.contains(&name.as_str());
        if let Some(is_work) = offloaded_work(
            self.catalogue.is_offload_method(&name),
            keeps,
            &name,
            &call.args,
        ) {
            self.expr_with(&call.receiver, Use::Value);
            self.offload_args(&call.args, is_work);
            return;
        }
        let found = self
            .catalogue
            .methods(&name)
            .find(|entry| self.method_matches(entry, call, use_) && !Self::no_wait(entry, call))
            .cloned();
        if let Some(entry) = found {
            let note = entry.name_match_note();
            self.report(&entry, call, note);
        }
        let receiver_use = if VALUE_METHODS.contains(&name.as_str()) {
            Use::Value
        } else if use_ == Use::Awaited || FUTURE_STREAM_METHODS.contains(&name.as_str()) {
            Use::Awaited
        } else if FUTURE_COMBINATORS.contains(&name.as_str()) {
            Use::HandedOn
        } else {
            Use::Value
        };
        self.expr_with(&call.receiver, receiver_use);
        let args_use = if use_ == Use::Awaited
            || FUTURE_TAKERS.contains(&name.as_str())
            || FUTURE_ARGUMENT_METHODS.contains(&name.as_str())
        {
            Use::Awaited
        } else {
            Use::HandedOn
        };
        self.args(call.args.iter(), args_use);
    }

    fn method_matches(&self, entry: &Entry, call: &ExprMethodCall, use_: Use) -> bool {
        let Pattern::Method { shape, .. } = &entry.pattern else {
            return false;
        };
        match shape {
            Shape::Always => true,
            Shape::NoArgs => call.args.is_empty(),
            Shape::NotAwaited => use_ != Use::Awaited,
            Shape::Arity(arity) => call.args.len() == *arity && use_ == Use::Value,
            Shape::MutRefArg => {
                use_ == Use::Value
                    && call.args.len() == 1
                    && matches!(
                        call.args.first(),
                        Some(Expr::Reference(reference)) if reference.mutability.is_some()
                    )
            }
            Shape::OnOrigin(origin) => {
                use_ != Use::Awaited && self.origin_of(&call.receiver) == Some(*origin)
            }
            Shape::GuardAcrossAwait => false,
            Shape::Imported {
                crates,
                traits,
                arity,
            } => {
                use_ != Use::Awaited
                    && call.args.len() == *arity
                    && self.imports.imports_from(crates, traits)
            }
        }
    }

    /// The arguments of an offload call that run here: those that are not its work, and
    /// the statements of a block before the work it ends with.
    fn offload_args(&mut self, args: &Punctuated<Expr, Token![,]>, is_work: fn(&Expr) -> bool) {
        for arg in args {
            if !is_work(arg) {
                self.expr_with(arg, Use::HandedOn);
                continue;
            }
            let mut expr = peel(arg);
            while let Expr::Block(block) = expr {
                let Some((Stmt::Expr(tail, None), before)) = block.block.stmts.split_last() else {
                    break;
                };
                self.stmts(before, Use::Value);
                expr = peel(tail);
            }
        }
    }

    /// Whether the arguments show that a path call matched by a row returns at once:
    /// a std `bind` to a literal IP or an address value (no name to resolve, no peer to
    /// wait for: `connect` still waits for its handshake), or `std::io::copy` between two
    /// buffers in memory.
    fn returns_at_once(&self, entry: &Entry, call: &ExprCall) -> bool {
        let local = |name: &str| self.origins.get(name).copied();
        match entry.call_kind() {
            Some(CallKind::Bind) => {
                call.args.len() == 1
                    && (evidence::is_literal_ip_address(&call.args[0])
                        || evidence::is_address_value(&call.args[0], &local))
            }
            Some(CallKind::IoCopy) => {
                let [reader, writer] = [call.args.first(), call.args.get(1)];
                let (Some(reader), Some(writer)) = (reader, writer) else {
                    return false;
                };
                let memory = |arg| evidence::is_memory(arg, &local);
                let quiet = |arg| evidence::is_memory_or_callers(arg, &local);
                let io = |arg| self.is_visibly_io(arg);
                // Between buffers nothing waits. With one side in memory or the
                // caller's, whether the other does I/O is what syntax cannot see:
                // reported only when it visibly does (a `File`, stdio).
                (memory(reader) && memory(writer))
                    || ((quiet(reader) || quiet(writer)) && !io(reader) && !io(writer))
            }
            None => false,
        }
    }

    /// Whether a reader or writer is visibly a file or the process's stdio: a name bound
    /// to a `std::fs::File` (or a buffer over one) or to stdin, `io::stdin()`,
    /// `io::stdout()`, `io::stderr()` (or their `.lock()`), or a codec or buffer built
    /// over one (`GzDecoder::new(file)`).
    fn is_visibly_io(&self, expr: &Expr) -> bool {
        let expr = peel(expr);
        if matches!(self.origin_of(expr), Some(Origin::File | Origin::Stdin)) {
            return true;
        }
        let call = match expr {
            Expr::MethodCall(method) if method.method == "lock" => peel(&method.receiver),
            expr => expr,
        };
        let Expr::Call(call) = call else {
            return false;
        };
        let Expr::Path(func) = &*call.func else {
            return false;
        };
        if last_segment(&func.path) == "new" {
            return call
                .args
                .first()
                .is_some_and(|inner| self.is_visibly_io(inner));
        }
        call.args.is_empty()
            && self.imports.resolve(&func.path).iter().any(|path| {
                matches!(
                    path.iter().map(String::as_str).collect::<Vec<_>>()[..],
                    ["std", "io", "stdin" | "stdout" | "stderr"]
                )
            })
    }

    /// Whether a method matched by name is visibly not the blocking one: a Condvar wait
    /// whose first argument is a `Duration` (or a literal, or a closure) rather than a
    /// guard, or `.to_socket_addrs()` on a literal IP address (parsed, not looked up).
    fn no_wait(entry: &Entry, call: &ExprMethodCall) -> bool {
        if entry.takes_a_guard() {
            return call.args.first().is_some_and(evidence::is_visibly_duration);
        }
        call.method == "to_socket_addrs" && evidence::is_literal_ip_address(&call.receiver)
    }

    /// Whether a receiver is a `RefCell`, so that its `.borrow()`/`.borrow_mut()` is a
    /// borrow guard: a local or parameter visibly one (`&RefCell<T>`, `Rc<RefCell<T>>`,
    /// `RefCell::new(..)`), or, where the whole module is in view and no `Borrow`/
    /// `BorrowMut` trait can be (no import of either, no glob import), any receiver: the
    /// inherent `borrow` methods are then `RefCell`'s (or a look-alike cell's).
    fn is_ref_cell(&self, receiver: &Expr) -> bool {
        self.origin_of(receiver) == Some(Origin::RefCell)
            || (self.imports.complete() && !self.imports.may_use_borrow_trait())
    }

    fn args<'e>(&mut self, args: impl Iterator<Item = &'e Expr>, use_: Use) {
        for arg in args {
            self.expr_with(arg, use_);
        }
    }

    /// The std type a receiver chain starts from: `Command::new("ls").arg("x")` or a
    /// local bound to one.
    fn origin_of(&self, expr: &Expr) -> Option<Origin> {
        match expr {
            Expr::MethodCall(call) => self
                .origin_of(&call.receiver)
                .filter(|origin| carries(*origin, &call.method)),
            Expr::Try(inner) => self.origin_of(&inner.expr),
            Expr::Paren(inner) => self.origin_of(&inner.expr),
            Expr::Group(inner) => self.origin_of(&inner.expr),
            Expr::Reference(inner) => self.origin_of(&inner.expr),
            Expr::Call(call) => {
                let Expr::Path(func) = &*call.func else {
                    return None;
                };
                // `Rc::new(RefCell::new(..))`: the pointer derefs to the cell.
                if wraps(&call.func) {
                    return call
                        .args
                        .first()
                        .and_then(|arg| self.origin_of(arg))
                        .filter(|origin| *origin == Origin::RefCell);
                }
                let candidates = self.imports.resolve(&func.path);
                let paths = super::catalogue::origin_paths();
                ORIGINS
                    .iter()
                    .zip(paths)
                    .find_map(|(constructor, canonical)| {
                        let arity_fits = constructor
                            .arity
                            .is_none_or(|arity| arity == call.args.len());
                        (arity_fits
                            && candidates.iter().any(|written| {
                                super::catalogue::match_path(
                                    written,
                                    canonical,
                                    constructor.min_written,
                                )
                                .is_some()
                            }))
                        .then_some(constructor.origin)
                    })
            }
            Expr::Path(path) => path
                .path
                .get_ident()
                .and_then(|ident| self.origins.get(&ident.to_string()).copied()),
            // `self.cell`: a field the caller declared ([`Imports::add_self_fields`]).
            Expr::Field(field) if is_name(&field.base, "self") => match &field.member {
                syn::Member::Named(name) => self.imports.field_origin(&name.to_string()),
                syn::Member::Unnamed(_) => None,
            },
            _ => None,
        }
    }

    /// Whether a later statement hands the closure bound to `name` to an offload
    /// (`spawn_blocking(work)`) or a thread spawn.
    fn handed_to_offload(&self, name: &str, rest: &[Stmt]) -> bool {
        struct Offloaded<'s, 'n> {
            scanner: &'s Scanner<'s>,
            name: &'n str,
            found: bool,
        }
        impl<'ast> Visit<'ast> for Offloaded<'_, '_> {
            fn visit_expr_call(&mut self, call: &'ast ExprCall) {
                if let Expr::Path(func) = &*call.func {
                    let candidates = self.scanner.imports.resolve(&func.path);
                    let is_offload = self.scanner.catalogue.is_offload_call(&candidates)
                        || func.path.segments.last().is_some_and(|segment| {
                            THREAD_SPAWNS.contains(&segment.ident.to_string().as_str())
                        });
                    if is_offload && call.args.iter().any(|arg| is_name(arg, self.name)) {
                        self.found = true;
                    }
                }
                visit::visit_expr_call(self, call);
            }
            fn visit_expr_method_call(&mut self, call: &'ast ExprMethodCall) {
                let method = call.method.to_string();
                if (self.scanner.catalogue.is_offload_method(&method)
                    || THREAD_SPAWNS.contains(&method.as_str()))
                    && call.args.iter().any(|arg| is_name(arg, self.name))
                {
                    self.found = true;
                }
                visit::visit_expr_method_call(self, call);
            }
            fn visit_item(&mut self, _: &'ast Item) {}
        }
        let mut finder = Offloaded {
            scanner: self,
            name,
            found: false,
        };
        for stmt in rest {
            finder.visit_stmt(stmt);
        }
        finder.found
    }

    /// Macro arguments that parse as expressions are checked; the rest cannot be seen.
    /// `use_` is how the macro's value is used: `vec![..]` stores its operands.
    pub(crate) fn mac(&mut self, mac: &Macro, use_: Use) {
        let name = last_segment(&mac.path);
        if name == ESCAPE_HATCH {
            return;
        }
        let tokens = mac.tokens.clone();
        if WATCH_MACROS.contains(&name.as_str()) {
            if let Some(body) = watched_body(tokens) {
                self.stmts(&body.stmts, Use::Value);
            }
            return;
        }
        if let Some(awaiting) = awaiting_macro(&name) {
            if awaiting.operands == AwaitedOperands::SelectBranches {
                if let Ok(branches) = parse_select.parse2(tokens) {
                    for branch in branches {
                        self.expr_with(&branch.future, Use::Awaited);
                        if let Some(condition) = &branch.condition {
                            self.expr_with(condition, Use::Value);
                        }
                        self.expr_with(&branch.handler, Use::Value);
                    }
                }
                return;
            }
            if let Ok(operands) = parse_join_operands.parse2(tokens) {
                self.args(operands.iter(), Use::Awaited);
            }
            return;
        }
        let use_ = if PINNING_MACROS.contains(&name.as_str()) {
            Use::Awaited
        } else if name == "vec" {
            stored(use_)
        } else {
            Use::Value
        };
        if let Ok(operands) = Punctuated::<Expr, Token![,]>::parse_terminated.parse2(tokens.clone())
        {
            self.args(operands.iter(), use_);
        } else if let Ok(stmts) = Block::parse_within.parse2(tokens) {
            if use_ == Use::Awaited {
                // `tokio::pin! { let fut = make(); }`
                for stmt in &stmts {
                    if let Stmt::Local(Local {
                        init: Some(init), ..
                    }) = stmt
                    {
                        self.expr_with(&init.expr, Use::Awaited);
                    }
                }
            } else {
                self.stmts(&stmts, Use::Value);
            }
        }
    }
    /// `for item in rx { .. }` over a sync channel's receiver: `IntoIterator::into_iter`,
    /// which blocks at every item until every sender is gone.
    fn for_loop(&mut self, for_loop: &ExprForLoop) {
        let iterated = peel(&for_loop.expr);
        if matches!(iterated, Expr::Path(_))
            && self.origin_of(iterated) == Some(Origin::SyncReceiver)
        {
            let entry = self
                .catalogue
                .methods("into_iter")
                .find(|entry| {
                    matches!(
                        entry.pattern,
                        Pattern::Method {
                            shape: Shape::OnOrigin(Origin::SyncReceiver),
                            ..
                        }
                    )
                })
                .cloned();
            if let Some(entry) = entry {
                self.report(&entry, &for_loop.expr, None);
            }
        }
        visit::visit_expr_for_loop(self, for_loop);
    }

    /// A path used as a value: `opts.cacert.as_deref().map(std::fs::read)` calls
    /// `std::fs::read` as surely as `std::fs::read(p)` does. Only a full path (or one a
    /// `use` in view resolves) counts: `fs::read` may be tokio's, handed on as a future
    /// factory.
    fn path_value(&mut self, path: &syn::ExprPath) {
        // Most paths are locals (`x`): only an import can make one name a std fn.
        let single = path.path.leading_colon.is_none() && path.path.segments.len() == 1;
        if path.qself.is_some()
            || (single
                && !self
                    .imports
                    .may_import(&path.path.segments[0].ident.to_string()))
        {
            return;
        }
        let candidates = self.imports.resolve(&path.path);
        let found = self
            .catalogue
            .path_call(&candidates, false)
            .filter(|(entry, matched)| {
                *matched == PathMatch::Full && matches!(entry.pattern, Pattern::Path { .. })
            })
            .map(|(entry, _)| entry.clone());
        if let Some(entry) = found {
            self.report(&entry, path, None);
        }
    }
}

impl<'ast> Visit<'ast> for Scanner<'_> {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        let use_ = std::mem::replace(&mut self.pending, Use::Value);
        let is_cell = |receiver: &Expr| self.is_ref_cell(receiver);
        if let Some(guard) = locks::scrutinee_guard(self.catalogue, expr, &is_cell) {
            self.findings.push(guard);
        }
        match expr {
            // In sync code, an `async` block or closure is another context: its caller
            // scans it as async code.
            Expr::Async(_) if self.context == Context::Sync => {}
            Expr::Closure(closure)
                if closure.asyncness.is_some() && self.context == Context::Sync => {}
            Expr::ForLoop(for_loop) => self.for_loop(for_loop),
            Expr::Path(path) => self.path_value(path),
            Expr::Await(await_expr) => self.expr_with(&await_expr.base, Use::Awaited),
            Expr::Paren(inner) => self.expr_with(&inner.expr, use_),
            Expr::Group(inner) => self.expr_with(&inner.expr, use_),
            Expr::Reference(inner) => self.expr_with(&inner.expr, use_),
            Expr::Call(call) => self.call(call, use_),
            Expr::MethodCall(call) => self.method_call(call, use_),
            Expr::Macro(expr_macro) => self.mac(&expr_macro.mac, use_),
            // Values stored in an aggregate may be futures awaited later, and are when
            // the aggregate is (`let futs = [a(), b()]; join_all(futs).await`).
            Expr::Tuple(tuple) => self.args(tuple.elems.iter(), stored(use_)),
            Expr::Array(array) => self.args(array.elems.iter(), stored(use_)),
            Expr::Struct(expr_struct) => {
                // A sync closure stored in a field is run by whoever calls it later (atuin
                // hands such a field to `spawn_blocking`), not by this code.
                self.args(
                    expr_struct
                        .fields
                        .iter()
                        .map(|field| &field.expr)
                        .filter(|value| !is_stored_closure(value)),
                    stored(use_),
                );
                if let Some(rest) = &expr_struct.rest {
                    self.expr_with(rest, Use::Value);
                }
            }
            // A sync closure returns its value to a caller that may await it
            // (`retry(|| rx.recv())`): its result is handed on, not consumed here. Where
            // the closure itself is awaited (`join_all(keys.map(|k| fs::read(k)))`,
            // `stream.then(|k| ..)`), what it returns is a future.
            Expr::Closure(closure) if closure.asyncness.is_none() => {
                let returns = if use_ == Use::Awaited {
                    Use::Awaited
                } else {
                    Use::HandedOn
                };
                match &*closure.body {
                    Expr::Block(block) => self.stmts(&block.block.stmts, returns),
                    body => self.expr_with(body, returns),
                }
            }
            _ => visit::visit_expr(self, expr),
        }
    }

    fn visit_block(&mut self, block: &'ast Block) {
        self.stmts(&block.stmts, Use::Value);
    }

    fn visit_item(&mut self, _: &'ast Item) {}

    fn visit_macro(&mut self, mac: &'ast Macro) {
        self.mac(mac, Use::Value);
    }
}

/// Whether a method's result keeps its receiver's [`Origin`]. A builder's do
/// (`Command::new("ls").arg("-l")`); a path's only those that return a path
/// (`root.join("x")`, not `root.metadata()?`, whose `.is_dir()` is `Metadata`'s); a
/// value's only the conversions that keep it (`addr.clone()`).
fn carries(origin: Origin, method: &syn::Ident) -> bool {
    let method = method.to_string();
    let keeps_value = matches!(
        method.as_str(),
        "clone" | "to_owned" | "as_ref" | "unwrap" | "expect" | "into"
    );
    match origin {
        Origin::Command
        | Origin::Stdin
        | Origin::OpenOptions
        | Origin::SyncChannel
        | Origin::SyncReceiver
        | Origin::RedisCommand
        // `ImageReader::open(p)?.with_guessed_format()?` is still the reader.
        | Origin::Codec => true,
        Origin::Path => {
            keeps_value
                || matches!(
                    method.as_str(),
                    "join"
                        | "with_extension"
                        | "with_file_name"
                        | "to_path_buf"
                        | "as_path"
                        | "parent"
                        | "canonicalize"
                        | "read_link"
                )
        }
        // `writer.get_mut()` is the file under the buffer.
        Origin::File => keeps_value || matches!(method.as_str(), "by_ref" | "get_mut" | "get_ref"),
        Origin::Address | Origin::Memory | Origin::RefCell | Origin::CallerChosen => {
            keeps_value
        }
    }
}

/// The second name of a pair pattern: `rx` in `let (tx, rx) = ..`.
fn pair_second_name(pat: &Pat) -> Option<String> {
    match pat {
        Pat::Type(typed) => pair_second_name(&typed.pat),
        Pat::Tuple(tuple) if tuple.elems.len() == 2 => match &tuple.elems[1] {
            Pat::Ident(ident) if ident.subpat.is_none() => Some(ident.ident.to_string()),
            Pat::Type(typed) => bound_name(&typed.pat),
            _ => None,
        },
        _ => None,
    }
}

/// Every name a `let` pattern binds, through tuples, slices, structs and references
/// (`let (a, b) = (x(), y());`).
fn bound_names(pat: &Pat, names: &mut Vec<String>) {
    match pat {
        Pat::Ident(ident) => {
            names.push(ident.ident.to_string());
            if let Some((_, subpat)) = &ident.subpat {
                bound_names(subpat, names);
            }
        }
        Pat::Type(typed) => bound_names(&typed.pat, names),
        Pat::Reference(reference) => bound_names(&reference.pat, names),
        Pat::Paren(inner) => bound_names(&inner.pat, names),
        Pat::Tuple(tuple) => tuple.elems.iter().for_each(|elem| bound_names(elem, names)),
        Pat::TupleStruct(tuple) => tuple.elems.iter().for_each(|elem| bound_names(elem, names)),
        Pat::Slice(slice) => slice.elems.iter().for_each(|elem| bound_names(elem, names)),
        Pat::Struct(pat_struct) => pat_struct
            .fields
            .iter()
            .for_each(|field| bound_names(&field.pat, names)),
        _ => {}
    }
}

/// How the values stored in an aggregate are used, given how the aggregate is.
fn stored(aggregate: Use) -> Use {
    if aggregate == Use::Awaited {
        Use::Awaited
    } else {
        Use::HandedOn
    }
}

/// What an offload call runs off the executor: a closure, or a fn named by its path
/// (`spawn_blocking(std::fs::read)` would not type-check, but `pool.interact(load)` does).
fn is_offloaded_work(expr: &Expr) -> bool {
    matches!(peel_work(expr), Expr::Closure(_) | Expr::Path(_))
}

/// The work an offload argument evaluates to: the closure of
/// `spawn_blocking({ let a = a.clone(); move || .. })` is the block's tail. The block's
/// other statements run here, before the call: [`Scanner::offload_args`] scans them.
pub(crate) fn peel_work(expr: &Expr) -> &Expr {
    match peel(expr) {
        Expr::Block(block) if block.label.is_none() => match block.block.stmts.last() {
            Some(Stmt::Expr(tail, None)) => peel_work(tail),
            _ => peel(expr),
        },
        expr => expr,
    }
}

/// A sync closure as a field's value, as it is or in std's wrapping constructors
/// (`Box::new(move || ..)`, `Arc::new(..)`, `Rc::new(..)`): stored, not run.
fn is_stored_closure(value: &Expr) -> bool {
    let value = match peel(value) {
        Expr::Call(call) if call.args.len() == 1 && wraps(&call.func) => &call.args[0],
        value => value,
    };
    is_sync_closure(value)
}

/// `Box::new`, `Arc::new` or `Rc::new`, however much of the path is written.
pub(crate) fn wraps(func: &Expr) -> bool {
    let Expr::Path(func) = func else {
        return false;
    };
    let mut segments = func.path.segments.iter().rev();
    segments.next().is_some_and(|last| last.ident == "new")
        && segments
            .next()
            .is_some_and(|ty| ["Box", "Arc", "Rc"].iter().any(|name| ty.ident == name))
}

/// A closure that runs as sync code: not `async`, and not a future factory
/// (`|| async move { .. }`, whose future runs on the executor like any other).
fn is_sync_closure(expr: &Expr) -> bool {
    let Expr::Closure(closure) = peel_work(expr) else {
        return false;
    };
    let returns_future = match &*closure.body {
        Expr::Async(_) => true,
        Expr::Block(block) => matches!(
            block.block.stmts.last(),
            Some(Stmt::Expr(Expr::Async(_), None))
        ),
        _ => false,
    };
    closure.asyncness.is_none() && !returns_future
}

use crate::syntax::bound_name;
use crate::syntax::{awaiting_macro, AwaitedOperands};
/// Strips parentheses, invisible groups and borrows: `(&mut fut)` is `fut`.
pub(crate) use crate::syntax::{last_segment, peel, tokens_mention, FUTURE_TAKERS, PINNING_MACROS};

fn is_name(expr: &Expr, name: &str) -> bool {
    matches!(peel(expr), Expr::Path(path) if path.qself.is_none() && path.path.is_ident(name))
}

/// The operands of the macros of one statement list, each parsed once: the statements
/// after every `let` of the list are read for a use of its names, and a macro naming
/// several of them was parsed again for each.
///
/// Keyed by the macro's address: the statements, and the operands parsed here (held
/// here), outlive the cache, so no address is reused while it lives.
#[derive(Default)]
struct MacroOperands(RefCell<HashMap<*const Macro, Option<Rc<Operands>>>>);

/// A macro's input as comma-separated expressions.
type Operands = Punctuated<Expr, Token![,]>;

impl MacroOperands {
    /// A macro's operands, when they parse as comma-separated expressions.
    fn of(&self, mac: &Macro) -> Option<Rc<Operands>> {
        let key = std::ptr::from_ref(mac);
        if let Some(known) = self.0.borrow().get(&key) {
            return known.clone();
        }
        let parsed = Operands::parse_terminated
            .parse2(mac.tokens.clone())
            .ok()
            .map(Rc::new);
        self.0.borrow_mut().insert(key, parsed.clone());
        parsed
    }
}

/// Whether a later statement uses `name` as a future: awaits it, hands it to a call or
/// a macro, or calls a future-only method on it. Then the `let` that bound it holds a
/// future, not the result of a blocking call.
fn used_as_future(name: &str, rest: &[Stmt], operands: &MacroOperands) -> bool {
    struct FutureUse<'n, 'o> {
        name: &'n str,
        operands: &'o MacroOperands,
        found: bool,
    }
    impl<'ast> Visit<'ast> for FutureUse<'_, '_> {
        fn visit_expr(&mut self, expr: &'ast Expr) {
            if self.found {
                return;
            }
            match expr {
                Expr::Await(await_expr) if is_name(&await_expr.base, self.name) => {
                    self.found = true;
                }
                Expr::Call(call) if call.args.iter().any(|arg| is_name(arg, self.name)) => {
                    self.found = true;
                }
                Expr::MethodCall(call)
                    if call.args.iter().any(|arg| is_name(arg, self.name))
                        || (is_name(&call.receiver, self.name)
                            && FUTURE_COMBINATORS.contains(&call.method.to_string().as_str())) =>
                {
                    self.found = true;
                }
                _ => visit::visit_expr(self, expr),
            }
        }
        fn visit_local(&mut self, local: &'ast Local) {
            // `let other = fut;` moves it on: follow no further, assume a future.
            if local
                .init
                .as_ref()
                .is_some_and(|init| is_name(&init.expr, self.name))
            {
                self.found = true;
            }
            visit::visit_local(self, local);
        }
        fn visit_macro(&mut self, mac: &'ast Macro) {
            // `select!`/`join!`/`pin!` poll what they name. Other macros whose operands
            // parse are looked into like code (`println!("{:?}", msg)` only formats it);
            // in the rest, a mention is taken as a use as a future. A macro that does not
            // mention the name cannot use it: skip parsing it (this runs for every `let`
            // over the statements after it).
            if self.found || !tokens_mention(mac.tokens.clone(), self.name) {
                return;
            }
            let polls = mac.path.segments.last().is_some_and(|last| {
                let last = last.ident.to_string();
                awaiting_macro(&last).is_some() || PINNING_MACROS.contains(&last.as_str())
            });
            let operands = if polls { None } else { self.operands.of(mac) };
            match operands {
                Some(operands) => operands.iter().for_each(|operand| self.visit_expr(operand)),
                None => self.found = true,
            }
        }
        fn visit_item(&mut self, _: &'ast Item) {}
    }
    let mut finder = FutureUse {
        name,
        operands,
        found: false,
    };
    for stmt in rest {
        finder.visit_stmt(stmt);
    }
    finder.found
}

/// The `body = { .. }` argument of a watch macro.
fn watched_body(tokens: TokenStream) -> Option<Block> {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    trees.windows(3).find_map(|window| match window {
        [TokenTree::Ident(key), TokenTree::Punct(eq), TokenTree::Group(group)]
            if key == "body"
                && eq.as_char() == '='
                && group.delimiter() == proc_macro2::Delimiter::Brace =>
        {
            syn::parse2(TokenTree::Group(group.clone()).into()).ok()
        }
        _ => None,
    })
}

/// `a, b, c` with tokio's optional leading `biased;`.
fn parse_join_operands(input: ParseStream<'_>) -> syn::Result<Punctuated<Expr, Token![,]>> {
    skip_biased(input)?;
    Punctuated::parse_terminated(input)
}

fn skip_biased(input: ParseStream<'_>) -> syn::Result<()> {
    if input.peek(syn::Ident) && input.peek2(Token![;]) {
        let fork = input.fork();
        let ident: syn::Ident = fork.parse()?;
        if ident == "biased" {
            input.parse::<syn::Ident>()?;
            input.parse::<Token![;]>()?;
        }
    }
    Ok(())
}

struct SelectBranch {
    future: Expr,
    condition: Option<Expr>,
    handler: Expr,
}

mod kw {
    syn::custom_keyword!(default);
    syn::custom_keyword!(complete);
}

/// A branch's handler. A block needs no comma after it, and must be parsed as a block:
/// as an expression, `{ .. } (a, b) = next => ..` would read on as a call and an
/// assignment, and the whole `select!` would go unchecked.
fn select_handler(input: ParseStream<'_>) -> syn::Result<Expr> {
    if input.peek(syn::token::Brace) {
        let block: Block = input.parse()?;
        return Ok(Expr::Block(syn::ExprBlock {
            attrs: Vec::new(),
            label: None,
            block,
        }));
    }
    input.parse()
}

/// `pattern = future [, if condition] => handler,` … `[else => handler]`.
fn parse_select(input: ParseStream<'_>) -> syn::Result<Vec<SelectBranch>> {
    skip_biased(input)?;
    let mut branches = Vec::new();
    while !input.is_empty() {
        if input.peek(Token![else]) {
            input.parse::<Token![else]>()?;
            input.parse::<Token![=>]>()?;
            branches.push(SelectBranch {
                future: Expr::Verbatim(TokenStream::new()),
                condition: None,
                handler: select_handler(input)?,
            });
        } else if (input.peek(kw::default) || input.peek(kw::complete)) && input.peek2(Token![=>]) {
            // `futures::select!`'s `default => ..` and `complete => ..` branches.
            input.parse::<syn::Ident>()?;
            input.parse::<Token![=>]>()?;
            branches.push(SelectBranch {
                future: Expr::Verbatim(TokenStream::new()),
                condition: None,
                handler: select_handler(input)?,
            });
        } else {
            Pat::parse_multi_with_leading_vert(input)?;
            input.parse::<Token![=]>()?;
            let future: Expr = input.parse()?;
            let condition = if input.peek(Token![,]) && input.peek2(Token![if]) {
                input.parse::<Token![,]>()?;
                input.parse::<Token![if]>()?;
                Some(input.parse()?)
            } else {
                None
            };
            input.parse::<Token![=>]>()?;
            branches.push(SelectBranch {
                future,
                condition,
                handler: select_handler(input)?,
            });
        }
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
        }
    }
    Ok(branches)
}

/// See [`super::runs_off_executor`].
pub(crate) fn runs_off_executor(
    call: &Expr,
    catalogue: &BlockingCatalogue,
    imports: &Imports,
) -> bool {
    match peel(call) {
        Expr::Call(call) => {
            let Expr::Path(func) = &*call.func else {
                return false;
            };
            let candidates = imports.resolve(&func.path);
            let offload = catalogue.is_offload_call(&candidates);
            let keeps = runs_later(&candidates);
            offloaded_work(offload, keeps, &last_segment(&func.path), &call.args).is_some()
        }
        Expr::MethodCall(call) => {
            let name = call.method.to_string();
            let offload = catalogue.is_offload_method(&name);
            let keeps = RUNS_LATER_METHODS.contains(&name.as_str());
            offloaded_work(offload, keeps, &name, &call.args).is_some()
        }
        _ => false,
    }
}

/// Which arguments of a call named `name` run off the executor thread (or not during the
/// call), if it runs any: an offload call's closures and fn paths (`offload`: the policy
/// names it), the sync closures of a thread spawn (tokio's spawns take a future, never a
/// closure), or the sync closures, bare or boxed, of a call that keeps them to run later
/// (`keeps`: [`RUNS_LATER`], [`RUNS_LATER_METHODS`]).
fn offloaded_work(
    offload: bool,
    keeps: bool,
    name: &str,
    args: &Punctuated<Expr, Token![,]>,
) -> Option<fn(&Expr) -> bool> {
    if offload {
        Some(is_offloaded_work)
    } else if THREAD_SPAWNS.contains(&name) && args.iter().any(is_sync_closure) {
        Some(is_sync_closure)
    } else if keeps && args.iter().any(is_stored_closure) {
        Some(is_stored_closure)
    } else {
        None
    }
}

/// See [`super::async_contexts`].
pub(crate) fn async_contexts(block: &Block) -> Vec<&Expr> {
    struct AsyncContexts<'ast>(Vec<&'ast Expr>);
    impl<'ast> Visit<'ast> for AsyncContexts<'ast> {
        fn visit_expr(&mut self, expr: &'ast Expr) {
            match expr {
                Expr::Async(_) => self.0.push(expr),
                Expr::Closure(closure) if closure.asyncness.is_some() => self.0.push(expr),
                _ => visit::visit_expr(self, expr),
            }
        }
        fn visit_item(&mut self, _: &'ast Item) {}
    }
    let mut finder = AsyncContexts(Vec::new());
    finder.visit_block(block);
    finder.0
}
