//! Overhead of the poll watchdog on poll-heavy workloads, against the plain body in the
//! same run.
//!
//! ```sh
//! cargo run --release --features bench,watchdog --example bench_watchdog          # 31 rounds
//! cargo run --release --features bench,watchdog --example bench_watchdog -- 61    # rounds
//! cargo run --release --features bench,watchdog --example bench_watchdog -- 31 tasks  # one workload
//! cargo run --release --features bench,watchdog --example bench_watchdog -- 1 tasks watched  # one variant
//! ```
//!
//! One variant alone is for instruction counts, which are reproducible on a loaded
//! machine where times are not: run it under `valgrind --tool=callgrind` once with
//! `plain` and once with `watched`, and divide the difference by the polls.
//!
//! Each workload runs identical bodies: plain (what the attributes emit without the
//! `watchdog` feature); watched (what `#[no_blocking]` emits with it: a body whose awaits
//! are all visible keeps its own watch state, and each marked `.await` ends one timed
//! stretch and begins the next, published for the hang monitor) with the default coarse
//! clock and with the exact clock of thresholds below 20 ms, and with the mode set to
//! `off` at run time; and wrapped (the watch around the body, `watch_body_on!` with its
//! awaits marked by hand: what a body gets when a macro such as `select!` may hide an
//! await). The variants alternate over several rounds on one current-thread runtime, so
//! drift hits them alike, and the fastest round of each is reported: the workloads are
//! deterministic, so a slower round only measures other processes taking the CPU (on a
//! shared machine the medians move by more than the overhead measured).

use std::time::{Duration, Instant};

use async_hygiene::watchdog::{self, Mode};

/// Tasks running at once, so every yield goes through tokio's scheduler queue.
const TASKS: usize = 64;
/// Polls per task in the yield workload.
const YIELDS: u32 = 4_000;
/// Messages through the channel workload.
const MESSAGES: u32 = 200_000;
/// Polls in the direct workload.
const DIRECT_POLLS: u32 = 2_000_000;
const DEFAULT_ROUNDS: usize = 31;

/// The work one poll of a request handler does between awaits: parse a small record.
fn parse_record(record: &str) -> u64 {
    record
        .split(',')
        .filter_map(|field| field.trim().parse::<u64>().ok())
        .sum()
}

/// Pending once, then ready: a poll that costs next to nothing, without a scheduler.
struct PendingOnce(bool);

impl std::future::Future for PendingOnce {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            std::task::Poll::Ready(())
        } else {
            self.0 = true;
            std::task::Poll::Pending
        }
    }
}

mod plain {
    use super::{parse_record, PendingOnce};

    pub(crate) async fn pending(count: u32) -> u64 {
        let mut total = 0_u64;
        for i in 0..count {
            PendingOnce(false).await;
            total = total.wrapping_add(u64::from(i));
        }
        total
    }

    pub(crate) async fn yields(count: u32) -> u64 {
        let mut total = 0_u64;
        for i in 0..count {
            tokio::task::yield_now().await;
            total = total.wrapping_add(u64::from(i));
        }
        total
    }

    pub(crate) async fn handle(mut receiver: tokio::sync::mpsc::Receiver<String>) -> u64 {
        let mut total = 0;
        while let Some(record) = receiver.recv().await {
            total += parse_record(&record);
        }
        total
    }
}

/// What `#[no_blocking]` emits with the feature on: the body keeps its watch state, each
/// `.await` marked.
mod watched {
    use super::{parse_record, PendingOnce};

    #[async_hygiene::no_blocking]
    pub(crate) async fn pending(count: u32) -> u64 {
        let mut total = 0_u64;
        for i in 0..count {
            PendingOnce(false).await;
            total = total.wrapping_add(u64::from(i));
        }
        total
    }

    #[async_hygiene::no_blocking]
    pub(crate) async fn yields(count: u32) -> u64 {
        let mut total = 0_u64;
        for i in 0..count {
            tokio::task::yield_now().await;
            total = total.wrapping_add(u64::from(i));
        }
        total
    }

    #[async_hygiene::no_blocking]
    pub(crate) async fn handle(mut receiver: tokio::sync::mpsc::Receiver<String>) -> u64 {
        let mut total = 0;
        while let Some(record) = receiver.recv().await {
            total += parse_record(&record);
        }
        total
    }
}

/// The watch around the body, awaits marked: what a body with `select!` or `join!` gets.
mod wrapped {
    use super::{parse_record, PendingOnce};
    use async_hygiene::__private::at_await;

    pub(crate) async fn pending(count: u32) -> u64 {
        async_hygiene::__private::watch_body_on!(
            name = "pending",
            output = u64,
            body = {
                let mut total = 0_u64;
                for i in 0..count {
                    at_await(PendingOnce(false)).await;
                    total = total.wrapping_add(u64::from(i));
                }
                total
            }
        )
    }

    pub(crate) async fn yields(count: u32) -> u64 {
        async_hygiene::__private::watch_body_on!(
            name = "yields",
            output = u64,
            body = {
                let mut total = 0_u64;
                for i in 0..count {
                    at_await(tokio::task::yield_now()).await;
                    total = total.wrapping_add(u64::from(i));
                }
                total
            }
        )
    }

    pub(crate) async fn handle(mut receiver: tokio::sync::mpsc::Receiver<String>) -> u64 {
        async_hygiene::__private::watch_body_on!(
            name = "handle",
            output = u64,
            body = {
                let mut total = 0;
                while let Some(record) = at_await(receiver.recv()).await {
                    total += parse_record(&record);
                }
                total
            }
        )
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    Plain,
    /// Threshold 10 s: the coarse ticker clock.
    Watched,
    /// Threshold 19 ms: `Instant::now()` twice per poll.
    WatchedExact,
    WatchedModeOff,
    /// The coarse clock, the watch around the body.
    Wrapped,
}

impl Variant {
    const ALL: [Variant; 5] = [
        Variant::Plain,
        Variant::Watched,
        Variant::WatchedExact,
        Variant::WatchedModeOff,
        Variant::Wrapped,
    ];

    /// The name a third argument selects the variant by.
    fn key(self) -> &'static str {
        match self {
            Variant::Plain => "plain",
            Variant::Watched => "watched",
            Variant::WatchedExact => "exact",
            Variant::WatchedModeOff => "off",
            Variant::Wrapped => "wrapped",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Variant::Plain => "plain body",
            Variant::Watched => "watched (warn, coarse clock)",
            Variant::WatchedExact => "watched (warn, exact clock)",
            Variant::WatchedModeOff => "watched, mode off",
            Variant::Wrapped => "wrapped (a body with `select!`/`join!`, coarse clock)",
        }
    }

    fn configure(self) {
        watchdog::set_mode(if self == Variant::WatchedModeOff {
            Mode::Off
        } else {
            Mode::Warn
        });
        // Far above any poll here, so that no report distorts the timing; 19 ms is just
        // below the coarse clock's range.
        watchdog::set_threshold(if self == Variant::WatchedExact {
            Duration::from_millis(19)
        } else {
            Duration::from_secs(10)
        });
    }
}

/// One future polled in a loop with a no-op waker: the cost of a poll itself, with no
/// scheduler around it; the difference between the variants is the watch's own cost.
fn direct_workload(variant: Variant) -> (Duration, u64) {
    fn drive(future: impl std::future::Future<Output = u64>) -> u64 {
        let mut future = std::pin::pin!(future);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        loop {
            if let std::task::Poll::Ready(total) = future.as_mut().poll(&mut cx) {
                return total;
            }
        }
    }
    let start = Instant::now();
    let total = match variant {
        Variant::Plain => drive(plain::pending(DIRECT_POLLS)),
        Variant::Wrapped => drive(wrapped::pending(DIRECT_POLLS)),
        _ => drive(watched::pending(DIRECT_POLLS)),
    };
    std::hint::black_box(total);
    (start.elapsed(), u64::from(DIRECT_POLLS) * 2)
}

/// 64 tasks yielding: every poll does almost nothing, the worst case for a per-poll cost.
async fn yield_workload(variant: Variant) -> (Duration, u64) {
    yields_on(&tokio::runtime::Handle::current(), variant).await
}

/// The same tasks on a runtime of two worker threads, which poll the same fns at once:
/// what the watch writes to a fn's shared state (its poll count) is contended there.
async fn multi_thread_yield_workload(variant: Variant) -> (Duration, u64) {
    static WORKERS: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    let workers = WORKERS.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .expect("a multi-thread runtime builds")
    });
    yields_on(workers.handle(), variant).await
}

async fn yields_on(runtime: &tokio::runtime::Handle, variant: Variant) -> (Duration, u64) {
    let start = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| match variant {
            Variant::Plain => runtime.spawn(plain::yields(YIELDS)),
            Variant::Wrapped => runtime.spawn(wrapped::yields(YIELDS)),
            _ => runtime.spawn(watched::yields(YIELDS)),
        })
        .collect();
    let mut checksum = 0_u64;
    for task in tasks {
        checksum = checksum.wrapping_add(task.await.expect("the benchmark tasks do not panic"));
    }
    let polls = u64::try_from(TASKS).unwrap_or(u64::MAX) * u64::from(YIELDS + 1);
    std::hint::black_box(checksum);
    (start.elapsed(), polls)
}

/// A handler task receiving records over a channel of capacity 1 and parsing each: every
/// record is a hand-over between two tasks, so the handler is polled once per record, as a
/// request loop is.
async fn channel_workload(variant: Variant) -> (Duration, u64) {
    let (sender, receiver) = tokio::sync::mpsc::channel::<String>(1);
    let start = Instant::now();
    let handler = match variant {
        Variant::Plain => tokio::spawn(plain::handle(receiver)),
        Variant::Wrapped => tokio::spawn(wrapped::handle(receiver)),
        _ => tokio::spawn(watched::handle(receiver)),
    };
    for i in 0..MESSAGES {
        let record = format!("{i}, 17, 4096, {}, 3", i % 977);
        sender
            .send(record)
            .await
            .expect("the handler lives until the sender is dropped");
    }
    drop(sender);
    let total = handler.await.expect("the handler does not panic");
    std::hint::black_box(total);
    (start.elapsed(), u64::from(MESSAGES))
}

/// One benchmark, boxed so that both workloads fit in one table loop.
type Workload =
    fn(Variant) -> std::pin::Pin<Box<dyn std::future::Future<Output = (Duration, u64)>>>;

fn fastest(samples: &[Duration]) -> Duration {
    samples.iter().copied().min().unwrap_or_default()
}

fn main() {
    let rounds: usize = std::env::args().nth(1).map_or(DEFAULT_ROUNDS, |arg| {
        arg.parse()
            .ok()
            .filter(|&rounds| rounds > 0)
            .expect("usage: bench_watchdog [ROUNDS] [WORKLOAD]")
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime builds");
    println!(
        "poll watchdog overhead, fastest of {rounds} alternating rounds (release build: {})",
        !cfg!(debug_assertions)
    );
    println!();
    println!("| workload | variant | time | per unit | vs plain |\n|---|---|---:|---:|---:|");
    let workloads: [(&str, &str, Workload); 4] = [
        (
            "one future polled 4,000,000 times, no scheduler",
            "poll",
            |v| Box::pin(async move { direct_workload(v) }),
        ),
        ("64 tasks x 4,000 yields", "poll", |v| {
            Box::pin(yield_workload(v))
        }),
        ("64 tasks x 4,000 yields, 2 worker threads", "poll", |v| {
            Box::pin(multi_thread_yield_workload(v))
        }),
        ("200,000 records over mpsc(1)", "record", |v| {
            Box::pin(channel_workload(v))
        }),
    ];
    // An optional second argument keeps the workloads whose name contains it.
    let only = std::env::args().nth(2).unwrap_or_default();
    // An optional third argument runs that variant alone (the ratios are then against it).
    let variants: Vec<Variant> = match std::env::args().nth(3) {
        Some(key) => vec![Variant::ALL
            .into_iter()
            .find(|variant| variant.key() == key)
            .expect("variants: plain, watched, exact, off, wrapped")],
        None => Variant::ALL.to_vec(),
    };
    // A name given whole selects that workload alone.
    let exact = workloads.iter().any(|(name, _, _)| *name == only);
    for (name, unit, workload) in workloads {
        if !name.contains(only.as_str()) || (exact && name != only) {
            continue;
        }
        let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); variants.len()];
        let mut units = 0;
        // One warm-up round, then alternate the variants so drift hits them alike.
        for round in 0..=rounds {
            for (index, &variant) in variants.iter().enumerate() {
                variant.configure();
                let (elapsed, count) = runtime.block_on(workload(variant));
                units = count;
                if round > 0 {
                    samples[index].push(elapsed);
                }
            }
        }
        let best: Vec<Duration> = samples.iter().map(|samples| fastest(samples)).collect();
        let plain = best[0];
        for (variant, elapsed) in variants.iter().zip(&best) {
            #[allow(clippy::cast_precision_loss)] // unit counts are far below 2^52
            let per_unit = elapsed.as_secs_f64() * 1e9 / units as f64;
            println!(
                "| {name} | {} | {:.1} ms | {per_unit:.1} ns/{unit} | {:.3} |",
                variant.label(),
                elapsed.as_secs_f64() * 1e3,
                elapsed.as_secs_f64() / plain.as_secs_f64(),
            );
        }
    }
    let reports = watchdog::slow_poll_count();
    if reports > 0 {
        println!("\n{reports} poll(s) above 19 ms were reported (the machine is loaded): rerun");
    }
}
