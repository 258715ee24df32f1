//! `#[bounded]` and the limit runtime, on tokio's paused clock where time is exact.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_hygiene::bounded;
use async_hygiene::limit::{self, Limit, LimitTimeout};
use futures::StreamExt as _;
use tokio::time::{sleep, Instant};

#[path = "support/concurrency.rs"]
mod concurrency;

use concurrency::Concurrency;

/// The limit `#[bounded(n)]` declared inside `it::bounded::<function>`; it registers itself on
/// the function's first call.
fn own_limit(function: &str) -> &'static Limit {
    let name = format!("it::bounded::{function}");
    limit::registered()
        .into_iter()
        .find(|limit| limit.name() == name)
        .unwrap_or_else(|| panic!("no registered limit named {name}"))
}

static TEN_THOUSAND: Concurrency = Concurrency::new();

#[bounded(8)]
async fn ten_ms_of_work(id: usize) -> usize {
    let _running = TEN_THOUSAND.enter();
    sleep(Duration::from_millis(10)).await;
    id
}

#[tokio::test(start_paused = true)]
async fn ten_thousand_callers_never_exceed_the_limit_and_take_exact_time() {
    let start = Instant::now();
    let tasks: Vec<_> = (0..10_000)
        .map(|id| tokio::spawn(ten_ms_of_work(id)))
        .collect();
    // The paused clock advances only once every task is idle: all 10,000 have called.
    sleep(Duration::from_millis(1)).await;
    let limit = own_limit("ten_ms_of_work");
    assert_eq!((limit.capacity(), limit.in_flight()), (8, 8));
    assert_eq!(limit.waiting(), 10_000 - 8);

    let mut sum = 0;
    for task in tasks {
        sum += task.await.expect("no body panics");
    }
    assert_eq!(sum, (0..10_000).sum::<usize>());
    assert_eq!(TEN_THOUSAND.peak(), 8);
    // 10,000 calls of 10 ms, 8 at a time: 1,250 rounds.
    assert_eq!(start.elapsed(), Duration::from_millis(12_500));
    assert_eq!((limit.in_flight(), limit.waiting()), (0, 0));
}

static ARRIVALS: Mutex<Vec<u32>> = Mutex::new(Vec::new());

#[bounded(1)]
async fn record_arrival(id: u32) {
    ARRIVALS.lock().expect("not poisoned").push(id);
    sleep(Duration::from_millis(1)).await;
}

#[tokio::test(start_paused = true)]
async fn waiters_are_served_first_come_first_served() {
    let mut tasks = Vec::new();
    for id in 0..20 {
        tasks.push(tokio::spawn(record_arrival(id)));
        // Let each caller queue before the next one starts.
        tokio::task::yield_now().await;
    }
    for task in tasks {
        task.await.expect("no body panics");
    }
    assert_eq!(
        *ARRIVALS.lock().expect("not poisoned"),
        (0..20).collect::<Vec<_>>()
    );
}

static STEPS: Limit = Limit::new("steps", 1);

/// Three await points in the body, one before it (the acquire).
#[bounded(limit = STEPS)]
async fn three_steps(done: &AtomicUsize) {
    sleep(Duration::from_millis(10)).await;
    sleep(Duration::from_millis(10)).await;
    tokio::task::yield_now().await;
    sleep(Duration::from_millis(10)).await;
    done.fetch_add(1, Ordering::SeqCst);
}

#[tokio::test(start_paused = true)]
async fn permits_come_back_after_cancellation_at_every_await_point() {
    let done = AtomicUsize::new(0);
    // Cancelled before the first poll: nothing acquired.
    drop(three_steps(&done));
    assert_eq!(STEPS.in_flight(), 0);

    // Cancelled inside the body, after each of its await points in turn.
    for cancel_after_ms in [0, 5, 10, 15, 20, 25] {
        let outcome =
            tokio::time::timeout(Duration::from_millis(cancel_after_ms), three_steps(&done)).await;
        assert!(outcome.is_err(), "cancelled after {cancel_after_ms} ms");
        assert_eq!((STEPS.in_flight(), STEPS.waiting()), (0, 0));
    }

    // Cancelled while queued for the permit.
    let holder = STEPS.acquire().await;
    let queued = tokio::time::timeout(Duration::from_millis(5), three_steps(&done)).await;
    assert!(queued.is_err());
    assert_eq!((STEPS.in_flight(), STEPS.waiting()), (1, 0));
    drop(holder);

    three_steps(&done).await;
    assert_eq!(done.load(Ordering::SeqCst), 1);
    assert_eq!(STEPS.in_flight(), 0);
}

static ABORTED: Limit = Limit::new("aborted", 1);

#[bounded(limit = ABORTED)]
async fn runs_until_aborted() {
    futures::future::pending::<()>().await;
}

#[tokio::test(start_paused = true)]
async fn permits_come_back_when_tasks_are_aborted() {
    let running = tokio::spawn(runs_until_aborted());
    let queued = tokio::spawn(runs_until_aborted());
    tokio::task::yield_now().await;
    assert_eq!((ABORTED.in_flight(), ABORTED.waiting()), (1, 1));

    queued.abort();
    assert!(queued.await.is_err_and(|error| error.is_cancelled()));
    assert_eq!((ABORTED.in_flight(), ABORTED.waiting()), (1, 0));
    running.abort();
    assert!(running.await.is_err_and(|error| error.is_cancelled()));
    assert_eq!((ABORTED.in_flight(), ABORTED.waiting()), (0, 0));
}

#[bounded(1)]
async fn panics_halfway(should_panic: bool) -> u8 {
    tokio::task::yield_now().await;
    assert!(!should_panic, "the body panicked on purpose");
    7
}

#[tokio::test(start_paused = true)]
async fn permits_come_back_after_panics() {
    for _ in 0..3 {
        let outcome = tokio::spawn(panics_halfway(true)).await;
        assert!(outcome.is_err_and(|error| error.is_panic()));
        assert_eq!(own_limit("panics_halfway").in_flight(), 0);
    }
    // A limit of 1 that leaked a single permit would hang here.
    assert_eq!(panics_halfway(false).await, 7);
}

#[derive(Debug, PartialEq)]
enum FetchError {
    Busy(LimitTimeout),
}

impl From<LimitTimeout> for FetchError {
    fn from(timeout: LimitTimeout) -> Self {
        Self::Busy(timeout)
    }
}

#[bounded(1, timeout = "50ms")]
async fn fetch_with_timeout(hold: Duration) -> Result<u8, FetchError> {
    sleep(hold).await;
    Ok(1)
}

#[bounded(1, timeout = Duration::from_millis(20))]
async fn read_file_with_timeout() -> std::io::Result<()> {
    sleep(Duration::from_millis(100)).await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_full_limit_times_out_into_the_functions_error_type() {
    let holder = tokio::spawn(fetch_with_timeout(Duration::from_millis(100)));
    tokio::task::yield_now().await;
    let start = Instant::now();
    let Err(FetchError::Busy(timeout)) = fetch_with_timeout(Duration::ZERO).await else {
        panic!("expected a timeout");
    };
    assert_eq!(start.elapsed(), Duration::from_millis(50));
    assert_eq!(timeout.timeout(), Duration::from_millis(50));
    assert!(timeout.limit_name().ends_with("::fetch_with_timeout"));
    assert_eq!(own_limit("fetch_with_timeout").waiting(), 0);
    assert_eq!(holder.await.expect("no panic"), Ok(1));
    // Free again: the next call gets the permit at once.
    assert_eq!(fetch_with_timeout(Duration::ZERO).await, Ok(1));

    let holder = tokio::spawn(read_file_with_timeout());
    tokio::task::yield_now().await;
    let error = read_file_with_timeout()
        .await
        .expect_err("the limit is full");
    assert_eq!(error.kind(), std::io::ErrorKind::TimedOut);
    holder.await.expect("no panic").expect("the holder ran");
}

// ---- methods, per-instance limits, generics, `impl Trait`, other attributes ----

struct Pool {
    limit: Limit,
    acquire_timeout: Duration,
    calls: AtomicUsize,
}

impl Pool {
    #[bounded(limit = self.limit)]
    async fn query(&self, sql: &str) -> usize {
        sleep(Duration::from_millis(10)).await;
        self.calls.fetch_add(1, Ordering::SeqCst);
        sql.len()
    }

    #[bounded(limit = self.limit, timeout = self.acquire_timeout)]
    async fn query_or_give_up(&self) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        sleep(Duration::from_millis(10)).await;
        Ok(())
    }

    #[bounded(2)]
    async fn bump(&mut self) -> usize {
        *self.calls.get_mut() += 1;
        *self.calls.get_mut()
    }
}

#[tokio::test(start_paused = true)]
async fn methods_can_use_a_limit_per_instance() {
    let pool = Pool {
        limit: Limit::new("pool", 2),
        acquire_timeout: Duration::from_millis(5),
        calls: AtomicUsize::new(0),
    };
    let start = Instant::now();
    let lengths =
        futures::future::join_all(["a", "bb", "ccc", "dddd"].map(|sql| pool.query(sql))).await;
    assert_eq!(lengths, [1, 2, 3, 4]);
    assert_eq!(start.elapsed(), Duration::from_millis(20));

    let (first, second, third) = tokio::join!(
        pool.query_or_give_up(),
        pool.query_or_give_up(),
        pool.query_or_give_up()
    );
    assert!(first.is_ok() && second.is_ok());
    let error = third.expect_err("the pool of 2 is full");
    assert!(error.is::<LimitTimeout>(), "{error}");

    let mut pool = pool;
    assert_eq!(pool.bump().await, 5);
}

static GENERIC_SEEN: Concurrency = Concurrency::new();

/// One limit for every `T`: the `static` inside a generic fn is not per instantiation.
#[bounded(1)]
async fn describe<T: std::fmt::Display + Send>(
    value: T,
    suffix: impl AsRef<str>,
) -> impl std::fmt::Display {
    let _running = GENERIC_SEEN.enter();
    sleep(Duration::from_millis(10)).await;
    format!("{value}{}", suffix.as_ref())
}

#[tokio::test(start_paused = true)]
async fn generic_fns_share_one_limit_across_instantiations() {
    let start = Instant::now();
    let (a, b, c) = tokio::join!(
        describe(1_u8, "!"),
        describe("x", String::from("?")),
        describe(2.5_f64, "")
    );
    assert_eq!(
        (a.to_string(), b.to_string(), c.to_string()),
        ("1!".into(), "x?".into(), "2.5".into())
    );
    assert_eq!(GENERIC_SEEN.peak(), 1);
    assert_eq!(start.elapsed(), Duration::from_millis(30));
    let named = limit::registered()
        .into_iter()
        .filter(|limit| limit.name() == "it::bounded::describe")
        .count();
    assert_eq!(named, 1);
}

#[async_trait::async_trait]
trait Store {
    async fn get(&self, key: u32) -> Option<u32>;
}

struct MemoryStore {
    gets: AtomicUsize,
}

#[async_trait::async_trait]
impl Store for MemoryStore {
    #[bounded(2)]
    async fn get(&self, key: u32) -> Option<u32> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        sleep(Duration::from_millis(10)).await;
        Some(key * 10)
    }
}

#[tokio::test(start_paused = true)]
async fn bounds_async_trait_methods() {
    let store: Arc<dyn Store + Send + Sync> = Arc::new(MemoryStore {
        gets: AtomicUsize::new(0),
    });
    let start = Instant::now();
    let values = futures::future::join_all((0..6).map(|key| store.get(key))).await;
    assert_eq!(values, (0..6).map(|key| Some(key * 10)).collect::<Vec<_>>());
    // 6 calls, 2 at a time, 10 ms each.
    assert_eq!(start.elapsed(), Duration::from_millis(30));
}

#[tracing::instrument]
#[bounded(2)]
async fn instrumented_outside(n: u32) -> u32 {
    sleep(Duration::from_millis(10)).await;
    n
}

#[bounded(2)]
#[tracing::instrument]
async fn instrumented_inside(n: u32) -> u32 {
    sleep(Duration::from_millis(10)).await;
    n
}

#[tokio::test(start_paused = true)]
async fn stacks_with_tracing_instrument_in_either_order() {
    let start = Instant::now();
    let outside = futures::future::join_all((0..4).map(instrumented_outside)).await;
    assert_eq!(start.elapsed(), Duration::from_millis(20));
    let inside = futures::future::join_all((0..4).map(instrumented_inside)).await;
    assert_eq!(start.elapsed(), Duration::from_millis(40));
    assert_eq!(outside, inside);
}

// `#[bounded]` goes above `#[tokio::test]`, which turns the fn into a sync one.
#[bounded(1)]
#[tokio::test(start_paused = true)]
async fn stacks_above_tokio_test() {
    assert_eq!(own_limit("stacks_above_tokio_test").in_flight(), 1);
}

const MAX_RESIZES: usize = 3;

#[bounded(MAX_RESIZES)]
async fn resize() {
    sleep(Duration::from_millis(10)).await;
}

#[tokio::test(start_paused = true)]
async fn capacity_can_be_a_const_path() {
    let start = Instant::now();
    futures::future::join_all((0..9).map(|_| resize())).await;
    assert_eq!(start.elapsed(), Duration::from_millis(30));
    assert_eq!(own_limit("resize").capacity(), MAX_RESIZES);
}

// ---- caller-side backpressure ----

#[tokio::test(start_paused = true)]
async fn map_creates_calls_lazily_with_at_most_n_alive() {
    let alive = Arc::new(Concurrency::default());
    let created = Arc::new(AtomicUsize::new(0));
    let calls = limit::map(0..1_000_u32, 10, |item| {
        created.fetch_add(1, Ordering::SeqCst);
        let running = alive.enter_owned();
        async move {
            let _running = running;
            sleep(Duration::from_millis(u64::from(item % 3) + 1)).await;
            item
        }
    })
    .expect("10 is a valid limit");
    assert_eq!(
        created.load(Ordering::SeqCst),
        0,
        "nothing happens until polled"
    );

    let mut outputs: Vec<u32> = calls.collect().await;
    outputs.sort_unstable();
    assert_eq!(outputs, (0..1_000).collect::<Vec<_>>());
    assert_eq!(alive.peak(), 10);
}

#[tokio::test(start_paused = true)]
async fn for_each_runs_everything_n_at_a_time() {
    let start = Instant::now();
    let finished = AtomicUsize::new(0);
    limit::for_each(0..100, 25, |_| async {
        sleep(Duration::from_millis(10)).await;
        finished.fetch_add(1, Ordering::SeqCst);
    })
    .await
    .expect("25 is a valid limit");
    assert_eq!(finished.load(Ordering::SeqCst), 100);
    assert_eq!(start.elapsed(), Duration::from_millis(40));
}

#[tokio::test]
async fn zero_in_flight_is_a_typed_error_not_a_hang() {
    let error = limit::for_each(0..3, 0, |_| async {})
        .await
        .expect_err("0 is rejected");
    assert_eq!(
        error,
        limit::LimitError::Zero {
            name: "limit::for_each"
        }
    );
    assert_eq!(
        error.to_string(),
        "limit `limit::for_each` must allow at least 1 call in flight; 0 would make every call wait forever"
    );
    assert!(limit::map_stream(futures::stream::iter([1]), 0, |x| async move { x }).is_err());
}

static SHARED_DB: Limit = Limit::new("shared_db", 4);

#[bounded(limit = SHARED_DB)]
async fn db_call() {
    sleep(Duration::from_millis(10)).await;
}

#[tokio::test(start_paused = true)]
async fn limit_map_shares_permits_with_bounded_functions() {
    let start = Instant::now();
    let peak = Arc::new(Concurrency::default());
    let batch = SHARED_DB.map(0..8, |_| {
        let peak = Arc::clone(&peak);
        async move {
            let _running = peak.enter_owned();
            sleep(Duration::from_millis(10)).await;
        }
    });
    // 4 `db_call`s and 8 batch items share 4 permits: 3 rounds of 10 ms.
    let ((), ()) = tokio::join!(
        async {
            futures::future::join_all((0..4).map(|_| db_call())).await;
        },
        batch.collect::<()>()
    );
    assert_eq!(start.elapsed(), Duration::from_millis(30));
    assert!(peak.peak() <= 4);
    assert_eq!(SHARED_DB.in_flight(), 0);
}

/// Its own limit: tests run in parallel, and a limit shared with another test would make
/// both timings depend on the interleaving.
static STREAM_DB: Limit = Limit::new("stream_db", 4);

#[tokio::test(start_paused = true)]
async fn limit_map_stream_takes_items_only_when_a_slot_frees() {
    let (sender, receiver) = tokio::sync::mpsc::channel::<u64>(1);
    let producer = tokio::spawn(async move {
        for item in 0..8 {
            sender.send(item).await.expect("the consumer is alive");
        }
    });
    let start = Instant::now();
    let items = tokio_stream_from(receiver);
    let mut outputs: Vec<u64> = STREAM_DB
        .map_stream(items, |item| async move {
            sleep(Duration::from_millis(10)).await;
            item * 2
        })
        .collect()
        .await;
    outputs.sort_unstable();
    assert_eq!(outputs, [0, 2, 4, 6, 8, 10, 12, 14]);
    // 8 items, 4 permits: two rounds.
    assert_eq!(start.elapsed(), Duration::from_millis(20));
    producer.await.expect("no panic");
}

/// An mpsc receiver as a stream, without the tokio-stream crate.
fn tokio_stream_from<T>(
    receiver: tokio::sync::mpsc::Receiver<T>,
) -> impl futures::Stream<Item = T> {
    futures::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    })
}

static UPLOADS: Limit = Limit::new("uploads", 3);

#[tokio::test(start_paused = true)]
async fn spawn_waits_for_a_permit_before_creating_the_task() {
    let start = Instant::now();
    let mut handles = Vec::new();
    for part in 0..9_u64 {
        handles.push(
            UPLOADS
                .spawn(async move {
                    sleep(Duration::from_millis(10)).await;
                    part
                })
                .await,
        );
        // The loop itself is held back: never more than 3 tasks exist.
        assert!(UPLOADS.in_flight() <= 3);
        assert!(handles.iter().filter(|h| !h.is_finished()).count() <= 3);
    }
    let mut total = 0;
    for handle in handles {
        total += handle.await.expect("no panic");
    }
    assert_eq!(total, 36);
    assert_eq!(start.elapsed(), Duration::from_millis(30));
    assert_eq!(UPLOADS.in_flight(), 0);
}

/// Generated code names only absolute `::async_hygiene::__private` paths and hygienic
/// locals, so none of these user items can capture or break it.
mod shadowing {
    #![allow(dead_code, non_upper_case_globals)]

    use ::async_hygiene::bounded;

    mod core {}
    mod std {}
    mod async_hygiene {}
    struct Duration;
    struct BoundedLimit;
    struct Limit;
    const permit: u8 = 0;
    const timeout: u8 = 0;
    const acquired: u8 = 0;
    type Result<T> = ::std::result::Result<T, ::std::io::Error>;

    #[bounded(2, timeout = "1s")]
    pub(super) async fn shadowed(x: u32) -> Result<u32> {
        Ok(x + 1)
    }
}

#[tokio::test(start_paused = true)]
async fn generated_code_ignores_the_users_names() {
    assert_eq!(shadowing::shadowed(1).await.expect("a free permit"), 2);
}

/// A capacity known only at run time: any place that derefs to a `Limit` works.
static CONFIGURED: std::sync::LazyLock<Limit> = std::sync::LazyLock::new(|| {
    let from_config = "3";
    Limit::try_new("configured", from_config.parse().unwrap_or(1)).expect("a valid capacity")
});

#[bounded(limit = CONFIGURED)]
async fn configured_call() {
    sleep(Duration::from_millis(10)).await;
}

struct Shared {
    limit: Arc<Limit>,
}

impl Shared {
    #[bounded(limit = self.limit)]
    async fn call(&self) {
        sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(start_paused = true)]
async fn limits_behind_lazy_lock_and_arc() {
    let start = Instant::now();
    futures::future::join_all((0..6).map(|_| configured_call())).await;
    assert_eq!(start.elapsed(), Duration::from_millis(20));

    let limit = Arc::new(Limit::new("arc", 1));
    let (a, b) = (
        Shared {
            limit: Arc::clone(&limit),
        },
        Shared { limit },
    );
    let start = Instant::now();
    tokio::join!(a.call(), b.call());
    assert_eq!(
        start.elapsed(),
        Duration::from_millis(20),
        "both instances share one permit"
    );
}

/// `#[offload]` above `#[bounded]` makes the sync fn async first, then bounds it: at most
/// two of these occupy blocking-pool threads at once.
#[async_hygiene::offload]
#[bounded(2)]
fn checksum(bytes: Vec<u8>) -> u32 {
    bytes.iter().map(|&b| u32::from(b)).sum()
}

#[tokio::test]
async fn stacks_below_offload() {
    let sums = futures::future::join_all((0..6_u8).map(|n| checksum(vec![n; 4]))).await;
    assert_eq!(sums, [0, 4, 8, 12, 16, 20]);
    let limit = own_limit("checksum");
    assert_eq!((limit.capacity(), limit.in_flight()), (2, 0));
}

static BY_HAND: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(8);

/// What `#[bounded(8)]` on `yields_once` replaces, written by hand.
async fn yields_once_by_hand(x: u64) -> u64 {
    let Ok(_permit) = BY_HAND.acquire().await else {
        unreachable!("never closed")
    };
    tokio::task::yield_now().await;
    x
}

#[bounded(8)]
async fn yields_once(x: u64) -> u64 {
    tokio::task::yield_now().await;
    x
}

#[bounded(limit = STEPS)]
async fn yields_once_on_a_shared_limit(x: u64) -> u64 {
    tokio::task::yield_now().await;
    x
}

/// The attribute's future is what the caller moves and tokio stores per task: it stays
/// within two words of the hand-written one (the limit and the runtime's pool), so a call
/// does not grow past the size that is copied inline.
#[test]
fn a_bounded_fn_future_is_no_larger_than_two_words_over_a_bare_semaphore() {
    let by_hand = std::mem::size_of_val(&yields_once_by_hand(1));
    let word = std::mem::size_of::<usize>();
    for (name, size) in [
        ("own limit", std::mem::size_of_val(&yields_once(1))),
        (
            "shared limit",
            std::mem::size_of_val(&yields_once_on_a_shared_limit(1)),
        ),
    ] {
        assert!(
            size <= by_hand + 2 * word,
            "{name}: {size} bytes against {by_hand} by hand"
        );
    }
}
