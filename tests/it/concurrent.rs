//! `#[concurrent]` behaviour on tokio's paused clock: elapsed virtual time is exact, so
//! every test asserts the critical path, and results equal to the sequential body.
//!
//! The generated code must not warn in a user's crate: under `cargo clippy` this file
//! denies the pedantic group and rustc's unused lints.
#![deny(unused, clippy::pedantic)]

use std::cell::RefCell;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_hygiene::concurrent;
use tokio::time::{sleep, Instant};

/// Waits `ms` of virtual time, then yields `value`.
async fn after<T>(ms: u64, value: T) -> T {
    sleep(Duration::from_millis(ms)).await;
    value
}

/// Runs `future` and returns its output with the virtual time it took.
async fn timed<F: std::future::Future>(future: F) -> (F::Output, Duration) {
    let start = Instant::now();
    let output = future.await;
    (output, start.elapsed())
}

fn ms(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

/// Defines the same body twice: as written (`$sequential`) and under `#[concurrent]`.
macro_rules! both {
    ($sequential:ident, $concurrent:ident, ($($arg:ident: $ty:ty),*) -> $ret:ty $body:block) => {
        async fn $sequential($($arg: $ty),*) -> $ret $body
        #[concurrent]
        async fn $concurrent($($arg: $ty),*) -> $ret $body
    };
}

// ---------------------------------------------------------------- the article's examples

#[derive(Debug, PartialEq)]
struct Dashboard {
    notifications: Vec<&'static str>,
    activity: Vec<&'static str>,
    messages: u32,
}

both!(dashboard_as_written, dashboard, () -> Dashboard {
    let notifications = after(100, vec!["build passed"]).await;
    let activity = after(150, vec!["pushed"]).await;
    let messages = after(200, 3).await;
    Dashboard { notifications, activity, messages }
});

#[tokio::test(start_paused = true)]
async fn article_dashboard_takes_the_longest_call_not_the_sum() {
    let (expected, sequential) = timed(dashboard_as_written()).await;
    let (actual, concurrent) = timed(dashboard()).await;
    assert_eq!(actual, expected);
    assert_eq!(sequential, ms(450));
    assert_eq!(concurrent, ms(200));
}

#[derive(Debug, PartialEq)]
struct Report {
    profile: String,
    orders: u32,
    reviews: u32,
    analytics: u64,
}

async fn heavy_data_processing(data: u64) -> u64 {
    // The CPU part belongs on the blocking pool (`#[offload]`); here it is a timer.
    after(200, data * 2).await
}

static REPORTS_LOGGED: AtomicU32 = AtomicU32::new(0);

async fn log_report_generation(_user_id: u64) {
    after(50, ()).await;
    REPORTS_LOGGED.fetch_add(1, Ordering::SeqCst);
}

both!(user_report_as_written, user_report, (user_id: u64) -> Report {
    let profile = after(100, format!("user {user_id}")).await;
    let orders = after(150, 7).await;
    let reviews = after(120, 2).await;
    let data = after(80, user_id + 1).await;
    let processed_data = heavy_data_processing(data).await;
    log_report_generation(user_id).await;
    Report { profile, orders, reviews, analytics: processed_data }
});

#[tokio::test(start_paused = true)]
async fn seed_user_report_joins_along_the_data_dependencies() {
    let (expected, sequential) = timed(user_report_as_written(9)).await;
    let (actual, concurrent) = timed(user_report(9)).await;
    assert_eq!(actual, expected);
    assert_eq!(sequential, ms(100 + 150 + 120 + 80 + 200 + 50));
    // Critical path: max(100, 150, 120, 80 + 200) then the log line (a barrier).
    assert_eq!(concurrent, ms(280 + 50));
    assert_eq!(REPORTS_LOGGED.load(Ordering::SeqCst), 2);
}

// ---------------------------------------------------------------- dependencies

both!(chains_as_written, chains, (base: u64) -> (u64, u64, String) {
    let a = after(30, base + 1).await;
    let b = after(100, base + 2).await;
    // No await: a zero-cost node; it must not serialize what follows.
    let label = format!("{a}:{b}");
    let c = after(40, a * 10).await;
    let d = after(50, c + 1).await;
    (b, d, label)
});

#[tokio::test(start_paused = true)]
async fn independent_chains_run_side_by_side() {
    let (expected, sequential) = timed(chains_as_written(1)).await;
    let (actual, concurrent) = timed(chains(1)).await;
    assert_eq!(actual, expected);
    assert_eq!(sequential, ms(220));
    // max(30 + 40 + 50, 100)
    assert_eq!(concurrent, ms(120));
}

both!(shadowing_as_written, shadowing, () -> (u32, u32, String) {
    let x = after(10, 1).await;
    let y = after(30, 2).await;
    // Uses the first `x`, then shadows it.
    let x = after(20, x + 10).await;
    let msg = format!("{x}-{y}");
    let y = after(5, y * 100).await;
    (x, y, msg)
});

#[tokio::test(start_paused = true)]
async fn uses_resolve_to_the_binding_in_scope() {
    let (expected, _) = timed(shadowing_as_written()).await;
    let (actual, concurrent) = timed(shadowing()).await;
    assert_eq!(actual, (11, 200, "11-2".to_owned()));
    assert_eq!(actual, expected);
    // max(10 + 20, 30 + 5)
    assert_eq!(concurrent, ms(35));
}

// Issue 8 item 2: a shadowed name no longer serialises independent chains. The first `x`
// is renamed in the moved code, so `a → b` and `c → d` join: 2 steps, not 4.
both!(shadowed_chains_as_written, shadowed_chains, () -> (u32, u32, u32) {
    let x = after(10, 1).await;
    let y = after(20, x + 1).await;
    let x = after(15, 100).await;
    let z = after(25, x + 1).await;
    (x, y, z)
});

#[tokio::test(start_paused = true)]
async fn shadowing_does_not_serialise_independent_chains() {
    let (expected, sequential) = timed(shadowed_chains_as_written()).await;
    let (actual, concurrent) = timed(shadowed_chains()).await;
    // The `x` visible after the join is the last one in the source.
    assert_eq!(actual, (100, 2, 101));
    assert_eq!(actual, expected);
    assert_eq!(sequential, ms(10 + 20 + 15 + 25));
    // max(10 + 20, 15 + 25): before the rename, 4 steps (70 ms).
    assert_eq!(concurrent, ms(40));
}

#[derive(Debug, PartialEq)]
struct Pair {
    x: u32,
    y: u32,
}

// The renamed binding reaches a struct shorthand, a closure and a nested block; three
// bindings of one name each get their own chain, and the value read after the join is
// the third.
both!(shadowed_everywhere_as_written, shadowed_everywhere, () -> (Pair, Vec<u32>, u32, u32) {
    let x = after(10, 1).await;
    let pair = after(30, Pair { x, y: 2 }).await;
    let x = after(20, 10).await;
    let scaled = after(10, (1..=3).map(|i| i * x).collect::<Vec<_>>()).await;
    let x = after(5, 7).await;
    let sum = after(30, { let doubled = x * 2; doubled + x }).await;
    (pair, scaled, sum, x)
});

#[tokio::test(start_paused = true)]
async fn renamed_bindings_reach_every_use() {
    let (expected, _) = timed(shadowed_everywhere_as_written()).await;
    let (actual, concurrent) = timed(shadowed_everywhere()).await;
    assert_eq!(actual, (Pair { x: 1, y: 2 }, vec![10, 20, 30], 21, 7));
    assert_eq!(actual, expected);
    // max(10 + 30, 20 + 10, 5 + 30)
    assert_eq!(concurrent, ms(40));
}

// A shadowed binding from a struct pattern's shorthand (`Pair { x, y }`) is renamed as
// `Pair { x: renamed, y }`.
both!(shadowed_pattern_as_written, shadowed_pattern, () -> (u32, u32, u32) {
    let Pair { x, y } = after(10, Pair { x: 1, y: 2 }).await;
    let sum = after(20, x + y).await;
    let x = after(30, 7).await;
    (sum, x, y)
});

#[tokio::test(start_paused = true)]
async fn a_shadowed_pattern_shorthand_is_renamed() {
    let (expected, _) = timed(shadowed_pattern_as_written()).await;
    let (actual, concurrent) = timed(shadowed_pattern()).await;
    assert_eq!(actual, (3, 7, 2));
    assert_eq!(actual, expected);
    assert_eq!(concurrent, ms(30));
}

// A raw identifier is renamed too (the hygienic name drops the `r#`).
both!(shadowed_raw_as_written, shadowed_raw, () -> (u32, u32) {
    let r#type = after(10, 1).await;
    let kind = after(20, r#type + 1).await;
    let r#type = after(30, 5).await;
    (kind, r#type)
});

#[tokio::test(start_paused = true)]
async fn a_shadowed_raw_identifier_joins() {
    let (expected, _) = timed(shadowed_raw_as_written()).await;
    let (actual, concurrent) = timed(shadowed_raw()).await;
    assert_eq!(actual, (2, 5));
    assert_eq!(actual, expected);
    assert_eq!(concurrent, ms(30));
}

// A shadowed name read in a format string is not renamed (a string literal's `{x}`
// cannot be reached safely): the new binding still waits for that read.
both!(shadowed_in_format_as_written, shadowed_in_format, () -> (String, u32) {
    let x = after(10, 1).await;
    let label = after(20, format!("x={x}")).await;
    let x = after(30, 2).await;
    (label, x)
});

#[tokio::test(start_paused = true)]
async fn a_format_capture_keeps_the_shadowing_order() {
    let (expected, _) = timed(shadowed_in_format_as_written()).await;
    let (actual, concurrent) = timed(shadowed_in_format()).await;
    assert_eq!(actual, ("x=1".to_owned(), 2));
    assert_eq!(actual, expected);
    assert_eq!(concurrent, ms(10 + 20 + 30));
}

both!(captures_as_written, captures, () -> (String, Vec<u32>, u32) {
    let n = after(10, 3).await;
    let prefix = after(20, 7_u32).await;
    let n = after(30, n + 1).await;
    // Names used only in a format string, a closure and a macro still order the lets.
    let shown = after(5, format!("{prefix}-{n:>width$}", width = 3)).await;
    let scaled = after(5, (0..n).map(|i| i * n + prefix).collect::<Vec<_>>()).await;
    let total = after(5, u32::from(matches!(prefix, 7)) + n).await;
    (shown, scaled, total)
});

#[tokio::test(start_paused = true)]
async fn names_inside_closures_macros_and_format_strings_count() {
    let (expected, _) = timed(captures_as_written()).await;
    let (actual, concurrent) = timed(captures()).await;
    assert_eq!(actual, expected);
    assert_eq!(actual, ("7-  4".to_owned(), vec![7, 11, 15, 19], 5));
    // max(10 + 30, 20) + 5: the last three need both `prefix` and the second `n`.
    assert_eq!(concurrent, ms(45));
}

#[derive(Debug, PartialEq, Clone, Copy)]
struct Point {
    x: u32,
    y: u32,
}

both!(patterns_as_written, patterns, () -> (u32, u32, u32, Vec<u32>) {
    let (a, b) = after(10, (1, 2)).await;
    let Point { x, y: why } = after(20, Point { x: 3, y: 4 }).await;
    let mut list = after(30, vec![a]).await;
    let (first, mut second): (u32, u32) = after(40, (5, 6)).await;
    second += 1;
    list.push(b + x + why + first + second);
    (a, b, x + why, list)
});

#[tokio::test(start_paused = true)]
async fn patterns_and_mut_bindings_survive_the_join() {
    let (expected, _) = timed(patterns_as_written()).await;
    let (actual, concurrent) = timed(patterns()).await;
    assert_eq!(actual, expected);
    // `list` depends on `a`: max(10 + 30, 20, 40).
    assert_eq!(concurrent, ms(40));
}

both!(nested_as_written, nested, (cold: bool) -> (u32, u32) {
    let first = if cold {
        let remote = after(100, 1).await;
        let backup = after(100, 2).await;
        remote + backup
    } else {
        0
    };
    let second = match after(10, cold.then_some(5)).await {
        Some(wait) => after(50, wait).await,
        None => 6,
    };
    (first, second)
});

#[tokio::test(start_paused = true)]
async fn awaits_inside_control_flow_form_one_node_and_inner_blocks_are_rewritten() {
    let (expected, sequential) = timed(nested_as_written(true)).await;
    let (actual, concurrent) = timed(nested(true)).await;
    assert_eq!(actual, expected);
    assert_eq!(sequential, ms(260));
    // Inner block: max(100, 100); beside it, 10 + 50.
    assert_eq!(concurrent, ms(100));
}

both!(in_loop_as_written, in_loop, (rounds: u32) -> u32 {
    let mut total = 0;
    for round in 0..rounds {
        let a = after(10, round).await;
        let b = after(20, round * 2).await;
        total += a + b;
    }
    total
});

#[tokio::test(start_paused = true)]
async fn loop_bodies_are_rewritten_per_iteration() {
    let (expected, _) = timed(in_loop_as_written(4)).await;
    let (actual, concurrent) = timed(in_loop(4)).await;
    assert_eq!(actual, expected);
    assert_eq!(concurrent, ms(4 * 20));
}

both!(n_shape_as_written, n_shape, () -> u32 {
    let a = after(10, 1).await;
    let b = after(100, 2).await;
    let c = after(10, a + b).await;
    let d = after(100, a * 5).await;
    c + d
});

#[tokio::test(start_paused = true)]
async fn an_n_shape_is_never_slower_than_its_layers() {
    let (expected, _) = timed(n_shape_as_written()).await;
    let (actual, concurrent) = timed(n_shape()).await;
    assert_eq!(actual, expected);
    // Layers {a, b} then {c, d}: 100 + 100. (The critical path, 110, needs a shared
    // future; see the "Scheduling" section of `src/docs/concurrent.md`.)
    assert_eq!(concurrent, ms(200));
}

// ---------------------------------------------------------------- `?` and fail-fast

#[derive(Debug, PartialEq)]
enum AppError {
    Io(std::io::ErrorKind),
    Parse(String),
}

impl From<std::io::Error> for AppError {
    fn from(error: std::io::Error) -> Self {
        AppError::Io(error.kind())
    }
}

#[derive(Debug)]
struct ParseError(String);

impl From<ParseError> for AppError {
    fn from(error: ParseError) -> Self {
        AppError::Parse(error.0)
    }
}

/// How many calls started and finished; one pair per test, as tests run in parallel.
struct Calls {
    started: AtomicU32,
    finished: AtomicU32,
}

impl Calls {
    const fn new() -> Self {
        Calls {
            started: AtomicU32::new(0),
            finished: AtomicU32::new(0),
        }
    }

    fn counts(&self) -> (u32, u32) {
        (
            self.started.load(Ordering::SeqCst),
            self.finished.load(Ordering::SeqCst),
        )
    }
}

static LOAD_CALLS: Calls = Calls::new();
static FAILING_LOAD_CALLS: Calls = Calls::new();
static CANCELLED_CALLS: Calls = Calls::new();

async fn read_file(ms: u64, fail: bool) -> std::io::Result<u32> {
    after(ms, ()).await;
    if fail {
        Err(std::io::ErrorKind::NotFound.into())
    } else {
        Ok(1)
    }
}

async fn parse(ms: u64, fail: bool) -> Result<u32, ParseError> {
    after(ms, ()).await;
    if fail {
        Err(ParseError("bad".into()))
    } else {
        Ok(2)
    }
}

async fn tracked(calls: &Calls, ms: u64) -> u32 {
    calls.started.fetch_add(1, Ordering::SeqCst);
    after(ms, ()).await;
    calls.finished.fetch_add(1, Ordering::SeqCst);
    3
}

both!(load_as_written, load, (calls: &'static Calls, io_fails: bool, parse_fails: bool) -> Result<u32, AppError> {
    let file = read_file(50, io_fails).await?;
    let parsed = parse(80, parse_fails).await?;
    let slow = tracked(calls, 500).await;
    Ok(file + parsed + slow)
});

#[tokio::test(start_paused = true)]
async fn each_branch_keeps_its_own_question_mark_conversion() {
    let (expected, _) = timed(load_as_written(&LOAD_CALLS, false, false)).await;
    let (actual, concurrent) = timed(load(&LOAD_CALLS, false, false)).await;
    assert_eq!(actual, expected);
    assert_eq!(actual, Ok(6));
    assert_eq!(concurrent, ms(500));
    assert_eq!(
        load(&LOAD_CALLS, true, false).await,
        Err(AppError::Io(std::io::ErrorKind::NotFound))
    );
    assert_eq!(
        load(&LOAD_CALLS, false, true).await,
        Err(AppError::Parse("bad".into()))
    );
}

#[tokio::test(start_paused = true)]
async fn the_first_failure_wins_and_drops_its_siblings() {
    // Both fail; the io error happens first (50 ms < 80 ms).
    let (result, elapsed) = timed(load(&FAILING_LOAD_CALLS, true, true)).await;
    assert_eq!(result, Err(AppError::Io(std::io::ErrorKind::NotFound)));
    assert_eq!(elapsed, ms(50));
    // The slow sibling started (a difference from the sequential code) and was dropped.
    sleep(ms(1000)).await;
    assert_eq!(FAILING_LOAD_CALLS.counts(), (1, 0));
    // Failing later: the parse error at 80 ms.
    let (result, elapsed) = timed(load(&FAILING_LOAD_CALLS, false, true)).await;
    assert_eq!(result, Err(AppError::Parse("bad".into())));
    assert_eq!(elapsed, ms(80));
    assert_eq!(FAILING_LOAD_CALLS.counts(), (2, 0));
}

type BoxResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[concurrent]
async fn through_an_alias(fail: bool) -> BoxResult<u32> {
    let a = read_file(10, fail).await?;
    let b: u32 = after(20, "41").await.parse()?;
    Ok(a + b)
}

#[concurrent]
async fn through_io_result(fail: bool) -> std::io::Result<u32> {
    let a = read_file(10, fail).await?;
    let b = read_file(20, false).await?;
    Ok(a + b)
}

#[concurrent]
async fn through_option(missing: bool) -> Option<u32> {
    let a = after(10, if missing { None } else { Some(1) }).await?;
    let b = after(20, Some(2)).await?;
    Some(a + b)
}

#[tokio::test(start_paused = true)]
async fn fail_fast_works_through_aliases_io_result_and_option() {
    let (value, elapsed) = timed(through_an_alias(false)).await;
    assert_eq!(value.ok(), Some(42));
    // `after(..).await.parse()?` ends in `?`: it joins fail-fast like the other.
    assert_eq!(elapsed, ms(20));
    assert!(through_an_alias(true).await.is_err());
    let (value, elapsed) = timed(through_io_result(false)).await;
    assert_eq!(value.ok(), Some(2));
    assert_eq!(elapsed, ms(20));
    let (value, elapsed) = timed(through_io_result(true)).await;
    assert!(value.is_err());
    assert_eq!(elapsed, ms(10));
    let (value, elapsed) = timed(through_option(false)).await;
    assert_eq!(value, Some(3));
    assert_eq!(elapsed, ms(20));
    let (value, elapsed) = timed(through_option(true)).await;
    assert_eq!(value, None);
    assert_eq!(elapsed, ms(10));
}

#[concurrent]
async fn let_else_is_a_barrier(found: bool) -> u32 {
    let Some(a) = after(10, found.then_some(1)).await else {
        return 0;
    };
    let b = after(20, 2).await;
    a + b
}

#[tokio::test(start_paused = true)]
async fn let_else_keeps_its_place() {
    let (value, elapsed) = timed(let_else_is_a_barrier(true)).await;
    assert_eq!(value, 3);
    assert_eq!(elapsed, ms(30));
    let (value, elapsed) = timed(let_else_is_a_barrier(false)).await;
    assert_eq!(value, 0);
    assert_eq!(elapsed, ms(10));
}

// ---------------------------------------------------------------- effects and opt-outs

// A `let` that takes a lock, a permit or a borrow stays where it is: joined with an
// earlier await, it would hold the guard while that await waits (field report: a UDP
// forwarder took its map's read lock while waiting for the next packet; a writer queued
// behind it, and the second `read()` deadlocked behind the writer).

type PacketMap = std::sync::Arc<tokio::sync::RwLock<std::collections::HashMap<u32, u32>>>;

#[concurrent]
async fn forward_step(rx: &mut tokio::sync::mpsc::Receiver<u32>, map: &PacketMap) -> Option<u32> {
    let key = rx.recv().await?; // wait for the next packet
    let m = map.read().await; // then look it up
    if m.get(&key).is_none() {
        drop(m);
        map.write().await.insert(key, 0);
        return None;
    }
    let m = map.read().await; // the first guard is still alive (shadowed), as upstream
    m.get(&key).copied()
}

#[concurrent]
async fn next_and_store(
    rx: &mut tokio::sync::mpsc::Receiver<u32>,
    log: &tokio::sync::Mutex<Vec<u32>>,
) {
    let msg = rx.recv().await;
    let mut g = log.lock().await;
    g.extend(msg);
}

#[concurrent]
async fn next_with_permit(
    rx: &mut tokio::sync::mpsc::Receiver<u32>,
    sem: &tokio::sync::Semaphore,
) -> Option<u32> {
    let msg = rx.recv().await;
    let permit = sem.acquire().await.ok()?;
    let value = msg.map(|m| m + 1);
    drop(permit);
    value
}

// A clock read between awaits measures what runs before it: it stays where it is (field
// report: a test timed two lookups of a cache; joined, both missed and the timings
// measured the join).
#[concurrent]
async fn timed_one_after_the_other() -> (u32, Duration, Duration) {
    let start = Instant::now();
    let a = after(10, 1).await;
    let first = start.elapsed();
    let b = after(20, 2).await;
    let second = start.elapsed();
    (a + b, first, second)
}

#[tokio::test(start_paused = true)]
async fn a_clock_read_between_awaits_keeps_its_place() {
    assert_eq!(timed_one_after_the_other().await, (3, ms(10), ms(30)));
}

/// Fails (instead of hanging) when the guard is taken before the packet arrives.
const DEADLOCK: &str = "deadlock: the guard was taken while waiting for the packet";

#[tokio::test(start_paused = true)]
async fn a_read_lock_is_not_taken_while_waiting_for_the_network() {
    let map: PacketMap = std::sync::Arc::new(tokio::sync::RwLock::new([(1, 5)].into()));
    let (tx, mut rx) = tokio::sync::mpsc::channel(1);
    let forwarder = tokio::spawn({
        let map = map.clone();
        async move { forward_step(&mut rx, &map).await }
    });
    sleep(ms(1)).await; // the forwarder now waits for a packet
    let writer = tokio::spawn({
        let map = map.clone();
        async move { map.write().await.insert(2, 7) }
    });
    sleep(ms(1)).await; // the writer is done, or queued behind a read guard
    tx.send(1).await.expect("the forwarder is alive");
    let found = tokio::time::timeout(ms(1_000), forwarder)
        .await
        .expect(DEADLOCK)
        .expect("the forwarder does not panic");
    assert_eq!(found, Some(5));
    assert_eq!(writer.await.expect("the writer does not panic"), None);
}

#[tokio::test(start_paused = true)]
async fn a_mutex_and_a_permit_are_not_taken_while_waiting() {
    let log = std::sync::Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let (tx, mut rx) = tokio::sync::mpsc::channel(1);
    let store = tokio::spawn({
        let log = log.clone();
        async move { next_and_store(&mut rx, &log).await }
    });
    sleep(ms(1)).await;
    // As written, the lock is free while `next_and_store` waits for a message.
    tokio::time::timeout(ms(1_000), log.lock())
        .await
        .expect(DEADLOCK)
        .push(1);
    tx.send(2).await.expect("the receiver is alive");
    store.await.expect("no panic");
    assert_eq!(*log.lock().await, [1, 2]);

    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(1));
    let (tx, mut rx) = tokio::sync::mpsc::channel(1);
    let next = tokio::spawn({
        let sem = sem.clone();
        async move { next_with_permit(&mut rx, &sem).await }
    });
    sleep(ms(1)).await;
    let permit = tokio::time::timeout(ms(1_000), sem.acquire())
        .await
        .expect(DEADLOCK);
    drop(permit);
    tx.send(2).await.expect("the receiver is alive");
    assert_eq!(next.await.expect("no panic"), Some(3));
}

struct Store {
    value: RefCell<u32>,
    log: RefCell<Vec<&'static str>>,
}

impl Store {
    fn new() -> Self {
        Store {
            value: RefCell::new(0),
            log: RefCell::new(Vec::new()),
        }
    }

    async fn put(&self, value: u32) {
        after(10, ()).await;
        *self.value.borrow_mut() = value;
    }

    /// A write whose `Result` callers tend to ignore with `let _ = …`.
    async fn try_put(&self, value: u32) -> Result<(), &'static str> {
        self.put(value).await;
        Ok(())
    }

    async fn get(&self, ms: u64, what: &'static str) -> u32 {
        self.log.borrow_mut().push(what);
        after(ms, ()).await;
        *self.value.borrow()
    }
}

#[concurrent]
async fn write_then_read(store: &Store) -> (u32, u32) {
    // An expression statement is a barrier: the write lands before the reads start.
    store.put(7).await;
    let a = store.get(10, "a").await;
    let b = store.get(10, "b").await;
    (a, b)
}

#[concurrent]
async fn write_ignoring_the_result_then_read(store: &Store) -> (u32, u32) {
    // `let _ = …` and `let () = …` bind nothing: they exist for their effect, like an
    // expression statement, and stay barriers.
    let _ = store.try_put(7).await;
    let a = store.get(10, "a").await;
    let () = store.put(8).await;
    let b = store.get(10, "b").await;
    (a, b)
}

#[concurrent]
async fn marked(store: &Store) -> (u32, u32) {
    let a = store.get(10, "a").await;
    #[concurrent::barrier]
    let b = store.get(10, "b").await;
    (a, b)
}

#[tokio::test(start_paused = true)]
async fn statements_and_the_marker_are_barriers() {
    let store = Store::new();
    let (value, elapsed) = timed(write_then_read(&store)).await;
    assert_eq!(value, (7, 7));
    assert_eq!(elapsed, ms(20));
    let store = Store::new();
    let (value, elapsed) = timed(write_ignoring_the_result_then_read(&store)).await;
    assert_eq!(value, (7, 8));
    assert_eq!(elapsed, ms(40));
    let store = Store::new();
    let (_, elapsed) = timed(marked(&store)).await;
    assert_eq!(elapsed, ms(20));
}

#[concurrent]
async fn first_poll_in_source_order(store: &Store) -> u32 {
    let c = store.get(30, "c").await;
    let a = store.get(10, "a").await;
    let b = store.get(20, "b").await;
    a + b + c
}

#[tokio::test(start_paused = true)]
async fn branches_start_in_source_order() {
    let store = Store::new();
    let (_, elapsed) = timed(first_poll_in_source_order(&store)).await;
    assert_eq!(elapsed, ms(30));
    assert_eq!(*store.log.borrow(), ["c", "a", "b"]);
}

// Seven branches: wider than the widest join function, so the joins nest; one branch is
// a chain (`e` then `e2`), an `async` block among futures handed over as they are.
#[concurrent]
async fn wide(store: &Store) -> u32 {
    let va = store.get(70, "a").await;
    let vb = store.get(10, "b").await;
    let vc = store.get(60, "c").await;
    let vd = store.get(20, "d").await;
    let ve = store.get(50, "e").await;
    let ve2 = store.get(ve.into(), "e2").await;
    let vf = store.get(30, "f").await;
    let vg = store.get(40, "g").await;
    va + vb + vc + vd + ve2 + vf + vg
}

#[tokio::test(start_paused = true)]
async fn wide_joins_nest_and_keep_the_first_poll_in_source_order() {
    let store = Store::new();
    *store.value.borrow_mut() = 5;
    let (value, elapsed) = timed(wide(&store)).await;
    assert_eq!(value, 35);
    // `e` (50 ms) then `e2` (5 ms, its value) is shorter than `a`.
    assert_eq!(elapsed, ms(70));
    assert_eq!(
        *store.log.borrow(),
        ["a", "b", "c", "d", "e", "f", "g", "e2"]
    );
}

async fn step(id: u32, ms: u64, fail: u32) -> Result<u32, u32> {
    after(ms, ()).await;
    if id == fail {
        Err(id)
    } else {
        Ok(id)
    }
}

// Eleven fallible branches, one of them a chain: more than the widest failure type holds,
// so the last ones report through a nested one.
both!(many_fallible_as_written, many_fallible, (fail: u32) -> Result<u32, u32> {
    let v0 = step(0, 110, fail).await?;
    let v1 = step(1, 100, fail).await?;
    let v2 = step(2, 90, fail).await?;
    let v3 = step(3, 80, fail).await?;
    let v4 = step(4, 70, fail).await?;
    let v5 = step(5, 60, fail).await?;
    let v6 = step(6, 50, fail).await?;
    let v7 = step(7, 40, fail).await?;
    let v8 = step(8, 30, fail).await?;
    let v9 = step(9, 20, fail).await?;
    let v10 = step(10 + v9 - 9, 15, fail).await?;
    Ok(v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 + v9 + v10)
});

#[tokio::test(start_paused = true)]
async fn every_branch_of_a_wide_fail_fast_join_reports_its_own_failure() {
    let (expected, _) = timed(many_fallible_as_written(u32::MAX)).await;
    let (actual, elapsed) = timed(many_fallible(u32::MAX)).await;
    assert_eq!((actual, expected), (Ok(55), Ok(55)));
    assert_eq!(elapsed, ms(110));
    for fail in 0..=10 {
        let (expected, _) = timed(many_fallible_as_written(fail)).await;
        let (actual, elapsed) = timed(many_fallible(fail)).await;
        assert_eq!((actual, expected), (Err(fail), Err(fail)));
        // Branch 0 fails last (at 110 ms); any other failure waits for the branches
        // before it, which succeed, branch 0 last: the sequential form's error, at
        // 110 ms whichever fails.
        assert_eq!(elapsed, ms(110), "branch {fail}");
    }
}

// ---------------------------------------------------------------- which error wins

/// What each step did, in order: `cert+` when it started, `cert.` when it completed.
#[derive(Default)]
struct Effects(RefCell<Vec<String>>);

impl Effects {
    /// A step that takes `ms` and then succeeds with `ms`, or fails.
    async fn step(&self, name: &str, (ms, ok): (u64, bool)) -> Result<u64, String> {
        self.0.borrow_mut().push(format!("{name}+"));
        after(ms, ()).await;
        self.0.borrow_mut().push(format!("{name}."));
        if ok {
            Ok(ms)
        } else {
            Err(format!("{name} failed"))
        }
    }

    fn take(&self) -> Vec<String> {
        self.0.take()
    }
}

// Issue 16: a TLS handshake reading a certificate and a key, each with `?`. Joined, it
// returns the error the sequential form returns: that of the earliest failing statement.
both!(handshake_as_written, handshake, (
    effects: &Effects, cert: (u64, bool), key: (u64, bool), session: (u64, bool)
) -> Result<u64, String> {
    let cert = effects.step("cert", cert).await?;
    let key = effects.step("key", key).await?;
    let session = effects.step("session", session).await?;
    Ok(cert + key + session)
});

#[tokio::test(start_paused = true)]
async fn the_earliest_failure_in_source_order_wins() {
    let effects = &Effects::default();
    let run = |cert, key, session| async move {
        let (expected, _) = timed(handshake_as_written(effects, cert, key, session)).await;
        let sequential = effects.take();
        let (actual, elapsed) = timed(handshake(effects, cert, key, session)).await;
        assert_eq!(actual, expected);
        (actual, elapsed, sequential, effects.take())
    };

    // The earliest fails first: fail fast, and drop the later statements.
    let (result, elapsed, sequential, joined) = run((10, false), (50, true), (80, true)).await;
    assert_eq!((result, elapsed), (Err("cert failed".to_owned()), ms(10)));
    assert_eq!(sequential, ["cert+", "cert."]);
    assert_eq!(joined, ["cert+", "key+", "session+", "cert."]);

    // A later one fails first while the earlier still runs, then the earlier fails: the
    // earlier's error, when it fails; the statement after both is dropped at once.
    let (result, elapsed, sequential, joined) = run((50, false), (10, false), (80, true)).await;
    assert_eq!((result, elapsed), (Err("cert failed".to_owned()), ms(50)));
    assert_eq!(sequential, ["cert+", "cert."]);
    assert_eq!(joined, ["cert+", "key+", "session+", "key.", "cert."]);

    // A later one fails first, then the earlier succeeds: the later's error, once the
    // earlier completed (its effects done, as in the sequential form).
    let (result, elapsed, sequential, joined) = run((50, true), (10, false), (80, true)).await;
    assert_eq!((result, elapsed), (Err("key failed".to_owned()), ms(50)));
    assert_eq!(sequential, ["cert+", "cert.", "key+", "key."]);
    assert_eq!(joined, ["cert+", "key+", "session+", "key.", "cert."]);

    // The last fails first, the middle one later: the middle one's error, without
    // waiting for the last's successor (none) and with the first succeeding.
    let (result, elapsed, _, joined) = run((60, true), (40, false), (10, false)).await;
    assert_eq!((result, elapsed), (Err("key failed".to_owned()), ms(60)));
    assert_eq!(
        joined,
        ["cert+", "key+", "session+", "session.", "key.", "cert."]
    );

    let (result, elapsed, _, _) = run((10, true), (20, true), (30, true)).await;
    assert_eq!((result, elapsed), (Ok(60), ms(30)));
}

// A chain inside a branch: `key` depends on `cert`, `ocsp` runs beside them. When the
// chain's second statement fails after `ocsp` failed, `ocsp`'s error wins (it comes
// first in source order), and the chain's first statement is not cut short.
both!(chained_as_written, chained, (
    effects: &Effects, cert: (u64, bool), ocsp: (u64, bool), key: (u64, bool)
) -> Result<u64, String> {
    let cert = effects.step("cert", cert).await?;
    let ocsp = effects.step("ocsp", ocsp).await?;
    let key = effects.step("key", (key.0 + cert, key.1)).await?;
    Ok(key + ocsp)
});

#[tokio::test(start_paused = true)]
async fn a_failure_waits_for_the_chains_that_start_before_it() {
    let effects = Effects::default();
    // `ocsp` fails at 5 ms, while `cert` (started before it) runs: the join waits for
    // `cert`'s branch, which succeeds at 20 ms and goes on to `key` (10 + 20 ms, until 50 ms): a branch
    // that starts before the failure runs to its end, so `key`'s effects happen, where
    // the sequential form never started `key`. The error is `ocsp`'s, as written.
    let (expected, _) = timed(chained_as_written(
        &effects,
        (20, true),
        (5, false),
        (10, true),
    ))
    .await;
    assert_eq!(effects.take(), ["cert+", "cert.", "ocsp+", "ocsp."]);
    let (actual, elapsed) = timed(chained(&effects, (20, true), (5, false), (10, true))).await;
    assert_eq!(
        (&actual, &expected),
        (&expected, &Err("ocsp failed".to_owned()))
    );
    assert_eq!(elapsed, ms(50));
    assert_eq!(
        effects.take(),
        ["cert+", "ocsp+", "ocsp.", "cert.", "key+", "key."]
    );

    // `cert` fails after `ocsp` failed: `cert`'s error.
    let (actual, elapsed) = timed(chained(&effects, (20, false), (5, false), (10, true))).await;
    assert_eq!((actual, elapsed), (Err("cert failed".to_owned()), ms(20)));
}

/// Awaitable through `IntoFuture` only, like a request builder.
struct Delay(u64);

impl std::future::IntoFuture for Delay {
    type Output = u64;
    type IntoFuture = std::pin::Pin<Box<dyn std::future::Future<Output = u64>>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(after(self.0, self.0))
    }
}

/// `IntoFuture` with a fallible output.
struct Check(u64, bool);

impl std::future::IntoFuture for Check {
    type Output = Result<u64, String>;
    type IntoFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output>>>;

    fn into_future(self) -> Self::IntoFuture {
        let Check(ms, ok) = self;
        Box::pin(async move {
            after(ms, ()).await;
            if ok {
                Ok(ms)
            } else {
                Err(format!("check {ms}"))
            }
        })
    }
}

#[concurrent]
async fn into_futures(ok: bool) -> Result<u64, String> {
    let a = Delay(30).await;
    let b = Delay(20).await;
    let c = Check(10, ok).await?;
    Ok(a + b + c)
}

#[tokio::test(start_paused = true)]
async fn into_future_values_join_like_futures() {
    let (value, elapsed) = timed(into_futures(true)).await;
    assert_eq!((value, elapsed), (Ok(60), ms(30)));
    // The check fails at 10 ms; the two delays before it run to completion first, as
    // they did in the sequential form.
    let (value, elapsed) = timed(into_futures(false)).await;
    assert_eq!((value, elapsed), (Err("check 10".to_owned()), ms(30)));
}

/// Records when it is called, apart from when its future is first polled.
fn called<'a>(
    log: &'a RefCell<Vec<&'static str>>,
    name: &'static str,
) -> impl std::future::Future<Output = u32> + 'a {
    log.borrow_mut().push(name);
    async move {
        log.borrow_mut().push("polled");
        after(10, 1).await
    }
}

#[concurrent]
async fn call_order(log: &RefCell<Vec<&'static str>>) -> u32 {
    let a = called(log, "a").await;
    let a2 = called(log, if a > 0 { "a2" } else { "none" }).await;
    let b = called(log, "b").await;
    a2 + b
}

#[tokio::test(start_paused = true)]
async fn a_one_call_branch_is_called_when_the_join_starts() {
    // Documented: `b`'s branch is `called(…)` handed to the join as it is, so it is
    // called before the first branch (`a`, then `a2`) starts; polls follow the source.
    let log = RefCell::new(Vec::new());
    let (value, elapsed) = timed(call_order(&log)).await;
    assert_eq!((value, elapsed), (2, ms(20)));
    assert_eq!(
        *log.borrow(),
        ["b", "a", "polled", "polled", "a2", "polled"]
    );
}

async fn push_after(log: &mut Vec<u32>, ms: u64, value: u32) -> u32 {
    after(ms, ()).await;
    log.push(value);
    value
}

both!(mutation_as_written, mutation, () -> (Vec<u32>, u32) {
    let mut log = Vec::new();
    let a = push_after(&mut log, 30, 1).await;
    let other = after(40, 9).await;
    let b = push_after(&mut log, 10, 2).await;
    let c = push_after(&mut log, 5, a + b).await;
    (log, other + c)
});

#[tokio::test(start_paused = true)]
async fn writes_through_a_name_keep_their_order() {
    let (expected, _) = timed(mutation_as_written()).await;
    let (actual, concurrent) = timed(mutation()).await;
    assert_eq!(actual, expected);
    assert_eq!(actual.0, [1, 2, 3]);
    // The `&mut log` chain (30 + 10 + 5) beside the independent 40.
    assert_eq!(concurrent, ms(45));
}

#[derive(Default)]
struct Tally {
    seen: Vec<u32>,
}

impl Tally {
    async fn record(&mut self, ms: u64, value: u32) -> usize {
        after(ms, ()).await;
        self.seen.push(value);
        self.seen.len()
    }
}

both!(method_on_mut_as_written, method_on_mut, () -> (Vec<u32>, usize, u32, String) {
    let mut tally = Tally::default();
    // `&mut self` methods on a `mut` binding: these keep their order (and borrowck
    // would reject them joined).
    let first = tally.record(30, 1).await;
    let other = after(50, 7).await;
    let second = tally.record(10, 2).await;
    let (ref label, ()) = (after(5, format!("{first}{second}")).await, ());
    (tally.seen, first + second, other, label.clone())
});

#[tokio::test(start_paused = true)]
async fn method_calls_on_a_mut_binding_keep_their_order() {
    let (expected, _) = timed(method_on_mut_as_written()).await;
    let (actual, concurrent) = timed(method_on_mut()).await;
    assert_eq!(actual, expected);
    assert_eq!(actual.0, [1, 2]);
    // (30 + 10) beside 50, then the `ref` binding, kept in place: 5.
    assert_eq!(concurrent, ms(55));
}

#[concurrent]
async fn guard_binding(lock: &tokio::sync::Mutex<u32>) -> u32 {
    let _guard = lock.lock().await;
    let a = after(10, 1).await;
    let b = after(10, 2).await;
    a + b
}

#[tokio::test(start_paused = true)]
async fn an_underscore_guard_keeps_its_scope() {
    let lock = tokio::sync::Mutex::new(0);
    let (value, elapsed) = timed(guard_binding(&lock)).await;
    assert_eq!(value, 3);
    assert_eq!(elapsed, ms(10));
}

#[concurrent]
async fn nothing_to_join(seed: u32) -> u32 {
    let a = after(10, seed).await;
    let b = after(10, a + 1).await;
    b * 2
}

#[tokio::test(start_paused = true)]
async fn a_chain_compiles_to_the_original_body() {
    let (value, elapsed) = timed(nothing_to_join(1)).await;
    assert_eq!(value, 4);
    assert_eq!(elapsed, ms(20));
}

#[concurrent]
async fn two_tracked() -> u32 {
    let a = tracked(&CANCELLED_CALLS, 100).await;
    let b = tracked(&CANCELLED_CALLS, 100).await;
    a + b
}

#[tokio::test(start_paused = true)]
async fn cancelling_midway_may_leave_more_calls_started() {
    assert!(tokio::time::timeout(ms(50), two_tracked()).await.is_err());
    // Sequentially only the first would have started.
    assert_eq!(CANCELLED_CALLS.counts(), (2, 0));
}

/// Generated code names nothing the caller's scope can shadow.
mod hygiene {
    #![allow(dead_code, non_camel_case_types, non_upper_case_globals)]

    use async_hygiene::concurrent;

    mod core {}
    mod std {}
    mod tokio {}
    mod futures {}
    struct __AsyncHygieneFailure;
    struct Result;
    struct Ok;
    struct Err;
    const value: u8 = 0;
    const values: u8 = 0;
    const residual: u8 = 0;
    const failure: u8 = 0;

    async fn fetch(ms: u64, fail: bool) -> ::core::result::Result<u64, ::std::io::Error> {
        super::after(ms, ()).await;
        if fail {
            ::core::result::Result::Err(::std::io::ErrorKind::Other.into())
        } else {
            ::core::result::Result::Ok(ms)
        }
    }

    #[concurrent]
    pub(super) async fn shadowed(fail: bool) -> ::core::result::Result<u64, ::std::io::Error> {
        let __async_hygiene_0 = fetch(10, false).await?;
        let b = fetch(20, fail).await?;
        let c = fetch(30, false).await?;
        ::core::result::Result::Ok(__async_hygiene_0 + b + c)
    }
}

#[tokio::test(start_paused = true)]
async fn generated_names_cannot_be_shadowed() {
    let (sum, elapsed) = timed(hygiene::shadowed(false)).await;
    assert_eq!(sum.ok(), Some(60));
    // `__async_hygiene_0` starts with `_`: kept in place like a guard, then 20 || 30.
    assert_eq!(elapsed, ms(40));
    let (sum, elapsed) = timed(hygiene::shadowed(true)).await;
    assert!(sum.is_err());
    assert_eq!(elapsed, ms(30));
}
