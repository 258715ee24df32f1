//! The crate's call graph and what it carries from sync helpers into async code: the
//! calls of the rules in [`INHERITED`] (`blocking`, `cpu-bound`). Calls are resolved by
//! [`crate::resolve`]; the reports are worded by each rule ([`crate::rules::blocking`],
//! [`crate::rules::cpu_bound`]).
//!
//! - **Inherited calls**: a sync fn blocks (or computes for long) when its own body makes
//!   such a call, or calls a sync fn that does (outside offload contexts, which
//!   [`crate::calls`] leaves out). Computed backwards from the direct ones, breadth
//!   first, for each rule: each fn keeps its shortest chain, and recursion ends because
//!   each fn is marked once. Only the sync fns async code reaches can be on a chain:
//!   their bodies left unread by [`crate::collect`] are read first, following the calls
//!   from async contexts.
//!
//! It cannot see calls through trait objects, fn pointers or generics, nor code inside
//! macros whose input is not expressions, nor the sync code of dependencies.

use std::collections::VecDeque;
use std::path::Path;

use rayon::prelude::*;

use crate::diagnostic::Diagnostic;
use crate::facts::{CallSite, FnFacts};
use crate::resolve::{FnId, Resolver, Root};
use crate::rules::blocking::{self, BlockingCall, Chain, Wording};
use crate::rules::cpu_bound;
use crate::sources::ParsedFile;

/// A rule whose calls a sync fn passes on to the async code that calls it.
struct Inherited {
    /// The call of a sync fn's own body that its callers inherit.
    leaf: fn(&FnFacts) -> Option<&BlockingCall>,
    /// How the report of a call from async code into a chain of sync fns that ends at
    /// such a call is worded.
    words: &'static Wording,
    /// Whether the rule follows a call of a fn: not one its offloads run elsewhere, not
    /// one of code it does not check.
    follows: fn(&FnFacts, &CallSite) -> bool,
}

/// The rules the call graph carries, in the order their reports of one call come.
const INHERITED: [Inherited; 2] = [
    Inherited {
        leaf: FnFacts::blocking,
        words: &blocking::THROUGH_SYNC_FNS,
        follows: |_, _| true,
    },
    Inherited {
        leaf: FnFacts::cpu_bound,
        words: &cpu_bound::THROUGH_SYNC_FNS,
        follows: |caller, call| !caller.test_code && !call.in_cpu_offload,
    },
];

/// Why a sync fn blocks (or makes another rule's call).
#[derive(Clone, Debug)]
enum Why {
    /// Its own body makes this call.
    Direct(BlockingCall),
    /// It calls a fn that blocks.
    Via { call: usize, callee: FnId },
}

pub(crate) struct CallGraph<'f> {
    files: &'f [ParsedFile],
    resolver: Resolver<'f>,
    /// For each rule of [`INHERITED`], why each fn makes its call, if it does.
    carried: Vec<Vec<Option<Why>>>,
    /// The callees of each fn's calls (by call index), as resolved when the fns async
    /// code reaches were searched: each call is resolved once.
    resolved: Vec<ResolvedCalls>,
}

/// The callees of a fn's calls, by call index, for the calls resolved so far.
type ResolvedCalls = Vec<Option<Vec<FnId>>>;

impl<'f> CallGraph<'f> {
    /// Builds the module trees of `roots` (files of `files`, with the lib crate names
    /// they define) and computes which sync fns block.
    pub(crate) fn build(files: &'f [ParsedFile], roots: &[Root]) -> CallGraph<'f> {
        let mut graph = CallGraph {
            files,
            resolver: Resolver::build(files, roots),
            carried: Vec::new(),
            resolved: Vec::new(),
        };
        let (reached, resolved) = graph.read_reached_bodies();
        graph.resolved = resolved;
        graph.propagate(&reached);
        graph
    }

    fn facts(&self, id: FnId) -> &'f FnFacts {
        self.resolver.facts(id)
    }

    /// Reads the deferred bodies of the sync fns that async code reaches, directly or
    /// through other sync fns, round by round (each round in parallel). The rest stay
    /// unread: a `blocking` chain starts at a call in an async context and only runs
    /// through these, so no report can pass through the others.
    ///
    /// Returns which fns are reached, and the callees of the calls it resolved.
    fn read_reached_bodies(&self) -> (Vec<bool>, Vec<ResolvedCalls>) {
        let mut reached = vec![false; self.resolver.fn_count()];
        let mut resolved = vec![Vec::new(); self.resolver.fn_count()];
        let mut frontier = Vec::new();
        for id in 0..self.resolver.fn_count() {
            for (index, call) in self.facts(id).calls().iter().enumerate() {
                if call.in_async {
                    let callees = self.callees_of(&mut resolved, id, index);
                    self.reach(callees, &mut reached, &mut frontier);
                }
            }
        }
        while !frontier.is_empty() {
            // A file in two crate roots gives two nodes of one fn: read it once.
            let mut unread: Vec<(usize, usize)> = frontier
                .iter()
                .map(|id| self.resolver.fn_place(*id))
                .filter(|(file, index)| self.files[*file].facts.fns[*index].is_unread())
                .collect();
            unread.sort_unstable();
            unread.dedup();
            unread.par_iter().for_each(|(file, index)| {
                let facts = &self.files[*file].facts;
                facts.fns[*index].read_body(&facts.path);
            });
            let mut next = Vec::new();
            for id in frontier {
                for (index, call) in self.facts(id).calls().iter().enumerate() {
                    if !call.in_async {
                        let callees = self.callees_of(&mut resolved, id, index);
                        self.reach(callees, &mut reached, &mut next);
                    }
                }
            }
            frontier = next;
        }
        (reached, resolved)
    }

    /// Marks the sync fns among `callees` as reached, the new ones for the next round.
    fn reach(&self, callees: &[FnId], reached: &mut [bool], next: &mut Vec<FnId>) {
        for &callee in callees {
            if !self.facts(callee).is_async && !reached[callee] {
                reached[callee] = true;
                next.push(callee);
            }
        }
    }

    /// The callees of call `index` of fn `id`, resolved once.
    fn callees_of<'r>(
        &self,
        resolved: &'r mut [ResolvedCalls],
        id: FnId,
        index: usize,
    ) -> &'r [FnId] {
        let calls = self.facts(id).calls();
        let slots = &mut resolved[id];
        if slots.len() < calls.len() {
            slots.resize(calls.len(), None);
        }
        slots[index].get_or_insert_with(|| self.resolver.callees(id, &calls[index]))
    }

    /// The callees of call `index` of fn `id`: as resolved before, or now.
    fn resolved_callees(&self, id: FnId, index: usize) -> Vec<FnId> {
        match self.resolved.get(id).and_then(|slots| slots.get(index)) {
            Some(Some(callees)) => callees.clone(),
            _ => self.resolver.callees(id, &self.facts(id).calls()[index]),
        }
    }

    /// Marks every sync fn async code reaches that blocks (or makes another inherited
    /// rule's call), with its shortest chain, rule by rule.
    ///
    /// Only among the `reached` fns: a chain from async code runs through those alone, and
    /// a fn no async code reaches only passes blocking on to fns no async code reaches
    /// either, so leaving them out changes no reached fn's chain (nor the order in which
    /// the search finds it).
    fn propagate(&mut self, reached: &[bool]) {
        let count = self.resolver.fn_count();
        let mut callers: Vec<Vec<(FnId, usize)>> = vec![Vec::new(); count];
        for id in (0..count).filter(|id| reached[*id]) {
            let facts = self.facts(id);
            if facts.is_async {
                continue;
            }
            for (index, call) in facts.calls().iter().enumerate() {
                if call.in_async {
                    continue;
                }
                for callee in self.resolved_callees(id, index) {
                    if !self.facts(callee).is_async && callee != id {
                        callers[callee].push((id, index));
                    }
                }
            }
        }
        self.carried = INHERITED
            .iter()
            .map(|rule| self.carry(rule, reached, &callers))
            .collect();
    }

    /// Why each reached sync fn makes `rule`'s call: its own, or through a callee's.
    fn carry(
        &self,
        rule: &Inherited,
        reached: &[bool],
        callers: &[Vec<(FnId, usize)>],
    ) -> Vec<Option<Why>> {
        let mut carried: Vec<Option<Why>> = vec![None; self.resolver.fn_count()];
        let mut queue = VecDeque::new();
        for (id, why) in carried.iter_mut().enumerate() {
            let facts = self.facts(id);
            if facts.is_async || !reached[id] {
                continue;
            }
            if let Some(call) = (rule.leaf)(facts) {
                *why = Some(Why::Direct(call.clone()));
                queue.push_back(id);
            }
        }
        while let Some(callee) = queue.pop_front() {
            for &(caller, call) in &callers[callee] {
                let facts = self.facts(caller);
                if carried[caller].is_none() && (rule.follows)(facts, &facts.calls()[call]) {
                    carried[caller] = Some(Why::Via { call, callee });
                    queue.push_back(caller);
                }
            }
        }
        carried
    }

    /// The reports of calls from async code into the crate's sync fns that block (or
    /// make another inherited rule's call), at the call, with the chain. `root` is what
    /// paths are printed relative to.
    pub(crate) fn reports(&self, root: &Path) -> Vec<Diagnostic> {
        let mut reports = Vec::new();
        for id in 0..self.resolver.fn_count() {
            let facts = self.facts(id);
            for (index, call) in facts.calls().iter().enumerate() {
                if !call.in_async {
                    continue;
                }
                let callees = self.resolved_callees(id, index);
                for (rule, carried) in INHERITED.iter().zip(&self.carried) {
                    if !(rule.follows)(facts, call) {
                        continue;
                    }
                    let found = callees.iter().copied().find(|callee| {
                        let facts = self.facts(*callee);
                        // An awaited call returns a future: a sync fn returning a plain
                        // value is not what it calls, whatever the names say.
                        !facts.is_async
                            && (!call.awaited || facts.returns_future)
                            && carried[*callee].is_some()
                    });
                    if let Some(callee) = found {
                        reports.push(self.report(rule, carried, call, callee, root));
                    }
                }
            }
        }
        reports
    }

    /// `rule`'s report of `call`, into `callee`, a sync fn that makes the rule's call:
    /// the chain down to that call, worded by the rule.
    fn report(
        &self,
        rule: &Inherited,
        carried: &[Option<Why>],
        call: &CallSite,
        callee: FnId,
        root: &Path,
    ) -> Diagnostic {
        let mut links = Vec::new();
        let mut current = callee;
        let leaf = loop {
            let facts = self.facts(current);
            match carried[current].as_ref() {
                Some(Why::Via { call, callee }) => {
                    links.push((facts.name.as_str(), &facts.calls()[*call].location));
                    current = *callee;
                }
                Some(Why::Direct(blocking)) => {
                    links.push((facts.name.as_str(), &blocking.location));
                    break blocking;
                }
                None => unreachable!("a fn on a chain blocks"),
            }
        };
        let chain = Chain { links, leaf };
        chain.report(rule.words, &call.written, call.location.clone(), root)
    }
}
