//! Reports are `tracing` warnings with structured fields. Its own test binary: tracing
//! caches a callsite's interest process-wide, and when a sibling test thread without a
//! subscriber reaches the `warn!` first, a scoped subscriber on another thread never sees
//! it (tokio-rs/tracing#3611).

use std::time::Duration;

const BLOCKING: Duration = Duration::from_millis(250);

fn load_config(blocking: Duration) -> u32 {
    async_hygiene::allow_blocking!(
        "blocks on purpose: the watchdog under test must see a slow poll",
        std::thread::sleep(blocking)
    );
    7
}

#[path = "support/event_log.rs"]
mod event_log;

use event_log::EventLog;

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
    let events = log.events();
    assert_eq!(events.len(), 1, "{events:#?}");
    let event = &events[0];
    assert!(
        event.starts_with(
            "WARN async_hygiene::watchdog: message=`watchdog_tracing::traced` blocked its \
             executor thread for "
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
