//! One call graph over the MIR of every crate compiled: calls resolved to bodies (within
//! a crate by def path, across crates by the printed path or a re-export of it, trait
//! and inherent methods through their impl's syntax), closures counted as run by the
//! fn that makes them where a call there is given one and does not hand it to an
//! offload context or keep it ([`Graph::steps`]), and the bodies of a dependency's async
//! fns reached through the futures that poll them. Leaves are [`super::leaves`].
//!
//! A call of a generic fn or method with concrete type arguments (`count::<File>`,
//! `Wrapper::<File>::go`, `<Wrapper<File> as Load>::load`) leads to an instance: the
//! generic body with its type parameters replaced by the caller's types, so that
//! `<R as Read>::read` in it is `<File as Read>::read` there. A body's parameters are
//! read from its source (the fn's and its impl's generics as declared, then its
//! anonymous `impl Trait` ones), in the order rustc prints the arguments. Where the
//! arguments cannot be bound exactly, or instances are nested deeper than
//! [`MAX_DEPTH`], the call leads to the generic body, whose calls through a parameter
//! resolve to nothing: a miss, never a guess. A closure given for a parameter is known
//! to the instance with its body (where the caller made it), so that the instance
//! says whether it runs the closure or only keeps it ([`Graph::runs_closure`]).
//!
//! A trait's provided method is generic over `Self`, the trait's first parameter: a call
//! `<Disk as Store>::save` whose impl does not define `save` leads to the instance of
//! `Store::save` with `Self` the caller's type, where `<Self as Store>::write_now` is
//! `<Disk as Store>::write_now`. The user's own generic `async fn` leads, from the call
//! that makes its future (`read_all::<File>`), to the instance of its async body, unless
//! that body blocks without the caller's types (it is then reported in itself, once).

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::cache;
use super::leaves::{self, Leaf};
use super::mir::{self, Body, Kind, Span};
use super::paths::{
    closure_called, fn_item_called, mentions, qualified_args, qualify, segments_with_args,
    substitute, type_path, unify, Callee,
};
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
    /// The file stems of the crates it was given (`glob-HASH`); empty when not known.
    externs: Vec<String>,
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
            externs: Vec::new(),
            loaded: OnceCell::new(),
        }
    }

    /// The crates it was given, by file stem (`glob-HASH`, as its `.mir` is named).
    pub(crate) fn with_externs(mut self, externs: Vec<String>) -> Crate {
        self.externs = externs;
        self
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
    /// Its methods' names up to `>`: `fs::<impl at src/fs.rs:3:1: 3:20>`.
    key: String,
    /// Its header as written (`impl<T: Read> Load for Wrapper<T>`), when the source
    /// could be read.
    header: Option<String>,
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
    /// The impls (by index into `impls`) by the last name of their self type, by their
    /// trait's last name, and by their key.
    by_self: HashMap<String, Vec<usize>>,
    by_trait: HashMap<String, Vec<usize>>,
    by_key: HashMap<String, usize>,
    /// The last names of the types the crate's impls are for.
    self_names: HashSet<String>,
    /// The first segment of every body's path: the crate's top-level modules and items.
    modules: HashSet<String>,
}

impl Index {
    /// The impls whose self type's last name is `self_name`.
    fn impls_for<'a>(&'a self, self_name: &str) -> impl Iterator<Item = &'a Impl> + 'a {
        self.by_self
            .get(self_name)
            .into_iter()
            .flatten()
            .map(|at| &self.impls[*at])
    }
}

/// A body: crate, body. A body index with [`INSTANCE`] set is an instance of a generic
/// body ([`Graph::instances`]), in the crate of the generic body.
pub(crate) type Node = (usize, usize);

/// Marks a [`Node`]'s body index as an instance's.
const INSTANCE: usize = 1 << (usize::BITS - 1);

/// How many generic calls deep instances are made from a concrete caller: a call through
/// more generic fns than this leads to the generic body.
const MAX_DEPTH: usize = 8;

/// How many instances a run makes at most (each holds a copy of its body); calls past
/// it lead to the generic bodies.
const MAX_INSTANCES: usize = 20_000;

/// A body's type parameters, in the order rustc prints their arguments.
struct Generics {
    /// Its impl's types and consts as declared (lifetimes are not printed).
    impl_params: Vec<String>,
    /// The impl's self type and trait arguments as written.
    self_ty: Option<syn::Type>,
    trait_args: Vec<syn::Type>,
    /// The fn's own types and consts as declared, then its anonymous `impl Trait` ones
    /// (named by their text).
    own: Vec<String>,
    /// A trait's provided method (or a closure or async body of one): its impl's
    /// parameters are `Self` and the trait's, its self type `Self`.
    provided: bool,
}

impl Generics {
    fn all(&self) -> Vec<String> {
        self.impl_params.iter().chain(&self.own).cloned().collect()
    }
}

/// Each type parameter of an instance and its type, in the parameters' order.
type Env = Rc<[(String, String)]>;

/// A generic body with its type parameters replaced.
struct Instance {
    generic: Node,
    /// Each parameter and its type.
    env: Env,
    /// Generic calls from the concrete caller to here.
    depth: usize,
    /// The generic body, substituted.
    body: Body,
    /// As a chain prints it: the callee as rustc printed it at the call.
    shown: Option<String>,
    /// The closures its types name, each with its body: where the closure was made.
    closures: Closures,
    /// For each call of `body`, the closure it runs when it is a call through `Fn*` of
    /// one of `closures` (`<{closure@..} as FnOnce<()>>::call_once`).
    closure_calls: Vec<Option<Node>>,
}

/// Closures named by an instance's types, each with its body.
type Closures = Rc<[(String, Node)]>;

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
    /// For each crate, the crates it reaches through what it was given, itself
    /// included ([`reaches`]); empty when no two crates share a name, as then nothing
    /// asks.
    reaches: Vec<Option<HashSet<usize>>>,
    /// For each crate, the crates it was given; empty as `reaches` is.
    given: Vec<Vec<usize>>,
    sources: RefCell<Sources>,
    /// The first MIR text that could not be read: the run fails with it.
    error: RefCell<Option<String>>,
    policy: Policy,
    memo: HashMap<Node, Option<Why>>,
    offloaders: HashMap<Node, bool>,
    /// Generic bodies instantiated with their callers' types, each once.
    instances: Vec<Instance>,
    instance_of: HashMap<(Node, Env, Closures), usize>,
    /// Whether an instance runs a closure it was given (`None` while it is looked at).
    runs: HashMap<(Node, Node), bool>,
    /// How many [`Graph::runs_closure`] questions are being answered, one inside another.
    asking: usize,
    generics: RefCell<HashMap<Node, Option<Rc<Generics>>>>,
    /// `rustc -vV`, for dependencies' cache identities.
    rustc: OnceCell<String>,
    /// The dependencies whose MIR text was read, and how many came from their cache.
    mir_read: RefCell<Vec<String>>,
    from_cache: Cell<usize>,
}

/// For each crate, the crates it was given, matched by their `.mir` file stems, and those
/// it reaches through them (itself included); `None` for a crate whose list is empty
/// (given nothing, or noted before the list was).
fn reaches(crates: &[Crate]) -> (Vec<Vec<usize>>, Vec<Option<HashSet<usize>>>) {
    let stem = |krate: &Crate| {
        krate
            .mir
            .file_stem()
            .and_then(|stem| stem.to_str())
            .map(str::to_owned)
    };
    let by_stem: HashMap<String, usize> = crates
        .iter()
        .enumerate()
        .filter_map(|(at, krate)| Some((stem(krate)?, at)))
        .collect();
    let given: Vec<Vec<usize>> = crates
        .iter()
        .map(|krate| {
            krate
                .externs
                .iter()
                .filter_map(|extern_stem| by_stem.get(extern_stem).copied())
                .collect()
        })
        .collect();
    let reaches = (0..crates.len())
        .map(|from| {
            let mut reached = HashSet::from([from]);
            let mut next = vec![from];
            while let Some(at) = next.pop() {
                for &dependency in &given[at] {
                    if reached.insert(dependency) {
                        next.push(dependency);
                    }
                }
            }
            // A crate given nothing, or whose note predates the list: not known.
            (!crates[from].externs.is_empty()).then_some(reached)
        })
        .collect();
    (given, reaches)
}

impl Graph {
    pub(crate) fn new(crates: Vec<Crate>, policy: Policy) -> Graph {
        let mut by_crate: HashMap<String, Vec<usize>> = HashMap::new();
        for (at, krate) in crates.iter().enumerate() {
            by_crate.entry(krate.name.clone()).or_default().push(at);
        }
        let (given, reaches) = if by_crate.values().any(|named| named.len() > 1) {
            reaches(&crates)
        } else {
            (Vec::new(), Vec::new())
        };
        Graph {
            crates,
            by_crate,
            reaches,
            given,
            sources: RefCell::default(),
            error: RefCell::default(),
            policy,
            memo: HashMap::new(),
            offloaders: HashMap::new(),
            instances: Vec::new(),
            instance_of: HashMap::new(),
            runs: HashMap::new(),
            asking: 0,
            generics: RefCell::default(),
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

    /// A crate's MIR text, when this run read it (a dependency read from its cache has
    /// none until one of its bodies is needed).
    pub(crate) fn mir_text(&self, krate: usize) -> Option<&str> {
        let (text, _) = self.loaded(krate).source.get()?.as_ref()?;
        Some(text)
    }

    /// A fn's name, kind and first parameter, without reading its body.
    pub(crate) fn header(&self, node: Node) -> &Body {
        if node.1 & INSTANCE != 0 {
            return &self.instances[node.1 & !INSTANCE].body;
        }
        &self.loaded(node.0).headers[node.1]
    }

    fn index_of(&self, krate: usize) -> &Index {
        &self.loaded(krate).index
    }

    /// A fn's body, read on first use.
    pub(crate) fn body(&self, node: Node) -> &Body {
        if node.1 & INSTANCE != 0 {
            return &self.instances[node.1 & !INSTANCE].body;
        }
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
    pub(crate) fn resolve(&self, from: usize, callee: &Callee) -> Vec<Node> {
        match callee {
            Callee::Path(segments) => {
                let mut places: Vec<(usize, &[String])> = Vec::new();
                match segments.first() {
                    Some(first)
                        if segments.len() > 1
                            && *first != self.crates[from].name
                            && self.by_crate.contains_key(first) =>
                    {
                        places.extend(
                            self.named(from, first)
                                .into_iter()
                                .map(|at| (at, &segments[1..])),
                        );
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
                    found.extend(self.by_segments(&[krate], rest));
                }
                match segments.split_first() {
                    // The crate's own item as another crate names it, in a type an
                    // instance was given.
                    Some((first, rest))
                        if found.is_empty()
                            && !rest.is_empty()
                            && *first == self.crates[from].name =>
                    {
                        self.by_segments(&[from], rest)
                    }
                    _ => found,
                }
            }
            Callee::Qualified {
                self_ty,
                trait_path,
                method,
            } => self.trait_method(from, self_ty, trait_path, method),
        }
    }

    /// The fns and inherent methods a printed path names in `crates`.
    fn by_segments(&self, crates: &[usize], rest: &[String]) -> Vec<Node> {
        let mut found = Vec::new();
        for &krate in crates {
            if leaves::REACTORS.contains(&self.crates[krate].name.as_str()) {
                continue;
            }
            found.extend(self.by_path(krate, rest).map(|body| (krate, body)));
            if let [.., ty, method] = rest {
                let index = self.index_of(krate);
                for imp in index.impls_for(ty) {
                    if imp.trait_name.is_none() {
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
        // An impl of the trait for the type that does not define the method: the
        // trait's provided method runs.
        let mut inherits = false;
        for krate in self.impl_crates(from, [path.first(), trait_path.first()], false) {
            let local = krate == from;
            if local && orphan {
                continue;
            }
            for imp in self.index_of(krate).impls_for(&self_name) {
                if imp.trait_name.as_deref() != Some(&*trait_name) {
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
                inherits |= wanted.is_none();
                found.extend(wanted.map(|body| (krate, *body)));
            }
        }
        if found.is_empty() && inherits {
            return self.provided(from, trait_path, method);
        }
        found
    }

    /// The bodies a call of `callee` (printed `printed`) from crate `from` runs, each with
    /// the call as it reaches that body: [`Graph::resolve`]'s, and for a `dyn Trait` call
    /// in the packages checked, the trait's provided method for each implementation of
    /// the caller's crate that does not define it, called on that implementation's type
    /// (`<Disk as Store>::save` for `<dyn Store as Store>::save`).
    ///
    /// A call whose value is an `async fn`'s future (`makes_future`) runs an `async fn`:
    /// where its printed path also names sync fns (`reqwest::Response::bytes`, the
    /// re-export of the async response's, and `reqwest::blocking`'s of the same name), those
    /// are not it.
    fn callees(
        &self,
        from: usize,
        printed: &str,
        callee: &Callee,
        makes_future: bool,
    ) -> Vec<(String, Node)> {
        let mut resolved = self.resolve(from, callee);
        if makes_future
            && resolved
                .iter()
                .any(|target| self.future_body(*target).is_some())
        {
            resolved.retain(|target| self.future_body(*target).is_some());
        }
        let mut found: Vec<(String, Node)> = resolved
            .into_iter()
            .map(|target| (printed.to_owned(), target))
            .collect();
        let Callee::Qualified {
            self_ty,
            trait_path,
            method,
        } = callee
        else {
            return found;
        };
        let Some((_, trait_and_method)) = printed
            .strip_prefix('<')
            .and_then(|inner| Some(inner.split_at(mir::find_depth_zero(inner, " as ")?)))
        else {
            return found;
        };
        if !mir::behind_references(self_ty).starts_with("dyn ") || !self.crates[from].primary {
            return found;
        }
        let index = self.index_of(from);
        let trait_name = trait_path.last().map_or("", String::as_str);
        // Each implementation without the method, by its type as the crate prints it: a
        // non-generic impl's, read from one of its methods' first parameter of that type.
        let types: Vec<String> = index
            .by_trait
            .get(trait_name)
            .into_iter()
            .flatten()
            .map(|at| &index.impls[*at])
            .filter(|imp| !imp.methods.contains_key(method.as_str()))
            .filter(|imp| {
                imp.header.as_deref().is_some_and(|header| {
                    syn::parse_str::<syn::ItemImpl>(&format!("{header} {{}}"))
                        .is_ok_and(|item| type_params(&item.generics).is_empty())
                })
            })
            .filter_map(|imp| {
                imp.methods.values().find_map(|body| {
                    let param = self.header((from, *body)).first_param.as_deref()?;
                    let (path, args) = type_path(param)?;
                    let ty = if args.is_empty() {
                        path.join("::")
                    } else {
                        format!("{}<{}>", path.join("::"), args.join(", "))
                    };
                    (path.last() == Some(&imp.self_name)).then_some(ty)
                })
            })
            .collect();
        if types.is_empty() {
            return found;
        }
        for provided in self.provided(from, trait_path, method) {
            for ty in &types {
                found.push((format!("<{ty}{trait_and_method}"), provided));
            }
        }
        found
    }

    /// A trait's provided method, `trait_path` and `method` as printed in crate `from`:
    /// a body at that path whose source is inside the trait's declaration
    /// ([`Generics::provided`]).
    fn provided(&self, from: usize, trait_path: &[String], method: &str) -> Vec<Node> {
        let mut segments = trait_path.to_vec();
        segments.push(method.to_owned());
        self.resolve(from, &Callee::Path(segments))
            .into_iter()
            .filter(|node| {
                self.generics(*node)
                    .is_some_and(|generics| generics.provided)
            })
            .collect()
    }

    /// The crates named `name` that `from` may mean: of two versions of a crate in the
    /// build (reqwest 0.11 and 0.12), the one `from` was given, else those it reaches
    /// through the crates it was given; all of them where that is not known.
    fn named(&self, from: usize, name: &str) -> Vec<usize> {
        let Some(all) = self.by_crate.get(name) else {
            return Vec::new();
        };
        if all.len() < 2 {
            return all.clone();
        }
        let Some(reaches) = &self.reaches[from] else {
            return all.clone();
        };
        let given: Vec<usize> = all
            .iter()
            .copied()
            .filter(|at| self.given[from].contains(at))
            .collect();
        if !given.is_empty() {
            return given;
        }
        let through: Vec<usize> = all
            .iter()
            .copied()
            .filter(|at| reaches.contains(at))
            .collect();
        if through.is_empty() {
            all.clone()
        } else {
            through
        }
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
            crates.extend(self.named(from, first));
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
            let index = self.index_of(krate);
            for at in index.by_trait.get(trait_name).into_iter().flatten() {
                let imp = &index.impls[*at];
                found.extend(imp.methods.get(method).map(|body| (krate, *body)));
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
    fn classify(&self, krate: usize, callee: &Callee, call: &mir::Call) -> Class {
        if self.policy.allows(callee) {
            return Class::Allowed;
        }
        if leaves::offloads(&self.crates[krate].name, callee) || self.policy.offloads(callee) {
            return Class::Offload;
        }
        if leaves::waits_for_a_lock(&self.crates[krate].name, callee) {
            return Class::Allowed;
        }
        let krate_name = &self.crates[krate].name;
        match self
            .policy
            .denies(callee)
            .or_else(|| leaves::leaf(callee, &call.callee, &call.args))
            .or_else(|| {
                let qualified = leaves::in_crate(krate_name, callee)?;
                leaves::leaf(&qualified, &call.callee, &call.args)
            }) {
            Some(leaf) => Class::Leaf(leaf),
            None => Class::Follow,
        }
    }

    /// Where each call of `node` leads, and the closures and async bodies it runs.
    ///
    /// A closure counts as run by the body when a call of it is given the closure
    /// ([`Body::call_closures`]: a direct call, std's `Iterator::map`, any fn it is
    /// handed to), less those handed to an offload context. Not run here: a closure the
    /// body only returns or stores (given to no call but std's that keep it,
    /// [`mir::keeps`]), and one handed only to generic code the graph has an instance of
    /// that never calls it (a factory stored for later, [`Graph::runs_closure`]). A
    /// closure handed to code without a body here (std's) counts as run.
    fn steps(&mut self, node: Node) -> Vec<(Option<usize>, Step)> {
        let body = self.body(node).clone();
        let mut steps = Vec::new();
        let mut handed_off: Vec<String> = Vec::new();
        // The closures a call may run.
        let mut run: Vec<String> = Vec::new();
        for (at, call) in body.calls.iter().enumerate() {
            let Some(callee) = Callee::parse(&call.callee) else {
                continue;
            };
            let named = &body.call_closures[at];
            if mir::keeps(&call.callee) {
                // Neither runs its closure nor leads anywhere.
                continue;
            }
            match self.classify(node.0, &callee, call) {
                Class::Allowed => {
                    run.extend(named.iter().cloned());
                    continue;
                }
                Class::Offload => {
                    handed_off.extend(named.iter().cloned());
                    continue;
                }
                Class::Leaf(leaf) => {
                    run.extend(named.iter().cloned());
                    if !leaf.user_only || self.crates[node.0].primary {
                        steps.push((Some(at), Step::Leaf(leaf)));
                    }
                    continue;
                }
                Class::Follow => {}
            }
            let (targets, decided) = self.targets(node, call, &callee);
            // Whether a fn hands a closure it is given to an offload context is a property
            // of the generic fn: in an instance the closure's type has replaced the
            // parameter that says so.
            if !named.is_empty()
                && targets
                    .iter()
                    .any(|target| self.offloader(self.generic_of(*target), 0))
            {
                handed_off.extend(named.iter().cloned());
                continue;
            }
            for closure in named {
                if !self.kept(node, closure, &targets, &decided) {
                    run.push(closure.clone());
                }
            }
            // A method of a value that holds a closure this body made and handed on
            // (`OnExit::<{closure@..}>::fire`) may run it.
            for closure in mir::closures_in(&call.callee) {
                if !targets.is_empty()
                    && !named.contains(&closure)
                    && !run.contains(&closure)
                    && self.runs_made(node, &closure, &targets)
                {
                    run.push(closure);
                }
            }
            if !targets.is_empty() {
                steps.push((Some(at), Step::Nodes(targets)));
            }
        }
        let index = &self.index_of(node.0);
        let closures: Vec<Node> = body
            .closures
            .iter()
            .filter(|closure| run.contains(closure) && !handed_off.contains(closure))
            .filter_map(|closure| index.closures.get(closure))
            .map(|body| (node.0, *body))
            .collect();
        // An instance's closures are instances with its types.
        let closures: Vec<Node> = closures
            .into_iter()
            .map(|closure| self.closure_instance(node, closure))
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
                if let Some(async_body) = self.future_body((krate, fn_body)) {
                    targets.push(self.instance(node, polled, async_body));
                }
            }
            if !targets.is_empty() {
                steps.push((None, Step::Nodes(targets)));
            }
        }
        steps
    }

    /// The bodies a call (`call`, read as `callee`) from `node` leads to, and the
    /// closures that every one of them is an instance for ([`Graph::handed`]).
    fn targets(
        &mut self,
        node: Node,
        call: &mir::Call,
        callee: &Callee,
    ) -> (Vec<Node>, Vec<String>) {
        let mut targets: Vec<Node> = Vec::new();
        let mut decided: Option<Vec<String>> = None;
        for (printed, target) in self.callees(node.0, &call.callee, callee, call.makes_future) {
            let (instance, settles) = self.handed(node, &printed, target);
            targets.push(instance);
            decided = Some(match decided {
                None => settles,
                Some(before) => before
                    .into_iter()
                    .filter(|closure| settles.contains(closure))
                    .collect(),
            });
        }
        (targets, decided.unwrap_or_default())
    }

    /// Whether the closure `closure`, made in `node` and given to a call that leads to
    /// `targets`, is kept there without being run: every target is an instance for it
    /// (`decided`) that does not run it, and none is an `async fn`, whose future runs
    /// the closure when it is polled, where the call does not lead.
    fn kept(&mut self, node: Node, closure: &str, targets: &[Node], decided: &[String]) -> bool {
        if !decided.iter().any(|decided| decided == closure)
            || targets.iter().any(|target| self.makes_a_future(*target))
        {
            return false;
        }
        !self.runs_made(node, closure, targets)
    }

    /// Whether one of `targets` runs the closure `closure`, made in `node`; `true` when
    /// its body is not among `node`'s crate's.
    fn runs_made(&mut self, node: Node, closure: &str, targets: &[Node]) -> bool {
        let Some(made) = self.index_of(node.0).closures.get(closure).copied() else {
            return true;
        };
        let made = self.closure_instance(node, (node.0, made));
        targets
            .iter()
            .any(|target| self.runs_closure(*target, closure, made))
    }

    /// Why `node` blocks, if it does.
    pub(crate) fn blocks(&mut self, node: Node) -> Option<Why> {
        if let Some(known) = self.memo.get(&node) {
            return known.clone();
        }
        if leaves::not_the_work(&self.crates[node.0].name, &self.header(node).name) {
            self.memo.insert(node, None);
            return None;
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

    /// A body's type parameters, `None` when they cannot be read exactly; a closure's
    /// and an async body's are those of the fn they are in.
    fn generics(&self, node: Node) -> Option<Rc<Generics>> {
        if node.1 & INSTANCE != 0 {
            return self.generics(self.generic_of(node));
        }
        if let Some(known) = self.generics.borrow().get(&node) {
            return known.clone();
        }
        let generics = self.read_generics(node).map(Rc::new);
        self.generics.borrow_mut().insert(node, generics.clone());
        generics
    }

    fn read_generics(&self, node: Node) -> Option<Generics> {
        let name = &self.header(node).name;
        if let Some(parent) = name
            .strip_suffix('}')
            .and_then(|name| name.rsplit_once("::{closure#"))
            .map(|(parent, _)| parent)
        {
            let parent = *self.index_of(node.0).by_name.get(parent)?;
            let generics = self.generics((node.0, parent))?;
            return Some(Generics {
                impl_params: generics.impl_params.clone(),
                self_ty: generics.self_ty.clone(),
                trait_args: generics.trait_args.clone(),
                own: generics.own.clone(),
                provided: generics.provided,
            });
        }
        let (mut impl_params, mut self_ty, mut trait_args) = (Vec::new(), None, Vec::new());
        let own_name = match name.find("<impl at ") {
            Some(start) => {
                let close = start + name[start..].find(">::")?;
                let key = &name[..close];
                let index = self.index_of(node.0);
                let imp = &index.impls[*index.by_key.get(key)?];
                let item: syn::ItemImpl =
                    syn::parse_str(&format!("{} {{}}", imp.header.as_deref()?)).ok()?;
                impl_params = type_params(&item.generics);
                if let Some((path, _)) = &item.trait_ {
                    if let Some(syn::PathArguments::AngleBracketed(args)) =
                        path.segments.last().map(|segment| &segment.arguments)
                    {
                        for arg in &args.args {
                            match arg {
                                syn::GenericArgument::Type(ty) => trait_args.push(ty.clone()),
                                syn::GenericArgument::Lifetime(_) => {}
                                _ => return None,
                            }
                        }
                    }
                }
                self_ty = Some(*item.self_ty);
                &name[close + 3..]
            }
            None => name.rsplit("::").next()?,
        };
        let body = self.body(node);
        let span = body.span.as_ref()?;
        let path = self.file(node.0, span);
        let mut provided = false;
        let (mut own, anonymous) = {
            let mut sources = self.sources.borrow_mut();
            let text = sources.file(&path)?;
            let at = offset(text, span)?;
            // `Trait::method`, not in an impl: a trait's provided method when its source
            // is inside the declaration of a trait of that name. Only a parent named in
            // CamelCase, as rustc's lints name traits, is looked for: the parents of other
            // fns, modules and fns, are snake_case, and no file is searched for them.
            let parent = name.rsplit("::").nth(1);
            if let Some(item) = parent
                .filter(|parent| self_ty.is_none() && parent.starts_with(char::is_uppercase))
                .and_then(|parent| enclosing_trait(text, at, parent))
            {
                let params = type_params(&item.generics);
                impl_params = std::iter::once("Self".to_owned())
                    .chain(params.iter().cloned())
                    .collect();
                trait_args = params
                    .iter()
                    .map(|param| syn::parse_str(param).ok())
                    .collect::<Option<_>>()?;
                self_ty = Some(syn::parse_quote!(Self));
                provided = true;
            }
            own_generics(text, at, own_name)?
        };
        if anonymous != body.anonymous.len() {
            return None;
        }
        // A parameter named like a type of the crate: MIR prints a type at the crate's
        // root by its bare name, so `R` in a call could be either. (A blanket impl's
        // self type, `impl<T> Trait for T`, is a parameter, not a type.)
        let index = self.index_of(node.0);
        let a_type = |param: &String| {
            index.self_names.contains(param)
                && index.impls_for(param).any(|imp| {
                    !imp.header.as_deref().is_some_and(|header| {
                        syn::parse_str::<syn::ItemImpl>(&format!("{header} {{}}"))
                            .is_ok_and(|item| type_params(&item.generics).contains(param))
                    })
                })
        };
        if impl_params.iter().chain(&own).any(a_type) {
            return None;
        }
        own.extend(body.anonymous.iter().cloned());
        Some(Generics {
            impl_params,
            self_ty,
            trait_args,
            own,
            provided,
        })
    }

    /// What a call of `callee` (as printed in `from`) leads to in `target`, a body it
    /// resolved to: an instance of it when it is generic and the call's types are
    /// concrete, else `target`.
    fn instance(&mut self, from: Node, callee: &str, target: Node) -> Node {
        self.handed(from, callee, target).0
    }

    /// [`Graph::instance`], with the closures whose fate the callee decides: those its
    /// types name, when it is an instance that knows each one's body (it runs one where
    /// it calls it through `Fn*`), or a generic body that names none of its parameters
    /// (it runs nothing it is given).
    fn handed(&mut self, from: Node, callee: &str, target: Node) -> (Node, Vec<String>) {
        // A dependency's `async fn`: the call makes its future, whose body runs where the
        // future is awaited (the user's own are roots of their own, below).
        let future = self.future_body(target);
        let own = self.crates[target.0].primary;
        let unbound = match future {
            Some(body) if !own => (body, Vec::new()),
            _ => (target, Vec::new()),
        };
        if self.instances.len() >= MAX_INSTANCES {
            return unbound;
        }
        let depth = if from.1 & INSTANCE != 0 {
            self.instances[from.1 & !INSTANCE].depth + 1
        } else {
            1
        };
        if depth > MAX_DEPTH {
            return unbound;
        }
        let Some(generics) = self.generics(target) else {
            return unbound;
        };
        if generics.impl_params.is_empty() && generics.own.is_empty() {
            return unbound;
        }
        // The types must be concrete: none is a parameter of the caller.
        let Some(scope) = self.generics(from) else {
            return unbound;
        };
        let mut caller_params = scope.all();
        // A trait's provided method names its implementor `Self`.
        caller_params.push("Self".to_owned());
        let Some(env) = bind(callee, &generics) else {
            return unbound;
        };
        if env.iter().any(|(_, ty)| mentions(ty, &caller_params)) {
            return unbound;
        }
        // The types as the callee's crate names them.
        let env: Vec<(String, String)> = if from.0 == target.0 {
            env
        } else {
            let krate = &self.crates[from.0].name;
            let extern_crate = |name: &str| {
                self.by_crate.contains_key(name) || ["std", "core", "alloc"].contains(&name)
            };
            env.into_iter()
                .map(|(param, ty)| (param, qualify(&ty, krate, extern_crate)))
                .collect()
        };
        let named: Vec<String> = env.iter().flat_map(|(_, ty)| mir::closures_in(ty)).fold(
            Vec::new(),
            |mut named, closure| {
                if !named.contains(&closure) {
                    named.push(closure);
                }
                named
            },
        );
        let closures: Vec<(String, Node)> = named
            .iter()
            .filter_map(|closure| Some((closure.clone(), self.closure_home(from, closure)?)))
            .collect();
        let shown = Some(callee.to_owned());
        // The user's own `async fn`: the call makes its future, whose body (a coroutine
        // with the fn's parameters) runs when it is awaited. A non-generic one is a root
        // of its own, reported in its body; so is a generic one whose body blocks without
        // the caller's types (the caller is then not reported: a miss, never twice).
        if own && future.is_some_and(|body| self.blocks(body).is_some()) {
            return unbound;
        }
        let generic = future.unwrap_or(target);
        let node = self.instantiate(generic, env.into(), depth, shown, closures.clone().into());
        if node == generic {
            (if own { target } else { generic }, named)
        } else {
            (
                node,
                closures.into_iter().map(|(closure, _)| closure).collect(),
            )
        }
    }

    /// The body of a closure `from` names: one `from`'s own types were given, or one of
    /// `from`'s crate (an instance of it with `from`'s types when `from` is an instance).
    fn closure_home(&mut self, from: Node, closure: &str) -> Option<Node> {
        if from.1 & INSTANCE != 0 {
            let given = self.instances[from.1 & !INSTANCE]
                .closures
                .iter()
                .find(|(name, _)| name == closure)
                .map(|(_, node)| *node);
            if given.is_some() {
                return given;
            }
        }
        let made = *self.index_of(from.0).closures.get(closure)?;
        Some(self.closure_instance(from, (from.0, made)))
    }

    /// Whether `from`, an instance given the closure `name` (whose body is `closure`),
    /// runs it: calls it through `Fn*`, or hands it to a call the graph has no body for
    /// (std's `Iterator::for_each`), in its body or in the instances it leads to (the
    /// closures it makes, the generic fns it hands the closure on to), up to
    /// [`MAX_DEPTH`] calls deep. A body that is not an instance cannot name the
    /// closure's type, and is not looked into.
    fn runs_closure(&mut self, from: Node, name: &str, closure: Node) -> bool {
        if from.1 & INSTANCE == 0 {
            return false;
        }
        if let Some(known) = self.runs.get(&(from, closure)) {
            return *known;
        }
        // Questions inside questions (an instance's own closures handed on again):
        // past a few, the closure counts as run.
        if self.asking >= 4 {
            return true;
        }
        self.asking += 1;
        self.runs.insert((from, closure), false);
        let mut seen = HashSet::from([from]);
        let mut stack = vec![(from, 0)];
        let mut found = false;
        'search: while let Some((node, depth)) = stack.pop() {
            let instance = &self.instances[node.1 & !INSTANCE];
            if instance.closure_calls.contains(&Some(closure)) {
                found = true;
                break;
            }
            let given: Vec<Callee> = instance
                .body
                .calls
                .iter()
                .filter(|call| may_run(&call.callee, name))
                .filter_map(|call| Callee::parse(&call.callee))
                .collect();
            for callee in given {
                let offload = leaves::offloads(&self.crates[node.0].name, &callee)
                    || self.policy.offloads(&callee);
                if !offload && self.resolve(node.0, &callee).is_empty() {
                    found = true;
                    break 'search;
                }
            }
            if depth >= MAX_DEPTH {
                continue;
            }
            for (_, step) in self.steps(node) {
                let Step::Nodes(targets) = step else { continue };
                for target in targets {
                    if target.1 & INSTANCE != 0 && seen.insert(target) {
                        stack.push((target, depth + 1));
                    }
                }
            }
        }
        self.asking -= 1;
        self.runs.insert((from, closure), found);
        found
    }

    /// Whether a body is an `async fn`'s, which returns the future of its async body, or
    /// that async body.
    fn makes_a_future(&self, node: Node) -> bool {
        let generic = self.generic_of(node);
        self.header(generic).kind == Kind::AsyncBody || self.future_body(generic).is_some()
    }

    /// The async body of an `async fn` (`f::{closure#0}` for `f`).
    fn future_body(&self, node: Node) -> Option<Node> {
        let name = format!("{}::{{closure#0}}", self.header(node).name);
        self.index_of(node.0)
            .by_name
            .get(&name)
            .map(|body| (node.0, *body))
            .filter(|body| self.header(*body).kind == Kind::AsyncBody)
    }

    /// The generic body an instance is of; any other body itself.
    fn generic_of(&self, node: Node) -> Node {
        if node.1 & INSTANCE == 0 {
            return node;
        }
        self.instances[node.1 & !INSTANCE].generic
    }

    /// An instance's closure: an instance of it with the same types.
    fn closure_instance(&mut self, maker: Node, closure: Node) -> Node {
        if maker.1 & INSTANCE == 0 || self.instances.len() >= MAX_INSTANCES {
            return closure;
        }
        let instance = &self.instances[maker.1 & !INSTANCE];
        let (env, depth, closures) = (
            instance.env.clone(),
            instance.depth,
            instance.closures.clone(),
        );
        self.instantiate(closure, env, depth, None, closures)
    }

    fn instantiate(
        &mut self,
        generic: Node,
        env: Env,
        depth: usize,
        shown: Option<String>,
        closures: Closures,
    ) -> Node {
        let params: Vec<String> = env.iter().map(|(param, _)| param.clone()).collect();
        if !self.uses(generic, &params, 0) {
            return generic;
        }
        let key = (generic, env, closures);
        if let Some(known) = self.instance_of.get(&key) {
            return (generic.0, *known | INSTANCE);
        }
        let (env, closures) = (key.1.clone(), key.2.clone());
        let mut body = self.body(generic).clone();
        for call in &mut body.calls {
            call.callee = substitute(&call.callee, &env);
            // A fn item given for a parameter: its call through `Fn*` is a call of it.
            if let Some(called) = fn_item_called(&call.callee) {
                call.callee = called;
            }
            call.args = substitute(&call.args, &env);
        }
        // A closure given for a parameter: its call through `Fn*` runs its body.
        let closure_calls = body
            .calls
            .iter()
            .map(|call| {
                let called = closure_called(&call.callee)?;
                closures
                    .iter()
                    .find(|(closure, _)| *closure == called)
                    .map(|(_, node)| *node)
            })
            .collect();
        for polled in &mut body.polled {
            *polled = substitute(polled, &env);
        }
        body.first_param = body.first_param.map(|param| substitute(&param, &env));
        let at = self.instances.len();
        self.instances.push(Instance {
            generic,
            env,
            depth,
            body,
            shown,
            closures,
            closure_calls,
        });
        self.instance_of.insert(key, at);
        (generic.0, at | INSTANCE)
    }

    /// Whether a body's calls, or its closures', name any of `params`.
    fn uses(&self, node: Node, params: &[String], depth: usize) -> bool {
        let body = self.body(node);
        let named = |text: &str| mentions(text, params);
        if body
            .calls
            .iter()
            .any(|call| named(&call.callee) || named(&call.args))
            || body.polled.iter().any(|polled| named(polled))
        {
            return true;
        }
        depth < 8
            && body.closures.iter().any(|closure| {
                self.index_of(node.0)
                    .closures
                    .get(closure)
                    .is_some_and(|closure| self.uses((node.0, *closure), params, depth + 1))
            })
    }

    /// The steps of one call site, for a report at it.
    pub(crate) fn call_blocks(&mut self, node: Node, call: usize) -> Option<Why> {
        let site = self.body(node).calls[call].clone();
        let callee = Callee::parse(&site.callee)?;
        match self.classify(node.0, &callee, &site) {
            Class::Allowed | Class::Offload => return None,
            Class::Leaf(leaf) => return Some(Why::Direct { call, leaf }),
            Class::Follow => {}
        }
        for (printed, target) in self.callees(node.0, &site.callee, &callee, site.makes_future) {
            let target = self.instance(node, &printed, target);
            // A user's async fn called here is checked as a root of its own (an instance
            // of a generic one is not).
            if self.header(target).kind == Kind::AsyncBody
                && self.crates[target.0].primary
                && target.1 & INSTANCE == 0
            {
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
        if node.1 & INSTANCE != 0 {
            let instance = &self.instances[node.1 & !INSTANCE];
            let named = |shown: &str| {
                let prefix = format!("{}::", krate.name);
                shown.starts_with(&prefix)
                    || shown
                        .strip_prefix('<')
                        .is_some_and(|inner| inner.starts_with(&prefix))
            };
            return match &instance.shown {
                Some(shown) if krate.primary || named(shown) => shown.clone(),
                Some(shown) => format!("{}::{shown}", krate.name),
                None => self.shown(instance.generic),
            };
        }
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
        // An `async fn`'s body is its future's: shown as the fn it is the body of.
        let shown = match shown.strip_suffix("::{closure#0}") {
            Some(function) if self.header(node).kind == Kind::AsyncBody => function.to_owned(),
            _ => shown,
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

/// Whether `node` is a generic body given the types of a call ([`Graph::instance`]).
pub(crate) fn is_instance(node: Node) -> bool {
    node.1 & INSTANCE != 0
}

/// Whether a call (as printed in an instance) may run the closure `name` it names: the
/// closure (or a reference to it) is the type it is a method of, or one of its own
/// generic arguments (`for_each::<&{closure@..}>`), and it is neither one of std's
/// calls that keep it ([`mir::keeps`]) nor a `clone` of it. A closure nested in
/// another type (`Result::<Server<{closure@..}>>::branch`) is not given to the call.
fn may_run(callee: &str, name: &str) -> bool {
    let is_closure = |ty: &str| mir::closure_type(ty) == Some(name);
    if !callee.contains(name) || mir::keeps(callee) {
        return false;
    }
    if callee.starts_with('<') {
        let Some((self_ty, _, method_args)) = qualified_args(callee) else {
            return true;
        };
        let clone = matches!(
            Callee::parse(callee),
            Some(Callee::Qualified { trait_path, method, .. })
                if trait_path.join("::") == "std::clone::Clone" && method == "clone"
        );
        return !clone && (is_closure(&self_ty) || method_args.iter().any(|arg| is_closure(arg)));
    }
    segments_with_args(callee).is_none_or(|segments| {
        segments
            .iter()
            .any(|(_, args)| args.iter().any(|arg| is_closure(arg)))
    })
}

/// The parameters of a generic body bound to the types `callee` (a call of it, as
/// printed) gives them, in their order; `None` unless every one is bound exactly.
fn bind(callee: &str, generics: &Generics) -> Option<Vec<(String, String)>> {
    let params = generics.all();
    let mut env: Vec<(String, String)> = Vec::new();
    let own_args = if callee.starts_with('<') {
        let (self_ty, trait_args, method_args) = qualified_args(callee)?;
        let pattern = generics.self_ty.as_ref()?;
        if !unify(pattern, &self_ty, &params, &mut env) {
            return None;
        }
        if trait_args.len() == generics.trait_args.len() {
            for (pattern, printed) in generics.trait_args.iter().zip(&trait_args) {
                if !unify(pattern, printed, &params, &mut env) {
                    return None;
                }
            }
        } else if !generics.trait_args.is_empty() {
            return None;
        }
        method_args
    } else {
        let mut segments = segments_with_args(callee)?;
        let (_, own_args) = segments.pop()?;
        if !generics.impl_params.is_empty() {
            let (ty, args) = segments.pop()?;
            let printed = if args.is_empty() {
                ty
            } else {
                format!("{ty}<{}>", args.join(", "))
            };
            if !unify(generics.self_ty.as_ref()?, &printed, &params, &mut env) {
                return None;
            }
        }
        own_args
    };
    if own_args.len() != generics.own.len() {
        return None;
    }
    for (param, ty) in generics.own.iter().zip(own_args) {
        match env.iter().find(|(bound, _)| bound == param) {
            Some((_, bound)) if *bound != ty => return None,
            Some(_) => {}
            None => env.push((param.clone(), ty)),
        }
    }
    // In declared order, each once.
    params
        .iter()
        .enumerate()
        .filter(|(at, param)| !params[..*at].contains(param))
        .map(|(_, param)| env.iter().find(|(bound, _)| bound == param).cloned())
        .collect()
}

/// A fn's own type parameters from its source: the types and consts it declares, in
/// order, and how many anonymous `impl Trait` parameters it takes. `at` is a byte
/// offset inside its signature (its return type's span); the fn is the last `fn NAME`
/// before it. `None` when the text there is not such a fn (a macro's output).
fn own_generics(text: &str, at: usize, name: &str) -> Option<(Vec<String>, usize)> {
    let needle = format!("fn {name}");
    let start = declared(text, at, &needle).next()?;
    let rest = &text[start + needle.len()..];
    let trimmed = rest.trim_start();
    let (declared, rest) = if trimmed.starts_with('<') {
        let close = mir::matching(trimmed)?;
        (&trimmed[..=close], trimmed[close + 1..].trim_start())
    } else {
        ("", trimmed)
    };
    if !rest.starts_with('(') {
        return None;
    }
    let params = &rest[..=mir::matching(rest)?];
    let item: syn::ItemFn = syn::parse_str(&format!("fn {name}{declared}{params} {{}}")).ok()?;
    let own = type_params(&item.sig.generics);
    // Each anonymous parameter must be a whole parameter's type (behind references), as
    // the MIR header's reader finds them.
    let mut anonymous = 0;
    for input in &item.sig.inputs {
        let syn::FnArg::Typed(typed) = input else {
            continue;
        };
        let mut ty = &*typed.ty;
        while let syn::Type::Reference(reference) = ty {
            ty = &reference.elem;
        }
        if matches!(ty, syn::Type::ImplTrait(_)) {
            anonymous += 1;
        } else if quote::ToTokens::to_token_stream(&*typed.ty)
            .to_string()
            .contains("impl ")
        {
            return None;
        }
    }
    Some((own, anonymous))
}

/// Where each `needle` (`fn name`, `trait Name`) before the byte offset `at` of `text`
/// starts, as whole words, the last first.
fn declared<'a>(text: &'a str, at: usize, needle: &'a str) -> impl Iterator<Item = usize> + 'a {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let before = text.get(..at).unwrap_or_default();
    before
        .rmatch_indices(needle)
        .map(|(start, _)| start)
        .filter(move |start| {
            let after = before[start + needle.len()..].chars().next();
            let previous = before[..*start].chars().next_back();
            !after.is_some_and(ident) && !previous.is_some_and(ident)
        })
}

/// The declaration of the trait `name` whose braces hold the byte offset `at` of `text`
/// (its header parsed, its items left out): the last `trait NAME` before `at` whose
/// body is still open there. `None` when there is none, or its header does not parse.
fn enclosing_trait(text: &str, at: usize, name: &str) -> Option<syn::ItemTrait> {
    let needle = format!("trait {name}");
    // The last declaration before `at` whose header parses, not words in a comment.
    let (open, item) = declared(text, at, &needle).find_map(|start| {
        let line = text[..start].rfind('\n').map_or(0, |newline| newline + 1);
        if text[line..start].contains("//") {
            return None;
        }
        let open = start + code_braces(&text[start..at]).next()?.0;
        let item: syn::ItemTrait = syn::parse_str(&format!("{} {{}}", &text[start..open])).ok()?;
        Some((open, item))
    })?;
    // Open at `at`: no brace after the header's closes it.
    let mut depth = 0usize;
    for (_, brace) in code_braces(&text[open..at]) {
        if brace == '{' {
            depth += 1;
        } else {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return None;
            }
        }
    }
    Some(item)
}

/// The braces of Rust source that are code: those in comments, strings and character
/// literals left out. Each with its byte offset.
fn code_braces(text: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() {
            let rest = &bytes[at..];
            match rest[0] {
                b'{' | b'}' => {
                    at += 1;
                    return Some((at - 1, char::from(rest[0])));
                }
                b'/' if rest.starts_with(b"//") => {
                    at += rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
                }
                b'/' if rest.starts_with(b"/*") => {
                    // Block comments nest.
                    let mut depth = 0usize;
                    let mut end = 0;
                    while end < rest.len() {
                        if rest[end..].starts_with(b"/*") {
                            depth += 1;
                            end += 2;
                        } else if rest[end..].starts_with(b"*/") {
                            depth -= 1;
                            end += 2;
                            if depth == 0 {
                                break;
                            }
                        } else {
                            end += 1;
                        }
                    }
                    at += end;
                }
                b'r' if raw_string(rest).is_some() => at += raw_string(rest).unwrap_or(1),
                b'"' => {
                    let mut end = 1;
                    while end < rest.len() && rest[end] != b'"' {
                        end += if rest[end] == b'\\' { 2 } else { 1 };
                    }
                    at += end + 1;
                }
                // A character literal (`'{'`, `'\''`), not a lifetime (`'a`).
                b'\'' => {
                    let len = match rest.get(1) {
                        Some(b'\\') => rest[2..]
                            .iter()
                            .skip(1)
                            .position(|b| *b == b'\'')
                            .map(|end| end + 4),
                        // After an ASCII quote: a char boundary.
                        Some(_) => text[at + 1..]
                            .chars()
                            .next()
                            .filter(|c| rest.get(1 + c.len_utf8()) == Some(&b'\''))
                            .map(|c| c.len_utf8() + 2),
                        None => None,
                    };
                    at += len.unwrap_or(1);
                }
                _ => at += 1,
            }
        }
        None
    })
}

/// The length of the raw string literal `text` starts with (`r#"..."#`), if it is one.
fn raw_string(text: &[u8]) -> Option<usize> {
    let hashes = text[1..].iter().take_while(|b| **b == b'#').count();
    if text.get(1 + hashes) != Some(&b'"') {
        return None;
    }
    let mut close = vec![b'"'];
    close.extend(std::iter::repeat_n(b'#', hashes));
    let body = 2 + hashes;
    let end = text[body..]
        .windows(close.len())
        .position(|window| window == close.as_slice())?;
    Some(body + end + close.len())
}

/// The types and consts a fn or impl declares, in order: the parameters rustc prints
/// arguments for (lifetimes are erased).
fn type_params(generics: &syn::Generics) -> Vec<String> {
    generics
        .params
        .iter()
        .filter_map(|param| match param {
            syn::GenericParam::Type(ty) => Some(ty.ident.to_string()),
            syn::GenericParam::Const(constant) => Some(constant.ident.to_string()),
            syn::GenericParam::Lifetime(_) => None,
        })
        .collect()
}

/// A span's start as a byte offset in `text`.
fn offset(text: &str, span: &Span) -> Option<usize> {
    let start = if span.line == 1 {
        0
    } else {
        text.match_indices('\n').nth(span.line - 2)?.0 + 1
    };
    Some(start + mir::column_offset(&text[start..], span.column))
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
    /// A file's text.
    fn file(&mut self, path: &Path) -> Option<&str> {
        self.texts
            .entry(path.to_path_buf())
            .or_insert_with(|| std::fs::read_to_string(path).ok())
            .as_deref()
    }

    /// The text a span covers.
    fn text(&mut self, path: &Path, span: &Span) -> Option<String> {
        let text = self.file(path)?;
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
                    let derive = header.as_deref()?.trim().rsplit("::").next()?.to_owned();
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
                    key: key.clone(),
                    header,
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
    let impls: Vec<Impl> = impls.into_values().collect();
    let (mut by_self, mut by_trait) = (HashMap::<_, Vec<_>>::new(), HashMap::<_, Vec<_>>::new());
    for (at, imp) in impls.iter().enumerate() {
        by_self.entry(imp.self_name.clone()).or_default().push(at);
        if let Some(name) = &imp.trait_name {
            by_trait.entry(name.clone()).or_default().push(at);
        }
    }
    Index {
        by_name,
        by_last,
        closures,
        self_names: impls.iter().map(|imp| imp.self_name.clone()).collect(),
        by_key: impls
            .iter()
            .enumerate()
            .map(|(at, imp)| (imp.key.clone(), at))
            .collect(),
        by_self,
        by_trait,
        impls,
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
    use super::{enclosing_trait, impl_names, may_run, own_generics, Crate, Graph, Policy, Why};

    /// Of two versions of a crate in the build, a crate names the one it reaches through
    /// what it was given (directly or through a dependency); with no list, both.
    #[test]
    fn a_crate_names_the_version_of_a_crate_it_was_given() {
        let krate = |name: &str, stem: &str, externs: &[&str]| {
            Crate::new(
                name.into(),
                "/".into(),
                false,
                String::new(),
                format!("/deps/{stem}.mir").into(),
            )
            .with_externs(externs.iter().map(|stem| (*stem).to_owned()).collect())
        };
        let graph = Graph::new(
            vec![
                krate("app", "app-1", &["reqwest-12", "client-1"]),
                krate("reqwest", "reqwest-11", &["bytes-1"]),
                krate("reqwest", "reqwest-12", &["bytes-1"]),
                krate("client", "client-1", &["reqwest-11"]),
                krate("bytes", "bytes-1", &[]),
                krate("legacy", "legacy-1", &[]),
            ],
            Policy::default(),
        );
        // `app` was given 0.12 and reaches 0.11 through `client`: its own is 0.12.
        assert_eq!(graph.named(0, "reqwest"), [2]);
        assert_eq!(graph.named(3, "reqwest"), [1]);
        assert_eq!(graph.named(2, "reqwest"), [2]);
        assert_eq!(graph.named(0, "bytes"), [4]);
        // A crate whose note had no list may mean either.
        assert_eq!(graph.named(5, "reqwest"), [1, 2]);
        assert_eq!(graph.named(0, "nothing"), Vec::<usize>::new());
    }

    /// The fixture's generic cases: its source, and an excerpt of the MIR rustc wrote
    /// for it (`tests/fixtures/mir/generics.mir`, whose spans are that source's lines).
    fn generics_graph(dir: &std::path::Path) -> Graph {
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(
            dir.join("src/generics.rs"),
            include_str!("../../tests/fixtures/precise/src/generics.rs"),
        )
        .unwrap();
        let mir = dir.join("generics.mir");
        std::fs::write(&mir, include_str!("../../tests/fixtures/mir/generics.mir")).unwrap();
        let krate = Crate::new(
            "precise_fixture".into(),
            dir.to_path_buf(),
            true,
            String::new(),
            mir,
        );
        Graph::new(vec![krate], Policy::default())
    }

    /// What the first blocking call of an async fn's body leads to, as a chain shows it.
    fn first_blocking(graph: &mut Graph, async_fn: &str) -> Option<String> {
        let name = format!("generics::{async_fn}::{{closure#0}}");
        let body = graph
            .headers(0)
            .position(|header| header.name == name)
            .unwrap_or_else(|| panic!("no body `{name}`"));
        let calls = graph.body((0, body)).calls.len();
        (0..calls).find_map(|call| match graph.call_blocks((0, body), call)? {
            Why::Via { next, .. } => Some(graph.shown(next)),
            Why::Direct { leaf, .. } => Some(leaf.what),
        })
    }

    #[test]
    fn generic_calls_lead_to_instances_with_the_callers_types() {
        let dir = std::env::temp_dir().join(format!("precise-generics-{}", std::process::id()));
        let mut graph = generics_graph(&dir);
        let mut blocking = |async_fn: &str| first_blocking(&mut graph, async_fn);
        assert_eq!(
            blocking("count_file").as_deref(),
            Some("generics::count::<std::fs::File>")
        );
        assert_eq!(blocking("count_bytes"), None);
        assert_eq!(
            blocking("relay_file").as_deref(),
            Some("generics::relay::<std::fs::File>")
        );
        assert_eq!(blocking("relay_bytes"), None);
        assert_eq!(
            blocking("filled_file").as_deref(),
            Some("<generics::Wrapper<std::fs::File> as generics::Fill>::fill")
        );
        assert_eq!(blocking("filled_memory"), None);
        assert_eq!(
            blocking("closure_file").as_deref(),
            Some("generics::in_closure::<std::fs::File>")
        );
        assert_eq!(
            blocking("anonymous_file").as_deref(),
            Some("generics::anonymous::<std::fs::File>")
        );
        // Two anonymous parameters named alike: which one is read cannot be told.
        assert_eq!(blocking("two_mixed"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_fns_own_parameters_in_declared_order() {
        let text = "pub fn second<'a, A: Clone, const N: usize, R: Read>(a: &'a A, r: &mut R, \
                    f: impl Fn() -> u8) -> usize where R: Send { 0 }";
        let at = text.find("usize where").unwrap();
        assert_eq!(
            own_generics(text, at, "second"),
            Some((vec!["A".into(), "N".into(), "R".into()], 1))
        );
        // Not this fn's name, or an anonymous parameter nested in another type.
        assert_eq!(own_generics(text, at, "seco"), None);
        let nested = "fn f(v: Vec<impl Read>) -> u8 { 0 }";
        assert_eq!(own_generics(nested, nested.find("u8").unwrap(), "f"), None);
    }

    #[test]
    fn a_provided_method_is_inside_its_traits_braces() {
        let text = "pub trait Store<T: Clone, const N: usize>: Send where T: Send {\n\
                    \x20   /// Not `}` closing the trait Store: {\n\
                    \x20   fn key(&self) -> char { '}' }\n\
                    \x20   fn text(&self) -> &str { \"}\" }\n\
                    \x20   fn raw(&self) -> &str { r#\"}\"# }\n\
                    \x20   fn life<'a>(&'a self) -> &'a str { /* } */ \"\" }\n\
                    \x20   fn save(&self) { }\n\
                    }\n\
                    pub mod Store { pub fn save() {} }\n";
        let inside = text.find("fn save").unwrap();
        let item = enclosing_trait(text, inside, "Store").expect("inside the trait");
        assert_eq!(item.ident, "Store");
        assert_eq!(super::type_params(&item.generics), ["T", "N"]);
        // After the trait's closing brace: a module's fn, not the trait's.
        let after = text.find("pub fn save").unwrap();
        assert!(enclosing_trait(text, after, "Store").is_none());
        // Another trait's name.
        assert!(enclosing_trait(text, inside, "Stor").is_none());
    }

    #[test]
    fn a_closure_is_run_by_std_calls_given_it_not_by_those_whose_types_hold_it() {
        let closure = "{closure@src/main.rs:3:9: 3:11}";
        let run = |callee: &str| may_run(&callee.replace("CLOSURE", closure), closure);
        assert!(run(
            "<std::slice::Iter<'_, u8> as std::iter::Iterator>::for_each::<&CLOSURE>"
        ));
        assert!(run("std::option::Option::<CLOSURE>::take"));
        assert!(!run(
            "<std::result::Result<Server<CLOSURE>, std::io::Error> as std::ops::Try>::branch"
        ));
        assert!(!run("<CLOSURE as std::clone::Clone>::clone"));
        assert!(!run("std::sync::Arc::<CLOSURE>::new"));
        assert!(!run("std::thread::sleep"));
    }

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
