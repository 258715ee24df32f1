//! The hang monitor: sees a poll that is still running past the hang threshold.
//!
//! A slow poll is measured when it ends; a poll that never ends (a deadlock through a
//! nested `block_on`, an endless loop) would never be reported, which is the worst case a
//! watchdog exists for. So each thread that runs watched polls publishes the one it is
//! running in a [`PollSlot`] (a few relaxed stores a poll, no lock), and the ticker
//! thread of the coarse clock scans the slots after each tick: a poll that has been
//! running longer than the hang threshold is reported then, once.
//!
//! Input: thread A polls `handler`, resumed at the await at src/api.rs:47, at tick 100.
//! Output, when the tick passes 100 + hang threshold and the slot still shows that poll:
//! ```text
//! WARN async_hygiene::watchdog: `app::handler` has been blocking its executor thread
//! for 1.0s since the await at src/api.rs:47:31, and the poll is still running …
//! ```

use std::sync::atomic::{fence, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use super::poll::Resume;
use super::report::{print_if_unobserved, Hang, Point};
use super::{clock, current_mode, stats, Mode, HANG_THRESHOLD_NANOS};

/// The watched poll a thread is running, published for the monitor.
///
/// Only the owning thread writes the poll fields; it marks them as being rewritten by
/// storing 0 in `running` first (a sequence lock): the monitor trusts a reading only when
/// `running` is the same non-zero number before and after it.
#[derive(Default)]
pub(super) struct PollSlot {
    /// How many polls the thread started; written by the owner only.
    started: AtomicU64,
    /// The number of the running poll, 0 when none runs (or while it is rewritten).
    running: AtomicU64,
    /// The coarse clock's tick when the poll began (less the time spent in nested
    /// watched polls, so that a hang is its own).
    start_tick: AtomicU64,
    /// The `WatchSite` id of the fn.
    site: AtomicU32,
    /// Where the poll resumed: 0 for the start of the fn, else `line << 32 | column`.
    resumed_at: AtomicU64,
    /// The number of the last poll reported as a hang; written by the monitor, and by
    /// the owner when it hands the report on to the poll it returns to.
    reported: AtomicU64,
}

/// A published poll, saved by a nested poll and restored when it ends.
#[derive(Clone, Copy)]
pub(super) struct Published {
    running: u64,
    start_tick: u64,
    site: u32,
    resumed_at: u64,
}

impl PollSlot {
    /// Publishes a new poll and returns the one it nests in.
    #[inline]
    pub(super) fn enter(&self, start_tick: u64, site: u32, resumed_at: u64) -> Published {
        let outer = Published {
            running: self.running.load(Ordering::Relaxed),
            start_tick: self.start_tick.load(Ordering::Relaxed),
            site: self.site.load(Ordering::Relaxed),
            resumed_at: self.resumed_at.load(Ordering::Relaxed),
        };
        let number = self.started.load(Ordering::Relaxed) + 1;
        self.started.store(number, Ordering::Relaxed);
        self.publish(Published {
            running: number,
            start_tick,
            site,
            resumed_at,
        });
        outer
    }

    /// Ends the current poll, begun at `start_tick`, and publishes `outer` again without
    /// the ticks the nested poll took.
    #[inline]
    pub(super) fn leave(&self, outer: Published, start_tick: u64, end_tick: u64) {
        if outer.running == 0 {
            self.running.store(0, Ordering::Release);
            return;
        }
        let inner = self.running.load(Ordering::Relaxed);
        if self.reported.load(Ordering::Relaxed) == inner {
            // The stuck inner poll was reported; its caller was stuck by it, not on its own.
            self.reported.store(outer.running, Ordering::Relaxed);
        }
        self.publish(Published {
            start_tick: outer.start_tick + end_tick.saturating_sub(start_tick),
            ..outer
        });
    }

    #[inline]
    fn publish(&self, poll: Published) {
        self.running.store(0, Ordering::Relaxed);
        fence(Ordering::Release);
        self.start_tick.store(poll.start_tick, Ordering::Relaxed);
        self.site.store(poll.site, Ordering::Relaxed);
        self.resumed_at.store(poll.resumed_at, Ordering::Relaxed);
        self.running.store(poll.running, Ordering::Release);
    }

    /// The running poll, if the reading is consistent.
    fn read(&self) -> Option<Published> {
        let running = self.running.load(Ordering::Acquire);
        if running == 0 {
            return None;
        }
        let poll = Published {
            running,
            start_tick: self.start_tick.load(Ordering::Relaxed),
            site: self.site.load(Ordering::Relaxed),
            resumed_at: self.resumed_at.load(Ordering::Relaxed),
        };
        fence(Ordering::Acquire);
        (self.running.load(Ordering::Relaxed) == running).then_some(poll)
    }
}

/// `line << 32 | column` of an await; 0 for the start of the fn (lines start at 1),
/// `u64::MAX` for an unmarked await.
#[inline]
pub(super) fn encode(resumed_at: Resume) -> u64 {
    match resumed_at {
        Resume::Start => 0,
        Resume::Await(location) => u64::from(location.line()) << 32 | u64::from(location.column()),
        Resume::Unmarked => u64::MAX,
    }
}

static SLOTS: Mutex<Vec<Weak<PollSlot>>> = Mutex::new(Vec::new());

fn lock_slots() -> std::sync::MutexGuard<'static, Vec<Weak<PollSlot>>> {
    SLOTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A slot for the calling thread, registered with the monitor.
#[cold]
pub(super) fn register_thread() -> Arc<PollSlot> {
    let slot = Arc::new(PollSlot::default());
    let mut slots = lock_slots();
    // Threads that ended dropped their slot.
    slots.retain(|slot| slot.strong_count() > 0);
    slots.push(Arc::downgrade(&slot));
    slot
}

/// Reports, once, every poll running for longer than the hang threshold; called by the
/// ticker thread after tick `now`.
pub(super) fn scan(now: u64) {
    let hang_threshold = Duration::from_nanos(HANG_THRESHOLD_NANOS.load(Ordering::Relaxed));
    let slots: Vec<Arc<PollSlot>> = lock_slots().iter().filter_map(Weak::upgrade).collect();
    for slot in slots {
        let Some(poll) = slot.read() else { continue };
        if slot.reported.load(Ordering::Relaxed) == poll.running || now < poll.start_tick + 2 {
            continue;
        }
        let running_for = clock::elapsed(poll.start_tick, now);
        if running_for <= hang_threshold
            || slot.read().map(|again| again.running) != Some(poll.running)
        {
            continue;
        }
        slot.reported.store(poll.running, Ordering::Relaxed);
        report_hang(&poll, running_for, hang_threshold);
    }
}

#[cold]
fn report_hang(poll: &Published, running_for: Duration, hang_threshold: Duration) {
    let Some(site) = stats::site(poll.site) else {
        return;
    };
    let from = match poll.resumed_at {
        0 => Point::Start,
        u64::MAX => Point::Unmarked,
        // The await's file is the fn's: the attribute marks the awaits of its own body.
        line_column => Point::Await {
            file: site.file,
            line: u32::try_from(line_column >> 32).unwrap_or(u32::MAX),
            column: u32::try_from(line_column & u64::from(u32::MAX)).unwrap_or(u32::MAX),
        },
    };
    let hang = Hang {
        function: site.function_path(),
        file: site.file,
        line: site.line,
        column: site.column,
        from,
        running_for,
        hang_threshold,
    };
    site.stats.record_hang(&hang);
    let strict = current_mode() == Mode::Strict;
    tracing::error!(
        target: "async_hygiene::watchdog",
        function = %hang.function,
        file = hang.file,
        line = hang.line,
        column = hang.column,
        running_for_us = u64::try_from(running_for.as_micros()).unwrap_or(u64::MAX),
        hang_threshold_us = u64::try_from(hang_threshold.as_micros()).unwrap_or(u64::MAX),
        "{hang}"
    );
    print_if_unobserved(tracing::Level::ERROR, &hang);
    if strict {
        // The stuck thread cannot be unwound from here, and a test run that waits for it
        // dies at its own timeout with no name: end the process now, after the report.
        print_if_unobserved(
            tracing::Level::ERROR,
            &"strict mode: aborting the process on a hang",
        );
        std::process::abort();
    }
}
