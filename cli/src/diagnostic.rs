//! What the checker reports, independent of how it is printed: a rustc-shaped
//! diagnostic (code, level, message, a primary span with its label, notes, help and an
//! optional suggestion) whose spans are already file, line and column.
//!
//! Spans are resolved to [`Location`]s on the thread that parsed the file: proc-macro2's
//! source map is thread-local, so a `Span` means nothing on another thread.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A rule's stable code, as printed (`async-hygiene::blocking`) and configured
/// (`[lints] blocking = "deny"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Code {
    /// A call that blocks the executor thread, directly or through the crate's sync fns.
    Blocking,
    /// A lock guard alive at a later `.await`.
    LockAcrossAwait,
    /// Awaits in sequence that `#[concurrent]` would run together.
    SequentialAwaits,
    /// A file that does not parse, or a module file that is missing: it was not checked.
    Unparsed,
    /// `async-hygiene.toml` is malformed or names nothing.
    Config,
}

impl Code {
    pub(crate) const ALL: [Code; 5] = [
        Code::Blocking,
        Code::LockAcrossAwait,
        Code::SequentialAwaits,
        Code::Unparsed,
        Code::Config,
    ];

    /// The name in `[lints]` and after `async-hygiene::` in output.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Code::Blocking => "blocking",
            Code::LockAcrossAwait => "lock-across-await",
            Code::SequentialAwaits => "sequential-awaits",
            Code::Unparsed => "unparsed-file",
            Code::Config => "config",
        }
    }

    /// The code as printed: `async-hygiene::blocking`, like clippy's `clippy::name`.
    pub(crate) fn qualified(self) -> String {
        format!("async-hygiene::{}", self.name())
    }

    /// One line for SARIF's rule list and `--help`.
    pub(crate) fn summary(self) -> &'static str {
        match self {
            Code::Blocking => {
                "a call in async code blocks the executor thread, directly or through the crate's own sync functions"
            }
            Code::LockAcrossAwait => "a lock guard is still alive at a later `.await`",
            Code::SequentialAwaits => {
                "independent awaits run one after another; `#[concurrent]` would run them together"
            }
            Code::Unparsed => "a source file could not be read or parsed, so it was not checked",
            Code::Config => "`async-hygiene.toml` is malformed",
        }
    }

    /// The level when `[lints]` says nothing.
    pub(crate) fn default_level(self) -> Level {
        match self {
            Code::SequentialAwaits => Level::Warning,
            _ => Level::Error,
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How severe a report is: `deny` prints an error and fails the run, `warn` a warning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    Warning,
    Error,
}

impl Level {
    /// As cargo's JSON spells it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// A source range resolved to file, lines and columns (1-based, columns in chars as
/// rustc counts them) and bytes (for snippets and fixes).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Location {
    pub(crate) file: Arc<Path>,
    pub(crate) line_start: usize,
    pub(crate) column_start: usize,
    pub(crate) line_end: usize,
    pub(crate) column_end: usize,
    pub(crate) bytes: Range<usize>,
}

impl Location {
    /// The location of a span parsed from `file` on this thread.
    pub(crate) fn of(file: &Arc<Path>, span: proc_macro2::Span) -> Location {
        let (start, end) = (span.start(), span.end());
        Location {
            file: Arc::clone(file),
            line_start: start.line,
            column_start: start.column + 1,
            line_end: end.line,
            column_end: end.column + 1,
            bytes: span.byte_range(),
        }
    }

    /// From the start of `first` to the end of `last` (spans of this thread, `first`
    /// not after `last`): what `Location::of` gives for the two spans joined, without
    /// printing the syntax between them to find its ends.
    pub(crate) fn spanning(
        file: &Arc<Path>,
        first: proc_macro2::Span,
        last: proc_macro2::Span,
    ) -> Location {
        let (start, end) = (first.start(), last.end());
        Location {
            file: Arc::clone(file),
            line_start: start.line,
            column_start: start.column + 1,
            line_end: end.line,
            column_end: end.column + 1,
            bytes: first.byte_range().start..last.byte_range().end,
        }
    }

    /// The whole first line of a file: for a report about the file itself.
    pub(crate) fn file_start(file: &Arc<Path>) -> Location {
        Location {
            file: Arc::clone(file),
            line_start: 1,
            column_start: 1,
            line_end: 1,
            column_end: 1,
            bytes: 0..0,
        }
    }

    /// `src/config.rs:12`, relative to the checked directory.
    pub(crate) fn short(&self, root: &Path) -> String {
        format!("{}:{}", display_path(&self.file, root), self.line_start)
    }
}

/// A path as printed: relative to the checked directory when inside it, with `/`.
pub(crate) fn display_path(file: &Path, root: &Path) -> String {
    let relative = file.strip_prefix(root).unwrap_or(file);
    relative.to_string_lossy().replace('\\', "/")
}

/// A text to put at a location, and whether a tool may apply it unasked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Suggestion {
    pub(crate) message: String,
    pub(crate) location: Location,
    pub(crate) replacement: String,
    pub(crate) applicability: Applicability,
}

/// rustc's applicability levels, of which the checker uses two.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Applicability {
    /// Safe to apply: `--fix` applies it.
    MachineApplicable,
    /// Probably right, but a person should look.
    MaybeIncorrect,
}

impl Applicability {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Applicability::MachineApplicable => "MachineApplicable",
            Applicability::MaybeIncorrect => "MaybeIncorrect",
        }
    }
}

/// A labelled span besides the primary one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Label {
    pub(crate) location: Location,
    pub(crate) text: String,
}

/// One report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Diagnostic {
    pub(crate) code: Code,
    pub(crate) level: Level,
    pub(crate) message: String,
    pub(crate) primary: Location,
    /// The primary span's label; empty for none.
    pub(crate) label: String,
    pub(crate) secondary: Vec<Label>,
    pub(crate) notes: Vec<String>,
    pub(crate) help: Vec<String>,
    pub(crate) suggestion: Option<Suggestion>,
}

impl Diagnostic {
    /// A report at `primary` with the rule's default level; the run applies `[lints]`.
    pub(crate) fn new(code: Code, primary: Location, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            level: code.default_level(),
            message: message.into(),
            primary,
            label: String::new(),
            secondary: Vec::new(),
            notes: Vec::new(),
            help: Vec::new(),
            suggestion: None,
        }
    }

    pub(crate) fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }

    pub(crate) fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help.push(help.into());
        self
    }

    /// Sort key: file, position, then code, so output is stable across runs.
    pub(crate) fn sort_key(&self) -> (&Path, usize, usize, Code, &str) {
        (
            &self.primary.file,
            self.primary.line_start,
            self.primary.column_start,
            self.code,
            &self.message,
        )
    }
}

/// Paths shared by many locations: one allocation per file.
pub(crate) fn shared_path(path: PathBuf) -> Arc<Path> {
    Arc::from(path.into_boxed_path())
}
