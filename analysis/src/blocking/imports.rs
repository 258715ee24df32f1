//! Name resolution as far as the rules need it: the `use` items and item definitions in
//! view. An attribute sees only the item it annotates (a `use` at the top of the file is
//! invisible to a macro), so shortened paths are matched by their tail and distinctive
//! bare names are read as std's; the checker sees whole modules and says so with
//! [`Imports::module`].

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use syn::visit::Visit;
use syn::{Block, Expr, FnArg, Item, ItemUse, Pat, Path, Signature, Type, UseTree};

use super::catalogue::{Origin, SYNC_RECEIVERS};
use crate::syntax::peel_type;

/// Names brought into scope by `use` items, as full paths, and by local item definitions
/// (as `self::name`).
///
/// ```
/// use async_hygiene_analysis::blocking::Imports;
///
/// let file: syn::File = syn::parse_quote! {
///     use std::thread::sleep;
///     use tokio::fs::{self as afs, read_to_string};
/// };
/// let imports = Imports::module(&file.items);
/// let path: syn::Path = syn::parse_quote!(sleep);
/// assert_eq!(imports.resolve(&path), [["std", "thread", "sleep"]]);
/// let path: syn::Path = syn::parse_quote!(afs::write);
/// assert_eq!(imports.resolve(&path), [["tokio", "fs", "write"]]);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Imports {
    /// `use std::fs::File as F;` → `F` = `std::fs::File`.
    /// Shared with the scopes cloned from this one (a module's imports are cloned for
    /// each fn in it, and most bodies add none): written through `Arc::make_mut`.
    aliases: Arc<HashMap<String, Vec<String>>>,
    /// `use std::fs::*;` → `std::fs`.
    globs: Arc<Vec<Vec<String>>>,
    /// Whether every name of the scope is in view: see [`Imports::complete`].
    complete: bool,
    /// Parameters and `let`/closure/pattern bindings: a local `sleep` shadows any fn
    /// of that name.
    locals: HashSet<String>,
    /// Parameters typed as a value whose methods block (a sync channel's receiver), or
    /// whose type settles a call (a `SocketAddr`, a `RefCell`, a `Path`).
    parameter_origins: HashMap<String, Origin>,
    /// The fields of `self`'s struct whose type gives them an [`Origin`]
    /// ([`Imports::add_self_fields`]).
    field_origins: HashMap<String, Origin>,
}

impl Imports {
    /// The scope of a whole module (a file's items, or an inline module's): its `use`
    /// items and item definitions, with nothing else in scope. Glob imports of the
    /// crate's own modules (`use super::*;`) are kept as paths; a caller that resolves
    /// them can [`insert`](Imports::insert) what they bring.
    #[must_use]
    pub fn module(items: &[Item]) -> Imports {
        let mut imports = Imports {
            complete: true,
            ..Imports::default()
        };
        imports.add_items(items);
        imports
    }

    /// Whether the scope is entirely in view ([`Imports::module`]), or only partly (the
    /// default: what one annotated item contains). In a partial view, a bare call of a
    /// distinctive std name (`sleep(d)`, `read_dir(p)`) that nothing in view defines or
    /// imports, and whose result is consumed as a value, is read as std's: the `use` may
    /// be out of sight, and tokio's namesakes return futures.
    #[must_use]
    pub fn complete(&self) -> bool {
        self.complete
    }

    /// Declares that `name` stands for `path` here, as a resolved `use` does:
    /// `insert("nap", ["std", "thread", "sleep"])`.
    pub fn insert(&mut self, name: impl Into<String>, path: Vec<String>) {
        Arc::make_mut(&mut self.aliases).insert(name.into(), path);
    }

    /// Adds a fn's parameters as locals.
    pub fn add_signature(&mut self, sig: &Signature) {
        for input in &sig.inputs {
            let FnArg::Typed(typed) = input else { continue };
            UseCollector::new(self).visit_pat(&typed.pat);
            // `rx: std::sync::mpsc::Receiver<T>` (a full path, or one a `use` in view
            // resolves; `mpsc::Receiver` may be tokio's).
            let (Pat::Ident(name), Type::Path(ty)) = (&*typed.pat, peel_type(&typed.ty)) else {
                continue;
            };
            let resolved = self.resolve(&ty.path);
            let receiver = SYNC_RECEIVERS.iter().any(|receiver| {
                let receiver: Vec<&str> = receiver.split("::").collect();
                resolved.iter().any(|written| {
                    written
                        .iter()
                        .map(String::as_str)
                        .eq(receiver.iter().copied())
                })
            });
            if receiver && ty.qself.is_none() {
                self.parameter_origins
                    .insert(name.ident.to_string(), Origin::SyncReceiver);
            }
        }
        for input in &sig.inputs {
            let FnArg::Typed(typed) = input else { continue };
            let Pat::Ident(name) = &*typed.pat else {
                continue;
            };
            let name = name.ident.to_string();
            if self.parameter_origins.contains_key(&name) {
                continue;
            }
            if let Some(origin) = self.type_origin(&typed.ty) {
                self.parameter_origins.insert(name, origin);
            } else if super::evidence::is_generic_io_type(&typed.ty, &sig.generics) {
                self.parameter_origins.insert(name, Origin::CallerChosen);
            }
        }
    }

    /// The [`Origin`] a binding of type `ty` has: `SocketAddr` and `(IpAddr, u16)` are
    /// addresses, `Vec<u8>`, `&[u8]` and `Cursor` memory, `RefCell<T>` (also behind
    /// `&`, `Rc`, `Arc`) a cell, `Path`/`PathBuf` a path and `File` (also buffered) a
    /// file when the written type resolves to std's (`axum::extract::Path` and
    /// `tokio::fs::File` are not).
    #[must_use]
    pub fn type_origin(&self, ty: &Type) -> Option<Origin> {
        super::evidence::type_origin(ty, &|path, canonical| {
            self.resolve(path).iter().any(|resolved| {
                resolved
                    .iter()
                    .map(String::as_str)
                    .eq(canonical.iter().copied())
            })
        })
    }

    /// Declares the fields of the struct `self` is in a method's body (the checker
    /// reads the struct's declaration): a field typed as a value whose methods block or
    /// are settled by its type, reached as `self.field`, gets that [`Origin`]
    /// (`self.root.exists()` with `root: PathBuf`).
    pub fn add_self_fields(&mut self, fields: &syn::Fields) {
        for field in fields {
            let Some(name) = &field.ident else { continue };
            if let Some(origin) = self.type_origin(&field.ty) {
                self.field_origins.insert(name.to_string(), origin);
            }
        }
    }

    /// The [`Origin`] of `self.name`, when the struct's declaration is in view.
    pub(crate) fn field_origin(&self, name: &str) -> Option<Origin> {
        self.field_origins.get(name).copied()
    }

    /// Whether a `Borrow`/`BorrowMut` trait may be in scope: imported by name (or as
    /// `_`), or brought by a glob import. Without one, `.borrow()` is an inherent method
    /// (a `RefCell`'s).
    pub(crate) fn may_use_borrow_trait(&self) -> bool {
        !self.globs.is_empty()
            || self.aliases.values().any(|path| {
                path.last()
                    .is_some_and(|last| last == "Borrow" || last == "BorrowMut")
            })
    }

    /// Parameters whose type gives them an [`Origin`].
    pub(crate) fn parameter_origins(&self) -> &HashMap<String, Origin> {
        &self.parameter_origins
    }

    /// Whether a `use` in view may give `name` another meaning: an import or definition
    /// of it, or any glob import.
    pub(crate) fn may_import(&self, name: &str) -> bool {
        self.aliases.contains_key(name) || !self.globs.is_empty()
    }

    /// Whether a `use` in view imports from one of `crates` (`use argon2::Argon2`,
    /// `use image;`, `use zstd::*`) or imports one of `traits` by name, from any path
    /// (`use password_hash::PasswordHasher`).
    pub(crate) fn imports_from(&self, crates: &[&str], traits: &[&str]) -> bool {
        let from_crate = |path: &Vec<String>| {
            path.first()
                .is_some_and(|first| crates.contains(&first.as_str()))
        };
        self.aliases.values().any(|path| {
            from_crate(path)
                || path
                    .last()
                    .is_some_and(|last| traits.contains(&last.as_str()))
        }) || self.globs.iter().any(from_crate)
    }

    /// Whether `name` is a parameter or a local binding in view.
    #[must_use]
    pub fn is_local(&self, name: &str) -> bool {
        self.locals.contains(name)
    }

    /// Adds the `use` items and item definitions among `items` (a module's scope).
    pub fn add_items(&mut self, items: &[Item]) {
        for item in items {
            self.add_item(item);
        }
    }

    /// A `use` item, or an item defined here: a local `mod fs { .. }`, `struct File` or
    /// `fn sleep` shadows std's names in this scope, so `fs::read(..)` is not std's.
    fn add_item(&mut self, item: &Item) {
        let defined = match item {
            Item::Use(item_use) => {
                self.add_use(item_use);
                return;
            }
            Item::Mod(item) => &item.ident,
            Item::Struct(item) => &item.ident,
            Item::Enum(item) => &item.ident,
            Item::Union(item) => &item.ident,
            Item::Fn(item) => &item.sig.ident,
            Item::Type(item) => &item.ident,
            Item::Trait(item) => &item.ident,
            Item::Const(item) => &item.ident,
            Item::Static(item) => &item.ident,
            _ => return,
        };
        let name = defined.to_string();
        Arc::make_mut(&mut self.aliases).insert(name.clone(), vec!["self".to_owned(), name]);
    }

    /// Adds the item definitions and local bindings anywhere in a fn body, nested blocks
    /// included but not the bodies of nested fn items (they are other functions and are
    /// not checked), and the `use` items of the body's own block. A `use` in an inner
    /// block names things in that block only: the scan adds it as it enters the block.
    pub fn add_body(&mut self, block: &Block) {
        UseCollector::new(self).visit_block(block);
    }

    /// [`add_body`](Imports::add_body) for an expression (an `async` block, a closure).
    pub fn add_expr(&mut self, expr: &Expr) {
        UseCollector::new(self).visit_expr(expr);
    }

    /// The `use` items among a block's statements: in view inside that block only.
    pub(crate) fn add_block_uses(&mut self, stmts: &[syn::Stmt]) {
        for stmt in stmts {
            if let syn::Stmt::Item(Item::Use(item_use)) = stmt {
                self.add_use(item_use);
            }
        }
    }

    fn add_use(&mut self, item_use: &ItemUse) {
        self.add_tree(&mut Vec::new(), &item_use.tree);
    }

    fn add_tree(&mut self, prefix: &mut Vec<String>, tree: &UseTree) {
        match tree {
            UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                self.add_tree(prefix, &path.tree);
                prefix.pop();
            }
            UseTree::Name(name) => {
                let name = name.ident.to_string();
                if name == "self" {
                    // `use std::fs::{self}` names `fs`.
                    if let Some(last) = prefix.last() {
                        Arc::make_mut(&mut self.aliases).insert(last.clone(), prefix.clone());
                    }
                } else {
                    let mut full = prefix.clone();
                    full.push(name.clone());
                    Arc::make_mut(&mut self.aliases).insert(name, full);
                }
            }
            UseTree::Rename(rename) => {
                let mut full = prefix.clone();
                let name = rename.ident.to_string();
                if name != "self" {
                    full.push(name);
                }
                Arc::make_mut(&mut self.aliases).insert(rename.rename.to_string(), full);
            }
            UseTree::Glob(_) => Arc::make_mut(&mut self.globs).push(prefix.clone()),
            UseTree::Group(group) => {
                for tree in &group.items {
                    self.add_tree(prefix, tree);
                }
            }
        }
    }

    /// What a written path may stand for: itself with an imported first segment
    /// replaced, or, when nothing imports that segment, itself and each glob import
    /// followed by it.
    #[must_use]
    pub fn resolve(&self, path: &Path) -> Vec<Vec<String>> {
        let written: Vec<String> = path
            .segments
            .iter()
            .map(|segment| segment.ident.to_string())
            .collect();
        self.resolve_segments(written, path.leading_colon.is_some())
    }

    fn resolve_segments(&self, written: Vec<String>, absolute: bool) -> Vec<Vec<String>> {
        if absolute {
            return vec![written];
        }
        let Some(first) = written.first() else {
            return vec![written];
        };
        if let Some(full) = self.aliases.get(first) {
            let mut resolved = full.clone();
            resolved.extend_from_slice(&written[1..]);
            return vec![resolved];
        }
        let mut candidates = vec![written.clone()];
        for glob in self.globs.iter() {
            let mut candidate = glob.clone();
            candidate.extend_from_slice(&written);
            candidates.push(candidate);
        }
        candidates
    }
}

/// Collects a body's items and local names. `use` items count in the body's own block
/// (or an expression's outermost one) only: one in a nested block names things in that
/// block, which the scan adds as it enters it.
struct UseCollector<'a> {
    imports: &'a mut Imports,
    /// How many blocks the visit is inside.
    depth: usize,
}

impl<'a> UseCollector<'a> {
    fn new(imports: &'a mut Imports) -> Self {
        UseCollector { imports, depth: 0 }
    }
}

impl<'ast> Visit<'ast> for UseCollector<'_> {
    fn visit_block(&mut self, block: &'ast Block) {
        self.depth += 1;
        syn::visit::visit_block(self, block);
        self.depth -= 1;
    }
    fn visit_item(&mut self, item: &'ast Item) {
        if self.depth > 1 && matches!(item, Item::Use(_)) {
            return;
        }
        self.imports.add_item(item);
    }
    fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
        self.imports.locals.insert(pat.ident.to_string());
        syn::visit::visit_pat_ident(self, pat);
    }
}
