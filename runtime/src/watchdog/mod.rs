//! The poll watchdog: names the lines whose poll blocked the executor thread, and a poll
//! that hangs while it hangs.
//!
//! The compiler cannot see blocking hidden in a sync callee (a helper in another module
//! that sleeps, reads a file or spins on CPU work). At run time it is visible: one poll of
//! the future takes far longer than a poll should. With the `watchdog` feature on, every
//! async fn annotated with one of the attributes that keep an async body
//! (`#[no_blocking]`, `#[concurrent]`, `#[bounded]`, also on `#[async_trait]` methods)
//! times each poll of its body and reports a poll above the threshold as the *stretch of
//! code* it ran, between two points where the fn can suspend:
//!
//! ```text
//! WARN async_hygiene::watchdog: `orders::verify_address` blocked its executor thread for 150.2ms between the start of the fn (src/service.rs:64:10) and the await at src/service.rs:71:41 (threshold 100ms); move blocking or CPU-heavy work to `tokio::task::spawn_blocking` or an `#[offload]` fn
//! ```
//!
//! A poll resumes where the previous one suspended and runs to the next await that is
//! pending, or to the return: the attributes mark each `.await` of the body with its
//! location (see [`Stretch`]), so the blocking call is between the two lines named. A
//! body whose suspension points are all visible awaits keeps its own watch state, and
//! its marked awaits end one timed stretch and begin the next (no wrapper around the
//! body); any other (`select!`, `join!`, a macro that may hide an `.await`) is polled
//! through a wrapper that times each poll, its marks recording the last await reached. `in the await at …` means the poll resumed in that await and was
//! pending in it again: the blocking is inside the awaited future.
//!
//! A poll that never returns (a deadlock through a nested `block_on`, an endless loop) is
//! reported *while it runs*, by a monitor thread, once it has run past the hang threshold
//! (1 s by default), with the fn, where the poll resumed and how long it has run: a
//! [`Hang`].
//!
//! # Switching it on
//!
//! - **Compile time**: the facade's feature `watchdog` (usually only for tests and
//!   staging: `cargo test --features async-hygiene/watchdog`). Without it the attributes
//!   emit the plain body: no wrapper, no marks, no clock read, identical future size.
//! - **Run time**, when compiled in: [`set_mode`], [`set_threshold`],
//!   [`set_hang_threshold`], or the environment, read once at the first watched poll:
//!   - `ASYNC_HYGIENE_WATCHDOG=off|warn|strict` (default `warn`);
//!   - `ASYNC_HYGIENE_WATCHDOG_MS=<milliseconds>`, decimals allowed (`0.05` is 50 µs);
//!     default [`DEFAULT_THRESHOLD`], 100 ms as in asyncio;
//!   - `ASYNC_HYGIENE_WATCHDOG_HANG_MS=<milliseconds>`; default
//!     [`DEFAULT_HANG_THRESHOLD`], 1 s as tokio-console's "never yielded".
//!
//!   A malformed value panics at the first watched poll (a typo in `strict` must not
//!   silently turn a failing CI run into a passing one); call [`init_from_env`] at start-up
//!   to get it as a [`ConfigError`] instead.
//!
//! The feature behaves the same in debug and release builds: turning it on is the
//! decision, and warn mode is cheap enough for a staging or canary deployment.
//!
//! # Reports
//!
//! - [`Mode::Warn`]: a slow poll is a `tracing::warn!` (target `async_hygiene::watchdog`,
//!   fields `function`, `file`, `line`, `column`, `duration_us`, `threshold_us`), a hang a
//!   `tracing::error!`. When no tracing subscriber is installed, the report is written to
//!   the process's stderr handle directly, not through `eprintln!`, which libtest captures:
//!   under plain `cargo test` the reports of *passing* tests show too. Each fn's numbers
//!   are kept in its [`FnStats`] ([`stats`], [`stats_for`]); a test checks its own future
//!   with [`collect`], without process-wide state.
//! - [`Mode::Strict`]: a slow poll is recorded as in warn mode, then panics, never at a
//!   line of this crate: at the `.await` where the slow stretch ended (the marked
//!   future's `poll` is `#[track_caller]`), or at the attribute of a wrapped body
//!   (`#[track_caller]` from the generated code down), so "panicked at" names the user's
//!   file and line. A stretch that ends at the return of a body with its own state
//!   (reported from the state's `drop`) and a future watched by name unwind
//!   (`resume_unwind`, no "panicked at") with the fn's or the `watch` call's location in
//!   the message. A hang is reported,
//!   then the process **aborts**: the stuck thread cannot be unwound from the monitor, and
//!   a CI run that waits for it would die at its own timeout with no name.
//!
//! When a watched fn awaits another watched fn that blocks, only the innermost is
//! reported: the outer poll is reported only if its own time, excluding the nested slow
//! polls already reported, is above the threshold (and the same for hangs).
//!
//! Futures no attribute instruments (the tasks an application spawns in `main`, a
//! library's future) are watched by name with [`watch`] and [`spawn_watched`], named at
//! their call site.
//!
//! # Cost and precision
//!
//! With a threshold of [`COARSE_CLOCK_MIN_THRESHOLD`] (20 ms) or more, which includes the
//! default, a poll is timed against a coarse clock kept by a ticker thread (started at the
//! first watched poll, waking every threshold/20, between 1 and 5 ms; it is also the hang
//! monitor). Per poll: one byte of settings (the mode, the threshold and the ticker's
//! state folded into one plan when they change), two reads of the clock's tick, the fn's
//! poll count and the thread's monitor slot written (one word each, plain stores), and
//! the watch state's few words (a body with its own state) or the wrapper's state machine
//! and a thread-local per marked await (a wrapped body); `cargo run --release --features
//! watchdog --example bench_watchdog` measures both against the plain body (about 80 and
//! 120 instructions a poll on an empty `yield_now` poll, see the README).
//!
//! A slow poll's duration on the coarse clock is an upper bound, long by at most two
//! ticks: a stall is never under-measured, so **every poll that runs the threshold or
//! longer is reported**, and a poll as short as the threshold minus two ticks (a tenth of
//! it, at most 10 ms: from 90 ms at the default) may be. That holds while the ticker
//! runs at most a tick late; a machine too loaded to run it can delay a report, or
//! under-measure a poll by the ticker's delay, but does not turn a short poll into a
//! long one. A hang is measured the other way round, by a lower bound short by up to a
//! tick: the monitor never reports (in strict mode: aborts for) a poll still shorter
//! than the hang threshold. Below 20 ms each poll reads `Instant::now()` twice (about
//! 25 ns more) and the duration is exact: the effective threshold is the threshold.
//!
//! ```
//! # extern crate async_hygiene_runtime as async_hygiene;
//! use async_hygiene::watchdog::{self, Mode};
//! use std::time::Duration;
//!
//! watchdog::set_mode(Mode::Strict);
//! watchdog::set_threshold(Duration::from_millis(20));
//! assert_eq!(watchdog::mode(), Mode::Strict);
//! assert_eq!(watchdog::threshold(), Duration::from_millis(20));
//! watchdog::set_hang_threshold(Duration::from_secs(5));
//! for stats in watchdog::stats() {
//!     eprintln!("{}: {} polls, {} slow", stats.function, stats.polls, stats.slow_polls);
//! }
//! ```

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::time::Duration;

mod clock;
mod monitor;
pub use monitor::MAX_MONITORED_THREADS;
mod poll;
mod report;
mod scope;
mod stats;
mod tracked;
mod watched;

pub use report::{Hang, Point, SlowPoll, Stretch};
pub use scope::{collect, Collect, Reports};
pub use stats::{stats, stats_for, FnStats};
pub use watched::{spawn_watched, watch, Watched};

/// The threshold above which a single poll is reported: 100 ms, asyncio's
/// `slow_callback_duration`.
///
/// It targets blocking, not tuning: a poll of well-behaved async code takes microseconds,
/// a blocking file read or `thread::sleep` takes milliseconds, and unoptimised debug builds
/// make honest CPU work slow enough that tokio-metrics' 50 µs would report everything.
/// Lower it with [`set_threshold`] or `ASYNC_HYGIENE_WATCHDOG_MS` to hunt smaller stalls.
///
/// Effective threshold: every poll of 100 ms or more is reported; polls from 90 ms may be
/// too, since the coarse clock rounds a duration up by up to two of its 5 ms ticks (see
/// "Cost and precision" in the [module docs](self)).
pub const DEFAULT_THRESHOLD: Duration = Duration::from_millis(100);

/// Whether the annotated async fns of this build are instrumented at all, i.e. whether
/// the `watchdog` feature is on. When `false`, configuration has no effect.
pub const COMPILED_IN: bool = cfg!(feature = "watchdog");

/// How long one poll may run before the monitor thread reports it *while it runs*, as
/// a hang: 1 s, tokio-console's "never yielded" warning.
pub const DEFAULT_HANG_THRESHOLD: Duration = Duration::from_secs(1);

/// The environment variable selecting the [`Mode`].
pub const MODE_ENV: &str = "ASYNC_HYGIENE_WATCHDOG";

/// The environment variable setting the threshold in milliseconds.
pub const THRESHOLD_ENV: &str = "ASYNC_HYGIENE_WATCHDOG_MS";

/// The environment variable setting the hang threshold in milliseconds.
pub const HANG_THRESHOLD_ENV: &str = "ASYNC_HYGIENE_WATCHDOG_HANG_MS";

/// What the watchdog does with a poll above the threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// Do not time polls (one atomic load per poll remains).
    Off,
    /// Report slow polls and hangs (tracing, or stderr), count them in [`stats`].
    #[default]
    Warn,
    /// Report as [`Mode::Warn`] does, then panic at the watched fn on a slow poll, abort
    /// the process on a hang.
    Strict,
}

impl Mode {
    const UNINITIALISED: u8 = 0;

    fn to_u8(self) -> u8 {
        match self {
            Mode::Off => 1,
            Mode::Warn => 2,
            Mode::Strict => 3,
        }
    }

    fn from_u8(value: u8) -> Self {
        match value {
            1 => Mode::Off,
            3 => Mode::Strict,
            _ => Mode::Warn,
        }
    }
}

impl FromStr for Mode {
    type Err = ConfigError;

    fn from_str(value: &str) -> Result<Self, ConfigError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "off" => Ok(Mode::Off),
            "warn" => Ok(Mode::Warn),
            "strict" => Ok(Mode::Strict),
            _ => Err(ConfigError::InvalidMode(value.to_owned())),
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Off => "off",
            Mode::Warn => "warn",
            Mode::Strict => "strict",
        })
    }
}

/// A malformed watchdog setting in the environment.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// `ASYNC_HYGIENE_WATCHDOG` is not one of `off`, `warn`, `strict`.
    InvalidMode(String),
    /// `ASYNC_HYGIENE_WATCHDOG_MS` is not a finite, non-negative number of milliseconds.
    InvalidThreshold(String),
    /// `ASYNC_HYGIENE_WATCHDOG_HANG_MS` is not a finite, non-negative number of
    /// milliseconds.
    InvalidHangThreshold(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::InvalidMode(value) => write!(
                f,
                "{MODE_ENV}={value:?} is not a watchdog mode; expected one of `off`, `warn`, `strict`"
            ),
            ConfigError::InvalidThreshold(value) => write!(
                f,
                "{THRESHOLD_ENV}={value:?} is not a threshold; expected a number of milliseconds \
                 such as `100` or `0.05`"
            ),
            ConfigError::InvalidHangThreshold(value) => write!(
                f,
                "{HANG_THRESHOLD_ENV}={value:?} is not a hang threshold; expected a number of \
                 milliseconds such as `1000`"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Parses a threshold in milliseconds, as `ASYNC_HYGIENE_WATCHDOG_MS` holds it.
fn parse_ms(value: &str) -> Option<Duration> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .and_then(|ms| Duration::try_from_secs_f64(ms / 1000.0).ok())
}

static MODE: AtomicU8 = AtomicU8::new(Mode::UNINITIALISED);
// u64 nanoseconds cover 584 years: no threshold anyone sets overflows it.
static THRESHOLD_NANOS: AtomicU64 = AtomicU64::new(duration_to_nanos(DEFAULT_THRESHOLD));
static HANG_THRESHOLD_NANOS: AtomicU64 = AtomicU64::new(duration_to_nanos(DEFAULT_HANG_THRESHOLD));
static SLOW_POLLS: AtomicU64 = AtomicU64::new(0);

/// What a watched poll does, derived from the mode, the threshold and the ticker, so that
/// a poll reads one byte instead of three settings and a `Once` (see [`refresh_plan`]).
pub(super) static PLAN: AtomicU8 = AtomicU8::new(Plan::Unsettled as u8);

/// How a watched poll is timed, if at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum Plan {
    /// The environment is not read yet or the ticker not started: the poll settles it.
    Unsettled = 0,
    /// Mode `off`: the body is polled as it is.
    Off = 1,
    /// Timed with the coarse clock: thresholds from [`COARSE_CLOCK_MIN_THRESHOLD`] up.
    Coarse = 2,
    /// Timed with `Instant`: a lower threshold, or no ticker thread.
    Exact = 3,
}

/// The plan the settings make now.
fn settled_plan() -> Plan {
    match MODE.load(Ordering::SeqCst) {
        Mode::UNINITIALISED => Plan::Unsettled,
        mode if Mode::from_u8(mode) == Mode::Off => Plan::Off,
        _ if !clock::started() => Plan::Unsettled,
        _ if !clock::running()
            || THRESHOLD_NANOS.load(Ordering::SeqCst)
                < duration_to_nanos(COARSE_CLOCK_MIN_THRESHOLD) =>
        {
            Plan::Exact
        }
        _ => Plan::Coarse,
    }
}

/// Stores the plan after a setting changed. Each writer checks, after its own store, that
/// the settings still make the plan it stored: the last store is then never a stale one,
/// even when two threads change settings at once.
fn refresh_plan() {
    loop {
        let plan = settled_plan();
        PLAN.store(plan as u8, Ordering::SeqCst);
        if settled_plan() == plan {
            return;
        }
    }
}

/// The plan of a watched poll: one relaxed load on the fast path.
#[inline]
fn plan() -> Plan {
    match PLAN.load(Ordering::Relaxed) {
        1 => Plan::Off,
        2 => Plan::Coarse,
        3 => Plan::Exact,
        _ => settle_plan(),
    }
}

/// The first watched poll (or the first after the settings were read): reads the
/// environment (panicking on a malformed value), starts the ticker unless the mode is
/// `off`, and stores the plan.
#[cold]
#[inline(never)]
fn settle_plan() -> Plan {
    if current_mode() != Mode::Off {
        clock::ticking();
    }
    refresh_plan();
    match settled_plan() {
        // Another thread reset the mode meanwhile: time this poll exactly.
        Plan::Unsettled => Plan::Exact,
        plan => plan,
    }
}

const fn duration_to_nanos(duration: Duration) -> u64 {
    let nanos = duration.as_nanos();
    if nanos > u64::MAX as u128 {
        u64::MAX
    } else {
        #[allow(clippy::cast_possible_truncation)] // checked just above
        {
            nanos as u64
        }
    }
}

/// Reads `ASYNC_HYGIENE_WATCHDOG`, `ASYNC_HYGIENE_WATCHDOG_MS` and
/// `ASYNC_HYGIENE_WATCHDOG_HANG_MS` now and applies them, or returns the first malformed
/// one as an error (applying none).
///
/// Optional: the first use of the watchdog (a watched poll, [`mode`], [`set_mode`], …)
/// reads the environment anyway, once, and a watched poll panics on a malformed value.
/// Settings made with [`set_mode`] or [`set_threshold`] after this call override the
/// environment.
pub fn init_from_env() -> Result<(), ConfigError> {
    apply_env(true)
}

fn apply_env(overwrite: bool) -> Result<(), ConfigError> {
    let mode = match std::env::var(MODE_ENV) {
        Ok(value) => value.parse()?,
        Err(_) => Mode::default(),
    };
    let threshold = match std::env::var(THRESHOLD_ENV) {
        Ok(value) => Some(parse_ms(&value).ok_or(ConfigError::InvalidThreshold(value))?),
        Err(_) => None,
    };
    let hang_threshold = match std::env::var(HANG_THRESHOLD_ENV) {
        Ok(value) => Some(parse_ms(&value).ok_or(ConfigError::InvalidHangThreshold(value))?),
        Err(_) => None,
    };
    // The implicit first read must not undo a `set_mode` or `set_threshold` that another
    // thread made meanwhile: it applies the environment only while nothing is set.
    let applies = overwrite
        || MODE
            .compare_exchange(
                Mode::UNINITIALISED,
                mode.to_u8(),
                Ordering::Relaxed,
                Ordering::Relaxed,
            )
            .is_ok();
    if applies {
        MODE.store(mode.to_u8(), Ordering::Relaxed);
        if let Some(threshold) = threshold {
            THRESHOLD_NANOS.store(duration_to_nanos(threshold), Ordering::Relaxed);
        }
        if let Some(hang_threshold) = hang_threshold {
            HANG_THRESHOLD_NANOS.store(duration_to_nanos(hang_threshold), Ordering::Relaxed);
        }
        refresh_plan();
    }
    Ok(())
}

/// Reads the environment if nothing has been configured yet; a malformed value is left
/// for the first watched poll to report.
fn ensure_initialised() {
    if MODE.load(Ordering::Relaxed) == Mode::UNINITIALISED {
        let _ = apply_env(false);
    }
}

#[cold]
fn init_from_env_or_panic() -> Mode {
    if let Err(error) = apply_env(false) {
        panic!("async-hygiene watchdog: {error}");
    }
    Mode::from_u8(MODE.load(Ordering::Relaxed))
}

#[inline]
fn current_mode() -> Mode {
    match MODE.load(Ordering::Relaxed) {
        Mode::UNINITIALISED => init_from_env_or_panic(),
        value => Mode::from_u8(value),
    }
}

/// The current mode: the last [`set_mode`], else `ASYNC_HYGIENE_WATCHDOG`, else
/// [`Mode::Warn`].
///
/// # Panics
///
/// If the mode has not been set yet and the environment holds a malformed setting.
#[must_use]
pub fn mode() -> Mode {
    current_mode()
}

/// Sets the mode for every watched fn of the process, overriding the environment.
pub fn set_mode(mode: Mode) {
    // Read the environment first so that its threshold still applies.
    ensure_initialised();
    MODE.store(mode.to_u8(), Ordering::Relaxed);
    refresh_plan();
}

/// The current threshold: the last [`set_threshold`], else `ASYNC_HYGIENE_WATCHDOG_MS`,
/// else [`DEFAULT_THRESHOLD`].
#[must_use]
pub fn threshold() -> Duration {
    ensure_initialised();
    Duration::from_nanos(THRESHOLD_NANOS.load(Ordering::Relaxed))
}

/// Sets the threshold above which one poll is reported. From
/// [`COARSE_CLOCK_MIN_THRESHOLD`] up polls are timed with the coarse clock, below it with
/// `Instant` (see the module docs): on the coarse clock every poll of the threshold or
/// more is reported, and one as short as the threshold minus a tenth of it (at most
/// 10 ms less) may be. [`Duration::ZERO`] reports every poll, which is a way
/// to see how often and how long a fn is polled.
pub fn set_threshold(threshold: Duration) {
    ensure_initialised();
    THRESHOLD_NANOS.store(duration_to_nanos(threshold), Ordering::Relaxed);
    refresh_plan();
}

/// The threshold above which one poll still running is reported as a hang: the last
/// [`set_hang_threshold`], else `ASYNC_HYGIENE_WATCHDOG_HANG_MS`, else
/// [`DEFAULT_HANG_THRESHOLD`].
#[must_use]
pub fn hang_threshold() -> Duration {
    ensure_initialised();
    Duration::from_nanos(HANG_THRESHOLD_NANOS.load(Ordering::Relaxed))
}

/// Sets how long one poll may run before the monitor thread reports it while it runs
/// (see [`Hang`]). Measured with the coarse clock: a hang is reported within a few
/// milliseconds after the threshold on a machine that runs the monitor thread on time.
pub fn set_hang_threshold(threshold: Duration) {
    ensure_initialised();
    HANG_THRESHOLD_NANOS.store(duration_to_nanos(threshold), Ordering::Relaxed);
}

/// How many slow polls were reported since the start of the process (or [`reset`]), all
/// fns together; [`stats`] has them per fn.
#[must_use]
pub fn slow_poll_count() -> u64 {
    SLOW_POLLS.load(Ordering::Relaxed)
}

/// Sets the counter and every fn's [`stats`] to zero. Mode and thresholds stay.
pub fn reset() {
    SLOW_POLLS.store(0, Ordering::Relaxed);
    stats::reset();
}

/// Thresholds from this one up are measured with the coarse clock of a ticker thread
/// (see "Cost and precision" in the [module docs](self)); below it, each poll reads
/// `Instant::now()` twice.
pub const COARSE_CLOCK_MIN_THRESHOLD: Duration = Duration::from_millis(20);

/// Support for the code the attributes generate. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use super::poll::{at_await, at_await_macro, watch_poll, PollState, Resume, WatchSite};
    pub use super::tracked::{mark_await, never_taken, Marked, WatchState};
    pub use crate::{
        __async_hygiene_watch_body as watch_body, __async_hygiene_watch_body_on as watch_body_on,
    };
    // `$crate` in the macros names this crate, not the facade that re-exports `core`.
    pub use ::core as watch_core;
}

/// With the `watchdog` feature on: times each poll of the body. Called by the code the
/// attributes generate, as
/// `watch_body!(name = "f", site = (file!(), line!(), column!()), output = Ret, body = { … },
/// tracked = (state) { … })` or `…, marked = { … })` (`output` is absent when the return
/// type cannot be named, e.g. it contains `impl Trait` or is `!`; `site` defaults to the
/// location of the call; `tracked` is the body with each `.await` marked by
/// `mark_await(&state, …)`, watched without a wrapper, and `marked` the body with each
/// `.await` marked by `at_await`, watched through one; either is used instead of `body`).
#[cfg(feature = "watchdog")]
#[doc(hidden)]
#[macro_export]
macro_rules! __async_hygiene_watch_body {
    ($($args:tt)*) => {
        $crate::__async_hygiene_watch_body_on!($($args)*)
    };
}

/// Without the `watchdog` feature: the plain body, at zero cost.
#[cfg(not(feature = "watchdog"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __async_hygiene_watch_body {
    (
        name = $name:literal,
        $(site = $site:tt,)?
        $(output = $output:ty,)?
        body = $body:block
        $(, marked = $marked:tt)?
        $(, tracked = $state:tt $tracked:tt)?
    ) => {
        $body
    };
}

/// The watched body, whatever the feature; tests use it to check the watched path.
///
/// Input:  `name = "f", site = (file, line, column), output = Ret, body = { body }`
/// Output:
/// ```text
/// {
///     let site = {
///         struct AsyncHygieneWatchMarker;   // its type_name is the fn's path
///         static SITE: WatchSite = WatchSite::new("f", file, line, column, …);
///         &SITE
///     };
///     let mut watched = pin!(async move {
///         // Fixes the block's output type, so `?` and `return` infer as in the fn.
///         if let Some(ret) = None::<Ret> { return ret; }
///         body
///     });
///     let mut state = PollState::new(site);   // where the next poll resumes, polls
///     poll_fn(move |cx| watch_poll(&mut state, watched.as_mut(), cx)).await
/// }
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! __async_hygiene_watch_body_on {
    // A body whose every suspension point is a marked await: no wrapper, the body keeps
    // its own watch state (see `watchdog::tracked`).
    // The fn's return type reaches the body's value through a second arm that is never
    // taken: the attributes end the call with `;` in a fn returning `()`, where a tail
    // `pending().await` must still infer `()`. A statement after the body would be
    // unreachable code in a body that diverges (`loop { … }`), and a value of the output
    // type in the scrutinee would live across the awaits (a future holding an
    // `Option<Json<T>>` is not `Send` unless `T` is): the type is a turbofish, where `'_`
    // is inferred as in the fn.
    (
        name = $name:literal,
        site = ($file:expr, $line:expr, $column:expr $(,)?),
        output = $output:ty,
        body = $body:tt,
        tracked = ($state:ident) $tracked:block
    ) => {
        match (
            $crate::__private::WatchState::start(
                $crate::__async_hygiene_watch_body_on!(@site $name, ($file, $line, $column))
            ),
            true,
        ) {
            ($state, true) => $tracked,
            (_, false) => $crate::__private::never_taken::<$output>(),
        }
    };
    (
        name = $name:literal,
        site = ($file:expr, $line:expr, $column:expr $(,)?),
        body = $body:tt,
        tracked = ($state:ident) $tracked:block
    ) => {
        match $crate::__private::WatchState::start(
            $crate::__async_hygiene_watch_body_on!(@site $name, ($file, $line, $column))
        ) {
            $state => $tracked
        }
    };
    // The marked body replaces the plain one.
    (
        name = $name:literal,
        $(site = $site:tt,)?
        $(output = $output:ty,)?
        body = $body:tt,
        marked = $marked:block
    ) => {
        $crate::__async_hygiene_watch_body_on!(
            name = $name,
            $(site = $site,)?
            $(output = $output,)?
            body = $marked
        )
    };
    // Without `site`, the location of this call.
    (name = $name:literal, $(output = $output:ty,)? body = $body:block) => {
        $crate::__async_hygiene_watch_body_on!(
            name = $name,
            site = (
                $crate::__private::watch_core::file!(),
                $crate::__private::watch_core::line!(),
                $crate::__private::watch_core::column!()
            ),
            $(output = $output,)?
            body = $body
        )
    };
    (
        name = $name:literal,
        site = ($file:expr, $line:expr, $column:expr $(,)?),
        output = $output:ty,
        body = $body:block
    ) => {
        $crate::__async_hygiene_watch_body_on!(@expand $name, ($file, $line, $column), async move {
            if let $crate::__private::watch_core::option::Option::Some(__async_hygiene_ret) =
                $crate::__private::watch_core::option::Option::None::<$output>
            {
                #[allow(unreachable_code)]
                return __async_hygiene_ret;
            }
            $body
        })
    };
    (name = $name:literal, site = ($file:expr, $line:expr, $column:expr $(,)?), body = $body:block) => {
        $crate::__async_hygiene_watch_body_on!(@expand $name, ($file, $line, $column), async move $body)
    };
    // The fn's `&'static WatchSite`. Items are not hygienic in `macro_rules!`: declared
    // in their own block, they cannot shadow a name the body uses.
    (@site $name:literal, ($file:expr, $line:expr, $column:expr)) => {{
        struct AsyncHygieneWatchMarker;
        static ASYNC_HYGIENE_WATCH_SITE: $crate::__private::WatchSite =
            $crate::__private::WatchSite::new(
                $name,
                $file,
                $line,
                $column,
                $crate::__private::watch_core::any::type_name::<AsyncHygieneWatchMarker>,
            );
        &ASYNC_HYGIENE_WATCH_SITE
    }};
    (@expand $name:literal, ($file:expr, $line:expr, $column:expr), $future:expr) => {{
        let async_hygiene_site: &'static $crate::__private::WatchSite =
            $crate::__async_hygiene_watch_body_on!(@site $name, ($file, $line, $column));
        // Pinned in the fn's own future and polled through `poll_fn`: no extra state
        // machine around the body. The closure owns the site and where the body resumes
        // (`move`): a poll reads them beside the pinned body's pointer, not through
        // references to the fn's locals.
        let mut async_hygiene_watched = $crate::__private::watch_core::pin::pin!($future);
        let mut async_hygiene_state = $crate::__private::PollState::new(async_hygiene_site);
        $crate::__private::watch_core::future::poll_fn(move |cx| {
            $crate::__private::watch_poll(
                &mut async_hygiene_state,
                async_hygiene_watched.as_mut(),
                cx,
            )
        })
        .await
    }};
}
