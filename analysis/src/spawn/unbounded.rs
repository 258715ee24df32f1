//! `unbounded-spawn`: fan-out proportional to the input with nothing that caps it.

use std::collections::{HashMap, HashSet};

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::visit::{self, Visit};
use syn::{Block, Expr, ExprClosure, ExprMethodCall, Signature};

use super::{sets_in, spawn_call, unresolved, written, Resolver, Set};
use crate::blocking::Imports;
use crate::findings::{Finding, Label, Lint, Location};
use crate::syntax::{peel, tokens_mention};

/// The help of every report.
const HELP: &str = "cap how many run at once: `async_hygiene::limit::map(items, n, f)` \
                    (a stream of the results, at most `n` in flight), a permit of an \
                    `async_hygiene::limit::Limit` before each spawn (`Limit::spawn`), or \
                    `futures::StreamExt::buffer_unordered(n)`";

/// Methods that take a permit: one awaited in the loop caps it.
const PERMITS: [&str; 7] = [
    "acquire",
    "acquire_owned",
    "acquire_many",
    "acquire_many_owned",
    "acquire_timeout",
    "try_acquire",
    "try_acquire_owned",
];

/// `JoinSet` methods that wait for a task: one in the loop (also in a `select!`) takes a
/// task out as it puts one in.
const DRAINS: [&str; 3] = ["join_next", "join_next_with_id", "try_join_next"];

/// Iterator methods whose result has at most a given number of items, or whose items
/// arrive over time (`incoming`: an accept loop).
const CAPPING_ADAPTERS: [&str; 7] = [
    "take",
    "chunks",
    "chunks_exact",
    "rchunks",
    "array_chunks",
    "incoming",
    "step_by",
];

/// Iterator methods that run a closure once per item.
const PER_ITEM: [&str; 5] = ["map", "for_each", "flat_map", "filter_map", "inspect"];

/// The fan-out of a fn body with nothing that caps it: a tokio spawn, `JoinSet::spawn` or
/// `FuturesUnordered::push` in a `for` loop over a collection or an iterator, or in a
/// closure run once per item (`.map(|x| tokio::spawn(..)).collect()`, `.for_each`);
/// `join_all`, `try_join_all`, `FuturesUnordered::from_iter` and a `collect` into a
/// `FuturesUnordered` over futures made per item of a collection; `for_each_concurrent(None,
/// ..)`; `buffer_unordered(usize::MAX)`.
///
/// Not reported: a loop over a fixed count (a range, unless it runs to a `.len()`, an
/// array, `vec![..]`), or over `take(n)`, `chunks(n)` or `incoming()`; a loop that takes
/// a permit (`.acquire()`, `.acquire_owned()`, ...) or drains its set when it reaches a
/// size (an `if`/`while` on a `.len()` that awaits); a spawn whose handle is awaited in
/// the same iteration; a spawn of a call that `bounded` says is `#[bounded]` (its last
/// path segment or method name). Loops without an iterable (`loop`, `while let Some(x) =
/// rx.recv().await`) take their input as it arrives and are not reported: see the rule's
/// documentation. Nested fn items and macro inputs are not read.
#[must_use]
pub fn unbounded_spawns(
    sig: &Signature,
    block: &Block,
    imports: &Imports,
    bounded: &dyn Fn(&str) -> bool,
) -> Vec<Finding> {
    unbounded_spawns_resolved(sig, block, imports, bounded, &unresolved)
}

/// [`unbounded_spawns`] with the compiler's resolution of the calls it knows
/// (`check --precise`): what is a spawn comes from `resolve` where it knows the call,
/// the loops and caps around it from the syntax.
#[must_use]
pub fn unbounded_spawns_resolved(
    sig: &Signature,
    block: &Block,
    imports: &Imports,
    bounded: &dyn Fn(&str) -> bool,
    resolve: Resolver<'_>,
) -> Vec<Finding> {
    let mut imports = imports.clone();
    imports.add_signature(sig);
    imports.add_body(block);
    let sets = sets_in(sig, block, &imports);
    let mut finder = Unbounded {
        imports: &imports,
        sets,
        bounded,
        resolve,
        stack: Vec::new(),
        per_item: HashSet::new(),
        awaited: false,
        kept: HashSet::new(),
        lets: HashMap::new(),
        capped_names: HashSet::new(),
        fixed_names: HashSet::new(),
        findings: Vec::new(),
    };
    finder.capped_names = size_checked(block);
    finder.fixed_names = fixed_lets(block);
    finder.visit_block(block);
    finder.findings
}

/// Names whose size the fn checks or cuts: `if pages.len() > MAX { .. }`,
/// `pages.truncate(MAX)`, `let firsts = all.take(10).collect()`. A fan-out over one is taken as capped.
fn size_checked(block: &Block) -> HashSet<String> {
    struct Checks(HashSet<String>);
    impl<'ast> Visit<'ast> for Checks {
        fn visit_expr_method_call(&mut self, call: &'ast ExprMethodCall) {
            if call.method == "truncate" {
                if let Expr::Path(path) = peel(&call.receiver) {
                    if let Some(name) = path.path.get_ident() {
                        self.0.insert(name.to_string());
                    }
                }
            }
            visit::visit_expr_method_call(self, call);
        }
        fn visit_expr_if(&mut self, if_expr: &'ast syn::ExprIf) {
            self.condition(&if_expr.cond);
            visit::visit_expr_if(self, if_expr);
        }
        // `let (a, b) = pairs.into_iter().take(10).unzip();`
        fn visit_local(&mut self, local: &'ast syn::Local) {
            if let Some(init) = &local.init {
                if matches!(source_of(&init.expr), Source::Capped) {
                    idents(local.pat.to_token_stream(), &mut self.0);
                }
            }
            visit::visit_local(self, local);
        }
        fn visit_expr_while(&mut self, while_expr: &'ast syn::ExprWhile) {
            self.condition(&while_expr.cond);
            visit::visit_expr_while(self, while_expr);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    impl Checks {
        /// `a.len() > MAX`, also inside `&&`/`||` (a comparison with 0 or 1 is a test
        /// for emptiness, not a size).
        fn condition(&mut self, cond: &Expr) {
            let Expr::Binary(binary) = peel(cond) else {
                return;
            };
            if matches!(binary.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) {
                self.condition(&binary.left);
                self.condition(&binary.right);
                return;
            }
            let sizes = matches!(
                binary.op,
                syn::BinOp::Lt(_) | syn::BinOp::Le(_) | syn::BinOp::Gt(_) | syn::BinOp::Ge(_)
            );
            for (side, other) in [(&binary.left, &binary.right), (&binary.right, &binary.left)] {
                let emptiness = matches!(written(&**other).as_str(), "0" | "1");
                let Expr::MethodCall(call) = peel(side) else {
                    continue;
                };
                if let (Expr::Path(path), true) = (peel(&call.receiver), call.method == "len") {
                    if let (Some(name), true) = (path.path.get_ident(), sizes && !emptiness) {
                        self.0.insert(name.to_string());
                    }
                }
            }
        }
    }
    let mut checks = Checks(HashSet::new());
    checks.visit_block(block);
    checks.0
}

/// Names bound by a `let` to a fixed count: `let cells = [a, b, c];`.
fn fixed_lets(block: &Block) -> HashSet<String> {
    struct Lets(HashSet<String>);
    impl<'ast> Visit<'ast> for Lets {
        fn visit_local(&mut self, local: &'ast syn::Local) {
            // A `let mut` may grow later.
            let name = match &local.pat {
                syn::Pat::Ident(name) if name.mutability.is_none() => Some(&name.ident),
                syn::Pat::Type(typed) => match &*typed.pat {
                    syn::Pat::Ident(name) if name.mutability.is_none() => Some(&name.ident),
                    _ => None,
                },
                _ => None,
            };
            if let (Some(name), Some(init)) = (name, &local.init) {
                if matches!(source_of(&init.expr), Source::Fixed) {
                    self.0.insert(name.to_string());
                }
            }
            visit::visit_local(self, local);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut lets = Lets(HashSet::new());
    lets.visit_block(block);
    lets.0
}

/// A place that runs its body once per item.
struct FanOut {
    /// What it runs over, for the message: "a loop over `urls`".
    over: String,
    /// The loop's header or the closure's method: the report's label.
    label: Location,
    /// A fixed count: nothing in it is proportional to the input.
    fixed: bool,
    /// Something in it caps the fan-out (a permit, a drain at a size, `take(n)`).
    capped: bool,
    /// Names awaited somewhere in its body: a handle bound to one is awaited per item.
    awaited_names: HashSet<String>,
}

struct Unbounded<'a> {
    imports: &'a Imports,
    sets: HashMap<String, Set>,
    bounded: &'a dyn Fn(&str) -> bool,
    resolve: Resolver<'a>,
    /// The places that run per item around the current expression, since the last
    /// boundary (a closure not run per item, an `async` block).
    stack: Vec<FanOut>,
    /// Closures known to run once per item (by address).
    per_item: HashSet<*const ExprClosure>,
    /// Inside the operand of an `.await`: a spawn there is waited for at once.
    awaited: bool,
    /// Spawn calls whose handle is bound to a name awaited in the same iteration.
    kept: HashSet<*const Expr>,
    /// Names bound to a part of a capped source (`for chunk in items.chunks(8)`): a loop
    /// over one is capped.
    capped_names: HashSet<String>,
    /// Names bound to a fixed count (`let cells = [a, b];`).
    fixed_names: HashSet<String>,
    /// `let futures = items.iter().map(..);`: iterator chains bound to a name.
    lets: HashMap<String, Expr>,
    findings: Vec<Finding>,
}

/// What a `for` loop or an iterator chain runs over.
enum Source {
    /// A range, an array, `vec![..]`: the count is in the code.
    Fixed,
    /// `take(n)`, `chunks(n)`, `incoming()`: at most `n`, or as the input arrives.
    Capped,
    /// Anything else: as many as the input has.
    Input,
}

fn source_of(expr: &Expr) -> Source {
    match peel(expr) {
        Expr::Range(range) => {
            if tokens_mention(range.to_token_stream(), "len") {
                Source::Input
            } else {
                Source::Fixed
            }
        }
        Expr::Array(_) | Expr::Tuple(_) | Expr::Repeat(_) => Source::Fixed,
        Expr::Macro(mac) if mac.mac.path.is_ident("vec") && !mac.mac.tokens.is_empty() => {
            Source::Fixed
        }
        Expr::MethodCall(call) => {
            let name = call.method.to_string();
            if CAPPING_ADAPTERS.contains(&name.as_str()) {
                Source::Capped
            } else if name == "zip" {
                // As many as the shorter side.
                match (source_of(&call.receiver), call.args.first().map(source_of)) {
                    (Source::Input, Some(Source::Input)) => Source::Input,
                    (Source::Capped, _) | (_, Some(Source::Capped)) => Source::Capped,
                    _ => Source::Fixed,
                }
            } else {
                source_of(&call.receiver)
            }
        }
        _ => Source::Input,
    }
}

/// A short text of an expression for a message: `urls`, `self.peers.iter()`.
fn short(expr: &Expr) -> String {
    let text = written(expr);
    if text.chars().count() > 40 {
        let cut: String = text.chars().take(37).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// The names an expression mentions (its identifiers, at any depth).
fn idents(tokens: TokenStream, names: &mut HashSet<String>) {
    for tree in tokens {
        match tree {
            TokenTree::Ident(ident) => {
                names.insert(ident.to_string());
            }
            TokenTree::Group(group) => idents(group.stream(), names),
            _ => {}
        }
    }
}

/// What a loop body says about its fan-out: whether it takes a permit or drains at a
/// size, and the names it awaits.
fn body_facts(tokens: &TokenStream, block: &Block) -> (bool, HashSet<String>) {
    struct Facts {
        drains: bool,
        awaited: HashSet<String>,
    }
    impl<'ast> Visit<'ast> for Facts {
        fn visit_expr(&mut self, expr: &'ast Expr) {
            match expr {
                Expr::If(if_expr) => {
                    self.drains |= tokens_mention(if_expr.cond.to_token_stream(), "len")
                        && tokens_mention(if_expr.then_branch.to_token_stream(), "await");
                }
                Expr::While(while_expr) => {
                    self.drains |= tokens_mention(while_expr.cond.to_token_stream(), "len")
                        && tokens_mention(while_expr.body.to_token_stream(), "await");
                }
                Expr::Await(await_expr) => {
                    idents(await_expr.base.to_token_stream(), &mut self.awaited);
                }
                _ => {}
            }
            visit::visit_expr(self, expr);
        }
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            let name = mac.path.segments.last().map(|s| s.ident.to_string());
            if matches!(name.as_deref(), Some("join" | "try_join" | "select")) {
                idents(mac.tokens.clone(), &mut self.awaited);
            }
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let permit = PERMITS
        .iter()
        .chain(&DRAINS)
        .any(|name| tokens_mention(tokens.clone(), name));
    let mut facts = Facts {
        drains: false,
        awaited: HashSet::new(),
    };
    facts.visit_block(block);
    (permit || facts.drains, facts.awaited)
}

impl Unbounded<'_> {
    /// What an iterable draws from, with the names bound to parts of capped sources.
    fn source(&self, expr: &Expr) -> Source {
        // `self.levels`: the value's own parts, as many as its configuration made.
        if let Expr::Field(field) = peel(chain_root(expr)) {
            if matches!(peel(&field.base), Expr::Path(base) if base.path.is_ident("self")) {
                return Source::Fixed;
            }
        }
        if let Expr::Path(path) = chain_root(expr) {
            let capped = path
                .path
                .get_ident()
                .is_some_and(|name| self.capped_names.contains(&name.to_string()));
            if capped {
                return Source::Capped;
            }
            let fixed = path
                .path
                .get_ident()
                .is_some_and(|name| self.fixed_names.contains(&name.to_string()));
            if fixed {
                return Source::Fixed;
            }
        }
        source_of(expr)
    }

    /// The innermost place that runs per item of the input, when nothing around the
    /// current expression caps it.
    fn uncapped(&self) -> Option<&FanOut> {
        if self.stack.iter().any(|fan_out| fan_out.capped) {
            return None;
        }
        self.stack.iter().rev().find(|fan_out| !fan_out.fixed)
    }

    /// A spawn (or an addition to a set) at `location`, of `spawned`.
    fn spawn(
        &mut self,
        call: &Expr,
        location: Location,
        written: &str,
        adds_a_future: bool,
        spawned: Option<&Expr>,
    ) {
        if self.awaited || self.kept.contains(&std::ptr::from_ref::<Expr>(call)) {
            return;
        }
        let serves = |spawned: &Expr| calls_named(spawned.to_token_stream(), &SERVERS);
        if spawned.is_some_and(|spawned| self.calls_bounded(spawned) || serves(spawned)) {
            return;
        }
        let Some(fan_out) = self.uncapped() else {
            return;
        };
        let what = if adds_a_future {
            "adds a future"
        } else {
            "starts a task"
        };
        let mut finding = Finding::new(
            Lint::UnboundedSpawn,
            location,
            format!(
                "`{written}` in {} {what} per item, with nothing that caps how many run at once",
                fan_out.over
            ),
            HELP.to_owned(),
        );
        finding.labels.push(Label {
            location: fan_out.label,
            message: "runs once per item of the input".to_owned(),
        });
        self.findings.push(finding);
    }

    /// Whether `expr` calls a fn `bounded` names (a `#[bounded]` fn).
    fn calls_bounded(&self, expr: &Expr) -> bool {
        let mut names = HashSet::new();
        idents(expr.to_token_stream(), &mut names);
        names.iter().any(|name| (self.bounded)(name))
    }

    /// Runs `visit` with no enclosing fan-out (inside a closure not run per item, or an
    /// `async` block: when it runs is not the loop's business).
    fn boundary(&mut self, visit: impl FnOnce(&mut Self)) {
        let stack = std::mem::take(&mut self.stack);
        let awaited = std::mem::replace(&mut self.awaited, false);
        visit(self);
        self.stack = stack;
        self.awaited = awaited;
    }

    /// The per-item closures of an iterator chain that is consumed (by `collect`,
    /// `extend`, `join_all`, ...) and draws from the input; `Some` with the closure that
    /// makes futures when the chain has one.
    fn consumed_chain<'e>(&mut self, chain: &'e Expr) -> Option<(&'e Expr, &'e syn::Ident)> {
        let mut maker = None;
        let mut expr = peel(chain);
        while let Expr::MethodCall(call) = expr {
            let name = call.method.to_string();
            if PER_ITEM.contains(&name.as_str()) && name != "inspect" {
                match call.args.first().map(peel) {
                    Some(Expr::Closure(closure)) => {
                        self.per_item
                            .insert(std::ptr::from_ref::<ExprClosure>(closure));
                        maker = maker.or(Some((&*closure.body, &call.method)));
                    }
                    // `.map(fetch)`: a fn that makes the future.
                    Some(path @ Expr::Path(_)) => maker = maker.or(Some((path, &call.method))),
                    _ => {}
                }
            }
            expr = peel(&call.receiver);
        }
        maker
    }

    /// `join_all(chain)`, `FuturesUnordered::from_iter(chain)`, `chain.collect()` into a
    /// `FuturesUnordered`: reported at `at` when the chain maps the input to futures
    /// that are not spawned (a spawn in the closure is reported itself).
    fn runs_all(&mut self, chain: &Expr, at: &impl ToTokens, what: &str) {
        let bound;
        let chain = match peel(chain) {
            Expr::Path(path) => {
                let name = path.path.get_ident().map(ToString::to_string);
                match name.and_then(|name| self.lets.get(&name)) {
                    Some(init) => {
                        bound = init.clone();
                        &bound
                    }
                    None => return,
                }
            }
            _ => chain,
        };
        if !matches!(self.source(chain), Source::Input) {
            return;
        }
        let Some((maker, method)) = self.consumed_chain(chain) else {
            return;
        };
        let makes_a_future =
            matches!(maker, Expr::Path(_)) || (makes_a_call(maker) && !adapts_the_item(maker));
        if self.spawns_in(maker) || !makes_a_future || self.calls_bounded(maker) {
            return;
        }
        if self.stack.iter().any(|fan_out| fan_out.capped) {
            return;
        }
        let source = chain_root(chain);
        let mut finding = Finding::new(
            Lint::UnboundedSpawn,
            Location::of(at),
            format!(
                "`{what}` runs a future per item of `{}` at once, with nothing that caps how many",
                short(source)
            ),
            HELP.to_owned(),
        );
        finding.labels.push(Label {
            location: Location::of(method),
            message: "makes a future per item".to_owned(),
        });
        self.findings.push(finding);
    }

    /// Whether a closure body spawns (outside nested closures and `async` blocks).
    fn spawns_in(&self, expr: &Expr) -> bool {
        struct Finder<'a, 'b> {
            outer: &'a Unbounded<'b>,
            found: bool,
        }
        impl<'ast> Visit<'ast> for Finder<'_, '_> {
            fn visit_expr(&mut self, expr: &'ast Expr) {
                let outer = self.outer;
                self.found |= spawn_call(expr, outer.imports, &outer.sets, outer.resolve).is_some();
                visit::visit_expr(self, expr);
            }
            fn visit_expr_closure(&mut self, _: &'ast ExprClosure) {}
            fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
            fn visit_item(&mut self, _: &'ast syn::Item) {}
        }
        let mut finder = Finder {
            outer: self,
            found: false,
        };
        finder.visit_expr(expr);
        finder.found
    }

    /// A closure run once per item: its fan-out context.
    fn per_item_closure(&mut self, closure: &ExprClosure, over: &Expr, method: &syn::Ident) {
        let source = self.source(over);
        let root = chain_root(over);
        let fan_out = FanOut {
            over: format!("`.{method}` over `{}`", short(root)),
            label: Location::of(&method),
            fixed: matches!(source, Source::Fixed),
            capped: matches!(source, Source::Capped),
            awaited_names: HashSet::new(),
        };
        // What surrounds the chain still counts: a closure in a capped loop is capped.
        let awaited = std::mem::replace(&mut self.awaited, false);
        self.stack.push(fan_out);
        visit::visit_expr_closure(self, closure);
        self.stack.pop();
        self.awaited = awaited;
    }
}

/// Calls that run a server for the life of the program: a task per listener or per
/// configured server is not fan-out over the input.
const SERVERS: [&str; 2] = ["run", "serve"];

/// Whether `tokens` call a fn or method named one of `names` (`x.run()`, `serve(..)`).
fn calls_named(tokens: TokenStream, names: &[&str]) -> bool {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    trees.iter().enumerate().any(|(index, tree)| match tree {
        TokenTree::Ident(ident) => {
            names.iter().any(|name| ident == name)
                && matches!(trees.get(index + 1), Some(TokenTree::Group(group)) if group.delimiter() == proc_macro2::Delimiter::Parenthesis)
        }
        TokenTree::Group(group) => calls_named(group.stream(), names),
        _ => false,
    })
}

/// The start of an iterator chain: `urls` in `urls.iter().map(..)`.
fn chain_root(expr: &Expr) -> &Expr {
    match peel(expr) {
        Expr::MethodCall(call) => chain_root(&call.receiver),
        other => other,
    }
}

/// Future combinators: `|f| f.map(..)` adapts a future it is given, it does not make one.
const COMBINATORS: [&str; 10] = [
    "map",
    "then",
    "map_err",
    "map_ok",
    "boxed",
    "fuse",
    "inspect",
    "err_into",
    "unit_error",
    "instrument",
];

/// Whether a closure body (`|a| a.map(..)`) only wraps the item, a future already made,
/// in a combinator.
fn adapts_the_item(body: &Expr) -> bool {
    let Expr::MethodCall(call) = peel(body) else {
        return false;
    };
    let on_a_name =
        matches!(peel(&call.receiver), Expr::Path(path) if path.path.get_ident().is_some());
    on_a_name && COMBINATORS.contains(&call.method.to_string().as_str())
}

/// Whether a closure body makes a future: it calls something (not only a field read).
fn makes_a_call(expr: &Expr) -> bool {
    fn has_call(tokens: TokenStream) -> bool {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        trees.iter().enumerate().any(|(index, tree)| match tree {
            TokenTree::Group(group) => {
                let called = group.delimiter() == proc_macro2::Delimiter::Parenthesis
                    && index > 0
                    && matches!(&trees[index - 1], TokenTree::Ident(_) | TokenTree::Punct(_));
                called || has_call(group.stream())
            }
            TokenTree::Ident(ident) => ident == "async",
            _ => false,
        })
    }
    has_call(expr.to_token_stream())
}

impl<'ast> Visit<'ast> for Unbounded<'_> {
    fn visit_expr_for_loop(&mut self, for_loop: &'ast syn::ExprForLoop) {
        self.visit_expr(&for_loop.expr);
        let source = self.source(&for_loop.expr);
        let iterable = for_loop.expr.to_token_stream();
        let parts_of_capped = matches!(source, Source::Capped)
            || CAPPING_ADAPTERS[..5]
                .iter()
                .any(|name| tokens_mention(iterable.clone(), name));
        if parts_of_capped {
            idents(for_loop.pat.to_token_stream(), &mut self.capped_names);
        }
        let body = for_loop.body.to_token_stream();
        let (capped, awaited_names) = body_facts(&body, &for_loop.body);
        let mut header = for_loop.for_token.to_token_stream();
        for_loop.pat.to_tokens(&mut header);
        for_loop.in_token.to_tokens(&mut header);
        for_loop.expr.to_tokens(&mut header);
        self.stack.push(FanOut {
            over: format!("a loop over `{}`", short(chain_root(&for_loop.expr))),
            label: Location::of(&header),
            fixed: matches!(source, Source::Fixed),
            capped: capped || matches!(source, Source::Capped),
            awaited_names,
        });
        let awaited = std::mem::replace(&mut self.awaited, false);
        self.visit_block(&for_loop.body);
        self.awaited = awaited;
        self.stack.pop();
    }

    fn visit_expr_closure(&mut self, closure: &'ast ExprClosure) {
        if self
            .per_item
            .contains(&std::ptr::from_ref::<ExprClosure>(closure))
        {
            // Visited by its method call.
            return;
        }
        self.boundary(|this| visit::visit_expr_closure(this, closure));
    }

    fn visit_expr_async(&mut self, async_expr: &'ast syn::ExprAsync) {
        self.boundary(|this| visit::visit_expr_async(this, async_expr));
    }

    fn visit_expr_await(&mut self, await_expr: &'ast syn::ExprAwait) {
        let awaited = std::mem::replace(&mut self.awaited, true);
        self.visit_expr(&await_expr.base);
        self.awaited = awaited;
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        // `let h = tokio::spawn(..);` with `h` awaited later in the same iteration.
        if let (Some(init), Some(fan_out)) = (&local.init, self.stack.last()) {
            let mut names = HashSet::new();
            idents(local.pat.to_token_stream(), &mut names);
            if names
                .iter()
                .any(|name| fan_out.awaited_names.contains(name))
            {
                self.kept
                    .insert(std::ptr::from_ref::<Expr>(peel(&init.expr)));
            }
        }
        // `let fetches = urls.iter().map(fetch);`, joined later by name.
        if let (syn::Pat::Ident(name), Some(init)) = (&local.pat, &local.init) {
            if let Expr::MethodCall(call) = peel(&init.expr) {
                if PER_ITEM.contains(&call.method.to_string().as_str()) {
                    self.lets
                        .insert(name.ident.to_string(), (*init.expr).clone());
                }
            }
        }
        // `let futures: FuturesUnordered<_> = chain.collect();`
        if let (syn::Pat::Type(typed), Some(init)) = (&local.pat, &local.init) {
            if let Expr::MethodCall(collect) = peel(&init.expr) {
                let into_set = super::set_of_type(&typed.ty, self.imports) == Some(Set::Futures);
                if collect.method == "collect" && into_set {
                    self.runs_all(
                        &collect.receiver,
                        &collect.method,
                        "collect::<FuturesUnordered<_>>",
                    );
                }
            }
        }
        visit::visit_local(self, local);
    }

    fn visit_expr(&mut self, expr: &'ast Expr) {
        match expr {
            Expr::Call(call) => {
                if let Some(spawn) = spawn_call(expr, self.imports, &self.sets, self.resolve) {
                    let (written, adds_a_future) = spawn.shown();
                    let location = Location::of(&call.func);
                    self.spawn(expr, location, written, adds_a_future, call.args.first());
                } else if let Expr::Path(func) = &*call.func {
                    let last = func.path.segments.last().map(|s| s.ident.to_string());
                    match last.as_deref() {
                        Some("join_all" | "try_join_all") if call.args.len() == 1 => {
                            let what = last.unwrap_or_default();
                            self.runs_all(&call.args[0], &call.func, &what);
                        }
                        Some("from_iter") if call.args.len() == 1 => {
                            let mut set_path = func.path.clone();
                            set_path.segments.pop();
                            set_path.segments.pop_punct();
                            if super::set_of_path(&set_path, self.imports) == Some(Set::Futures) {
                                self.runs_all(&call.args[0], &call.func, "from_iter");
                            }
                        }
                        _ => {}
                    }
                }
                visit::visit_expr(self, expr);
            }
            Expr::MethodCall(call) => self.method_call(expr, call),
            Expr::Macro(mac) => {
                if let Some(spawn) = spawn_call(expr, self.imports, &self.sets, self.resolve) {
                    let (written, adds_a_future) = spawn.shown();
                    let location = Location::of(&mac.mac.path);
                    self.spawn(expr, location, written, adds_a_future, None);
                }
            }
            _ => visit::visit_expr(self, expr),
        }
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_macro(&mut self, _: &'ast syn::Macro) {}

    fn visit_stmt_macro(&mut self, stmt: &'ast syn::StmtMacro) {
        if (self.resolve)(&super::macro_location(stmt)).is_some() {
            self.visit_expr(&super::macro_expr(stmt));
        }
    }
}

impl Unbounded<'_> {
    fn method_call(&mut self, expr: &Expr, call: &ExprMethodCall) {
        let name = call.method.to_string();
        if let Some(spawn) = spawn_call(expr, self.imports, &self.sets, self.resolve) {
            let (written, adds_a_future) = spawn.shown();
            let mut tokens = call.receiver.to_token_stream();
            call.dot_token.to_tokens(&mut tokens);
            call.method.to_tokens(&mut tokens);
            self.spawn(
                expr,
                Location::of(&tokens),
                written,
                adds_a_future,
                call.args.first(),
            );
        }
        match name.as_str() {
            "for_each_concurrent" | "try_for_each_concurrent"
                if call.args.first().is_some_and(|arg| written(arg) == "None") =>
            {
                self.no_limit(call, "None");
            }
            "buffer_unordered" | "buffered" | "try_buffer_unordered" | "try_buffered"
                if call.args.first().is_some_and(|arg| {
                    matches!(
                        written(arg).as_str(),
                        "usize::MAX" | "std::usize::MAX" | "core::usize::MAX"
                    )
                }) =>
            {
                self.no_limit(call, "usize::MAX");
            }
            "collect" if !self.awaited => {
                let into_set = call.turbofish.as_ref().is_some_and(|turbofish| {
                    turbofish.args.iter().any(|arg| match arg {
                        syn::GenericArgument::Type(ty) => {
                            super::set_of_type(ty, self.imports) == Some(Set::Futures)
                        }
                        _ => false,
                    })
                });
                if into_set {
                    self.runs_all(
                        &call.receiver,
                        &call.method,
                        "collect::<FuturesUnordered<_>>",
                    );
                } else {
                    self.consumed_chain(&call.receiver);
                }
            }
            "extend" if call.args.len() == 1 => {
                self.consumed_chain(&call.args[0]);
            }
            "for_each" => {
                // `Iterator::for_each` when the closure returns `()` (a stream's
                // `for_each` takes a closure that returns a future).
                if let Some(Expr::Closure(closure)) = call.args.first().map(peel) {
                    let unit = matches!(&*closure.body, Expr::Block(block) if !matches!(block.block.stmts.last(), Some(syn::Stmt::Expr(_, None))));
                    if unit && closure.asyncness.is_none() {
                        self.consumed_chain(expr);
                    }
                }
            }
            _ => {}
        }
        // Visit the receiver, then the arguments, the per-item closures in their
        // context.
        self.visit_expr(&call.receiver);
        for arg in &call.args {
            match peel(arg) {
                Expr::Closure(closure)
                    if self
                        .per_item
                        .contains(&std::ptr::from_ref::<ExprClosure>(closure)) =>
                {
                    self.per_item_closure(closure, &call.receiver, &call.method);
                }
                _ => self.visit_expr(arg),
            }
        }
    }

    /// `for_each_concurrent(None, ..)`, `buffer_unordered(usize::MAX)`: reported at the
    /// method and its limit.
    fn no_limit(&mut self, call: &ExprMethodCall, limit: &str) {
        let mut tokens = call.method.to_token_stream();
        if let Some(first) = call.args.first() {
            first.to_tokens(&mut tokens);
        }
        let method = &call.method;
        self.findings.push(Finding::new(
            Lint::UnboundedSpawn,
            Location::of(&tokens),
            format!(
                "`{method}` with a limit of `{limit}` runs every item of the stream at once, \
                 with nothing that caps how many"
            ),
            format!(
                "give it a number: `{method}({}n, ..)` runs at most `n` at once",
                if limit == "None" { "Some(" } else { "" }
            ),
        ));
    }
}
