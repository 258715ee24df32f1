//! Name resolution over the crate's module trees: which crate fns a call may call.
//!
//! - **Modules**: one tree per crate root, built from the parsed files' scopes (`mod x;`
//!   files and inline `mod`s), so `crate::`, `super::`, `self::`, `use` items (renames,
//!   globs, `pub use` re-exports) and the other crates of the workspace resolve by name.
//! - **Calls**: a path call resolves to fns and associated fns; a method call to the
//!   methods of the receiver's type when syntax shows it, else to the one method of that
//!   name in the workspace if there is exactly one and the name is not a common std one
//!   (`std_method_names.txt`).
//!
//! It cannot see calls through trait objects, fn pointers or generics.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;

use async_hygiene_analysis::blocking::Imports;

use crate::facts::{CallSite, Callee, FnFacts, TypeGuess};
use crate::sources::ParsedFile;

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

pub(crate) struct Resolver<'f> {
    files: &'f [ParsedFile],
    modules: Vec<Module>,
    nodes: Vec<FnNode>,
    roots: Vec<ModuleId>,
    /// Lib crate names → their root module.
    crates: HashMap<String, ModuleId>,
    methods: HashMap<(usize, String, String), Vec<FnId>>,
    /// Method name → the distinct `(file, index)` that define it.
    methods_by_name: HashMap<String, Vec<(usize, usize, FnId)>>,
    lookups: RefCell<HashMap<ModuleId, HashMap<String, Vec<Resolved>>>>,
    answering: RefCell<HashSet<(ModuleId, String)>>,
}

const MAX_DEPTH: usize = 12;

/// Method names of std types and traits, one a line: a call by one of these names on a
/// receiver whose type is out of sight is std's far more often than the crate's.
const STD_METHOD_NAMES: &str = include_str!("std_method_names.txt");

fn is_std_method_name(name: &str) -> bool {
    static NAMES: OnceLock<HashSet<&'static str>> = OnceLock::new();
    NAMES
        .get_or_init(|| STD_METHOD_NAMES.lines().collect())
        .contains(name)
}

impl<'f> Resolver<'f> {
    /// The module trees of `roots` (files of `files`, with the lib crate names they
    /// define).
    pub(crate) fn build(files: &'f [ParsedFile], roots: &[Root]) -> Resolver<'f> {
        let mut resolver = Resolver {
            files,
            modules: Vec::new(),
            nodes: Vec::new(),
            roots: Vec::new(),
            crates: HashMap::new(),
            methods: HashMap::new(),
            methods_by_name: HashMap::new(),
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
            let module = resolver.module(target, root.file, 0, None, &by_path, &mut visiting);
            resolver.roots.push(module);
            if !root.crate_name.is_empty() {
                resolver
                    .crates
                    .entry(root.crate_name.clone())
                    .or_insert(module);
            }
        }
        resolver
    }

    /// How many fns the trees hold (ids are `0..count`).
    pub(crate) fn fn_count(&self) -> usize {
        self.nodes.len()
    }

    /// The file and the index in it of a fn: one fn of a file in two crate roots has
    /// two ids.
    pub(crate) fn fn_place(&self, id: FnId) -> (usize, usize) {
        (self.nodes[id].file, self.nodes[id].index)
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

    pub(crate) fn facts(&self, id: FnId) -> &'f FnFacts {
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
    pub(crate) fn callees(&self, caller: FnId, call: &CallSite) -> Vec<FnId> {
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
        if is_std_method_name(name) {
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
}
