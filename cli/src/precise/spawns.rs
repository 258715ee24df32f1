//! What the compiler says each call of the checked packages is, for `unbounded-spawn`
//! and `detached-spawn`: a spawn that returns its task's `JoinHandle`, an addition to a
//! `JoinSet` or a `FuturesUnordered`, or something else. The rules look a call up by
//! the span of its whole expression; the loop, the cap and what becomes of the handle
//! stay the syntax's (a MIR cycle or a dropped local would say less: a `loop` that
//! awaits each input is a cycle too, and a handle moved into a `Vec` is dropped there).
//!
//! The facts are found once per run, after the precise build ([`install`]), and read
//! by the rules through [`resolver`]; without `--precise` there are none and the rules
//! read names only.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use async_hygiene_analysis::findings::Location;
use async_hygiene_analysis::spawn::Resolved;

use super::graph::{Graph, Node};
use super::mir::{find_depth_zero, matching, split_depth_zero, Kind, Span};
use super::paths::{type_path, Callee};
use crate::diagnostic::{self, Diagnostic};
use crate::rules::Code;

/// A call's span as rustc prints it: first line and column, last line and column past
/// the end (columns from 1).
type Key = (usize, usize, usize, usize);

/// Every call of the checked packages, by file and span.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    by_file: HashMap<PathBuf, HashMap<Key, Resolved>>,
}

pub(super) static FACTS: super::Later<Facts> = super::Later::new();

/// How deep a fn of the crate may hand its spawn on through others of the crate.
const WRAPPER_DEPTH: usize = 4;

/// Whether precise mode found the calls' facts in this run.
pub(crate) fn installed() -> bool {
    FACTS.get().is_some()
}

/// Finds and keeps the facts of every call in the checked packages' bodies.
pub(crate) fn install(graph: &Graph) {
    FACTS.set(facts(graph));
}

/// Whether the compiler says a call on `lines` of `file` is a spawn, a `JoinSet`'s or a
/// `FuturesUnordered`'s (never without `--precise`, where `lines` is not asked for).
pub(crate) fn any_within(
    file: &Path,
    lines: impl FnOnce() -> std::ops::RangeInclusive<usize>,
) -> bool {
    let Some(facts) = FACTS.get() else {
        return false;
    };
    let lines = lines();
    super::canonical_checked(file)
        .and_then(|file| facts.by_file.get(&file))
        .is_some_and(|calls| {
            calls
                .iter()
                .any(|(key, resolved)| lines.contains(&key.0) && *resolved != Resolved::Other)
        })
}

/// A lookup of the compiler's resolution by a call's location in `file`; `at` places a
/// location parsed from a part of the file (a fn body read on its own): the line and
/// column its first line starts at, `(1, 0)` for the whole file.
pub(crate) fn resolver(file: &Path, at: (usize, usize)) -> impl Fn(&Location) -> Option<Resolved> {
    let calls = FACTS
        .get()
        .and_then(|facts| facts.by_file.get(&super::canonical_checked(file)?));
    move |location: &Location| {
        let calls = calls?;
        let (start, end) = (location.first.start(), location.last.end());
        let place = |line: usize, column: usize| {
            let column = if line == 1 { column + at.1 } else { column };
            (line + at.0 - 1, column + 1)
        };
        let (line, column) = place(start.line, start.column);
        let (end_line, end_column) = place(end.line, end.column);
        calls.get(&(line, column, end_line, end_column)).copied()
    }
}

/// A rule's reports in one fn body with the facts installed (`found`), each that the
/// names alone (`by_name`, run only when there is a report) do not give saying where it
/// comes from.
pub(crate) fn note_found(
    mut found: Vec<Diagnostic>,
    by_name: impl FnOnce() -> Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    if found.is_empty() || !installed() {
        return found;
    }
    let by_name: HashSet<(Code, diagnostic::Location)> = by_name()
        .into_iter()
        .map(|report| (report.code, report.primary))
        .collect();
    for report in &mut found {
        if !by_name.contains(&(report.code, report.primary.clone())) {
            report.notes.push(
                "found by `--precise` from rustc's MIR: the compiler resolves this call to a \
                 spawn"
                    .to_owned(),
            );
        }
    }
    found
}

/// The facts of the checked packages' calls.
fn facts(graph: &Graph) -> Facts {
    let mut facts = Facts::default();
    let mut finder = Finder {
        returns: HashMap::new(),
        wrappers: HashMap::new(),
        returned_names: HashSet::new(),
    };
    let mut sources = HashSet::new();
    let mut files = super::Files::default();
    let primary = || (0..graph.crates.len()).filter(|krate| graph.crates[*krate].primary);
    // Every checked crate's first: a wrapper may be another checked crate's fn.
    for krate in primary() {
        finder.read_returns(graph, krate);
    }
    for krate in primary() {
        for body in 0..graph.headers(krate).count() {
            let node = (krate, body);
            if let Some(span) = &graph.body(node).span {
                sources.extend(files.canonical(&graph.file(krate, span)));
            }
            for call in &graph.body(node).calls {
                let Some(span) = &call.span else { continue };
                let Some(callee) = Callee::parse(&call.callee) else {
                    continue;
                };
                let resolved = finder.classify(graph, krate, &callee, 0);
                let Some(file) = files.canonical(&graph.file(krate, span)) else {
                    continue;
                };
                let slot = facts
                    .by_file
                    .entry(file)
                    .or_default()
                    .entry(key(span))
                    .or_insert(resolved);
                // Two calls with one span (a call and the `?` or closure call around
                // it): a spawn among them wins.
                if *slot == Resolved::Other {
                    *slot = resolved;
                }
            }
        }
    }
    macro_spawns(&mut facts, &sources);
    facts
}

/// The calls of each `macro_rules!` of the checked packages that stands for one spawn:
/// each of its rules expands to nothing but a call rustc resolved to a spawn (the
/// call's span in the MIR is the rule's body, as written in the definition). A name
/// defined twice is left alone.
fn macro_spawns(facts: &mut Facts, sources: &HashSet<PathBuf>) {
    use syn::visit::Visit;
    struct Macros<'a> {
        calls: Option<&'a HashMap<Key, Resolved>>,
        defined: Vec<(String, Option<Resolved>)>,
        called: Vec<(String, Key)>,
    }
    impl<'ast> Visit<'ast> for Macros<'_> {
        fn visit_item_macro(&mut self, item: &'ast syn::ItemMacro) {
            if let (Some(name), true) = (&item.ident, item.mac.path.is_ident("macro_rules")) {
                let spawn = self.calls.and_then(|calls| alias(&item.mac.tokens, calls));
                self.defined.push((name.to_string(), spawn));
            }
            syn::visit::visit_item_macro(self, item);
        }
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            if let Some(name) = mac.path.get_ident() {
                let first = name.span().start();
                let last = mac.delimiter.span().close().end();
                let key = (first.line, first.column + 1, last.line, last.column + 1);
                self.called.push((name.to_string(), key));
            }
        }
    }
    fn parse<'a>(text: &str, calls: Option<&'a HashMap<Key, Resolved>>) -> Option<Macros<'a>> {
        let file = syn::parse_file(text).ok()?;
        let mut macros = Macros {
            calls,
            defined: Vec::new(),
            called: Vec::new(),
        };
        macros.visit_file(&file);
        Some(macros)
    }
    let texts: Vec<(&PathBuf, String)> = sources
        .iter()
        .filter_map(|path| Some((path, std::fs::read_to_string(path).ok()?)))
        .collect();
    // Definitions first, only in the files that have one; then the calls, only in the
    // files that name a macro that stands for a spawn.
    let mut defined: HashMap<String, Vec<Option<Resolved>>> = HashMap::new();
    for (path, text) in texts
        .iter()
        .filter(|(_, text)| text.contains("macro_rules"))
    {
        let Some(macros) = parse(text, facts.by_file.get(*path)) else {
            continue;
        };
        for (name, spawn) in macros.defined {
            defined.entry(name).or_default().push(spawn);
        }
    }
    let spawns: HashMap<String, Resolved> = defined
        .into_iter()
        .filter_map(|(name, kinds)| match kinds.as_slice() {
            [Some(spawn)] => Some((name, *spawn)),
            _ => None,
        })
        .collect();
    if spawns.is_empty() {
        return;
    }
    for (path, text) in &texts {
        if !spawns.keys().any(|name| text.contains(&format!("{name}!"))) {
            continue;
        }
        let Some(macros) = parse(text, None) else {
            continue;
        };
        for (name, key) in macros.called {
            if let Some(spawn) = spawns.get(&name) {
                facts
                    .by_file
                    .entry((*path).clone())
                    .or_default()
                    .insert(key, *spawn);
            }
        }
    }
}

/// What a `macro_rules!` body stands for when each rule's expansion is one call that
/// `calls` knows as a spawn (the same one for every rule).
fn alias(tokens: &proc_macro2::TokenStream, calls: &HashMap<Key, Resolved>) -> Option<Resolved> {
    use proc_macro2::{Delimiter, TokenTree};
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    let mut kinds = Vec::new();
    for rule in
        trees.split(|tree| matches!(tree, TokenTree::Punct(punct) if punct.as_char() == ';'))
    {
        let [TokenTree::Group(_), TokenTree::Punct(_), TokenTree::Punct(_), TokenTree::Group(body)] =
            rule
        else {
            if rule.is_empty() {
                continue;
            }
            return None;
        };
        let mut inner: Vec<TokenTree> = body.stream().into_iter().collect();
        if let [TokenTree::Group(block)] = inner.as_slice() {
            if block.delimiter() == Delimiter::Brace {
                inner = block.stream().into_iter().collect();
            }
        }
        let (first, last) = (inner.first()?.span().start(), inner.last()?.span().end());
        let key = (first.line, first.column + 1, last.line, last.column + 1);
        kinds.push(*calls.get(&key)?);
    }
    let first = *kinds.first()?;
    (first != Resolved::Other && kinds.iter().all(|kind| *kind == first)).then_some(first)
}

fn key(span: &Span) -> Key {
    (span.line, span.column, span.end_line, span.end_column)
}

struct Finder {
    /// Each checked crate's fns that return a tokio `JoinHandle`: body name and number
    /// of parameters.
    returns: HashMap<usize, HashMap<String, usize>>,
    /// The crate's fns known to return the handle of a task they spawn, and how.
    wrappers: HashMap<Node, Option<Resolved>>,
    /// The last segments of the names in `returns`: a call whose path ends otherwise
    /// is no wrapper, and is not resolved.
    returned_names: HashSet<String>,
}

impl Finder {
    /// The names of a checked crate's fns whose return type is tokio's `JoinHandle`, and
    /// their numbers of parameters, from the headers of its MIR text.
    fn read_returns(&mut self, graph: &Graph, krate: usize) {
        let read;
        let text = if let Some(text) = graph.mir_text(krate) {
            text
        } else {
            read = std::fs::read_to_string(&graph.crates[krate].mir).unwrap_or_default();
            &read
        };
        let names: HashMap<String, usize> = text
            .lines()
            .filter_map(|line| line.strip_prefix("fn ")?.strip_suffix(" {"))
            .filter_map(|header| {
                let open = find_depth_zero(header, "(")?;
                let close = open + matching(&header[open..])?;
                let returns = header[close + 1..].strip_prefix(" -> ")?;
                let params = split_depth_zero(&header[open + 1..close], ',')
                    .into_iter()
                    .filter(|param| !param.is_empty())
                    .count();
                join_handle(returns).then(|| (header[..open].to_owned(), params))
            })
            .collect();
        self.returned_names.extend(
            names
                .keys()
                .filter_map(|name| name.rsplit("::").next())
                .map(str::to_owned),
        );
        self.returns.insert(krate, names);
    }

    /// What a call of `callee` from `krate` is.
    fn classify(&mut self, graph: &Graph, krate: usize, callee: &Callee, depth: usize) -> Resolved {
        let Callee::Path(segments) = callee else {
            return Resolved::Other;
        };
        let names: Vec<&str> = segments.iter().map(String::as_str).collect();
        if let Some(resolved) = library_spawn(&names) {
            return resolved;
        }
        let named_like_a_wrapper = segments
            .last()
            .is_some_and(|last| self.returned_names.contains(last));
        if depth >= WRAPPER_DEPTH || !named_like_a_wrapper {
            return Resolved::Other;
        }
        graph
            .resolve(krate, callee)
            .into_iter()
            .find_map(|target| self.wrapper(graph, target, depth))
            .unwrap_or(Resolved::Other)
    }

    /// What `node` is, when it is a sync fn of a checked crate that returns a tokio
    /// `JoinHandle` and spawns (itself or through another such fn): a spawn when each of
    /// its spawns is handed one of its parameters as it is (the handle it returns is
    /// then all there is to the task), else a spawn of a future it changes on the way.
    fn wrapper(&mut self, graph: &Graph, node: Node, depth: usize) -> Option<Resolved> {
        if let Some(known) = self.wrappers.get(&node) {
            return *known;
        }
        self.wrappers.insert(node, None);
        let header = graph.header(node);
        let params = self
            .returns
            .get(&node.0)
            .and_then(|names| names.get(&header.name))
            .copied()
            .filter(|_| graph.crates[node.0].primary && header.kind == Kind::Plain)?;
        let mut found = None;
        for call in &graph.body(node).calls {
            let Some(callee) = Callee::parse(&call.callee) else {
                continue;
            };
            let kind = self.classify(graph, node.0, &callee, depth + 1);
            if !matches!(kind, Resolved::Spawn | Resolved::SpawnWrapped) {
                continue;
            }
            let handed_on = kind == Resolved::Spawn && last_is_a_parameter(&call.args, params);
            found = match (found, handed_on) {
                (None | Some(Resolved::Spawn), true) => Some(Resolved::Spawn),
                _ => Some(Resolved::SpawnWrapped),
            };
        }
        self.wrappers.insert(node, found);
        found
    }
}

/// Whether a call's last argument is one of the caller's `params` parameters, moved or
/// copied as it is (`move _2`).
fn last_is_a_parameter(args: &str, params: usize) -> bool {
    split_depth_zero(args, ',')
        .last()
        .and_then(|arg| {
            arg.strip_prefix("move _")
                .or_else(|| arg.strip_prefix("copy _"))
        })
        .and_then(|local| local.parse::<usize>().ok())
        .is_some_and(|local| (1..=params).contains(&local))
}

/// Whether a type is tokio's `JoinHandle`.
fn join_handle(ty: &str) -> bool {
    !ty.starts_with('&')
        && type_path(ty).is_some_and(|(path, _)| {
            path.first().is_some_and(|first| first == "tokio")
                && path.last().is_some_and(|last| last == "JoinHandle")
        })
}

/// A spawn of tokio or futures, by the path rustc prints (a fn of any of tokio's
/// modules, so that a path printed through another module still counts).
fn library_spawn(path: &[&str]) -> Option<Resolved> {
    let module = |name: &str| name.starts_with(|c: char| c.is_ascii_lowercase());
    match path {
        ["tokio", .., "JoinSet", "spawn" | "spawn_on" | "spawn_local" | "spawn_local_on"] => {
            Some(Resolved::JoinSet)
        }
        ["tokio", .., "Handle" | "Runtime" | "LocalSet", "spawn" | "spawn_local"] => {
            Some(Resolved::Spawn)
        }
        ["tokio", "spawn"] => Some(Resolved::Spawn),
        ["tokio", .., parent, "spawn" | "spawn_local"] if module(parent) => Some(Resolved::Spawn),
        ["futures" | "futures_util", .., "FuturesUnordered" | "FuturesOrdered", "push" | "push_back" | "push_front"] => {
            Some(Resolved::Futures)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{alias, join_handle, library_spawn};
    use async_hygiene_analysis::spawn::Resolved;
    use std::collections::HashMap;

    #[test]
    fn a_macro_stands_for_a_spawn_when_each_rule_is_the_call() {
        // The rules' bodies as written at line 1; the MIR call's span is `tokio::spawn($f)`.
        let rules = |text: &str| -> proc_macro2::TokenStream { text.parse().unwrap() };
        let at = |column: usize, end: usize| (1, column, 1, end);
        let calls = HashMap::from([(at(16, 32), Resolved::Spawn), (at(61, 77), Resolved::Spawn)]);
        let one = rules("($f:expr) => { tokio::spawn($f) };");
        assert_eq!(alias(&one, &calls), Some(Resolved::Spawn));
        let two = rules(
            "($f:expr) => { tokio::spawn($f) }; ($f:expr, $n:expr) => {{ tokio::spawn($f) }}",
        );
        assert_eq!(alias(&two, &calls), Some(Resolved::Spawn));
        // More than the call: the handle is dropped inside, or something else happens.
        let more = rules("($f:expr) => { tokio::spawn($f); };");
        assert_eq!(alias(&more, &calls), None);
        let other = rules("($f:expr) => { tokio::spawn($f) }; () => { 0 }");
        assert_eq!(alias(&other, &calls), None);
    }

    /// A checked crate that calls a spawn wrapper of another checked crate, given before
    /// it: the wrapper's crate must be read before the caller's calls are classified.
    #[test]
    fn a_wrapper_in_a_checked_crate_read_after_its_callers_is_a_spawn() {
        use super::super::graph::{Crate, Graph};
        use super::super::policy::Policy;
        let dir = std::env::temp_dir().join(format!("precise-spawn-order-{}", std::process::id()));
        let header = "// WARNING: This output format is intended for human consumers only\n\
                      // and is subject to change without notice. Knock yourself out.\n\n";
        // Each body: its locals and first block, then a second block that returns.
        let body = |head: &str| {
            format!(
                "{head}\n    }}\n\n    bb1: {{\n        return;                          \
                 // scope 0 at src/lib.rs:3:2: 3:2\n    }}\n}}\n"
            )
        };
        let app = body(
            "fn start(_1: i32) -> () {\n\
             \x20   let mut _0: ();                      // return place in scope 0 at src/lib.rs:1:20: 1:20\n\
             \x20   let _2: tokio::task::JoinHandle<()>; // in scope 0 at src/lib.rs:2:13: 2:38\n\
             \n\
             \x20   bb0: {\n\
             \x20       _2 = helpers::spawn_task::<{async block@src/lib.rs:2:32: 2:37}>(move _3) -> [return: bb1, unwind continue]; // scope 0 at src/lib.rs:2:13: 2:38",
        );
        let helpers = body(
            "fn spawn_task(_1: F) -> tokio::task::JoinHandle<()> {\n\
             \x20   debug task => _1;                    // in scope 0 at src/lib.rs:1:18: 1:22\n\
             \x20   let mut _0: tokio::task::JoinHandle<()>; // return place in scope 0 at src/lib.rs:1:30: 1:57\n\
             \n\
             \x20   bb0: {\n\
             \x20       _0 = tokio::spawn::<F>(move _1) -> [return: bb1, unwind continue]; // scope 0 at src/lib.rs:2:5: 2:22",
        );
        let sources = [
            (
                "app",
                "pub fn start(_: i32) {\n    let _task = helpers::spawn_task(async {});\n}\n",
            ),
            (
                "helpers",
                "pub fn spawn_task<F>(task: F) -> tokio::task::JoinHandle<()> {\n    \
                 tokio::spawn(task)\n}\n",
            ),
        ];
        let mut crates = Vec::new();
        for ((name, source), mir) in sources.into_iter().zip([app, helpers]) {
            let root = dir.join(name);
            std::fs::create_dir_all(root.join("src")).unwrap();
            std::fs::write(root.join("src/lib.rs"), source).unwrap();
            let path = root.join(format!("{name}.mir"));
            std::fs::write(&path, format!("{header}{mir}")).unwrap();
            crates.push(Crate::new(name.into(), root, true, String::new(), path));
        }
        // The caller's crate first, as cargo's artifact order may give it.
        let graph = Graph::new(crates, Policy::default());
        let facts = super::facts(&graph);
        assert_eq!(graph.error(), None);
        let file = std::fs::canonicalize(dir.join("app/src/lib.rs")).unwrap();
        let resolved = facts
            .by_file
            .get(&file)
            .and_then(|calls| calls.get(&(2, 13, 2, 38)));
        assert_eq!(resolved, Some(&Resolved::Spawn), "{facts:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn spawns_by_the_printed_path() {
        assert_eq!(library_spawn(&["tokio", "spawn"]), Some(Resolved::Spawn));
        assert_eq!(
            library_spawn(&["tokio", "runtime", "Handle", "spawn"]),
            Some(Resolved::Spawn)
        );
        assert_eq!(
            library_spawn(&["tokio", "task", "JoinSet", "spawn"]),
            Some(Resolved::JoinSet)
        );
        assert_eq!(
            library_spawn(&["futures_util", "stream", "FuturesUnordered", "push"]),
            Some(Resolved::Futures)
        );
        assert_eq!(
            library_spawn(&["tokio", "task", "local", "spawn_local"]),
            Some(Resolved::Spawn)
        );
        assert_eq!(library_spawn(&["tokio", "task", "Builder", "spawn"]), None);
        assert_eq!(library_spawn(&["tokio", "task", "spawn_blocking"]), None);
        assert_eq!(library_spawn(&["my_crate", "spawn"]), None);
        assert!(join_handle("tokio::task::JoinHandle<()>"));
        assert!(super::last_is_a_parameter("copy _1", 1));
        assert!(super::last_is_a_parameter("move _3, move _2", 2));
        assert!(!super::last_is_a_parameter("move _3", 2));
        assert!(!super::last_is_a_parameter("const 6_u8", 2));
        assert!(!join_handle("std::thread::JoinHandle<()>"));
    }
}
