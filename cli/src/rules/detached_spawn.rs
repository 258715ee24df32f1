//! `detached-spawn`: a tokio task whose `JoinHandle` is dropped where it is spawned. The
//! check is `async-hygiene-analysis`'s (`spawn::detached_spawns`), run on every fn the
//! checker parses.

use std::path::Path;
use std::sync::Arc;

use async_hygiene_analysis::findings::Lint;
use async_hygiene_analysis::spawn;
use syn::{Block, Signature};

use crate::diagnostic::Diagnostic;
use crate::precise::spawns;
use crate::rules::code::{Code, Doc, Rule};
use crate::scope::ScopeRules;

pub(crate) static RULE: Rule = Rule {
    code: Code::Lint(Lint::DetachedSpawn),
    summary: "a spawned task's `JoinHandle` is dropped at once: its panic is lost and shutdown does not wait for it",
    doc: Doc {
        what_it_does: "
Reports `tokio::spawn(..)`, `tokio::task::spawn(..)` and `tokio::task::spawn_local(..)`
whose `JoinHandle` is dropped where the task is spawned: an expression statement
(`tokio::spawn(..);`), `let _ = tokio::spawn(..);` and `drop(tokio::spawn(..))`. The
spawn is tokio's when its path says so, written in full or through a `use` in view.

Not reported when the handle is kept: bound to a name (also `let _task = ..`, which
keeps it to the end of the scope), awaited, aborted, returned, passed to a fn, or
stored in a `JoinSet` or a collection.

It is off by default: servers detach per-connection tasks on purpose, and the main fn of
a service detaches its signal handler. Turn it on where every task should be accounted
for at shutdown.
",
        precise: Some(
            "
A call counts as a spawn by what rustc resolved it to (tokio's `spawn`, `spawn_local`,
`Handle::spawn`), however it is named: a re-export, an alias, a sync fn of your packages
that hands the future it is given, unchanged, to one and returns the `JoinHandle`, or a
`macro_rules!` each of whose rules expands to nothing but such a call; your own fn named
`spawn` is not one. What becomes
of the handle is still read from the syntax.
",
        ),
        why_is_this_bad: "
A detached task answers to no one. If it panics, the panic is printed and lost: nothing
that waits for a result learns of it, and the work it was doing silently stops. At
shutdown the runtime drops it wherever it is, halfway through a write or a message,
unless the task itself was tied to a shutdown signal by hand (a drain watch, a channel
sender the server waits on) — which the rule cannot see, and which still loses its panic.
",
        example: "
```rust
async fn login(user: User) {
    tokio::spawn(send_audit_log(user.id));
}
```
",
        use_instead: "
```rust
#[async_hygiene::background]
async fn send_audit_log(user_id: u64) { /* .. */ }

async fn login(user: User) {
    send_audit_log(user.id); // tracked: returns a handle the caller may drop
}

// At exit: waits for tracked work up to the deadline, and counts panics.
let report = async_hygiene::shutdown(Duration::from_secs(5)).await;
```

A future that is not a fn of the crate is tracked with
`async_hygiene::registry::spawn(\"audit-log\", future)`. Otherwise keep the
`JoinHandle` and await it (a panic is then an `Err`), or put the task in a `JoinSet`.
",
        how_to_allow: "
The default is `allow`; `detached-spawn = \"warn\"` or `\"deny\"` in the `[lints]` table
of `async-hygiene.toml` turns it on.
",
    },
};

/// The rule's reports in one fn body; `at`, where the body's text starts in the file (see
/// [`spawns::resolver`]). With `--precise`, what each call is comes from the compiler
/// where it knows the call.
pub(crate) fn check(
    rules: &ScopeRules,
    sig: &Signature,
    block: &Block,
    file: &Arc<Path>,
    at: (usize, usize),
) -> Vec<Diagnostic> {
    let resolve = spawns::resolver(file, at);
    let reports = |resolve: spawn::Resolver<'_>| -> Vec<Diagnostic> {
        spawn::detached_spawns_resolved(sig, block, &rules.imports(), resolve)
            .iter()
            .map(|finding| Diagnostic::from_finding(finding, file))
            .collect()
    };
    spawns::note_found(reports(&resolve), || reports(&|_| None))
}
