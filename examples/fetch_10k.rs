//! The article's "10,000 fetches", four ways: how many fetches are in flight at once, and how
//! much heap the program holds at its peak.
//!
//! ```text
//! cargo run --release --example fetch_10k
//! ```
//!
//! Each simulated fetch holds a 1 KiB response buffer across a 5 ms await, like a real
//! request would. The point to read in the output: `#[bounded]` caps *execution* (in
//! flight) but not *creation* (memory); the caller-side helpers cap both.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_hygiene::bounded;
use async_hygiene::limit::{self, Limit};

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

#[global_allocator]
static ALLOCATOR: counting_alloc::CountingAllocator = counting_alloc::CountingAllocator;

const FETCHES: usize = 10_000;
const LIMIT: usize = 50;

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
static PEAK_IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// A fetch: a 1 KiB buffer held across a 5 ms wait.
async fn fetch(url: usize) -> usize {
    let now = IN_FLIGHT.fetch_add(1, Ordering::Relaxed) + 1;
    PEAK_IN_FLIGHT.fetch_max(now, Ordering::Relaxed);
    let mut response = vec![0_u8; 1024];
    tokio::time::sleep(Duration::from_millis(5)).await;
    response[0] = u8::try_from(url % 256).unwrap_or_default();
    IN_FLIGHT.fetch_sub(1, Ordering::Relaxed);
    usize::from(std::hint::black_box(response)[0])
}

#[bounded(50)]
async fn bounded_fetch(url: usize) -> usize {
    fetch(url).await
}

static FETCH_SLOTS: Limit = Limit::new("fetch", LIMIT);

struct Outcome {
    peak_in_flight: usize,
    peak_heap: usize,
    elapsed: Duration,
    checksum: usize,
}

async fn measure<F: std::future::Future<Output = usize>>(scenario: F) -> Outcome {
    PEAK_IN_FLIGHT.store(0, Ordering::Relaxed);
    let baseline = counting_alloc::live_bytes();
    counting_alloc::reset_peak();
    let start = Instant::now();
    let checksum = scenario.await;
    Outcome {
        peak_in_flight: PEAK_IN_FLIGHT.load(Ordering::Relaxed),
        peak_heap: counting_alloc::peak_bytes().saturating_sub(baseline),
        elapsed: start.elapsed(),
        checksum,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let expected: usize = (0..FETCHES).map(|url| url % 256).sum();
    println!("{FETCHES} fetches of 5 ms holding 1 KiB each; limit {LIMIT}\n");
    println!(
        "{:<58} {:>10} {:>12} {:>9}",
        "scenario", "in flight", "peak heap", "time"
    );

    let scenarios: [(&str, Outcome); 5] = [
        (
            "unbounded: join_all(urls.map(fetch))",
            measure(async {
                futures::future::join_all((0..FETCHES).map(fetch))
                    .await
                    .into_iter()
                    .sum()
            })
            .await,
        ),
        (
            "#[bounded(50)], every call spawned first",
            measure(async {
                let tasks: Vec<_> = (0..FETCHES)
                    .map(|url| tokio::spawn(bounded_fetch(url)))
                    .collect();
                let mut sum = 0;
                for task in tasks {
                    sum += task.await.unwrap_or_default();
                }
                sum
            })
            .await,
        ),
        (
            "limit::map(urls, 50, fetch)",
            measure(async {
                use futures::StreamExt as _;
                match limit::map(0..FETCHES, LIMIT, fetch) {
                    Ok(fetches) => fetches.fold(0, |sum, n| async move { sum + n }).await,
                    Err(error) => panic!("{error}"),
                }
            })
            .await,
        ),
        (
            "FETCH_SLOTS.spawn(fetch(url)).await in a loop",
            measure(async {
                // Handles of finished tasks are reaped as the loop goes, so completed
                // tasks do not pile up waiting for their result to be read.
                let mut running = std::collections::VecDeque::new();
                let mut sum = 0;
                for url in 0..FETCHES {
                    running.push_back(FETCH_SLOTS.spawn(fetch(url)).await);
                    while running
                        .front()
                        .is_some_and(tokio::task::JoinHandle::is_finished)
                    {
                        if let Some(done) = running.pop_front() {
                            sum += done.await.unwrap_or_default();
                        }
                    }
                }
                for task in running {
                    sum += task.await.unwrap_or_default();
                }
                sum
            })
            .await,
        ),
        (
            "baseline: futures buffer_unordered(50)",
            measure(async {
                use futures::StreamExt as _;
                futures::stream::iter((0..FETCHES).map(fetch))
                    .buffer_unordered(LIMIT)
                    .fold(0, |sum, n| async move { sum + n })
                    .await
            })
            .await,
        ),
    ];
    for (name, outcome) in scenarios {
        assert_eq!(outcome.checksum, expected, "{name} lost fetches");
        println!(
            "{name:<58} {:>10} {:>8.2} MiB {:>7.2} s",
            outcome.peak_in_flight,
            mib(outcome.peak_heap),
            outcome.elapsed.as_secs_f64()
        );
    }
}

#[allow(clippy::cast_precision_loss)] // bytes to MiB for display
fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
