//! `blocking`: a call in async code that blocks the executor thread, directly or
//! through the crate's own sync fns.
//!
//! The direct calls are `#[no_blocking]`'s (the shared catalogue and scan of
//! `async-hygiene-analysis`, run on every async context); the calls through sync fns
//! come from [`crate::graph`], which carries each sync fn's first blocking call
//! ([`BlockingCall`]) to its async callers; the report of such a call is worded here.

use std::path::Path;
use std::sync::Arc;

use async_hygiene_analysis::blocking::Context;
use async_hygiene_analysis::findings::Lint;
use syn::{Block, Expr, Signature};

use crate::diagnostic::{Diagnostic, Label, Location};
use crate::rules::code::{Code, Doc, Rule};
use crate::scope::ScopeRules;

pub(crate) static RULE: Rule = Rule {
    code: Code::BLOCKING,
    summary: "a call in async code blocks the executor thread, directly or through the crate's \
              own sync functions",
    doc: Doc {
        what_it_does: "
Reports a call that blocks the thread (file and network I/O of `std`, `std::thread::sleep`,
a thread's `.join()`, a std channel's `.recv()`, `block_on`, tokio's `blocking_*` methods,
the blocking clients of well-known crates, and the crate's own entries of
`[no_blocking.deny]`) in async code: an async fn's body, an `async` block or an async
closure, whether or not it carries `#[no_blocking]`.

It also follows the crate's own sync fns: a call from async code to a sync fn that
blocks (itself or through other sync fns of the workspace) is reported at the call, with
the chain down to the blocking call.
",
        precise: Some(
            "
The calls are the compiler's, through every crate the package builds: each is resolved
as rustc resolved it (a trait method on a concrete type, a generic fn with its caller's
types, the implementations a `dyn` call may reach, macro output), and a call that
blocks inside a dependency (`glob::glob`, `serde_json::from_reader` of a file) is
reported at your call, with the chain through the dependency. I/O traits block on
files, sockets, stdin and the buffers, `take`s and `chain`s around them, never on memory
(`&[u8]`, `Vec<u8>`, `Cursor`); an adapter (`bytes`, `lines`, `split`, `take`, `chain`,
`by_ref`) reads nothing when it is made, so the report is where it is read or iterated.
A dependency's `async fn` whose body blocks is reported where your code makes its
future; one that offloads its own blocking (`tokio::fs`) is not reported.
",
        ),
        why_is_this_bad: "
An async runtime runs many tasks on a few threads. While a call blocks one of those
threads, none of the tasks queued on it make progress: every request served by that
worker waits, timers fire late, and with all workers blocked the whole service stalls.
Nothing fails, it is only slow, so it is rarely caught by tests.
",
        example: "
```rust
async fn load_config(path: &str) -> String {
    std::fs::read_to_string(path).unwrap()
}

async fn handler() -> String {
    settings() // a sync fn of the crate that calls `std::fs::read`
}
```
",
        use_instead: "
```rust
async fn load_config(path: &str) -> String {
    tokio::fs::read_to_string(path).await.unwrap()
}

async fn handler() -> String {
    tokio::task::spawn_blocking(settings).await.unwrap()
}
```

The report's `help` names the replacement for each call. For a sync fn of the crate,
make it async up the chain, or run it off the executor: `#[offload]` on it, or
`tokio::task::spawn_blocking`.
",
        how_to_allow: "
One call: `async_hygiene::allow_blocking!(\"why it is fine here\", expr)`. One call path
for the whole crate: `[no_blocking.allow]` in `async-hygiene.toml`, with the reason; for
one item, `#[no_blocking(allow(path = \"reason\"))]`. A wrapper of the crate that runs its
closure off the executor: `[no_blocking.offload]`. The whole rule: `blocking = \"warn\"`
or `\"allow\"` in the `[lints]` table of `async-hygiene.toml`.
",
    },
};

/// A blocking call in a sync fn's own body, as the shared rules found it: what its
/// async callers inherit.
#[derive(Clone, Debug)]
pub(crate) struct BlockingCall {
    /// The rule's message: "`std::fs::read` blocks the executor thread".
    pub(crate) message: String,
    /// The rule's fix: "use `tokio::fs::read(..).await`".
    pub(crate) help: String,
    /// The API as the rule names it: "`std::fs::read`".
    pub(crate) api: String,
    pub(crate) location: Location,
}

/// The rules whose reports in async code are the scan of a catalogue: `blocking` (with
/// `lock-across-await`, `#[no_blocking]`'s rules) and [`super::cpu_bound`].
pub(crate) const SCANNED: [Lint; 2] = [Lint::Blocking, Lint::CpuBound];

/// Async code to scan: an async fn's body, or an `async` block or async closure of sync
/// code.
#[derive(Clone, Copy)]
pub(crate) enum AsyncCode<'a> {
    Fn(&'a Signature, &'a Block),
    Expr(&'a Expr),
}

/// The reports of the scan of each of [`SCANNED`] in async code.
pub(crate) fn check_async(
    rules: &ScopeRules,
    code: AsyncCode<'_>,
    file: &Arc<Path>,
) -> Vec<Diagnostic> {
    let findings = SCANNED.into_iter().flat_map(|lint| match code {
        AsyncCode::Fn(sig, block) => rules.scan_fn(lint, sig, block, Context::Async),
        AsyncCode::Expr(expr) => rules.scan_async_expr(lint, expr),
    });
    findings
        .map(|finding| Diagnostic::from_finding(&finding, file))
        .collect()
}

impl BlockingCall {
    /// The first finding of `lint` in a sync fn's own body, outside offload contexts
    /// (its first blocking call, for [`Lint::Blocking`]): what its async callers inherit.
    pub(crate) fn first(
        rules: &ScopeRules,
        lint: Lint,
        sig: &Signature,
        block: &Block,
        file: &Arc<Path>,
    ) -> Option<BlockingCall> {
        rules
            .scan_fn(lint, sig, block, Context::Sync)
            .into_iter()
            .find(|finding| finding.lint == lint)
            .map(|finding| BlockingCall {
                api: finding.api.unwrap_or_else(|| finding.message.clone()),
                location: Location::spanning(file, finding.location.first, finding.location.last),
                message: finding.message,
                help: finding.help,
            })
    }
}

/// How a rule words a report through sync fns: "`load` blocks the executor thread: it
/// calls `std::fs::read`", "`load` is sync and blocks", "`std::fs::read` blocks here",
/// then its own notes and help ([`Wording::finish`]).
pub(crate) struct Wording {
    pub(crate) code: Code,
    /// What the call does: "blocks the executor thread".
    pub(crate) effect: &'static str,
    /// What the sync fns do: "blocks", "computes".
    pub(crate) verb: &'static str,
    /// Adds the rule's notes and help to the report of a chain.
    pub(crate) finish: fn(Diagnostic, &Chain<'_>) -> Diagnostic,
}

/// A chain from async code into a blocking call: the sync fns called in turn, each with
/// where it continues the chain (the next call, or the blocking call for the last).
pub(crate) struct Chain<'g> {
    pub(crate) links: Vec<(&'g str, &'g Location)>,
    pub(crate) leaf: &'g BlockingCall,
}

impl Chain<'_> {
    /// The sync fn called from async code, and the last one, which makes the call.
    pub(crate) fn ends(&self) -> (&str, &str) {
        let first = self.links.first().map_or("", |(name, _)| *name);
        let last = self.links.last().map_or(first, |(name, _)| *name);
        (first, last)
    }

    /// The sync fns after the first, for the headline: " (through `b`, `c`)".
    pub(crate) fn through(&self) -> String {
        if self.links.len() < 2 {
            return String::new();
        }
        let names: Vec<String> = self.links[1..]
            .iter()
            .map(|(name, _)| format!("`{name}`"))
            .collect();
        format!(" (through {})", names.join(", "))
    }

    /// The report of a call (`written` as in the source, at `location`) from async code
    /// into this chain, in a rule's words.
    pub(crate) fn report(
        &self,
        words: &Wording,
        written: &str,
        location: Location,
        root: &Path,
    ) -> Diagnostic {
        let (first, _) = self.ends();
        let headline = format!(
            "`{}` {}: it calls {}{}",
            written.trim_start_matches('.'),
            words.effect,
            self.leaf.api,
            self.through()
        );
        let mut diagnostic = Diagnostic::new(words.code, location, headline)
            .with_label(format!("`{first}` is sync and {}", words.verb))
            .with_note(self.note(root));
        diagnostic.secondary.push(Label {
            location: self.leaf.location.clone(),
            text: format!("{} {} here", self.leaf.api, words.verb),
        });
        (words.finish)(diagnostic, self)
    }

    /// The note: "call chain: `a` at src/a.rs:3:5 → `b` at src/b.rs:9:5 → `std::fs::read`".
    pub(crate) fn note(&self, root: &Path) -> String {
        let mut links: Vec<String> = self
            .links
            .iter()
            .map(|(name, at)| format!("`{name}` at {}", at.short(root)))
            .collect();
        links.push(self.leaf.api.clone());
        format!("call chain: {}", links.join(" → "))
    }
}

/// The report of a call from async code into the crate's sync fns that ends in a
/// blocking call: `load_config` at src/config.rs:12 → `read_file` at src/fs.rs:40 →
/// `std::fs::read`.
pub(crate) const THROUGH_SYNC_FNS: Wording = Wording {
    code: Code::BLOCKING,
    effect: "blocks the executor thread",
    verb: "blocks",
    finish: |diagnostic, chain| {
        let leaf = chain.leaf;
        let (first, last) = chain.ends();
        diagnostic
            .with_note(format!("{}; {}", leaf.message, leaf.help))
            .with_help(format!(
                "make `{last}` async with that replacement and `.await` it up the chain, or \
                 run `{first}` off the executor: `#[offload]` on it, or \
                 `tokio::task::spawn_blocking(move || {first}(..)).await`"
            ))
    },
};
