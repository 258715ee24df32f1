//! `--fix`: applies the `sequential-awaits` suggestions that are safe as written
//! (machine-applicable: the crate depends on `async-hygiene` and no other attribute on
//! the fn decides the expansion order), and nothing else. Each change is printed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::check::Checked;
use crate::diagnostic::{display_path, Applicability, Diagnostic};
use crate::rules::Code;
use crate::verify::{self, Applied, Fixed};

/// `--fix`: applies the safe insertions, builds the changed packages with cargo (unless
/// `run_cargo` is false) and reverts what does not build ([`verify`]), and prints each
/// change. Whether a file changed.
pub(crate) fn run(checked: &Checked, run_cargo: bool) -> Result<bool, String> {
    let root = &checked.workspace.root;
    let applied = apply(&checked.diagnostics, root)?;
    let left = left_to_review(&checked.diagnostics);
    if applied.fixed.is_empty() {
        eprintln!(
            "nothing fixed{}",
            left.map(|left| format!(": {left}")).unwrap_or_default()
        );
        return Ok(false);
    }
    let verdict = if run_cargo {
        eprintln!("building the fixes with `cargo check --all-targets`");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let package_of = |file: &Path| {
            let (package, _) = checked.owners.get(file)?;
            let package = &checked.workspace.packages[package];
            Some((package.manifest_dir.clone(), package.name.clone()))
        };
        verify::verify(&applied, package_of, &cargo, root)
    } else {
        verify::Verdict::default()
    };
    for (index, change) in applied.fixed.iter().enumerate() {
        match verdict
            .reverted
            .iter()
            .find(|(reverted, _)| *reverted == index)
        {
            Some((_, why)) => eprintln!("reverted {}: {why}", change.description),
            None => eprintln!("fixed {}", change.description),
        }
    }
    if !run_cargo {
        eprintln!(
            "note: with --no-metadata no cargo runs: the fixes were not built; run `cargo check`"
        );
    }
    for note in &verdict.notes {
        eprintln!("note: {note}");
    }
    if let Some(left) = left {
        eprintln!("note: {left}");
    }
    Ok(true)
}

/// What `--fix` left alone, when it did: "2 `sequential-awaits` suggestions are not
/// applied: …".
fn left_to_review(diagnostics: &[Diagnostic]) -> Option<String> {
    let left = diagnostics
        .iter()
        .filter(|diagnostic| {
            diagnostic.code == Code::SEQUENTIAL_AWAITS
                && diagnostic.suggestion.as_ref().is_some_and(|suggestion| {
                    suggestion.applicability != Applicability::MachineApplicable
                })
        })
        .count();
    let (count, it, verb) = match left {
        0 => return None,
        1 => (
            "1 `sequential-awaits` suggestion is".to_owned(),
            "it",
            "review it",
        ),
        many => (
            format!("{many} `sequential-awaits` suggestions are"),
            "them",
            "review each",
        ),
    };
    Some(format!(
        "{count} not applied, as `--fix` cannot show {it} safe: the package does not depend \
         on `async-hygiene`, another attribute on the fn decides the expansion order, the \
         joined calls share a receiver or an argument, a `?` that returns early would no \
         longer keep a joined call from starting, or the fn is under a `#[cfg]` the build \
         may leave out; {verb} and add the attribute by hand"
    ))
}

/// Applies the safe insertions to the files. A file that cannot be read or written, or
/// that changed since it was checked, is an error and no file changes.
pub(crate) fn apply(diagnostics: &[Diagnostic], root: &Path) -> Result<Applied, String> {
    let mut by_file: BTreeMap<PathBuf, Vec<usize>> = BTreeMap::new();
    for (index, diagnostic) in diagnostics.iter().enumerate() {
        let Some(suggestion) = &diagnostic.suggestion else {
            continue;
        };
        if diagnostic.code == Code::SEQUENTIAL_AWAITS
            && suggestion.applicability == Applicability::MachineApplicable
        {
            by_file
                .entry(suggestion.location.file.to_path_buf())
                .or_default()
                .push(index);
        }
    }
    let mut fixed = Vec::new();
    let mut edited = Vec::new();
    for (file, mut indices) in by_file {
        let original = std::fs::read_to_string(&file)
            .map_err(|error| format!("{}: {error}", file.display()))?;
        let mut text = original.clone();
        // From the end, so earlier offsets stay valid.
        indices.sort_by_key(|&index| std::cmp::Reverse(suggestion_start(&diagnostics[index])));
        indices.dedup_by_key(|index| suggestion_start(&diagnostics[*index]));
        for &index in &indices {
            let Some(suggestion) = &diagnostics[index].suggestion else {
                continue;
            };
            let at = suggestion.location.bytes.start;
            if !text.is_char_boundary(at) || at > text.len() {
                return Err(format!(
                    "{}: changed since it was read; nothing fixed",
                    file.display()
                ));
            }
            text.insert_str(at, &in_line_ending_of(&suggestion.replacement, &text, at));
            fixed.push(Fixed {
                file: file.clone(),
                description: format!(
                    "{}:{}: inserted `{}`",
                    display_path(&file, root),
                    suggestion.location.line_start,
                    suggestion.replacement.trim()
                ),
            });
        }
        edited.push((file, original, text));
    }
    let mut originals = BTreeMap::new();
    for (file, original, text) in edited {
        if let Err(error) = std::fs::write(&file, text) {
            for (written, original) in &originals {
                let _ = std::fs::write(written, original);
            }
            return Err(format!("{}: {error}; nothing fixed", file.display()));
        }
        originals.insert(file, original);
    }
    fixed.sort_by(|a, b| a.description.cmp(&b.description));
    Ok(Applied { fixed, originals })
}

/// `replacement` with the line ending of the line of `text` it goes into at `at`:
/// `\r\n` in a file written so, where the suggestion ends its line with `\n`.
fn in_line_ending_of(replacement: &str, text: &str, at: usize) -> String {
    let crlf = text[at..]
        .find('\n')
        .is_some_and(|end| text[..at + end].ends_with('\r'));
    if crlf {
        replacement.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        replacement.to_owned()
    }
}

fn suggestion_start(diagnostic: &Diagnostic) -> usize {
    diagnostic
        .suggestion
        .as_ref()
        .map_or(0, |suggestion| suggestion.location.bytes.start)
}

#[cfg(test)]
mod tests {
    use super::in_line_ending_of;

    /// atuin has a source file written with CRLF: an attribute inserted there ends its
    /// line as the file's other lines do.
    #[test]
    fn an_insertion_ends_its_line_as_the_file_does() {
        let attribute = "#[async_hygiene::concurrent]\n    ";
        let crlf = "impl A {\r\n    pub async fn f() {}\r\n}\r\n";
        let at = crlf.find("pub").unwrap();
        let mut text = crlf.to_owned();
        text.insert_str(at, &in_line_ending_of(attribute, crlf, at));
        assert_eq!(
            text,
            "impl A {\r\n    #[async_hygiene::concurrent]\r\n    pub async fn f() {}\r\n}\r\n"
        );
        let lf = "impl A {\n    pub async fn f() {}\n}\n";
        let at = lf.find("pub").unwrap();
        assert_eq!(in_line_ending_of(attribute, lf, at), attribute);
        // The last line, without an ending: as the suggestion has it.
        let last = "pub async fn f() {}";
        assert_eq!(
            in_line_ending_of("#[concurrent]\n", last, 0),
            "#[concurrent]\n"
        );
    }
}
