//! What the rules see in a package and in each scope of its code: the blocking
//! catalogue with `async-hygiene.toml` and `#[no_blocking(..)]` applied, the names in
//! view, `[concurrent.guards]` and the `[lints]` levels. The rules themselves are in
//! [`crate::rules`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_hygiene_analysis::blocking::{self, BlockingCatalogue, Context, Finding, Imports};
use async_hygiene_analysis::cpu_bound;
use async_hygiene_analysis::findings::Lint;
use async_hygiene_analysis::policy::{self, AttributePolicy, Guard, Lints};
use async_hygiene_analysis::syntax::tokens_mention;
use syn::{Attribute, Block, Expr, Item, Signature};

use crate::diagnostic::Diagnostic;
use crate::manifest;
use crate::rules::code::{Code, Level};
use crate::rules::config;

/// The rules of one package: the built-in catalogue with its `async-hygiene.toml`
/// applied, and the levels of its `[lints]`.
#[derive(Debug)]
pub(crate) struct CrateRules {
    lints: Lints,
    /// The rules of every scope, before a module's names are in view.
    base: ScopeRules,
    manifest_dir: PathBuf,
}

impl CrateRules {
    /// Reads `manifest_dir/async-hygiene.toml`. A malformed file is reported, and the
    /// built-in rules still apply (every problem in one run).
    pub(crate) fn load(manifest_dir: &Path) -> (CrateRules, Vec<Diagnostic>) {
        let mut catalogue = BlockingCatalogue::builtin();
        let mut cpu_catalogue = cpu_bound::catalogue();
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
                        problems.push(config::allows_nothing(
                            &file,
                            rule,
                            "blocking call that `#[no_blocking]` checks",
                        ));
                    }
                    let source = "this crate's `async-hygiene.toml`";
                    for rule in cpu_bound::apply(&mut cpu_catalogue, policy, source) {
                        problems.push(config::allows_nothing(
                            &file,
                            rule,
                            "CPU-heavy call that `cpu-bound` checks",
                        ));
                    }
                }
                Err(message) => problems.push(config::malformed(&file, &loaded.path, message)),
            }
        }
        let uses_facade = manifest::can_name(manifest_dir, "async-hygiene");
        let base = ScopeRules {
            catalogue: Arc::new(catalogue),
            cpu_bound: Arc::new(cpu_catalogue),
            imports: Arc::new(Imports::default()),
            guards,
            uses_facade,
            test_code: false,
            conditional: false,
        };
        (
            CrateRules {
                lints,
                base,
                manifest_dir: manifest_dir.to_path_buf(),
            },
            problems,
        )
    }

    /// Whether a file of the package is test code: one of `tests/` or `benches/`, or a
    /// `tests.rs`/`test.rs` module.
    pub(crate) fn is_test_file(&self, path: &Path) -> bool {
        let relative = path.strip_prefix(&self.manifest_dir).unwrap_or(path);
        relative.components().any(|part| {
            let part = part.as_os_str();
            part == "tests" || part == "benches" || part == "tests.rs" || part == "test.rs"
        })
    }

    /// The level of a rule's reports; `None` when `[lints]` allows it.
    pub(crate) fn level(&self, code: Code) -> Option<Level> {
        code.level(self.lints)
    }

    /// The rules in a file's top-level scope.
    pub(crate) fn scope(&self, items: &[Item]) -> ScopeRules {
        self.base.scope(items)
    }
}

/// The rules in one scope: the catalogue and the names in view.
#[derive(Clone, Debug)]
pub(crate) struct ScopeRules {
    catalogue: Arc<BlockingCatalogue>,
    cpu_bound: Arc<BlockingCatalogue>,
    imports: Arc<Imports>,
    guards: Arc<[Guard]>,
    uses_facade: bool,
    /// Test code: an item under `#[cfg(test)]`, `#[test]` or `#[tokio::test]`, or a file
    /// of `tests/` or `benches/`. `cpu-bound` is not reported there: a test's runtime
    /// serves no one else.
    test_code: bool,
    /// Code under a `#[cfg(..)]` other than `cfg(test)` (on the item or an enclosing
    /// `impl` or inline `mod`): built only in some configurations, so `--fix`, which
    /// builds one, could not verify a change there.
    conditional: bool,
}

impl ScopeRules {
    /// A module's scope (a file's items, or an inline module's): its own names in view,
    /// the same catalogue.
    pub(crate) fn scope(&self, items: &[Item]) -> ScopeRules {
        ScopeRules {
            catalogue: Arc::clone(&self.catalogue),
            cpu_bound: Arc::clone(&self.cpu_bound),
            imports: Arc::new(Imports::module(items)),
            guards: Arc::clone(&self.guards),
            uses_facade: self.uses_facade,
            test_code: self.test_code,
            conditional: self.conditional,
        }
    }

    /// The names in view in this scope.
    pub(crate) fn imports(&self) -> Arc<Imports> {
        Arc::clone(&self.imports)
    }

    /// `[concurrent.guards]`.
    pub(crate) fn guards(&self) -> &[Guard] {
        &self.guards
    }

    /// Whether this is code under a `#[cfg(..)]` other than `cfg(test)`.
    pub(crate) fn is_conditional(&self) -> bool {
        self.conditional
    }

    /// Whether the package depends on `async-hygiene`.
    pub(crate) fn uses_facade(&self) -> bool {
        self.uses_facade
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
        let test_code = self.test_code || attrs.iter().any(marks_test_code);
        let conditional = self.conditional || attrs.iter().any(is_conditional);
        if policies.is_empty() {
            return ScopeRules {
                test_code,
                conditional,
                ..self.clone()
            };
        }
        let mut catalogue = (*self.catalogue).clone();
        let mut cpu_catalogue = (*self.cpu_bound).clone();
        for args in &policies {
            // An `allow` that matches nothing is the attribute's compile error.
            let _unmatched = catalogue.apply(&args.policy, "`#[no_blocking(deny(..))]`");
            // Its offload wrappers run any work off the executor (it has no cpu rules).
            let _none = cpu_bound::apply(&mut cpu_catalogue, &args.policy, "");
        }
        ScopeRules {
            catalogue: Arc::new(catalogue),
            cpu_bound: Arc::new(cpu_catalogue),
            imports: Arc::clone(&self.imports),
            guards: Arc::clone(&self.guards),
            uses_facade: self.uses_facade,
            test_code,
            conditional,
        }
    }

    /// The rules inside `impl Type { .. }` when `Type` is a struct declared among the
    /// module's `items`: a `self.field` receiver has the field's declared type
    /// (`self.spool.flush()` with `spool: BufWriter<File>`).
    pub(crate) fn for_impl_of(&self, items: &[Item], self_ty: &syn::Type) -> ScopeRules {
        let syn::Type::Path(path) = self_ty else {
            return self.clone();
        };
        let Some(name) = path.path.segments.last().map(|segment| &segment.ident) else {
            return self.clone();
        };
        let fields = items.iter().find_map(|item| match item {
            Item::Struct(item_struct) if item_struct.ident == *name => Some(&item_struct.fields),
            _ => None,
        });
        let Some(fields) = fields else {
            return self.clone();
        };
        let mut imports = (*self.imports).clone();
        imports.add_self_fields(fields);
        ScopeRules {
            imports: Arc::new(imports),
            ..self.clone()
        }
    }

    /// These rules in test code, or not.
    pub(crate) fn test_code(self, test_code: bool) -> ScopeRules {
        ScopeRules { test_code, ..self }
    }

    /// Whether this is test code.
    pub(crate) fn is_test_code(&self) -> bool {
        self.test_code
    }

    /// Whether `lint` is reported here: `cpu-bound` is not in test code.
    fn reports(&self, lint: Lint) -> bool {
        !(lint == Lint::CpuBound && self.test_code)
    }

    /// The shared scan's findings of `lint`'s catalogue in one fn's body in `context`
    /// (`blocking` and `lock-across-await` for [`Lint::Blocking`], or `cpu-bound`), with
    /// its parameters in scope (they shadow imported names).
    pub(crate) fn scan_fn(
        &self,
        lint: Lint,
        sig: &Signature,
        block: &Block,
        context: Context,
    ) -> Vec<Finding> {
        if !self.reports(lint) {
            return Vec::new();
        }
        let mut imports = (*self.imports).clone();
        imports.add_signature(sig);
        blocking::scan_block(block, context, self.catalogue(lint), &imports)
    }

    /// The shared scan's findings of `lint`'s catalogue in an `async` block or async
    /// closure of sync code.
    pub(crate) fn scan_async_expr(&self, lint: Lint, expr: &Expr) -> Vec<Finding> {
        if !self.reports(lint) {
            return Vec::new();
        }
        blocking::scan_expr(expr, Context::Async, self.catalogue(lint), &self.imports)
    }

    /// The catalogue a rule's scan matches: `cpu-bound`'s, or `blocking`'s (which also
    /// finds guards held across an await).
    fn catalogue(&self, lint: Lint) -> &BlockingCatalogue {
        match lint {
            Lint::CpuBound => &self.cpu_bound,
            _ => &self.catalogue,
        }
    }

    /// Whether a call runs its closures off the executor thread.
    pub(crate) fn runs_off_executor(&self, call: &Expr) -> bool {
        self.runs_off_executor_for(Lint::Blocking, call)
    }

    /// Whether a call runs its closures off the executor thread for `lint`'s catalogue:
    /// `cpu-bound`'s also knows the pool wrappers that take CPU work
    /// (`spawn_blocking_with_tracing`, `web::block`).
    pub(crate) fn runs_off_executor_for(&self, lint: Lint, call: &Expr) -> bool {
        blocking::runs_off_executor(call, self.catalogue(lint), &self.imports)
    }
}

/// `#[test]`, `#[tokio::test]`, `#[cfg(test)]`, `#[cfg(any(test, feature = "x"))]`; not
/// `#[cfg(not(test))]`.
fn marks_test_code(attr: &Attribute) -> bool {
    if is_attribute(attr, "test") {
        return true;
    }
    let syn::Meta::List(list) = &attr.meta else {
        return false;
    };
    attr.path().is_ident("cfg")
        && tokens_mention(list.tokens.clone(), "test")
        && !tokens_mention(list.tokens.clone(), "not")
}

/// `#[cfg(feature = "x")]`, `#[cfg(unix)]`, `#[cfg(any(test, feature = "x"))]`: every
/// `#[cfg]` but `#[cfg(test)]`, which `cargo check --all-targets` builds.
fn is_conditional(attr: &Attribute) -> bool {
    let syn::Meta::List(list) = &attr.meta else {
        return false;
    };
    attr.path().is_ident("cfg") && list.tokens.to_string() != "test"
}

/// Whether an attribute is `#[name]` or `#[path::to::name]`.
pub(crate) fn is_attribute(attr: &Attribute, name: &str) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == name)
}
