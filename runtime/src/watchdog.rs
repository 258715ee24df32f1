//! The poll watchdog: names the async fn whose poll blocked the executor thread.
//!
//! The compiler cannot see blocking hidden in a sync callee (a helper in another module
//! that sleeps, reads a file or spins on CPU work). At run time it is visible: one poll of
//! the future takes far longer than a poll should. With the `watchdog` feature on, every
//! async fn annotated with one of the attributes that keep an async body
//! (`#[no_blocking]`, `#[concurrent]`, `#[bounded]`) times each poll of its body and
//! reports any poll above a threshold with the function's path, its source location and
//! the measured duration — Python's asyncio debug mode, for tokio, on stable Rust.
//! Methods under `#[async_trait]` are watched inside their boxed future under any of the
//! three, `#[no_blocking]` alone included.
//!
//! # Switching it on
//!
//! - **Compile time**: the facade's feature `watchdog` (usually only for tests and
//!   staging: `cargo test --features async-hygiene/watchdog`). Without it the attributes
//!   emit the plain body: no wrapper, no clock read, identical future size.
//! - **Run time**, when compiled in: [`set_mode`] / [`set_threshold`], or the environment,
//!   read once at the first watched poll:
//!   - `ASYNC_HYGIENE_WATCHDOG=off|warn|strict` (default `warn`);
//!   - `ASYNC_HYGIENE_WATCHDOG_MS=<milliseconds>`, decimals allowed (`0.05` is 50 µs);
//!     default [`DEFAULT_THRESHOLD`], 100 ms as in asyncio.
//!
//!   A malformed value panics at the first watched poll (a typo in `strict` must not
//!   silently turn a failing CI run into a passing one); call [`init_from_env`] at start-up
//!   to get it as a [`ConfigError`] instead.
//!
//! The feature behaves the same in debug and release builds: turning it on is the
//! decision, and warn mode is cheap enough for a staging or canary deployment.
//!
//! # Cost and precision
//!
//! With a threshold of [`COARSE_CLOCK_MIN_THRESHOLD`] (20 ms) or more, which includes the
//! default, a poll is timed against a coarse clock kept by a ticker thread (started at the
//! first watched poll, waking every threshold/20, between 1 and 5 ms): a few uncontended
//! atomic loads and a thread-local read per poll, about 2 ns with the wrapper, and a
//! measured duration that is a lower bound, short of the truth by one tick plus however
//! late the ticker was scheduled. It can miss a slow poll when the machine is too loaded to
//! run the ticker, but never reports a fast one. Below 20 ms each poll reads
//! `Instant::now()` twice (about 25 ns) and the duration is exact.
//! `cargo run --release --example bench_watchdog` measures both against the plain body.
//!
//! # Reports
//!
//! [`Mode::Warn`] emits a `tracing::warn!` (target `async_hygiene::watchdog`; printed to
//! stderr when no tracing subscriber is installed), increments [`slow_poll_count`] and
//! keeps the report in [`recent_slow_polls`]. [`Mode::Strict`] records the same and then
//! panics, so a test suite fails where something blocks.
//!
//! When a watched fn awaits another watched fn that blocks, only the innermost is
//! reported: the outer poll is reported only if its own time, excluding the nested slow
//! polls already reported, is above the threshold.
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
//! for report in watchdog::recent_slow_polls() {
//!     eprintln!("{report}");
//! }
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// The threshold above which a single poll is reported: 100 ms, asyncio's
/// `slow_callback_duration`.
///
/// It targets blocking, not tuning: a poll of well-behaved async code takes microseconds,
/// a blocking file read or `thread::sleep` takes milliseconds, and unoptimised debug builds
/// make honest CPU work slow enough that tokio-metrics' 50 µs would report everything.
/// Lower it with [`set_threshold`] or `ASYNC_HYGIENE_WATCHDOG_MS` to hunt smaller stalls.
pub const DEFAULT_THRESHOLD: Duration = Duration::from_millis(100);

/// Whether the annotated async fns of this build are instrumented at all, i.e. whether
/// the `watchdog` feature is on. When `false`, configuration has no effect.
pub const COMPILED_IN: bool = cfg!(feature = "watchdog");

/// How many reports [`recent_slow_polls`] keeps; older ones are dropped first.
pub const RECENT_CAPACITY: usize = 64;

/// The environment variable selecting the [`Mode`].
pub const MODE_ENV: &str = "ASYNC_HYGIENE_WATCHDOG";

/// The environment variable setting the threshold in milliseconds.
pub const THRESHOLD_ENV: &str = "ASYNC_HYGIENE_WATCHDOG_MS";

/// What the watchdog does with a poll above the threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// Do not time polls (one atomic load per poll remains).
    Off,
    /// Report through `tracing::warn!`, the counter and the recent reports.
    #[default]
    Warn,
    /// Report as [`Mode::Warn`] does, then panic.
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
        }
    }
}

impl std::error::Error for ConfigError {}

/// Parses a threshold in milliseconds, as `ASYNC_HYGIENE_WATCHDOG_MS` holds it.
fn parse_threshold_ms(value: &str) -> Result<Duration, ConfigError> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .and_then(|ms| Duration::try_from_secs_f64(ms / 1000.0).ok())
        .ok_or_else(|| ConfigError::InvalidThreshold(value.to_owned()))
}

static MODE: AtomicU8 = AtomicU8::new(Mode::UNINITIALISED);
// u64 nanoseconds cover 584 years: no threshold anyone sets overflows it.
static THRESHOLD_NANOS: AtomicU64 = AtomicU64::new(duration_to_nanos(DEFAULT_THRESHOLD));
static SLOW_POLLS: AtomicU64 = AtomicU64::new(0);
static RECENT: Mutex<VecDeque<SlowPoll>> = Mutex::new(VecDeque::new());

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

/// Reads `ASYNC_HYGIENE_WATCHDOG` and `ASYNC_HYGIENE_WATCHDOG_MS` now and applies them,
/// or returns the first malformed one as an error (applying neither).
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
        Ok(value) => Some(parse_threshold_ms(&value)?),
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
/// `Instant` (see the module docs). [`Duration::ZERO`] reports every poll, which is a way
/// to see how often and how long a fn is polled.
pub fn set_threshold(threshold: Duration) {
    ensure_initialised();
    THRESHOLD_NANOS.store(duration_to_nanos(threshold), Ordering::Relaxed);
}

/// How many slow polls were reported since the start of the process (or [`reset`]).
#[must_use]
pub fn slow_poll_count() -> u64 {
    SLOW_POLLS.load(Ordering::Relaxed)
}

/// The last [`RECENT_CAPACITY`] reports, oldest first.
#[must_use]
pub fn recent_slow_polls() -> Vec<SlowPoll> {
    lock_recent().iter().cloned().collect()
}

/// Sets the counter to zero and forgets the recent reports. Mode and threshold stay.
pub fn reset() {
    let mut recent = lock_recent();
    SLOW_POLLS.store(0, Ordering::Relaxed);
    recent.clear();
}

fn lock_recent() -> std::sync::MutexGuard<'static, VecDeque<SlowPoll>> {
    // A panic while the lock was held cannot leave the queue inconsistent.
    RECENT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One poll of a watched async fn that took longer than the threshold.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SlowPoll {
    /// The path of the async fn, as `crate::module::Type::method` (from
    /// `std::any::type_name`, so the exact form is best-effort).
    pub function: String,
    /// The source file of the fn, as `file!()` gives it.
    pub file: &'static str,
    /// The line of the fn's name.
    pub line: u32,
    /// The column of the fn's name.
    pub column: u32,
    /// How long the poll took: exact below [`COARSE_CLOCK_MIN_THRESHOLD`], otherwise a
    /// lower bound, short by one tick of the coarse clock (at most 5 ms) on a machine that
    /// runs the ticker thread on time.
    pub duration: Duration,
    /// The part of `duration` spent in nested watched fns whose slow polls were reported
    /// on their own.
    pub nested: Duration,
    /// The threshold in force when the poll was measured.
    pub threshold: Duration,
}

impl fmt::Display for SlowPoll {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a poll of `{}` ({}:{}:{}) blocked its executor thread for {:.1?} (threshold {:?})",
            self.function, self.file, self.line, self.column, self.duration, self.threshold,
        )?;
        if !self.nested.is_zero() {
            write!(
                f,
                ", {:.1?} of it in nested fns reported separately",
                self.nested
            )?;
        }
        f.write_str(
            "; move blocking or CPU-heavy work to `tokio::task::spawn_blocking` or an \
             `#[offload]` fn",
        )
    }
}

/// Thresholds from this one up are measured with the coarse clock of a ticker thread
/// (see "Cost and precision" in the [module docs](self)); below it, each poll reads
/// `Instant::now()` twice.
pub const COARSE_CLOCK_MIN_THRESHOLD: Duration = Duration::from_millis(20);

/// A coarse clock for timing polls at the cost of two atomic loads, not two
/// `Instant::now()` calls (about 25 ns a poll on a 2-core VM, more than an empty poll
/// costs).
///
/// A ticker thread sleeps one tick (a twentieth of the threshold, 1 to 5 ms), publishes
/// the tick's number, then records the time it published it in a ring. A poll reads the
/// number before and after. Every tick numbered after the start was published after the
/// poll began, so `now - published_at(start + 1)` is a *lower bound* of the poll's
/// duration, short of the truth by about one tick when the ticker runs on time. Only a
/// poll that spans two ticks or more reads the clock at all. An overloaded machine that
/// delays the ticker can make the watchdog miss a slow poll, never invent one.
mod clock {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::{Once, OnceLock};
    use std::time::{Duration, Instant};

    const TICK_MIN: Duration = Duration::from_millis(1);
    const TICK_MAX: Duration = Duration::from_millis(5);
    const RING_LEN: usize = 1024;
    /// Ticks of the ring that a reader trusts: the ticker may be overwriting the oldest.
    const RING_TRUSTED: u64 = RING_LEN as u64 - 16;

    static BASE: OnceLock<Instant> = OnceLock::new();
    static TICKS: AtomicU64 = AtomicU64::new(0);
    static WOKE_AT_NANOS: [AtomicU64; RING_LEN] = [const { AtomicU64::new(0) }; RING_LEN];
    static START: Once = Once::new();
    static RUNNING: AtomicBool = AtomicBool::new(false);

    fn now_nanos() -> u64 {
        super::duration_to_nanos(BASE.get_or_init(Instant::now).elapsed())
    }

    fn slot(tick: u64) -> &'static AtomicU64 {
        // The remainder is below `RING_LEN`, a `usize`: no truncation.
        #[allow(clippy::cast_possible_truncation)]
        &WOKE_AT_NANOS[(tick % RING_LEN as u64) as usize]
    }

    /// Starts the ticker on first use; `false` if the thread could not be spawned.
    #[inline]
    pub(super) fn ticking() -> bool {
        START.call_once(|| {
            slot(0).store(now_nanos(), Ordering::Relaxed);
            let spawned = std::thread::Builder::new()
                .name("async-hygiene-watchdog".to_owned())
                .spawn(run)
                .is_ok();
            RUNNING.store(spawned, Ordering::Relaxed);
        });
        RUNNING.load(Ordering::Relaxed)
    }

    fn run() {
        loop {
            let threshold = Duration::from_nanos(super::THRESHOLD_NANOS.load(Ordering::Relaxed));
            std::thread::sleep((threshold / 20).clamp(TICK_MIN, TICK_MAX));
            let tick = TICKS.load(Ordering::Relaxed) + 1;
            // Publish first, then take the time: a poll that read an older number began
            // before this time, which is what makes it a lower bound. Readers use a slot
            // only once the next tick is published, so they never see it unwritten.
            TICKS.store(tick, Ordering::Release);
            slot(tick).store(now_nanos(), Ordering::Release);
        }
    }

    /// The count of ticks published so far. A poll reads it before (`start`) and after
    /// (`end`); with `end < start + 2`, at most one tick fell inside (5 ms at most when
    /// the ticker runs on time): below any threshold this clock is used for.
    #[inline]
    pub(super) fn tick() -> u64 {
        // Acquire: the slots of the ticks before it are written (see `elapsed`).
        TICKS.load(Ordering::Acquire)
    }

    /// A lower bound of the time between two reads of [`tick`], `start` and `end`, where
    /// `end >= start + 2`; short by about a tick.
    pub(super) fn elapsed(start: u64, end: u64) -> Duration {
        let now = now_nanos();
        // `end`'s own slot may not be written yet; every earlier one is (acquire above).
        let first_inside = (start + 1).max(end.saturating_sub(RING_TRUSTED));
        debug_assert!(first_inside < end);
        // Ticks that fell out of the ring still each account for at least `TICK_MIN`.
        let forgotten = first_inside - (start + 1);
        let since_first = now.saturating_sub(slot(first_inside).load(Ordering::Relaxed));
        Duration::from_nanos(since_first) + TICK_MIN * u32::try_from(forgotten).unwrap_or(u32::MAX)
    }
}

thread_local! {
    // The blocking time that slow polls on this thread have reported, ever (it only
    // grows, wrapping). A watched poll reads it before and, when slow, after: the
    // difference is what nested watched polls reported, which the outer fn leaves to the
    // innermost. A fast poll never writes it.
    static REPORTED_NANOS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Decides whether a poll that took `duration` is slow, and reports it. `reported_before`
/// is [`REPORTED_NANOS`] when the poll began.
#[cold]
#[inline(never)]
fn check_slow_poll(site: &'static __private::WatchSite, duration: Duration, reported_before: u64) {
    let reported = REPORTED_NANOS.get();
    let nested = Duration::from_nanos(reported.wrapping_sub(reported_before));
    let own = duration.saturating_sub(nested);
    if own > Duration::from_nanos(THRESHOLD_NANOS.load(Ordering::Relaxed)) {
        // An enclosing watched poll now sees all of this poll as reported.
        REPORTED_NANOS.set(reported.wrapping_add(duration_to_nanos(own)));
        report(site, duration, nested);
    }
}

fn report(site: &'static __private::WatchSite, duration: Duration, nested: Duration) {
    let threshold = Duration::from_nanos(THRESHOLD_NANOS.load(Ordering::Relaxed));
    let slow_poll = SlowPoll {
        function: site.function_path(),
        file: site.file,
        line: site.line,
        column: site.column,
        duration,
        nested,
        threshold,
    };
    tracing::warn!(
        target: "async_hygiene::watchdog",
        function = %slow_poll.function,
        file = slow_poll.file,
        line = slow_poll.line,
        column = slow_poll.column,
        duration_us = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX),
        threshold_us = u64::try_from(threshold.as_micros()).unwrap_or(u64::MAX),
        "{slow_poll}"
    );
    // Like asyncio's debug mode, which logs through `logging`'s last-resort stderr handler:
    // a report nobody can see helps nobody.
    let no_subscriber = tracing::dispatcher::get_default(
        tracing::Dispatch::is::<tracing::subscriber::NoSubscriber>,
    );
    if no_subscriber {
        eprintln!("WARN async_hygiene::watchdog: {slow_poll}");
    }
    {
        let mut recent = lock_recent();
        SLOW_POLLS.fetch_add(1, Ordering::Relaxed);
        if recent.len() == RECENT_CAPACITY {
            recent.pop_front();
        }
        recent.push_back(slow_poll.clone());
    }
    assert!(
        current_mode() != Mode::Strict,
        "async-hygiene watchdog (strict mode): {slow_poll}"
    );
}

/// Support for the code the attributes generate. Not public API.
#[doc(hidden)]
pub mod __private {
    use super::{check_slow_poll, clock, current_mode, Context, Future, Instant, Mode, Pin, Poll};
    use super::{duration_to_nanos, COARSE_CLOCK_MIN_THRESHOLD, REPORTED_NANOS, THRESHOLD_NANOS};
    use std::sync::atomic::Ordering;

    pub use crate::{
        __async_hygiene_watch_body as watch_body, __async_hygiene_watch_body_on as watch_body_on,
    };
    // `$crate` in the macros names this crate, not the facade that re-exports `core`.
    pub use ::core as watch_core;

    /// Where a watched fn is: one `static` per annotated fn.
    #[derive(Debug)]
    pub struct WatchSite {
        pub(super) file: &'static str,
        pub(super) line: u32,
        pub(super) column: u32,
        function: &'static str,
        // `type_name` of a struct declared in the fn's body: the fn's full path, including
        // the `impl` it is in, which the macro cannot see. Resolved only when reporting.
        marker_type_name: fn() -> &'static str,
    }

    impl WatchSite {
        #[must_use]
        pub const fn new(
            function: &'static str,
            file: &'static str,
            line: u32,
            column: u32,
            marker_type_name: fn() -> &'static str,
        ) -> Self {
            WatchSite {
                file,
                line,
                column,
                function,
                marker_type_name,
            }
        }

        /// `krate::module::Type::method::{{closure}}::Marker` → `krate::module::Type::method`.
        pub(super) fn function_path(&self) -> String {
            let marker_path = (self.marker_type_name)();
            let mut segments: Vec<&str> = split_path(marker_path);
            segments.pop();
            segments.retain(|segment| *segment != "{{closure}}");
            match segments.last() {
                Some(last) if last.ends_with(self.function) => segments.join("::"),
                // The type name did not have the expected shape: the name alone is correct.
                _ => self.function.to_owned(),
            }
        }
    }

    /// Splits a type name on the `::` that are not inside `<…>`.
    fn split_path(path: &str) -> Vec<&str> {
        let mut segments = Vec::new();
        let mut depth = 0_usize;
        let mut start = 0;
        let bytes = path.as_bytes();
        let mut index = 0;
        while index < bytes.len() {
            match bytes[index] {
                b'<' => depth += 1,
                b'>' => depth = depth.saturating_sub(1),
                b':' if depth == 0 && bytes.get(index + 1) == Some(&b':') => {
                    segments.push(&path[start..index]);
                    index += 2;
                    start = index;
                    continue;
                }
                _ => {}
            }
            index += 1;
        }
        segments.push(&path[start..]);
        segments
    }

    /// Polls `future` once, timing the poll.
    ///
    /// A poll below the threshold reads a few uncontended atomics and one thread-local
    /// (about 1 ns with the coarse clock, see `bench_watchdog`); the rest is out of line.
    #[inline]
    pub fn watch_poll<F: Future + ?Sized>(
        site: &'static WatchSite,
        future: Pin<&mut F>,
        cx: &mut Context<'_>,
    ) -> Poll<F::Output> {
        if current_mode() == Mode::Off {
            return future.poll(cx);
        }
        let threshold_nanos = THRESHOLD_NANOS.load(Ordering::Relaxed);
        let reported_before = REPORTED_NANOS.get();
        if threshold_nanos >= duration_to_nanos(COARSE_CLOCK_MIN_THRESHOLD) && clock::ticking() {
            let start = clock::tick();
            let poll = future.poll(cx);
            let end = clock::tick();
            if end >= start + 2 {
                check_slow_poll(site, clock::elapsed(start, end), reported_before);
            }
            poll
        } else {
            let start = Instant::now();
            let poll = future.poll(cx);
            let duration = start.elapsed();
            // Nested reports can only make this poll's own time shorter.
            if duration_to_nanos(duration) > threshold_nanos {
                check_slow_poll(site, duration, reported_before);
            }
            poll
        }
    }

    #[cfg(test)]
    mod tests {
        use super::split_path;

        #[test]
        fn split_path_ignores_separators_inside_generics() {
            assert_eq!(
                split_path("<k::m::Foo<k::A> as k::Tr>::x::Marker"),
                ["<k::m::Foo<k::A> as k::Tr>", "x", "Marker"]
            );
            assert_eq!(
                split_path("k::Foo<_>::m::{{closure}}::Marker"),
                ["k", "Foo<_>", "m", "{{closure}}", "Marker"]
            );
        }
    }
}

/// With the `watchdog` feature on: times each poll of the body. Called by the code the
/// attributes generate, as
/// `watch_body!(name = "f", site = (file!(), line!(), column!()), output = Ret, body = { … })`
/// (`output` is absent when the return type cannot be named, e.g. it contains
/// `impl Trait`; `site` defaults to the location of the call).
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
    (name = $name:literal, $(site = $site:tt,)? $(output = $output:ty,)? body = $body:block) => {
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
///     poll_fn(|cx| watch_poll(site, watched.as_mut(), cx)).await
/// }
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! __async_hygiene_watch_body_on {
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
    (@expand $name:literal, ($file:expr, $line:expr, $column:expr), $future:expr) => {{
        // Items are not hygienic in `macro_rules!`: declared in their own block, they
        // cannot shadow a name the body uses.
        let async_hygiene_site: &'static $crate::__private::WatchSite = {
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
        };
        // Pinned in the fn's own future and polled through `poll_fn`: no extra state
        // machine around the body.
        let mut async_hygiene_watched = $crate::__private::watch_core::pin::pin!($future);
        $crate::__private::watch_core::future::poll_fn(|cx| {
            $crate::__private::watch_poll(async_hygiene_site, async_hygiene_watched.as_mut(), cx)
        })
        .await
    }};
}
