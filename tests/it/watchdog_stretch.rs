//! The stretch of lines a slow poll ran, and a hang reported while it runs, through the
//! attributes, which mark each `.await` of the body: only with the `watchdog` feature
//! (`cargo test --features watchdog --test it watchdog_stretch`).
//!
//! Real clocks (a paused clock does not advance while a thread blocks): blocking of
//! 150 ms against the default 100 ms threshold; the hang threshold is 500 ms, above any
//! blocking here, so the tests running in parallel do not report each other as hangs.

#![cfg(feature = "watchdog")]

use std::time::{Duration, Instant};

use async_hygiene::watchdog::{self, Point, SlowPoll, Stretch};

const BLOCKING: Duration = Duration::from_millis(150);
const HANG_THRESHOLD: Duration = Duration::from_millis(500);

/// Sync code the attribute cannot see into.
fn load_config() {
    async_hygiene::allow_blocking!(
        "blocks on purpose: the watchdog under test must see a slow poll",
        std::thread::sleep(BLOCKING)
    );
}

/// The `await` on the first line of this file containing `marker`.
fn await_at(marker: &str) -> Point {
    let (index, line) = include_str!("watchdog_stretch.rs")
        .lines()
        .enumerate()
        .find(|(_, line)| line.contains(marker))
        .expect("the marker is in this file");
    let column = line.find("await").expect("the line awaits") + 1;
    Point::Await {
        file: file!(),
        line: u32::try_from(index + 1).expect("a short file"),
        column: u32::try_from(column).expect("a short line"),
    }
}

/// The one slow poll `future` reported.
async fn slow_poll_of<F: std::future::Future>(future: F) -> SlowPoll {
    let (_, reports) = watchdog::collect(future).await;
    assert_eq!(reports.slow_polls.len(), 1, "{reports:#?}");
    reports.slow_polls[0].clone()
}

#[async_hygiene::no_blocking]
async fn blocks_before_the_first_await() {
    load_config();
    tokio::task::yield_now().await; // first await
}

#[async_hygiene::no_blocking]
async fn blocks_between_two_awaits() {
    tokio::task::yield_now().await; // await before the block
    load_config();
    tokio::task::yield_now().await; // await after the block
}

#[async_hygiene::no_blocking]
async fn blocks_before_the_return() -> u32 {
    tokio::task::yield_now().await; // last await, on its own line
    load_config();
    7
}

/// Not annotated: its blocking is inside the await of the fn that awaits it.
async fn unwatched_callee() {
    tokio::task::yield_now().await;
    load_config();
    tokio::task::yield_now().await;
}

#[async_hygiene::no_blocking]
async fn awaits_a_blocking_callee() {
    unwatched_callee().await; // await of the callee
}

#[async_hygiene::no_blocking]
async fn blocks_before_a_join() -> u32 {
    load_config();
    let (a, b) = tokio::join!(echo(1), echo(2)); // join after the block
    load_config();
    tokio::select! { // select after the join
        c = echo(a + b) => c,
    }
}

async fn echo(value: u32) -> u32 {
    tokio::task::yield_now().await;
    value
}

/// The first line of this file containing `text`, other than the one asking.
fn line_of(text: &str) -> u32 {
    let index = include_str!("watchdog_stretch.rs")
        .lines()
        .position(|line| line.contains(text) && !line.contains("line_of("))
        .expect("the text is in this file");
    u32::try_from(index + 1).expect("a short file")
}

/// The macro at the line of this file containing `marker`.
fn macro_at(marker: &str, name: &str) -> Point {
    let (index, line) = include_str!("watchdog_stretch.rs")
        .lines()
        .enumerate()
        .find(|(_, line)| line.contains(marker))
        .expect("the marker is in this file");
    let column = line.find(name).expect("the line calls the macro") + 1;
    Point::Await {
        file: file!(),
        line: u32::try_from(index + 1).expect("a short file"),
        column: u32::try_from(column).expect("a short line"),
    }
}

#[tokio::test]
async fn a_join_or_select_is_marked_as_one_await_at_its_name() {
    let ((), reports) = watchdog::collect(async {
        assert_eq!(blocks_before_a_join().await, 3);
    })
    .await;
    let stretches: Vec<Stretch> = reports.slow_polls.iter().map(|poll| poll.stretch).collect();
    let join = macro_at("// join after the block", "tokio::join");
    let select = macro_at("// select after the join", "tokio::select");
    assert_eq!(
        stretches,
        [
            Stretch {
                from: Point::Start,
                to: join,
            },
            Stretch {
                from: join,
                to: select,
            },
        ],
        "{reports:#?}"
    );
}

#[tokio::test]
async fn a_block_before_the_first_await_is_the_stretch_from_the_start() {
    let report = slow_poll_of(blocks_before_the_first_await()).await;
    assert_eq!(
        report.stretch,
        Stretch {
            from: Point::Start,
            to: await_at("// first await"),
        }
    );
    let Point::Await { line, column, .. } = await_at("// first await") else {
        unreachable!()
    };
    let message = report.to_string();
    assert!(
        message.starts_with(
            "`it::watchdog_stretch::blocks_before_the_first_await` blocked its executor thread for "
        ),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            " between the start of the fn (tests/it/watchdog_stretch.rs:{}:10) and the await at \
             tests/it/watchdog_stretch.rs:{line}:{column} (threshold 100ms)",
            line - 2
        )),
        "{message}"
    );
}

#[tokio::test]
async fn a_block_between_two_awaits_is_the_stretch_between_them() {
    let report = slow_poll_of(blocks_between_two_awaits()).await;
    assert_eq!(
        report.stretch,
        Stretch {
            from: await_at("// await before the block"),
            to: await_at("// await after the block"),
        }
    );
    assert!(
        report.duration >= BLOCKING.saturating_sub(Duration::from_millis(10)),
        "{report:?}"
    );
}

#[tokio::test]
async fn a_block_before_the_return_is_the_stretch_from_the_last_await() {
    let report = slow_poll_of(blocks_before_the_return()).await;
    // The `await` keyword's own line, not the line the awaited expression starts on.
    assert_eq!(
        report.stretch,
        Stretch {
            from: await_at("// last await, on its own line"),
            to: Point::Return,
        }
    );
    assert!(
        report.to_string().contains(" and the return (threshold"),
        "{report}"
    );
}

#[tokio::test]
async fn blocking_inside_an_awaited_callee_is_in_that_await() {
    let report = slow_poll_of(awaits_a_blocking_callee()).await;
    let callee = await_at("// await of the callee");
    assert_eq!(
        report.stretch,
        Stretch {
            from: callee,
            to: callee
        }
    );
    assert!(
        report
            .to_string()
            .contains(" in the await at tests/it/watchdog_stretch.rs:"),
        "{report}"
    );
}

#[tokio::test]
async fn per_fn_statistics_count_polls_slow_polls_and_the_longest() {
    let before = watchdog::stats_for("blocks_between_two_awaits").map_or(0, |stats| stats.polls);
    let ((), reports) = watchdog::collect(async {
        blocks_between_two_awaits().await;
        blocks_between_two_awaits().await;
    })
    .await;
    assert_eq!(reports.of("blocks_between_two_awaits").len(), 2);
    let stats = watchdog::stats_for("it::watchdog_stretch::blocks_between_two_awaits")
        .expect("the fn was polled");
    // Three polls a call: to each await, then to the return. Other tests call it too.
    assert!(stats.polls >= before + 6, "{stats:?}");
    assert!(stats.slow_polls >= 2, "{stats:?}");
    assert!(
        stats.over_threshold >= BLOCKING.saturating_sub(watchdog::DEFAULT_THRESHOLD) * 2 / 3,
        "{stats:?}"
    );
    let longest = stats.longest.expect("a slow poll");
    assert_eq!(longest.stretch.from, await_at("// await before the block"));
    let Point::Await { line, .. } = await_at("// await before the block") else {
        unreachable!()
    };
    assert_eq!(
        (stats.file, stats.line, stats.column),
        (file!(), line - 1, 10)
    );
}

#[async_hygiene::no_blocking]
async fn stuck_in_a_loop(limit: Duration) -> Option<Duration> {
    tokio::task::yield_now().await; // await before the loop
    spin_until_a_hang_is_reported(limit)
}

/// A poll that does not return until the monitor has reported it (or `limit` passed),
/// and how long that took.
fn spin_until_a_hang_is_reported(limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        let hangs = watchdog::stats_for("stuck_in_a_loop").map_or(0, |stats| stats.hangs);
        if hangs > 0 {
            return Some(start.elapsed());
        }
        async_hygiene::allow_blocking!(
            "the poll is stuck on purpose: the monitor under test must see it",
            std::thread::sleep(Duration::from_millis(2))
        );
    }
    None
}

#[tokio::test]
async fn a_poll_stuck_in_a_loop_is_reported_while_it_runs() {
    watchdog::set_hang_threshold(HANG_THRESHOLD);
    let reported_after = stuck_in_a_loop(Duration::from_secs(3))
        .await
        .expect("the hang is reported while the poll runs");
    assert!(
        reported_after >= HANG_THRESHOLD && reported_after < HANG_THRESHOLD * 2,
        "{reported_after:?}"
    );
    let stats = watchdog::stats_for("stuck_in_a_loop").expect("the fn was polled");
    assert_eq!(stats.hangs, 1, "once per stuck poll: {stats:?}");
    let hang = stats.last_hang.expect("the hang");
    assert_eq!(hang.function, "it::watchdog_stretch::stuck_in_a_loop");
    let Point::Await { line, .. } = await_at("// await before the loop") else {
        unreachable!()
    };
    // A hang names the await's line (the column does not fit the monitor's word).
    assert_eq!(
        hang.from,
        Point::Await {
            file: file!(),
            line,
            column: 0
        }
    );
    assert!(hang.running_for >= HANG_THRESHOLD, "{hang:?}");
    assert!(
        hang.to_string().starts_with(
            "`it::watchdog_stretch::stuck_in_a_loop` has been blocking its executor thread for "
        ),
        "{hang}"
    );
}

/// Not annotated: a future from a library, or a task an application spawns in `main`.
async fn third_party_work() -> u32 {
    tokio::task::yield_now().await;
    load_config();
    3
}

#[tokio::test]
async fn a_future_watched_by_name_is_reported_at_its_call_site() {
    let line = line_of("watchdog::collect(watchdog::watch(\"third_party\"");
    let (value, reports) =
        watchdog::collect(watchdog::watch("third_party", third_party_work())).await;
    assert_eq!(value, 3);
    assert_eq!(reports.slow_polls.len(), 1, "{reports:#?}");
    let report = &reports.slow_polls[0];
    assert_eq!(report.function, "third_party");
    assert_eq!((report.file, report.line), (file!(), line));
    // Its awaits are not marked: the stretch runs from an await the watchdog cannot name.
    assert_eq!(
        report.stretch,
        Stretch {
            from: Point::Unmarked,
            to: Point::Return
        }
    );
    let stats = watchdog::stats_for("third_party").expect("watched by name");
    assert!(stats.polls >= 2 && stats.slow_polls >= 1, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_spawned_with_a_name_reports_into_the_scope_that_spawned_it() {
    let line = line_of("let task = watchdog::spawn_watched(");
    let ((), reports) = watchdog::collect(async {
        let task = watchdog::spawn_watched("background_refresh", third_party_work());
        assert_eq!(task.await.expect("the task does not panic"), 3);
    })
    .await;
    let spawned = reports.of("background_refresh");
    assert_eq!(spawned.len(), 1, "{reports:#?}");
    assert_eq!((spawned[0].file, spawned[0].line), (file!(), line));
}

#[async_hygiene::no_blocking]
async fn panics_in_a_poll() {
    tokio::task::yield_now().await;
    // Unwinds without the panic hook, whose backtrace (under `RUST_BACKTRACE`) can take
    // longer than the hang threshold on a loaded machine, while the poll still runs.
    std::panic::resume_unwind(Box::new("a bug in the handler"));
}

/// A poll that unwinds ends for the monitor too: it must not be reported as a hang later.
#[tokio::test]
async fn a_poll_that_panics_is_not_left_running_for_the_monitor() {
    watchdog::set_hang_threshold(HANG_THRESHOLD);
    let error = tokio::spawn(panics_in_a_poll())
        .await
        .expect_err("the task panicked");
    assert!(error.is_panic());
    // Idle past the hang threshold: a poll left published would be reported by now.
    tokio::time::sleep(HANG_THRESHOLD + Duration::from_millis(300)).await;
    let stats = watchdog::stats_for("panics_in_a_poll").expect("polled");
    assert_eq!(stats.hangs, 0, "{stats:?}");
}

#[async_hygiene::no_blocking]
async fn inner_blocker() {
    tokio::task::yield_now().await; // inner await
    load_config();
    tokio::task::yield_now().await;
}

#[async_hygiene::no_blocking]
async fn outer_of_a_blocker() {
    inner_blocker().await; // outer awaits the inner fn
    load_config();
    tokio::task::yield_now().await; // outer await after its own block
}

/// Two watched fns whose awaits are all visible (each keeps its own watch state, no
/// wrapper): the inner one's blocking is reported once, against the inner fn; the outer
/// fn's poll that ran it is not, and its own blocking is.
#[tokio::test]
async fn nested_fns_each_report_only_their_own_blocking() {
    let ((), reports) = watchdog::collect(outer_of_a_blocker()).await;
    assert_eq!(reports.slow_polls.len(), 2, "{reports:#?}");
    let inner = &reports.of("inner_blocker")[0];
    assert_eq!(inner.stretch.from, await_at("// inner await"));
    let outer = &reports.of("outer_of_a_blocker")[0];
    assert_eq!(
        outer.stretch,
        Stretch {
            from: await_at("// outer awaits the inner fn"),
            to: await_at("// outer await after its own block"),
        }
    );
    assert!(outer.nested.is_zero(), "{outer:?}");
}

#[async_hygiene::no_blocking]
async fn waits_forever_then_blocks() {
    std::future::pending::<()>().await;
    load_config();
}

/// A body dropped while it is suspended (a timeout, a `select!` that lost) has no
/// stretch running: nothing is reported then or later.
#[tokio::test]
async fn a_cancelled_body_reports_nothing_and_leaves_no_poll_running() {
    watchdog::set_hang_threshold(HANG_THRESHOLD);
    let (timed_out, reports) = watchdog::collect(tokio::time::timeout(
        Duration::from_millis(20),
        waits_forever_then_blocks(),
    ))
    .await;
    assert!(timed_out.is_err());
    assert!(reports.slow_polls.is_empty(), "{reports:#?}");
    tokio::time::sleep(HANG_THRESHOLD + Duration::from_millis(300)).await;
    let stats = watchdog::stats_for("waits_forever_then_blocks").expect("polled");
    // Polled once, and once more when the timer woke the timeout.
    assert_eq!(
        (stats.polls, stats.slow_polls, stats.hangs),
        (2, 0, 0),
        "{stats:?}"
    );
}

/// A panic caught around the poll (`catch_unwind`), its future kept afterwards: the
/// body's watch state is dropped while the panic unwinds, so the monitor does not see a
/// poll still running.
#[tokio::test]
async fn a_caught_panic_ends_the_poll_for_the_monitor_while_it_unwinds() {
    use futures::FutureExt as _;
    watchdog::set_hang_threshold(HANG_THRESHOLD);
    let mut caught = Box::pin(std::panic::AssertUnwindSafe(panics_in_a_poll()).catch_unwind());
    assert!((&mut caught).await.is_err());
    // The caught future lives on, past the hang threshold.
    tokio::time::sleep(HANG_THRESHOLD + Duration::from_millis(300)).await;
    let stats = watchdog::stats_for("panics_in_a_poll").expect("polled");
    assert_eq!(stats.hangs, 0, "{stats:?}");
    drop(caught);
}

/// The watch state is read through shared references held across awaits: a watched
/// body stays `Send` (and `tokio::spawn` takes it on a multi-threaded runtime).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watched_body_stays_send() {
    fn assert_send<T: Send>(value: T) -> T {
        value
    }
    let task = tokio::spawn(assert_send(blocks_before_the_return()));
    assert_eq!(task.await.expect("no panic"), 7);
}

#[async_hygiene::no_blocking]
async fn polled_often(yields: u32) {
    for _ in 0..yields {
        tokio::task::yield_now().await;
    }
}

/// A call counts its own polls (a shared counter written on each poll would bounce
/// between threads) and adds them to the fn's statistics every 64 polls, and the rest
/// when it ends: a call that runs for long is seen as it runs.
#[tokio::test]
async fn a_long_call_adds_its_polls_as_it_runs_and_the_rest_when_it_ends() {
    let polls = || watchdog::stats_for("polled_often").map_or(0, |stats| stats.polls);
    let task = tokio::spawn(polled_often(1_000));
    while polls() == 0 {
        tokio::task::yield_now().await;
    }
    assert!(!task.is_finished());
    assert_eq!(polls() % 64, 0, "added in batches while the call runs");
    task.await.expect("no panic");
    assert_eq!(polls(), 1_001, "each yield, then the return");
}

/// A unit fn whose tail awaits a future generic in its output: the attribute ends the
/// watch with `;`, so the fn's `()` must reach the body's value (it did not, once).
#[async_hygiene::no_blocking]
#[allow(clippy::semicolon_if_nothing_returned)] // the tail without `;` is the case
async fn tail_await_infers_unit() {
    std::future::pending().await
}

#[async_hygiene::no_blocking]
async fn never_returns() -> ! {
    loop {
        tokio::task::yield_now().await;
    }
}

#[async_hygiene::no_blocking]
async fn never_returns_wrapped() -> ! {
    loop {
        tokio::select! {
            () = tokio::task::yield_now() => {}
        }
    }
}

/// `(x).await`, as spider writes it: the mark passes `x` itself, or `unused_parens` would
/// warn in the user's crate (CI's clippy runs with `-D warnings` and the feature on).
#[async_hygiene::no_blocking]
async fn parenthesized_await() {
    let shutdown = tokio::task::yield_now();
    (shutdown).await;
}

/// Compile checks for return types the body's value must infer, watched with and without
/// the wrapper, and for the marks' own syntax.
#[test]
fn outputs_left_to_inference_compile() {
    let _ = (
        tail_await_infers_unit,
        never_returns,
        never_returns_wrapped,
        parenthesized_await,
    );
}

async fn part(blocks: bool) -> u32 {
    tokio::task::yield_now().await;
    if blocks {
        load_config();
    }
    1
}

#[async_hygiene::concurrent]
async fn joins_a_blocking_part() -> u32 {
    let a = part(true).await; // first joined await
    let b = part(false).await;
    a + b
}

/// `#[concurrent]`'s join is an await the attribute wrote: it carries the span of the
/// first await it joins, so a stretch that suspends or resumes there names that line,
/// not the attribute's.
#[tokio::test]
async fn a_concurrent_join_is_named_by_the_first_await_it_joins() {
    let report = slow_poll_of(joins_a_blocking_part()).await;
    assert_eq!(
        report.stretch,
        Stretch {
            from: await_at("// first joined await"),
            to: Point::Return,
        }
    );
}
