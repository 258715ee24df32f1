//! What `#[background]` costs over a bare `tokio::spawn`, measured in one run as a ratio
//! against that baseline: nanoseconds per spawn and heap bytes per task.
//!
//! ```text
//! cargo run --release --features bench --example bench_background
//! ```
//!
//! Two jobs: a *trivial* one (one `u64`, never awaits) and a *typical* one (owns a
//! `String`, awaits once, as a log or e-mail call does). Three workloads each, the median of
//! several interleaved rounds:
//! - *spawn only*: `TASKS` spawns on a current-thread runtime, timed before any task runs,
//!   with the heap bytes they hold (the cost of queued work);
//! - *spawn and run*: the same tasks run to completion, one thread;
//! - *multi-thread*: spawned from one task while two workers run them.
//!
//! Goals: spawn+run of the typical job ≤ 1.25× bare `tokio::spawn`, heap bytes per task
//! ≤ 1.5×. Each table prints the ratios last measured for the registry's code as it is
//! (`e529b90`, with this file, in the session `docs/benchmarks.md` dates) beside its own.
//!
//! tokio rounds every task cell up to a multiple of 128 bytes. A bare trivial job fills
//! the first 128 exactly, so anything the registry keeps in the task (registry, name,
//! tracker token, the shutdown wakeup a job registers once it awaits) moves it to 256; a
//! typical job is at 256 either way. Spawn time largely follows those bytes: it is mostly
//! fresh memory for the allocator and the kernel.
//!
//! `-- once trivial|typical bare|background` runs only the spawn+run workload, ten times,
//! for a profiler or an instruction counter.

use std::hint::black_box;
use std::time::{Duration, Instant};

use async_hygiene::background;
use async_hygiene::registry::Registry;

const TASKS: usize = 100_000;
const ROUNDS: usize = 9;

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

#[global_allocator]
static ALLOCATOR: counting_alloc::CountingAllocator = counting_alloc::CountingAllocator;

#[background]
async fn record(sample: u64) {
    black_box(sample);
}

fn record_bare(sample: u64) {
    drop(tokio::spawn(async move {
        black_box(sample);
    }));
}

#[background]
async fn record_event(sample: u64, event: String) {
    tokio::task::yield_now().await;
    black_box((sample, event));
}

fn record_event_bare(sample: u64, event: String) {
    drop(tokio::spawn(async move {
        tokio::task::yield_now().await;
        black_box((sample, event));
    }));
}

#[derive(Clone, Copy)]
enum Job {
    Trivial,
    Typical,
}

#[derive(Clone, Copy)]
enum Spawner {
    Bare,
    Background,
}

impl Spawner {
    fn spawn(self, job: Job, sample: u64) {
        match (job, self) {
            (Job::Trivial, Self::Bare) => record_bare(sample),
            (Job::Trivial, Self::Background) => drop(record(sample)),
            // Empty, so it owns no heap bytes of its own: what is counted is the task.
            (Job::Typical, Self::Bare) => record_event_bare(sample, String::new()),
            (Job::Typical, Self::Background) => drop(record_event(sample, String::new())),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Bare => "tokio::spawn",
            Self::Background => "#[background]",
        }
    }
}

struct Measurement {
    spawn_ns: f64,
    bytes_per_task: f64,
    spawn_and_run_ns: f64,
    multi_thread_ns: f64,
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime")
}

/// Spawns on a current-thread runtime: nothing runs until the loop yields, so the loop
/// times the spawns alone and the heap holds every queued task.
fn spawn_only(spawner: Spawner, job: Job) -> (Duration, usize) {
    current_thread().block_on(async {
        // Create the runtime's registry outside the timed loop, as in a long-lived app.
        let _ = Registry::of_current_runtime();
        let before = counting_alloc::live_bytes();
        let started = Instant::now();
        for sample in 0..TASKS as u64 {
            spawner.spawn(job, sample);
        }
        let elapsed = started.elapsed();
        let held = counting_alloc::live_bytes().saturating_sub(before);
        drain().await;
        (elapsed, held)
    })
}

fn spawn_and_run(spawner: Spawner, job: Job) -> Duration {
    current_thread().block_on(async {
        let _ = Registry::of_current_runtime();
        let started = Instant::now();
        for sample in 0..TASKS as u64 {
            spawner.spawn(job, sample);
            if sample % 64 == 0 {
                tokio::task::yield_now().await;
            }
        }
        drain().await;
        started.elapsed()
    })
}

fn multi_thread(spawner: Spawner, job: Job) -> Duration {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a multi-thread runtime");
    runtime.block_on(async {
        tokio::spawn(async move {
            let _ = Registry::of_current_runtime();
            let started = Instant::now();
            for sample in 0..TASKS as u64 {
                spawner.spawn(job, sample);
            }
            drain().await;
            started.elapsed()
        })
        .await
        .expect("the spawning task")
    })
}

/// Waits until every task spawned so far has finished (`alive_tasks` counts only ours
/// and the registry's runtime-drop sentinel).
async fn drain() {
    let metrics = tokio::runtime::Handle::current().metrics();
    while metrics.num_alive_tasks() > 2 {
        tokio::task::yield_now().await;
    }
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Runs every workload for every spawner, alternating spawners within each round so a
/// noisy neighbour on the machine hits both alike, and keeps each median.
#[allow(clippy::cast_precision_loss)] // counts far below 2^52
fn measure_all(spawners: &[Spawner], job: Job) -> Vec<Measurement> {
    let per_task = |duration: Duration| duration.as_nanos() as f64 / TASKS as f64;
    let mut samples = vec![[(); 4].map(|()| Vec::new()); spawners.len()];
    for _ in 0..ROUNDS {
        for (spawner, samples) in spawners.iter().zip(&mut samples) {
            let (elapsed, held) = spawn_only(*spawner, job);
            samples[0].push(per_task(elapsed));
            samples[1].push(held as f64 / TASKS as f64);
            samples[2].push(per_task(spawn_and_run(*spawner, job)));
            samples[3].push(per_task(multi_thread(*spawner, job)));
        }
    }
    samples
        .into_iter()
        .map(|[spawn, bytes, run, multi]| Measurement {
            spawn_ns: median(spawn),
            bytes_per_task: median(bytes),
            spawn_and_run_ns: median(run),
            multi_thread_ns: median(multi),
        })
        .collect()
}

fn print_table(title: &str, before: &str, spawners: &[Spawner], results: &[Measurement]) {
    println!("{title}");
    println!(
        "{:<16} {:>10} {:>12} {:>14} {:>16}",
        "", "spawn ns", "bytes/task", "spawn+run ns", "multi-thread ns"
    );
    for (spawner, m) in spawners.iter().zip(results) {
        println!(
            "{:<16} {:>10.0} {:>12.0} {:>14.0} {:>16.0}",
            spawner.name(),
            m.spawn_ns,
            m.bytes_per_task,
            m.spawn_and_run_ns,
            m.multi_thread_ns
        );
    }
    let (bare, ours) = (&results[0], &results[1]);
    println!(
        "{:<16} {:>9.2}× {:>11.2}× {:>13.2}× {:>15.2}×",
        "ratio",
        ours.spawn_ns / bare.spawn_ns,
        ours.bytes_per_task / bare.bytes_per_task,
        ours.spawn_and_run_ns / bare.spawn_and_run_ns,
        ours.multi_thread_ns / bare.multi_thread_ns
    );
    println!("(at e529b90, measured with this file: {before})\n");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [once, job, spawner] = args.as_slice() {
        assert_eq!(
            once, "once",
            "usage: bench_background [once trivial|typical bare|background]"
        );
        let job = if job == "trivial" {
            Job::Trivial
        } else {
            Job::Typical
        };
        let spawner = if spawner == "bare" {
            Spawner::Bare
        } else {
            Spawner::Background
        };
        for _ in 0..10 {
            black_box(spawn_and_run(spawner, job));
        }
        return;
    }
    let spawners = [Spawner::Bare, Spawner::Background];
    // Warm-up: allocator pools, code paths, the registry map.
    measure_all(&spawners, Job::Trivial);
    println!("{TASKS} tasks per round, median of {ROUNDS} rounds\n");
    let trivial = measure_all(&spawners, Job::Trivial);
    print_table(
        "trivial job (one u64, never awaits); bytes/task: whole 128-byte task cells (see the header)",
        "trivial 1.38-1.40x spawn+run, 1.92x bytes per task",
        &spawners,
        &trivial,
    );
    let typical = measure_all(&spawners, Job::Typical);
    print_table(
        "typical job (owns a String, awaits once); goals: spawn+run <= 1.25x, bytes/task <= 1.5x",
        "typical 1.23-1.26x spawn+run, 1.15-1.17x multi-thread, 1.00x bytes per task",
        &spawners,
        &typical,
    );
}
