//! What one parsed file contributes to the crate-wide phases, with spans already turned
//! into [`Location`]s (proc-macro2's source map is per thread, and the crate-wide phases
//! run after every file is parsed, on any thread): the fact model.
//!
//! - the module scopes of the file (the file's own, then its inline `mod`s): their `use`
//!   items, the types and fns they define, the files of their `mod x;` declarations;
//! - per fn: whether it is async, its first blocking call (a sync fn's), and every call
//!   it makes outside offload contexts, with the receiver's type where syntax shows it;
//!   a self-contained sync body is left as the range of its text ([`DeferredBody`]) and
//!   read when async code reaches the fn;
//! - the reports that need no other file.
//!
//! `collect` fills them, `modules` finds the files of `mod x;`, `calls` reads a body's
//! calls, `deferred` reads a deferred body.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use async_hygiene_analysis::blocking::Imports;

use crate::diagnostic::{Diagnostic, Location};
use crate::rules::blocking::BlockingCall;
use crate::scope::ScopeRules;

/// Where a file's child modules live, as rustc decides it: a crate root, a `mod.rs` or a
/// `#[path]` file owns its directory; `src/a.rs` puts its children in `src/a/`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct FileKey {
    pub(crate) path: PathBuf,
    pub(crate) owns_dir: bool,
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
    /// Inside the closure of a call that runs CPU work off the executor, though
    /// `blocking` does not count it as an offload (a `spawn_blocking_*` wrapper,
    /// `actix_web::web::block`): `cpu-bound` does not follow it.
    pub(crate) in_cpu_offload: bool,
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
    /// Test code ([`ScopeRules::is_test_code`]).
    pub(crate) test_code: bool,
    /// What the body says: read with the file, or, for a sync fn whose body is
    /// self-contained, when async code reaches it (see [`DeferredBody`]).
    pub(crate) body: OnceLock<FnBody>,
    pub(crate) deferred: Option<DeferredBody>,
}

impl FnFacts {
    /// The first blocking call of a sync fn's own body (outside offload contexts).
    pub(crate) fn blocking(&self) -> Option<&BlockingCall> {
        self.body.get()?.blocking.as_ref()
    }

    /// The first CPU-heavy call of a sync fn's own body (outside offload contexts).
    pub(crate) fn cpu_bound(&self) -> Option<&BlockingCall> {
        self.body.get()?.cpu_bound.as_ref()
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
}

/// What a fn's body contributes to the call graph.
#[derive(Debug, Default)]
pub(crate) struct FnBody {
    pub(crate) blocking: Option<BlockingCall>,
    pub(crate) cpu_bound: Option<BlockingCall>,
    pub(crate) calls: Vec<CallSite>,
    pub(crate) uses: Option<Imports>,
    /// A deferred body that does not parse.
    pub(crate) unparsed: Option<Diagnostic>,
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
pub(crate) struct DeferredBody {
    /// The text the file was parsed from.
    pub(crate) text: Arc<str>,
    /// The fn, from its first token after the attributes to its closing brace.
    pub(crate) range: Range<usize>,
    /// Line (1-based) and column (in chars, 0-based) of `range.start`.
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) rules: ScopeRules,
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
