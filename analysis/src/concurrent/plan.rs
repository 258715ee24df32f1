//! One block's plan: what each statement is (it moves, or why it stays), name
//! resolution, the runs of movable `let`s between barriers, the dependency graph of each
//! run with the reason of each edge, the bindings renamed so that shadowing does not
//! serialise, and the schedule.
//!
//! Input:
//!
//! ```text
//! 0 let x = a().await;
//! 1 let y = b(x).await;      // data: `x` of 0
//! 2 let x = c().await;       // shadows `x`: 0's `x` is renamed in the moved code
//! 3 let z = d(x).await;      // data: `x` of 2
//! 4 store.put(y, z).await;   // not a `let`: a barrier, ends the run 0..=3
//! ```
//!
//! Output: one run `[0, 1, 2, 3]`, edges `0 → 1` and `2 → 3` (data), the rename of 0's
//! `x` (used by 1), schedule `Parallel[Series[0, 1], Series[2, 3]]`: 4 awaits in 2 steps.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, Stmt};

use super::borrows::{Borrows, StatementUses, Verdict};
use super::names::{pattern_bindings, Anchor, Binding, ExprFacts, Guards};
use super::schedule::{schedule, DependencyGraph, Schedule};

/// One statement of a block, as the plan sees it.
#[derive(Clone, Debug)]
pub struct Statement {
    /// The whole statement in a plan from [`super::FnPlan::new`]; in one from
    /// [`BlockPlan::new`], the `let` token of a `let` and the call site otherwise (the
    /// attribute needs no more, and joining a statement's spans costs a token stream of
    /// the whole statement, at every block).
    pub span: Span,
    /// Names bound at the block's level (only `let`s bind any).
    pub binds: Vec<Binding>,
    /// Names read or written, over-approximated (inside closures, macro arguments and
    /// format-string captures too).
    pub touches: BTreeSet<String>,
    /// Whether it moves, and if not, why.
    pub role: Role,
    /// Names touched inside macro tokens or format strings: never renamed there.
    in_tokens: BTreeSet<String>,
    /// Names bound by patterns inside the initializer: a rename could hit the inner one.
    bound_inside: BTreeSet<String>,
    /// What its calls borrow.
    calls: CallFacts,
}

/// What a statement's calls borrow (see the fields of the same names on [`ExprFacts`]).
#[derive(Clone, Debug, Default)]
struct CallFacts {
    /// Methods called on places rooted at names, `(name, method)`.
    receivers: BTreeSet<(String, String)>,
    /// Names passed whole as arguments.
    passed: BTreeSet<String>,
    /// Names used in call arguments or as receivers.
    call_inputs: BTreeSet<String>,
}

impl CallFacts {
    fn extend(&mut self, facts: &ExprFacts) {
        self.receivers.extend(facts.receivers.iter().cloned());
        self.passed.extend(facts.passed.iter().cloned());
        self.call_inputs.extend(facts.call_inputs.iter().cloned());
    }
}

/// Whether a statement takes part in a join.
#[derive(Clone, Debug)]
pub enum Role {
    /// A `let` that may move: it joins when its run has something to join it with.
    Moves(Movable),
    /// The statement keeps its place and is a barrier: the runs on either side of it
    /// never overlap.
    Stays(Stay),
}

/// A `let` that may move.
#[derive(Clone, Copy, Debug)]
pub struct Movable {
    /// Whether its initializer suspends (outside closures and `async` blocks). A `let`
    /// that does not costs no time and never separates two awaits.
    pub awaits: bool,
    /// The span of the `?` ending its initializer: it joins fail-fast.
    pub fail_fast: Option<Span>,
}

/// Why a statement keeps its place, and the token that says so.
#[derive(Clone, Debug)]
pub struct Stay {
    /// The reason.
    pub reason: StayReason,
    /// The token the reason is about (the `?`, the macro's name, the method, the
    /// pattern, or the whole statement).
    pub span: Span,
}

/// Why a statement keeps its place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StayReason {
    /// Not a `let`: an expression statement, an item or a statement macro.
    NotALet,
    /// `#[concurrent::barrier]` on the statement.
    Marker,
    /// Other attributes on the `let` (`#[cfg(…)]`).
    Attributes,
    /// `let x;`: no initializer.
    NoInitializer,
    /// `let … else`: it diverges.
    LetElse,
    /// The initializer can leave the block, hides what it does, or takes a guard.
    Anchor(Anchor),
    /// A macro in the pattern hides what it binds.
    HiddenBindings,
    /// `let _ = …;`, `let () = …;`: it exists for its effect.
    BindsNothing,
    /// `let _guard = …;`: its scope is its purpose.
    UnderscoreName(String),
    /// `ref x`: it would borrow from inside a branch.
    RefBinding(String),
    /// `let r = &f().await;`: the borrowed temporary would die inside its branch.
    BorrowsTemporary,
}

impl fmt::Display for StayReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StayReason::NotALet => f.write_str(
                "not a `let`: statements other than `let` keep their place (their effects may \
                 be what a later statement reads)",
            ),
            StayReason::Marker => f.write_str("marked `#[concurrent::barrier]`"),
            StayReason::Attributes => f.write_str("it has attributes (`#[cfg]`, …)"),
            StayReason::NoInitializer => f.write_str("no initializer"),
            StayReason::LetElse => f.write_str("`let … else` diverges"),
            StayReason::Anchor(Anchor::NestedTry) => f.write_str(
                "a `?` inside its initializer (not at the end) could leave the function early",
            ),
            StayReason::Anchor(Anchor::Return) => f.write_str("a `return` inside its initializer"),
            StayReason::Anchor(Anchor::LoopExit) => {
                f.write_str("a `break`/`continue` out of its initializer")
            }
            StayReason::Anchor(Anchor::OpaqueMacro(name)) => write!(
                f,
                "the macro `{name}!` may hide a `?`, a `return` or a binding, and the attribute \
                 cannot see through it"
            ),
            StayReason::Anchor(Anchor::Acquisition(method)) => write!(
                f,
                "`.{method}(…)` takes a lock, a permit or a borrow: started earlier, it would \
                 be held while other awaits wait"
            ),
            StayReason::Anchor(Anchor::ClockRead(call)) => write!(
                f,
                "`{call}` reads the clock: where it runs among the awaits is what it measures"
            ),
            StayReason::Anchor(Anchor::Writes(call)) => write!(
                f,
                "`{call}` changes the file system or writes to a file: a neighbour may read \
                 what it writes, through a path or a handle syntax cannot connect to it"
            ),
            StayReason::Anchor(Anchor::TaskContext) => f.write_str(
                "`poll_fn(…)` works on the task's context (waker, coop budget): the order it is \
                 polled in among its neighbours is its meaning",
            ),
            StayReason::Anchor(Anchor::PolicyGuard { rule, reason }) => write!(
                f,
                "`{rule}(…)` is a guard by this crate's `[concurrent.guards]` ({reason}): \
                 started earlier, it would be held while other awaits wait"
            ),
            StayReason::HiddenBindings => f.write_str("a macro in its pattern hides what it binds"),
            StayReason::BindsNothing => {
                f.write_str("it binds nothing (it exists for its effect, like a statement)")
            }
            StayReason::UnderscoreName(name) => write!(
                f,
                "`{name}` starts with `_`: a guard whose scope is its purpose"
            ),
            StayReason::RefBinding(name) => {
                write!(f, "`ref {name}` would borrow from inside a join branch")
            }
            StayReason::BorrowsTemporary => f.write_str(
                "it borrows an awaited temporary, which would die inside its join branch",
            ),
        }
    }
}

/// Why a statement of a run waits for an earlier one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EdgeReason {
    /// It uses the name bound by the earlier statement.
    Data(String),
    /// It binds a name the earlier statement reads or binds, and that earlier use could
    /// not be renamed (a use inside a macro's tokens or a format string, or of a binding
    /// from before the run): moving it first would change what the earlier use reads.
    Shadowing(String),
    /// Both touch a name that is written or mutably borrowed somewhere in the fn.
    SharedMutable(String),
    /// Both use a name whose type the syntax cannot see, and one of them may borrow it
    /// mutably: a method not known to take `&self` is called on it, or it is passed
    /// whole (a `&mut` is reborrowed). Joined, that would not build, or the other call
    /// would see the name's state at another time than written.
    MayBorrowMutably(String),
    /// Both use a name, and the compiler shows that one of them borrows it mutably,
    /// writes it or moves out of it (the checker's precise mode).
    BorrowedMutably(String),
    /// Both use a database transaction (a name bound by `.begin()`, `.transaction()`, or
    /// typed as one): its statements run in the order written (a row inserted before
    /// the row that refers to it).
    Transaction(String),
    /// It does not await but may return early (`let key = load()?;`), and the earlier
    /// statement awaits: as written the fn returns only after that await. Started first,
    /// it would return before the await ran (its effects missing, and its error instead
    /// of the earlier one's); moved after the join, it would let the awaits written after
    /// it finish first.
    ReturnsAfter,
}

impl fmt::Display for EdgeReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EdgeReason::Data(name) => write!(f, "uses `{name}`"),
            EdgeReason::Shadowing(name) => write!(
                f,
                "shadows `{name}`, which the earlier statement reads or binds in a way that \
                 cannot be renamed"
            ),
            EdgeReason::SharedMutable(name) => {
                write!(f, "both touch `{name}`, which is mutated in this fn")
            }
            EdgeReason::MayBorrowMutably(name) => write!(
                f,
                "both use `{name}`, which one may borrow mutably (a method that may take \
                 `&mut self`, or `{name}` passed whole, while its type is not visible)"
            ),
            EdgeReason::BorrowedMutably(name) => write!(
                f,
                "both use `{name}`, which one of them borrows mutably, writes or moves (as \
                 the compiler resolved it)"
            ),
            EdgeReason::Transaction(name) => write!(
                f,
                "both use the transaction `{name}`, whose statements run in the order written"
            ),
            EdgeReason::ReturnsAfter => f.write_str(
                "its `?` may return early, which as written happens only after this await",
            ),
        }
    }
}

/// `later` waits for `earlier` (indexes of statements in the block).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edge {
    /// The statement that must finish first.
    pub earlier: usize,
    /// The statement that waits.
    pub later: usize,
    /// Why.
    pub reason: EdgeReason,
}

/// A binding renamed in the moved code (to a hygienic name), because a later `let` of the
/// run shadows it: both can then join. Its uses, all inside the run, are renamed with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rename {
    /// The `let` (index in the block) whose binding is renamed.
    pub binder: usize,
    /// The name as written.
    pub name: String,
    /// The statements whose uses of `name` resolve to this binding.
    pub users: Vec<usize>,
}

/// A maximal sequence of movable `let`s between barriers, and how it runs.
#[derive(Clone, Debug)]
pub struct Run {
    /// Indexes of its statements in the block, in source order.
    pub statements: Vec<usize>,
    /// Why a statement waits for another (several reasons for one pair are all listed).
    pub edges: Vec<Edge>,
    /// How the run executes; leaves are positions in [`Run::statements`].
    pub schedule: Schedule,
    /// Bindings renamed in the moved code (empty when the run joins nothing).
    pub renames: Vec<Rename>,
    awaits: Vec<bool>,
}

impl Run {
    /// Whether the run joins anything (else it is emitted as written).
    #[must_use]
    pub fn is_concurrent(&self) -> bool {
        self.schedule.is_concurrent()
    }

    /// The number of its `let`s that await: the sequential steps as written.
    #[must_use]
    pub fn awaits(&self) -> usize {
        self.awaits.iter().filter(|&&awaits| awaits).count()
    }

    /// The critical path of its schedule, counted in awaits: the steps it takes joined.
    #[must_use]
    pub fn steps(&self) -> usize {
        self.steps_of(&self.schedule)
    }

    fn steps_of(&self, schedule: &Schedule) -> usize {
        match schedule {
            Schedule::Leaf(node) => usize::from(self.awaits[*node]),
            Schedule::Series(steps) => steps.iter().map(|step| self.steps_of(step)).sum(),
            Schedule::Parallel(branches) => branches
                .iter()
                .map(|branch| self.steps_of(branch))
                .max()
                .unwrap_or(0),
        }
    }

    /// Whether `statement` (index in the block) awaits.
    #[must_use]
    pub fn awaits_at(&self, node: usize) -> bool {
        self.awaits.get(node).copied().unwrap_or(false)
    }
}

/// The plan of one block: its statements, how each use resolves, and its runs.
#[derive(Clone, Debug)]
pub struct BlockPlan {
    /// The block (its braces).
    pub span: Span,
    /// Every statement of the block, in source order.
    pub statements: Vec<Statement>,
    /// The runs of movable `let`s, in source order.
    pub runs: Vec<Run>,
    /// `resolves[i][name]`: the statement of this block whose binding statement `i`'s use
    /// of `name` refers to (absent: a binding from outside the block).
    resolves: Vec<BTreeMap<String, usize>>,
}

impl BlockPlan {
    /// Plans one block. `marked[i]`: statement `i` carried `#[concurrent::barrier]`
    /// (taken off by [`super::take_statement_markers`]); `borrows`: the fn's
    /// [`Borrows`] (its mutable names, the names whose type is not visible, the crate's
    /// `&self` methods); `guards`: the crate's own guard-returning calls
    /// (`[concurrent.guards]`), which keep their `let` in place as `.lock()` does.
    #[must_use]
    pub fn new(
        span: Span,
        stmts: &[Stmt],
        marked: &[bool],
        borrows: &Borrows,
        guards: Guards<'_>,
    ) -> Self {
        let statements: Vec<Statement> = stmts
            .iter()
            .enumerate()
            .map(|(index, stmt)| {
                classify(stmt, marked.get(index).copied().unwrap_or(false), guards)
            })
            .collect();
        let mut binder_of: BTreeMap<String, usize> = BTreeMap::new();
        let mut resolves = vec![BTreeMap::new(); statements.len()];
        for (index, statement) in statements.iter().enumerate() {
            for name in &statement.touches {
                if let Some(&binder) = binder_of.get(name) {
                    resolves[index].insert(name.clone(), binder);
                }
            }
            for binding in &statement.binds {
                binder_of.insert(binding.ident.to_string(), index);
            }
        }
        let mut plan = Self {
            span,
            statements,
            runs: Vec::new(),
            resolves,
        };
        let uses = borrows.compiler_uses(stmts);
        let mut run = Vec::new();
        for index in 0..=plan.statements.len() {
            let movable = plan
                .statements
                .get(index)
                .is_some_and(|statement| matches!(statement.role, Role::Moves(_)));
            if movable {
                run.push(index);
            } else if !run.is_empty() {
                let members = std::mem::take(&mut run);
                let planned = plan.plan_run(members, borrows, &uses);
                plan.runs.push(planned);
            }
        }
        plan
    }

    /// The statements whose use of `name` resolves to the binding of statement `binder`.
    #[must_use]
    pub fn users_of(&self, binder: usize, name: &str) -> Vec<usize> {
        self.resolves
            .iter()
            .enumerate()
            .filter(|(_, resolved)| resolved.get(name) == Some(&binder))
            .map(|(user, _)| user)
            .collect()
    }

    /// The names that two statements joined in `run` (in different branches of one join)
    /// both pass to a call or call a method on: the state they may share, whose order the
    /// join no longer keeps. A name bound from a `.clone()` of another stands for that
    /// one too (`let data = App::new(pool.clone());`: a call given `data` and one given
    /// `pool` reach one pool), through the block's earlier `let`s.
    #[must_use]
    pub fn shared_inputs(&self, run: &Run) -> BTreeSet<String> {
        fn walk(plan: &BlockPlan, run: &Run, schedule: &Schedule, shared: &mut BTreeSet<String>) {
            let children = match schedule {
                Schedule::Leaf(_) => return,
                Schedule::Series(children) | Schedule::Parallel(children) => children,
            };
            if matches!(schedule, Schedule::Parallel(_)) {
                let inputs: Vec<BTreeSet<String>> = children
                    .iter()
                    .map(|child| {
                        child
                            .nodes()
                            .into_iter()
                            .flat_map(|node| {
                                let user = run.statements[node];
                                plan.statements[user]
                                    .calls
                                    .call_inputs
                                    .iter()
                                    .flat_map(move |name| plan.cloned_from(user, name))
                            })
                            .collect()
                    })
                    .collect();
                for (at, one) in inputs.iter().enumerate() {
                    for other in &inputs[at + 1..] {
                        shared.extend(one.intersection(other).cloned());
                    }
                }
            }
            for child in children {
                walk(plan, run, child, shared);
            }
        }
        let mut shared = BTreeSet::new();
        walk(self, run, &run.schedule, &mut shared);
        shared
    }

    /// `name` as statement `user` uses it, and every name its binding was cloned from:
    /// `pool` for `data` after `let data = App::new(pool.clone());`, and on through the
    /// `let` that bound `pool`, while it is a `let` of this block.
    fn cloned_from(&self, user: usize, name: &str) -> BTreeSet<String> {
        let mut names = BTreeSet::from([name.to_owned()]);
        let mut pending = vec![(user, name.to_owned())];
        while let Some((at, name)) = pending.pop() {
            let Some(&binder) = self.resolves[at].get(&name) else {
                continue;
            };
            for (source, method) in &self.statements[binder].calls.receivers {
                if method == "clone" && names.insert(source.clone()) {
                    pending.push((binder, source.clone()));
                }
            }
        }
        names
    }

    /// The run statement `index` belongs to, if it is movable.
    #[must_use]
    pub fn run_of(&self, index: usize) -> Option<&Run> {
        self.runs.iter().find(|run| run.statements.contains(&index))
    }

    fn plan_run(
        &self,
        members: Vec<usize>,
        borrows: &Borrows,
        uses: &[Option<StatementUses>],
    ) -> Run {
        let mutables = borrows.mutables();
        let renames = self.renames(&members, mutables);
        let may_borrow_mutably: Vec<BTreeSet<String>> = members
            .iter()
            .map(|&member| {
                let statement = &self.statements[member];
                borrows.may_borrow_mutably(&statement.calls.receivers, &statement.calls.passed)
            })
            .collect();
        let is_renamed = |binder: usize, name: &str| {
            renames
                .iter()
                .any(|rename| rename.binder == binder && rename.name == name)
        };
        let mut edges = Vec::new();
        for (position, &later) in members.iter().enumerate() {
            let statement = &self.statements[later];
            // Data: a use depends on the binding it resolves to.
            for (name, &binder) in &self.resolves[later] {
                if members.contains(&binder) {
                    edges.push(Edge {
                        earlier: binder,
                        later,
                        reason: EdgeReason::Data(name.clone()),
                    });
                }
            }
            for &earlier in &members[..position] {
                let before = &self.statements[earlier];
                // A rebinding waits for every earlier use and binding of the name that was
                // not renamed, so a use moved after the join never sees the new binding,
                // and the binding visible after the run is the last one in the source.
                for binding in &statement.binds {
                    let name = binding.ident.to_string();
                    let binds_it = before.binds.iter().any(|other| other.ident == name)
                        && !is_renamed(earlier, &name);
                    let reads_it = before.touches.contains(&name)
                        && !self.resolves[earlier]
                            .get(&name)
                            .is_some_and(|&binder| is_renamed(binder, &name));
                    if binds_it || reads_it {
                        edges.push(Edge {
                            earlier,
                            later,
                            reason: EdgeReason::Shadowing(name),
                        });
                    }
                }
                let earlier_position = members.iter().position(|&member| member == earlier);
                let borrowed = (
                    earlier_position.map_or(&EMPTY, |at| &may_borrow_mutably[at]),
                    &may_borrow_mutably[position],
                );
                let names = (mutables, borrows.transactions());
                edges.extend(self.borrow_edge(earlier, later, borrowed, names, uses));
                if returns_early_at(statement) && awaits_at(before) {
                    edges.push(Edge {
                        earlier,
                        later,
                        reason: EdgeReason::ReturnsAfter,
                    });
                }
            }
        }
        let local = |statement: usize| {
            members
                .iter()
                .position(|&member| member == statement)
                .unwrap_or(usize::MAX)
        };
        let awaits: Vec<bool> = members
            .iter()
            .map(|&member| awaits_at(&self.statements[member]))
            .collect();
        // A `let` that may return early after an await is scheduled as an await is: it
        // stays in its branch, after that await, instead of moving to the front or the
        // back of the run as a zero-cost `let` does.
        let pinned = members.iter().enumerate().map(|(position, &member)| {
            awaits[position]
                || edges
                    .iter()
                    .any(|edge| edge.later == member && edge.reason == EdgeReason::ReturnsAfter)
        });
        let graph = DependencyGraph::new(
            pinned.collect(),
            edges
                .iter()
                .map(|edge| (local(edge.earlier), local(edge.later))),
        );
        let schedule = schedule(&graph);
        let concurrent = schedule.is_concurrent();
        Run {
            statements: members,
            edges,
            schedule,
            // Nothing moves: the run is emitted as written, names and all.
            renames: if concurrent { renames } else { Vec::new() },
            awaits,
        }
    }

    /// The edge that keeps `earlier` before `later` for a name one of them may change
    /// while the other uses it, if any: a mutable name both touch, a name one of them may
    /// borrow mutably (`borrowed`), and, with the compiler's `uses`, a mutable borrow it
    /// shows. A name the compiler shows both statements only reading orders nothing.
    fn borrow_edge(
        &self,
        earlier: usize,
        later: usize,
        borrowed: (&BTreeSet<String>, &BTreeSet<String>),
        (mutables, transactions): (&BTreeSet<String>, &BTreeSet<String>),
        uses: &[Option<StatementUses>],
    ) -> Option<Edge> {
        let binds = |statement: usize| -> Vec<String> {
            self.statements[statement]
                .binds
                .iter()
                .map(|binding| binding.ident.to_string())
                .collect()
        };
        let verdict = |name: &str| {
            Borrows::verdict(
                name,
                (uses[earlier].as_ref(), &binds(earlier)),
                (uses[later].as_ref(), &binds(later)),
            )
        };
        let edge = |reason: EdgeReason| Edge {
            earlier,
            later,
            reason,
        };
        // The statements of one transaction keep their order.
        if let Some(name) = touched_names(&self.statements[later])
            .intersection(&touched_names(&self.statements[earlier]))
            .find(|name| transactions.contains(*name))
        {
            return Some(edge(EdgeReason::Transaction(name.clone())));
        }
        // Writes through a mutable name keep their order with every touch.
        if let Some(name) = touched_names(&self.statements[later])
            .intersection(&touched_names(&self.statements[earlier]))
            .find(|name| mutables.contains(*name) && verdict(name) != Verdict::Shared)
        {
            return Some(edge(EdgeReason::SharedMutable(name.clone())));
        }
        // A mutable borrow without a write keeps its order with every use.
        let unless_shared = |name: &str| verdict(name) != Verdict::Shared;
        if let Some(name) = self.borrow_conflict(earlier, later, borrowed, &unless_shared) {
            return Some(edge(EdgeReason::MayBorrowMutably(name)));
        }
        // A mutable borrow the compiler shows and the syntax could not see.
        let names_of = |statement: usize| -> BTreeSet<String> {
            let mut names = touched_names(&self.statements[statement]);
            if let Some(uses) = &uses[statement] {
                names.extend(uses.used.iter().cloned());
            }
            names
        };
        names_of(earlier)
            .intersection(&names_of(later))
            .find(|name| {
                self.resolves[earlier].get(*name) == self.resolves[later].get(*name)
                    && verdict(name) == Verdict::Exclusive
            })
            .map(|name| edge(EdgeReason::BorrowedMutably(name.clone())))
    }

    /// A name of one binding that `earlier` or `later` may borrow mutably (the sets in
    /// `borrowed`, in that order) and the other one uses.
    fn borrow_conflict(
        &self,
        earlier: usize,
        later: usize,
        (by_earlier, by_later): (&BTreeSet<String>, &BTreeSet<String>),
        keep: &dyn Fn(&str) -> bool,
    ) -> Option<String> {
        // The same binding: both uses resolve to one `let` of the block, or both to a
        // binding from before it.
        let same =
            |name: &&String| self.resolves[earlier].get(*name) == self.resolves[later].get(*name);
        by_earlier
            .iter()
            .filter(|name| self.statements[later].touches.contains(*name) && keep(name))
            .find(same)
            .or_else(|| {
                by_later
                    .iter()
                    .filter(|name| self.statements[earlier].touches.contains(*name) && keep(name))
                    .find(same)
            })
            .cloned()
    }

    /// The bindings of `members` that a later `let` of the run shadows, and that can be
    /// renamed: every use resolving to them is a plain path (not inside a macro's tokens
    /// or a format string, which a rename cannot reach safely), no pattern inside the
    /// user binds the same name (a closure parameter, an inner `let`), and the name is not
    /// mutated in the fn (its statements keep their order anyway). A binding used only by
    /// the `let` that shadows it (`let x = f(x)`) is left alone: nothing would join.
    fn renames(&self, members: &[usize], mutables: &BTreeSet<String>) -> Vec<Rename> {
        let mut renames = Vec::new();
        for (position, &binder) in members.iter().enumerate() {
            for binding in &self.statements[binder].binds {
                let name = binding.ident.to_string();
                let shadower = members[position + 1..].iter().find(|&&later| {
                    self.statements[later]
                        .binds
                        .iter()
                        .any(|other| other.ident == name)
                });
                let Some(&shadower) = shadower else { continue };
                let users = self.users_of(binder, &name);
                // `let x = f(x)`: the shadower reads the binding, so it waits for it and
                // for nothing else of the name; a rename would change nothing.
                if mutables.contains(&name) || users.iter().all(|&user| user == shadower) {
                    continue;
                }
                let renameable = users.iter().all(|&user| {
                    let statement = &self.statements[user];
                    members.contains(&user)
                        && !statement.in_tokens.contains(&name)
                        && !statement.bound_inside.contains(&name)
                });
                if renameable {
                    renames.push(Rename {
                        binder,
                        name,
                        users,
                    });
                }
            }
        }
        renames
    }
}

static EMPTY: BTreeSet<String> = BTreeSet::new();

/// A movable `let` that suspends.
fn awaits_at(statement: &Statement) -> bool {
    matches!(statement.role, Role::Moves(Movable { awaits: true, .. }))
}

/// A movable `let` that does not suspend but ends in a `?`.
fn returns_early_at(statement: &Statement) -> bool {
    matches!(
        statement.role,
        Role::Moves(Movable {
            awaits: false,
            fail_fast: Some(_),
        })
    )
}

fn touched_names(statement: &Statement) -> BTreeSet<String> {
    statement
        .touches
        .iter()
        .cloned()
        .chain(
            statement
                .binds
                .iter()
                .map(|binding| binding.ident.to_string()),
        )
        .collect()
}

/// What one statement is: what it binds and touches, and whether it moves.
fn classify(stmt: &Stmt, marked: bool, guards: Guards<'_>) -> Statement {
    let span = match stmt {
        Stmt::Local(local) => local.let_token.span,
        _ => Span::call_site(),
    };
    let Stmt::Local(local) = stmt else {
        let facts = ExprFacts::of_stmt(stmt, guards);
        return Statement {
            span,
            binds: Vec::new(),
            touches: facts.uses.into_iter().chain(facts.writes).collect(),
            role: Role::Stays(Stay {
                reason: StayReason::NotALet,
                span,
            }),
            calls: CallFacts {
                receivers: facts.receivers,
                passed: facts.passed,
                call_inputs: facts.call_inputs,
            },
            in_tokens: facts.in_tokens,
            bound_inside: facts.bound_inside,
        };
    };
    let bindings = pattern_bindings(&local.pat);
    let mut touches = BTreeSet::new();
    let mut in_tokens = BTreeSet::new();
    let mut bound_inside = BTreeSet::new();
    let mut calls = CallFacts::default();
    let stay = |reason, span| Role::Stays(Stay { reason, span });
    let role = if let Some(init) = &local.init {
        let (expr, fail_fast) = match &*init.expr {
            Expr::Try(try_expr) => (&*try_expr.expr, Some(try_expr.question_token.span)),
            other => (other, None),
        };
        let facts = ExprFacts::of_expr_with(expr, guards);
        touches.extend(facts.uses.iter().cloned());
        touches.extend(facts.writes.iter().cloned());
        in_tokens.extend(facts.in_tokens.iter().cloned());
        bound_inside.extend(facts.bound_inside.iter().cloned());
        calls.extend(&facts);
        if let Some((_, diverge)) = &init.diverge {
            let facts = ExprFacts::of_expr_with(diverge, guards);
            calls.extend(&facts);
            touches.extend(facts.uses.into_iter().chain(facts.writes));
            in_tokens.extend(facts.in_tokens);
            bound_inside.extend(facts.bound_inside);
        }
        // `ref` bindings would borrow from the branch; `_guard`s are kept where they are
        // because their scope is their purpose.
        let pinned_binding = bindings.as_ref().and_then(|bindings| {
            bindings.iter().find_map(|binding| {
                let name = binding.ident.to_string();
                if binding.by_ref {
                    Some((StayReason::RefBinding(name), binding.ident.span()))
                } else if name.starts_with('_') && name.len() > 1 {
                    Some((StayReason::UnderscoreName(name), binding.ident.span()))
                } else {
                    None
                }
            })
        });
        if marked {
            stay(StayReason::Marker, span)
        } else if !local.attrs.is_empty() {
            stay(StayReason::Attributes, span)
        } else if let Some((else_token, _)) = &init.diverge {
            stay(StayReason::LetElse, else_token.span)
        } else if let Some((anchor, at)) = facts.anchor {
            stay(StayReason::Anchor(anchor), at)
        } else if bindings.is_none() {
            stay(StayReason::HiddenBindings, local.pat.span())
        } else if bindings.as_ref().is_some_and(Vec::is_empty) {
            // `let _ = put().await;`, `let () = …`: like an expression statement.
            stay(StayReason::BindsNothing, local.pat.span())
        } else if let Some((reason, at)) = pinned_binding {
            stay(reason, at)
        } else if facts.awaits && matches!(expr, Expr::Reference(_)) {
            stay(StayReason::BorrowsTemporary, expr.span())
        } else {
            Role::Moves(Movable {
                awaits: facts.awaits,
                fail_fast,
            })
        }
    } else if marked {
        stay(StayReason::Marker, span)
    } else {
        stay(StayReason::NoInitializer, span)
    };
    Statement {
        span,
        binds: bindings.unwrap_or_default(),
        touches,
        role,
        in_tokens,
        bound_inside,
        calls,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(source: &str) -> BlockPlan {
        let block: syn::Block = syn::parse_str(source).expect("test block parses");
        let marked = vec![false; block.stmts.len()];
        BlockPlan::new(
            Span::call_site(),
            &block.stmts,
            &marked,
            &Borrows::default(),
            Guards::NONE,
        )
    }

    #[test]
    fn shadowing_across_independent_chains_renames_and_joins() {
        let plan = plan(
            "{ let x = a().await; let y = b(x).await; let x = c().await; let z = d(x).await; \
             (y, z) }",
        );
        let [run] = &plan.runs[..] else {
            panic!("one run: {:?}", plan.runs)
        };
        assert_eq!(
            run.renames,
            [Rename {
                binder: 0,
                name: "x".to_owned(),
                users: vec![1]
            }]
        );
        assert_eq!(
            run.edges,
            [
                Edge {
                    earlier: 0,
                    later: 1,
                    reason: EdgeReason::Data("x".to_owned())
                },
                Edge {
                    earlier: 2,
                    later: 3,
                    reason: EdgeReason::Data("x".to_owned())
                },
            ]
        );
        assert_eq!((run.awaits(), run.steps()), (4, 2));
    }

    #[test]
    fn a_shadowed_name_read_in_a_format_string_keeps_its_edge() {
        let plan = plan(
            r#"{ let x = a().await; let s = f(format!("{x}")).await; let x = c().await; (s, x) }"#,
        );
        let run = &plan.runs[0];
        assert!(run.renames.is_empty());
        assert!(run.edges.contains(&Edge {
            earlier: 1,
            later: 2,
            reason: EdgeReason::Shadowing("x".to_owned())
        }));
        assert!(!run.is_concurrent());
    }

    #[test]
    fn a_closure_parameter_named_like_the_binding_blocks_the_rename() {
        let plan =
            plan("{ let x = a().await; let y = b(x, |x| x + 1).await; let x = c().await; (y, x) }");
        assert!(plan.runs[0].renames.is_empty());
        assert!(!plan.runs[0].is_concurrent());
    }

    #[test]
    fn a_use_of_an_outer_binding_keeps_the_shadowing_edge() {
        // `x` in the first `let` is the parameter: the new `x` must not start before it.
        let plan = plan("{ let y = b(x).await; let x = c().await; let z = d(x).await; (y, z) }");
        let run = &plan.runs[0];
        assert!(run.renames.is_empty());
        assert_eq!(run.steps(), 3);
    }

    #[test]
    fn a_policy_guard_keeps_its_place_and_says_why() {
        let policy =
            crate::policy::parse("[concurrent.guards]\n\".checkout\" = \"a pooled connection\"\n")
                .expect("valid policy");
        let block: syn::Block =
            syn::parse_str("{ let m = rx.recv().await; let c = pool.checkout().await; (m, c) }")
                .expect("test block parses");
        let marked = vec![false; block.stmts.len()];
        let borrows = Borrows::default();
        let without = BlockPlan::new(
            Span::call_site(),
            &block.stmts,
            &marked,
            &borrows,
            Guards::NONE,
        );
        assert_eq!(
            without.runs[0].statements,
            [0, 1],
            "joined without the policy"
        );
        let with = BlockPlan::new(
            Span::call_site(),
            &block.stmts,
            &marked,
            &borrows,
            Guards::new(&policy.guards),
        );
        let Role::Stays(stay) = &with.statements[1].role else {
            panic!("the checkout moved: {:?}", with.statements[1].role);
        };
        assert_eq!(
            stay.reason.to_string(),
            "`.checkout(…)` is a guard by this crate's `[concurrent.guards]` (a pooled \
             connection): started earlier, it would be held while other awaits wait"
        );
        assert!(with.runs.iter().all(|run| run.statements.len() < 2));
    }

    #[test]
    fn every_stay_reason_is_recorded() {
        let plan = plan(
            "{ let a = f()?.g().await; let _ = put().await; let _guard = span.enter(); \
             let (ref r, s) = pair; let t = &fetch().await; let u; let Some(v) = w else { return }; \
             store.put(1).await; let m = m.lock().await; let n = my!(); }",
        );
        let reasons: Vec<StayReason> = plan
            .statements
            .iter()
            .filter_map(|statement| match &statement.role {
                Role::Stays(stay) => Some(stay.reason.clone()),
                Role::Moves(_) => None,
            })
            .collect();
        assert_eq!(
            reasons,
            [
                StayReason::Anchor(Anchor::NestedTry),
                StayReason::BindsNothing,
                StayReason::Anchor(Anchor::Acquisition("enter".to_owned())),
                StayReason::RefBinding("r".to_owned()),
                StayReason::BorrowsTemporary,
                StayReason::NoInitializer,
                StayReason::LetElse,
                StayReason::NotALet,
                StayReason::Anchor(Anchor::Acquisition("lock".to_owned())),
                StayReason::Anchor(Anchor::OpaqueMacro("my".to_owned())),
            ]
        );
    }
}
