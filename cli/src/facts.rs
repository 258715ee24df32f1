//! One pass over one parsed file: everything the crate-wide phases need, with spans
//! already turned into [`Location`]s (proc-macro2's source map is per thread, and the
//! crate-wide phases run after every file is parsed, on any thread).
//!
//! - the module scopes of the file (the file's own, then its inline `mod`s): their `use`
//!   items, the types and fns they define, the files of their `mod x;` declarations;
//! - per fn: whether it is async, its blocking calls (sync fns: found by the shared
//!   rules in [`crate::rules::blocking`]), and every call it makes outside offload contexts, with
//!   the receiver's type where syntax shows it; a self-contained sync body is left as
//!   the range of its text and read when async code reaches the fn ([`DeferredBody`]);
//! - the reports that need no other file: the rules of `#[no_blocking]` in every async
//!   context, and `sequential-awaits`.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{
    Attribute, Block, Expr, FnArg, ImplItem, Item, Local, Macro, Pat, ReturnType, Signature, Stmt,
    TraitItem, Type,
};

use async_hygiene_analysis::blocking::{self, Imports, ESCAPE_HATCH};

use crate::diagnostic::{self, Diagnostic, Location};
use crate::rules::blocking::{self as blocking_rule, BlockingCall};
use crate::rules::{sequential_awaits, unparsed_file};
use crate::scope::{CrateRules, ScopeRules};

/// Where a file's child modules live, as rustc decides it: a crate root, a `mod.rs` or a
/// `#[path]` file owns its directory; `src/a.rs` puts its children in `src/a/`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct FileKey {
    pub(crate) path: PathBuf,
    pub(crate) owns_dir: bool,
}

impl FileKey {
    /// The directory of the file's `mod x;` children.
    fn module_dir(&self) -> PathBuf {
        let parent = self.path.parent().unwrap_or(Path::new("")).to_path_buf();
        if self.owns_dir {
            parent
        } else {
            let stem = self.path.file_stem().unwrap_or_default();
            parent.join(stem)
        }
    }
}

/// A module's scope in a file: the file's top level (`inline_path` empty) or an
/// inline `mod a { mod b { .. } }` (`["a", "b"]`).
#[derive(Debug)]
pub(crate) struct Scope {
    pub(crate) inline_path: Vec<String>,
    /// The names in view: `use` items (renames, globs) and the items defined here.
    pub(crate) uses: Arc<Imports>,
    /// Structs, enums, unions, type aliases and traits defined here.
    pub(crate) types: Vec<String>,
    /// `mod x;` → the file it loads (`None`: no such file).
    pub(crate) child_files: Vec<(String, Option<FileKey>)>,
}

/// What syntax shows of a receiver's type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TypeGuess {
    /// A type path as written: `Db`, `crate::db::Db`, `Self`.
    Named(Vec<String>),
    /// The value returned by a call of this path: `Db::open(..)`, `Self::new()`.
    ReturnOf(Vec<String>),
    /// A value of a type that is not the crate's: a literal, a macro's output, a
    /// reference to a std type.
    Foreign,
}

/// The callee of a call site, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Callee {
    /// `f(..)`, `a::b::f(..)`, `Type::f(..)`.
    Path(Vec<String>),
    /// `receiver.name(..)`; `receiver` is `None` when syntax does not show its type.
    Method {
        name: String,
        receiver: Option<TypeGuess>,
    },
}

/// One call made by a fn.
#[derive(Clone, Debug)]
pub(crate) struct CallSite {
    pub(crate) callee: Callee,
    /// The whole call expression.
    pub(crate) location: Location,
    /// The callee as written, for messages: `config::load`, `.load`.
    pub(crate) written: String,
    /// `.await`ed where it is made: the callee returns a future, so it is not a sync
    /// fn that returns a plain value (`file.seek(pos).await` is not the crate's sync
    /// `seek`).
    pub(crate) awaited: bool,
    /// Inside an async context (an async fn's body, an `async` block, an async
    /// closure): blocking here is the problem. Otherwise it is sync code, and only
    /// passes blocking on to its callers.
    pub(crate) in_async: bool,
}

/// One fn, method or default trait method.
#[derive(Debug)]
pub(crate) struct FnFacts {
    pub(crate) name: String,
    /// Index into [`FileFacts::scopes`].
    pub(crate) scope: usize,
    /// The `impl` or trait it belongs to: `Db` for `impl Db` and `impl Store for Db`.
    pub(crate) self_type: Option<String>,
    pub(crate) is_async: bool,
    /// The type it returns, as written, with `Result`/`Option` peeled: `Self`, `Db`.
    pub(crate) returns: Option<Vec<String>>,
    /// Whether it returns a future (`impl Future`, `BoxFuture`, `Pin<Box<dyn Future>>`):
    /// a sync fn that can be `.await`ed.
    pub(crate) returns_future: bool,
    /// What the body says: read with the file, or, for a sync fn whose body is
    /// self-contained, when async code reaches it (see [`DeferredBody`]).
    body: OnceLock<FnBody>,
    deferred: Option<DeferredBody>,
}

impl FnFacts {
    /// The first blocking call of a sync fn's own body (outside offload contexts).
    pub(crate) fn blocking(&self) -> Option<&BlockingCall> {
        self.body.get()?.blocking.as_ref()
    }

    pub(crate) fn calls(&self) -> &[CallSite] {
        self.body.get().map_or(&[], |body| &body.calls)
    }

    /// `use` items in the body, when it has any.
    pub(crate) fn uses(&self) -> Option<&Imports> {
        self.body.get()?.uses.as_ref()
    }

    /// The report of a deferred body that turned out not to parse when it was read.
    pub(crate) fn unparsed(&self) -> Option<&Diagnostic> {
        self.body.get()?.unparsed.as_ref()
    }

    /// Whether the body is still unread.
    pub(crate) fn is_unread(&self) -> bool {
        self.body.get().is_none()
    }

    /// Reads a deferred body (on any thread: its text is parsed again here).
    pub(crate) fn read_body(&self, file: &Arc<Path>) {
        if let Some(deferred) = &self.deferred {
            self.body.get_or_init(|| deferred.read(file));
        }
    }
}

/// What a fn's body contributes to the call graph.
#[derive(Debug, Default)]
struct FnBody {
    blocking: Option<BlockingCall>,
    calls: Vec<CallSite>,
    uses: Option<Imports>,
    /// A deferred body that does not parse.
    unparsed: Option<Diagnostic>,
}

/// A sync fn's body left unread while its file is collected.
///
/// Most sync fns are never reached from async code (in tokio, about 700 of 6,800), and
/// then nothing in their bodies can show in a report: a `blocking` chain starts at a call
/// in an async context and runs through sync fns that async code reaches. A sync body
/// with no async block or closure (their reports belong to the file) and no fn item (a
/// fn of the module, for resolution) is therefore kept as the range of its text, and
/// read, with its spans moved to their place in the file, only when the call graph
/// reaches it ([`crate::graph`]). What is read is what the file's parse gave: the same
/// text, the same parser, the same shared rules.
#[derive(Debug)]
struct DeferredBody {
    /// The text the file was parsed from.
    text: Arc<str>,
    /// The fn, from its first token after the attributes to its closing brace.
    range: Range<usize>,
    /// Line (1-based) and column (in chars, 0-based) of `range.start`.
    line: usize,
    column: usize,
    rules: ScopeRules,
}

impl DeferredBody {
    fn read(&self, file: &Arc<Path>) -> FnBody {
        let text = &self.text[self.range.clone()];
        diagnostic::with_lines(&self.text, self.range.clone(), || self.parse(text, file))
    }

    fn parse(&self, text: &str, file: &Arc<Path>) -> FnBody {
        let body = match syn::parse::Parser::parse_str(fn_parts, text) {
            Ok((sig, block)) => {
                let mut body = sync_body(&sig, &block, &self.rules, file);
                for call in &mut body.calls {
                    self.place(&mut call.location);
                }
                if let Some(blocking) = &mut body.blocking {
                    self.place(&mut blocking.location);
                }
                body
            }
            // A body the skim blanked was never parsed: it may not parse.
            Err(error) => {
                let mut location = Location::of(file, error.span());
                self.place(&mut location);
                FnBody {
                    unparsed: Some(unparsed_file::does_not_parse("fn", location, &error)),
                    ..FnBody::default()
                }
            }
        };
        // The spans of the fn's text are resolved: free this thread's copy of it.
        proc_macro2::extra::invalidate_current_thread_spans();
        body
    }

    /// A location in the fn's text, moved to its place in the file.
    fn place(&self, location: &mut Location) {
        if location.line_start == 1 {
            location.column_start += self.column;
        }
        if location.line_end == 1 {
            location.column_end += self.column;
        }
        location.line_start += self.line - 1;
        location.line_end += self.line - 1;
        location.bytes =
            location.bytes.start + self.range.start..location.bytes.end + self.range.start;
    }
}

/// A fn from its first token after the attributes (`pub`, `default`, its signature)
/// through its body; inner attributes of the body are skipped as `ItemFn`'s parser
/// takes them.
fn fn_parts(input: syn::parse::ParseStream<'_>) -> syn::Result<(Signature, Block)> {
    input.parse::<syn::Visibility>()?;
    input.parse::<Option<syn::Token![default]>>()?;
    let sig: Signature = input.parse()?;
    let content;
    let brace_token = syn::braced!(content in input);
    content.call(Attribute::parse_inner)?;
    let stmts = content.call(Block::parse_within)?;
    Ok((sig, Block { brace_token, stmts }))
}

/// A sync fn's body facts: its first blocking call (what its callers inherit), its
/// calls, its `use` items.
fn sync_body(sig: &Signature, block: &Block, rules: &ScopeRules, file: &Arc<Path>) -> FnBody {
    let blocking = blocking_rule::first_blocking_call(rules, sig, block, file);
    let (calls, nested) = collect_calls(sig, block, rules, file, false);
    debug_assert!(nested.is_empty(), "a self-contained body has no fn items");
    FnBody {
        blocking,
        calls,
        uses: body_uses(block),
        unparsed: None,
    }
}

/// The calls a fn's body makes, and the fn items declared in it.
fn collect_calls(
    sig: &Signature,
    block: &Block,
    rules: &ScopeRules,
    file: &Arc<Path>,
    is_async: bool,
) -> (Vec<CallSite>, Vec<syn::ItemFn>) {
    let mut calls = CallCollector {
        rules,
        path: file,
        in_async: is_async,
        types: HashMap::new(),
        calls: Vec::new(),
        nested: Vec::new(),
        awaiting: false,
    };
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(_) => {
                calls
                    .types
                    .insert("self".to_owned(), TypeGuess::Named(vec!["Self".to_owned()]));
            }
            FnArg::Typed(typed) => {
                if let Pat::Ident(name) = &*typed.pat {
                    calls
                        .types
                        .insert(name.ident.to_string(), type_guess(&typed.ty));
                }
            }
        }
    }
    calls.stmts(&block.stmts);
    (calls.calls, calls.nested)
}

/// The `use` items of a body, when it has any.
fn body_uses(block: &Block) -> Option<Imports> {
    block
        .stmts
        .iter()
        .any(|stmt| matches!(stmt, Stmt::Item(Item::Use(_))))
        .then(|| {
            let mut uses = Imports::default();
            uses.add_body(block);
            uses
        })
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

/// Everything one file contributes.
#[derive(Debug)]
pub(crate) struct FileFacts {
    pub(crate) path: Arc<Path>,
    pub(crate) scopes: Vec<Scope>,
    pub(crate) fns: Vec<FnFacts>,
    /// Reports found in this file alone.
    pub(crate) diagnostics: Vec<Diagnostic>,
}

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
        facts: FileFacts {
            path: Arc::clone(path),
            scopes: Vec::new(),
            fns: Vec::new(),
            diagnostics: Vec::new(),
        },
    };
    let scope_rules = rules.scope(&file.items);
    collector.scope(&file.items, &[], &key.module_dir(), true, &scope_rules);
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
        // Items inside item-position macros (`cfg_rt! { mod runtime; }`, as tokio writes
        // its modules) are the module's items when the input parses as items.
        let expanded: Vec<syn::File> = items
            .iter()
            .filter_map(|item| match item {
                Item::Macro(item_macro) if item_macro.ident.is_none() => {
                    syn::parse2::<syn::File>(item_macro.mac.tokens.clone()).ok()
                }
                _ => None,
            })
            .collect();
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
                    let impl_rules = scope_rules.item(&item_impl.attrs);
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
                None => parent.dir.join(&name),
            };
            let mut child_path = parent.inline_path.to_vec();
            child_path.push(name);
            let child_rules = item_rules.scope(content);
            self.scope(content, &child_path, &child_dir, false, &child_rules);
            return;
        }
        let file = self.module_file(&name, path_attr.as_deref(), parent.dir, parent.top_level);
        if file.is_none() {
            let looked_for = candidate_files(&name, parent.dir).map(|(path, _)| path);
            self.facts.diagnostics.push(unparsed_file::missing_module(
                Location::of(self.path, item_mod.ident.span()),
                &name,
                &looked_for,
            ));
        }
        self.facts.scopes[parent.index]
            .child_files
            .push((name, file));
    }

    /// The file of `mod name;`: `#[path]` relative to the file's directory (inside an
    /// inline module: to that module's directory), else `dir/name.rs` or
    /// `dir/name/mod.rs`.
    fn module_file(
        &self,
        name: &str,
        path_attr: Option<&str>,
        dir: &Path,
        top_level: bool,
    ) -> Option<FileKey> {
        if let Some(path_attr) = path_attr {
            let base = if top_level {
                self.key
                    .path
                    .parent()
                    .unwrap_or(Path::new(""))
                    .to_path_buf()
            } else {
                dir.to_path_buf()
            };
            let path = base.join(path_attr);
            return path.is_file().then_some(FileKey {
                path,
                owns_dir: true,
            });
        }
        candidate_files(name, dir)
            .into_iter()
            .find(|(path, _)| path.is_file())
            .map(|(path, owns_dir)| FileKey { path, owns_dir })
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
            }
            self.facts.fns.push(facts);
            return;
        }
        // The shared rules: every async context of this fn, and a sync fn's own
        // blocking calls (what its callers inherit).
        let mut blocking = None;
        if is_async {
            self.facts
                .diagnostics
                .extend(blocking_rule::check_async_fn(rules, sig, block, path));
            self.facts.diagnostics.extend(sequential_awaits::check(
                rules, attrs, sig, block, start, path,
            ));
        } else {
            for context in blocking::async_contexts(block) {
                self.facts
                    .diagnostics
                    .extend(blocking_rule::check_async_expr(rules, context, path));
            }
            blocking = blocking_rule::first_blocking_call(rules, sig, block, path);
        }
        let (calls, nested) = collect_calls(sig, block, rules, path, is_async);
        let _ = facts.body.set(FnBody {
            blocking,
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

/// Where an attribute goes: the fn's first token after its attributes (`pub`, `const`,
/// `async`, `safe`, `unsafe`, `extern` or `fn`).
fn item_start(vis: &syn::Visibility, sig: &Signature) -> Span {
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

/// `dir/name.rs` (children in `dir/name/`) and `dir/name/mod.rs` (owns `dir/name/`).
fn candidate_files(name: &str, dir: &Path) -> [(PathBuf, bool); 2] {
    [
        (dir.join(format!("{name}.rs")), false),
        (dir.join(name).join("mod.rs"), true),
    ]
}

fn path_attribute(attrs: &[Attribute]) -> Option<String> {
    attrs.iter().find_map(|attr| {
        let syn::Meta::NameValue(meta) = &attr.meta else {
            return None;
        };
        if !meta.path.is_ident("path") {
            return None;
        }
        match &meta.value {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) => Some(text.value()),
            _ => None,
        }
    })
}

/// The last segment of a type's path, through references: `&mut db::Db<T>` → `Db`.
fn type_name(ty: &Type) -> Option<String> {
    match type_guess(ty) {
        TypeGuess::Named(path) => path.last().cloned(),
        _ => None,
    }
}

/// Smart pointers whose methods are their target's (auto-deref).
const WRAPPERS: &[&str] = &["Box", "Arc", "Rc", "Pin"];

/// What a written type says about values of it.
fn type_guess(ty: &Type) -> TypeGuess {
    match ty {
        Type::Reference(reference) => type_guess(&reference.elem),
        Type::Paren(inner) => type_guess(&inner.elem),
        Type::Group(inner) => type_guess(&inner.elem),
        Type::Path(path) if path.qself.is_none() => {
            let segments: Vec<String> = path
                .path
                .segments
                .iter()
                .map(|segment| segment.ident.to_string())
                .collect();
            let last = path.path.segments.last();
            if let Some(last) = last {
                if WRAPPERS.contains(&last.ident.to_string().as_str()) {
                    if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                        if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                            return type_guess(inner);
                        }
                    }
                }
            }
            TypeGuess::Named(segments)
        }
        _ => TypeGuess::Foreign,
    }
}

/// `-> Result<Self, E>` → `Self`; `-> Db` → `Db`.
fn return_type(output: &ReturnType) -> Option<Vec<String>> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    let mut ty = &**ty;
    loop {
        let Type::Path(path) = ty else { return None };
        let last = path.path.segments.last()?;
        let name = last.ident.to_string();
        if matches!(name.as_str(), "Result" | "Option" | "Box" | "Arc" | "Rc") {
            if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                    ty = inner;
                    continue;
                }
            }
        }
        return Some(
            path.path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect(),
        );
    }
}

fn path_segments(path: &syn::Path) -> Vec<String> {
    let mut segments: Vec<String> = path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    if path.leading_colon.is_some() {
        segments.insert(0, String::new());
    }
    segments
}

/// Walks a fn body for the calls it makes, outside offload contexts.
struct CallCollector<'r> {
    rules: &'r ScopeRules,
    path: &'r Arc<Path>,
    in_async: bool,
    /// Locals whose type syntax shows: parameters, `let x: T`, `let x = T::new(..)`.
    types: HashMap<String, TypeGuess>,
    calls: Vec<CallSite>,
    /// Fn items declared in the body: fns of their own.
    nested: Vec<syn::ItemFn>,
    /// The next call visited is the operand of an `.await`.
    awaiting: bool,
}

impl CallCollector<'_> {
    fn stmts(&mut self, stmts: &[Stmt]) {
        for (index, stmt) in stmts.iter().enumerate() {
            match stmt {
                Stmt::Local(local) => self.local(local, &stmts[index + 1..]),
                Stmt::Item(Item::Fn(function)) => self.nested.push(function.clone()),
                Stmt::Item(_) => {}
                Stmt::Expr(expr, _) => self.visit_expr(expr),
                Stmt::Macro(stmt_macro) => self.mac(&stmt_macro.mac),
            }
        }
    }

    fn local(&mut self, local: &Local, rest: &[Stmt]) {
        let Some(init) = &local.init else { return };
        let (name, declared) = match &local.pat {
            Pat::Type(typed) => match &*typed.pat {
                Pat::Ident(name) => (Some(name.ident.to_string()), Some(type_guess(&typed.ty))),
                _ => (None, None),
            },
            Pat::Ident(name) => (Some(name.ident.to_string()), None),
            _ => (None, None),
        };
        if let Some(name) = &name {
            match declared.or_else(|| self.guess(&init.expr)) {
                Some(guess) => self.types.insert(name.clone(), guess),
                None => self.types.remove(name),
            };
            // A closure stored and never mentioned again never runs.
            if matches!(&*init.expr, Expr::Closure(_)) && !mentions(rest, name) {
                return;
            }
        }
        self.visit_expr(&init.expr);
        if let Some((_, diverge)) = &init.diverge {
            self.visit_expr(diverge);
        }
    }

    /// The type of an expression, where syntax shows it.
    fn guess(&self, expr: &Expr) -> Option<TypeGuess> {
        match expr {
            Expr::Path(path) => {
                let ident = path.path.get_ident()?.to_string();
                self.types.get(&ident).cloned()
            }
            Expr::Call(call) => match &*call.func {
                Expr::Path(func) if func.qself.is_none() && func.path.segments.len() >= 2 => {
                    Some(TypeGuess::ReturnOf(path_segments(&func.path)))
                }
                _ => None,
            },
            Expr::Struct(expr_struct) if expr_struct.qself.is_none() => {
                Some(TypeGuess::Named(path_segments(&expr_struct.path)))
            }
            Expr::Lit(_) | Expr::Macro(_) | Expr::Array(_) | Expr::Tuple(_) | Expr::Range(_) => {
                Some(TypeGuess::Foreign)
            }
            Expr::Try(inner) => self.guess(&inner.expr),
            Expr::Await(inner) => self.guess(&inner.base),
            Expr::Paren(inner) => self.guess(&inner.expr),
            Expr::Reference(inner) => self.guess(&inner.expr),
            Expr::Group(inner) => self.guess(&inner.expr),
            _ => None,
        }
    }

    fn record(&mut self, callee: Callee, written: String, location: Location, awaited: bool) {
        self.calls.push(CallSite {
            callee,
            location,
            written,
            in_async: self.in_async,
            awaited,
        });
    }

    /// Macro operands that parse as expressions or statements are code (`println!`,
    /// `vec!`, `assert!`); the rest cannot be seen. `allow_blocking!` is the escape
    /// hatch.
    fn mac(&mut self, mac: &Macro) {
        if is_escape_hatch(mac) || is_token_macro(mac) {
            return;
        }
        let tokens = mac.tokens.clone();
        if let Ok(operands) = syn::parse::Parser::parse2(
            Punctuated::<Expr, syn::Token![,]>::parse_terminated,
            tokens.clone(),
        ) {
            for operand in &operands {
                self.visit_expr(operand);
            }
        } else if let Ok(stmts) = syn::parse::Parser::parse2(Block::parse_within, tokens) {
            // Items written inside a macro's input are its input, not the crate's fns.
            let nested = self.nested.len();
            self.stmts(&stmts);
            self.nested.truncate(nested);
        }
    }

    /// Returns `true` when the call runs its closures off the executor: then only its
    /// other arguments are this fn's code.
    fn call(&mut self, call: &syn::ExprCall, whole: &Expr) -> bool {
        let awaited = std::mem::take(&mut self.awaiting);
        if self.rules.runs_off_executor(whole) {
            self.offloaded_args(call.args.iter());
            return true;
        }
        if let Expr::Path(func) = &*call.func {
            if func.qself.is_none() {
                let segments = path_segments(&func.path);
                let written = segments.join("::");
                let location = call_location(self.path, whole, call.paren_token.span.close());
                self.record(Callee::Path(segments), written, location, awaited);
            }
        }
        false
    }

    fn method_call(&mut self, call: &syn::ExprMethodCall, whole: &Expr) -> bool {
        let awaited = std::mem::take(&mut self.awaiting);
        if self.rules.runs_off_executor(whole) {
            self.visit_expr(&call.receiver);
            self.offloaded_args(call.args.iter());
            return true;
        }
        let receiver = self.guess(&call.receiver);
        let name = call.method.to_string();
        self.record(
            Callee::Method {
                name: name.clone(),
                receiver,
            },
            format!(".{name}"),
            call_location(self.path, whole, call.paren_token.span.close()),
            awaited,
        );
        false
    }

    /// The arguments of an offload call other than its closures.
    fn offloaded_args<'e>(&mut self, args: impl Iterator<Item = &'e Expr>) {
        for arg in args {
            if !matches!(peel(arg), Expr::Closure(_)) {
                self.visit_expr(arg);
            }
        }
    }

    fn in_async_context(&mut self, expr: &Expr) {
        let was = std::mem::replace(&mut self.in_async, true);
        visit::visit_expr(self, expr);
        self.in_async = was;
    }
}

/// A call's location (`f(..)`, `x.f(..)`), from its first token to its closing
/// parenthesis `close`: the range `whole.span()` gives, without printing the call to
/// tokens to find its ends (calls are the most frequent expression the checker records).
fn call_location(path: &Arc<Path>, whole: &Expr, close: Span) -> Location {
    match first_token(whole) {
        Some(first) => Location::spanning(path, first, close),
        None => Location::of(path, whole.span()),
    }
}

/// The span of an expression's first token, for the shapes a call's callee or receiver
/// usually has (paths, calls, fields, `?`, `.await`, indexing, parentheses); `None` for
/// the rest, and for anything with attributes (printed first).
fn first_token(expr: &Expr) -> Option<Span> {
    match expr {
        Expr::Call(call) if call.attrs.is_empty() => first_token(&call.func),
        Expr::MethodCall(call) if call.attrs.is_empty() => first_token(&call.receiver),
        Expr::Field(field) if field.attrs.is_empty() => first_token(&field.base),
        Expr::Try(inner) if inner.attrs.is_empty() => first_token(&inner.expr),
        Expr::Await(inner) if inner.attrs.is_empty() => first_token(&inner.base),
        Expr::Index(index) if index.attrs.is_empty() => first_token(&index.expr),
        Expr::Paren(paren) if paren.attrs.is_empty() => Some(paren.paren_token.span.open()),
        Expr::Path(path) if path.attrs.is_empty() && path.qself.is_none() => {
            match &path.path.leading_colon {
                Some(colon) => Some(colon.spans[0]),
                None => Some(path.path.segments.first()?.ident.span()),
            }
        }
        _ => None,
    }
}

/// `allow_blocking!(..)`: its operand is not checked.
fn is_escape_hatch(mac: &Macro) -> bool {
    mac.path
        .segments
        .last()
        .is_some_and(|segment| segment.ident == ESCAPE_HATCH)
}

/// Macros whose input is code as data (`quote!`, `parse_quote!`): it does not run here.
fn is_token_macro(mac: &Macro) -> bool {
    mac.path.segments.last().is_some_and(|segment| {
        [
            "quote",
            "quote_spanned",
            "parse_quote",
            "parse_quote_spanned",
        ]
        .iter()
        .any(|name| segment.ident == name)
    })
}

fn peel_parens(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(inner) => peel_parens(&inner.expr),
        Expr::Group(inner) => peel_parens(&inner.expr),
        _ => expr,
    }
}

fn peel(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(inner) => peel(&inner.expr),
        Expr::Group(inner) => peel(&inner.expr),
        Expr::Reference(inner) => peel(&inner.expr),
        _ => expr,
    }
}

/// Whether any of `stmts` mentions `name` (as a path, or in a macro's tokens).
fn mentions(stmts: &[Stmt], name: &str) -> bool {
    struct Mention<'n> {
        name: &'n str,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Mention<'_> {
        fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
            if ident == self.name {
                self.found = true;
            }
        }
        fn visit_macro(&mut self, mac: &'ast Macro) {
            self.found |= tokens_mention(mac.tokens.clone(), self.name);
            visit::visit_macro(self, mac);
        }
    }
    let mut finder = Mention { name, found: false };
    for stmt in stmts {
        finder.visit_stmt(stmt);
    }
    finder.found
}

fn tokens_mention(tokens: proc_macro2::TokenStream, name: &str) -> bool {
    tokens.into_iter().any(|tree| match tree {
        proc_macro2::TokenTree::Ident(ident) => ident == name,
        proc_macro2::TokenTree::Group(group) => tokens_mention(group.stream(), name),
        _ => false,
    })
}

impl<'ast> Visit<'ast> for CallCollector<'_> {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        if !matches!(expr, Expr::Call(_) | Expr::MethodCall(_)) {
            // Only the call directly under `.await` (through parentheses) is awaited.
            let awaited = matches!(expr, Expr::Await(_));
            self.awaiting = false;
            if let Expr::Await(inner) = expr {
                self.awaiting = awaited;
                self.visit_expr(peel_parens(&inner.base));
                return;
            }
        }
        match expr {
            Expr::Call(call) => {
                if !self.call(call, expr) {
                    visit::visit_expr(self, expr);
                }
            }
            Expr::MethodCall(call) => {
                if !self.method_call(call, expr) {
                    visit::visit_expr(self, expr);
                }
            }
            Expr::Async(_) => self.in_async_context(expr),
            Expr::Closure(closure) if closure.asyncness.is_some() => self.in_async_context(expr),
            Expr::Macro(expr_macro) => self.mac(&expr_macro.mac),
            _ => visit::visit_expr(self, expr),
        }
    }

    fn visit_block(&mut self, block: &'ast Block) {
        self.stmts(&block.stmts);
    }

    fn visit_item(&mut self, item: &'ast Item) {
        if let Item::Fn(function) = item {
            self.nested.push(function.clone());
        }
    }

    fn visit_macro(&mut self, mac: &'ast Macro) {
        self.mac(mac);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `call_location` finds the same range as printing the call and joining its ends.
    #[test]
    fn call_locations_are_the_calls_whole_range() {
        struct Calls<'p> {
            path: &'p Arc<Path>,
            checked: usize,
        }
        impl<'ast> Visit<'ast> for Calls<'_> {
            fn visit_expr(&mut self, expr: &'ast Expr) {
                let close = match expr {
                    Expr::Call(call) => Some(call.paren_token.span.close()),
                    Expr::MethodCall(call) => Some(call.paren_token.span.close()),
                    _ => None,
                };
                if let Some(close) = close {
                    assert_eq!(
                        call_location(self.path, expr, close),
                        Location::of(self.path, expr.span()),
                        "{}",
                        quote::ToTokens::to_token_stream(expr)
                    );
                    self.checked += 1;
                }
                visit::visit_expr(self, expr);
            }
        }
        let file: syn::File = syn::parse_str(
            "fn f() {\n    a::b(1);\n    ::std::fs::read(p)?;\n    x.y[0].z().await.w(2);\n    \
             (g)(h);\n    Vec::<u8>::new();\n    #[allow(unused)] i(j);\n    (|| 1)();\n    \
             <T as U>::v();\n}",
        )
        .unwrap();
        let path: Arc<Path> = Arc::from(Path::new("f.rs"));
        let mut calls = Calls {
            path: &path,
            checked: 0,
        };
        calls.visit_file(&file);
        assert_eq!(calls.checked, 9);
    }

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
