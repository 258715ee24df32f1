//! The three output formats of the same [`Diagnostic`]s:
//! - `human`: rustc's snippets, drawn by `annotate-snippets` (the renderer rustc uses);
//! - `json`: one cargo `compiler-message` a line, the shape rust-analyzer's
//!   `check.overrideCommand` reads;
//! - `sarif`: one SARIF 2.1.0 log for code-scanning services.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use annotate_snippets::{AnnotationKind, Group, Level as SnippetLevel, Patch, Renderer, Snippet};
use serde_json::{json, Value};

use crate::diagnostic::{display_path, Code, Diagnostic, Level, Location};
use crate::workspace::{Package, Target};

/// Source text of the files reports point into, read once each.
#[derive(Default)]
pub(crate) struct Sources {
    texts: HashMap<PathBuf, String>,
}

impl Sources {
    fn text(&mut self, path: &Path) -> &str {
        self.texts
            .entry(path.to_path_buf())
            .or_insert_with(|| std::fs::read_to_string(path).unwrap_or_default())
    }
}

fn snippet_level(level: Level) -> SnippetLevel<'static> {
    match level {
        Level::Error => SnippetLevel::ERROR,
        Level::Warning => SnippetLevel::WARNING,
    }
}

/// The rustc-style text of one report. `styled` adds terminal colours.
pub(crate) fn human(
    diagnostic: &Diagnostic,
    root: &Path,
    sources: &mut Sources,
    styled: bool,
) -> String {
    // Read every file first: the snippets borrow the texts.
    let mut files = vec![diagnostic.primary.file.to_path_buf()];
    files.extend(
        diagnostic
            .secondary
            .iter()
            .map(|label| label.location.file.to_path_buf()),
    );
    for file in &files {
        sources.text(file);
    }
    let sources = &*sources;
    let text = |path: &Path| sources.texts.get(path).map_or("", String::as_str);
    let code = diagnostic.code.qualified();
    let primary_path = display_path(&diagnostic.primary.file, root);
    let mut primary = Snippet::source(text(&diagnostic.primary.file))
        .path(primary_path.clone())
        .fold(true)
        .annotation(
            AnnotationKind::Primary
                .span(clamp(&diagnostic.primary, text(&diagnostic.primary.file)))
                .label(non_empty(&diagnostic.label)),
        );
    let mut other_files: Vec<Snippet<'_, annotate_snippets::Annotation<'_>>> = Vec::new();
    let mut other_paths: Vec<String> = Vec::new();
    for label in &diagnostic.secondary {
        let source = text(&label.location.file);
        let annotation = AnnotationKind::Context
            .span(clamp(&label.location, source))
            .label(non_empty(&label.text));
        if label.location.file == diagnostic.primary.file {
            primary = primary.annotation(annotation);
        } else {
            let path = display_path(&label.location.file, root);
            if let Some(index) = other_paths.iter().position(|known| *known == path) {
                let snippet = other_files.remove(index);
                other_files.insert(index, snippet.annotation(annotation));
            } else {
                other_paths.push(path.clone());
                other_files.push(
                    Snippet::source(source)
                        .path(path)
                        .fold(true)
                        .annotation(annotation),
                );
            }
        }
    }
    let mut group = snippet_level(diagnostic.level)
        .primary_title(diagnostic.message.as_str())
        .id(code.as_str())
        .element(primary);
    for snippet in other_files {
        group = group.element(snippet);
    }
    for note in &diagnostic.notes {
        group = group.element(SnippetLevel::NOTE.message(note.as_str()));
    }
    for help in &diagnostic.help {
        group = group.element(SnippetLevel::HELP.message(help.as_str()));
    }
    let mut report = vec![group];
    if let Some(suggestion) = &diagnostic.suggestion {
        let source = text(&suggestion.location.file);
        report.push(
            Group::with_title(SnippetLevel::HELP.secondary_title(suggestion.message.as_str()))
                .element(
                    Snippet::source(source)
                        .path(display_path(&suggestion.location.file, root))
                        .patch(Patch::new(
                            clamp(&suggestion.location, source),
                            suggestion.replacement.as_str(),
                        )),
                ),
        );
    }
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    renderer.render(&report)
}

fn non_empty(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

/// A byte range inside the text (a file changed since it was parsed must not panic).
fn clamp(location: &Location, text: &str) -> std::ops::Range<usize> {
    let end = location.bytes.end.min(text.len());
    let start = location.bytes.start.min(end);
    start..end
}

/// The package and target a report belongs to, for cargo's message shape.
pub(crate) struct Origin<'w> {
    pub(crate) package: &'w Package,
    pub(crate) target: &'w Target,
}

/// One cargo `compiler-message` line.
pub(crate) fn json(
    diagnostic: &Diagnostic,
    root: &Path,
    origin: Option<&Origin<'_>>,
    sources: &mut Sources,
) -> Value {
    let rendered = human(diagnostic, root, sources, false);
    let mut spans = vec![span(
        &diagnostic.primary,
        true,
        &diagnostic.label,
        None,
        root,
        sources,
    )];
    spans.extend(
        diagnostic
            .secondary
            .iter()
            .map(|label| span(&label.location, false, &label.text, None, root, sources)),
    );
    let mut children: Vec<Value> = diagnostic
        .notes
        .iter()
        .map(|note| child("note", note, &[]))
        .chain(diagnostic.help.iter().map(|help| child("help", help, &[])))
        .collect();
    if let Some(suggestion) = &diagnostic.suggestion {
        let suggested = span(
            &suggestion.location,
            true,
            "",
            Some((&suggestion.replacement, suggestion.applicability.as_str())),
            root,
            sources,
        );
        children.push(child("help", &suggestion.message, &[suggested]));
    }
    let message = json!({
        "$message_type": "diagnostic",
        "message": diagnostic.message,
        "code": { "code": diagnostic.code.qualified(), "explanation": null },
        "level": diagnostic.level.as_str(),
        "spans": spans,
        "children": children,
        "rendered": rendered,
    });
    let (package_id, manifest_path, target) = match origin {
        Some(origin) => (
            origin.package.id(),
            origin
                .package
                .manifest_dir
                .join("Cargo.toml")
                .display()
                .to_string(),
            json!({
                "kind": [origin.target.kind.as_str()],
                "crate_types": [if origin.target.kind.as_str() == "lib" { "lib" } else { "bin" }],
                "name": origin.target.name,
                "src_path": origin.target.src_path.display().to_string(),
                "edition": origin.target.edition,
                "doc": true,
                "doctest": false,
                "test": true,
            }),
        ),
        None => (String::new(), String::new(), Value::Null),
    };
    json!({
        "reason": "compiler-message",
        "package_id": package_id,
        "manifest_path": manifest_path,
        "target": target,
        "message": message,
    })
}

fn child(level: &str, message: &str, spans: &[Value]) -> Value {
    json!({
        "message": message,
        "code": null,
        "level": level,
        "spans": spans,
        "children": [],
        "rendered": null,
    })
}

fn span(
    location: &Location,
    primary: bool,
    label: &str,
    suggestion: Option<(&str, &str)>,
    root: &Path,
    sources: &mut Sources,
) -> Value {
    let text = sources.text(&location.file);
    // The lines the span covers, with the highlighted columns, as rustc gives them.
    let lines: Vec<Value> = text
        .lines()
        .enumerate()
        .skip(location.line_start.saturating_sub(1))
        .take(location.line_end + 1 - location.line_start.min(location.line_end))
        .map(|(index, line)| {
            let number = index + 1;
            let start = if number == location.line_start {
                location.column_start
            } else {
                1
            };
            let end = if number == location.line_end {
                location.column_end
            } else {
                line.chars().count() + 1
            };
            json!({ "text": line, "highlight_start": start, "highlight_end": end })
        })
        .collect();
    json!({
        "file_name": display_path(&location.file, root),
        "byte_start": location.bytes.start,
        "byte_end": location.bytes.end,
        "line_start": location.line_start,
        "line_end": location.line_end,
        "column_start": location.column_start,
        "column_end": location.column_end,
        "is_primary": primary,
        "text": lines,
        "label": non_empty(label),
        "suggested_replacement": suggestion.map(|(replacement, _)| replacement),
        "suggestion_applicability": suggestion.map(|(_, applicability)| applicability),
        "expansion": null,
    })
}

/// The SARIF 2.1.0 log of a run.
pub(crate) fn sarif(diagnostics: &[Diagnostic], root: &Path) -> Value {
    let rules: Vec<Value> = Code::ALL
        .iter()
        .map(|code| {
            json!({
                "id": code.qualified(),
                "name": code.name(),
                "shortDescription": { "text": code.summary() },
                "defaultConfiguration": { "level": sarif_level(code.default_level()) },
                "helpUri": "https://example.invalid/async-hygiene#cargo-async-hygiene",
            })
        })
        .collect();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|diagnostic| {
            let mut text = diagnostic.message.clone();
            for note in &diagnostic.notes {
                let _ = write!(text, "\nnote: {note}");
            }
            for help in &diagnostic.help {
                let _ = write!(text, "\nhelp: {help}");
            }
            let related: Vec<Value> = diagnostic
                .secondary
                .iter()
                .enumerate()
                .map(|(index, label)| {
                    json!({
                        "id": index,
                        "message": { "text": label.text },
                        "physicalLocation": physical(&label.location, root),
                    })
                })
                .collect();
            json!({
                "ruleId": diagnostic.code.qualified(),
                "ruleIndex": Code::ALL.iter().position(|code| *code == diagnostic.code),
                "level": sarif_level(diagnostic.level),
                "message": { "text": text },
                "locations": [{ "physicalLocation": physical(&diagnostic.primary, root) }],
                "relatedLocations": related,
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "cargo-async-hygiene",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://example.invalid/async-hygiene",
                "rules": rules,
            }},
            "originalUriBaseIds": { "SRCROOT": { "uri": format!("file://{}/", root.display()) } },
            "results": results,
        }],
    })
}

fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
    }
}

fn physical(location: &Location, root: &Path) -> Value {
    json!({
        "artifactLocation": { "uri": display_path(&location.file, root), "uriBaseId": "SRCROOT" },
        "region": {
            "startLine": location.line_start,
            "startColumn": location.column_start,
            "endLine": location.line_end,
            "endColumn": location.column_end,
        },
    })
}
