//! `config`: a package's `async-hygiene.toml` is malformed, or allows what no rule checks.

use std::path::Path;
use std::sync::Arc;

use async_hygiene_analysis::policy::{self, PolicyRule};

use crate::diagnostic::{Diagnostic, Location};
use crate::rules::code::{Code, Doc, Rule};

pub(crate) static RULE: Rule = Rule {
    code: Code::Config,
    summary: "`async-hygiene.toml` is malformed",
    doc: Doc {
        what_it_does: "
Reports a package's `async-hygiene.toml` that does not parse (a line that is not
`\"path\" = \"text\"` in `[no_blocking.*]` and `[concurrent.guards]`, an unknown rule or
level in `[lints]`), and an `[no_blocking.allow]` entry that matches no call the catalogue
checks.
",
        precise: None,
        why_is_this_bad: "
The file is the package's policy for the checker and for the attributes alike. A
malformed file applies none of its rules, so the policy you wrote is not the one
checked; an `allow` entry that matches nothing (a typo, a path that changed) allows
nothing, and the call it meant is still reported or, worse, a real one is missed later.
The rest of the crate is still checked with the built-in rules, so every problem shows
in one run.
",
        example: r#"
```toml
[no_blocking.allow]
"std::fs::read_to_strin" = "a typo"
```
"#,
        use_instead: r#"
```toml
[no_blocking.allow]
"std::fs::read_to_string" = "reads a small local file once at start-up"
```
"#,
        how_to_allow: "
It cannot be allowed: fix the file. The report points at the line and says what is
wrong there.
",
    },
};

/// An `allow` entry of `async-hygiene.toml` that matches nothing in its catalogue:
/// `checked` says what it was checked against ("blocking call that `#[no_blocking]`
/// checks" for `[no_blocking.allow]`).
pub(crate) fn allows_nothing(file: &Arc<Path>, rule: &PolicyRule, checked: &str) -> Diagnostic {
    at_line(
        file,
        rule.line,
        format!(
            "`{}` matches no {checked}, so there is nothing to allow",
            rule.rule
        ),
    )
}

/// The policy reader's first problem (`path:LINE: what is wrong`), at its line.
pub(crate) fn malformed(file: &Arc<Path>, path: &Path, message: &str) -> Diagnostic {
    // `path:LINE: what is wrong`: the path is the report's own.
    let prefix = format!("{}:", path.display());
    let detail = message.strip_prefix(&prefix).unwrap_or(message);
    let (line, what) = match detail.split_once(": ") {
        Some((line, what)) if line.parse::<usize>().is_ok() => (line.parse().unwrap_or(1), what),
        _ => (1, detail.trim_start()),
    };
    at_line(
        file,
        line,
        format!("malformed {}: {what}", policy::FILE_NAME),
    )
}

/// A report on one line of `async-hygiene.toml`, spanning the line's text.
pub(crate) fn at_line(file: &Arc<Path>, line: usize, message: String) -> Diagnostic {
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
