//! One pass over one parsed file: its module scopes, its fns and their facts, and the
//! reports that need no other file (the rules of `#[no_blocking]` in every async
//! context, `sequential-awaits`, `unbounded-spawn` and `detached-spawn`).

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use proc_macro2::Span;
use syn::visit::{self, Visit};
use syn::{Attribute, Block, Expr, ImplItem, Item, Macro, ReturnType, Signature, TraitItem};

use async_hygiene_analysis::blocking;
use async_hygiene_analysis::findings::Lint;

use async_hygiene_analysis::syntax::tokens_mention;

use crate::calls::{body_uses, collect_calls, return_type, type_name};
use crate::diagnostic::{self, Location};
use crate::facts::{DeferredBody, FileFacts, FileKey, FnBody, FnFacts, Scope};
use crate::modules::{candidate_files, file_name, module_dir, module_file, path_attribute};
use crate::rules::blocking as blocking_rule;
use crate::rules::blocking::{AsyncCode, BlockingCall};
use crate::rules::{detached_spawn, sequential_awaits, unbounded_spawn, unparsed_file};
use crate::scope::{is_attribute, CrateRules, ScopeRules};

/// Collects the facts of a parsed file. `text` is what was parsed, when its spans'
/// byte offsets index it (then self-contained sync bodies are read later, on demand);
/// `blanked` the offsets of the `{` of the bodies [`crate::skim`] blanked out of it.
/// Also says whether one of those was needed now (an async fn's: the skim and the
/// parser disagree): then these facts are incomplete.
pub(crate) fn collect(
    key: &FileKey,
    path: &Arc<Path>,
    file: &syn::File,
    text: Option<Arc<str>>,
    blanked: &[usize],
    rules: &CrateRules,
) -> (FileFacts, bool) {
    let mut collector = FileCollector {
        key,
        path,
        text,
        blanked,
        needed_blanked: false,
        bounded: bounded_fns(&file.items),
        facts: FileFacts {
            path: Arc::clone(path),
            scopes: Vec::new(),
            fns: Vec::new(),
            diagnostics: Vec::new(),
        },
    };
    let scope_rules = rules
        .scope(&file.items)
        .test_code(rules.is_test_file(&key.path));
    collector.scope(&file.items, &[], &module_dir(key), true, &scope_rules);
    (collector.facts, collector.needed_blanked)
}

/// Where a module item sits: its scope in the file and its children's directory.
struct ModuleScope<'s> {
    index: usize,
    inline_path: &'s [String],
    dir: &'s Path,
    top_level: bool,
}

/// The parts of a fn item the collector reads.
#[derive(Clone, Copy)]
struct FnSyntax<'s> {
    attrs: &'s [Attribute],
    sig: &'s Signature,
    block: &'s Block,
    /// Where an attribute goes: the first token after the fn's attributes.
    start: Span,
}

struct FileCollector<'a> {
    key: &'a FileKey,
    path: &'a Arc<Path>,
    text: Option<Arc<str>>,
    blanked: &'a [usize],
    needed_blanked: bool,
    /// The names of the file's `#[bounded]` fns and methods.
    bounded: HashSet<String>,
    facts: FileFacts,
}

impl FileCollector<'_> {
    /// One module scope: `items` of the file or of an inline module whose children live
    /// in `dir`.
    fn scope(
        &mut self,
        items: &[Item],
        inline_path: &[String],
        dir: &Path,
        top_level: bool,
        scope_rules: &ScopeRules,
    ) {
        let index = self.facts.scopes.len();
        self.facts.scopes.push(Scope {
            inline_path: inline_path.to_vec(),
            uses: scope_rules.imports(),
            types: Vec::new(),
            child_files: Vec::new(),
        });
        let expanded = macro_items(items);
        let all = items
            .iter()
            .chain(expanded.iter().flat_map(|file| &file.items));
        for item in all {
            let defined = match item {
                Item::Mod(item_mod) => {
                    let scope = ModuleScope {
                        index,
                        inline_path,
                        dir,
                        top_level,
                    };
                    self.module(item_mod, &scope, scope_rules);
                    None
                }
                Item::Fn(function) => {
                    let syntax = FnSyntax {
                        attrs: &function.attrs,
                        sig: &function.sig,
                        block: &function.block,
                        start: item_start(&function.vis, &function.sig),
                    };
                    self.function(&syntax, index, None, &scope_rules.item(&function.attrs));
                    None
                }
                Item::Impl(item_impl) => {
                    let self_type = type_name(&item_impl.self_ty);
                    let impl_rules = scope_rules
                        .item(&item_impl.attrs)
                        .for_impl_of(items, &item_impl.self_ty);
                    for impl_item in &item_impl.items {
                        if let ImplItem::Fn(function) = impl_item {
                            let syntax = FnSyntax {
                                attrs: &function.attrs,
                                sig: &function.sig,
                                block: &function.block,
                                start: item_start(&function.vis, &function.sig),
                            };
                            let fn_rules = impl_rules.item(&function.attrs);
                            self.function(&syntax, index, self_type.clone(), &fn_rules);
                        }
                    }
                    None
                }
                Item::Trait(item_trait) => {
                    let trait_rules = scope_rules.item(&item_trait.attrs);
                    for trait_item in &item_trait.items {
                        if let TraitItem::Fn(function) = trait_item {
                            if let Some(block) = &function.default {
                                let syntax = FnSyntax {
                                    attrs: &function.attrs,
                                    sig: &function.sig,
                                    block,
                                    start: item_start(&syn::Visibility::Inherited, &function.sig),
                                };
                                let self_type = Some(item_trait.ident.to_string());
                                let fn_rules = trait_rules.item(&function.attrs);
                                self.function(&syntax, index, self_type, &fn_rules);
                            }
                        }
                    }
                    Some(&item_trait.ident)
                }
                Item::Struct(item) => Some(&item.ident),
                Item::Enum(item) => Some(&item.ident),
                Item::Union(item) => Some(&item.ident),
                Item::Type(item) => Some(&item.ident),
                _ => None,
            };
            if let Some(ident) = defined {
                self.facts.scopes[index].types.push(ident.to_string());
            }
        }
    }

    /// `mod name { .. }` (a scope of this file) or `mod name;` (a file of its own).
    fn module(
        &mut self,
        item_mod: &syn::ItemMod,
        parent: &ModuleScope<'_>,
        scope_rules: &ScopeRules,
    ) {
        let name = item_mod.ident.to_string();
        let path_attr = path_attribute(&item_mod.attrs);
        let item_rules = scope_rules.item(&item_mod.attrs);
        if let Some((_, content)) = &item_mod.content {
            let child_dir = match &path_attr {
                Some(path) => parent.dir.join(path),
                None => parent.dir.join(file_name(&name)),
            };
            let mut child_path = parent.inline_path.to_vec();
            child_path.push(name);
            let child_rules = item_rules.scope(content);
            self.scope(content, &child_path, &child_dir, false, &child_rules);
            return;
        }
        let file = module_file(
            self.key,
            &name,
            path_attr.as_deref(),
            parent.dir,
            parent.top_level,
        );
        if file.is_none() {
            let looked_for = candidate_files(&name, parent.dir).map(|(path, _)| path);
            self.facts.diagnostics.push(unparsed_file::missing_module(
                Location::of(self.path, item_mod.ident.span()),
                &name,
                &looked_for,
                crate::manifest::build_script(parent.dir).as_deref(),
            ));
        }
        self.facts.scopes[parent.index]
            .child_files
            .push((name, file));
    }

    fn function(
        &mut self,
        syntax: &FnSyntax<'_>,
        scope: usize,
        self_type: Option<String>,
        rules: &ScopeRules,
    ) {
        let FnSyntax {
            attrs,
            sig,
            block,
            start,
        } = *syntax;
        let is_async = sig.asyncness.is_some();
        let path = self.path;
        let returns_future = match &sig.output {
            ReturnType::Type(_, ty) => {
                tokens_mention(quote::ToTokens::to_token_stream(&**ty), "Future")
                    || tokens_mention(quote::ToTokens::to_token_stream(&**ty), "BoxFuture")
            }
            ReturnType::Default => false,
        };
        let mut facts = FnFacts {
            name: sig.ident.to_string(),
            scope,
            self_type,
            is_async,
            returns: return_type(&sig.output),
            returns_future,
            test_code: rules.is_test_code(),
            body: OnceLock::new(),
            deferred: None,
        };
        let was_blanked = self
            .blanked
            .binary_search(&diagnostic::byte_range(block.brace_token.span.open()).start)
            .is_ok();
        if was_blanked && is_async {
            self.needed_blanked = true;
        }
        if !is_async && self.text.is_some() && (was_blanked || self_contained(block)) {
            if let Some(text) = &self.text {
                let first = start.start();
                let from = diagnostic::byte_range(start).start;
                let to = diagnostic::byte_range(block.brace_token.span.close()).end;
                facts.deferred = Some(DeferredBody {
                    text: Arc::clone(text),
                    range: from..to,
                    line: first.line,
                    column: first.column,
                    rules: rules.clone(),
                });
                if let Some(deferred) = &facts.deferred {
                    let bounded = |name: &str| self.bounded.contains(name);
                    let spawns = deferred.spawn_reports(path, &bounded);
                    self.facts.diagnostics.extend(spawns);
                }
            }
            self.facts.fns.push(facts);
            return;
        }
        // The shared rules: every async context of this fn, and a sync fn's own
        // blocking calls (what its callers inherit).
        let (mut blocking, mut cpu_bound) = (None, None);
        if is_async {
            self.facts.diagnostics.extend(blocking_rule::check_async(
                rules,
                AsyncCode::Fn(sig, block),
                path,
            ));
            self.facts.diagnostics.extend(sequential_awaits::check(
                rules, attrs, sig, block, start, path,
            ));
        } else {
            for context in blocking::async_contexts(block) {
                self.facts.diagnostics.extend(blocking_rule::check_async(
                    rules,
                    AsyncCode::Expr(context),
                    path,
                ));
            }
            blocking = BlockingCall::first(rules, Lint::Blocking, sig, block, path);
            cpu_bound = BlockingCall::first(rules, Lint::CpuBound, sig, block, path);
        }
        let bounded = |name: &str| self.bounded.contains(name);
        let spawns = unbounded_spawn::check(rules, sig, block, path, &bounded, (1, 0));
        self.facts.diagnostics.extend(spawns);
        let detached = detached_spawn::check(rules, sig, block, path, (1, 0));
        self.facts.diagnostics.extend(detached);
        let (calls, nested) = collect_calls(sig, block, rules, path, is_async);
        let _ = facts.body.set(FnBody {
            blocking,
            cpu_bound,
            calls,
            uses: body_uses(block),
            unparsed: None,
        });
        self.facts.fns.push(facts);
        // Fn items inside the body are fns of the module for resolution's sake.
        for function in nested {
            let item_rules = rules.item(&function.attrs);
            let syntax = FnSyntax {
                attrs: &function.attrs,
                sig: &function.sig,
                block: &function.block,
                start: item_start(&function.vis, &function.sig),
            };
            self.function(&syntax, scope, None, &item_rules);
        }
    }
}

/// Items inside item-position macros (`cfg_rt! { mod runtime; }`, as tokio writes its
/// modules): the module's items when the input parses as items.
pub(crate) fn macro_items(items: &[Item]) -> Vec<syn::File> {
    items
        .iter()
        .filter_map(|item| match item {
            Item::Macro(item_macro) if item_macro.ident.is_none() => {
                syn::parse2::<syn::File>(item_macro.mac.tokens.clone()).ok()
            }
            _ => None,
        })
        .collect()
}

/// Where an attribute goes: the fn's first token after its attributes (`pub`, `const`,
/// `async`, `safe`, `unsafe`, `extern` or `fn`).
pub(crate) fn item_start(vis: &syn::Visibility, sig: &Signature) -> Span {
    match vis {
        syn::Visibility::Public(token) => token.span,
        syn::Visibility::Restricted(restricted) => restricted.pub_token.span,
        syn::Visibility::Inherited => sig
            .constness
            .map(|token| token.span)
            .or(sig.asyncness.map(|token| token.span))
            .or(match sig.safety {
                syn::Safety::Safe(token) => Some(token.span),
                syn::Safety::Unsafe(token) => Some(token.span),
                syn::Safety::Default => None,
            })
            .or(sig.abi.as_ref().map(|abi| abi.extern_token.span))
            .unwrap_or(sig.fn_token.span),
    }
}

/// The names of the `#[bounded]` fns and methods among `items`, inline modules included.
fn bounded_fns(items: &[Item]) -> HashSet<String> {
    let mut names = HashSet::new();
    for item in items {
        match item {
            Item::Fn(function)
                if function
                    .attrs
                    .iter()
                    .any(|attr| is_attribute(attr, "bounded")) =>
            {
                names.insert(function.sig.ident.to_string());
            }
            Item::Impl(item_impl) => {
                for impl_item in &item_impl.items {
                    if let ImplItem::Fn(function) = impl_item {
                        if function
                            .attrs
                            .iter()
                            .any(|attr| is_attribute(attr, "bounded"))
                        {
                            names.insert(function.sig.ident.to_string());
                        }
                    }
                }
            }
            Item::Mod(item_mod) => {
                if let Some((_, content)) = &item_mod.content {
                    names.extend(bounded_fns(content));
                }
            }
            _ => {}
        }
    }
    names
}

/// Whether a sync body can be read later ([`DeferredBody`]): no async block or closure
/// (also inside macro arguments) and no fn item.
fn self_contained(block: &Block) -> bool {
    struct Finder {
        found: bool,
    }
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr(&mut self, expr: &'ast Expr) {
            match expr {
                _ if self.found => {}
                Expr::Async(_) => self.found = true,
                Expr::Closure(closure) if closure.asyncness.is_some() => self.found = true,
                _ => visit::visit_expr(self, expr),
            }
        }
        // The collector does not look into items of a body, only takes its fns.
        fn visit_item(&mut self, item: &'ast Item) {
            self.found |= matches!(item, Item::Fn(_));
        }
        // Fn items in a macro's input are not the crate's; async blocks are code.
        fn visit_macro(&mut self, mac: &'ast Macro) {
            self.found = self.found || tokens_mention(mac.tokens.clone(), "async");
        }
    }
    let mut finder = Finder { found: false };
    finder.visit_block(block);
    !finder.found
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use super::*;

    /// What reading a file does with a skimmed text: the text to lex parsed, its spans
    /// resolved with the lines of the text. Also how many bodies the skim blanked.
    fn collect_skimmed(
        text: &str,
        key: &FileKey,
        path: &Arc<Path>,
        rules: &CrateRules,
    ) -> (FileFacts, usize) {
        let skimmed = crate::skim::skim(text).unwrap();
        let full: Arc<str> = Arc::from(skimmed.without_docs.as_deref().unwrap_or(text));
        diagnostic::with_lines(&full, 0..full.len(), || {
            let file = syn::parse_file(skimmed.for_lexing.as_deref().unwrap()).unwrap();
            let text = Some(Arc::clone(&full));
            let (facts, needed) = collect(key, path, &file, text, &skimmed.bodies, rules);
            assert!(!needed);
            (facts, skimmed.bodies.len())
        })
    }

    /// A deferred body, read later (also one the parser never saw), gives what reading it
    /// with its file gives: the same
    /// calls and blocking call, at the same lines, columns (in chars, also on the fn's
    /// first line) and bytes.
    #[test]
    fn a_deferred_body_reads_as_it_would_with_its_file() {
        let text =
            "use std::fs;\n\nimpl Db {\n    pub fn load(&self, p: &str) -> Vec<u8> {\n        \
                    let db = Db::open(p);\n        db.check(\"é\"); helper(1, \"ü\");\n        \
                    fs::read(p).unwrap()\n    }\n}\n\n/*é*/ fn helper(n: u8, s: &str) { other(n); \
                    std::thread::sleep(d) }\n";
        let file = syn::parse_file(text).unwrap();
        let key = FileKey {
            path: PathBuf::from("src/lib.rs"),
            owns_dir: true,
        };
        let path: Arc<Path> = Arc::from(Path::new("src/lib.rs"));
        let (rules, _) = CrateRules::load(Path::new("/nonexistent"));
        let (eager, _) = collect(&key, &path, &file, None, &[], &rules);
        let (deferred, _) = collect(&key, &path, &file, Some(Arc::from(text)), &[], &rules);
        // The parser never saw the bodies the skim blanked; `load`'s body has non-ASCII
        // text: kept, and deferred after the parse.
        let (skimmed, blanked) = collect_skimmed(text, &key, &path, &rules);
        assert_eq!(blanked, 1);
        assert_eq!(deferred.fns.len(), 2);
        assert_eq!(skimmed.fns.len(), 2);
        for ((eager, deferred), skimmed) in eager.fns.iter().zip(&deferred.fns).zip(&skimmed.fns) {
            assert!(!eager.is_unread() && !eager.calls().is_empty());
            for later in [deferred, skimmed] {
                assert!(later.is_unread() && later.calls().is_empty());
                later.read_body(&path);
                assert_eq!(
                    format!("{:?}", eager.calls()),
                    format!("{:?}", later.calls())
                );
                assert_eq!(
                    format!("{:?}", eager.blocking()),
                    format!("{:?}", later.blocking())
                );
            }
        }
        let sleep = deferred.fns[1].blocking().expect("helper blocks");
        assert_eq!(&text[sleep.location.bytes.clone()], "std::thread::sleep(d)");
        assert_eq!(sleep.location.line_start, 11);
        assert_eq!(sleep.location.column_start, 45);
    }

    /// A body the parser never saw may not parse: read, it is reported at its error.
    #[test]
    fn a_skimmed_body_that_does_not_parse_is_reported_when_read() {
        let text = "fn helper() {\n    let x = ;\n}\n";
        let key = FileKey {
            path: PathBuf::from("src/lib.rs"),
            owns_dir: true,
        };
        let path: Arc<Path> = Arc::from(Path::new("src/lib.rs"));
        let (rules, _) = CrateRules::load(Path::new("/nonexistent"));
        let (facts, blanked) = collect_skimmed(text, &key, &path, &rules);
        assert_eq!(blanked, 1);
        assert!(facts.fns[0].unparsed().is_none());
        facts.fns[0].read_body(&path);
        let unparsed = facts.fns[0].unparsed().expect("reported");
        assert_eq!(unparsed.code, crate::rules::Code::Unparsed);
        assert_eq!(
            (unparsed.primary.line_start, unparsed.primary.column_start),
            (2, 13)
        );
        assert!(unparsed.message.contains("expected an expression"));
    }

    /// Where `#[concurrent]` goes: the first token after the attributes.
    #[test]
    fn item_start_is_the_first_token_after_the_attributes() {
        for (text, first) in [
            ("#[inline] fn f() {}", "fn"),
            ("/// doc\npub(crate) async fn f() {}", "pub"),
            ("const unsafe fn f() {}", "const"),
            ("unsafe extern \"C\" fn f() {}", "unsafe"),
            ("extern \"C\" fn f() {}", "extern"),
            ("async fn f() {}", "async"),
        ] {
            let function: syn::ItemFn = syn::parse_str(text).unwrap();
            let span = item_start(&function.vis, &function.sig);
            assert_eq!(&text[span.byte_range()], first, "{text}");
        }
    }
}
