//! Panics in background jobs are reported through `tracing`. Alone in its own test binary:
//! `tracing` caches which callsites are enabled process-wide, so a thread-local recorder
//! is only reliable when no other test thread emits events at the same time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_hygiene::registry::BackgroundError;
use async_hygiene::{background, shutdown};
use tokio::time::sleep;

#[path = "support/event_log.rs"]
mod event_log;

use event_log::EventLog;

#[background]
async fn count_after(delay: Duration, counter: Arc<AtomicUsize>) {
    sleep(delay).await;
    counter.fetch_add(1, Ordering::SeqCst);
}

#[background]
async fn explode(message: String) {
    tokio::task::yield_now().await;
    panic!("{message}");
}

#[tokio::test(start_paused = true)]
async fn a_panic_is_reported_counted_and_never_cancels_a_sibling() {
    // A current-thread runtime runs every job on the test's thread, where the log is the
    // default subscriber while the guard lives.
    let log = Arc::new(EventLog::default());
    let _recording = tracing::subscriber::set_default(Arc::clone(&log));
    let counter = Arc::new(AtomicUsize::new(0));
    let sibling = count_after(Duration::from_millis(50), Arc::clone(&counter));
    let failing = explode("disk full".to_owned());
    explode("second failure".to_owned());

    assert_eq!(
        failing.await,
        Err(BackgroundError::Panicked {
            job: "explode",
            message: "disk full".to_owned()
        })
    );
    assert_eq!(sibling.await, Ok(()));
    let report = shutdown(Duration::from_secs(1)).await;
    assert_eq!((report.completed, report.panicked), (1, 2));
    assert_eq!(counter.load(Ordering::SeqCst), 1);

    let events = log.events();
    let panics: Vec<&String> = events
        .iter()
        .filter(|event| event.starts_with("ERROR"))
        .collect();
    assert_eq!(panics.len(), 2, "{events:#?}");
    for message in ["disk full", "second failure"] {
        assert!(
            panics.iter().any(|event| event.contains("job=\"explode\"")
                && event.contains(&format!("panic={message}"))),
            "{panics:#?}"
        );
    }
}
