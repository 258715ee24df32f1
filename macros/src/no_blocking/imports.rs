//! The `use` items the annotated item itself contains. They are all a macro can see of
//! name resolution: a `use` outside the item is invisible, so shortened paths are
//! matched by their tail instead (see `catalogue::PathMatch`).

use std::collections::HashMap;

use syn::visit::Visit;
use syn::{Block, Item, ItemUse, Path, UseTree};

/// Names brought into scope by `use` items, as full paths, and by local item definitions
/// (as `self::name`).
#[derive(Clone, Debug, Default)]
pub(super) struct Imports {
    /// `use std::fs::File as F;` → `F` = `std::fs::File`.
    aliases: HashMap<String, Vec<String>>,
    /// `use std::fs::*;` → `std::fs`.
    globs: Vec<Vec<String>>,
}

impl Imports {
    /// Adds the `use` items and item definitions among `items` (a module's scope).
    pub(super) fn add_items(&mut self, items: &[Item]) {
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
        self.aliases
            .insert(name.clone(), vec!["self".to_owned(), name]);
    }

    /// Adds the `use` items and item definitions anywhere in a fn body, nested blocks
    /// included but not the bodies of nested fn items (they are other functions and are
    /// not checked).
    ///
    /// A `use` in an inner block is treated as if it covered the whole body: a coarse
    /// scope, but it only ever refines how a path is read.
    pub(super) fn add_body(&mut self, block: &Block) {
        struct UseCollector<'a>(&'a mut Imports);
        impl<'ast> Visit<'ast> for UseCollector<'_> {
            fn visit_item(&mut self, item: &'ast Item) {
                self.0.add_item(item);
            }
        }
        UseCollector(self).visit_block(block);
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
                        self.aliases.insert(last.clone(), prefix.clone());
                    }
                } else {
                    let mut full = prefix.clone();
                    full.push(name.clone());
                    self.aliases.insert(name, full);
                }
            }
            UseTree::Rename(rename) => {
                let mut full = prefix.clone();
                let name = rename.ident.to_string();
                if name != "self" {
                    full.push(name);
                }
                self.aliases.insert(rename.rename.to_string(), full);
            }
            UseTree::Glob(_) => self.globs.push(prefix.clone()),
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
    pub(super) fn resolve(&self, path: &Path) -> Vec<Vec<String>> {
        let written: Vec<String> = path
            .segments
            .iter()
            .map(|segment| segment.ident.to_string())
            .collect();
        self.resolve_segments(written, path.leading_colon.is_some())
    }

    pub(super) fn resolve_segments(
        &self,
        written: Vec<String>,
        absolute: bool,
    ) -> Vec<Vec<String>> {
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
        for glob in &self.globs {
            let mut candidate = glob.clone();
            candidate.extend_from_slice(&written);
            candidates.push(candidate);
        }
        candidates
    }
}
