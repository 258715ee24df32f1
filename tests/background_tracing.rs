//! Panics in background jobs are reported through `tracing`. Alone in its own test binary:
//! `tracing` caches which callsites are enabled process-wide, so a thread-local recorder
//! is only reliable when no other test thread emits events at the same time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_hygiene::registry::BackgroundError;
use async_hygiene::{background, shutdown};
use tokio::time::sleep;

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
    let (events, _recording) = capture_events();
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

    let events = events.lock().unwrap();
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

/// Records every `tracing` event emitted on this thread as `LEVEL field=value …`.
/// A current-thread runtime runs every job on the test's thread, where the recorder is
/// the default subscriber while the guard lives.
fn capture_events() -> (Arc<Mutex<Vec<String>>>, tracing::subscriber::DefaultGuard) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let guard = tracing::subscriber::set_default(EventRecorder(Arc::clone(&events)));
    (events, guard)
}

struct EventRecorder(Arc<Mutex<Vec<String>>>);

impl tracing::Subscriber for EventRecorder {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        struct Fields(String);
        impl tracing::field::Visit for Fields {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                use std::fmt::Write as _;
                let _ = write!(self.0, " {}={value:?}", field.name());
            }
        }
        let mut fields = Fields(event.metadata().level().to_string());
        event.record(&mut fields);
        self.0.lock().unwrap().push(fields.0);
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}
