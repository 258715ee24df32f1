//! Reports are `tracing` warnings with structured fields. Its own test binary: tracing
//! caches a callsite's interest process-wide, and when a sibling test thread without a
//! subscriber reaches the `warn!` first, a scoped subscriber on another thread never sees
//! it (tokio-rs/tracing#3611).

use std::time::Duration;

const BLOCKING: Duration = Duration::from_millis(250);

fn load_config(blocking: Duration) -> u32 {
    std::thread::sleep(blocking);
    7
}

/// Records the events it sees: enough of a `tracing` subscriber to check the report's
/// level, target and fields.
#[derive(Default)]
struct EventLog(std::sync::Mutex<Vec<String>>);

impl tracing::Subscriber for EventLog {
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
                // Writing to a `String` cannot fail.
                let _ = write!(self.0, " {}={value:?}", field.name());
            }
        }
        let metadata = event.metadata();
        let mut fields = Fields(format!("{} {}:", metadata.level(), metadata.target()));
        event.record(&mut fields);
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(fields.0);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

async fn traced() {
    async_hygiene::__private::watch_body_on!(
        name = "traced",
        output = (),
        body = {
            load_config(BLOCKING);
        }
    );
}

#[test]
fn reports_are_tracing_warnings_with_structured_fields() {
    let log = std::sync::Arc::new(EventLog::default());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime builds");
    // Scoped to this thread, where the current-thread runtime polls.
    tracing::subscriber::with_default(log.clone(), || runtime.block_on(traced()));
    let events = log
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    assert_eq!(events.len(), 1, "{events:#?}");
    let event = &events[0];
    assert!(
        event.starts_with(
            "WARN async_hygiene::watchdog: message=a poll of `watchdog_tracing::traced`"
        ),
        "{event}"
    );
    for field in [
        " function=watchdog_tracing::traced",
        " file=\"tests/watchdog_tracing.rs\"",
        " threshold_us=100000",
    ] {
        assert!(event.contains(field), "{field} not in {event}");
    }
}
