//! Configuration from the environment. Its own test binary: it sets process-wide
//! environment variables, and the watchdog reads them once.

use std::time::Duration;

use async_hygiene::watchdog::{self, ConfigError, Mode, MODE_ENV, THRESHOLD_ENV};

async fn watched() -> u8 {
    async_hygiene::__private::watch_body_on!(name = "watched", output = u8, body = { 1 })
}

#[test]
fn modes_parse_case_insensitively_and_reject_the_rest() {
    assert_eq!(" Strict ".parse::<Mode>(), Ok(Mode::Strict));
    assert_eq!("off".parse::<Mode>(), Ok(Mode::Off));
    assert_eq!("WARN".parse::<Mode>(), Ok(Mode::Warn));
    let error = "stirct".parse::<Mode>().expect_err("a typo is not a mode");
    assert_eq!(error, ConfigError::InvalidMode("stirct".to_owned()));
    assert_eq!(
        error.to_string(),
        "ASYNC_HYGIENE_WATCHDOG=\"stirct\" is not a watchdog mode; expected one of `off`, `warn`, `strict`"
    );
}

#[tokio::test]
async fn the_environment_configures_the_first_watched_poll() {
    // `set_var` races with threads reading the environment; this binary's other test
    // does not read it.
    std::env::set_var(MODE_ENV, "stirct");
    std::env::set_var(THRESHOLD_ENV, "250.5");
    assert_eq!(
        watchdog::init_from_env(),
        Err(ConfigError::InvalidMode("stirct".to_owned()))
    );
    // A typo must not silently weaken a strict CI run: the first watched poll panics.
    let error = tokio::spawn(watched())
        .await
        .expect_err("a malformed mode panics at the first watched poll");
    let payload = error.into_panic();
    let message = payload
        .downcast_ref::<String>()
        .expect("a formatted message");
    assert!(
        message.contains("ASYNC_HYGIENE_WATCHDOG=\"stirct\""),
        "{message}"
    );

    std::env::set_var(MODE_ENV, "strict");
    std::env::set_var(THRESHOLD_ENV, "-3");
    let error = watchdog::init_from_env().expect_err("negative thresholds are rejected");
    assert_eq!(error, ConfigError::InvalidThreshold("-3".to_owned()));
    assert!(error.to_string().contains("milliseconds"), "{error}");

    std::env::set_var(THRESHOLD_ENV, "250.5");
    assert_eq!(watched().await, 1);
    assert_eq!(watchdog::mode(), Mode::Strict);
    assert_eq!(watchdog::threshold(), Duration::from_micros(250_500));

    // Code overrides the environment, and later implicit reads do not undo it.
    watchdog::set_threshold(Duration::from_millis(30));
    watchdog::set_mode(Mode::Warn);
    assert_eq!(watchdog::mode(), Mode::Warn);
    assert_eq!(watchdog::threshold(), Duration::from_millis(30));

    // An explicit read applies the environment again.
    watchdog::init_from_env().expect("the environment is well-formed now");
    assert_eq!(watchdog::mode(), Mode::Strict);
    assert_eq!(watchdog::threshold(), Duration::from_micros(250_500));

    // Each setting applies from the next poll (a poll reads them as one derived byte):
    // mode `off` leaves the fn unwatched, not even counted ...
    let polls = || watchdog::stats_for("watched").map_or(0, |stats| stats.polls);
    let before = polls();
    watchdog::set_mode(Mode::Off);
    assert_eq!(watched().await, 1);
    assert_eq!(polls(), before, "a poll in mode off is not watched");
    // ... and a threshold below the coarse clock's range times each poll with `Instant`:
    // zero reports every poll, however fast, which the coarse clock would not see.
    watchdog::set_mode(Mode::Warn);
    watchdog::set_threshold(Duration::ZERO);
    let (value, reports) = watchdog::collect(watched()).await;
    assert_eq!(value, 1);
    assert_eq!(polls(), before + 1);
    assert_eq!(reports.of("watched").len(), 1, "{reports:?}");
}
