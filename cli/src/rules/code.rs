//! What a rule is: its code, the level of its reports and its documentation. Each rule's
//! file declares one [`Rule`]; the registry lists them.

use std::cmp::Ordering;
use std::fmt;

use async_hygiene_analysis::findings::Lint;
use async_hygiene_analysis::policy::{self, Lints};

/// A rule: its code, its one-line summary and its documentation.
#[derive(Debug)]
pub(crate) struct Rule {
    pub(crate) code: Code,
    /// One line, for SARIF's rule list.
    pub(crate) summary: &'static str,
    pub(crate) doc: Doc,
}

/// A rule's documentation, in the four parts of ruff's and clippy's lint docs and how to
/// allow it, and what `check --precise` changes for the rule if anything. Each part is
/// Markdown.
#[derive(Debug)]
pub(crate) struct Doc {
    pub(crate) what_it_does: &'static str,
    /// What the rule sees from the compiler in precise mode that it does not from the
    /// syntax; the section ends by naming the README's `Precise mode` section.
    pub(crate) precise: Option<&'static str>,
    pub(crate) why_is_this_bad: &'static str,
    pub(crate) example: &'static str,
    pub(crate) use_instead: &'static str,
    pub(crate) how_to_allow: &'static str,
}

impl Rule {
    /// The rule's documentation as Markdown, headed by its code: what `explain <rule>`
    /// prints and what `cli/README.md` holds.
    pub(crate) fn markdown(&self) -> String {
        let doc = &self.doc;
        let default = match self.code.default_level() {
            Some(Level::Error) => "deny",
            Some(Level::Warning) => "warn",
            None => "allow",
        };
        let configurable = if self.code.lint().is_some() {
            format!(
                "Default level: `{default}` (set it in the `[lints]` table of \
                 `async-hygiene.toml`)."
            )
        } else {
            format!("Level: always `{default}`.")
        };
        let precise = doc.precise.map(|text| {
            section(
                "With `--precise`",
                &format!(
                    "{}\n\nHow precise mode works, what it costs and its limits: the \
                     \"Precise mode\" section of `cli/README.md`.",
                    text.trim(),
                ),
            )
        });
        [
            Some(format!("### {}\n\n{configurable}", self.code.name())),
            Some(section("What it does", doc.what_it_does)),
            precise,
            Some(section("Why is this bad?", doc.why_is_this_bad)),
            Some(section("Example", doc.example)),
            Some(section("Use instead", doc.use_instead)),
            Some(section("How to allow it", doc.how_to_allow)),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n\n")
    }

    /// The rule's anchor in `cli/README.md`: GitHub's anchor of its heading.
    pub(crate) fn anchor(&self) -> &'static str {
        self.code.name()
    }
}

fn section(title: &str, text: &str) -> String {
    format!("#### {title}\n\n{}", text.trim())
}

/// A rule's stable code, as printed (`async-hygiene::blocking`) and configured
/// (`[lints] blocking = "deny"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Code {
    /// A rule shared with the attributes, whose level `[lints]` sets: its identity is the
    /// shared [`Lint`].
    Lint(Lint),
    /// `unparsed-file`: a file or fn that was not checked.
    Unparsed,
    /// `config`: a malformed `async-hygiene.toml`.
    Config,
}

impl Code {
    pub(crate) const BLOCKING: Code = Code::Lint(Lint::Blocking);
    pub(crate) const LOCK_ACROSS_AWAIT: Code = Code::Lint(Lint::LockAcrossAwait);
    pub(crate) const SEQUENTIAL_AWAITS: Code = Code::Lint(Lint::SequentialAwaits);
    pub(crate) const CPU_BOUND: Code = Code::Lint(Lint::CpuBound);

    /// The name in `[lints]` and after `async-hygiene::` in output.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Code::Lint(lint) => lint.code(),
            Code::Unparsed => "unparsed-file",
            Code::Config => "config",
        }
    }

    /// The code as printed: `async-hygiene::blocking`, like clippy's `clippy::name`.
    pub(crate) fn qualified(self) -> String {
        format!("async-hygiene::{}", self.name())
    }

    /// The shared rule, for a code `[lints]` sets.
    pub(crate) fn lint(self) -> Option<Lint> {
        match self {
            Code::Lint(lint) => Some(lint),
            Code::Unparsed | Code::Config => None,
        }
    }

    /// Where reports of one place sort: the shared rules as `Lint::ALL` lists them,
    /// then the checker's own.
    fn rank(self) -> (u8, usize) {
        match self {
            Code::Lint(lint) => (0, Lint::ALL.iter().position(|l| *l == lint).unwrap_or(0)),
            Code::Unparsed => (1, 0),
            Code::Config => (2, 0),
        }
    }

    /// The level of the code's reports under a package's `[lints]`; `None` when they are
    /// allowed. A code `[lints]` cannot set is always an error.
    pub(crate) fn level(self, lints: Lints) -> Option<Level> {
        match self.lint().map(|lint| lints.level(lint)) {
            None | Some(policy::Level::Deny) => Some(Level::Error),
            Some(policy::Level::Warn) => Some(Level::Warning),
            Some(policy::Level::Allow) => None,
        }
    }

    /// The level when `[lints]` says nothing.
    pub(crate) fn default_level(self) -> Option<Level> {
        self.level(Lints::default())
    }
}

impl PartialOrd for Code {
    fn partial_cmp(&self, other: &Code) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Code {
    fn cmp(&self, other: &Code) -> Ordering {
        self.rank().cmp(&other.rank())
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
