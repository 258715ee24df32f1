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

/// `#[no_blocking]`'s reports (`blocking` and `lock-across-await`) in an async fn's body.
pub(crate) fn check_async_fn(
    rules: &ScopeRules,
    sig: &Signature,
    block: &Block,
    file: &Arc<Path>,
) -> Vec<Diagnostic> {
    rules
        .scan_fn(sig, block, Context::Async)
        .iter()
        .map(|finding| Diagnostic::from_finding(finding, file))
        .collect()
}

/// `#[no_blocking]`'s reports in an `async` block or async closure of sync code.
pub(crate) fn check_async_expr(
    rules: &ScopeRules,
    expr: &Expr,
    file: &Arc<Path>,
) -> Vec<Diagnostic> {
    rules
        .scan_async_expr(expr)
        .iter()
        .map(|finding| Diagnostic::from_finding(finding, file))
        .collect()
}

/// The first call of a sync fn's own body that blocks, outside offload contexts: what
/// its async callers inherit.
pub(crate) fn first_blocking_call(
    rules: &ScopeRules,
    sig: &Signature,
    block: &Block,
    file: &Arc<Path>,
) -> Option<BlockingCall> {
    rules
        .scan_fn(sig, block, Context::Sync)
        .into_iter()
        .find(|finding| finding.lint == Lint::Blocking)
        .map(|finding| BlockingCall {
            api: finding.api.unwrap_or_else(|| finding.message.clone()),
            location: Location::spanning(file, finding.location.first, finding.location.last),
            message: finding.message,
            help: finding.help,
        })
}

/// A chain from async code into a blocking call: the sync fns called in turn, each with
/// where it continues the chain (the next call, or the blocking call for the last).
pub(crate) struct Chain<'g> {
    pub(crate) links: Vec<(&'g str, &'g Location)>,
    pub(crate) leaf: &'g BlockingCall,
}

/// The report of a call (`written` as in the source, at `location`) from async code
/// into the crate's sync fns that ends in a blocking call: `load_config` at
/// src/config.rs:12 → `read_file` at src/fs.rs:40 → `std::fs::read`.
pub(crate) fn through_sync_fns(
    written: &str,
    location: Location,
    chain: &Chain<'_>,
    root: &Path,
) -> Diagnostic {
    let leaf = chain.leaf;
    let mut links: Vec<String> = chain
        .links
        .iter()
        .map(|(name, at)| format!("`{name}` at {}", at.short(root)))
        .collect();
    links.push(leaf.api.clone());
    let sync_fns: Vec<&str> = chain.links.iter().map(|(name, _)| *name).collect();
    let first = sync_fns.first().copied().unwrap_or_default();
    let last = sync_fns.last().copied().unwrap_or(first);
    let through = if sync_fns.len() > 1 {
        format!(
            " (through {})",
            sync_fns[1..]
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        String::new()
    };
    let mut diagnostic = Diagnostic::new(
        Code::BLOCKING,
        location,
        format!(
            "`{}` blocks the executor thread: it calls {}{through}",
            written.trim_start_matches('.'),
            leaf.api
        ),
    )
    .with_label(format!("`{first}` is sync and blocks"))
    .with_note(format!("call chain: {}", links.join(" → ")))
    .with_note(format!("{}; {}", leaf.message, leaf.help));
    diagnostic = diagnostic.with_help(format!(
        "make `{last}` async with that replacement and `.await` it up the chain, or run \
         `{first}` off the executor: `#[offload]` on it, or \
         `tokio::task::spawn_blocking(move || {first}(..)).await`"
    ));
    diagnostic.secondary.push(Label {
        location: leaf.location.clone(),
        text: format!("{} blocks here", leaf.api),
    });
    diagnostic
}
