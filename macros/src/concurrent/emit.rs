//! Rewrites one block from its plan (`async_hygiene_analysis::concurrent::BlockPlan`:
//! the runs of movable `let`s, their schedules and renames): renames shadowed bindings,
//! then emits nested joins. Each block is planned as written; the blocks nested in its
//! statements are rewritten (on their own) before its runs are emitted.
//!
//! Input:
//!
//! ```text
//! let user = db.user(id).await?;          // 0
//! let url = format!("{base}/{id}");       // 1 (no await: zero cost)
//! let feed = http.get(&url).await?;       // 2 uses 1
//! let prefs = db.prefs(id).await;         // 3
//! render(user, feed, prefs)
//! ```
//!
//! Output (`::async_hygiene::__private::` shortened to `_::`; the `__async_hygiene_*`
//! names are `mixed_site`):
//!
//! ```text
//! let url = format!("{base}/{id}");
//! let (__async_hygiene_0, __async_hygiene_2, __async_hygiene_3) =
//!     match _::concurrent_try_join3(
//!         [0, 2, 3],  // the rank (position in the run) of each branch's first statement
//!         _::concurrent_try(db.user(id), 0, _::ConcurrentFailure2::N0),
//!         _::concurrent_try(http.get(&url), 2, _::ConcurrentFailure2::N1),
//!         _::concurrent_ok(db.prefs(id)),
//!     ).await {
//!         _::ConcurrentOk(values) => values,
//!         // The earliest failure in source order re-enters the user's own `?` (same
//!         // span, same conversion).
//!         _::ConcurrentErr(_::ConcurrentRanked(_, _::ConcurrentFailure2::N0(residual))) => match residual? {},
//!         _::ConcurrentErr(_::ConcurrentRanked(_, _::ConcurrentFailure2::N1(residual))) => match residual? {},
//!     };
//! let user = __async_hygiene_0;
//! let feed = __async_hygiene_2;
//! let prefs = __async_hygiene_3;
//! render(user, feed, prefs)
//! ```
//!
//! Joins are generic functions of the runtime (`concurrent_join2..5`, nested beyond 5)
//! rather than `tokio::join!`, and a branch `let x = f(…).await;` hands `f(…)` to the join
//! as it is. A `macro_rules!` join, an `async` block per branch and an enum declared in
//! the function each cost compile time at every call site (with an item declared in its
//! body, a future was compiled to machine code even when nothing polled it): that made
//! `#[concurrent]` slower to build than `#[tracing::instrument]` (figures in
//! `docs/benchmarks.md`).
//!
//! A branch holding several statements runs them in order and hands back, as a tuple,
//! the bindings used after it; the snapshots in `macros/tests/snapshots/concurrent/`
//! show every shape.

use std::collections::{BTreeSet, HashMap};

use async_hygiene_analysis::concurrent::names::{pattern_bindings, ExprFacts};
use async_hygiene_analysis::concurrent::{
    expr_attrs_mut, restore_statement_markers, take_markers, take_statement_markers, Binding,
    BlockPlan, Borrows, Guards, Role, Run, Schedule, Statement,
};

use proc_macro2::{Delimiter, Group, Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{Attribute, Block, Expr, Ident, Pat, Stmt};

use crate::private::Private;

/// Rewrites every block of a function body (not of nested items).
pub(crate) struct BlockRewriter<'a> {
    /// Names some code may write through or borrow mutably (see
    /// `async_hygiene_analysis::concurrent::Borrows`).
    pub(crate) borrows: &'a Borrows,
    /// The crate's own guard-returning calls (`[concurrent.guards]`).
    pub(crate) guards: Guards<'a>,
    /// Misused markers.
    pub(crate) errors: Vec<syn::Error>,
}

impl VisitMut for BlockRewriter<'_> {
    fn visit_block_mut(&mut self, block: &mut Block) {
        self.rewrite(block);
    }

    // A nested fn is rewritten only by its own `#[concurrent]`.
    fn visit_item_mut(&mut self, _item: &mut syn::Item) {}
}

impl BlockRewriter<'_> {
    fn rewrite(&mut self, block: &mut Block) {
        let mut stmts = std::mem::take(&mut block.stmts);
        let marked: Vec<bool> = stmts
            .iter_mut()
            .map(|stmt| {
                let markers = take_statement_markers(stmt);
                for marker in &markers {
                    if !matches!(marker.meta, syn::Meta::Path(_)) {
                        self.errors.push(syn::Error::new_spanned(
                            marker,
                            "`#[concurrent::barrier]` takes no arguments",
                        ));
                    }
                }
                !markers.is_empty()
            })
            .collect();
        let plan = BlockPlan::new(
            block.brace_token.span.join(),
            &stmts,
            &marked,
            self.borrows,
            self.guards,
        );
        let renamed = rename_shadowed(&plan, &mut stmts);
        // The plan saw the source; the nested rewrites below only add joins.
        for stmt in &mut stmts {
            self.visit_stmt_mut(stmt);
        }
        block.stmts = BlockEmitter {
            plan: &plan,
            renamed: &renamed,
        }
        .emit(stmts);
    }
}

/// The hygienic names given to shadowed bindings: `(binder, name as written)` → ident.
type Renamed = HashMap<(usize, String), Ident>;

/// Renames, in the statements of each run that joins, the bindings a later `let` of the
/// run shadows, and their uses (see `Rename` in the analysis).
///
/// Input:  `let x = a().await; let y = b(x).await; let x = c().await;`
/// Output: `let __async_hygiene_shadowed_x_0 = a().await;
///          let y = b(__async_hygiene_shadowed_x_0).await; let x = c().await;`
/// (`mixed_site`, located at the user's tokens): the two `x`s no longer order the run,
/// and the `x` visible after it is still the last one.
fn rename_shadowed(plan: &BlockPlan, stmts: &mut [Stmt]) -> Renamed {
    let mut hygienic_names = HashMap::new();
    for rename in plan.runs.iter().flat_map(|run| &run.renames) {
        let Some(Stmt::Local(binder)) = stmts.get_mut(rename.binder) else {
            continue;
        };
        // `r#type` is renamed too; the hygienic name needs no `r#`.
        let hygienic = format!(
            "__async_hygiene_shadowed_{}_{}",
            rename.name.trim_start_matches("r#"),
            rename.binder
        );
        let mut renamer = Renamer {
            from: &rename.name,
            to: &hygienic,
        };
        renamer.visit_pat_mut(&mut binder.pat);
        for &user in &rename.users {
            if let Some(Stmt::Local(local)) = stmts.get_mut(user) {
                if let Some(init) = &mut local.init {
                    renamer.visit_expr_mut(&mut init.expr);
                }
            }
        }
        hygienic_names.insert(
            (rename.binder, rename.name.clone()),
            Ident::new(&hygienic, Span::mixed_site()),
        );
    }
    hygienic_names
}

/// Renames one local, in patterns and plain paths. The analysis renames only where
/// every use is such a path and no inner pattern rebinds the name, so macros and
/// nested scopes need no care here.
struct Renamer<'a> {
    from: &'a str,
    to: &'a str,
}

impl Renamer<'_> {
    fn fresh(&self, at: Span) -> Ident {
        Ident::new(self.to, Span::mixed_site().located_at(at))
    }
}

impl VisitMut for Renamer<'_> {
    fn visit_pat_ident_mut(&mut self, pat: &mut syn::PatIdent) {
        if pat.ident == self.from {
            pat.ident = self.fresh(pat.ident.span());
        }
        visit_mut::visit_pat_ident_mut(self, pat);
    }

    fn visit_field_pat_mut(&mut self, field: &mut syn::FieldPat) {
        // `P { x }` becomes `P { x: renamed }`.
        let renamed = matches!(&*field.pat, Pat::Ident(pat) if pat.ident == self.from);
        if field.colon_token.is_none() && renamed {
            field.colon_token = Some(syn::Token![:](Span::mixed_site()));
        }
        visit_mut::visit_field_pat_mut(self, field);
    }

    fn visit_expr_path_mut(&mut self, expr: &mut syn::ExprPath) {
        if expr.qself.is_none() && expr.path.is_ident(self.from) {
            let span = expr.path.segments[0].ident.span();
            expr.path.segments[0].ident = self.fresh(span);
        }
    }

    fn visit_field_value_mut(&mut self, field: &mut syn::FieldValue) {
        // `S { x }` becomes `S { x: renamed }`.
        let renamed = matches!(&field.expr, Expr::Path(path) if path.path.is_ident(self.from));
        if field.colon_token.is_none() && renamed {
            field.colon_token = Some(syn::Token![:](Span::mixed_site()));
        }
        visit_mut::visit_field_value_mut(self, field);
    }

    fn visit_item_mut(&mut self, _item: &mut syn::Item) {}
}

/// Emits one block from its plan: each run that joins becomes joins, the rest stays.
struct BlockEmitter<'a> {
    plan: &'a BlockPlan,
    renamed: &'a Renamed,
}

impl BlockEmitter<'_> {
    fn emit(&self, stmts: Vec<Stmt>) -> Vec<Stmt> {
        let mut output = Vec::with_capacity(stmts.len());
        let mut slots: Vec<Option<Stmt>> = stmts.into_iter().map(Some).collect();
        let mut next_run = self.plan.runs.iter().peekable();
        let mut index = 0;
        while index < slots.len() {
            if let Some(run) = next_run.next_if(|run| run.statements.first() == Some(&index)) {
                output.extend(self.emit_run(run, &mut slots));
                index += run.statements.len();
                continue;
            }
            if let Some(stmt) = slots[index].take() {
                output.push(stmt);
            }
            index += 1;
        }
        output
    }

    fn emit_run(&self, run: &Run, slots: &mut [Option<Stmt>]) -> Vec<Stmt> {
        let originals: Vec<Stmt> = run
            .statements
            .iter()
            .filter_map(|&stmt| slots[stmt].take())
            .collect();
        if !run.is_concurrent() || originals.len() != run.statements.len() {
            return originals;
        }
        let run_emitter = RunEmitter {
            plan: self.plan,
            renamed: self.renamed,
            run: &run.statements,
            stmts: &originals,
        };
        run_emitter.emit(&run.schedule, None)
    }
}

/// How the fallible nodes of one top-level fail-fast join report which of them failed
/// first: through the runtime's `ConcurrentFailureN` enums, nested in `N7` beyond 8.
struct Failure {
    /// For each fallible node: the `(arity, variant)` of each enum level, outermost first.
    paths: HashMap<usize, Vec<(usize, usize)>>,
}

/// The widest `ConcurrentFailureN` in the runtime.
const MAX_FAILURE_ARITY: usize = 8;

impl Failure {
    fn new(fallible: &[usize]) -> Self {
        let mut paths = HashMap::new();
        let mut prefix = Vec::new();
        let mut rest = fallible;
        loop {
            if rest.len() <= MAX_FAILURE_ARITY {
                for (variant, &node) in rest.iter().enumerate() {
                    let mut path = prefix.clone();
                    path.push((rest.len(), variant));
                    paths.insert(node, path);
                }
                return Self { paths };
            }
            let (direct, nested) = rest.split_at(MAX_FAILURE_ARITY - 1);
            for (variant, &node) in direct.iter().enumerate() {
                let mut path = prefix.clone();
                path.push((MAX_FAILURE_ARITY, variant));
                paths.insert(node, path);
            }
            prefix.push((MAX_FAILURE_ARITY, MAX_FAILURE_ARITY - 1));
            rest = nested;
        }
    }

    /// `node`'s failure holding `value`: an expression, or a pattern when `value` is one.
    ///
    /// Input: node 8 of 9 fallible nodes, `r`. Output: `ConcurrentFailure8::N7(ConcurrentFailure2::N1(r))`.
    fn wrap(&self, node: usize, value: TokenStream) -> TokenStream {
        let private = Private::call_site();
        let path = self.paths.get(&node).map_or(&[][..], Vec::as_slice);
        path.iter().rev().fold(value, |inner, &(arity, variant)| {
            let failure = format_ident!("ConcurrentFailure{}", arity);
            let variant = format_ident!("N{}", variant);
            quote!(#private::#failure::#variant(#inner))
        })
    }

    /// `node`'s failure as a function of the residual: the variant itself when it is not
    /// nested (a closure costs the compiler more than a path).
    fn constructor(&self, node: usize) -> TokenStream {
        let private = Private::call_site();
        if let Some(&[(arity, variant)]) = self.paths.get(&node).map(Vec::as_slice) {
            let failure = format_ident!("ConcurrentFailure{}", arity);
            let variant = format_ident!("N{}", variant);
            quote!(#private::#failure::#variant)
        } else {
            let residual = mixed("__async_hygiene_residual");
            let wrapped = self.wrap(node, quote!(#residual));
            quote!(|#residual| #wrapped)
        }
    }
}

/// Emits one scheduled run; nodes are positions in `run`.
struct RunEmitter<'a> {
    plan: &'a BlockPlan,
    renamed: &'a Renamed,
    run: &'a [usize],
    stmts: &'a [Stmt],
}

/// One value leaving a branch.
struct Export {
    node: usize,
    /// The branch's binding of the value (unused for a branch that is the value).
    ident: Option<Ident>,
    temp: Ident,
    /// The statement binding it after the join.
    rebind: Stmt,
}

fn mixed(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

impl RunEmitter<'_> {
    fn info(&self, node: usize) -> &Statement {
        &self.plan.statements[self.run[node]]
    }

    fn fail_fast(&self, node: usize) -> Option<syn::token::Question> {
        match self.info(node).role {
            Role::Moves(movable) => movable.fail_fast.map(syn::token::Question),
            Role::Stays(_) => None,
        }
    }

    /// A binding's name in the emitted code: the hygienic one if it was renamed.
    fn emitted_ident(&self, node: usize, binding: &Binding) -> Ident {
        self.renamed
            .get(&(self.run[node], binding.ident.to_string()))
            .cloned()
            .unwrap_or_else(|| binding.ident.clone())
    }

    /// `failure`: `Some` inside a branch of a fail-fast join.
    fn emit(&self, schedule: &Schedule, failure: Option<&Failure>) -> Vec<Stmt> {
        match schedule {
            Schedule::Leaf(node) => vec![self.leaf(*node, failure)],
            Schedule::Series(steps) => steps
                .iter()
                .flat_map(|step| self.emit(step, failure))
                .collect(),
            Schedule::Parallel(branches) => self.join(branches, failure),
        }
    }

    /// A statement inside a branch: a trailing `?` becomes "fail the join".
    ///
    /// Input:  `let user = db.user(id).await?;`
    /// Output: `let user = match ConcurrentTry::concurrent_branch(db.user(id).await) {
    ///              Ok(value) => value,
    ///              Err(residual) => return Err(ConcurrentRanked(0, ConcurrentFailure2::N0(residual))),
    ///          };`
    /// (`0`: the statement's rank, its position in the run, which orders failures).
    fn leaf(&self, node: usize, failure: Option<&Failure>) -> Stmt {
        let mut stmt = self.stmts[node].clone();
        let Some(failure) = failure else {
            return stmt;
        };
        if let Stmt::Local(local) = &mut stmt {
            if let (Some(question), Some(init)) = (self.fail_fast(node), local.init.as_mut()) {
                if let Expr::Try(try_expr) = &*init.expr {
                    let inner = &try_expr.expr;
                    let private = Private::at(question.span);
                    let (value, residual) = (
                        mixed("__async_hygiene_value"),
                        mixed("__async_hygiene_residual"),
                    );
                    let failed = failure.wrap(node, quote!(#residual));
                    let rank = Literal::usize_unsuffixed(node);
                    let branch: Expr = syn::parse_quote_spanned! {question.span=>
                        match #private::ConcurrentTry::concurrent_branch(#inner) {
                            #private::ConcurrentOk(#value) => #value,
                            #private::ConcurrentErr(#residual) => {
                                return #private::ConcurrentErr(
                                    #private::ConcurrentRanked(#rank, #failed),
                                );
                            }
                        }
                    };
                    *init.expr = branch;
                }
            }
            if pattern_has_mut(&local.pat) {
                local.attrs.push(syn::parse_quote!(#[allow(unused_mut)]));
            }
        }
        stmt
    }

    fn fail_fast_nodes(&self, schedule: &Schedule) -> Vec<usize> {
        schedule
            .nodes()
            .into_iter()
            .filter(|&node| self.fail_fast(node).is_some())
            .collect()
    }

    /// Input: branches of a `Parallel`. Output: one `let` destructuring the join, then
    /// the user's bindings, in source order.
    fn join(&self, branches: &[Schedule], outer: Option<&Failure>) -> Vec<Stmt> {
        let private = Private::call_site();
        let mut fallible: Vec<usize> = branches
            .iter()
            .flat_map(|branch| self.fail_fast_nodes(branch))
            .collect();
        fallible.sort_unstable();
        let own_failure;
        let failure = if let Some(outer) = outer {
            outer
        } else {
            own_failure = Failure::new(&fallible);
            &own_failure
        };
        let mut futures = Vec::new();
        let mut patterns = Vec::new();
        let mut exports = Vec::new();
        for branch in branches {
            let (future, pattern, branch_exports) =
                self.branch(branch, failure, !fallible.is_empty());
            futures.push(future);
            patterns.push(pattern);
            exports.extend(branch_exports);
        }
        exports.sort_by_key(|export| export.node);
        let firsts: Vec<usize> = branches
            .iter()
            .map(|branch| branch.nodes().first().copied().unwrap_or_default())
            .collect();
        let (call, destructure) = join_call(&futures, &patterns, &firsts, !fallible.is_empty());
        // The join's `.await` carries the span of the first await it joins, so that what
        // names an await by its location (the watchdog's await marks, a compiler error)
        // names the user's line, not the attribute's.
        let at = self.first_await(branches).unwrap_or_else(Span::call_site);
        let call = quote_spanned!(at=> #call.await);
        let (values, failed) = (
            mixed("__async_hygiene_values"),
            mixed("__async_hygiene_failure"),
        );
        let join_stmt: Stmt = if fallible.is_empty() {
            syn::parse_quote! {
                let #destructure = #call;
            }
        } else if outer.is_some() {
            syn::parse_quote! {
                let #destructure = match #call {
                    #private::ConcurrentOk(#values) => #values,
                    #private::ConcurrentErr(#failed) => {
                        return #private::ConcurrentErr(#failed);
                    }
                };
            }
        } else {
            // `residual?` is the user's own `?` (same span, same conversion), applied
            // to the residual of the branch that failed first.
            let rethrows = fallible.iter().map(|&node| {
                let question = self.fail_fast(node).unwrap_or_default();
                let residual = mixed("__async_hygiene_residual");
                let private = Private::at(question.span);
                let failed = failure.wrap(node, quote!(#residual));
                quote_spanned! {question.span=>
                    #private::ConcurrentErr(#private::ConcurrentRanked(_, #failed)) => {
                        match #residual #question {}
                    }
                }
            });
            syn::parse_quote! {
                let #destructure = match #call {
                    #private::ConcurrentOk(#values) => #values,
                    #(#rethrows)*
                };
            }
        };
        let mut stmts = vec![join_stmt];
        stmts.extend(exports.into_iter().map(|export| export.rebind));
        stmts
    }

    /// One branch of a join: its future, the pattern receiving its output, and the
    /// values it hands back.
    fn branch(
        &self,
        branch: &Schedule,
        failure: &Failure,
        fallible: bool,
    ) -> (TokenStream, TokenStream, Vec<Export>) {
        let private = Private::call_site();
        let wrap = |value: TokenStream| {
            if fallible {
                quote!(#private::ConcurrentOk(#value))
            } else {
                value
            }
        };
        if let Schedule::Leaf(node) = branch {
            if let Some((pat, init)) = self.simple_leaf(*node) {
                let temp = format_ident!("__async_hygiene_{}", node, span = Span::mixed_site());
                let future = self.leaf_future(*node, init, failure, fallible);
                let rebind = syn::parse_quote!(let #pat = #temp;);
                return (
                    future,
                    quote!(#temp),
                    vec![Export {
                        node: *node,
                        ident: None,
                        temp,
                        rebind,
                    }],
                );
            }
        }
        let nodes = branch.nodes();
        let stmts = self.emit(branch, Some(failure));
        let mut exports = Vec::new();
        for (position, &node) in nodes.iter().enumerate() {
            for binding in &self.info(node).binds {
                let name = binding.ident.to_string();
                let ident = self.emitted_ident(node, binding);
                let shadowed = nodes[position + 1..].iter().any(|&later| {
                    self.info(later)
                        .binds
                        .iter()
                        .any(|other| self.emitted_ident(later, other) == ident)
                });
                if shadowed || !self.used_outside(node, &name, &nodes) {
                    continue;
                }
                let temp = format_ident!(
                    "__async_hygiene_{}_{}",
                    node,
                    binding.ident,
                    span = Span::mixed_site()
                );
                let ident = &ident;
                let rebind = if binding.mutable {
                    syn::parse_quote!(#[allow(unused_mut)] let mut #ident = #temp;)
                } else {
                    syn::parse_quote!(let #ident = #temp;)
                };
                exports.push(Export {
                    node,
                    ident: Some(ident.clone()),
                    temp,
                    rebind,
                });
            }
        }
        let idents: Vec<&Ident> = exports
            .iter()
            .filter_map(|export| export.ident.as_ref())
            .collect();
        let temps: Vec<&Ident> = exports.iter().map(|export| &export.temp).collect();
        let (value, pattern) = match temps.as_slice() {
            [one] => (quote!(#(#idents)*), quote!(#one)),
            _ => (quote!((#(#idents),*)), quote!((#(#temps),*))),
        };
        let value = wrap(value);
        let span = nodes
            .first()
            .map_or_else(Span::call_site, |&node| self.stmts[node].span());
        (
            quote_spanned!(span=> async { #(#stmts)* #value }),
            pattern,
            exports,
        )
    }

    /// The future of a branch that is one `let x = init;`.
    fn leaf_future(
        &self,
        node: usize,
        init: &Expr,
        failure: &Failure,
        fallible: bool,
    ) -> TokenStream {
        let question = self.fail_fast(node);
        let rank = Literal::usize_unsuffixed(node);
        let value = match (question, init) {
            (Some(_), Expr::Try(try_expr)) => &*try_expr.expr,
            _ => init,
        };
        let Some(future) = awaited_future(value) else {
            // Input: `let x = f().await + 1;`  Output: `async { f().await + 1 }`
            let value = if let (Some(question), Expr::Try(_)) = (question, init) {
                let private = Private::at(question.span);
                let constructor = failure.constructor(node);
                quote_spanned! {question.span=>
                    #private::ConcurrentTry::concurrent_branch(#value)
                        .map_err(#private::concurrent_ranked(#rank, #constructor))
                }
            } else if fallible {
                let private = Private::call_site();
                quote!(#private::ConcurrentOk(#init))
            } else {
                quote!(#init)
            };
            // Spanned at the user's initializer: a borrow error in the join (a value
            // moved here and borrowed in a sibling) points at it.
            return quote_spanned!(init.span()=> async { #value });
        };
        // Input: `let x = f().await;`  Output: `f()`, which the join awaits.
        match question {
            Some(question) => {
                // Input: `let x = f().await?;` (statement 0 of its run)
                // Output: `concurrent_try(f(), 0, ConcurrentFailure2::N0)`, spanned from `f` to
                // `?`: a `?` the join cannot apply is reported once, on all of that.
                let private = Private::at(future.span());
                let function = quote_spanned!(future.span()=> #private::concurrent_try);
                let constructor = failure.constructor(node);
                let mut arguments =
                    Group::new(Delimiter::Parenthesis, quote!(#future, #rank, #constructor));
                arguments.set_span(question.span);
                quote!(#function #arguments)
            }
            None if fallible => {
                let private = Private::call_site();
                quote!(#private::concurrent_ok(#future))
            }
            None => quote!(#future),
        }
    }

    /// `let x = init;` or `let mut x = init;` without a type: the branch can produce
    /// the value itself.
    /// The `await` keyword's span of the first `.await` in the branches' statements, in
    /// source order.
    fn first_await(&self, branches: &[Schedule]) -> Option<Span> {
        struct FirstAwait(Option<Span>);
        impl<'ast> syn::visit::Visit<'ast> for FirstAwait {
            fn visit_expr_await(&mut self, awaited: &'ast syn::ExprAwait) {
                // The base first: in `f(x.await).await` the inner await runs first.
                syn::visit::visit_expr_await(self, awaited);
                self.0.get_or_insert(awaited.await_token.span);
            }
        }
        let mut nodes: Vec<usize> = branches.iter().flat_map(Schedule::nodes).collect();
        nodes.sort_unstable();
        nodes.into_iter().find_map(|node| {
            let mut first = FirstAwait(None);
            syn::visit::Visit::visit_stmt(&mut first, &self.stmts[node]);
            first.0
        })
    }

    fn simple_leaf(&self, node: usize) -> Option<(&Pat, &Expr)> {
        let Stmt::Local(local) = &self.stmts[node] else {
            return None;
        };
        let Pat::Ident(ident) = &local.pat else {
            return None;
        };
        if ident.subpat.is_some() || ident.by_ref.is_some() {
            return None;
        }
        local.init.as_ref().map(|init| (&local.pat, &*init.expr))
    }

    fn used_outside(&self, node: usize, name: &str, branch: &[usize]) -> bool {
        let stmt = self.run[node];
        let inside: BTreeSet<usize> = branch.iter().map(|&member| self.run[member]).collect();
        self.plan
            .users_of(stmt, name)
            .iter()
            .any(|user| !inside.contains(user))
    }
}

/// `f(…)` of an initializer `f(…).await` whose `f(…)` does not suspend: the join can
/// take that future as it is, without an `async` block (which costs the compiler a
/// coroutine per branch). `f(…)` then runs when the join is built, just before the first
/// branch is polled, as in a hand-written `join!(f(…), g(…))`.
fn awaited_future(init: &Expr) -> Option<&Expr> {
    let Expr::Await(awaited) = init else {
        return None;
    };
    let sync = awaited.attrs.is_empty() && !ExprFacts::of_expr(&awaited.base).awaits;
    sync.then_some(&*awaited.base)
}

/// The widest join in the runtime.
const MAX_JOIN_ARITY: usize = 5;

/// The join of `futures` (fail-fast if `fallible`), and the pattern of its output.
///
/// Input: 7 futures. Output: `concurrent_join5(f0, f1, f2, f3, concurrent_join3(f4, f5, f6))`
/// and `(p0, p1, p2, p3, (p4, p5, p6))`: the same source-order polls, one level deeper.
fn join_call(
    futures: &[TokenStream],
    patterns: &[TokenStream],
    firsts: &[usize],
    fallible: bool,
) -> (TokenStream, TokenStream) {
    if let ([future], [pattern]) = (futures, patterns) {
        return (future.clone(), pattern.clone());
    }
    let split = if futures.len() > MAX_JOIN_ARITY {
        MAX_JOIN_ARITY - 1
    } else {
        futures.len()
    };
    let mut arguments = futures[..split].to_vec();
    let mut destructure = patterns[..split].to_vec();
    let mut starts: Vec<Literal> = firsts[..split]
        .iter()
        .map(|&first| Literal::usize_unsuffixed(first))
        .collect();
    if split < futures.len() {
        let (call, pattern) = join_call(
            &futures[split..],
            &patterns[split..],
            &firsts[split..],
            fallible,
        );
        arguments.push(call);
        destructure.push(pattern);
        starts.push(Literal::usize_unsuffixed(firsts[split]));
    }
    let private = Private::call_site();
    if fallible {
        // The rank of each branch's first statement: a failure drops the branches that
        // start after it and waits for those that start before it.
        let join = format_ident!("concurrent_try_join{}", arguments.len());
        (
            quote!(#private::#join([#(#starts),*], #(#arguments),*)),
            quote!((#(#destructure),*)),
        )
    } else {
        let join = format_ident!("concurrent_join{}", arguments.len());
        (
            quote!(#private::#join(#(#arguments),*)),
            quote!((#(#destructure),*)),
        )
    }
}

fn pattern_has_mut(pat: &Pat) -> bool {
    pattern_bindings(pat).is_some_and(|bindings| bindings.iter().any(|binding| binding.mutable))
}

/// Finds markers that are not on a statement, reports and removes them. With
/// `statements_too`, markers on statements are removed as well (for the function
/// emitted as written next to errors); without, they stay for the rewrite.
pub(crate) struct MarkerStripper {
    pub(crate) misplaced: Vec<syn::Error>,
    pub(crate) statements_too: bool,
}

impl MarkerStripper {
    fn strip(&mut self, attrs: &mut Vec<Attribute>) {
        for marker in take_markers(attrs) {
            self.misplaced.push(syn::Error::new_spanned(
                marker,
                "`#[concurrent::barrier]` marks a statement of a `#[concurrent]` function: \
                 put it on a `let` (or another statement) directly in a block",
            ));
        }
    }
}

impl VisitMut for MarkerStripper {
    fn visit_stmt_mut(&mut self, stmt: &mut Stmt) {
        let markers = take_statement_markers(stmt);
        visit_mut::visit_stmt_mut(self, stmt);
        if !self.statements_too {
            restore_statement_markers(stmt, markers);
        }
    }

    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if let Some(attrs) = expr_attrs_mut(expr) {
            self.strip(attrs);
        }
        visit_mut::visit_expr_mut(self, expr);
    }

    fn visit_local_mut(&mut self, local: &mut syn::Local) {
        self.strip(&mut local.attrs);
        visit_mut::visit_local_mut(self, local);
    }

    fn visit_arm_mut(&mut self, arm: &mut syn::Arm) {
        self.strip(&mut arm.attrs);
        visit_mut::visit_arm_mut(self, arm);
    }

    fn visit_field_value_mut(&mut self, field: &mut syn::FieldValue) {
        self.strip(&mut field.attrs);
        visit_mut::visit_field_value_mut(self, field);
    }

    fn visit_pat_type_mut(&mut self, pat: &mut syn::PatType) {
        self.strip(&mut pat.attrs);
        visit_mut::visit_pat_type_mut(self, pat);
    }

    fn visit_item_mut(&mut self, _item: &mut syn::Item) {}
}
