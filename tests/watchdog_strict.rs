//! Strict mode panics, so a test suite fails where something blocks. Its own test binary:
//! the mode is process-wide and would turn the reports of `tests/it/watchdog.rs` into panics.

use std::time::Duration;

use async_hygiene::watchdog::{self, Mode};

async fn blocks_for(duration: Duration) -> u32 {
    async_hygiene::__private::watch_body_on!(
        name = "blocks_for",
        output = u32,
        body = {
            tokio::task::yield_now().await;
            async_hygiene::allow_blocking!(
                "blocks on purpose: the watchdog under test must see a slow poll",
                std::thread::sleep(duration)
            );
            1
        }
    )
}

/// Sync code the attribute cannot see into (a macro call in the body would send it to
/// the wrapper).
#[cfg(feature = "watchdog")]
fn sleep_for(duration: Duration) {
    async_hygiene::allow_blocking!(
        "blocks on purpose: the watchdog under test must see a slow poll",
        std::thread::sleep(duration)
    );
}

#[cfg(feature = "watchdog")]
#[async_hygiene::no_blocking]
async fn annotated_blocks_for(duration: Duration) -> u32 {
    tokio::task::yield_now().await;
    sleep_for(duration);
    1
}

#[tokio::test]
async fn strict_mode_panics_after_recording_the_report() {
    watchdog::set_mode(Mode::Strict);
    // Generous: a fast poll of this test must not exceed it even on a loaded machine.
    watchdog::set_threshold(Duration::from_millis(100));
    assert_eq!(watchdog::mode(), Mode::Strict);

    // Below the threshold: strict mode changes nothing.
    assert_eq!(blocks_for(Duration::from_millis(1)).await, 1);
    assert_eq!(watchdog::slow_poll_count(), 0);

    let error = tokio::spawn(blocks_for(Duration::from_millis(300)))
        .await
        .expect_err("a poll above the threshold panics in strict mode");
    let payload = error.into_panic();
    let message = payload
        .downcast_ref::<String>()
        .expect("the panic carries a formatted message");
    assert!(
        message.starts_with(
            "async-hygiene watchdog (strict mode): `watchdog_strict::blocks_for` blocked its \
             executor thread for "
        ),
        "{message}"
    );
    // Watched without the attribute: the yield before the sleep is not marked.
    assert!(
        message.contains("between an unmarked await of the fn (tests/watchdog_strict.rs:9:")
            && message.contains(") and the return (threshold 100ms)"),
        "{message}"
    );
    assert!(message.contains("(threshold 100ms)"), "{message}");

    // The report is recorded before the panic, for code that inspects it afterwards.
    assert_eq!(watchdog::slow_poll_count(), 1);
    let stats = watchdog::stats_for("blocks_for").expect("the fn was polled");
    assert_eq!(stats.slow_polls, 1);
    let longest = stats.longest.expect("the slow poll is the longest");
    assert_eq!(longest.function, "watchdog_strict::blocks_for");
    // Coarse clock (threshold ≥ 20 ms): a lower bound, short by about a tick.
    assert!(longest.duration >= Duration::from_millis(250));

    // Below 20 ms the poll is timed exactly with `Instant`. (A loaded machine may add
    // reports of the fast first poll: look for the blocking one.)
    watchdog::set_mode(Mode::Warn);
    watchdog::set_threshold(Duration::from_millis(15));
    let (value, reports) = watchdog::collect(blocks_for(Duration::from_millis(60))).await;
    assert_eq!(value, 1);
    let exact = reports
        .slow_polls
        .into_iter()
        .find(|report| report.duration >= Duration::from_millis(60))
        .expect("the 60 ms poll is reported");
    assert_eq!(exact.threshold, Duration::from_millis(15));
    // The same with the body's own watch state (the attribute, no wrapper).
    #[cfg(feature = "watchdog")]
    {
        let (value, reports) =
            watchdog::collect(annotated_blocks_for(Duration::from_millis(60))).await;
        assert_eq!(value, 1);
        let exact = reports
            .slow_polls
            .into_iter()
            .find(|report| report.duration >= Duration::from_millis(60))
            .expect("the 60 ms stretch is reported");
        assert!(
            exact
                .to_string()
                .contains(" and the return (threshold 15ms)"),
            "{exact}"
        );
    }

    // Off: nothing is timed, nothing reported.
    watchdog::set_mode(Mode::Off);
    let count = watchdog::slow_poll_count();
    assert_eq!(blocks_for(Duration::from_millis(200)).await, 1);
    #[cfg(feature = "watchdog")]
    assert_eq!(annotated_blocks_for(Duration::from_millis(200)).await, 1);
    assert_eq!(watchdog::slow_poll_count(), count);

    watchdog::reset();
    assert_eq!(watchdog::slow_poll_count(), 0);
    let stats = watchdog::stats_for("blocks_for").expect("reset keeps the fn");
    assert_eq!((stats.polls, stats.slow_polls, stats.longest), (0, 0, None));
    assert_eq!(watchdog::mode(), Mode::Off);
}
