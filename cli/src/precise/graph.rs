//! One call graph over the MIR of every crate compiled: calls resolved to bodies (within
//! a crate by def path, across crates by the printed path or a re-export of it, trait
//! and inherent methods through their impl's syntax), closures made in a fn counted as
//! called from it unless handed to an offload context, and the bodies of a dependency's
//! async fns reached through the futures that poll them. Leaves are [`super::leaves`].

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::cache;
use super::leaves::{self, Leaf};
use super::mir::{self, Body, Kind, Span};
use super::paths::{type_path, Callee};
use super::policy::Policy;

/// One compiled crate.
pub(crate) struct Crate {
    /// `glob`, `precise_fixture`.
    pub(crate) name: String,
    /// Where rustc ran: relative spans are relative to it.
    pub(crate) cwd: PathBuf,
    /// A package the user asked to check (cargo's `CARGO_PRIMARY_PACKAGE`).
    pub(crate) primary: bool,
    /// Its package's version and features, as cargo gave them to rustc.
    pub(crate) package: String,
    /// Its MIR text, read when a call first leads into the crate.
    pub(crate) mir: PathBuf,
    loaded: OnceCell<Loaded>,
}

impl Crate {
    pub(crate) fn new(
        name: String,
        cwd: PathBuf,
        primary: bool,
        package: String,
        mir: PathBuf,
    ) -> Crate {
        Crate {
            name,
            cwd,
            primary,
            package,
            mir,
            loaded: OnceCell::new(),
        }
    }

    /// The error for a MIR text this reader does not know.
    fn unrecognised(&self, unrecognised: &mir::Unrecognised) -> String {
        format!(
            "{}:{}: this MIR text is not in the format precise mode reads ({}); it was \
             written by {}: run without `--precise`, or with the toolchain the checker \
             supports",
            self.mir.display(),
            unrecognised.line,
            unrecognised.what,
            super::wrapper::rustc_version(),
        )
    }
}

/// A crate's fns (bodies read on first use) and their index.
#[derive(Default)]
struct Loaded {
    headers: Vec<Body>,
    /// The MIR text and each body's lines: read at once, or for a dependency whose
    /// cache was used, when a body the cache does not hold is needed.
    source: OnceCell<Option<(String, Vec<std::ops::Range<usize>>)>>,
    bodies: Vec<OnceCell<Body>>,
    index: Index,
    /// A dependency's identity, under which its cache is kept.
    identity: Option<serde_json::Value>,
}

/// An impl's self type and trait, by their last names, and its methods.
struct Impl {
    /// The module path before `<impl at ..>`: `fs::file`.
    module: Vec<String>,
    self_name: String,
    trait_name: Option<String>,
    methods: HashMap<String, usize>,
}

#[derive(Default)]
struct Index {
    by_name: HashMap<String, usize>,
    /// The plain fns (no impl, no closure) by their last segment: re-exports are found
    /// among these.
    by_last: HashMap<String, Vec<usize>>,
    closures: HashMap<String, usize>,
    impls: Vec<Impl>,
    /// The first segment of every body's path: the crate's top-level modules and items.
    modules: HashSet<String>,
}

/// A body: crate, body.
pub(crate) type Node = (usize, usize);

/// Where a call leads.
#[derive(Clone, Debug)]
enum Step {
    Leaf(Leaf),
    Nodes(Vec<Node>),
}

/// What a call is, before its callee's body is looked at.
enum Class {
    /// Allowed by the policy: not followed.
    Allowed,
    /// Its closures run off the executor.
    Offload,
    Leaf(Leaf),
    Follow,
}

/// Why a body blocks: its call (by index, or none for a closure or polled body it
/// reaches) leads to a leaf or to another body that blocks.
#[derive(Clone, Debug)]
pub(crate) enum Why {
    Direct { call: usize, leaf: Leaf },
    Via { call: Option<usize>, next: Node },
}

pub(crate) struct Graph {
    pub(crate) crates: Vec<Crate>,
    by_crate: HashMap<String, Vec<usize>>,
    sources: RefCell<Sources>,
    /// The first MIR text that could not be read: the run fails with it.
    error: RefCell<Option<String>>,
    policy: Policy,
    memo: HashMap<Node, Option<Why>>,
    offloaders: HashMap<Node, bool>,
    /// `rustc -vV`, for dependencies' cache identities.
    rustc: OnceCell<String>,
    /// The dependencies whose MIR text was read, and how many came from their cache.
    mir_read: RefCell<Vec<String>>,
    from_cache: Cell<usize>,
}

impl Graph {
    pub(crate) fn new(crates: Vec<Crate>, policy: Policy) -> Graph {
        let mut by_crate: HashMap<String, Vec<usize>> = HashMap::new();
        for (at, krate) in crates.iter().enumerate() {
            by_crate.entry(krate.name.clone()).or_default().push(at);
        }
        Graph {
            crates,
            by_crate,
            sources: RefCell::default(),
            error: RefCell::default(),
            policy,
            memo: HashMap::new(),
            offloaders: HashMap::new(),
            rustc: OnceCell::new(),
            mir_read: RefCell::default(),
            from_cache: Cell::new(0),
        }
    }

    /// A crate's fns and index, read on first use: a dependency's from its cache when
    /// the cache is of the same crate, else from its MIR.
    fn loaded(&self, at: usize) -> &Loaded {
        let krate = &self.crates[at];
        krate.loaded.get_or_init(|| {
            let identity = if krate.primary {
                None
            } else {
                let rustc = self.rustc.get_or_init(super::wrapper::rustc_version);
                cache::identity(&krate.mir, &krate.name, &krate.package, rustc)
            };
            if let Some((headers, bodies)) = identity
                .as_ref()
                .and_then(|identity| cache::read(&krate.mir, identity))
            {
                self.from_cache.set(self.from_cache.get() + 1);
                let index = index(
                    krate,
                    &headers.iter().collect::<Vec<_>>(),
                    &mut self.sources.borrow_mut(),
                );
                return Loaded {
                    headers,
                    source: OnceCell::new(),
                    bodies: bodies
                        .into_iter()
                        .map(|body| body.map_or_else(OnceCell::new, OnceCell::from))
                        .collect(),
                    index,
                    identity,
                };
            }
            let Some((text, items)) = self.read_mir(at) else {
                return Loaded::default();
            };
            let (headers, lines): (Vec<Body>, Vec<_>) = items
                .into_iter()
                .map(|item| (item.header, item.lines))
                .unzip();
            let index = index(
                krate,
                &headers.iter().collect::<Vec<_>>(),
                &mut self.sources.borrow_mut(),
            );
            Loaded {
                bodies: headers.iter().map(|_| OnceCell::new()).collect(),
                headers,
                source: OnceCell::from(Some((text, lines))),
                index,
                identity,
            }
        })
    }

    /// A crate's MIR text and its fns; `None` (the run's error set) when it cannot be
    /// read.
    fn read_mir(&self, at: usize) -> Option<(String, Vec<mir::Item>)> {
        let krate = &self.crates[at];
        if !krate.primary {
            self.mir_read.borrow_mut().push(krate.name.clone());
        }
        let outlined = std::fs::read_to_string(&krate.mir)
            .map_err(|error| format!("{}: {error}", krate.mir.display()))
            .and_then(|text| {
                let items = mir::outline(&text)
                    .map_err(|unrecognised| krate.unrecognised(&unrecognised))?;
                Ok((text, items))
            });
        outlined
            .map_err(|error| {
                self.error.borrow_mut().get_or_insert(error);
            })
            .ok()
    }

    /// Writes the cache of each dependency whose MIR this run read.
    pub(crate) fn write_caches(&self) {
        for krate in &self.crates {
            let Some(loaded) = krate.loaded.get() else {
                continue;
            };
            if let (Some(identity), Some(Some(_))) = (&loaded.identity, loaded.source.get()) {
                let bodies: Vec<Option<&Body>> = loaded.bodies.iter().map(OnceCell::get).collect();
                cache::write(&krate.mir, identity, &loaded.headers, &bodies);
            }
        }
    }

    /// The dependencies whose MIR was read, and how many were read from their cache.
    pub(crate) fn reads(&self) -> (Vec<String>, usize) {
        let mut read = self.mir_read.borrow().clone();
        read.sort();
        (read, self.from_cache.get())
    }

    /// The `rustc -vV` that wrote the MIR, when known before a cache is looked at
    /// (otherwise `rustc -vV` is run).
    pub(crate) fn set_rustc(&self, version: String) {
        let _ = self.rustc.set(version);
    }

    /// The first MIR text that could not be read.
    pub(crate) fn error(&self) -> Option<String> {
        self.error.borrow().clone()
    }

    /// A crate's fns: names, kinds and first parameters, no calls.
    pub(crate) fn headers(&self, krate: usize) -> impl Iterator<Item = &Body> {
        self.loaded(krate).headers.iter()
    }

    /// A fn's name, kind and first parameter, without reading its body.
    pub(crate) fn header(&self, node: Node) -> &Body {
        &self.loaded(node.0).headers[node.1]
    }

    fn index_of(&self, krate: usize) -> &Index {
        &self.loaded(krate).index
    }

    /// A fn's body, read on first use.
    pub(crate) fn body(&self, node: Node) -> &Body {
        let loaded = self.loaded(node.0);
        loaded.bodies[node.1].get_or_init(|| {
            let header = &loaded.headers[node.1];
            let source = loaded.source.get_or_init(|| {
                let (text, items) = self.read_mir(node.0)?;
                let same = items.len() == loaded.headers.len()
                    && items
                        .iter()
                        .zip(&loaded.headers)
                        .all(|(item, header)| item.header == *header);
                if !same {
                    let mir = &self.crates[node.0].mir;
                    self.error.borrow_mut().get_or_insert(format!(
                        "{} changed after precise mode read it: run again",
                        mir.display()
                    ));
                    return None;
                }
                Some((text, items.into_iter().map(|item| item.lines).collect()))
            });
            let Some((text, lines)) = source else {
                return header.clone();
            };
            mir::read_body(text, header, lines[node.1].clone()).unwrap_or_else(|unrecognised| {
                let error = self.crates[node.0].unrecognised(&unrecognised);
                self.error.borrow_mut().get_or_insert(error);
                header.clone()
            })
        })
    }

    /// The bodies a call of `callee` from crate `from` runs.
    fn resolve(&self, from: usize, callee: &Callee) -> Vec<Node> {
        match callee {
            Callee::Path(segments) => {
                let mut places: Vec<(usize, &[String])> = Vec::new();
                match segments.first() {
                    Some(first)
                        if segments.len() > 1
                            && *first != self.crates[from].name
                            && self.by_crate.contains_key(first) =>
                    {
                        places.extend(self.by_crate[first].iter().map(|at| (*at, &segments[1..])));
                        // rustc prints the caller's own paths without its crate's name: a
                        // module of the caller's named like another crate of the graph (a
                        // bin's `mod args;` beside an integration test `tests/args.rs`) is
                        // the caller's as much as that crate's.
                        if self.index_of(from).modules.contains(first) {
                            places.push((from, &segments[..]));
                        }
                    }
                    _ => places.push((from, &segments[..])),
                }
                let mut found = Vec::new();
                for (krate, rest) in places {
                    if leaves::REACTORS.contains(&self.crates[krate].name.as_str()) {
                        continue;
                    }
                    found.extend(self.by_path(krate, rest).map(|body| (krate, body)));
                    if let [.., ty, method] = rest {
                        for imp in &self.index_of(krate).impls {
                            if imp.trait_name.is_none() && imp.self_name == *ty {
                                if let Some(body) = imp.methods.get(method) {
                                    if within(&imp.module, &rest[..rest.len() - 2]) {
                                        found.push((krate, *body));
                                    }
                                }
                            }
                        }
                    }
                }
                found
            }
            Callee::Qualified {
                self_ty,
                trait_path,
                method,
            } => self.trait_method(from, self_ty, trait_path, method),
        }
    }

    /// A def path in a crate, or (across crates) a re-export of one: the printed
    /// segments in order within the def path, ending with its name; the shortest wins.
    fn by_path(&self, krate: usize, segments: &[String]) -> Option<usize> {
        let index = &self.index_of(krate);
        let joined = segments.join("::");
        if let Some(body) = index.by_name.get(&joined) {
            return Some(*body);
        }
        let last = segments.last()?;
        index
            .by_last
            .get(last)?
            .iter()
            .filter_map(|body| {
                let name = &self.header((krate, *body)).name;
                let parts: Vec<&str> = name.split("::").collect();
                subsequence(&segments[..segments.len() - 1], &parts[..parts.len() - 1])
                    .then_some((name, *body))
            })
            .min_by_key(|(name, _)| (name.len(), *name))
            .map(|(_, body)| body)
    }

    /// `<T as Trait>::method`: the impl in the crate of `T` or of `Trait` (or this one),
    /// or for an iterator's provided method, its `next`.
    fn trait_method(
        &self,
        from: usize,
        self_ty: &str,
        trait_path: &[String],
        method: &str,
    ) -> Vec<Node> {
        let trait_name = trait_path.last().cloned().unwrap_or_default();
        let bare = self_ty.trim_start_matches(['&', ' ']);
        if bare
            .strip_prefix("mut ")
            .unwrap_or(bare)
            .starts_with("dyn ")
        {
            return self.dyn_method(from, trait_path, &trait_name, method);
        }
        let Some((mut path, mut args)) = type_path(self_ty) else {
            return Vec::new();
        };
        let iterator = trait_path.join("::") == "std::iter::Iterator";
        // Iterating an adapter iterates what it adapts.
        while iterator && leaves::ADAPTERS.contains(&path.join("::").as_str()) {
            let Some(inner) = args.first().and_then(|inner| type_path(inner)) else {
                return Vec::new();
            };
            (path, args) = inner;
        }
        let Some(self_name) = path.last().cloned() else {
            return Vec::new();
        };
        // The orphan rule: an impl of another crate's trait for another crate's type
        // (`<std::slice::Iter<'_, u8> as std::iter::Iterator>`) is never the caller's,
        // whatever the caller's own types are called.
        let orphan = self.foreign(from, &path) && self.foreign(from, trait_path);
        let mut found = Vec::new();
        for krate in self.impl_crates(from, [path.first(), trait_path.first()], false) {
            let local = krate == from;
            if local && orphan {
                continue;
            }
            for imp in &self.index_of(krate).impls {
                if imp.self_name != self_name || imp.trait_name.as_deref() != Some(&*trait_name) {
                    continue;
                }
                let module = if local || path.len() < 2 {
                    &path[..0]
                } else {
                    &path[1..path.len() - 1]
                };
                if !within(&imp.module, module) {
                    continue;
                }
                let wanted = if iterator && leaves::CONSUMING.contains(&method) {
                    imp.methods.get(method).or_else(|| imp.methods.get("next"))
                } else {
                    imp.methods.get(method)
                };
                found.extend(wanted.map(|body| (krate, *body)));
            }
        }
        found
    }

    /// Whether a path as printed in crate `from` names another crate's item: it starts
    /// with `std`, `core`, `alloc` or another crate of the graph that is not also one of
    /// `from`'s own modules.
    fn foreign(&self, from: usize, path: &[String]) -> bool {
        let [first, _, ..] = path else {
            return false;
        };
        *first != self.crates[from].name
            && (matches!(first.as_str(), "std" | "core" | "alloc")
                || self.by_crate.contains_key(first))
            && !self.index_of(from).modules.contains(first)
    }

    /// The crates an impl may be in: the caller's, those that `firsts` (the first
    /// segments of the type's and the trait's paths) name, with `primary` the packages
    /// checked; never a reactor.
    fn impl_crates<'a>(
        &self,
        from: usize,
        firsts: impl IntoIterator<Item = Option<&'a String>>,
        primary: bool,
    ) -> Vec<usize> {
        let mut crates = vec![from];
        for first in firsts.into_iter().flatten() {
            crates.extend(self.by_crate.get(first).into_iter().flatten());
        }
        if primary {
            crates.extend((0..self.crates.len()).filter(|krate| self.crates[*krate].primary));
        }
        crates.sort_unstable();
        crates.dedup();
        crates.retain(|krate| !leaves::REACTORS.contains(&self.crates[*krate].name.as_str()));
        crates
    }

    /// `<dyn Trait as Trait>::method`: the method of every impl of the trait in the
    /// trait's crate, the caller's and the packages checked (the chain says which one
    /// blocks); in a dependency, of the packages checked only.
    fn dyn_method(
        &self,
        from: usize,
        trait_path: &[String],
        trait_name: &str,
        method: &str,
    ) -> Vec<Node> {
        let mut found = Vec::new();
        let mut crates = self.impl_crates(from, [trait_path.first()], true);
        // Inside a dependency, the implementation its trait object holds is chosen by
        // configuration the graph does not see (rustls's `dyn KeyLog` is a `NoKeyLog`
        // unless the user sets a `KeyLogFile`): there only the user's own
        // implementations, which the user's code hands in, are followed.
        if !self.crates[from].primary {
            crates.retain(|krate| self.crates[*krate].primary);
        }
        for krate in crates {
            for imp in &self.index_of(krate).impls {
                if imp.trait_name.as_deref() == Some(trait_name) {
                    found.extend(imp.methods.get(method).map(|body| (krate, *body)));
                }
            }
        }
        found
    }

    /// Whether `node` hands a closure it was given to an offload context: it calls
    /// one with a type parameter (`spawn_blocking::<F, R>`), directly or through a fn
    /// that does (tokio's `asyncify`).
    fn offloader(&mut self, node: Node, depth: usize) -> bool {
        if let Some(known) = self.offloaders.get(&node) {
            return *known;
        }
        self.offloaders.insert(node, false);
        let crate_name = self.crates[node.0].name.clone();
        // An async fn offloads in its body.
        let async_body = format!("{}::{{closure#0}}", self.header(node).name);
        let async_body = self
            .index_of(node.0)
            .by_name
            .get(&async_body)
            .map(|body| self.body((node.0, *body)));
        let calls: Vec<(Callee, bool)> = self
            .body(node)
            .calls
            .iter()
            .chain(async_body.into_iter().flat_map(|body| &body.calls))
            .filter_map(|call| {
                let generic = call.callee.split_once("::<").is_some_and(|(_, args)| {
                    let first = args.split([',', '>']).next().unwrap_or("").trim();
                    first.starts_with(|c: char| c.is_ascii_uppercase()) && !first.contains("::")
                        || first.starts_with("impl ")
                });
                Some((Callee::parse(&call.callee)?, generic))
            })
            .collect();
        let mut offloads = false;
        for (callee, generic) in calls {
            if !generic {
                continue;
            }
            if leaves::offloads(&crate_name, &callee) {
                offloads = true;
                break;
            }
            if depth < 4 {
                for next in self.resolve(node.0, &callee) {
                    if self.offloader(next, depth + 1) {
                        offloads = true;
                    }
                }
                if offloads {
                    break;
                }
            }
        }
        self.offloaders.insert(node, offloads);
        offloads
    }

    /// What a call of `callee` from crate `krate` is.
    fn classify(&self, krate: usize, callee: &Callee, args: &str) -> Class {
        if self.policy.allows(callee) {
            return Class::Allowed;
        }
        if leaves::offloads(&self.crates[krate].name, callee) || self.policy.offloads(callee) {
            return Class::Offload;
        }
        match self
            .policy
            .denies(callee)
            .or_else(|| leaves::leaf(callee, args))
        {
            Some(leaf) => Class::Leaf(leaf),
            None => Class::Follow,
        }
    }

    /// Where each call of `node` leads, and the closures and async bodies it runs.
    fn steps(&mut self, node: Node) -> Vec<(Option<usize>, Step)> {
        let body = self.body(node).clone();
        let mut steps = Vec::new();
        let mut handed_off: Vec<String> = Vec::new();
        for (at, call) in body.calls.iter().enumerate() {
            let Some(callee) = Callee::parse(&call.callee) else {
                continue;
            };
            match self.classify(node.0, &callee, &call.args) {
                Class::Allowed => continue,
                Class::Offload => {
                    handed_off.extend(body.call_closures[at].iter().cloned());
                    continue;
                }
                Class::Leaf(leaf) => {
                    if !leaf.user_only || self.crates[node.0].primary {
                        steps.push((Some(at), Step::Leaf(leaf)));
                    }
                    continue;
                }
                Class::Follow => {}
            }
            let targets = self.resolve(node.0, &callee);
            if !body.call_closures[at].is_empty()
                && targets.iter().any(|target| self.offloader(*target, 0))
            {
                handed_off.extend(body.call_closures[at].iter().cloned());
                continue;
            }
            if !targets.is_empty() {
                steps.push((Some(at), Step::Nodes(targets)));
            }
        }
        let index = &self.index_of(node.0);
        let closures: Vec<Node> = body
            .closures
            .iter()
            .filter(|closure| !handed_off.contains(closure))
            .filter_map(|closure| index.closures.get(closure))
            .map(|body| (node.0, *body))
            .collect();
        if !closures.is_empty() {
            steps.push((None, Step::Nodes(closures)));
        }
        for polled in &body.polled {
            let Some(Callee::Path(segments)) = Callee::parse(polled) else {
                continue;
            };
            let mut targets = Vec::new();
            for (krate, fn_body) in self.resolve(node.0, &Callee::Path(segments)) {
                // The user's own async fns are roots of their own.
                if self.crates[krate].primary {
                    continue;
                }
                let name = format!("{}::{{closure#0}}", self.header((krate, fn_body)).name);
                if let Some(async_body) = self.index_of(krate).by_name.get(&name) {
                    targets.push((krate, *async_body));
                }
            }
            if !targets.is_empty() {
                steps.push((None, Step::Nodes(targets)));
            }
        }
        steps
    }

    /// Why `node` blocks, if it does.
    pub(crate) fn blocks(&mut self, node: Node) -> Option<Why> {
        if let Some(known) = self.memo.get(&node) {
            return known.clone();
        }
        // A cycle in progress blocks only through another of its calls.
        self.memo.insert(node, None);
        let mut why = None;
        for (call, step) in self.steps(node) {
            match step {
                Step::Leaf(leaf) => {
                    why = Some(Why::Direct {
                        call: call.unwrap_or(0),
                        leaf,
                    });
                }
                Step::Nodes(targets) => {
                    for target in targets {
                        if self.blocks(target).is_some() {
                            why = Some(Why::Via { call, next: target });
                            break;
                        }
                    }
                }
            }
            if why.is_some() {
                break;
            }
        }
        self.memo.insert(node, why.clone());
        why
    }

    /// The steps of one call site, for a report at it.
    pub(crate) fn call_blocks(&mut self, node: Node, call: usize) -> Option<Why> {
        let site = self.body(node).calls[call].clone();
        let callee = Callee::parse(&site.callee)?;
        match self.classify(node.0, &callee, &site.args) {
            Class::Allowed | Class::Offload => return None,
            Class::Leaf(leaf) => return Some(Why::Direct { call, leaf }),
            Class::Follow => {}
        }
        for target in self.resolve(node.0, &callee) {
            // A user's async fn called here is checked as a root of its own.
            if self.header(target).kind == Kind::AsyncBody && self.crates[target.0].primary {
                continue;
            }
            if self.blocks(target).is_some() {
                return Some(Why::Via {
                    call: Some(call),
                    next: target,
                });
            }
        }
        None
    }

    /// The closures a body makes and does not hand to an offload context.
    pub(crate) fn own_closures(&mut self, node: Node) -> Vec<Node> {
        self.steps(node)
            .into_iter()
            .filter(|(call, _)| call.is_none())
            .flat_map(|(_, step)| match step {
                Step::Nodes(nodes) => nodes,
                Step::Leaf(_) => Vec::new(),
            })
            .filter(|target| {
                target.0 == node.0 && matches!(self.header(*target).kind, Kind::Closure(_))
            })
            .collect()
    }

    /// A body's name as a chain prints it: `glob::<Paths as Iterator>::next`.
    pub(crate) fn shown(&self, node: Node) -> String {
        let krate = &self.crates[node.0];
        let name = &self.header(node).name;
        let shown = match name.find("<impl at ") {
            Some(at) => {
                let close = at + name[at..].find('>').unwrap_or(0);
                let imp = self.index_of(node.0).impls.iter().find(|imp| {
                    imp.methods.values().any(|body| {
                        self.header((node.0, *body))
                            .name
                            .starts_with(&name[..=close])
                    })
                });
                let shown_impl = match imp {
                    Some(Impl {
                        self_name,
                        trait_name: Some(trait_name),
                        ..
                    }) => format!("<{self_name} as {trait_name}>"),
                    Some(imp) => imp.self_name.clone(),
                    None => "<impl>".to_owned(),
                };
                format!("{}{shown_impl}{}", &name[..at], &name[close + 1..])
            }
            None => name.clone(),
        };
        if krate.primary {
            shown
        } else {
            format!("{}::{shown}", krate.name)
        }
    }

    /// A span's file as a path.
    pub(crate) fn file(&self, krate: usize, span: &Span) -> PathBuf {
        self.crates[krate].cwd.join(&span.file)
    }
}

/// Whether `wanted` (a printed module path) is in `module` (a def path), in order.
fn within(module: &[String], wanted: &[String]) -> bool {
    let module: Vec<&str> = module.iter().map(String::as_str).collect();
    subsequence(wanted, &module)
}

fn subsequence(wanted: &[String], within: &[&str]) -> bool {
    let mut rest = within.iter();
    wanted
        .iter()
        .all(|segment| rest.any(|part| *part == segment.as_str()))
}

/// Source files read for impl headers, each once.
#[derive(Default)]
struct Sources {
    texts: HashMap<PathBuf, Option<String>>,
}

impl Sources {
    /// The text a span covers.
    fn text(&mut self, path: &Path, span: &Span) -> Option<String> {
        let text = self
            .texts
            .entry(path.to_path_buf())
            .or_insert_with(|| std::fs::read_to_string(path).ok())
            .as_deref()?;
        let lines: Vec<&str> = text
            .lines()
            .skip(span.line - 1)
            .take(span.end_line + 1 - span.line)
            .collect();
        let mut covered = String::new();
        for (at, line) in lines.iter().enumerate() {
            let chars: Vec<char> = line.chars().collect();
            let start = if at == 0 { span.column - 1 } else { 0 };
            let end = if at + 1 == lines.len() {
                (span.end_column - 1).min(chars.len())
            } else {
                chars.len()
            };
            covered.extend(chars.get(start..end)?);
            covered.push('\n');
        }
        Some(covered)
    }
}

fn index(krate: &Crate, bodies: &[&Body], sources: &mut Sources) -> Index {
    let mut by_name = HashMap::new();
    let mut by_last: HashMap<String, Vec<usize>> = HashMap::new();
    let mut closures = HashMap::new();
    let mut impls: HashMap<String, Impl> = HashMap::new();
    let mut modules = HashSet::new();
    for (at, body) in bodies.iter().enumerate() {
        by_name.entry(body.name.clone()).or_insert(at);
        if let Some((first, _)) = body.name.split_once("::") {
            modules.insert(first.to_owned());
        }
        if !body.name.contains(['{', '<']) {
            let last = body.name.rsplit("::").next().unwrap_or_default();
            by_last.entry(last.to_owned()).or_default().push(at);
        }
        if let Kind::Closure(closure) = &body.kind {
            closures.entry(closure.clone()).or_insert(at);
        }
        let Some(start) = body.name.find("<impl at ") else {
            continue;
        };
        let Some(len) = body.name[start..].find(">::") else {
            continue;
        };
        let method = &body.name[start + len + 3..];
        if method.contains("::") {
            continue;
        }
        let key = body.name[..start + len].to_owned();
        if !impls.contains_key(&key) {
            let span_text = &body.name[start + "<impl at ".len()..start + len];
            let header = Span::parse(span_text)
                .and_then(|span| sources.text(&krate.cwd.join(&span.file), &span));
            let (self_name, trait_name) = header
                .as_deref()
                .and_then(impl_names)
                .or_else(|| {
                    // A derive: the span is the derive's name; the self type is the
                    // method's receiver.
                    let derive = header?.trim().rsplit("::").next()?.to_owned();
                    let receiver = type_path(body.first_param.as_deref()?)?.0;
                    Some((receiver.last()?.clone(), Some(derive)))
                })
                .unwrap_or_default();
            let module = body.name[..start]
                .trim_end_matches("::")
                .split("::")
                .filter(|segment| !segment.is_empty())
                .map(str::to_owned)
                .collect();
            impls.insert(
                key.clone(),
                Impl {
                    module,
                    self_name,
                    trait_name,
                    methods: HashMap::new(),
                },
            );
        }
        if let Some(imp) = impls.get_mut(&key) {
            imp.methods.entry(method.to_owned()).or_insert(at);
        }
    }
    Index {
        by_name,
        by_last,
        closures,
        impls: impls.into_values().collect(),
        modules,
    }
}

/// `impl<T> Trait<X> for path::Type<T>` → (`Type`, `Some("Trait")`).
fn impl_names(header: &str) -> Option<(String, Option<String>)> {
    let item: syn::ItemImpl = syn::parse_str(&format!("{header} {{}}")).ok()?;
    let mut ty = &*item.self_ty;
    while let syn::Type::Reference(reference) = ty {
        ty = &reference.elem;
    }
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let self_name = path.path.segments.last()?.ident.to_string();
    let trait_name = item
        .trait_
        .as_ref()
        .and_then(|(path, _)| Some(path.segments.last()?.ident.to_string()));
    Some((self_name, trait_name))
}

#[cfg(test)]
mod tests {
    use super::impl_names;

    #[test]
    fn impl_headers_name_their_type_and_trait() {
        assert_eq!(
            impl_names("impl Iterator for Paths"),
            Some(("Paths".into(), Some("Iterator".into())))
        );
        assert_eq!(
            impl_names("impl<'a, T: Read> io::Read for &'a mut Wrapper<T>\nwhere T: Send"),
            Some(("Wrapper".into(), Some("Read".into())))
        );
        assert_eq!(impl_names("impl Notes"), Some(("Notes".into(), None)));
    }
}
