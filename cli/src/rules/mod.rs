//! The rules the checker reports, one file each, and the one registry of them.
//!
//! Each rule's file holds its documentation (what it does, why it is bad, an example,
//! what to use instead, how to allow it), its check or its call into
//! `async-hygiene-analysis`, and the wording of its reports. [`RULES`] is the registry:
//! the levels of `[lints]`, the renderers, SARIF's rule list, `explain <rule>` and the
//! `Rules` section of `cli/README.md` all read it.
//!
//! Adding a rule: a file here with its `RULE` and its check, one line in [`RULES`], a
//! fixture crate and a snapshot under `cli/tests/`. A rule a user sets in `[lints]` is
//! also a variant of `async_hygiene_analysis::findings::Lint` with its default level in
//! `async_hygiene_analysis::policy::default_level`: the attributes read the same
//! `async-hygiene.toml`, and the proc-macro crate cannot reach this one.

use std::cmp::Ordering;
use std::fmt;

use async_hygiene_analysis::findings::Lint;
use async_hygiene_analysis::policy::{self, Lints};

pub(crate) mod blocking;
pub(crate) mod config;
pub(crate) mod lock_across_await;
pub(crate) mod sequential_awaits;
pub(crate) mod unparsed_file;

/// Every rule, in the order reports of one place and the summary list them.
pub(crate) static RULES: [&Rule; 5] = [
    &blocking::RULE,
    &lock_across_await::RULE,
    &sequential_awaits::RULE,
    &unparsed_file::RULE,
    &config::RULE,
];

/// A rule: its code, its one-line summary and its documentation.
#[derive(Debug)]
pub(crate) struct Rule {
    pub(crate) code: Code,
    /// One line, for SARIF's rule list.
    pub(crate) summary: &'static str,
    pub(crate) doc: Doc,
}

/// A rule's documentation, in the four parts of ruff's and clippy's lint docs and how to
/// allow it. Each part is Markdown.
#[derive(Debug)]
pub(crate) struct Doc {
    pub(crate) what_it_does: &'static str,
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
        [
            format!("### {}\n\n{configurable}", self.code.name()),
            section("What it does", doc.what_it_does),
            section("Why is this bad?", doc.why_is_this_bad),
            section("Example", doc.example),
            section("Use instead", doc.use_instead),
            section("How to allow it", doc.how_to_allow),
        ]
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

/// The rule with this code (`blocking`, or `async-hygiene::blocking`).
pub(crate) fn named(name: &str) -> Option<&'static Rule> {
    let name = name.strip_prefix("async-hygiene::").unwrap_or(name);
    RULES.into_iter().find(|rule| rule.code.name() == name)
}

/// The `Rules` section of `cli/README.md`: every rule's documentation, in order (a test
/// keeps the file in step).
#[cfg(test)]
pub(crate) fn readme_section() -> String {
    let docs: Vec<String> = RULES.iter().map(|rule| rule.markdown()).collect();
    docs.join("\n\n")
}

/// Where a rule's documentation is read on the web: `cli/README.md` in the repository,
/// at the rule's heading. The repository is the workspace's `repository`, the one place
/// the project's address is written.
pub(crate) fn help_uri(rule: &Rule) -> String {
    format!(
        "{}/blob/HEAD/cli/README.md#{}",
        env!("CARGO_PKG_REPOSITORY").trim_end_matches('/'),
        rule.anchor()
    )
}

/// A rule's stable code, as printed (`async-hygiene::blocking`) and configured
/// (`[lints] blocking = "deny"`). Codes order as [`RULES`] lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Code {
    /// A rule shared with the attributes, whose level `[lints]` sets: its identity is the
    /// shared [`Lint`].
    Lint(Lint),
    /// [`unparsed_file`].
    Unparsed,
    /// [`config`].
    Config,
}

impl Code {
    pub(crate) const BLOCKING: Code = Code::Lint(Lint::Blocking);
    pub(crate) const LOCK_ACROSS_AWAIT: Code = Code::Lint(Lint::LockAcrossAwait);
    pub(crate) const SEQUENTIAL_AWAITS: Code = Code::Lint(Lint::SequentialAwaits);

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

    /// The position of the code's rule in [`RULES`] (SARIF's `ruleIndex`).
    pub(crate) fn index(self) -> usize {
        RULES
            .iter()
            .position(|rule| rule.code == self)
            .unwrap_or(RULES.len())
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
        self.index().cmp(&other.index())
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

/// The `Rules` section of `cli/README.md` is generated from the registry's docs, so that
/// the README and `explain <rule>` cannot drift: [`readme_section`] sits between the
/// `rules:begin` and `rules:end` markers. `readme_rules_are_the_registrys` fails when the
/// file differs; `UPDATE_RULE_DOCS=1 cargo test -p cargo-async-hygiene readme_rules`
/// rewrites the block (read the diff before committing it).
#[cfg(test)]
mod tests {
    use super::{named, readme_section, Code, RULES};

    const BEGIN: &str =
        "<!-- rules:begin: generated from cli/src/rules/*.rs; do not edit by hand -->";
    const END: &str = "<!-- rules:end -->";

    #[test]
    fn readme_rules_are_the_registrys() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
        let readme = std::fs::read_to_string(&path).unwrap();
        let start = readme.find(BEGIN).expect("the rules:begin marker") + BEGIN.len();
        let end = readme.find(END).expect("the rules:end marker");
        let expected = format!("\n{}\n", readme_section());
        if readme[start..end] == expected {
            return;
        }
        if std::env::var_os("UPDATE_RULE_DOCS").is_some() {
            let updated = format!("{}{expected}{}", &readme[..start], &readme[end..]);
            std::fs::write(&path, updated).unwrap();
            return;
        }
        panic!(
            "the rules of {} differ from the registry's docs: run \
             `UPDATE_RULE_DOCS=1 cargo test -p cargo-async-hygiene readme_rules` and read the diff",
            path.display()
        );
    }

    /// Each rule is listed once, under its own code, and every code has its rule.
    #[test]
    fn the_registry_lists_each_code_once() {
        for (index, rule) in RULES.iter().enumerate() {
            assert_eq!(rule.code.index(), index, "{}", rule.code);
            assert!(std::ptr::eq(named(rule.code.name()).unwrap(), *rule));
        }
        for lint in async_hygiene_analysis::findings::Lint::ALL {
            assert!(named(lint.code()).is_some(), "`{lint}` has no rule file");
        }
        assert!(named("async-hygiene::config").is_some());
        assert!(named("blocking-calls").is_none());
        assert!(Code::BLOCKING < Code::Config);
    }
}
