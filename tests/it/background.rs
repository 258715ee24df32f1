//! `#[background]`, the registry and `shutdown`: completion, deadlines, panics, scoping,
//! limits. Times are asserted only on tokio's paused clock, where they are exact.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use async_hygiene::limit::{self, Limit};
use async_hygiene::registry::{BackgroundError, Registry};
use async_hygiene::{background, bounded, shutdown};
use tokio::time::{sleep, Instant};

#[path = "support/concurrency.rs"]
mod concurrency;

use concurrency::Concurrency;

#[background]
async fn count_after(delay: Duration, counter: Arc<AtomicUsize>) {
    sleep(delay).await;
    counter.fetch_add(1, Ordering::SeqCst);
}

#[background]
async fn slow_report(delay: Duration) {
    sleep(delay).await;
}

#[background]
async fn add(a: u64, b: u64) -> u64 {
    sleep(Duration::from_millis(5)).await;
    a + b
}

#[background]
async fn explode(message: String) {
    tokio::task::yield_now().await;
    panic!("{message}");
}

#[tokio::test(start_paused = true)]
async fn returns_at_once_and_the_handle_yields_the_output() {
    let started = Instant::now();
    let handle = add(2, 3);
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(handle.name(), "add");
    assert_eq!(handle.await, Ok(5));
    assert_eq!(started.elapsed(), Duration::from_millis(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_ignored_calls_all_complete_before_shutdown_returns() {
    let counter = Arc::new(AtomicUsize::new(0));
    for i in 0..10_000_u64 {
        // Ignoring the handle is the normal use, and warns about nothing.
        count_after(Duration::from_micros(i % 50), Arc::clone(&counter));
    }
    let report = shutdown(Duration::from_secs(60)).await;
    assert_eq!(counter.load(Ordering::SeqCst), 10_000);
    assert_eq!(report.completed, 10_000);
    assert_eq!((report.panicked, report.abandoned), (0, 0));
    assert!(report.is_clean());
}

#[tokio::test(start_paused = true)]
async fn shutdown_with_everything_done_returns_at_once() {
    let counter = Arc::new(AtomicUsize::new(0));
    count_after(Duration::from_millis(10), Arc::clone(&counter));
    count_after(Duration::from_millis(20), Arc::clone(&counter));
    sleep(Duration::from_millis(30)).await;
    let started = Instant::now();
    let report = shutdown(Duration::from_secs(5)).await;
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(report.completed, 2);
    assert!(report.is_clean());
}

#[tokio::test(start_paused = true)]
async fn stragglers_are_abandoned_exactly_at_the_deadline_and_named() {
    let counter = Arc::new(AtomicUsize::new(0));
    count_after(Duration::from_millis(300), Arc::clone(&counter));
    slow_report(Duration::from_secs(3600));
    slow_report(Duration::from_secs(7200));
    let handle = count_after(Duration::from_secs(10), Arc::clone(&counter));

    let started = Instant::now();
    let report = shutdown(Duration::from_secs(1)).await;
    assert_eq!(started.elapsed(), Duration::from_secs(1));
    assert_eq!(report.completed, 1);
    assert_eq!(report.abandoned, 3);
    assert_eq!(
        report.abandoned_names,
        ["count_after", "slow_report", "slow_report"]
    );
    assert_eq!(
        report.to_string(),
        "1 completed, 0 panicked, 3 abandoned (count_after, slow_report ×2)"
    );
    assert_eq!(
        handle.await,
        Err(BackgroundError::Abandoned { job: "count_after" })
    );
    assert_eq!(counter.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn calls_after_shutdown_are_rejected_not_lost_silently() {
    let report = shutdown(Duration::from_secs(1)).await;
    assert!(report.is_clean());
    assert_eq!(
        add(1, 1).await,
        Err(BackgroundError::Rejected { job: "add" })
    );
    let report = shutdown(Duration::from_secs(1)).await;
    assert_eq!(report.rejected, 1);
}

#[background]
async fn fan_out(children: usize, counter: Arc<AtomicUsize>) {
    // Started while shutdown is already waiting: still accepted and waited for, because
    // it comes from inside a job of the registry being shut down.
    sleep(Duration::from_millis(100)).await;
    for _ in 0..children {
        count_after(Duration::from_millis(100), Arc::clone(&counter));
    }
    async_hygiene::registry::spawn("plain_child", {
        let counter = Arc::clone(&counter);
        async move {
            sleep(Duration::from_millis(500)).await;
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
}

#[tokio::test(start_paused = true)]
async fn work_started_inside_background_work_is_tracked_too() {
    let counter = Arc::new(AtomicUsize::new(0));
    fan_out(5, Arc::clone(&counter));
    let started = Instant::now();
    let report = shutdown(Duration::from_secs(10)).await;
    assert_eq!(started.elapsed(), Duration::from_millis(600));
    assert_eq!(counter.load(Ordering::SeqCst), 6);
    assert_eq!(report.completed, 7);
    assert!(report.is_clean());
}

#[test]
fn registries_of_parallel_runtimes_never_wait_for_each_other() {
    let (blocked_tx, blocked_rx) = std::sync::mpsc::channel::<()>();
    let (release_tx, release_rx) = tokio::sync::oneshot::channel::<()>();
    let other = std::thread::spawn(move || {
        current_thread_runtime().block_on(async move {
            let pending = never_finishes_until(release_rx);
            blocked_tx.send(()).unwrap();
            // Released only after the main runtime's shutdown has returned.
            assert_eq!(pending.await, Ok(()));
            // That shutdown neither closed nor drained this runtime's registry.
            assert_eq!(add(2, 2).await, Ok(4));
            let report = shutdown(Duration::from_secs(60)).await;
            assert_eq!((report.completed, report.rejected), (2, 0));
        });
    });
    blocked_rx.recv().unwrap();
    current_thread_runtime().block_on(async {
        let counter = Arc::new(AtomicUsize::new(0));
        count_after(Duration::from_millis(1), Arc::clone(&counter));
        // Returns as soon as *this* runtime's job is done, although the other runtime's
        // job is still pending.
        let report = shutdown(Duration::from_secs(3600)).await;
        assert_eq!(report.completed, 1);
        assert!(report.is_clean());
    });
    release_tx.send(()).unwrap();
    other.join().unwrap();
}

#[background]
async fn never_finishes_until(release: tokio::sync::oneshot::Receiver<()>) {
    let _ = release.await;
}

fn current_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

static RUNNING: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

const MAX_UPLOADS: usize = 3;

#[background(limit = MAX_UPLOADS)]
async fn upload(id: usize) -> usize {
    let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
    PEAK.fetch_max(now, Ordering::SeqCst);
    sleep(Duration::from_secs(1)).await;
    RUNNING.fetch_sub(1, Ordering::SeqCst);
    id
}

#[tokio::test(start_paused = true)]
async fn limit_makes_the_call_wait_for_a_slot() {
    let started = Instant::now();
    let mut handles = Vec::new();
    for id in 0..30 {
        // The call itself waits: the 4th caller resumes when the 1st job has ended.
        handles.push(upload(id).await);
        // Memory stays bounded: no job is created, let alone queued, beyond the limit.
        assert!(Registry::of_current_runtime().running() <= MAX_UPLOADS);
    }
    // 30 jobs, 3 at a time, 1 s each: the last one got its slot after 9 s.
    assert_eq!(started.elapsed(), Duration::from_secs(9));
    for (id, handle) in handles.into_iter().enumerate() {
        assert_eq!(handle.await, Ok(id));
    }
    assert_eq!(started.elapsed(), Duration::from_secs(10));
    assert_eq!(PEAK.load(Ordering::SeqCst), MAX_UPLOADS);
}

static DB: Limit = Limit::new("db", 2);

#[background(limit = DB)]
async fn flush_to_db(batch: u32) -> u32 {
    sleep(Duration::from_secs(1)).await;
    batch
}

#[bounded(limit = DB)]
async fn query_db() -> Instant {
    Instant::now()
}

/// `limit = DB` with a shared `static Limit`: the jobs hold its permits from spawn to end,
/// and a `#[bounded(limit = DB)]` function waits behind them.
#[tokio::test(start_paused = true)]
async fn a_shared_limit_is_held_by_jobs_and_bounded_calls_alike() {
    let started = Instant::now();
    let first = flush_to_db(1).await;
    let second = flush_to_db(2).await;
    assert_eq!((DB.in_flight(), DB.capacity()), (2, 2));
    // Both permits are held by the jobs: the query runs once the first job ends.
    assert_eq!(query_db().await - started, Duration::from_secs(1));
    assert_eq!((first.await, second.await), (Ok(1), Ok(2)));
    assert_eq!(DB.in_flight(), 0);
}

#[background(limit = 2)]
async fn resize(id: u32) -> u32 {
    sleep(Duration::from_secs(1)).await;
    id
}

/// A count gives the function its own `Limit`, named and registered like `#[bounded(n)]`'s.
#[tokio::test(start_paused = true)]
async fn a_count_is_the_functions_own_registered_limit() {
    let first = resize(1).await;
    let own = limit::registered()
        .into_iter()
        .find(|limit| limit.name() == "it::background::resize")
        .expect("registered on the first call");
    assert_eq!((own.capacity(), own.in_flight(), own.waiting()), (2, 1, 0));
    let second = resize(2).await;
    assert_eq!(own.in_flight(), 2);
    let third = tokio::spawn(resize(3));
    tokio::task::yield_now().await;
    assert_eq!((own.in_flight(), own.waiting()), (2, 1));
    assert_eq!((first.await, second.await), (Ok(1), Ok(2)));
    assert_eq!(third.await.expect("the call does not panic").await, Ok(3));
    assert_eq!((own.in_flight(), own.waiting()), (0, 0));
}

static MAILER: LazyLock<Registry> = LazyLock::new(Registry::new);

#[background(registry = MAILER)]
async fn send_mail(to: String) -> String {
    sleep(Duration::from_secs(2)).await;
    to
}

#[tokio::test(start_paused = true)]
async fn an_explicit_registry_shuts_down_on_its_own() {
    let counter = Arc::new(AtomicUsize::new(0));
    count_after(Duration::from_secs(5), Arc::clone(&counter));
    let mail = send_mail("ops@example.com".to_owned());
    assert_eq!(MAILER.running(), 1);

    let started = Instant::now();
    let report = MAILER.shutdown(Duration::from_secs(60)).await;
    assert_eq!(started.elapsed(), Duration::from_secs(2));
    assert_eq!(report.completed, 1);
    assert_eq!(mail.await.as_deref(), Ok("ops@example.com"));
    // The default registry was neither waited for nor closed.
    assert_eq!(counter.load(Ordering::SeqCst), 0);
    assert!(!Registry::of_current_runtime().is_shut_down());
    assert_eq!(shutdown(Duration::from_secs(60)).await.completed, 1);
}

struct Mailbox {
    delivered: Mutex<Vec<String>>,
}

impl Mailbox {
    #[background]
    async fn deliver(self: Arc<Self>, (to, body): (String, String)) -> usize {
        tokio::task::yield_now().await;
        let mut delivered = self.delivered.lock().unwrap();
        delivered.push(format!("{to}: {body}"));
        delivered.len()
    }
}

#[background]
async fn largest<T>(mut items: Vec<T>) -> Option<T>
where
    T: Ord + Send + 'static,
{
    items.sort();
    items.pop()
}

#[background]
async fn parse_port(text: String) -> Result<u16, std::num::ParseIntError> {
    let port = text.trim().parse()?;
    Ok(port)
}

#[background]
async fn describe(id: u32) -> impl std::fmt::Display + Send {
    format!("job {id}")
}

#[tokio::test]
async fn methods_generics_patterns_question_mark_and_impl_trait_keep_working() {
    let mailbox = Arc::new(Mailbox {
        delivered: Mutex::new(Vec::new()),
    });
    let delivered = Arc::clone(&mailbox).deliver(("ana".into(), "hi".into()));
    assert_eq!(delivered.await, Ok(1));
    assert_eq!(mailbox.delivered.lock().unwrap()[0], "ana: hi");
    assert_eq!(largest(vec![3, 9, 4]).await, Ok(Some(9)));
    assert_eq!(parse_port(" 8080 ".into()).await, Ok(Ok(8080)));
    assert!(parse_port("http".into()).await.unwrap().is_err());
    assert_eq!(describe(7).await.unwrap().to_string(), "job 7");
}

/// Sets a flag when dropped.
struct DropFlag(Arc<AtomicUsize>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[background]
async fn hold(_: DropFlag, unused: DropFlag, delay: Duration) {
    sleep(delay).await;
}

#[tokio::test(start_paused = true)]
async fn arguments_live_until_the_job_ends_even_if_unused() {
    let drops = Arc::new(AtomicUsize::new(0));
    let handle = hold(
        DropFlag(Arc::clone(&drops)),
        DropFlag(Arc::clone(&drops)),
        Duration::from_secs(1),
    );
    sleep(Duration::from_millis(999)).await;
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    handle.await.unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_panicking_job_can_be_rethrown_by_an_interested_caller() {
    let outcome = AssertUnwindSafe(async {
        match explode("rethrown".to_owned()).await {
            Err(BackgroundError::Panicked { message, .. }) => std::panic::panic_any(message),
            other => other,
        }
    });
    let payload = futures::FutureExt::catch_unwind(outcome).await.unwrap_err();
    assert_eq!(payload.downcast_ref::<String>().unwrap(), "rethrown");
}

#[background(limit = 1)]
async fn exclusive(fail: bool) -> &'static str {
    sleep(Duration::from_secs(1)).await;
    assert!(!fail, "exclusive job failed");
    "done"
}

#[tokio::test(start_paused = true)]
async fn a_slot_comes_back_after_a_panic_and_after_a_cancelled_wait() {
    let failing = exclusive(true).await;
    // This caller gives up while waiting for the slot: nothing leaks.
    let gave_up = tokio::time::timeout(Duration::from_millis(500), exclusive(false)).await;
    assert!(gave_up.is_err());
    assert!(matches!(
        failing.await,
        Err(BackgroundError::Panicked {
            job: "exclusive",
            ..
        })
    ));
    let started = Instant::now();
    let next = exclusive(false).await;
    assert_eq!(
        started.elapsed(),
        Duration::ZERO,
        "the slot was free at once"
    );
    assert!(!next.is_finished());
    assert_eq!(next.await, Ok("done"));
}

static INDEXING: Concurrency = Concurrency::new();

/// `#[bounded]` above `#[background]`: every call spawns at once, and at most two bodies
/// run at a time (the limit bounds execution; `limit = n` would bound the spawning).
#[async_hygiene::bounded(2)]
#[background]
async fn reindex(delay: Duration) {
    let _running = INDEXING.enter();
    sleep(delay).await;
}

#[tokio::test(start_paused = true)]
async fn bounded_above_background_bounds_the_jobs_bodies() {
    let started = Instant::now();
    for _ in 0..10 {
        reindex(Duration::from_millis(10));
    }
    assert_eq!(
        started.elapsed(),
        Duration::ZERO,
        "each call returned at once"
    );
    let report = shutdown(Duration::from_secs(1)).await;
    assert_eq!(report.completed, 10);
    // 10 bodies of 10 ms, 2 at a time.
    assert_eq!(started.elapsed(), Duration::from_millis(50));
    assert_eq!(INDEXING.peak(), 2);
}

/// `#[offload]` above `#[background]`: CPU-heavy work, tracked, that the caller does not
/// await. `#[offload]` makes the sync fn async first; `#[background]` then spawns it.
#[async_hygiene::offload]
#[background]
fn checksum_later(bytes: Vec<u8>) -> u64 {
    bytes.iter().map(|&byte| u64::from(byte)).sum()
}

#[tokio::test]
async fn offload_above_background_spawns_tracked_blocking_work() {
    let handle = checksum_later(vec![1, 2, 3]);
    assert_eq!(handle.name(), "checksum_later");
    checksum_later(vec![4]);
    let report = shutdown(Duration::from_secs(60)).await;
    assert_eq!((report.completed, report.abandoned), (2, 0));
    assert_eq!(handle.await, Ok(6));
}

#[background(limit = 1)]
async fn single_lane(delay: Duration) -> Duration {
    sleep(delay).await;
    delay
}

#[tokio::test(start_paused = true)]
async fn a_caller_still_waiting_for_a_slot_at_shutdown_is_rejected() {
    let running = single_lane(Duration::from_secs(1)).await;
    let waiting = tokio::spawn(single_lane(Duration::from_secs(1)));
    tokio::task::yield_now().await;
    assert!(!waiting.is_finished(), "the only slot is taken");

    let started = Instant::now();
    let report = shutdown(Duration::from_secs(10)).await;
    // Shutdown waited for the running job only; the waiting caller got the slot after it
    // and was refused rather than started.
    assert_eq!(started.elapsed(), Duration::from_secs(1));
    assert_eq!((report.completed, report.abandoned), (1, 0));
    assert_eq!(running.await, Ok(Duration::from_secs(1)));
    let refused = waiting.await.expect("the caller does not panic");
    assert_eq!(
        refused.await,
        Err(BackgroundError::Rejected { job: "single_lane" })
    );
    assert_eq!(shutdown(Duration::ZERO).await.rejected, 1);
}
