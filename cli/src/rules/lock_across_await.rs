//! `lock-across-await`: a std or `parking_lot` lock guard still alive at a later
//! `.await`. Its check and wording are `#[no_blocking]`'s (`async-hygiene-analysis`,
//! `blocking::locks`), run in the same scan as [`super::blocking`]'s direct calls.

use crate::rules::code::{Code, Doc, Rule};

pub(crate) static RULE: Rule = Rule {
    code: Code::LOCK_ACROSS_AWAIT,
    summary: "a lock guard is still alive at a later `.await`",
    doc: Doc {
        what_it_does: "
Reports a guard of a std or `parking_lot` `Mutex` or `RwLock` (`.lock()`, `.read()`,
`.write()`, then only `unwrap`/`expect`/`?`) bound by a `let` and still alive at a later
`.await` (or a macro that awaits, such as `select!`) of the same block. The `.await` is
labelled.

Temporaries (`*state.lock().unwrap() += 1;`), guards in an inner block that ends before
the `.await`, and guards passed to `drop` before it are not reported. Without types the guard is
recognised by shape; `clippy::await_holding_lock`, which sees types, complements it.
",
        precise: Some(
            "
Guards come from the future's layout: a std, `parking_lot` or `spin` `MutexGuard` or
`RwLock` guard, a `RefCell` borrow, or a value of a type the package's
`[lock_across_await.guards]` names, that rustc saves across an `.await`, whatever the
syntax shows of it (a guard returned by a helper fn, a binding of unwritten type). A
guard dropped before the `.await` is not saved, and not reported.
",
        ),
        why_is_this_bad: "
While the task is suspended it still holds the lock. Every other task that takes the
lock then blocks its executor thread until this task is polled again, which may need
that very thread: a stall at best, a deadlock at worst. The guard of a std `Mutex` is
also not `Send`, so the future cannot move to another worker.
",
        example: "
```rust
async fn tick(state: &std::sync::Mutex<u32>) {
    let mut count = state.lock().unwrap();
    *count += 1;
    notify().await;
}
```
",
        use_instead: "
```rust
async fn tick(state: &std::sync::Mutex<u32>) {
    {
        let mut count = state.lock().unwrap();
        *count += 1;
    } // released before the await
    notify().await;
}
```

An inner block is better than `drop(count);` before the `.await`: after a `drop` the
compiler still counts the future as holding the guard, so it is not `Send`. A lock that
must be held across an `.await` is `tokio::sync::Mutex`, locked with `.lock().await`.
",
        how_to_allow: "
`lock-across-await = \"warn\"` or `\"allow\"` in the `[lints]` table of
`async-hygiene.toml`.
",
    },
};
