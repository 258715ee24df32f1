//! Reading and parsing the crate's files, in parallel, following `mod` declarations
//! from each crate root: exactly the files the compiler would read.
//!
//! Each file is read, parsed and reduced to its [`FileFacts`] in one task on one
//! thread (spans are resolved there, see [`crate::diagnostic`]); its `mod x;` children
//! are spawned as they are found. The text is skimmed first ([`crate::skim`]): doc
//! comments and self-contained sync fn bodies are blanked out, every offset kept. A file
//! that cannot be read or parsed becomes a report and the rest is still checked.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use crate::collect;
use crate::diagnostic::{self, shared_path, Diagnostic, Location};
use crate::facts::{FileFacts, FileKey};
use crate::rules::unparsed_file;
use crate::scope::CrateRules;
use crate::skim;

/// A parsed file and the package whose rules it was checked with.
#[derive(Debug)]
pub(crate) struct ParsedFile {
    pub(crate) key: FileKey,
    pub(crate) package: usize,
    pub(crate) facts: FileFacts,
}

struct Walk<'r> {
    rules: &'r [CrateRules],
    seen: Mutex<HashSet<(FileKey, usize)>>,
    parsed: Mutex<Vec<ParsedFile>>,
}

/// Parses every file reachable from `roots` (each with its package), in parallel.
/// The result is sorted by path, so everything after is deterministic.
pub(crate) fn parse_all(roots: Vec<(FileKey, usize)>, rules: &[CrateRules]) -> Vec<ParsedFile> {
    let walk = Walk {
        rules,
        seen: Mutex::new(HashSet::new()),
        parsed: Mutex::new(Vec::new()),
    };
    rayon::scope(|scope| {
        for (key, package) in roots {
            let walk = &walk;
            scope.spawn(move |scope| visit(scope, walk, key, package));
        }
    });
    let mut parsed = walk
        .parsed
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    sort(&mut parsed);
    parsed
}

/// Files in the order everything after relies on: by path, package, then a file read
/// as a crate root before the same file read as a module (the order does not depend on
/// which thread finished first).
pub(crate) fn sort(parsed: &mut [ParsedFile]) {
    parsed.sort_by(|a, b| {
        (&a.key.path, a.package, !a.key.owns_dir).cmp(&(&b.key.path, b.package, !b.key.owns_dir))
    });
}

fn visit<'s>(scope: &rayon::Scope<'s>, walk: &'s Walk<'_>, key: FileKey, package: usize) {
    {
        let mut seen = walk
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !seen.insert((key.clone(), package)) {
            return;
        }
    }
    let facts = parse_file(&key, &walk.rules[package]);
    let children: Vec<FileKey> = facts
        .scopes
        .iter()
        .flat_map(|scope| {
            scope
                .child_files
                .iter()
                .filter_map(|(_, file)| file.clone())
        })
        .collect();
    walk.parsed
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(ParsedFile {
            key,
            package,
            facts,
        });
    for child in children {
        scope.spawn(move |scope| visit(scope, walk, child, package));
    }
}

/// One file: read, parse, collect. Never fails: a problem is a report in the facts.
pub(crate) fn parse_file(key: &FileKey, rules: &CrateRules) -> FileFacts {
    let path = shared_path(key.path.clone());
    let unparsed = |diagnostic: Diagnostic| FileFacts {
        path: path.clone(),
        scopes: Vec::new(),
        fns: Vec::new(),
        diagnostics: vec![diagnostic],
    };
    let text = match std::fs::read_to_string(&key.path) {
        Ok(text) => text,
        Err(error) => {
            return unparsed(unparsed_file::unreadable(&path, &key.path, &error));
        }
    };
    let text = without_prelude(text);
    // Skimmed (same lines, columns and offsets): without its doc comments, which no rule
    // reads, and first without its self-contained sync fn bodies too, which are read
    // when async code reaches them. Should a skimmed text not parse (or a blanked body
    // be needed at once), the next is parsed; the original last, for its error.
    let skimmed = skim::skim(&text).unwrap_or_default();
    let full: Arc<str> = Arc::from(skimmed.without_docs.as_deref().unwrap_or(&text));
    // Spans find their byte offsets from the lines, the same in every skimmed text.
    let lines = Arc::clone(&full);
    let resolve = || {
        let mut collected = None;
        if let Some(for_lexing) = &skimmed.for_lexing {
            if let Ok(file) = syn::parse_file(for_lexing) {
                let text = Some(Arc::clone(&full));
                let (facts, needed_blanked) =
                    collect::collect(key, &path, &file, text, &skimmed.bodies, rules);
                // Else the facts are dropped: their spans are never resolved again.
                if !needed_blanked {
                    collected = Some(Ok(facts));
                }
            }
        }
        let parse = |source: Arc<str>| {
            syn::parse_file(&source)
                .map(|file| collect::collect(key, &path, &file, Some(source), &[], rules).0)
        };
        let collected = match collected {
            Some(collected) => collected,
            None if skimmed.without_docs.is_some() => {
                parse(full).or_else(|_| parse(Arc::from(text)))
            }
            None => parse(full),
        };
        match collected {
            Ok(facts) => facts,
            Err(error) => unparsed(unparsed_file::does_not_parse(
                "file",
                Location::of(&path, error.span()),
                &error,
            )),
        }
    };
    let facts = diagnostic::with_lines(&lines, 0..lines.len(), resolve);
    // Every span of this file is resolved: free this thread's copy of its text.
    proc_macro2::extra::invalidate_current_thread_spans();
    facts
}

/// `text` with what `syn::parse_file` would drop before lexing (a byte order mark, a
/// first line `#!…` that does not start an inner attribute `#![…]`, as rustc drops a
/// shebang) replaced by as many spaces as it has bytes: the parser then takes the text
/// whole, so every span's byte offset indexes the file as it is on disk (a report in a
/// file with a shebang pointed a line's length too early).
fn without_prelude(mut text: String) -> String {
    let mut start = 0;
    if text.starts_with('\u{feff}') {
        start = '\u{feff}'.len_utf8();
        text.replace_range(..start, &" ".repeat(start));
    }
    let is_shebang = text[start..]
        .strip_prefix("#!")
        .is_some_and(|rest| !rest.trim_start().starts_with('['));
    if is_shebang {
        let end = text[start..]
            .find('\n')
            .map_or(text.len(), |newline| start + newline);
        let blank = " ".repeat(end - start);
        text.replace_range(start..end, &blank);
    }
    text
}
