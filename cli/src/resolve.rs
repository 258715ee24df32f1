//! Name resolution over the crate's module trees: which crate fns a call may call.
//!
//! - **Modules**: one tree per crate root, built from the parsed files' scopes (`mod x;`
//!   files and inline `mod`s), so `crate::`, `super::`, `self::`, `use` items (renames,
//!   globs, `pub use` re-exports) and the workspace crates the root can name (its
//!   package's lib, the libs of the packages it depends on: [`Root::crates`]) resolve
//!   by name.
//! - **Types**: a type is the one its path names, from the module that defines it: an
//!   associated fn or method belongs to the type its `impl` names from the impl's module,
//!   so `dist::http::Client::new` is not the `new` of another `Client` in view.
//! - **Calls**: a path call resolves through the path as written, from its first segment
//!   in scope; a method call to the methods of the receiver's type when syntax shows it,
//!   else to the one method of that name among the crates the caller can name, if there
//!   is exactly one and the name is not a common std one (`std_method_names.txt`).
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

/// A type by name: of the tree of crate root `target`, defined in `module` when the
/// lookup found its definition (`None`: only its name is known, as for `Self` of an impl
/// whose type is not found, and any impl of that name may be it).
#[derive(Clone, Debug, PartialEq, Eq)]
struct TypeRef {
    target: usize,
    name: String,
    module: Option<ModuleId>,
}

#[derive(Debug)]
struct FnNode {
    file: usize,
    index: usize,
    module: ModuleId,
}

impl FnNode {
    /// The crate root whose tree holds the fn.
    fn target(&self, modules: &[Module]) -> usize {
        modules[self.module].target
    }
}

/// What a path names.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Resolved {
    Module(ModuleId),
    Fn(FnId),
    /// A type of a crate root's tree.
    Type(TypeRef),
}

/// A crate root: its file and the workspace crates it can name.
#[derive(Debug)]
pub(crate) struct Root {
    pub(crate) file: usize,
    /// The libs it can name, by the name it uses (an index into the list of roots):
    /// its package's lib when it is not that lib, and the libs of the workspace packages
    /// its target depends on (dev-dependencies too for tests, examples and benches).
    pub(crate) crates: Vec<(String, usize)>,
}

pub(crate) struct Resolver<'f> {
    files: &'f [ParsedFile],
    modules: Vec<Module>,
    nodes: Vec<FnNode>,
    roots: Vec<ModuleId>,
    /// For each crate root, the lib crates it can name → their root module.
    crates: Vec<HashMap<String, ModuleId>>,
    /// For each crate root, the crate roots whose fns its calls may reach: its own and
    /// those of `crates`.
    reachable: Vec<HashSet<usize>>,
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
            crates: Vec::new(),
            reachable: Vec::new(),
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
        }
        for (target, root) in roots.iter().enumerate() {
            let named = root.crates.iter().filter(|(_, lib)| *lib < roots.len());
            resolver.crates.push(
                named
                    .clone()
                    .map(|(name, lib)| (name.clone(), resolver.roots[*lib]))
                    .collect(),
            );
            resolver
                .reachable
                .push(named.map(|(_, lib)| *lib).chain([target]).collect());
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
            found.push(Resolved::Type(TypeRef {
                target: this.target,
                name: name.to_owned(),
                module: Some(module),
            }));
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
                return match self.crates[target].get(name) {
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
                .map(|name| self.self_type(module, name, depth))
                .unwrap_or_default(),
            name => {
                let mut found = Vec::new();
                if let Some(local) = local {
                    found = self.through_imports(module, local, name, depth);
                }
                if found.is_empty() {
                    found = self.lookup(module, name, depth);
                }
                if found.is_empty() {
                    if let Some(root) = self.crates[target].get(name) {
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
                    // `super::super::x`: each `super` is the parent.
                    Resolved::Module(module) if segment == "super" => self.modules[module]
                        .parent
                        .map(Resolved::Module)
                        .into_iter()
                        .collect(),
                    Resolved::Module(module) => self.lookup(module, segment, depth),
                    Resolved::Type(ty) => self
                        .methods
                        .get(&(ty.target, ty.name.clone(), segment.clone()))
                        .into_iter()
                        .flatten()
                        .filter(|id| self.implements(**id, &ty, depth))
                        .map(|id| Resolved::Fn(*id))
                        .collect(),
                    Resolved::Fn(_) => Vec::new(),
                })
                .collect();
        }
        current
    }

    /// `Self` inside an impl of `name` written in `module`: the type that name
    /// names there, or the name alone when the lookup does not find it.
    fn self_type(&self, module: ModuleId, name: &str, depth: usize) -> Vec<Resolved> {
        let found: Vec<Resolved> = self
            .lookup(module, name, depth + 1)
            .into_iter()
            .filter(|resolved| matches!(resolved, Resolved::Type(_)))
            .collect();
        if !found.is_empty() {
            return found;
        }
        vec![Resolved::Type(TypeRef {
            target: self.modules[module].target,
            name: name.to_owned(),
            module: None,
        })]
    }

    /// Whether method `id` (of an impl of a type named `ty.name`) may be one of `ty`'s:
    /// its impl names that type from the impl's module, or a type the lookup cannot find
    /// (`impl a::b::T` is only known by `T`), or `ty`'s definition is unknown.
    fn implements(&self, id: FnId, ty: &TypeRef, depth: usize) -> bool {
        let Some(defined_in) = ty.module else {
            return true;
        };
        if depth > MAX_DEPTH {
            return true;
        }
        let node = &self.nodes[id];
        let Some(self_type) = self.facts(id).self_type.as_deref() else {
            return true;
        };
        let mut named = self
            .lookup(node.module, self_type, depth + 1)
            .into_iter()
            .filter_map(|resolved| match resolved {
                Resolved::Type(TypeRef { module, .. }) => Some(module),
                _ => None,
            })
            .peekable();
        named.peek().is_none() || named.any(|module| module.is_none_or(|m| m == defined_in))
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
                    None => return self.method_by_name(node.target(&self.modules), name),
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

    /// A method whose receiver's type is out of sight, called from crate root
    /// `target`: the one method of that name among the crates that root can name (its
    /// own tree, its package's lib, the workspace crates it depends on), unless the name
    /// is also a common std method. Another crate's method is not callable from there,
    /// whatever its name.
    fn method_by_name(&self, target: usize, name: &str) -> Vec<FnId> {
        if is_std_method_name(name) {
            return Vec::new();
        }
        let Some(defined) = self.methods_by_name.get(name) else {
            return Vec::new();
        };
        let reachable = &self.reachable[target];
        let callable: Vec<&(usize, usize, FnId)> = defined
            .iter()
            .filter(|(_, _, id)| reachable.contains(&self.modules[self.nodes[*id].module].target))
            .collect();
        let distinct: HashSet<(usize, usize)> = callable
            .iter()
            .map(|(file, index, _)| (*file, *index))
            .collect();
        if distinct.len() == 1 {
            callable.first().map(|(_, _, id)| *id).into_iter().collect()
        } else {
            Vec::new()
        }
    }
}
