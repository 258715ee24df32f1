//! Enough of a `tracing` subscriber to check what our runtime reports: it records every
//! event as `LEVEL target: field=value …`. Include it with
//! `#[path = "support/event_log.rs"] mod event_log;`.
//!
//! Use it from a test binary of its own: `tracing` caches a callsite's interest
//! process-wide, so a subscriber scoped to one thread can miss events when a sibling test
//! thread without one reaches the callsite first (tokio-rs/tracing#3611).

use std::sync::{Mutex, PoisonError};

/// The events seen so far, formatted one per entry.
#[derive(Default)]
pub(crate) struct EventLog(Mutex<Vec<String>>);

impl EventLog {
    /// A copy of the events recorded so far.
    pub(crate) fn events(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

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
            .unwrap_or_else(PoisonError::into_inner)
            .push(fields.0);
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}
