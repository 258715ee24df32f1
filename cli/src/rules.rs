//! The one place the checker calls the shared rules of `async-hygiene-analysis`: the
//! blocking catalogue and scanner, the policy of `async-hygiene.toml` and
//! `#[concurrent]`'s plan. Everything here converts (findings to [`Diagnostic`]s, spans
//! to [`Location`]s) and delegates; no rule is decided in this crate.

use std::path::Path;
use std::sync::Arc;

use async_hygiene_analysis::blocking::{
    self, BlockingCatalogue, Context, Finding, Imports, Lint, ESCAPE_HATCH,
};
use async_hygiene_analysis::concurrent::{FnPlan, Guards, Source};
use async_hygiene_analysis::policy::{self, AttributePolicy, Guard, Level as PolicyLevel, Lints};
use proc_macro2::Span;
use syn::{Attribute, Block, Expr, Item, Macro, Signature};

use crate::diagnostic::{Applicability, Code, Diagnostic, Label, Level, Location, Suggestion};
use crate::facts::BlockingCall;

/// The rules of one package: the built-in catalogue with its `async-hygiene.toml`
/// applied, and the levels of its `[lints]`.
#[derive(Debug)]
pub(crate) struct CrateRules {
    catalogue: Arc<BlockingCatalogue>,
    lints: Lints,
    /// `[concurrent.guards]`: they keep their `let` in place in `#[concurrent]`'s plan.
    guards: Arc<[Guard]>,
    /// Whether the package depends on `async-hygiene`, so that inserting
    /// `#[async_hygiene::concurrent]` compiles.
    uses_facade: bool,
}

impl CrateRules {
    /// Reads `manifest_dir/async-hygiene.toml`. A malformed file is reported, and the
    /// built-in rules still apply (every problem in one run).
    pub(crate) fn load(manifest_dir: &Path) -> (CrateRules, Vec<Diagnostic>) {
        let mut catalogue = BlockingCatalogue::builtin();
        let mut lints = Lints::default();
        let mut guards: Arc<[Guard]> = Arc::new([]);
        let mut problems = Vec::new();
        if let Some(loaded) = policy::load_from(manifest_dir) {
            let file = crate::diagnostic::shared_path(loaded.path.clone());
            match &loaded.policy {
                Ok(policy) => {
                    lints = policy.lints;
                    guards = policy.guards.as_slice().into();
                    for rule in catalogue.apply(policy, "this crate's `async-hygiene.toml`") {
                        problems.push(config_problem(
                            &file,
                            rule.line,
                            format!(
                                "`{}` matches no blocking call that `#[no_blocking]` checks, so \
                                 there is nothing to allow",
                                rule.rule
                            ),
                        ));
                    }
                }
                Err(message) => {
                    // `path:LINE: what is wrong`: the path is the report's own.
                    let prefix = format!("{}:", loaded.path.display());
                    let detail = message.strip_prefix(&prefix).unwrap_or(message);
                    let (line, what) = match detail.split_once(": ") {
                        Some((line, what)) if line.parse::<usize>().is_ok() => {
                            (line.parse().unwrap_or(1), what)
                        }
                        _ => (1, detail.trim_start()),
                    };
                    problems.push(config_problem(
                        &file,
                        line,
                        format!("malformed {}: {what}", policy::FILE_NAME),
                    ));
                }
            }
        }
        let manifest = std::fs::read_to_string(manifest_dir.join("Cargo.toml")).unwrap_or_default();
        let uses_facade = manifest.lines().any(|line| {
            let line = line.trim_start();
            line.starts_with("async-hygiene ")
                || line.starts_with("async-hygiene=")
                || line.starts_with("async-hygiene.")
                || line.starts_with("name = \"async-hygiene\"")
        });
        (
            CrateRules {
                catalogue: Arc::new(catalogue),
                lints,
                guards,
                uses_facade,
            },
            problems,
        )
    }

    /// The level of a rule's reports; `None` when `[lints]` allows it.
    pub(crate) fn level(&self, code: Code) -> Option<Level> {
        let lint = match code {
            Code::Blocking => Lint::Blocking,
            Code::LockAcrossAwait => Lint::LockAcrossAwait,
            Code::SequentialAwaits => Lint::SequentialAwaits,
            Code::Unparsed | Code::Config => return Some(code.default_level()),
        };
        match self.lints.level(lint) {
            PolicyLevel::Allow => None,
            PolicyLevel::Warn => Some(Level::Warning),
            PolicyLevel::Deny => Some(Level::Error),
        }
    }

    /// The rules in a module's scope (a file's items, or an inline module's).
    pub(crate) fn scope(&self, items: &[Item]) -> ScopeRules {
        ScopeRules {
            catalogue: Arc::clone(&self.catalogue),
            imports: Arc::new(Imports::module(items)),
            guards: Arc::clone(&self.guards),
            uses_facade: self.uses_facade,
        }
    }
}

/// A config report at a line of `async-hygiene.toml`.
/// A report on one line of `async-hygiene.toml`, spanning the line's text.
fn config_problem(file: &Arc<Path>, line: usize, message: String) -> Diagnostic {
    let line = line.max(1);
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let start: usize = text
        .split_inclusive('\n')
        .take(line - 1)
        .map(str::len)
        .sum();
    let content = text[start.min(text.len())..]
        .lines()
        .next()
        .unwrap_or_default();
    let mut location = Location::file_start(file);
    location.line_start = line;
    location.line_end = line;
    location.column_end = content.chars().count() + 1;
    location.bytes = start..start + content.len();
    Diagnostic::new(Code::Config, location, message)
}

/// The rules in one scope: the catalogue and the names in view.
#[derive(Clone, Debug)]
pub(crate) struct ScopeRules {
    catalogue: Arc<BlockingCatalogue>,
    imports: Arc<Imports>,
    guards: Arc<[Guard]>,
    uses_facade: bool,
}

impl ScopeRules {
    /// An inline module: its own names in view, the same catalogue.
    pub(crate) fn scope(&self, items: &[Item]) -> ScopeRules {
        ScopeRules {
            catalogue: Arc::clone(&self.catalogue),
            imports: Arc::new(Imports::module(items)),
            guards: Arc::clone(&self.guards),
            uses_facade: self.uses_facade,
        }
    }

    /// The names in view in this scope.
    pub(crate) fn imports(&self) -> Arc<Imports> {
        Arc::clone(&self.imports)
    }

    /// The rules for an item with these attributes: a `#[no_blocking(deny(..),
    /// allow(..), offload(..))]` on it refines the catalogue for the item (and, on an
    /// impl or inline module, for what is inside), read by the attribute's own parser
    /// ([`AttributePolicy`]) and applied as the attribute applies it. Malformed arguments
    /// are the attribute's to report at compile time; like the attribute after such an
    /// error, the checker then applies none of that attribute's rules.
    pub(crate) fn item(&self, attrs: &[Attribute]) -> ScopeRules {
        let policies: Vec<AttributePolicy> = attrs
            .iter()
            .filter(|attr| is_attribute(attr, "no_blocking"))
            .filter_map(|attr| match &attr.meta {
                syn::Meta::List(list) => syn::parse2::<AttributePolicy>(list.tokens.clone()).ok(),
                _ => None,
            })
            .collect();
        if policies.is_empty() {
            return self.clone();
        }
        let mut catalogue = (*self.catalogue).clone();
        for args in &policies {
            // An `allow` that matches nothing is the attribute's compile error.
            let _unmatched = catalogue.apply(&args.policy, "`#[no_blocking(deny(..))]`");
        }
        ScopeRules {
            catalogue: Arc::new(catalogue),
            imports: Arc::clone(&self.imports),
            guards: Arc::clone(&self.guards),
            uses_facade: self.uses_facade,
        }
    }

    /// `#[no_blocking]`'s findings in an async fn's body.
    pub(crate) fn scan_async_fn(
        &self,
        sig: &Signature,
        block: &Block,
        file: &Arc<Path>,
    ) -> Vec<Diagnostic> {
        self.scan_fn(sig, block, Context::Async)
            .into_iter()
            .map(|finding| diagnostic(&finding, file))
            .collect()
    }

    /// The findings of one fn's body in `context`, with its parameters in scope (they
    /// shadow imported names).
    fn scan_fn(&self, sig: &Signature, block: &Block, context: Context) -> Vec<Finding> {
        let mut imports = (*self.imports).clone();
        imports.add_signature(sig);
        blocking::scan_block(block, context, &self.catalogue, &imports)
    }

    /// `#[no_blocking]`'s findings in an `async` block or async closure of sync code.
    pub(crate) fn scan_async_expr(&self, expr: &Expr, file: &Arc<Path>) -> Vec<Diagnostic> {
        blocking::scan_expr(expr, Context::Async, &self.catalogue, &self.imports)
            .into_iter()
            .map(|finding| diagnostic(&finding, file))
            .collect()
    }

    /// The first call of a sync fn's own body that blocks, outside offload contexts:
    /// what its async callers inherit.
    pub(crate) fn first_blocking_call(
        &self,
        sig: &Signature,
        block: &Block,
        file: &Arc<Path>,
    ) -> Option<BlockingCall> {
        self.scan_fn(sig, block, Context::Sync)
            .into_iter()
            .find(|finding| finding.lint == Lint::Blocking)
            .map(|finding| BlockingCall {
                api: finding
                    .message
                    .split_once(" blocks")
                    .or_else(|| finding.message.split_once(' '))
                    .map_or_else(|| finding.message.clone(), |(api, _)| api.to_owned()),
                location: location(&finding.location, file),
                message: finding.message,
                help: finding.help,
            })
    }

    /// `sequential-awaits` for an async fn without `#[concurrent]`: `#[concurrent]`'s
    /// own plan, reported when it would join at least two awaits, on the `let`s it
    /// would join, with the attribute to insert at `item_start` (the fn's first token
    /// after its attributes).
    pub(crate) fn sequential_awaits(
        &self,
        attrs: &[Attribute],
        sig: &Signature,
        block: &Block,
        item_start: Span,
        file: &Arc<Path>,
    ) -> Vec<Diagnostic> {
        if attrs.iter().any(|attr| is_attribute(attr, "concurrent")) {
            return Vec::new();
        }
        // The plan (which copies the body) can join nothing with fewer than two awaits.
        if awaits_at_most_one(block) {
            return Vec::new();
        }
        let plan = FnPlan::with_guards(sig, block, Guards::new(&self.guards));
        let Some(summary) = plan.summary() else {
            return Vec::new();
        };
        let Some((first, rest)) = summary.lets.split_first() else {
            return Vec::new();
        };
        let name = &sig.ident;
        let mut diagnostic = Diagnostic::new(
            Code::SequentialAwaits,
            Location::of(file, *first),
            format!("`{name}` awaits one thing at a time: {summary}"),
        )
        .with_label("this await and the ones labelled below do not depend on each other");
        for span in rest {
            diagnostic.secondary.push(Label {
                location: Location::of(file, *span),
                text: "runs concurrently with the first under `#[concurrent]`".to_owned(),
            });
        }
        diagnostic = diagnostic.with_note(format!(
            "`cargo async-hygiene explain {}:{name}` shows the plan",
            file.display()
        ));
        let short = self
            .imports
            .resolve(&syn::parse_quote!(concurrent))
            .iter()
            .any(|path| path.first().is_some_and(|first| first == "async_hygiene"));
        let attribute = if short {
            "#[concurrent]"
        } else {
            "#[async_hygiene::concurrent]"
        };
        let start = Location::of(file, item_start);
        let indent = " ".repeat(start.column_start.saturating_sub(1));
        let mut at = start.clone();
        at.bytes = start.bytes.start..start.bytes.start;
        at.line_end = at.line_start;
        at.column_end = at.column_start;
        // Safe to apply when it compiles as written: the crate depends on the facade,
        // and no other attribute on the fn decides the order the two expand in.
        let alone = attrs.iter().all(|attr| {
            [
                "doc", "allow", "warn", "deny", "expect", "must_use", "inline", "cfg",
            ]
            .iter()
            .any(|name| attr.path().is_ident(name))
        });
        diagnostic.suggestion = Some(Suggestion {
            message: format!("add `{attribute}` to run them concurrently"),
            location: at,
            replacement: format!("{attribute}\n{indent}"),
            applicability: if self.uses_facade && alone {
                Applicability::MachineApplicable
            } else {
                Applicability::MaybeIncorrect
            },
        });
        vec![diagnostic]
    }

    /// Whether a call runs its closures off the executor thread.
    pub(crate) fn runs_off_executor(&self, call: &Expr) -> bool {
        blocking::runs_off_executor(call, &self.catalogue, &self.imports)
    }
}

/// The outermost async blocks and closures of a sync body.
pub(crate) fn async_contexts(block: &Block) -> Vec<&Expr> {
    blocking::async_contexts(block)
}

/// `allow_blocking!(..)`: its operand is not checked.
pub(crate) fn is_escape_hatch(mac: &Macro) -> bool {
    mac.path
        .segments
        .last()
        .is_some_and(|segment| segment.ident == ESCAPE_HATCH)
}

/// A shared finding as a diagnostic of this file.
fn diagnostic(finding: &Finding, file: &Arc<Path>) -> Diagnostic {
    let code = match finding.lint {
        Lint::Blocking => Code::Blocking,
        Lint::LockAcrossAwait => Code::LockAcrossAwait,
        Lint::SequentialAwaits => Code::SequentialAwaits,
    };
    let mut diagnostic = Diagnostic::new(code, location(&finding.location, file), &finding.message);
    if !finding.help.is_empty() {
        diagnostic.help.push(finding.help.clone());
    }
    diagnostic.notes.extend(finding.notes.iter().cloned());
    diagnostic.secondary = finding
        .labels
        .iter()
        .map(|label| Label {
            location: location(&label.location, file),
            text: label.message.clone(),
        })
        .collect();
    diagnostic
}

/// A finding's range, from its first token's start to its last token's end.
fn location(range: &blocking::Location, file: &Arc<Path>) -> Location {
    Location::spanning(file, range.first, range.last)
}

/// Whether an attribute is `#[name]` or `#[path::to::name]`.
fn is_attribute(attr: &Attribute, name: &str) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == name)
}

/// Line and text of spans in one file's source, for `explain`.
pub(crate) struct FileSource<'s> {
    pub(crate) text: &'s str,
}

impl Source for FileSource<'_> {
    fn line(&self, span: Span) -> Option<usize> {
        Some(span.start().line)
    }

    fn text(&self, span: Span) -> Option<String> {
        self.text.get(span.byte_range()).map(str::to_owned)
    }
}

/// `#[concurrent]`'s plan of one fn, in plain text (saying so when `attrs` hold it).
pub(crate) fn explain(
    attrs: &[Attribute],
    sig: &Signature,
    block: &Block,
    text: &str,
    guards: &[Guard],
) -> String {
    FnPlan::with_guards(sig, block, Guards::new(guards))
        .with_attributes(attrs)
        .explain(&FileSource { text })
}

/// Whether a body has at most one `.await`, counting those inside macro arguments.
fn awaits_at_most_one(block: &Block) -> bool {
    use syn::visit::Visit;
    struct AwaitCount(usize);
    impl<'ast> Visit<'ast> for AwaitCount {
        fn visit_expr_await(&mut self, await_expr: &'ast syn::ExprAwait) {
            self.0 += 1;
            syn::visit::visit_expr_await(self, await_expr);
        }
        fn visit_macro(&mut self, mac: &'ast Macro) {
            self.0 += awaits_in(mac.tokens.clone());
        }
    }
    fn awaits_in(tokens: proc_macro2::TokenStream) -> usize {
        tokens
            .into_iter()
            .map(|tree| match tree {
                proc_macro2::TokenTree::Ident(ident) => usize::from(ident == "await"),
                proc_macro2::TokenTree::Group(group) => awaits_in(group.stream()),
                _ => 0,
            })
            .sum()
    }
    let mut count = AwaitCount(0);
    count.visit_block(block);
    count.0 <= 1
}
