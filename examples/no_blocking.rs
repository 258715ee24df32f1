//! What `#[no_blocking]` prevents, measured: 50 requests that each wait 20 ms, served on a
//! 2-worker tokio runtime while a heartbeat task ticks every millisecond. Once with
//! `tokio::time::sleep` (what the compile error tells you to use), once with
//! `std::thread::sleep` (what it rejects; here behind `allow_blocking!` to show the damage).
//!
//! `cargo run --release --example no_blocking`

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_hygiene::{allow_blocking, no_blocking};

const REQUESTS: usize = 50;
const WAIT: Duration = Duration::from_millis(20);

#[no_blocking]
async fn handle_async(wait: Duration) {
    tokio::time::sleep(wait).await;
}

#[no_blocking]
async fn handle_blocking(wait: Duration) {
    allow_blocking!(
        "the demonstration of what #[no_blocking] rejects",
        std::thread::sleep(wait)
    );
    tokio::task::yield_now().await;
}

/// Serves `REQUESTS` concurrent requests; returns the wall time and the longest gap the
/// heartbeat saw between two 1 ms ticks (how long the executor stopped serving others).
async fn serve<Fut>(handler: fn(Duration) -> Fut) -> (Duration, Duration)
where
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let done = Arc::new(AtomicBool::new(false));
    let heartbeat = tokio::spawn({
        let done = Arc::clone(&done);
        async move {
            let mut longest = Duration::ZERO;
            while !done.load(Ordering::Relaxed) {
                let before = Instant::now();
                tokio::time::sleep(Duration::from_millis(1)).await;
                longest = longest.max(before.elapsed());
            }
            longest
        }
    });
    let start = Instant::now();
    let requests: Vec<_> = (0..REQUESTS).map(|_| tokio::spawn(handler(WAIT))).collect();
    for request in requests {
        request.await.expect("request task");
    }
    let elapsed = start.elapsed();
    done.store(true, Ordering::Relaxed);
    (elapsed, heartbeat.await.expect("heartbeat task"))
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (async_time, async_gap) = runtime.block_on(serve(handle_async));
    let (blocking_time, blocking_gap) = runtime.block_on(serve(handle_blocking));
    println!("{REQUESTS} requests of {WAIT:?} on 2 worker threads");
    println!("  tokio::time::sleep  : {async_time:>10.1?} total, heartbeat stalled up to {async_gap:>8.1?}");
    println!("  std::thread::sleep  : {blocking_time:>10.1?} total, heartbeat stalled up to {blocking_gap:>8.1?}");
    println!(
        "  blocking is {:.1}x slower, and stalls the executor {:.1}x longer",
        blocking_time.as_secs_f64() / async_time.as_secs_f64(),
        blocking_gap.as_secs_f64() / async_gap.as_secs_f64()
    );
}
