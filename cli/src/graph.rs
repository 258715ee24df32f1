//! The crate's call graph and the blocking it carries from sync helpers into async code.
//!
//! - **Modules**: one tree per crate root, built from the parsed files' scopes (`mod x;`
//!   files and inline `mod`s), so `crate::`, `super::`, `self::`, `use` items (renames,
//!   globs, `pub use` re-exports) and the other crates of the workspace resolve by name.
//! - **Calls**: a path call resolves to fns and associated fns; a method call to the
//!   methods of the receiver's type when syntax shows it, else to the one method of that
//!   name in the workspace if there is exactly one and the name is not a common std one.
//! - **Blocking**: a sync fn blocks when its own body makes a blocking call, or calls a
//!   sync fn that blocks (outside offload contexts, which [`crate::calls`] leaves out).
//!   Computed backwards from the direct ones, breadth first: each fn keeps its shortest
//!   chain, and recursion ends because each fn is marked once. Only the sync fns async
//!   code reaches can be on a chain: their bodies left unread by [`crate::collect`] are
//!   read first, following the calls from async contexts.
//!
//! It cannot see calls through trait objects, fn pointers or generics, nor code inside
//! macros whose input is not expressions, nor the sync code of dependencies.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;

use rayon::prelude::*;

use async_hygiene_analysis::blocking::Imports;

use crate::diagnostic::Diagnostic;
use crate::facts::{CallSite, Callee, FnFacts, TypeGuess};
use crate::rules::blocking::{self, BlockingCall, Chain};
use crate::sources::ParsedFile;

/// Method names of std types and traits: a call by one of these names on a receiver
/// whose type is out of sight is std's far more often than the crate's.
const STD_METHOD_NAMES: &[&str] = &[
    "accept",
    "all",
    "and_then",
    "any",
    "append",
    "as_bytes",
    "as_mut",
    "as_ptr",
    "as_ref",
    "as_slice",
    "as_str",
    "bind",
    "borrow",
    "borrow_mut",
    "bytes",
    "call",
    "capacity",
    "chain",
    "chars",
    "clear",
    "clone",
    "close",
    "cloned",
    "cmp",
    "collect",
    "connect",
    "contains",
    "contains_key",
    "copied",
    "count",
    "default",
    "deref",
    "deref_mut",
    "display",
    "drain",
    "drop",
    "ends_with",
    "entry",
    "enumerate",
    "eq",
    "err",
    "exists",
    "expect",
    "extend",
    "filter",
    "filter_map",
    "find",
    "first",
    "flat_map",
    "flatten",
    "flush",
    "fmt",
    "fold",
    "for_each",
    "from",
    "get",
    "get_mut",
    "get_or_insert",
    "handle",
    "hash",
    "insert",
    "into",
    "into_iter",
    "is_empty",
    "is_none",
    "is_some",
    "iter",
    "iter_mut",
    "join",
    "keys",
    "kind",
    "last",
    "len",
    "lines",
    "load",
    "lock",
    "map",
    "map_err",
    "max",
    "metadata",
    "min",
    "new",
    "next",
    "ok",
    "ok_or",
    "open",
    "parse",
    "partial_cmp",
    "peek",
    "poll",
    "pop",
    "position",
    "push",
    "push_str",
    "read",
    "read_line",
    "read_to_end",
    "read_to_string",
    "recv",
    "remove",
    "replace",
    "reserve",
    "reset",
    "retain",
    "rev",
    "run",
    "send",
    "set",
    "skip",
    "sort",
    "sort_by",
    "split",
    "spawn",
    "start",
    "starts_with",
    "step_by",
    "stop",
    "store",
    "sum",
    "swap",
    "take",
    "to_lowercase",
    "to_owned",
    "to_string",
    "to_uppercase",
    "to_vec",
    "trim",
    "truncate",
    "try_from",
    "try_into",
    "unwrap",
    "unwrap_or",
    "unwrap_or_default",
    "unwrap_or_else",
    "update",
    "values",
    "wait",
    "with",
    "write",
    "write_all",
    "zip",
];

type ModuleId = usize;
/// A fn of a crate root's module tree: the same file in two crate roots (a lib and a
/// bin that both declare `mod util;`) gives two nodes.
pub(crate) type FnId = usize;

#[derive(Debug)]
struct Module {
    target: usize,
    parent: Option<ModuleId>,
    file: usize,
    scope: usize,
    children: HashMap<String, ModuleId>,
    fns: HashMap<String, Vec<FnId>>,
    types: HashSet<String>,
}

#[derive(Debug)]
struct FnNode {
    file: usize,
    index: usize,
    module: ModuleId,
}

/// What a path names.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Resolved {
    Module(ModuleId),
    Fn(FnId),
    /// A type of a crate root's tree, by name.
    Type(usize, String),
}

/// A crate root: its file and the crates it sees by name (the workspace's libs).
#[derive(Debug)]
pub(crate) struct Root {
    pub(crate) file: usize,
    /// The lib crate name of this root's own package, when the root is not that lib.
    pub(crate) crate_name: String,
}

/// Why a sync fn blocks.
#[derive(Clone, Debug)]
enum Why {
    /// Its own body makes this call.
    Direct(BlockingCall),
    /// It calls a fn that blocks.
    Via { call: usize, callee: FnId },
}

pub(crate) struct CallGraph<'f> {
    files: &'f [ParsedFile],
    modules: Vec<Module>,
    nodes: Vec<FnNode>,
    roots: Vec<ModuleId>,
    /// Lib crate names → their root module.
    crates: HashMap<String, ModuleId>,
    methods: HashMap<(usize, String, String), Vec<FnId>>,
    /// Method name → the distinct `(file, index)` that define it.
    methods_by_name: HashMap<String, Vec<(usize, usize, FnId)>>,
    blocks: Vec<Option<Why>>,
    /// The callees of each fn's calls (by call index), as resolved when the fns async
    /// code reaches were searched: each call is resolved once.
    resolved: Vec<ResolvedCalls>,
    lookups: RefCell<HashMap<ModuleId, HashMap<String, Vec<Resolved>>>>,
    answering: RefCell<HashSet<(ModuleId, String)>>,
}

const MAX_DEPTH: usize = 12;

/// The callees of a fn's calls, by call index, for the calls resolved so far.
type ResolvedCalls = Vec<Option<Vec<FnId>>>;

impl<'f> CallGraph<'f> {
    /// Builds the module trees of `roots` (files of `files`, with the lib crate names
    /// they define) and computes which sync fns block.
    pub(crate) fn build(files: &'f [ParsedFile], roots: &[Root]) -> CallGraph<'f> {
        let mut graph = CallGraph {
            files,
            modules: Vec::new(),
            nodes: Vec::new(),
            roots: Vec::new(),
            crates: HashMap::new(),
            methods: HashMap::new(),
            methods_by_name: HashMap::new(),
            blocks: Vec::new(),
            resolved: Vec::new(),
            lookups: RefCell::new(HashMap::new()),
            answering: RefCell::new(HashSet::new()),
        };
        let by_path: HashMap<&Path, usize> = files
            .iter()
            .enumerate()
            .map(|(index, file)| (file.key.path.as_path(), index))
            .collect();
        for (target, root) in roots.iter().enumerate() {
            let mut visiting = HashSet::new();
            let module = graph.module(target, root.file, 0, None, &by_path, &mut visiting);
            graph.roots.push(module);
            if !root.crate_name.is_empty() {
                graph
                    .crates
                    .entry(root.crate_name.clone())
                    .or_insert(module);
            }
        }
        let (reached, resolved) = graph.read_reached_bodies();
        graph.resolved = resolved;
        graph.propagate(&reached);
        graph
    }

    /// Reads the deferred bodies of the sync fns that async code reaches, directly or
    /// through other sync fns, round by round (each round in parallel). The rest stay
    /// unread: a `blocking` chain starts at a call in an async context and only runs
    /// through these, so no report can pass through the others.
    ///
    /// Returns which fns are reached, and the callees of the calls it resolved.
    fn read_reached_bodies(&self) -> (Vec<bool>, Vec<ResolvedCalls>) {
        let mut reached = vec![false; self.nodes.len()];
        let mut resolved = vec![Vec::new(); self.nodes.len()];
        let mut frontier = Vec::new();
        for id in 0..self.nodes.len() {
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
                .map(|id| (self.nodes[*id].file, self.nodes[*id].index))
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
        slots[index].get_or_insert_with(|| self.callees(id, &calls[index]))
    }

    /// The callees of call `index` of fn `id`: as resolved before, or now.
    fn resolved_callees(&self, id: FnId, index: usize) -> Vec<FnId> {
        match self.resolved.get(id).and_then(|slots| slots.get(index)) {
            Some(Some(callees)) => callees.clone(),
            _ => self.callees(id, &self.facts(id).calls()[index]),
        }
    }

    fn module(
        &mut self,
        target: usize,
        file: usize,
        scope: usize,
        parent: Option<ModuleId>,
        by_path: &HashMap<&Path, usize>,
        visiting: &mut HashSet<(usize, usize)>,
    ) -> ModuleId {
        let id = self.modules.len();
        let facts = &self.files[file].facts;
        self.modules.push(Module {
            target,
            parent,
            file,
            scope,
            children: HashMap::new(),
            fns: HashMap::new(),
            types: HashSet::new(),
        });
        // A `#[path]` cycle would otherwise recurse forever.
        if !visiting.insert((file, scope)) {
            return id;
        }
        let Some(this) = facts.scopes.get(scope) else {
            return id;
        };
        self.modules[id].types = this.types.iter().cloned().collect();
        for (index, function) in facts.fns.iter().enumerate() {
            if function.scope != scope {
                continue;
            }
            let node = self.nodes.len();
            self.nodes.push(FnNode {
                file,
                index,
                module: id,
            });
            match &function.self_type {
                None => self.modules[id]
                    .fns
                    .entry(function.name.clone())
                    .or_default()
                    .push(node),
                Some(self_type) => {
                    self.methods
                        .entry((target, self_type.clone(), function.name.clone()))
                        .or_default()
                        .push(node);
                    self.methods_by_name
                        .entry(function.name.clone())
                        .or_default()
                        .push((file, index, node));
                }
            }
        }
        let inline: Vec<(String, usize)> = facts
            .scopes
            .iter()
            .enumerate()
            .filter(|(_, child)| {
                child.inline_path.len() == this.inline_path.len() + 1
                    && child.inline_path.starts_with(&this.inline_path)
            })
            .filter_map(|(index, child)| Some((child.inline_path.last()?.clone(), index)))
            .collect();
        let child_files: Vec<(String, usize)> = this
            .child_files
            .iter()
            .filter_map(|(name, key)| {
                Some((name.clone(), *by_path.get(key.as_ref()?.path.as_path())?))
            })
            .collect();
        for (name, child_scope) in inline {
            let child = self.module(target, file, child_scope, Some(id), by_path, visiting);
            self.modules[id].children.insert(name, child);
        }
        for (name, child_file) in child_files {
            let child = self.module(target, child_file, 0, Some(id), by_path, visiting);
            self.modules[id].children.insert(name, child);
        }
        visiting.remove(&(file, scope));
        id
    }

    fn facts(&self, id: FnId) -> &'f FnFacts {
        let node = &self.nodes[id];
        &self.files[node.file].facts.fns[node.index]
    }

    fn uses(&self, module: ModuleId) -> Option<&'f Imports> {
        let module = &self.modules[module];
        self.files[module.file]
            .facts
            .scopes
            .get(module.scope)
            .map(|scope| &*scope.uses)
    }

    /// A name as seen from inside `module`: its items, then its `use`s, then its globs.
    /// Memoized: globs and re-exports (`use super::*`, `pub use self::x::*`) make the
    /// same question come back many times, and cycles are cut by answering nothing
    /// while a question is being answered.
    fn lookup(&self, module: ModuleId, name: &str, depth: usize) -> Vec<Resolved> {
        if let Some(known) = self
            .lookups
            .borrow()
            .get(&module)
            .and_then(|names| names.get(name))
        {
            return known.clone();
        }
        let key = (module, name.to_owned());
        if !self.answering.borrow_mut().insert(key.clone()) {
            return Vec::new();
        }
        let found = self.lookup_uncached(module, name, depth);
        self.answering.borrow_mut().remove(&key);
        self.lookups
            .borrow_mut()
            .entry(module)
            .or_default()
            .insert(key.1, found.clone());
        found
    }

    fn lookup_uncached(&self, module: ModuleId, name: &str, depth: usize) -> Vec<Resolved> {
        let this = &self.modules[module];
        let mut found = Vec::new();
        if let Some(child) = this.children.get(name) {
            found.push(Resolved::Module(*child));
        }
        if let Some(fns) = this.fns.get(name) {
            found.extend(fns.iter().map(|id| Resolved::Fn(*id)));
        }
        if this.types.contains(name) {
            found.push(Resolved::Type(this.target, name.to_owned()));
        }
        if !found.is_empty() || depth > MAX_DEPTH {
            return found;
        }
        let Some(uses) = self.uses(module) else {
            return found;
        };
        self.through_imports(module, uses, name, depth)
    }

    /// A name through the `use` items of a scope: what it renames, or else what each
    /// glob import brings under that name (the shared [`Imports`] reads the items).
    fn through_imports(
        &self,
        module: ModuleId,
        uses: &Imports,
        name: &str,
        depth: usize,
    ) -> Vec<Resolved> {
        let ident = match name.strip_prefix("r#") {
            Some(raw) => proc_macro2::Ident::new_raw(raw, proc_macro2::Span::call_site()),
            None => proc_macro2::Ident::new(name, proc_macro2::Span::call_site()),
        };
        let candidates = uses.resolve(&syn::Path::from(ident));
        let mut found = Vec::new();
        for candidate in candidates {
            // The name as written resolves in this module already (looked up first).
            if candidate.len() == 1 {
                continue;
            }
            // `self::name` is the scope's own item, looked up already.
            if candidate.len() == 2 && candidate[0] == "self" && candidate[1] == name {
                continue;
            }
            found.extend(self.resolve_use(module, &candidate, depth + 1));
            if !found.is_empty() {
                break;
            }
        }
        found
    }

    /// A `use` path: relative to the module (2018 uniform paths), a crate name, or from
    /// the crate root (2015).
    fn resolve_use(&self, module: ModuleId, path: &[String], depth: usize) -> Vec<Resolved> {
        let found = self.resolve_path(module, path, None, None, depth);
        if !found.is_empty() {
            return found;
        }
        let root = self.roots[self.modules[module].target];
        if root == module {
            return found;
        }
        self.resolve_path(root, path, None, None, depth)
    }

    /// A path as written in `module`, inside an impl of `self_type`, with the fn
    /// body's own `use` items.
    fn resolve_path(
        &self,
        module: ModuleId,
        path: &[String],
        self_type: Option<&str>,
        local: Option<&Imports>,
        depth: usize,
    ) -> Vec<Resolved> {
        let Some((first, rest)) = path.split_first() else {
            return Vec::new();
        };
        let target = self.modules[module].target;
        let mut current = match first.as_str() {
            // `::name`: a crate.
            "" => {
                let Some((name, tail)) = rest.split_first() else {
                    return Vec::new();
                };
                return match self.crates.get(name) {
                    Some(root) => self.members(vec![Resolved::Module(*root)], tail, depth),
                    None => Vec::new(),
                };
            }
            "crate" => vec![Resolved::Module(self.roots[target])],
            "self" => vec![Resolved::Module(module)],
            "super" => self.modules[module]
                .parent
                .map(Resolved::Module)
                .into_iter()
                .collect(),
            "Self" => self_type
                .map(|name| Resolved::Type(target, name.to_owned()))
                .into_iter()
                .collect(),
            name => {
                let mut found = Vec::new();
                if let Some(local) = local {
                    found = self.through_imports(module, local, name, depth);
                }
                if found.is_empty() {
                    found = self.lookup(module, name, depth);
                }
                if found.is_empty() {
                    if let Some(root) = self.crates.get(name) {
                        found.push(Resolved::Module(*root));
                    }
                }
                found
            }
        };
        current = self.members(current, rest, depth);
        current
    }

    fn members(&self, mut current: Vec<Resolved>, rest: &[String], depth: usize) -> Vec<Resolved> {
        for segment in rest {
            current = current
                .into_iter()
                .flat_map(|resolved| match resolved {
                    Resolved::Module(module) => self.lookup(module, segment, depth),
                    Resolved::Type(target, name) => self
                        .methods
                        .get(&(target, name, segment.clone()))
                        .map(|ids| ids.iter().map(|id| Resolved::Fn(*id)).collect())
                        .unwrap_or_default(),
                    Resolved::Fn(_) => Vec::new(),
                })
                .collect();
        }
        current
    }

    /// The crate fns a call site may call.
    fn callees(&self, caller: FnId, call: &CallSite) -> Vec<FnId> {
        let node = &self.nodes[caller];
        let facts = self.facts(caller);
        let self_type = facts.self_type.as_deref();
        let module = node.module;
        let fns = |resolved: Vec<Resolved>| -> Vec<FnId> {
            resolved
                .into_iter()
                .filter_map(|resolved| match resolved {
                    Resolved::Fn(id) => Some(id),
                    _ => None,
                })
                .collect()
        };
        match &call.callee {
            Callee::Path(path) => fns(self.resolve_path(module, path, self_type, facts.uses(), 0)),
            Callee::Method { name, receiver } => {
                let types = match receiver {
                    Some(TypeGuess::Foreign) => return Vec::new(),
                    Some(TypeGuess::Named(path)) => {
                        self.resolve_path(module, path, self_type, facts.uses(), 0)
                    }
                    Some(TypeGuess::ReturnOf(path)) => {
                        self.return_types(module, path, self_type, facts.uses())
                    }
                    None => return self.method_by_name(name),
                };
                fns(self.members(
                    types
                        .into_iter()
                        .filter(|resolved| matches!(resolved, Resolved::Type(..)))
                        .collect(),
                    std::slice::from_ref(name),
                    0,
                ))
            }
        }
    }

    /// The types a call of `path` returns: its fns' declared return types (`Self` is
    /// their impl's type), or `T` for a `T::new(..)` the crate does not define.
    fn return_types(
        &self,
        module: ModuleId,
        path: &[String],
        self_type: Option<&str>,
        local: Option<&Imports>,
    ) -> Vec<Resolved> {
        let resolved = self.resolve_path(module, path, self_type, local, 0);
        let mut types = Vec::new();
        for target in &resolved {
            let Resolved::Fn(id) = target else { continue };
            let callee = self.facts(*id);
            let Some(returns) = &callee.returns else {
                continue;
            };
            let callee_module = self.nodes[*id].module;
            types.extend(self.resolve_path(
                callee_module,
                returns,
                callee.self_type.as_deref(),
                None,
                0,
            ));
        }
        if resolved.is_empty() && path.last().is_some_and(|last| last == "new") {
            types = self.resolve_path(module, &path[..path.len() - 1], self_type, local, 0);
        }
        types
    }

    /// A method whose receiver's type is out of sight: the crate's one method of that
    /// name, unless the name is also a common std method.
    fn method_by_name(&self, name: &str) -> Vec<FnId> {
        if STD_METHOD_NAMES.contains(&name) {
            return Vec::new();
        }
        let Some(defined) = self.methods_by_name.get(name) else {
            return Vec::new();
        };
        let distinct: HashSet<(usize, usize)> = defined
            .iter()
            .map(|(file, index, _)| (*file, *index))
            .collect();
        if distinct.len() == 1 {
            defined.first().map(|(_, _, id)| *id).into_iter().collect()
        } else {
            Vec::new()
        }
    }

    /// Marks every sync fn async code reaches that blocks, with its shortest chain.
    ///
    /// Only among the `reached` fns: a chain from async code runs through those alone, and
    /// a fn no async code reaches only passes blocking on to fns no async code reaches
    /// either, so leaving them out changes no reached fn's chain (nor the order in which
    /// the search finds it).
    fn propagate(&mut self, reached: &[bool]) {
        let count = self.nodes.len();
        let mut blocks: Vec<Option<Why>> = vec![None; count];
        let mut callers: Vec<Vec<(FnId, usize)>> = vec![Vec::new(); count];
        let mut queue = VecDeque::new();
        for (id, why) in blocks.iter_mut().enumerate() {
            let facts = self.facts(id);
            if facts.is_async || !reached[id] {
                continue;
            }
            if let Some(call) = facts.blocking() {
                *why = Some(Why::Direct(call.clone()));
                queue.push_back(id);
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
        while let Some(callee) = queue.pop_front() {
            for &(caller, call) in &callers[callee] {
                if blocks[caller].is_none() {
                    blocks[caller] = Some(Why::Via { call, callee });
                    queue.push_back(caller);
                }
            }
        }
        self.blocks = blocks;
    }

    /// The `blocking` reports of calls from async code into the crate's blocking sync
    /// fns, at the call, with the chain. `root` is what paths are printed relative to.
    pub(crate) fn reports(&self, root: &Path) -> Vec<Diagnostic> {
        let mut reports = Vec::new();
        for id in 0..self.nodes.len() {
            let facts = self.facts(id);
            for (index, call) in facts.calls().iter().enumerate() {
                if !call.in_async {
                    continue;
                }
                let blocking = self.resolved_callees(id, index).into_iter().find(|callee| {
                    let facts = self.facts(*callee);
                    // An awaited call returns a future: a sync fn returning a plain value
                    // is not what it calls, whatever the names say.
                    !facts.is_async
                        && (!call.awaited || facts.returns_future)
                        && self.blocks[*callee].is_some()
                });
                if let Some(callee) = blocking {
                    reports.push(self.report(call, callee, root));
                }
            }
        }
        reports
    }

    /// The `blocking` report of `call`, into `callee`, a sync fn that blocks: the chain
    /// down to the blocking call, worded by the rule.
    fn report(&self, call: &CallSite, callee: FnId, root: &Path) -> Diagnostic {
        let mut links = Vec::new();
        let mut current = callee;
        let leaf = loop {
            let facts = self.facts(current);
            match self.blocks[current].as_ref() {
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
        blocking::through_sync_fns(&call.written, call.location.clone(), &chain, root)
    }
}
