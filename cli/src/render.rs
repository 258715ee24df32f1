//! The three output formats of the same [`Diagnostic`]s:
//! - `human`: rustc's snippets, drawn by `annotate-snippets` (the renderer rustc uses);
//! - `json`: one cargo `compiler-message` a line, the shape rust-analyzer's
//!   `check.overrideCommand` reads;
//! - `sarif`: one SARIF 2.1.0 log for code-scanning services.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

use annotate_snippets::{AnnotationKind, Group, Level as SnippetLevel, Patch, Renderer, Snippet};
use serde_json::{json, Value};

use crate::diagnostic::{display_path, Diagnostic, Location};
use crate::rules::{self, Level, RULES};
use crate::workspace::{Package, Target};

/// Source text of the files reports point into, read once each (before the reports are
/// drawn, in parallel).
#[derive(Default)]
pub(crate) struct Sources {
    texts: HashMap<PathBuf, String>,
}

impl Sources {
    /// The files `diagnostics` point into (a file that cannot be read is empty).
    pub(crate) fn of(diagnostics: &[Diagnostic]) -> Sources {
        let mut texts = HashMap::new();
        for diagnostic in diagnostics {
            let files = std::iter::once(&diagnostic.primary.file)
                .chain(
                    diagnostic
                        .secondary
                        .iter()
                        .map(|label| &label.location.file),
                )
                .chain(diagnostic.suggestion.iter().map(|fix| &fix.location.file));
            for file in files {
                texts
                    .entry(file.to_path_buf())
                    .or_insert_with(|| std::fs::read_to_string(file).unwrap_or_default());
            }
        }
        Sources { texts }
    }

    fn text(&self, path: &Path) -> &str {
        self.texts.get(path).map_or("", String::as_str)
    }
}

fn snippet_level(level: Level) -> SnippetLevel<'static> {
    match level {
        Level::Error => SnippetLevel::ERROR,
        Level::Warning => SnippetLevel::WARNING,
    }
}

/// An annotation of a snippet: its range in the file, its kind, its label.
type Annotated<'d> = (Range<usize>, AnnotationKind, Option<&'d str>);

/// The rustc-style text of one report. `styled` adds terminal colours.
pub(crate) fn human(
    diagnostic: &Diagnostic,
    root: &Path,
    sources: &Sources,
    styled: bool,
) -> String {
    let text = |path: &Path| sources.text(path);
    let code = diagnostic.code.qualified();
    // The annotations of each file, the primary's file first, then the others in the
    // order their labels come.
    let mut files: Vec<(&Path, Vec<Annotated<'_>>)> = vec![(&diagnostic.primary.file, Vec::new())];
    let primary_text = text(&diagnostic.primary.file);
    files[0].1.push((
        clamp(&diagnostic.primary, primary_text),
        AnnotationKind::Primary,
        non_empty(&diagnostic.label),
    ));
    for label in &diagnostic.secondary {
        let file = &*label.location.file;
        let range = clamp(&label.location, text(file));
        let annotation = (range, AnnotationKind::Context, non_empty(&label.text));
        match files.iter_mut().find(|(known, _)| *known == file) {
            Some((_, annotations)) => annotations.push(annotation),
            None => files.push((file, vec![annotation])),
        }
    }
    let snippets = files.into_iter().map(|(file, annotations)| {
        let ranges: Vec<Range<usize>> = annotations
            .iter()
            .map(|(range, ..)| range.clone())
            .collect();
        let (offset, line, lines) = window(text(file), &ranges);
        annotations.into_iter().fold(
            Snippet::source(lines)
                .line_start(line)
                .path(display_path(file, root))
                .fold(true),
            |snippet, (range, kind, label)| {
                snippet.annotation(
                    kind.span(range.start - offset..range.end - offset)
                        .label(label),
                )
            },
        )
    });
    let mut group = snippet_level(diagnostic.level)
        .primary_title(diagnostic.message.as_str())
        .id(code.as_str())
        .elements(snippets);
    for note in &diagnostic.notes {
        group = group.element(SnippetLevel::NOTE.message(note.as_str()));
    }
    for help in &diagnostic.help {
        group = group.element(SnippetLevel::HELP.message(help.as_str()));
    }
    let mut report = vec![group];
    if let Some(suggestion) = &diagnostic.suggestion {
        let source = text(&suggestion.location.file);
        let range = clamp(&suggestion.location, source);
        let (offset, line, lines) = window(source, std::slice::from_ref(&range));
        report.push(
            Group::with_title(SnippetLevel::HELP.secondary_title(suggestion.message.as_str()))
                .element(
                    Snippet::source(lines)
                        .line_start(line)
                        .path(display_path(&suggestion.location.file, root))
                        .patch(Patch::new(
                            range.start - offset..range.end - offset,
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

/// The whole lines of `text` that `ranges` touch: their offset in `text`, the number of
/// the first, and their text. A snippet of these lines renders as one of the whole file
/// does (folded, it shows only annotated lines), without the renderer splitting every
/// line of the file for each report.
fn window<'t>(text: &'t str, ranges: &[Range<usize>]) -> (usize, usize, &'t str) {
    let first = ranges.iter().map(|range| range.start).min().unwrap_or(0);
    let last = ranges.iter().map(|range| range.end).max().unwrap_or(0);
    let start = text[..first].rfind('\n').map_or(0, |newline| newline + 1);
    let end = text[last..]
        .find('\n')
        .map_or(text.len(), |newline| last + newline + 1);
    let line = 1 + text[..start].lines().count();
    (start, line, &text[start..end])
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
    sources: &Sources,
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
    sources: &Sources,
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
    let rules: Vec<Value> = RULES
        .iter()
        .map(|rule| {
            let code = rule.code;
            json!({
                "id": code.qualified(),
                "name": code.name(),
                "shortDescription": { "text": rule.summary },
                "defaultConfiguration": {
                    "level": code.default_level().map_or("none", sarif_level),
                },
                "helpUri": rules::help_uri(rule),
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
                "ruleIndex": rules::index(diagnostic.code),
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
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
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
