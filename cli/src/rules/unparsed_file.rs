//! `unparsed-file`: a source file or fn that could not be read or parsed, or a module
//! whose file is missing, so that it was not checked.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Location};
use crate::rules::code::{Code, Doc, Rule};

pub(crate) static RULE: Rule = Rule {
    code: Code::Unparsed,
    summary: "a source file could not be read or parsed, so it was not checked",
    doc: Doc {
        what_it_does: "
Reports a source file the checker could not read or parse, a `mod name;` whose file is
missing, and the body of a sync fn that does not parse when async code reaches it (the
body of a sync fn without `async` or `fn` inside is parsed only then; one that is never
reached is left to `cargo check`).
",
        precise: None,
        why_is_this_bad: "
What is not parsed is not checked: a clean run would say nothing about that file. The
checker reads the sources with `syn` and does not expand macros or `cfg`s, so code that
`rustc` accepts almost always parses; a file that does not is usually broken, or written
in syntax newer than the checker's parser. The rest of the crate is still checked.
",
        example: "
```rust
mod missing; // no src/missing.rs nor src/missing/mod.rs

pub struct Broken {
    field: ,
}
```
",
        use_instead: "
Fix the syntax error (`cargo check` shows it in full), or create the module's file, or
point `#[path = \"..\"]` at it. A module whose file the package's build script writes
(`File::create(\"src/version.rs\")` in `build.rs`) exists once the package is built: run
`cargo check` before the checker (the report says so when the package has a build
script).
",
        how_to_allow: "
It cannot be allowed: a file the checker cannot read is always reported, so that a
clean run means the whole crate was checked.
",
    },
};

/// A file that cannot be read.
pub(crate) fn unreadable(file: &Arc<Path>, path: &Path, error: &std::io::Error) -> Diagnostic {
    Diagnostic::new(
        Code::Unparsed,
        Location::file_start(file),
        format!(
            "cannot read {}: {error}; it was not checked",
            path.display()
        ),
    )
}

/// A file (`what` = "file") or a fn ("fn") that does not parse, at the error.
pub(crate) fn does_not_parse(what: &str, location: Location, error: &syn::Error) -> Diagnostic {
    Diagnostic::new(
        Code::Unparsed,
        location,
        format!("this {what} does not parse, so it was not checked: {error}"),
    )
    .with_label(error.to_string())
    .with_note("the rest of the crate was checked; `cargo check` shows the full error")
}

/// `mod name;` with none of the files it may be in; `build_script`: the package's, which
/// may be what writes the file.
pub(crate) fn missing_module(
    location: Location,
    name: &str,
    looked_for: &[PathBuf],
    build_script: Option<&Path>,
) -> Diagnostic {
    let looked_for: Vec<String> = looked_for
        .iter()
        .map(|path| format!("`{}`", path.display()))
        .collect();
    let report = Diagnostic::new(
        Code::Unparsed,
        location,
        format!("file not found for module `{name}`: it was not checked"),
    )
    .with_label("no file for this module")
    .with_note(format!("looked for {}", looked_for.join(" and ")));
    match build_script {
        Some(script) => report.with_help(format!(
            "if the package's build script (`{}`) writes this file, run `cargo check` before \
             the checker, so that the file exists and is checked",
            script.display()
        )),
        None => report,
    }
}
