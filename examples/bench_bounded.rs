//! What a limit costs, as ratios against a baseline measured in the same run (absolute
//! numbers depend on the machine; ratios much less so). Each line prints the goal and the
//! figures of the commit before the waiters' per-thread counters (`e529b90`), measured
//! with this file in the same session as the current one (`docs/benchmarks.md` has both).
//!
//! ```text
//! cargo run --release --features bench --example bench_bounded
//! cargo run --release --features bench,watchdog --example bench_bounded
//! ```
//!
//! 1. An uncontended `#[bounded(64)]` call against a hand-written `static` tokio `Semaphore`
//!    and `acquire().await`, sequential calls from the body of `block_on` (the loop of
//!    `#[tokio::main]`) and from a task.
//! 2. Contended: 64 tasks × 5,000 calls at limit 8, each yielding once while it holds the
//!    permit; then the same while a second runtime that used the limit first stays alive.
//! 3. `limit::map` on 1,000,000 items at limit 100 against
//!    `futures::StreamExt::buffer_unordered(100)`: throughput and peak heap.
//!
//! Each variant runs several rounds, alternating with its baseline so that both see the
//! same machine state; the best round of each is compared.
//!
//! Wall-clock ratios swing by ±20% on a shared 2-core machine. Instruction counts do not:
//! `-- once WORKLOAD` runs one workload once (`hand_written`, `bounded`,
//! `hand_written_in_task`, `bounded_in_task`, `hand_written_contended`, `bounded_contended`, `bounded_contended_second`,
//! `buffer_unordered`, `limit_map`), for a
//! counter such as
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

/// The same with a limit of its own, which a second runtime uses first.
#[bounded(8)]
async fn attributed_contended_second(x: u64) -> u64 {
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

/// A second runtime on its own thread that calls `first_call` before the benchmark does,
/// so the limit's first runtime is not the one measured, and stays alive until dropped.
struct OtherRuntime {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl OtherRuntime {
    async fn start<Fut: std::future::Future<Output = u64> + 'static>(
        first_call: fn(u64) -> Fut,
    ) -> Self {
        // Awaited: the benchmark's own task must not block its worker while it waits.
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("a second runtime");
            black_box(runtime.block_on(first_call(0)));
            ready_tx.send(()).expect("the benchmark waits for it");
            // Alive (and idle) until the benchmark is done.
            let _ = stop_rx.recv();
            drop(runtime);
        });
        ready_rx.await.expect("the second runtime started");
        Self {
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }
}

impl Drop for OtherRuntime {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            thread.join().expect("the second runtime's thread");
        }
    }
}

/// Runs `timed` as a task of its own.
async fn in_task(timed: impl std::future::Future<Output = Duration> + Send + 'static) -> Duration {
    tokio::spawn(timed).await.expect("the timing task")
}

/// The best of `ROUNDS` alternating rounds of `baseline` and `ours`, as (baseline, ours).
async fn best_of<B, BF, O, OF>(mut baseline: B, mut ours: O) -> (Duration, Duration)
where
    B: FnMut() -> BF,
    BF: std::future::Future<Output = Duration>,
    O: FnMut() -> OF,
    OF: std::future::Future<Output = Duration>,
{
    let (mut best_baseline, mut best_ours) = (Duration::MAX, Duration::MAX);
    for _ in 0..ROUNDS {
        best_baseline = best_baseline.min(baseline().await);
        best_ours = best_ours.min(ours().await);
    }
    (best_baseline, best_ours)
}

#[allow(clippy::cast_precision_loss)] // call counts far below 2^52
fn print_calls(title: &str, calls: u64, (baseline, ours): (Duration, Duration), goal: &str) {
    let per_call = |d: Duration| d.as_nanos() as f64 / calls as f64;
    println!(
        "   {title}: {:6.2} ns/call against {:6.2} ns/call by hand: {:.3}x ({goal})",
        per_call(ours),
        per_call(baseline),
        ours.as_secs_f64() / baseline.as_secs_f64()
    );
}

/// Runs `workload` once: the `once` modes, for an instruction counter.
async fn once(workload: &str) {
    let elapsed = match workload {
        "hand_written" => time_calls(hand_written).await,
        "bounded" => time_calls(attributed).await,
        "hand_written_in_task" => in_task(time_calls(hand_written)).await,
        "bounded_in_task" => in_task(time_calls(attributed)).await,
        "hand_written_contended" => time_contended(hand_written_contended).await,
        "bounded_contended" => time_contended(attributed_contended).await,
        "bounded_contended_second" => {
            let _other = OtherRuntime::start(attributed_contended_second).await;
            time_contended(attributed_contended_second).await
        }
        "buffer_unordered" => measure_stream(with_buffer_unordered).await.elapsed,
        "limit_map" => measure_stream(with_limit_map).await.elapsed,
        _ => panic!("usage: bench_bounded [once WORKLOAD] (see the file's documentation)"),
    };
    black_box(elapsed);
}

#[allow(clippy::cast_precision_loss)] // durations and byte counts, for display
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => {}
        [mode, workload] if mode == "once" => return once(workload).await,
        _ => panic!("usage: bench_bounded [once WORKLOAD] (see the file's documentation)"),
    }
    if cfg!(feature = "watchdog") {
        println!("(built with the watchdog feature: every #[bounded] body is watched)\n");
    }
    println!("1. uncontended: {CALLS} sequential calls, best of {ROUNDS}");
    let calls = best_of(|| time_calls(hand_written), || time_calls(attributed)).await;
    print_calls(
        "#[bounded(64)] from block_on",
        CALLS,
        calls,
        "goal <= 1.0x; was 0.98-1.03x at e529b90",
    );
    let calls = best_of(
        || in_task(time_calls(hand_written)),
        || in_task(time_calls(attributed)),
    )
    .await;
    print_calls(
        "#[bounded(64)] from a task  ",
        CALLS,
        calls,
        "goal <= 1.0x; was 0.68-0.69x at e529b90",
    );

    let total = CONTENDING_TASKS * CONTENDED_CALLS;
    println!("\n2. contended: {CONTENDING_TASKS} tasks x {CONTENDED_CALLS} calls at limit 8, each yielding once, best of {ROUNDS}");
    let calls = best_of(
        || time_contended(hand_written_contended),
        || time_contended(attributed_contended),
    )
    .await;
    print_calls(
        "#[bounded(8)], one runtime        ",
        total,
        calls,
        "goal <= 1.05x; was 1.06-1.08x at e529b90",
    );
    let other = OtherRuntime::start(attributed_contended_second).await;
    let calls = best_of(
        || time_contended(hand_written_contended),
        || time_contended(attributed_contended_second),
    )
    .await;
    drop(other);
    print_calls(
        "#[bounded(8)], two runtimes alive ",
        total,
        calls,
        "goal <= 1.05x; was 1.05-1.08x at e529b90",
    );

    println!("\n3. {ITEMS} items at limit {WIDTH}, each yielding once, best of {ROUNDS}");
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
        "   limit::map(.., 100): {:6.2} M items/s, peak heap {:7.1} KiB\n   buffer_unordered(100): {:6.2} M items/s, peak heap {:7.1} KiB\n   throughput: {:.3}x (goal >= 1.0x; was 0.99-1.01x at e529b90), peak heap: {:.3}x (goal <= 2x)",
        throughput(ours_time),
        ours_heap as f64 / 1024.0,
        throughput(baseline_time),
        baseline_heap as f64 / 1024.0,
        baseline_time.as_secs_f64() / ours_time.as_secs_f64(),
        ours_heap as f64 / baseline_heap.max(1) as f64,
    );
}
