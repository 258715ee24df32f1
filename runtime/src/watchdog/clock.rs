//! A coarse clock for timing polls at the cost of two atomic loads, not two
//! `Instant::now()` calls (which cost more than an empty poll; `docs/benchmarks.md` has
//! the figures).
//!
//! A ticker thread sleeps one tick (a twentieth of the threshold, 1 to 5 ms), publishes
//! the tick's number, then records the time it published it in a ring. A poll reads the
//! number before and after. Every tick numbered after the start was published after the
//! poll began, so `now - published_at(start + 1)` is a *lower bound* of the poll's
//! duration, short of the truth by about one tick when the ticker runs on time. Only a
//! poll that spans two ticks or more reads the clock at all. An overloaded machine that
//! delays the ticker can make the watchdog miss a slow poll, never invent one.
//!
//! The same thread is the hang monitor: after each tick it looks at the polls running
//! on the threads that watched (see `monitor`), so a poll that never returns is reported
//! while it runs.

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

/// Nanoseconds since the clock's base: the exact clock of thresholds below the coarse one's.
pub(super) fn now_nanos() -> u64 {
    super::duration_to_nanos(BASE.get_or_init(Instant::now).elapsed())
}

fn slot(tick: u64) -> &'static AtomicU64 {
    // The remainder is below `RING_LEN`, a `usize`: no truncation.
    #[allow(clippy::cast_possible_truncation)]
    &WOKE_AT_NANOS[(tick % RING_LEN as u64) as usize]
}

/// Starts the ticker on first use; `false` if the thread could not be spawned. Called
/// when a poll settles the plan (see `settle_plan`), which then reads [`started`].
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

/// Whether [`ticking`] was called (it has returned, or is returning, on some thread).
pub(super) fn started() -> bool {
    START.is_completed()
}

/// Whether the ticker thread runs (once [`started`]).
pub(super) fn running() -> bool {
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
        super::monitor::scan(tick);
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
