//! A test suite written the obvious way: several paused-clock tests share one `static`
//! limit with a timeout, and one of them holds every permit while it does real work.
//!
//! Each `#[tokio::test]` has its own runtime, and `Limit::new` gives each runtime its own
//! permits, so no test waits for (or, its paused clock auto-advancing, times out on) the
//! permits another test holds. With one process-wide set of permits this suite failed about
//! two runs in three: see `a_process_wide_limit_is_shared_by_every_runtime` for that form.

use std::time::Duration;

use async_hygiene::bounded;
use async_hygiene::limit::{Limit, LimitTimeout, Scope};
use tokio::time::{sleep, Instant};

static DB: Limit = Limit::new("db", 2);

#[derive(Debug)]
enum DbError {
    Busy(LimitTimeout),
}

impl From<LimitTimeout> for DbError {
    fn from(timeout: LimitTimeout) -> Self {
        Self::Busy(timeout)
    }
}

#[bounded(limit = DB, timeout = "500ms")]
async fn query(id: u32) -> Result<u32, DbError> {
    sleep(Duration::from_millis(100)).await;
    Ok(id)
}

#[bounded(limit = DB, timeout = "500ms")]
async fn slow_report() -> Result<(), DbError> {
    sleep(Duration::from_secs(1)).await;
    Ok(())
}

/// Holds a connection while real (not timer) work runs, as a migration or a fixture does:
/// the permit is held for real milliseconds, while other tests' paused clocks run on.
#[bounded(limit = DB, timeout = "500ms")]
async fn migrate(step: u32) -> Result<u32, DbError> {
    let step = tokio::task::spawn_blocking(move || {
        std::thread::sleep(Duration::from_millis(20));
        step
    })
    .await
    .expect("the migration step does not panic");
    Ok(step)
}

#[tokio::test(start_paused = true)]
async fn a_migration_uses_both_connections() {
    for step in 0..10 {
        let (first, second) = tokio::join!(migrate(2 * step), migrate(2 * step + 1));
        assert_eq!((first.unwrap(), second.unwrap()), (2 * step, 2 * step + 1));
    }
}

#[tokio::test(start_paused = true)]
async fn a_third_caller_gives_up_after_500ms() {
    let reports = tokio::spawn(async { tokio::join!(slow_report(), slow_report()) });
    tokio::task::yield_now().await;
    assert_eq!((DB.in_flight(), DB.capacity()), (2, 2));
    let start = Instant::now();
    let busy = query(3).await;
    assert_eq!(start.elapsed(), Duration::from_millis(500));
    let Err(DbError::Busy(timeout)) = busy else {
        panic!("expected a timeout, got {busy:?}");
    };
    assert_eq!(
        timeout.to_string(),
        "no permit of limit `db` became free within 500ms (all 2 in use in this runtime)"
    );
    let (first, second) = reports.await.expect("the reports do not panic");
    assert!(first.is_ok() && second.is_ok());
}

async fn ten_queries_in_pairs() {
    let start = Instant::now();
    for id in 0..10 {
        let (a, b) = tokio::join!(query(id), query(id + 100));
        assert_eq!((a.unwrap(), b.unwrap()), (id, id + 100));
    }
    // Never waited for a permit: ten rounds of 100 ms.
    assert_eq!(start.elapsed(), Duration::from_secs(1));
    assert_eq!((DB.in_flight(), DB.waiting()), (0, 0));
}

#[tokio::test(start_paused = true)]
async fn queries_succeed_one() {
    ten_queries_in_pairs().await;
}

#[tokio::test(start_paused = true)]
async fn queries_succeed_two() {
    ten_queries_in_pairs().await;
}

#[tokio::test(start_paused = true)]
async fn queries_succeed_three() {
    ten_queries_in_pairs().await;
}

#[tokio::test(start_paused = true)]
async fn queries_succeed_four() {
    ten_queries_in_pairs().await;
}

#[tokio::test(start_paused = true)]
async fn a_third_concurrent_query_waits_its_turn() {
    let start = Instant::now();
    let (a, b, c) = tokio::join!(query(1), query(2), query(3));
    assert_eq!((a.unwrap(), b.unwrap(), c.unwrap()), (1, 2, 3));
    assert_eq!(start.elapsed(), Duration::from_millis(200));
}

/// Each runtime gets the limit's full capacity, and gives it back when it is dropped.
#[test]
fn each_runtime_has_its_own_permits() {
    static POOL: Limit = Limit::new("pool", 1);
    let first = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let second = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let held = first.block_on(async { POOL.try_acquire() });
    assert!(held.is_some());
    assert!(first.block_on(async { POOL.try_acquire() }).is_none());
    assert!(second.block_on(async { POOL.try_acquire() }).is_some());
    // Outside any runtime the gauges add up every runtime's.
    assert_eq!(POOL.in_flight(), 1);
    assert_eq!(first.block_on(async { POOL.in_flight() }), 1);
    assert_eq!(second.block_on(async { POOL.in_flight() }), 0);
    drop(held);
    assert_eq!(POOL.in_flight(), 0);
    assert_eq!(POOL.scope(), Scope::PerRuntime);
}

/// The explicit process-wide form: one set of permits for every runtime, and a timeout that
/// says where the holders may be.
#[test]
fn a_process_wide_limit_is_shared_by_every_runtime() {
    static CONNECTIONS: Limit = Limit::process_wide("connections", 1);
    let first = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    let second = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    let held = first.block_on(async { CONNECTIONS.try_acquire() });
    assert!(held.is_some());
    let timeout = second
        .block_on(CONNECTIONS.acquire_timeout(Duration::from_millis(500)))
        .expect_err("the only permit is held on the other runtime");
    assert_eq!(
        timeout.to_string(),
        "no permit of limit `connections` became free within 500ms (all 1 in use; the limit \
         is process-wide, so holders on other runtimes, such as other `#[tokio::test]`s of the \
         same binary, count too)"
    );
    drop(held);
    assert!(second
        .block_on(async { CONNECTIONS.try_acquire() })
        .is_some());
    assert_eq!(CONNECTIONS.scope(), Scope::Process);
}
