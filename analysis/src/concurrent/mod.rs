//! `#[concurrent]`'s analysis: which `let`s of an async fn can run concurrently, and how.
//!
//! parse (the caller) → facts of each statement ([`names`]: names bound, read and written,
//! awaits, what pins it) → one [`BlockPlan`] per block (`plan.rs`: each statement moves or
//! [`Stay`]s with a [`StayReason`]; name resolution; the runs of movable `let`s between
//! barriers; the dependency graph of each run with an [`EdgeReason`] per [`Edge`]; the
//! bindings [`Rename`]d so that shadowing does not serialise) → the [`Schedule`] of each
//! run ([`schedule`]: series-parallel decomposition, layers for the rest).
//!
//! Two callers, one set of rules:
//! - the attribute (`async-hygiene-macros`) plans each block with [`BlockPlan::new`] while
//!   it rewrites the fn, and emits the joins each [`Run`]'s schedule describes;
//! - the checker (`cargo async-hygiene`) plans a whole fn with [`FnPlan::new`]: its
//!   `sequential-awaits` rule reports [`FnPlan::summary`], and `explain FILE:FN` prints
//!   [`FnPlan::explain`].
//!
//! Spans are `proc_macro2` spans of the caller's tokens: the macro turns them into
//! `compile_error!`s, the checker into line and column (with proc-macro2's
//! `span-locations` feature).
//!
//! The rules (each is documented in the facade's `src/docs/concurrent.md`):
//! - only `let`s move; every other statement is a barrier, and so is a `let` that can
//!   leave the block (`?` not at the end, `return`, `break`), hides what it does (a macro
//!   the analysis cannot see through), takes a lock, a permit or a borrow (or a guard
//!   the crate's `[concurrent.guards]` names, passed in as [`Guards`]), diverges
//!   (`let … else`), binds nothing, binds a `_name` or a `ref`, borrows an awaited
//!   temporary, has no initializer or has attributes, or is marked
//!   `#[concurrent::barrier]`;
//! - a `let` waits for the `let` whose binding each of its names resolves to (data), for
//!   every earlier statement touching a name that is mutated in the fn, and, when it
//!   shadows a name, for earlier uses of that name that a rename cannot reach;
//! - a shadowed binding whose uses are plain paths is renamed in the moved code, so the
//!   chains on either side of the shadowing join.

mod borrows;
mod explain;
mod markers;
pub mod names;
mod plan;
pub mod schedule;

use proc_macro2::Span;
use syn::visit_mut::{self, VisitMut};

pub use self::borrows::{opaque_bindings, Borrows, CompilerUses, StatementUses};
pub use self::explain::Source;
pub use self::markers::{
    expr_attrs_mut, is_marker, restore_statement_markers, take_markers, take_statement_markers,
};
pub use self::names::{cannot_suspend, mutable_names, Anchor, Binding, Guards};
pub use self::plan::{
    BlockPlan, Edge, EdgeReason, Movable, Rename, Role, Run, Statement, Stay, StayReason,
};
pub use self::schedule::Schedule;

/// The plan of every block of one fn (not of items nested in it, which have their own).
#[derive(Clone, Debug)]
pub struct FnPlan {
    /// The fn's name.
    pub name: String,
    /// Every block of the body (the body first, then nested blocks in source order:
    /// branches, loop bodies, closures, `async` blocks).
    pub blocks: Vec<BlockPlan>,
    /// Whether the fn already carries `#[concurrent]` ([`FnPlan::with_attributes`]):
    /// the plan is then what it does, not what it would do.
    pub annotated: bool,
    /// The names every binding of which has a plain value type written out (`id: u64`,
    /// `name: &str`): calls that share one share no state through it.
    pub plain_values: std::collections::BTreeSet<String>,
}

impl FnPlan {
    /// Plans `body`, the body of a fn with signature `sig`, exactly as `#[concurrent]`
    /// would in a crate without `[concurrent.guards]`: statements marked
    /// `#[concurrent::barrier]` stay.
    #[must_use]
    pub fn new(sig: &syn::Signature, body: &syn::Block) -> Self {
        Self::with_guards(sig, body, Guards::NONE)
    }

    /// [`FnPlan::new`] with the crate's own guard-returning calls
    /// ([`crate::policy::Policy::guards`]), which stay in place as `.lock()` does.
    #[must_use]
    pub fn with_guards(sig: &syn::Signature, body: &syn::Block, guards: Guards<'_>) -> Self {
        Self::with_borrows(sig, body, guards, &Borrows::of_fn(sig, body))
    }

    /// [`FnPlan::with_guards`] that also knows how the compiler resolved each
    /// statement's uses of the fn's names (the checker's precise mode, from rustc's MIR):
    /// statements that only read or borrow a name shared join even where the syntax
    /// cannot see its type, and a statement the compiler shows borrowing a name mutably
    /// keeps its order with every other use of it. A statement without the compiler's
    /// facts is planned from the syntax alone.
    #[must_use]
    pub fn with_compiler(
        sig: &syn::Signature,
        body: &syn::Block,
        guards: Guards<'_>,
        uses: CompilerUses,
    ) -> Self {
        Self::with_borrows(
            sig,
            body,
            guards,
            &Borrows::of_fn(sig, body).with_compiler(uses),
        )
    }

    fn with_borrows(
        sig: &syn::Signature,
        body: &syn::Block,
        guards: Guards<'_>,
        borrows: &Borrows,
    ) -> Self {
        struct Planner<'a> {
            borrows: &'a Borrows,
            guards: Guards<'a>,
            blocks: Vec<BlockPlan>,
        }
        impl VisitMut for Planner<'_> {
            fn visit_block_mut(&mut self, block: &mut syn::Block) {
                let marked: Vec<bool> = block
                    .stmts
                    .iter_mut()
                    .map(|stmt| !take_statement_markers(stmt).is_empty())
                    .collect();
                let span = block.brace_token.span.join();
                let mut plan =
                    BlockPlan::new(span, &block.stmts, &marked, self.borrows, self.guards);
                // Whole statements, for the checker's diagnostics.
                for (statement, stmt) in plan.statements.iter_mut().zip(&block.stmts) {
                    statement.span = syn::spanned::Spanned::span(stmt);
                    if let Role::Stays(stay) = &mut statement.role {
                        if matches!(
                            stay.reason,
                            StayReason::NotALet
                                | StayReason::Marker
                                | StayReason::Attributes
                                | StayReason::NoInitializer
                        ) {
                            stay.span = statement.span;
                        }
                    }
                }
                self.blocks.push(plan);
                visit_mut::visit_block_mut(self, block);
            }
            fn visit_item_mut(&mut self, _item: &mut syn::Item) {}
        }
        // Markers are taken off a copy, block by block, as the attribute does.
        let mut body = body.clone();
        let mut planner = Planner {
            borrows,
            guards,
            blocks: Vec::new(),
        };
        planner.visit_block_mut(&mut body);
        Self {
            name: sig.ident.to_string(),
            blocks: planner.blocks,
            annotated: false,
            plain_values: borrows::plain_values(sig, &body),
        }
    }

    /// The plan of a fn with these attributes: [`FnPlan::annotated`] when one of them is
    /// `#[concurrent]` or `#[async_hygiene::concurrent]`.
    #[must_use]
    pub fn with_attributes(mut self, attrs: &[syn::Attribute]) -> Self {
        self.annotated = attrs.iter().any(|attr| {
            let segments = &attr.path().segments;
            segments
                .last()
                .is_some_and(|last| last.ident == "concurrent")
                && (segments.len() == 1 || segments[0].ident == "async_hygiene")
        });
        self
    }

    /// What the checker's `sequential-awaits` rule reports: `Some` only when
    /// `#[concurrent]` would join at least two awaits.
    #[must_use]
    pub fn summary(&self) -> Option<SequentialAwaits> {
        let mut summary = SequentialAwaits {
            awaits: 0,
            steps: 0,
            lets: Vec::new(),
            joined_with: Vec::new(),
            shared: Vec::new(),
            starts_after_failure: Vec::new(),
        };
        for block in &self.blocks {
            for run in block.runs.iter().filter(|run| run.is_concurrent()) {
                summary.awaits += run.awaits();
                summary.steps += run.steps();
                for name in block.shared_inputs(run) {
                    if !self.plain_values.contains(&name) && !summary.shared.contains(&name) {
                        summary.shared.push(name);
                    }
                }
                // The awaits that run beside another one, each with the first (in source
                // order) it runs beside: an await the others wait for joins nothing.
                let pairs = run.schedule.concurrent_pairs();
                let first_beside = |node: usize| {
                    pairs
                        .iter()
                        .filter_map(|&(a, b)| match (a == node, b == node) {
                            (true, _) => Some(b),
                            (_, true) => Some(a),
                            _ => None,
                        })
                        .filter(|&other| run.awaits_at(other))
                        .min()
                };
                let joined: Vec<(usize, usize)> = (0..run.statements.len())
                    .filter(|&node| run.awaits_at(node))
                    .filter_map(|node| Some((node, first_beside(node)?)))
                    .collect();
                // Sequential code returns at an earlier `let`'s `?` before a later one
                // starts; joined, the later one has started.
                let fail_fast = |node: usize| match &block.statements[run.statements[node]].role {
                    Role::Moves(movable) => movable.fail_fast,
                    Role::Stays(_) => None,
                };
                for &(a, b) in &pairs {
                    let (earlier, later) = (a.min(b), a.max(b));
                    if let Some(question) = fail_fast(earlier) {
                        let started = block.statements[run.statements[later]].span;
                        summary.starts_after_failure.push((question, started));
                    }
                }
                let base = summary.lets.len();
                for &(node, beside) in &joined {
                    summary
                        .lets
                        .push(block.statements[run.statements[node]].span);
                    let at = joined.iter().position(|&(other, _)| other == beside);
                    summary.joined_with.push(base + at.unwrap_or(0));
                }
            }
        }
        (summary.awaits > summary.steps).then_some(summary)
    }

    /// The plan in plain text: each block's statements, why each stays or what it waits
    /// for, renames, and each run's schedule by line.
    #[must_use]
    pub fn explain(&self, source: &dyn Source) -> String {
        explain::explain(self, source)
    }
}

/// Awaits written in sequence that `#[concurrent]` would join.
#[derive(Clone, Debug)]
pub struct SequentialAwaits {
    /// Awaiting `let`s in the runs that join (the sequential steps as written).
    pub awaits: usize,
    /// The steps they take joined (the critical path, counted in awaits).
    pub steps: usize,
    /// The awaiting `let`s it would join with another, in source order (the spans to
    /// report on); an await the others wait for is not among them.
    pub lets: Vec<Span>,
    /// For each of [`lets`](Self::lets), the index of the first of them (in source order)
    /// it runs beside: awaits of different runs, or one the other waits for, are never
    /// joined with each other.
    pub joined_with: Vec<usize>,
    /// The names that calls it would join both use, as a receiver or in their arguments
    /// (sorted): state the calls may share, whose order the join no longer keeps.
    pub shared: Vec<String>,
    /// A `?` ending a `let`, with a later `let` joined with it (its span): where the `?`
    /// returns early, sequential code never starts the later one, and joined it has
    /// started.
    pub starts_after_failure: Vec<(Span, Span)>,
}

impl SequentialAwaits {
    /// Whether adding `#[concurrent]` may be applied without a reader's check: only when
    /// the calls it joins share no receiver and no argument. Through a shared one, a
    /// call may change what the other reads (a status read before the download that
    /// fills the store; a lookup that must see the entry a first call inserted), which
    /// syntax cannot tell.
    #[must_use]
    pub fn machine_applicable(&self) -> bool {
        self.shared.is_empty() && self.starts_after_failure.is_empty()
    }

    /// What the user must check when a joined `let` can return early with `?`: "an early
    /// return at line 12 (its `?`) no longer keeps line 13 from starting: check that
    /// starting it then has no effect that matters". `line` gives a span's line.
    #[must_use]
    pub fn failure_caution(&self, line: &dyn Fn(Span) -> usize) -> Option<String> {
        let (question, started) = self.starts_after_failure.first()?;
        Some(format!(
            "an early return at line {} (its `?`) no longer keeps line {} from starting: \
             joined, it has started; check that starting it then has no effect that matters \
             (a file created, a row written)",
            line(*question),
            line(*started)
        ))
    }

    /// What the user must check before adding `#[concurrent]`, when the joined calls
    /// share a receiver or an argument: "the joined calls share `store`: check that none
    /// of them changes state through it that another one reads (joined, they run in no
    /// set order)".
    #[must_use]
    pub fn caution(&self) -> Option<String> {
        let (last, first) = self.shared.split_last()?;
        let names = if first.is_empty() {
            format!("`{last}`")
        } else {
            let first: Vec<String> = first.iter().map(|name| format!("`{name}`")).collect();
            format!("{} and `{last}`", first.join(", "))
        };
        let it = if first.is_empty() { "it" } else { "them" };
        Some(format!(
            "the joined calls share {names}: check that none of them changes state through \
             {it} that another one reads (joined, they run in no set order)"
        ))
    }
}

impl std::fmt::Display for SequentialAwaits {
    /// "3 awaits in sequence; `#[concurrent]` runs them in 1 step".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&explain::summary_text(self.awaits, self.steps))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A caller without line numbers (proc-macro2's `span-locations` is off here):
    /// statements are named by their index.
    struct NoLines;

    impl Source for NoLines {
        fn line(&self, _span: Span) -> Option<usize> {
            None
        }
        fn text(&self, _span: Span) -> Option<String> {
            None
        }
    }

    fn plan(source: &str) -> FnPlan {
        let function: syn::ItemFn = syn::parse_str(source).expect("test fn parses");
        FnPlan::new(&function.sig, &function.block)
    }

    /// A statement between awaits keeps its place, so the awaits on either side of it
    /// are joined in two runs, each on its own.
    #[test]
    fn summary_says_which_run_each_await_joins() {
        let two_runs = plan(
            "async fn f() { let a = one().await; let b = two().await; \
             side().await; let c = three().await; let d = four().await; }",
        );
        let summary = two_runs.summary().expect("two runs of two join");
        assert_eq!(summary.lets.len(), 4);
        assert_eq!(summary.joined_with, [1, 0, 3, 2]);
    }

    /// An await that the others of its run wait for is joined with none of them: it is
    /// not listed, and the two that wait for it are joined with each other.
    #[test]
    fn summary_lists_the_awaits_that_join_and_what_each_joins() {
        let first_then_two = plan(
            "async fn f() { let env = setup().await; let conn = env.conn().await; \
             let id = env.create().await; }",
        );
        let summary = first_then_two
            .summary()
            .expect("two awaits join after the first");
        assert_eq!(
            summary.to_string(),
            "3 awaits in sequence; `#[concurrent]` runs them in 2 steps"
        );
        assert_eq!(summary.lets.len(), 2);
        assert_eq!(summary.joined_with, [1, 0]);
        // `a` runs beside `b` and, after `b`, beside `c`; `c` beside `a` only.
        let chain_beside_one = plan(
            "async fn f() { let a = one().await; let b = two().await; let c = three(b).await; }",
        );
        let summary = chain_beside_one.summary().expect("a joins the chain b, c");
        assert_eq!(summary.lets.len(), 3);
        assert_eq!(summary.joined_with, [1, 0, 0]);
    }

    /// The statements of one database transaction keep their order: a name bound by
    /// `.begin()` or `.transaction()` (through `.await`, `?`, `.map_err(..)`), or a
    /// parameter typed as a transaction. Other shared handles still join.
    #[test]
    fn a_transactions_statements_keep_their_order() {
        for source in [
            "async fn f(db: &Db) -> R { let txn = db.begin().await?; \
             let endp = endp.insert(&txn).await?; let meta = meta.upsert(&txn).await?; \
             txn.commit().await?; Ok(()) }",
            "async fn f(pool: &Pool) -> R { let mut tx = pool.begin().await.map_err(E::from)?; \
             let a = insert_a(&mut *tx).await?; let b = insert_b(&mut *tx).await?; Ok(()) }",
            "async fn f(client: &Client) -> R { let t = client.transaction().await?; \
             let a = t.query(&A, &[]).await?; let b = t.query(&B, &[]).await?; Ok(()) }",
            "async fn f(txn: &DatabaseTransaction) -> R { let a = A::insert(txn).await?; \
             let b = B::insert(txn).await?; Ok(()) }",
        ] {
            let summary = plan(source).summary();
            assert!(summary.is_none(), "{source}: {summary:?}");
        }
        let client = plan(
            "async fn f(db: &Db) -> R { let client = db.client().await?; \
             let a = client.get(1).await?; let b = client.get(2).await?; Ok(()) }",
        );
        assert!(client.summary().is_some());
    }

    #[test]
    fn summary_counts_joined_awaits_only() {
        let three = plan(
            "async fn f() { let a = one().await; let b = two().await; let c = three().await; }",
        );
        let summary = three.summary().expect("three independent awaits join");
        assert_eq!(
            summary.to_string(),
            "3 awaits in sequence; `#[concurrent]` runs them in 1 step"
        );
        assert_eq!(summary.lets.len(), 3);
        assert_eq!(summary.joined_with, [1, 0, 0]);
        for source in [
            "async fn f() { let a = one().await; let b = two(a).await; }",
            "async fn f() { let a = one().await; }",
            "async fn f() { let a = one().await; store(a).await; let b = two().await; }",
            "async fn f() { let a = one().await; #[concurrent::barrier] let b = two().await; }",
        ] {
            assert!(plan(source).summary().is_none(), "{source}");
        }
    }

    #[test]
    fn calls_that_may_borrow_one_binding_mutably_keep_their_order() {
        for source in [
            // A `&mut` from an accessor, called on twice over several lines.
            "async fn f(ctx: &mut Ctx) { let s = ctx.session();\n let a = s\n .fetch(1)\n .await;\n let b = s.fetch(2).await; }",
            // Passed whole to two calls.
            "async fn f(ctx: &mut Ctx) { let s = ctx.session(); let a = fetch(s, 1).await; let b = fetch(s, 2).await; }",
            // A method on it, and it as an argument.
            "async fn f(ctx: &mut Ctx) { let s = ctx.session(); let a = s.load().await; let b = store(&s).await; }",
            // `&mut x` and `&x`: a write, through the mutable names.
            "async fn f() { let mut x = 0; let a = bump(&mut x).await; let b = show(&x).await; }",
            // A binding of a pattern.
            "async fn f(o: Option<S>) { if let Some(s) = o { let a = s.fetch(1).await; let b = s.fetch(2).await; } }",
        ] {
            assert!(plan(source).summary().is_none(), "{source}");
        }
        let text = plan(
            "async fn f(ctx: &mut Ctx) { let s = ctx.session(); let a = s.fetch(1).await; let b = s.fetch(2).await; }",
        )
        .explain(&NoLines);
        assert!(
            text.contains(
                "after statement 1: both use `s`, which one may borrow mutably (a method that \
                 may take `&mut self`, or `s` passed whole, while its type is not visible)"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_plain_value_passed_to_both_calls_shares_nothing() {
        let function: syn::ItemFn = syn::parse_quote! {
            async fn dashboard(id: u64, name: &str, store: &Store) -> u64 {
                let user = user(id, name).await;
                let orders = orders(id, name).await;
                let a = store.get(1).await;
                let b = store.get(2).await;
                user + orders + a + b
            }
        };
        let summary = FnPlan::new(&function.sig, &function.block)
            .summary()
            .expect("the calls join");
        assert_eq!(
            summary.shared,
            ["store"],
            "ids and names carry no shared state"
        );
        let function: syn::ItemFn = syn::parse_quote! {
            async fn shadowed(id: u64) -> u64 {
                let id = lookup(id);
                let user = user(id).await;
                let orders = orders(id).await;
                user + orders
            }
        };
        let summary = FnPlan::new(&function.sig, &function.block)
            .summary()
            .expect("the calls join");
        assert_eq!(
            summary.shared,
            ["id"],
            "a rebinding of unknown type may share state"
        );
    }

    #[test]
    fn shared_references_still_join_but_not_unchecked() {
        // Through `&Store`, nothing is borrowed mutably: the calls join, and share `store`.
        let summary = plan(
            "async fn f(store: &Store, id: u64) { let a = store.get(id).await; let b = store.get(2).await; }",
        )
        .summary()
        .expect("calls through a shared reference join");
        assert_eq!(summary.shared, ["store"]);
        assert!(!summary.machine_applicable());
        assert_eq!(
            summary.caution().as_deref(),
            Some(
                "the joined calls share `store`: check that none of them changes state through \
                 it that another one reads (joined, they run in no set order)"
            )
        );
        // Independent calls sharing nothing: applicable as they are.
        let summary = plan("async fn f() { let a = one(1).await; let b = two(2).await; }")
            .summary()
            .expect("independent calls join");
        assert!(summary.machine_applicable() && summary.caution().is_none());
    }

    /// mCaptcha's `demo_account_works`: `DemoUser::spawn(data, ..)` registers the demo
    /// user and `add_levels_util(data_inner, ..)` signs in as it; `data` was made from
    /// `data_inner.clone()`, so both reach one database, and joined the sign-in could run
    /// before the user exists. The names differ; the clone makes them one input.
    #[test]
    fn a_binding_cloned_from_another_shares_its_state() {
        let summary = plan(
            "async fn f(data_inner: ArcData) { let data = AppData::new(data_inner.clone()); \
             delete_user(&data_inner).await; \
             let user = DemoUser::spawn(data, 25).await.unwrap(); \
             let (_, resp, key) = add_levels_util(&data_inner, USER).await; }",
        )
        .summary()
        .expect("the two calls still join");
        assert_eq!(summary.shared, ["data_inner"]);
        assert!(!summary.machine_applicable());
        // Through two clones, and from `self`.
        let summary = plan(
            "async fn f(&self) { let pool = self.pool.clone(); let app = App::new(pool.clone()); \
             touch().await; let a = spawn(app).await; let b = self.count().await; }",
        )
        .summary()
        .expect("the two calls still join");
        assert_eq!(summary.shared, ["self"]);
        // A clone of a name the other call does not use shares nothing.
        let summary = plan(
            "async fn f(a: Arc<A>, b: Arc<B>) { let a2 = a.clone(); touch().await; \
             let x = one(a2).await; let y = two(&b).await; }",
        )
        .summary()
        .expect("independent calls join");
        assert!(summary.machine_applicable(), "{:?}", summary.shared);
    }

    /// The compiler's uses, given per statement by the text of its `let` binding.
    fn with_compiler(source: &str, uses: &[(&str, &[&str], &[&str])]) -> FnPlan {
        let function: syn::ItemFn = syn::parse_str(source).expect("test fn parses");
        let uses: Vec<(String, StatementUses)> = uses
            .iter()
            .map(|(binding, used, exclusive)| {
                let names = |names: &[&str]| names.iter().map(|name| (*name).to_owned()).collect();
                (
                    (*binding).to_owned(),
                    StatementUses {
                        used: names(used),
                        exclusive: names(exclusive),
                    },
                )
            })
            .collect();
        let lookup: CompilerUses = std::sync::Arc::new(move |stmt: &syn::Stmt| {
            let syn::Stmt::Local(local) = stmt else {
                return None;
            };
            let syn::Pat::Ident(binding) = &local.pat else {
                return None;
            };
            uses.iter()
                .find(|(name, _)| binding.ident == name)
                .map(|(_, uses)| uses.clone())
        });
        FnPlan::with_compiler(&function.sig, &function.block, Guards::NONE, lookup)
    }

    #[test]
    fn the_compilers_borrows_decide_where_the_syntax_cannot_see() {
        // `ctx.session()`'s type is not visible: the syntax keeps the calls apart; the
        // compiler shows two shared borrows of `s`, which join.
        let opaque = "async fn f(ctx: &mut Ctx) { let s = ctx.session(); let a = s.fetch(1).await; let b = s.fetch(2).await; }";
        assert!(plan(opaque).summary().is_none());
        let shared = with_compiler(opaque, &[("a", &["s"], &[]), ("b", &["s"], &[])]);
        assert_eq!(shared.summary().expect("shared borrows join").shared, ["s"]);
        // One of them borrows `s` mutably: they keep their order.
        let mutable = with_compiler(opaque, &[("a", &["s"], &["s"]), ("b", &["s"], &[])]);
        assert!(mutable.summary().is_none());
        // A statement without the compiler's facts is planned from the syntax alone.
        let partial = with_compiler(opaque, &[("a", &["s"], &[])]);
        assert!(partial.summary().is_none());
        // A `mut` binding read by both: shared borrows join.
        let owned = "async fn f() { let mut c = Client::new(); c.reset(); let a = c.get(1).await; let b = c.get(2).await; }";
        assert!(plan(owned).summary().is_none());
        assert!(
            with_compiler(owned, &[("a", &["c"], &[]), ("b", &["c"], &[])])
                .summary()
                .is_some()
        );
        // The compiler shows a mutable borrow the syntax took for a plain value.
        let visible =
            "async fn f(store: &Store) { let a = store.get(1).await; let b = store.get(2).await; }";
        assert!(plan(visible).summary().is_some());
        let text = with_compiler(
            visible,
            &[("a", &["store"], &["store"]), ("b", &["store"], &[])],
        )
        .explain(&NoLines);
        assert!(
            text.contains(
                "after statement 0: both use `store`, which one of them borrows mutably, writes \
                 or moves (as the compiler resolved it)"
            ),
            "{text}"
        );
        // A statement's write of its own binding is no conflict.
        let bound = with_compiler(
            "async fn f() { let a = one().await; let b = two().await; }",
            &[("a", &["a"], &["a"]), ("b", &["a", "b"], &["b"])],
        );
        assert!(bound.summary().is_some());
    }

    #[test]
    fn explain_says_when_the_fn_already_has_the_attribute_and_counts_in_words() {
        let function: syn::ItemFn = syn::parse_str(
            "/// Loads both.\n#[concurrent]\nasync fn both() { let a = one().await; let b = two().await; }",
        )
        .expect("test fn parses");
        let plan = FnPlan::new(&function.sig, &function.block);
        let annotated = plan.clone().with_attributes(&function.attrs);
        assert!(annotated.annotated && !plan.annotated);
        let text = annotated.explain(&NoLines);
        assert!(
            text.starts_with(
                "`fn both` has `#[concurrent]`: it joins 2 awaits in sequence into 1 step\n"
            ),
            "{text}"
        );
        let qualified: syn::ItemFn = syn::parse_str(
            "#[async_hygiene::concurrent] async fn one_await() { let a = one().await; }",
        )
        .expect("test fn parses");
        let text = FnPlan::new(&qualified.sig, &qualified.block)
            .with_attributes(&qualified.attrs)
            .explain(&NoLines);
        assert!(
            text.starts_with(
                "`fn one_await` has `#[concurrent]`, which leaves it as written: nothing to join\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("run at statement 0: nothing to join, runs as written (1 await)\n"),
            "{text}"
        );
    }

    #[test]
    fn explain_says_why_each_statement_stays_or_waits() {
        let text = plan(
            "async fn pair(a: &Api) -> (u8, u8) {
    let x = a.one().await;
    let y = a.two(x).await;
    let x = a.three().await;
    let z = a.four(x).await;
    let g = m.lock().await;
    (y, z)
}",
        )
        .explain(&NoLines);
        let expected = "\
`fn pair`: 4 awaits in sequence; `#[concurrent]` runs them in 2 steps

block
  statement 0:
      joins (awaits); `x` is renamed in the moved code (statement 2 shadows it)
  statement 1:
      joins (awaits); after statement 0: uses `x`
  statement 2:
      joins (awaits)
  statement 3:
      joins (awaits); after statement 2: uses `x`
  statement 4:
      stays: `.lock(…)` takes a lock, a permit or a borrow: started earlier, it would be held while other awaits wait
  statement 5:
      stays: not a `let`: statements other than `let` keep their place (their effects may be what a later statement reads)
  run at statements 0-3: 4 awaits as written, 2 steps joined
    schedule (by statement): join(0 → 1, 2 → 3)
";
        assert_eq!(text, expected);
    }

    /// atuin's `dotfiles_init`: `let key = load(..)?;` written after the first await and
    /// used after the join. Moved to the front, a missing key returned before the store
    /// was opened (as written, the store is opened first, and its error wins when both
    /// fail); it now waits for the await above it, in that await's branch.
    #[test]
    fn a_let_that_may_return_early_stays_after_the_awaits_above_it() {
        let text = plan(
            "async fn init(s: &Settings) -> Result<()> {
    let path = &s.path;
    let store = Store::new(path).await?;
    let key = Key::load(&s.key)?;
    let host = host_id().await?;
    let stores = (store, key, host);
    Ok(())
}",
        )
        .explain(&NoLines);
        assert!(
            text.contains(
                "  statement 2:\n      moves (no await: costs nothing); after statement 1: its \
                 `?` may return early, which as written happens only after this await\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("schedule (by statement): 0 → join(1 → 2, 3) → 4\n"),
            "{text}"
        );
        // Before every await, it still runs first; an `Option`'s `?` too.
        let text = plan(
            "async fn f() -> Option<u8> { let key = load()?; let a = one().await; \
             let b = two().await; let c = (key, a, b); None }",
        )
        .explain(&NoLines);
        assert!(
            text.contains("schedule (by statement): 0 → join(1, 2) → 3\n"),
            "{text}"
        );
        // With nothing after it, it does not go to the back of the run either.
        let text = plan(
            "async fn f() -> Result<()> { let a = one().await?; let check = verify()?; \
             let b = two().await?; Ok(()) }",
        )
        .explain(&NoLines);
        assert!(
            text.contains("schedule (by statement): join(0 → 1, 2)\n"),
            "{text}"
        );
    }
}
