//! The article's "awaiting non-critical work" scenario: a request handler that ships a log
//! line to an external service before it answers.
//!
//! ```text
//! cargo run --release --example logging
//! ```
//!
//! 1. Awaiting the log call adds its 50 ms to every response.
//! 2. `#[background]` answers after the 20 ms profile lookup alone.
//! 3. At shutdown the registry still delivers every queued log line, where bare
//!    `tokio::spawn` loses them when the runtime is dropped.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_hygiene::{background, shutdown};
use tokio::time::sleep;

const REQUESTS: usize = 100;

#[derive(Clone, Debug)]
struct Profile {
    user_id: u64,
    name: String,
}

async fn get_user_profile(user_id: u64) -> Profile {
    sleep(Duration::from_millis(20)).await;
    Profile {
        user_id,
        name: format!("user-{user_id}"),
    }
}

/// The external log service: 50 ms per call, and counts what it received.
async fn send_logs_to_external_service(profile: &Profile, delivered: &AtomicUsize) {
    sleep(Duration::from_millis(50)).await;
    assert!(!profile.name.is_empty());
    delivered.fetch_add(1, Ordering::SeqCst);
}

/// The log call as background work: owned arguments, returns at once.
#[background]
async fn log_profile(profile: Profile, delivered: Arc<AtomicUsize>) {
    send_logs_to_external_service(&profile, &delivered).await;
}

async fn handle_awaiting(user_id: u64, delivered: Arc<AtomicUsize>) -> Profile {
    let profile = get_user_profile(user_id).await;
    // The user waits for the log service.
    send_logs_to_external_service(&profile, &delivered).await;
    profile
}

async fn handle_in_background(user_id: u64, delivered: Arc<AtomicUsize>) -> Profile {
    let profile = get_user_profile(user_id).await;
    log_profile(profile.clone(), delivered);
    profile
}

/// Serves `REQUESTS` concurrent requests and returns the median response time.
async fn serve<F, Fut>(handler: F) -> Duration
where
    F: Fn(u64) -> Fut,
    Fut: std::future::Future<Output = Profile>,
{
    let requests = (0..REQUESTS as u64).map(|user_id| {
        let request = handler(user_id);
        async move {
            let started = Instant::now();
            let profile = request.await;
            assert_eq!(profile.user_id, user_id);
            started.elapsed()
        }
    });
    let mut latencies = futures::future::join_all(requests).await;
    latencies.sort();
    latencies[latencies.len() / 2]
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn main() {
    let delivered = Arc::new(AtomicUsize::new(0));
    let (awaiting, in_background, report) = runtime().block_on(async {
        let awaiting = serve(|id| handle_awaiting(id, Arc::clone(&delivered))).await;
        let in_background = serve(|id| handle_in_background(id, Arc::clone(&delivered))).await;
        // The log lines of the second round are still in flight here.
        let report = shutdown(Duration::from_secs(5)).await;
        (awaiting, in_background, report)
    });
    println!("{REQUESTS} concurrent requests, median response time:");
    println!("  logging awaited        {awaiting:>8.1?}");
    println!(
        "  #[background] logging  {in_background:>8.1?}   ({:.1}× faster)",
        awaiting.as_secs_f64() / in_background.as_secs_f64()
    );
    println!("shutdown: {report}");
    println!(
        "log lines delivered: {} of {}",
        delivered.load(Ordering::SeqCst),
        2 * REQUESTS
    );

    // The same fire-and-forget with bare `tokio::spawn`: nothing waits for the log lines,
    // and dropping the runtime drops them.
    let lost = Arc::new(AtomicUsize::new(0));
    runtime().block_on(serve(|user_id| {
        let lost = Arc::clone(&lost);
        async move {
            let profile = get_user_profile(user_id).await;
            let logged = profile.clone();
            tokio::spawn(async move { send_logs_to_external_service(&logged, &lost).await });
            profile
        }
    }));
    println!(
        "bare tokio::spawn, runtime dropped: {} of {REQUESTS} log lines delivered",
        lost.load(Ordering::SeqCst)
    );
}
