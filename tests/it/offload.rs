//! `#[offload]`: the body runs on tokio's blocking pool, the event loop stays free, and
//! the function keeps its name, arguments, return type and panics.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_hygiene::offload;
use futures::FutureExt as _;

/// About 200 ms of CPU work that never yields.
fn spin_for(duration: Duration) -> u64 {
    let started = Instant::now();
    let mut state = 0_u64;
    while started.elapsed() < duration {
        for _ in 0..1_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
        }
    }
    state
}

#[offload]
fn crunch(duration: Duration) -> u64 {
    spin_for(duration)
}

/// How many 10 ms ticks a ticker task sees while `work` runs on a current-thread runtime.
async fn ticks_during<F: std::future::Future>(work: F) -> usize {
    let done = Arc::new(AtomicBool::new(false));
    let ticks = Arc::new(AtomicUsize::new(0));
    let ticker = tokio::spawn({
        let (done, ticks) = (Arc::clone(&done), Arc::clone(&ticks));
        async move {
            let mut interval = tokio::time::interval(Duration::from_millis(10));
            loop {
                interval.tick().await;
                if done.load(Ordering::SeqCst) {
                    break;
                }
                ticks.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    tokio::task::yield_now().await;
    work.await;
    done.store(true, Ordering::SeqCst);
    ticker.await.unwrap();
    ticks.load(Ordering::SeqCst)
}

#[tokio::test(flavor = "current_thread")]
async fn the_event_loop_keeps_ticking_while_an_offloaded_computation_runs() {
    let offloaded = ticks_during(crunch(Duration::from_millis(200))).await;
    // The same work inline blocks the only thread: the ticker cannot run at all.
    let inline = ticks_during(async { spin_for(Duration::from_millis(200)) }).await;
    // ~20 expected; a loaded 2-core machine still gives far more than 5.
    assert!(offloaded >= 5, "only {offloaded} ticks while offloaded");
    assert!(inline <= 1, "{inline} ticks while blocking inline");
}

#[offload]
fn parse_all(lines: Vec<String>) -> Result<Vec<u32>, std::num::ParseIntError> {
    let mut parsed = Vec::with_capacity(lines.len());
    for line in lines {
        parsed.push(line.trim().parse()?);
    }
    Ok(parsed)
}

#[offload]
fn largest<T: Ord + Send + 'static>(items: Vec<T>) -> Option<T> {
    items.into_iter().max()
}

#[offload]
fn render(count: usize) -> impl std::fmt::Display + Send + 'static {
    "*".repeat(count)
}

#[offload]
fn sum_pair((a, b): (u64, u64), _: Marker) -> u64 {
    a + b
}

struct Marker;

struct Index {
    words: Vec<String>,
}

impl Index {
    #[offload]
    fn count_matching(self: Arc<Self>, prefix: String) -> usize {
        self.words.iter().filter(|w| w.starts_with(&prefix)).count()
    }

    #[offload]
    fn into_sorted(mut self) -> Vec<String> {
        self.words.sort();
        self.words
    }
}

#[tokio::test]
async fn signatures_are_kept_question_mark_generics_impl_trait_methods() {
    assert_eq!(
        parse_all(vec!["1".into(), " 22 ".into()]).await,
        Ok(vec![1, 22])
    );
    assert!(parse_all(vec!["x".into()]).await.is_err());
    assert_eq!(largest(vec!["b", "c", "a"]).await, Some("c"));
    assert_eq!(render(3).await.to_string(), "***");
    assert_eq!(sum_pair((2, 40), Marker).await, 42);
    let index = Arc::new(Index {
        words: vec!["tokio".into(), "tower".into(), "serde".into()],
    });
    assert_eq!(Arc::clone(&index).count_matching("to".into()).await, 2);
    let index = Arc::try_unwrap(index).ok().unwrap();
    assert_eq!(index.into_sorted().await, ["serde", "tokio", "tower"]);
}

#[offload]
fn checked_divide(a: u32, b: u32) -> u32 {
    assert!(b != 0, "division of {a} by zero");
    a / b
}

#[tokio::test]
async fn a_panic_resumes_in_the_caller_with_its_payload() {
    assert_eq!(checked_divide(9, 3).await, 3);
    let payload = AssertUnwindSafe(checked_divide(1, 0))
        .catch_unwind()
        .await
        .unwrap_err();
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("division of 1 by zero")
    );
}

#[offload]
fn runs_on(_: ()) -> std::thread::ThreadId {
    std::thread::current().id()
}

#[tokio::test(flavor = "current_thread")]
async fn the_body_runs_on_another_thread() {
    assert_ne!(runs_on(()).await, std::thread::current().id());
}
