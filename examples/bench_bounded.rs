//! The two limit benchmarks of issue 4, as ratios against a baseline measured in the same
//! run (absolute numbers depend on the machine; ratios much less so).
//!
//! ```text
//! cargo run --release --features bench --example bench_bounded
//! ```
//!
//! 1. `#[bounded]` call overhead against a hand-written `static` tokio `Semaphore`
//!    (goal: ≤ 1.05×).
//!    1b. The same when callers queue (informational: both go through tokio's waiter
//!    list, and `#[bounded]` also maintains its `waiting` gauge).
//! 2. `limit::map` on 1,000,000 items at limit 100 against
//!    `futures::StreamExt::buffer_unordered(100)` (goals: peak memory ≤ 2×, throughput ≥ 1×).
//!
//! Each variant runs several rounds, alternating with its baseline so that both see the
//! same machine state; the best round of each is compared.
//!
//! Wall-clock ratios swing by ±20% on a shared 2-core machine. Instruction counts do not:
//! `-- once buffer_unordered` or `-- once limit_map` runs only that workload of part 2,
//! once, for a counter such as
//! `valgrind --tool=cachegrind --cache-sim=no target/release/examples/bench_bounded once limit_map`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use async_hygiene::{bounded, limit};
use futures::StreamExt as _;
use tokio::sync::Semaphore;

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

#[global_allocator]
static ALLOCATOR: counting_alloc::CountingAllocator = counting_alloc::CountingAllocator;

const ROUNDS: usize = 7;

// ---- 1. call overhead ----

const CALLS: u64 = 5_000_000;

static BASELINE_SEMAPHORE: Semaphore = Semaphore::const_new(64);

/// What `#[bounded(64)]` replaces, written by hand.
async fn hand_written(x: u64) -> u64 {
    let Ok(_permit) = BASELINE_SEMAPHORE.acquire().await else {
        unreachable!("the semaphore is never closed")
    };
    black_box(x)
}

#[bounded(64)]
async fn attributed(x: u64) -> u64 {
    black_box(x)
}

async fn time_calls<F, Fut>(call: F) -> Duration
where
    F: Fn(u64) -> Fut,
    Fut: std::future::Future<Output = u64>,
{
    let start = Instant::now();
    let mut sum = 0_u64;
    for i in 0..CALLS {
        sum = sum.wrapping_add(call(black_box(i)).await);
    }
    black_box(sum);
    start.elapsed()
}

// ---- 1b. contended: callers queue, so both go through tokio's waiter list ----

const CONTENDING_TASKS: u64 = 64;
const CONTENDED_CALLS: u64 = 5_000;

static CONTENDED_SEMAPHORE: Semaphore = Semaphore::const_new(8);

async fn hand_written_contended(x: u64) -> u64 {
    let Ok(_permit) = CONTENDED_SEMAPHORE.acquire().await else {
        unreachable!("the semaphore is never closed")
    };
    tokio::task::yield_now().await;
    black_box(x)
}

#[bounded(8)]
async fn attributed_contended(x: u64) -> u64 {
    tokio::task::yield_now().await;
    black_box(x)
}

async fn time_contended<Fut>(call: fn(u64) -> Fut) -> Duration
where
    Fut: std::future::Future<Output = u64> + Send + 'static,
{
    let start = Instant::now();
    let tasks: Vec<_> = (0..CONTENDING_TASKS)
        .map(|task| {
            tokio::spawn(async move {
                let mut sum = 0_u64;
                for i in 0..CONTENDED_CALLS {
                    sum = sum.wrapping_add(call(task * CONTENDED_CALLS + i).await);
                }
                sum
            })
        })
        .collect();
    for task in tasks {
        black_box(task.await.unwrap_or_default());
    }
    start.elapsed()
}

// ---- 2. the lazy helper against buffer_unordered ----

const ITEMS: u64 = 1_000_000;
const WIDTH: usize = 100;

/// An item that yields once before completing, like a call that waits on I/O.
async fn item(x: u64) -> u64 {
    tokio::task::yield_now().await;
    black_box(x)
}

struct Run {
    elapsed: Duration,
    peak_heap: usize,
}

async fn measure_stream<F, Fut>(run: F) -> Run
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = u64>,
{
    let baseline = counting_alloc::live_bytes();
    counting_alloc::reset_peak();
    let start = Instant::now();
    let sum = run().await;
    let elapsed = start.elapsed();
    assert_eq!(sum, ITEMS * (ITEMS - 1) / 2, "every item is processed once");
    Run {
        elapsed,
        peak_heap: counting_alloc::peak_bytes().saturating_sub(baseline),
    }
}

async fn with_limit_map() -> u64 {
    match limit::map(0..ITEMS, WIDTH, item) {
        Ok(items) => items.fold(0, |sum, x| async move { sum + x }).await,
        Err(error) => panic!("{error}"),
    }
}

async fn with_buffer_unordered() -> u64 {
    futures::stream::iter((0..ITEMS).map(item))
        .buffer_unordered(WIDTH)
        .fold(0, |sum, x| async move { sum + x })
        .await
}

#[allow(clippy::cast_precision_loss)] // durations and byte counts, for display
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => {}
        ["once", "buffer_unordered"] => {
            black_box(with_buffer_unordered().await);
            return;
        }
        ["once", "limit_map"] => {
            black_box(with_limit_map().await);
            return;
        }
        _ => panic!("usage: bench_bounded [once buffer_unordered|limit_map]"),
    }
    println!("1. call overhead, {CALLS} sequential uncontended calls, best of {ROUNDS}");
    let (mut baseline, mut ours) = (Duration::MAX, Duration::MAX);
    for _ in 0..ROUNDS {
        baseline = baseline.min(time_calls(hand_written).await);
        ours = ours.min(time_calls(attributed).await);
    }
    let per_call = |d: Duration| d.as_nanos() as f64 / CALLS as f64;
    println!(
        "   static Semaphore by hand: {:6.2} ns/call\n   #[bounded(64)]:           {:6.2} ns/call\n   ratio: {:.3}x (goal <= 1.05x)\n",
        per_call(baseline),
        per_call(ours),
        ours.as_secs_f64() / baseline.as_secs_f64()
    );

    let total = CONTENDING_TASKS * CONTENDED_CALLS;
    println!("1b. contended: {CONTENDING_TASKS} tasks x {CONTENDED_CALLS} calls at limit 8, each yielding once, best of {ROUNDS}");
    let (mut baseline, mut ours) = (Duration::MAX, Duration::MAX);
    for _ in 0..ROUNDS {
        baseline = baseline.min(time_contended(hand_written_contended).await);
        ours = ours.min(time_contended(attributed_contended).await);
    }
    let per_call = |d: Duration| d.as_nanos() as f64 / total as f64;
    println!(
        "   static Semaphore by hand: {:6.2} ns/call\n   #[bounded(8)]:            {:6.2} ns/call\n   ratio: {:.3}x (informational: the waiting gauge adds two atomic ops per queued call)\n",
        per_call(baseline),
        per_call(ours),
        ours.as_secs_f64() / baseline.as_secs_f64()
    );

    println!("2. {ITEMS} items at limit {WIDTH}, each yielding once, best of {ROUNDS}");
    let (mut baseline_time, mut ours_time) = (Duration::MAX, Duration::MAX);
    let (mut baseline_heap, mut ours_heap) = (0, 0);
    for round in 0..ROUNDS {
        // Alternate which runs first, so neither always inherits the other's heap state.
        let (baseline, ours) = if round % 2 == 0 {
            let baseline = measure_stream(with_buffer_unordered).await;
            (baseline, measure_stream(with_limit_map).await)
        } else {
            let ours = measure_stream(with_limit_map).await;
            (measure_stream(with_buffer_unordered).await, ours)
        };
        baseline_time = baseline_time.min(baseline.elapsed);
        ours_time = ours_time.min(ours.elapsed);
        baseline_heap = baseline_heap.max(baseline.peak_heap);
        ours_heap = ours_heap.max(ours.peak_heap);
    }
    let throughput = |d: Duration| ITEMS as f64 / d.as_secs_f64() / 1e6;
    println!(
        "   buffer_unordered(100): {:6.2} M items/s, peak heap {:7.1} KiB\n   limit::map(.., 100):   {:6.2} M items/s, peak heap {:7.1} KiB\n   throughput ratio: {:.3}x (goal >= 1x), memory ratio: {:.3}x (goal <= 2x)",
        throughput(baseline_time),
        baseline_heap as f64 / 1024.0,
        throughput(ours_time),
        ours_heap as f64 / 1024.0,
        baseline_time.as_secs_f64() / ours_time.as_secs_f64(),
        ours_heap as f64 / baseline_heap.max(1) as f64,
    );
}
