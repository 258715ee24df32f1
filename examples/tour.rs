//! A tour of the article's scenarios with real timers: each pitfall as written, then fixed
//! with one of the attributes, measured in this run.
//!
//! ```text
//! cargo run --example tour --features watchdog   # about 5 s; row 3 needs the feature
//! ```
//!
//! Every figure in the printed table is measured here, not quoted: latencies with
//! `Instant`, event-loop stalls as the longest gap between ticks of a 5 ms heartbeat task
//! sharing a current-thread runtime with the request, and memory with a counting
//! allocator.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_hygiene::{background, bounded, concurrent, limit, no_blocking, offload, watchdog};
use futures::StreamExt;
use tokio::time::sleep;

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

#[global_allocator]
static ALLOCATOR: counting_alloc::CountingAllocator = counting_alloc::CountingAllocator;

/// How long the simulated CPU-bound step spins (the article's `heavy_data_processing`).
const CPU_WORK: Duration = Duration::from_millis(200);
/// The heartbeat period used to see whether the event loop is free.
const HEARTBEAT: Duration = Duration::from_millis(5);

// ---------------------------------------------------------------------------------------
// The services the article's functions call, with the article's latencies.
// ---------------------------------------------------------------------------------------

mod services {
    use std::time::{Duration, Instant};

    use tokio::time::sleep;

    pub(crate) async fn get_user_profile(user: u64) -> String {
        sleep(Duration::from_millis(100)).await;
        format!("profile of user {user}")
    }

    pub(crate) async fn get_user_orders(user: u64) -> u64 {
        sleep(Duration::from_millis(150)).await;
        user % 11
    }

    pub(crate) async fn get_user_reviews(user: u64) -> u64 {
        sleep(Duration::from_millis(120)).await;
        user % 5
    }

    /// The analytics API through a sync HTTP client (`requests.get` in the article).
    pub(crate) fn blocking_analytics_get(user: u64) -> Vec<u64> {
        async_hygiene::allow_blocking!(
            "the tour's stand-in for a blocking client: the problem this example shows",
            std::thread::sleep(Duration::from_millis(80))
        );
        (0..1_000).map(|i| i * user).collect()
    }

    /// The same API through an async client.
    pub(crate) async fn analytics_get(user: u64) -> Vec<u64> {
        sleep(Duration::from_millis(80)).await;
        (0..1_000).map(|i| i * user).collect()
    }

    /// CPU-bound work that takes `super::CPU_WORK` whatever the build profile: the same
    /// checksum, recomputed until the time is up, so the result does not depend on speed.
    pub(crate) fn heavy_data_processing(data: &[u64]) -> u64 {
        let checksum = |data: &[u64]| {
            data.iter().fold(0_u64, |sum, value| {
                sum.wrapping_mul(31).wrapping_add(*value)
            })
        };
        let start = Instant::now();
        let result = checksum(data);
        while start.elapsed() < super::CPU_WORK {
            std::hint::black_box(checksum(std::hint::black_box(data)));
        }
        result % 1_000
    }

    /// The external log service: 50 ms per call.
    pub(crate) async fn send_logs_to_external_service(user: u64, sent: &super::AtomicUsize) {
        sleep(Duration::from_millis(50)).await;
        assert!(user > 0);
        sent.fetch_add(1, super::Ordering::SeqCst);
    }

    /// A sync helper in another module that does file-system work: no attribute on the
    /// async caller can see it, the watchdog can.
    pub(crate) fn load_settings() -> usize {
        async_hygiene::allow_blocking!(
            "the tour's stand-in for a blocking client: the problem this example shows",
            std::thread::sleep(Duration::from_millis(150))
        );
        42
    }
}

use services::{
    analytics_get, blocking_analytics_get, get_user_orders, get_user_profile, get_user_reviews,
    heavy_data_processing, send_logs_to_external_service,
};

static LOGS_SENT: AtomicUsize = AtomicUsize::new(0);

// ---------------------------------------------------------------------------------------
// 1. Sequential awaits.
// ---------------------------------------------------------------------------------------

#[path = "support/article_dashboard.rs"]
mod article_dashboard;

use article_dashboard::{dashboard, dashboard_as_written};

// ---------------------------------------------------------------------------------------
// 2. The article's user report: every pitfall at once, then every fix.
// ---------------------------------------------------------------------------------------

#[derive(Debug, PartialEq)]
struct Report {
    profile: String,
    orders: u64,
    reviews: u64,
    analytics: u64,
}

async fn report_as_written(user: u64) -> Report {
    let profile = get_user_profile(user).await;
    let orders = get_user_orders(user).await;
    let reviews = get_user_reviews(user).await;
    let data = blocking_analytics_get(user);
    let analytics = heavy_data_processing(&data);
    send_logs_to_external_service(user, &LOGS_SENT).await;
    Report {
        profile,
        orders,
        reviews,
        analytics,
    }
}

/// The CPU-bound step, moved to tokio's blocking pool.
#[offload]
fn process_analytics(data: Vec<u64>) -> u64 {
    heavy_data_processing(&data)
}

/// The log call, as tracked background work.
#[background]
async fn log_report_generation(user: u64) {
    send_logs_to_external_service(user, &LOGS_SENT).await;
}

#[no_blocking]
#[concurrent]
async fn report(user: u64) -> Report {
    let profile = get_user_profile(user).await;
    let orders = get_user_orders(user).await;
    let reviews = get_user_reviews(user).await;
    let data = analytics_get(user).await;
    let analytics = process_analytics(data).await;
    log_report_generation(user);
    Report {
        profile,
        orders,
        reviews,
        analytics,
    }
}

// ---------------------------------------------------------------------------------------
// 3. Blocking the compiler cannot see, caught by the watchdog.
// ---------------------------------------------------------------------------------------

#[no_blocking]
async fn start_session(user: u64) -> usize {
    // `#[no_blocking]` sees only this body; the sleep is inside `load_settings`.
    let settings = services::load_settings();
    sleep(Duration::from_millis(1)).await;
    settings + usize::try_from(user % 2).unwrap_or(0)
}

// ---------------------------------------------------------------------------------------
// 4. CPU-bound work with and without `#[offload]`.
// ---------------------------------------------------------------------------------------

// The pitfall itself: an async fn that never yields while it computes.
#[allow(clippy::unused_async)]
async fn checksum_inline(data: Vec<u64>) -> u64 {
    heavy_data_processing(&data)
}

// ---------------------------------------------------------------------------------------
// 5. Awaited logging against `#[background]`.
// ---------------------------------------------------------------------------------------

async fn handle_request_awaiting_log(user: u64) -> String {
    let profile = get_user_profile(user).await;
    send_logs_to_external_service(user, &LOGS_SENT).await;
    profile
}

async fn handle_request(user: u64) -> String {
    let profile = get_user_profile(user).await;
    log_report_generation(user);
    profile
}

// ---------------------------------------------------------------------------------------
// 6. 10,000 fetches.
// ---------------------------------------------------------------------------------------

const FETCHES: u64 = 10_000;
const FETCH_LIMIT: usize = 50;

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
static PEAK_IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// A fetch: a 1 KiB response buffer held across a 5 ms wait.
async fn fetch_item(id: u64) -> u64 {
    let now = IN_FLIGHT.fetch_add(1, Ordering::Relaxed) + 1;
    PEAK_IN_FLIGHT.fetch_max(now, Ordering::Relaxed);
    let mut response = vec![0_u8; 1024];
    sleep(Duration::from_millis(5)).await;
    response[0] = u8::try_from(id % 251).unwrap_or(0);
    IN_FLIGHT.fetch_sub(1, Ordering::Relaxed);
    u64::from(response[0])
}

/// The same fetch with its execution capped: the limit the article's semaphore gives.
#[bounded(FETCH_LIMIT)]
async fn fetch_item_bounded(id: u64) -> u64 {
    fetch_item(id).await
}

// ---------------------------------------------------------------------------------------
// Measurement.
// ---------------------------------------------------------------------------------------

/// What one run of a request looked like from the event loop's point of view.
struct Observed<T> {
    output: T,
    latency: Duration,
    /// The longest time the heartbeat task waited for the loop.
    longest_stall: Duration,
    heartbeats: usize,
}

/// Runs `request` on the current (current-thread) runtime next to a heartbeat task.
async fn observe<F: Future>(request: F) -> Observed<F::Output> {
    struct Beats {
        count: usize,
        last: Instant,
        longest_gap: Duration,
    }
    let beats = Arc::new(Mutex::new(Beats {
        count: 0,
        last: Instant::now(),
        longest_gap: Duration::ZERO,
    }));
    let heartbeat = tokio::spawn({
        let beats = Arc::clone(&beats);
        async move {
            loop {
                sleep(HEARTBEAT).await;
                let now = Instant::now();
                let mut beats = beats.lock().expect("heartbeat lock");
                beats.count += 1;
                beats.longest_gap = beats.longest_gap.max(now - beats.last);
                beats.last = now;
            }
        }
    });
    // Let the heartbeat start before the request does.
    tokio::task::yield_now().await;
    let start = Instant::now();
    beats.lock().expect("heartbeat lock").last = start;
    let output = request.await;
    let latency = start.elapsed();
    heartbeat.abort();
    let beats = beats.lock().expect("heartbeat lock");
    // The gap still open when the request finished counts too.
    let longest_gap = beats.longest_gap.max(beats.last.elapsed());
    Observed {
        output,
        latency,
        longest_stall: longest_gap.saturating_sub(HEARTBEAT),
        heartbeats: beats.count,
    }
}

fn ms(duration: Duration) -> String {
    format!("{:.0} ms", duration.as_secs_f64() * 1e3)
}

#[allow(clippy::cast_precision_loss)] // display figures
fn mib(bytes: usize) -> String {
    format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0))
}

#[allow(clippy::cast_precision_loss)] // display figures
fn times_less(before: usize, after: usize) -> String {
    format!("{:.0}× less", before as f64 / after.max(1) as f64)
}

fn faster(before: Duration, after: Duration) -> String {
    let saved = 1.0 - after.as_secs_f64() / before.as_secs_f64();
    format!("{:.0}% faster", saved * 100.0)
}

struct Table {
    rows: Vec<[String; 5]>,
}

impl Table {
    fn row(&mut self, scenario: &str, metric: &str, before: String, after: String, gain: String) {
        self.rows
            .push([scenario.to_owned(), metric.to_owned(), before, after, gain]);
    }

    fn print(&self) {
        let header = ["scenario", "metric", "before", "after", "improvement"];
        let mut widths = header.map(str::len);
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |cells: &[String; 5]| {
            let padded: Vec<String> = cells
                .iter()
                .zip(widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect();
            println!("| {} |", padded.join(" | "));
        };
        line(&header.map(str::to_owned));
        println!(
            "|{}|",
            widths
                .iter()
                .map(|width| "-".repeat(width + 2))
                .collect::<Vec<_>>()
                .join("|")
        );
        for row in &self.rows {
            line(row);
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let tour_start = Instant::now();
    let mut table = Table { rows: Vec::new() };

    println!("1/6 dashboard: three independent awaits");
    let before = observe(dashboard_as_written(42)).await;
    let after = observe(dashboard(42)).await;
    assert_eq!(before.output, after.output, "same dashboard either way");
    table.row(
        "1 dashboard (article: 450 → 200 ms)",
        "latency",
        ms(before.latency),
        ms(after.latency),
        faster(before.latency, after.latency),
    );

    println!("2/6 user report: every pitfall at once");
    let before = observe(report_as_written(42)).await;
    let after = observe(report(42)).await;
    assert_eq!(before.output, after.output, "same report either way");
    table.row(
        "2 user report (all fixes)",
        "latency",
        ms(before.latency),
        ms(after.latency),
        faster(before.latency, after.latency),
    );
    table.row(
        "",
        "longest event-loop stall",
        ms(before.longest_stall),
        ms(after.longest_stall),
        "the loop keeps serving other tasks".to_owned(),
    );

    println!("3/6 a blocking call hidden in a sync helper");
    let watched = watch_hidden_blocking().await;
    table.row(
        "3 hidden blocking (watchdog)",
        "slow polls reported",
        "unnoticed".to_owned(),
        watched.0,
        watched.1,
    );

    println!("4/6 CPU-bound work on the event loop");
    let data: Vec<u64> = (0..1_000).collect();
    let before = observe(checksum_inline(data.clone())).await;
    let after = observe(process_analytics(data)).await;
    assert_eq!(before.output, after.output, "same checksum either way");
    table.row(
        "4 CPU work (#[offload])",
        "heartbeats served in 200 ms",
        before.heartbeats.to_string(),
        after.heartbeats.to_string(),
        format!(
            "loop stalled {} → {}",
            ms(before.longest_stall),
            ms(after.longest_stall)
        ),
    );

    println!("5/6 awaiting a log call");
    let before = observe(handle_request_awaiting_log(7)).await;
    let after = observe(handle_request(7)).await;
    assert_eq!(before.output, after.output, "same response either way");
    let report = async_hygiene::shutdown(Duration::from_secs(5)).await;
    assert!(report.is_clean(), "every log line delivered: {report}");
    table.row(
        "5 logging (#[background])",
        "response latency",
        ms(before.latency),
        ms(after.latency),
        format!(
            "{}; shutdown: {} completed, {} abandoned",
            faster(before.latency, after.latency),
            report.completed,
            report.abandoned
        ),
    );

    println!("6/6 10,000 fetches");
    let (unbounded, bounded) = ten_thousand_fetches().await;
    table.row(
        "6 10,000 fetches",
        "peak in flight",
        unbounded.0.to_string(),
        bounded.0.to_string(),
        format!("capped at {FETCH_LIMIT}"),
    );
    table.row(
        "",
        "peak heap",
        mib(unbounded.1),
        mib(bounded.1),
        times_less(unbounded.1, bounded.1),
    );
    table.row(
        "",
        "wall time",
        ms(unbounded.2),
        ms(bounded.2),
        "the price of the cap".to_owned(),
    );

    println!();
    table.print();
    println!("\ntour finished in {}", ms(tour_start.elapsed()));
}

/// Runs `start_session` with the watchdog on, and describes what it reported.
async fn watch_hidden_blocking() -> (String, String) {
    watchdog::set_threshold(Duration::from_millis(50));
    let (session, reports) = watchdog::collect(observe(start_session(3))).await;
    assert_eq!(session.output, 43);
    let reports = reports.of("start_session");
    let count = reports.len();
    match reports.last() {
        Some(report) => (
            count.to_string(),
            format!(
                "names `{}`, {}:{}-{} ({})",
                report.function.rsplit("::").next().unwrap_or_default(),
                report.file,
                report.line,
                // The stretch the poll ran: from the fn's start to the await it reached.
                match report.stretch.to {
                    watchdog::Point::Await { line, .. } => line.to_string(),
                    _ => "return".to_owned(),
                },
                ms(report.duration)
            ),
        ),
        None => (
            count.to_string(),
            "not compiled in: run with --features watchdog".to_owned(),
        ),
    }
}

type FetchFigures = (usize, usize, Duration);

/// The article's "10,000 fetches" unbounded (every task spawned at once) and through the
/// lazy bounded helper over the `#[bounded]` fn: peak in flight, peak heap, wall time.
async fn ten_thousand_fetches() -> (FetchFigures, FetchFigures) {
    PEAK_IN_FLIGHT.store(0, Ordering::Relaxed);
    counting_alloc::reset_peak();
    let base = counting_alloc::live_bytes();
    let start = Instant::now();
    let tasks: Vec<_> = (0..FETCHES)
        .map(|id| tokio::spawn(fetch_item(id)))
        .collect();
    let mut unbounded_sum = 0;
    for task in tasks {
        unbounded_sum += task.await.expect("fetch task");
    }
    let unbounded = (
        PEAK_IN_FLIGHT.load(Ordering::Relaxed),
        counting_alloc::peak_bytes() - base,
        start.elapsed(),
    );

    PEAK_IN_FLIGHT.store(0, Ordering::Relaxed);
    counting_alloc::reset_peak();
    let base = counting_alloc::live_bytes();
    let start = Instant::now();
    let bounded_sum: u64 = limit::map(0..FETCHES, FETCH_LIMIT, fetch_item_bounded)
        .expect("a non-zero limit")
        .fold(0, |sum, value| async move { sum + value })
        .await;
    let bounded = (
        PEAK_IN_FLIGHT.load(Ordering::Relaxed),
        counting_alloc::peak_bytes() - base,
        start.elapsed(),
    );
    assert_eq!(unbounded_sum, bounded_sum, "same results either way");
    (unbounded, bounded)
}
