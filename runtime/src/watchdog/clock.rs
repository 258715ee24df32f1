//! A coarse clock for timing polls at the cost of two atomic loads, not two
//! `Instant::now()` calls (which cost more than an empty poll; `docs/benchmarks.md` has
//! the figures).
//!
//! A ticker thread sleeps one tick (a twentieth of the threshold, 1 to 5 ms), takes the
//! time, publishes the tick's number, then takes the time again, and records both in two
//! rings. A poll reads the number before (`start`) and after (`end`); only a poll that
//! spans two ticks or more reads the clock at all. The poll began after tick `start` was
//! published and before tick `start + 1` was, so its duration lies between
//! `now - after(start + 1)` (a lower bound, short of the truth by up to a tick) and
//! `now - before(start)` (an upper bound, long by up to a tick).
//!
//! A slow poll is measured by the upper bound ([`stall`]): a stall is never
//! under-measured, so a poll that blocked for exactly the threshold is reported. The
//! upper bound is capped two ticks above the lower one, so a ticker that the machine
//! delayed (a long gap before tick `start + 1`) cannot turn a short poll into a long one;
//! only then, when the ticker ran more than a tick late, can a stall be under-measured.
//! A hang (a poll still running) is measured by the lower bound ([`elapsed`]): the
//! monitor must never abort a process for a poll shorter than the hang threshold.
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
/// When each tick was published: taken just after publishing it (a lower bound's start).
static WOKE_AT_NANOS: [AtomicU64; RING_LEN] = [const { AtomicU64::new(0) }; RING_LEN];
/// When each tick was about to be published: taken just before (an upper bound's start).
static WAKING_AT_NANOS: [AtomicU64; RING_LEN] = [const { AtomicU64::new(0) }; RING_LEN];
static START: Once = Once::new();
static RUNNING: AtomicBool = AtomicBool::new(false);

/// Nanoseconds since the clock's base: the exact clock of thresholds below the coarse one's.
pub(super) fn now_nanos() -> u64 {
    super::duration_to_nanos(BASE.get_or_init(Instant::now).elapsed())
}

/// The time taken just after `tick` was published.
fn slot(tick: u64) -> &'static AtomicU64 {
    &WOKE_AT_NANOS[ring_index(tick)]
}

/// The time taken just before `tick` was published.
fn before_slot(tick: u64) -> &'static AtomicU64 {
    &WAKING_AT_NANOS[ring_index(tick)]
}

fn ring_index(tick: u64) -> usize {
    // The remainder is below `RING_LEN`, a `usize`: no truncation.
    #[allow(clippy::cast_possible_truncation)]
    let index = (tick % RING_LEN as u64) as usize;
    index
}

/// The nominal length of a tick at `threshold_nanos`: a twentieth of it, 1 to 5 ms.
fn tick_length(threshold_nanos: u64) -> Duration {
    (Duration::from_nanos(threshold_nanos) / 20).clamp(TICK_MIN, TICK_MAX)
}

/// Starts the ticker on first use; `false` if the thread could not be spawned. Called
/// when a poll settles the plan (see `settle_plan`), which then reads [`started`].
pub(super) fn ticking() -> bool {
    START.call_once(|| {
        let now = now_nanos();
        before_slot(0).store(now, Ordering::Relaxed);
        slot(0).store(now, Ordering::Relaxed);
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
        std::thread::sleep(tick_length(super::THRESHOLD_NANOS.load(Ordering::Relaxed)));
        let tick = TICKS.load(Ordering::Relaxed) + 1;
        // The time before publishing: a poll that read this number began after it, which
        // makes it an upper bound's start; written before the release below, so a reader
        // that saw the number sees it.
        before_slot(tick).store(now_nanos(), Ordering::Relaxed);
        // Publish, then take the time: a poll that read an older number began before
        // this time, which makes it a lower bound's start. Readers use this slot only
        // once the next tick is published, so they never see it unwritten.
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
/// `end >= start + 2`; short by up to a tick. What the hang monitor measures.
pub(super) fn elapsed(start: u64, end: u64) -> Duration {
    lower_bound(now_nanos(), start, end)
}

fn lower_bound(now: u64, start: u64, end: u64) -> Duration {
    // `end`'s own slot may not be written yet; every earlier one is (acquire above).
    let first_inside = (start + 1).max(end.saturating_sub(RING_TRUSTED));
    debug_assert!(first_inside < end);
    // Ticks that fell out of the ring still each account for at least `TICK_MIN`.
    let forgotten = first_inside - (start + 1);
    let since_first = now.saturating_sub(slot(first_inside).load(Ordering::Relaxed));
    Duration::from_nanos(since_first) + TICK_MIN * u32::try_from(forgotten).unwrap_or(u32::MAX)
}

/// The duration of a slow poll between two reads of [`tick`], `start` and `end`, where
/// `end >= start + 2`: at least the real one while the ticker runs at most a tick late
/// (see [`stall_bound`]). What a slow poll is reported with.
pub(super) fn stall(start: u64, end: u64) -> Duration {
    let now = now_nanos();
    let lower = lower_bound(now, start, end);
    if end - start > RING_TRUSTED {
        // `start`'s slot may be overwritten; a poll this long is far above any threshold.
        return lower;
    }
    let upper =
        Duration::from_nanos(now.saturating_sub(before_slot(start).load(Ordering::Relaxed)));
    stall_bound(
        lower,
        upper,
        tick_length(super::THRESHOLD_NANOS.load(Ordering::Relaxed)),
    )
}

/// A slow poll's reported duration from the two bounds of the coarse clock: the upper
/// bound, capped two nominal ticks above the lower one.
///
/// Input: `lower = now - after(start + 1)`, `upper = now - before(start)`, `tick` the
/// nominal tick. The real duration `d` lies in `lower..=upper`, and `upper - lower` is the
/// gap between ticks `start` and `start + 1` as the ticker took it. Output: `upper` when
/// that gap was at most two ticks (the ticker on time, or late by up to a tick): then
/// `d <= output <= d + 2 * tick`. When the ticker was later than that, `lower + 2 * tick`:
/// a short poll in a long gap is not reported as long, and a long one may be reported
/// short by the ticker's delay.
fn stall_bound(lower: Duration, upper: Duration, tick: Duration) -> Duration {
    upper.min(lower + 2 * tick).max(lower)
}

#[cfg(test)]
mod tests {
    use super::{stall_bound, tick_length};
    use std::time::Duration;

    /// The ticker's timeline, in nanoseconds: tick `k` is about to be published at
    /// `before(k)` and was published at `after(k)`.
    struct Timeline {
        before: Vec<u64>,
        after: Vec<u64>,
    }

    impl Timeline {
        /// Ticks every `tick` from 0, each late by `late(k)`; taking the time around the
        /// publication costs `publish` nanoseconds.
        fn new(tick: Duration, ticks: u64, late: impl Fn(u64) -> u64) -> Self {
            let tick = u64::try_from(tick.as_nanos()).unwrap_or(u64::MAX);
            let mut timeline = Timeline {
                before: Vec::new(),
                after: Vec::new(),
            };
            let mut at = 0;
            for k in 0..ticks {
                if k > 0 {
                    // `thread::sleep` sleeps at least the tick, from the last wake-up.
                    at = timeline.after[timeline.after.len() - 1] + tick + late(k);
                }
                timeline.before.push(at);
                timeline.after.push(at + 300);
            }
            timeline
        }

        /// The last tick published at or before `time` (what `tick()` reads then).
        fn tick_at(&self, time: u64) -> usize {
            self.before.iter().rposition(|&at| at <= time).unwrap_or(0)
        }

        /// What the coarse clock reports for a poll from `start` lasting `length`:
        /// `None` when at most one tick fell inside (the clock is not read).
        fn measure(&self, start: u64, length: u64, tick: Duration) -> Option<(Duration, Duration)> {
            let end = start + length;
            let (first, last) = (self.tick_at(start), self.tick_at(end));
            if last < first + 2 {
                return None;
            }
            let lower = Duration::from_nanos(end - self.after[first + 1]);
            let upper = Duration::from_nanos(end - self.before[first]);
            Some((lower, stall_bound(lower, upper, tick)))
        }
    }

    const MS: u64 = 1_000_000;

    #[test]
    fn a_stall_of_the_threshold_is_never_under_measured() {
        // The default threshold: 100 ms, ticks of 5 ms, each a little late as
        // `thread::sleep` is.
        let threshold = Duration::from_millis(100);
        let tick = tick_length(100 * MS);
        assert_eq!(tick, Duration::from_millis(5));
        let timeline = Timeline::new(tick, 200, |k| 20_000 + (k * 7_919) % 400_000);
        let mut lowest_lower_bound = Duration::MAX;
        // Every phase of the poll's start against the ticks, 10 µs apart.
        for start in (0..10 * MS).step_by(10_000).map(|offset| 50 * MS + offset) {
            let (lower, reported) = timeline
                .measure(start, 100 * MS, tick)
                .expect("a 100 ms poll spans many ticks");
            lowest_lower_bound = lowest_lower_bound.min(lower);
            assert!(reported >= threshold, "{reported:?} from {start}");
            assert!(
                reported <= threshold + 2 * tick,
                "{reported:?} from {start}"
            );
        }
        // The lower bound alone, as reported before, fell short by up to a tick (the
        // 93.9 ms of a 100 ms block).
        assert!(lowest_lower_bound < Duration::from_millis(96));
    }

    #[test]
    fn a_late_ticker_does_not_make_a_short_poll_long() {
        // The machine delays the ticker 200 ms after tick 10; a 7 ms poll starts just
        // before tick 11 and spans two ticks.
        let tick = Duration::from_millis(5);
        let timeline = Timeline::new(tick, 40, |k| if k == 11 { 200 * MS } else { 0 });
        let start = timeline.before[11] - MS;
        let (lower, reported) = timeline
            .measure(start, 7 * MS, tick)
            .expect("the poll spans ticks 11 and 12");
        assert!(lower <= Duration::from_millis(7));
        assert!(reported >= Duration::from_millis(7));
        assert!(reported <= lower + 2 * tick, "{reported:?}");
        assert!(reported < Duration::from_millis(20));
    }
}
