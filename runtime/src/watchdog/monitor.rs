//! The hang monitor: sees a poll that is still running past the hang threshold.
//!
//! A slow poll is measured when it ends; a poll that never ends (a deadlock through a
//! nested `block_on`, an endless loop) would never be reported, which is the worst case a
//! watchdog exists for. So each thread that runs watched polls publishes the one it is
//! running in a [`PollSlot`] (four plain loads and stores a poll, no lock), and the ticker
//! thread of the coarse clock scans the slots after each tick: a poll that has been
//! running longer than the hang threshold is reported then, once.
//!
//! Input: thread A polls `handler`, resumed at the await at src/api.rs:47, at tick 100.
//! Output, when the tick passes 100 + hang threshold and the slot still shows that poll:
//! ```text
//! WARN async_hygiene::watchdog: `app::handler` has been blocking its executor thread
//! for 1.0s since the await at src/api.rs:47:31, and the poll is still running …
//! ```

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use super::poll::Resume;
use super::report::{print_if_unobserved, Hang, Point};
use super::{clock, current_mode, stats, Mode, HANG_THRESHOLD_NANOS};

/// The watched poll a thread is running, published for the monitor.
///
/// One word, written by the owning thread only, with a plain store (a poll costs a few
/// nanoseconds; a lock or a locked instruction would cost more than the rest of the
/// watch): which fn, where it resumed and the coarse clock's tick when it began (see
/// [`encode`]); 0 when no watched poll runs. One word, so the monitor never reads half of
/// one poll and half of another.
///
/// Slots live in one static table, each on its own cache lines (threads write their own
/// on every poll; sharing a line would make them contend): a thread finds its slot
/// through a thread-local index, with no `Arc` and no lazy initialisation on the path.
#[repr(align(128))]
#[derive(Debug)]
pub(super) struct PollSlot(AtomicU64);

/// Threads that can have a slot at once; a thread beyond them is timed and reported as
/// usual, but not watched for hangs. Slots of threads that ended are reused.
pub const MAX_MONITORED_THREADS: usize = 1024;

static SLOTS: [PollSlot; MAX_MONITORED_THREADS] =
    [const { PollSlot(AtomicU64::new(0)) }; MAX_MONITORED_THREADS];
/// How many slots were ever handed out: the monitor scans those.
static HANDED_OUT: AtomicUsize = AtomicUsize::new(0);
/// Slots of threads that ended.
static FREE: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// The slot of the threads beyond [`MAX_MONITORED_THREADS`] and of polls during a
/// thread's last destructors: written like the others, never scanned.
static UNMONITORED: PollSlot = PollSlot(AtomicU64::new(0));

thread_local! {
    /// This thread's slot, `None` before its first watched poll.
    static SLOT: Cell<Option<&'static PollSlot>> = const { Cell::new(None) };
    /// Gives the slot back when the thread ends; touched only when the slot is assigned.
    static SLOT_OWNER: SlotOwner = const { SlotOwner(Cell::new(usize::MAX)) };
}

struct SlotOwner(Cell<usize>);

impl Drop for SlotOwner {
    fn drop(&mut self) {
        let index = self.0.get();
        if index < MAX_MONITORED_THREADS {
            // A poll during the remaining thread-local destructors is not monitored.
            SLOT.set(Some(&UNMONITORED));
            SLOTS[index].0.store(0, Ordering::Relaxed);
            lock(&FREE).push(index);
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// This thread's slot, assigned at its first watched poll.
#[inline]
pub(super) fn current_slot() -> &'static PollSlot {
    match SLOT.get() {
        Some(slot) => slot,
        None => assign_slot(),
    }
}

#[cold]
fn assign_slot() -> &'static PollSlot {
    let index = lock(&FREE).pop().or_else(|| {
        let index = HANDED_OUT.fetch_add(1, Ordering::Relaxed);
        (index < MAX_MONITORED_THREADS).then_some(index)
    });
    let owned = index.is_some_and(|index| SLOT_OWNER.try_with(|owner| owner.0.set(index)).is_ok());
    let slot = match index {
        Some(index) if owned => &SLOTS[index],
        _ => {
            if let Some(index) = index {
                lock(&FREE).push(index);
            }
            &UNMONITORED
        }
    };
    SLOT.set(Some(slot));
    slot
}

const SITE_BITS: u32 = 16;
const LINE_BITS: u32 = 20;
const TICK_BITS: u32 = 28;
const LINE_MAX: u64 = (1 << LINE_BITS) - 1;
const TICK_MASK: u64 = (1 << TICK_BITS) - 1;

/// A running poll in one word: `site << 48 | line << 28 | tick`, where `line` is the
/// line of the await it resumed at (0 for the start of the fn, the maximum for an
/// unmarked await) and `tick` the low 28 bits of the coarse clock's tick when it began
/// (74 hours of 1 ms ticks before they wrap, far beyond any hang). Site ids start at 1,
/// so a running poll is never 0; a site beyond 65535 or a line beyond a million is not
/// watched for hangs, or reported at the last line that fits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Published(pub(super) u64);

impl Published {
    /// The bits of site `id` in a published poll, computed once per site; never 0. A
    /// site beyond the ones that fit publishes site 0: its polls are not published.
    pub(super) fn site_bits(id: u32) -> u64 {
        if id < 1 << SITE_BITS {
            u64::from(id) << (LINE_BITS + TICK_BITS)
        } else {
            1 << TICK_BITS
        }
    }

    /// `site_bits` with a site that does not fit as site 0, which the monitor skips: a
    /// poll with these bits can be published without a check ([`PollSlot::enter_unchecked`]).
    pub(super) fn publishable_site_bits(site_bits: u64) -> u64 {
        site_bits & !((1 << (LINE_BITS + TICK_BITS)) - 1)
    }

    /// A poll of the site with [`publishable_site_bits`](Self::publishable_site_bits),
    /// resumed at the await on `line` (at most `LINE_MAX - 1`; a longer file wraps), begun
    /// at `tick`.
    #[inline]
    pub(super) fn at_line(site_bits: u64, line: u32, tick: u64) -> Self {
        let line = u64::from(line) & (LINE_MAX >> 1);
        Published(site_bits | line << TICK_BITS | (tick & TICK_MASK))
    }

    /// A poll of the site with [`site_bits`](Self::site_bits) resumed at `resumed_at`,
    /// begun at `tick`.
    #[inline]
    pub(super) fn new(site_bits: u64, resumed_at: Resume, tick: u64) -> Self {
        let line = match resumed_at {
            Resume::Start => 0,
            Resume::Await(location) => u64::from(location.line()).min(LINE_MAX - 1),
            Resume::Unmarked => LINE_MAX,
        };
        Published(site_bits | line << TICK_BITS | (tick & TICK_MASK))
    }

    fn site(self) -> u32 {
        u32::try_from(self.0 >> (LINE_BITS + TICK_BITS)).unwrap_or(0)
    }

    pub(super) fn line(self) -> u64 {
        (self.0 >> TICK_BITS) & LINE_MAX
    }

    /// The full tick when the poll began, given the current one.
    fn start_tick(self, now: u64) -> u64 {
        now - self.ticks_until(now)
    }

    /// The ticks from the poll's start to `now`.
    #[inline]
    pub(super) fn ticks_until(self, now: u64) -> u64 {
        now.wrapping_sub(self.0) & TICK_MASK
    }

    /// The same poll, begun `ticks` later.
    fn delayed_by(self, ticks: u64) -> Self {
        let tick = (self.0 + ticks) & TICK_MASK;
        Published(self.0 & !TICK_MASK | tick)
    }
}

impl PollSlot {
    /// Publishes `poll` and returns the one it nests in.
    #[inline]
    pub(super) fn enter(&self, poll: Published) -> Published {
        let outer = Published(self.0.load(Ordering::Relaxed));
        if poll.site() != 0 {
            self.0.store(poll.0, Ordering::Relaxed);
        }
        outer
    }

    /// Ends the current poll, which took `ticks` ticks of the coarse clock, and publishes
    /// `outer` again without them (so that a hang is the poll's own, and a nested one is
    /// reported instead).
    #[inline]
    pub(super) fn leave(&self, outer: Published, ticks: u64) {
        if ticks == 0 {
            self.0.store(outer.0, Ordering::Relaxed);
        } else {
            self.leave_after_ticks(outer, ticks);
        }
    }

    #[cold]
    #[inline(never)]
    fn leave_after_ticks(&self, outer: Published, ticks: u64) {
        let outer = if outer.0 == 0 {
            outer
        } else {
            outer.delayed_by(ticks)
        };
        self.0.store(outer.0, Ordering::Relaxed);
    }

    /// Publishes `poll`, with no check that its site fits (see
    /// [`Published::publishable_site_bits`]), and returns the one it nests in.
    #[inline]
    pub(super) fn enter_unchecked(&self, poll: Published) -> Published {
        let outer = Published(self.0.load(Ordering::Relaxed));
        self.0.store(poll.0, Ordering::Relaxed);
        outer
    }
}

/// Reports, once, every poll running for longer than the hang threshold; called by the
/// ticker thread after tick `now`.
pub(super) fn scan(now: u64) {
    // The last poll reported as a hang in each slot.
    static REPORTED: Mutex<Vec<u64>> = Mutex::new(Vec::new());
    let hang_threshold = Duration::from_nanos(HANG_THRESHOLD_NANOS.load(Ordering::Relaxed));
    let handed_out = HANDED_OUT
        .load(Ordering::Relaxed)
        .min(MAX_MONITORED_THREADS);
    for (index, slot) in SLOTS[..handed_out].iter().enumerate() {
        let poll = Published(slot.0.load(Ordering::Relaxed));
        if poll.0 == 0 || poll.site() == 0 {
            continue;
        }
        let start_tick = poll.start_tick(now);
        if now < start_tick + 2 {
            continue;
        }
        let running_for = clock::elapsed(start_tick, now);
        if running_for <= hang_threshold {
            continue;
        }
        {
            let mut reported = lock(&REPORTED);
            if reported.len() <= index {
                reported.resize(index + 1, 0);
            }
            if reported[index] == poll.0 {
                continue;
            }
            reported[index] = poll.0;
        }
        report_hang(poll, running_for, hang_threshold);
    }
}

#[cold]
fn report_hang(poll: Published, running_for: Duration, hang_threshold: Duration) {
    let Some(site) = stats::site(poll.site()) else {
        return;
    };
    let from = match poll.line() {
        0 => Point::Start,
        LINE_MAX => Point::Unmarked,
        // The await's file is the fn's: the attribute marks the awaits of its own body.
        // One word has no room for the column.
        line => Point::Await {
            file: site.file,
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: 0,
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
