//! `--fix`: applies the `sequential-awaits` suggestions that are safe as written
//! (machine-applicable: the crate depends on `async-hygiene` and no other attribute on
//! the fn decides the expansion order), and nothing else. Each change is printed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::{display_path, Applicability, Diagnostic};
use crate::rules::Code;

/// One insertion made.
pub(crate) struct Fixed {
    /// Index into the diagnostics the fix came from.
    pub(crate) diagnostic: usize,
    /// What changed: ``src/lib.rs:13: inserted `#[concurrent]` ``.
    pub(crate) description: String,
}

/// Applies the safe insertions to the files. A file that cannot be written is an error
/// and nothing in it changes.
pub(crate) fn apply(diagnostics: &[Diagnostic], root: &Path) -> Result<Vec<Fixed>, String> {
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
    for (file, mut indices) in by_file {
        let mut text = std::fs::read_to_string(&file)
            .map_err(|error| format!("{}: {error}", file.display()))?;
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
            text.insert_str(at, &suggestion.replacement);
            fixed.push(Fixed {
                diagnostic: index,
                description: format!(
                    "{}:{}: inserted `{}`",
                    display_path(&file, root),
                    suggestion.location.line_start,
                    suggestion.replacement.trim()
                ),
            });
        }
        std::fs::write(&file, text).map_err(|error| format!("{}: {error}", file.display()))?;
    }
    fixed.sort_by(|a, b| a.description.cmp(&b.description));
    Ok(fixed)
}

fn suggestion_start(diagnostic: &Diagnostic) -> usize {
    diagnostic
        .suggestion
        .as_ref()
        .map_or(0, |suggestion| suggestion.location.bytes.start)
}
