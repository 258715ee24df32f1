//! What the checker reports, independent of how it is printed: a rustc-shaped
//! diagnostic (code, level, message, a primary span with its label, notes, help and an
//! optional suggestion) whose spans are already file, line and column.
//!
//! Spans are resolved to [`Location`]s on the thread that parsed the file: proc-macro2's
//! source map is thread-local, so a `Span` means nothing on another thread.

use std::cell::RefCell;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_hygiene_analysis::findings::{self, Finding};

use crate::rules::code::{Code, Level};

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
        Location::spanning(file, span, span)
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
            bytes: byte_range(first).start..byte_range(last).end,
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

thread_local! {
    /// The lines of the text being lexed on this thread: see [`with_lines`].
    static LINES: RefCell<Option<Lines>> = const { RefCell::new(None) };
}

/// Where the lines of a text start, to turn a span's line and column into a byte offset.
///
/// proc-macro2 keeps its spans' positions in chars, and each `Span::byte_range` counts
/// chars from the nearest position it converted before, remembering each result in a
/// tree, thousands of instructions a span (`docs/benchmarks.md`). A span's line and column are cheap
/// (a search among line starts), and with this table the byte offset is the line's
/// start plus the bytes of the first `column` chars of the line.
struct Lines {
    text: Arc<str>,
    /// The part of `text` that was lexed: line 1 starts at `lexed.start`.
    lexed: Range<usize>,
    /// The byte offset (from `lexed.start`) of each line's start.
    starts: Vec<usize>,
}

impl Lines {
    fn byte(&self, at: proc_macro2::LineColumn) -> Option<usize> {
        let line_start = *self.starts.get(at.line.checked_sub(1)?)?;
        let line = self
            .text
            .get(self.lexed.start + line_start..self.lexed.end)?;
        let in_line = if line
            .as_bytes()
            .get(..at.column)
            .is_some_and(<[u8]>::is_ascii)
        {
            at.column
        } else {
            match line.char_indices().nth(at.column) {
                Some((offset, _)) => offset,
                // The end of the text.
                None => line.len(),
            }
        };
        Some(line_start + in_line)
    }
}

/// Runs `lex` (which lexes `text[lexed]` on this thread, and resolves the spans) with
/// the lines of that text at hand, so that [`Location`]s find their byte offsets from
/// lines and columns. Any text of the same layout (the same bytes up to blanked
/// comments and bodies) has the same lines.
pub(crate) fn with_lines<R>(text: &Arc<str>, lexed: Range<usize>, lex: impl FnOnce() -> R) -> R {
    let starts = std::iter::once(0)
        .chain(
            text[lexed.clone()]
                .match_indices('\n')
                .map(|(newline, _)| newline + 1),
        )
        .collect();
    let lines = Lines {
        text: Arc::clone(text),
        lexed,
        starts,
    };
    let outer = LINES.with(|current| current.borrow_mut().replace(lines));
    let result = lex();
    LINES.with(|current| *current.borrow_mut() = outer);
    result
}

/// A span's byte range in its text: from the lines at hand ([`with_lines`]), else as
/// proc-macro2 counts it.
pub(crate) fn byte_range(span: proc_macro2::Span) -> Range<usize> {
    let from_lines = LINES.with(|lines| {
        let lines = lines.borrow();
        let lines = lines.as_ref()?;
        Some(lines.byte(span.start())?..lines.byte(span.end())?)
    });
    from_lines.unwrap_or_else(|| span.byte_range())
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
            // Provisional: the run sets each report's level from its package's `[lints]`.
            level: code.default_level().unwrap_or(Level::Warning),
            message: message.into(),
            primary,
            label: String::new(),
            secondary: Vec::new(),
            notes: Vec::new(),
            help: Vec::new(),
            suggestion: None,
        }
    }

    /// A finding of the shared rules (`#[no_blocking]`'s scan) as a report in `file`.
    pub(crate) fn from_finding(finding: &Finding, file: &Arc<Path>) -> Diagnostic {
        let location =
            |range: &findings::Location| Location::spanning(file, range.first, range.last);
        let mut diagnostic = Diagnostic::new(
            Code::Lint(finding.lint),
            location(&finding.location),
            &finding.message,
        );
        if !finding.help.is_empty() {
            diagnostic.help.push(finding.help.clone());
        }
        diagnostic.notes.extend(finding.notes.iter().cloned());
        diagnostic.secondary = finding
            .labels
            .iter()
            .map(|label| Label {
                location: location(&label.location),
                text: label.message.clone(),
            })
            .collect();
        diagnostic
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{byte_range, with_lines};

    /// Every token's byte range from the lines is proc-macro2's own, non-ASCII text and
    /// CRLF line ends included, in a whole text and in a part of one.
    #[test]
    fn byte_ranges_from_lines_are_proc_macro2s() {
        fn tokens(stream: proc_macro2::TokenStream, spans: &mut Vec<proc_macro2::Span>) {
            for tree in stream {
                spans.push(tree.span());
                if let proc_macro2::TokenTree::Group(group) = tree {
                    spans.push(group.span_open());
                    spans.push(group.span_close());
                    tokens(group.stream(), spans);
                }
            }
        }
        let text: Arc<str> =
            Arc::from("fn é() {\r\n    let ü = \"ß\"; /* ∂ */ f(ü, 'ç');\n}\n\nstruct S { a: u8 }");
        let body = text.find('{').unwrap()..text.find("}\n").unwrap() + 1;
        for lexed in [0..text.len(), body] {
            let stream: proc_macro2::TokenStream = text[lexed.clone()].parse().unwrap();
            let mut spans = Vec::new();
            tokens(stream, &mut spans);
            assert!(spans.len() > 10);
            with_lines(&text, lexed, || {
                for span in &spans {
                    assert_eq!(byte_range(*span), span.byte_range());
                }
            });
        }
    }
}
