//! `unbounded-spawn`: fan-out proportional to the input with nothing that caps it. The
//! check is `async-hygiene-analysis`'s (`spawn::unbounded_spawns`), run on every fn the
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
    code: Code::Lint(Lint::UnboundedSpawn),
    summary: "a task or future per item of the input, with nothing that caps how many run at once",
    doc: Doc {
        what_it_does: "
Reports fan-out proportional to the input with nothing that caps it:

- `tokio::spawn`, `tokio::task::spawn`, `tokio::task::spawn_local`, `JoinSet::spawn` or
  `FuturesUnordered::push` in a `for` loop over a collection or an iterator, or in a
  closure run once per item (`items.iter().map(|x| tokio::spawn(..)).collect()`,
  `.for_each(|x| { tokio::spawn(..); })`);
- `join_all`, `try_join_all`, `FuturesUnordered::from_iter` or a `collect` into a
  `FuturesUnordered` over futures made per item of a collection;
- `for_each_concurrent(None, ..)` and `buffer_unordered(usize::MAX)`.

A spawn is tokio's when its path says so, written in full or through a `use` in view;
`.spawn`/`.push` count only on a receiver visibly a `JoinSet` or `FuturesUnordered`
(a parameter or `let` of that type, or one built with its `new()` in the fn).

Not reported: a fixed count (a range, unless it runs to a `.len()`; an array;
`vec![..]`; a tuple of futures); `take(n)`, `chunks(n)` and what is bound from them; a
collection whose size the fn compares with a bound (`if items.len() > MAX { .. }`,
`while batch.len() < n { .. }`) or truncates; a loop that takes a permit before it
spawns (`sem.acquire().await`, `acquire_owned`, a `Limit`'s `acquire`); a set drained
when it reaches a size (`if set.len() >= n { set.join_next().await; }`) or as it goes
(`join_next` in the loop, also in a `select!`); a handle awaited in the same iteration;
futures only wrapped (`futures.map(|f| f.boxed())`); `buffer_unordered(n)`,
`for_each_concurrent(Some(n), ..)`, `limit::map` and `Limit::spawn`; a spawn of a
`#[bounded]` fn of the same file. A loop over a field of `self` (cache levels, listeners,
workers: as many as the configuration made) and a task per listener or configured server
(a spawned `.run()` or `.serve(..)`, which lives as long as the program) are not fan-out
over the input either; a fan-out per subscriber kept in a field of `self` is therefore
missed. A spawn inside an `async` block or a closure that is not
run once per item belongs to that block, not to the loop around it.

Accept loops are not reported: `loop { let (socket, _) = listener.accept().await?;
tokio::spawn(..) }`, `while let Some(job) = rx.recv().await { tokio::spawn(..) }`, and
a `for` over `listener.incoming()`. They are the usual server shape: the loop waits for
each input, so the rate of spawns is the rate of arrivals, and whether that needs a cap
is a decision about the service's load (a connection limit, a semaphore before
`accept`), not a shape this rule can see. A loop over a collection has all its input at
once and spawns it all at once.
",
        precise: Some(
            "
A call counts as a spawn by what rustc resolved it to (tokio's `spawn`, `spawn_local`,
`Handle::spawn`, `JoinSet::spawn`, `FuturesUnordered::push`), however it is named: a
re-export, an alias, a call on a field (`self.tasks.spawn(..)`), a sync fn of your
packages that hands the future it is given to one, or a `macro_rules!` each of whose
rules expands to nothing but such a call; your own fn named `spawn` is not one. What makes a report (the loop over the input,
the cap) is still read from the syntax.
",
        ),
        why_is_this_bad: "
Each spawn starts work at once: 10,000 items are 10,000 tasks, 10,000 open connections
or 10,000 requests to one service, all at the same moment. Memory grows with the input,
the service at the other end is flooded or rate-limits, and file descriptors run out.
Nothing slows the loop down: it finishes spawning before the first task has done
anything.
",
        example: "
```rust
async fn fetch_all(urls: Vec<String>) {
    for url in urls {
        tokio::spawn(fetch(url));
    }
}
```
",
        use_instead: "
```rust
use futures::StreamExt;

async fn fetch_all(urls: Vec<String>) -> Result<(), async_hygiene::limit::LimitError> {
    // At most 16 fetches at once; the next starts when one finishes.
    let mut fetches = async_hygiene::limit::map(urls, 16, fetch)?;
    while let Some(_page) = fetches.next().await {}
    Ok(())
}
```

`async_hygiene::limit::map(items, n, f)` creates each future only when a slot is free,
so memory stays O(n). A shared `static LIMIT: Limit` with `LIMIT.spawn(future).await`
caps spawned tasks across the whole program, and `futures::StreamExt::buffer_unordered(n)`
is the same cap without this crate.
",
        how_to_allow: "
`unbounded-spawn = \"allow\"` in the `[lints]` table of `async-hygiene.toml` (its default
is `warn`). A loop whose input is known to be small is better written so that the code
says so: `items.iter().take(MAX)`.
",
    },
};

/// The rule's reports in one fn body; `bounded` says whether a fn name is a `#[bounded]`
/// fn of the file; `at`, where the body's text starts in the file (see
/// [`spawns::resolver`]). With `--precise`, what each call is comes from the compiler
/// where it knows the call.
pub(crate) fn check(
    rules: &ScopeRules,
    sig: &Signature,
    block: &Block,
    file: &Arc<Path>,
    bounded: &dyn Fn(&str) -> bool,
    at: (usize, usize),
) -> Vec<Diagnostic> {
    let resolve = spawns::resolver(file, at);
    let reports = |resolve: spawn::Resolver<'_>| -> Vec<Diagnostic> {
        spawn::unbounded_spawns_resolved(sig, block, &rules.imports(), bounded, resolve)
            .iter()
            .map(|finding| Diagnostic::from_finding(finding, file))
            .collect()
    };
    spawns::note_found(reports(&resolve), || reports(&|_| None))
}
