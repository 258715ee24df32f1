//! Per-fn statistics, kept in each watched fn's own `WatchSite` static.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use super::__private::WatchSite;
use super::report::path_names;
use super::{duration_to_nanos, Hang, SlowPoll};

/// What the watchdog measured of one watched fn since the start of the process (or
/// [`reset`](super::reset)).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FnStats {
    /// The path of the async fn, as in [`SlowPoll::function`].
    pub function: String,
    /// The source file of the fn.
    pub file: &'static str,
    /// The line of the fn's name.
    pub line: u32,
    /// The column of the fn's name.
    pub column: u32,
    /// Polls of the fn's body made while the watchdog was on (mode `warn` or `strict`).
    /// Each call adds its polls every 64 polls and when it ends, so the polls of calls
    /// still running are partly missing.
    pub polls: u64,
    /// Polls above the threshold.
    pub slow_polls: u64,
    /// Polls reported as hangs while they ran.
    pub hangs: u64,
    /// The time the slow polls spent above the threshold, summed: how much latency the
    /// fn added to everything else on its threads.
    pub over_threshold: Duration,
    /// The longest slow poll, with its stretch.
    pub longest: Option<SlowPoll>,
    /// The last hang reported, with where the stuck poll resumed.
    pub last_hang: Option<Hang>,
}

/// A call adds its polls to its fn's [`FnStats::polls`] every this many polls, and when
/// it ends.
pub(super) const POLLS_ADDED_EVERY: u32 = 64;

/// The counters of one fn, inside its `WatchSite`.
#[derive(Debug)]
pub(super) struct SiteStats {
    polls: AtomicU64,
    slow_polls: AtomicU64,
    hangs: AtomicU64,
    over_threshold_nanos: AtomicU64,
    longest: Mutex<Option<SlowPoll>>,
    last_hang: Mutex<Option<Hang>>,
}

impl SiteStats {
    pub(super) const fn new() -> Self {
        SiteStats {
            polls: AtomicU64::new(0),
            slow_polls: AtomicU64::new(0),
            hangs: AtomicU64::new(0),
            over_threshold_nanos: AtomicU64::new(0),
            longest: Mutex::new(None),
            last_hang: Mutex::new(None),
        }
    }

    /// Counts one more poll of a call that has counted `pending` polls not yet added to
    /// the fn's total, and returns the new pending count. Each call counts its own polls
    /// and adds them every [`POLLS_ADDED_EVERY`] polls and when it ends: a write to the
    /// fn's shared counter on each poll would bounce its cache line between the threads
    /// that poll the fn at once (+70% on empty polls over two worker threads).
    #[inline]
    pub(super) fn count_poll(&self, pending: u32) -> u32 {
        let pending = pending + 1;
        if pending < POLLS_ADDED_EVERY {
            pending
        } else {
            self.add_polls(pending);
            0
        }
    }

    /// Adds a call's pending polls to the fn's total.
    #[cold]
    pub(super) fn add_polls(&self, polls: u32) {
        if polls > 0 {
            self.polls.fetch_add(u64::from(polls), Ordering::Relaxed);
        }
    }

    pub(super) fn record_slow_poll(&self, slow_poll: &SlowPoll) {
        self.slow_polls.fetch_add(1, Ordering::Relaxed);
        let over = slow_poll
            .duration
            .saturating_sub(slow_poll.nested)
            .saturating_sub(slow_poll.threshold);
        self.over_threshold_nanos
            .fetch_add(duration_to_nanos(over), Ordering::Relaxed);
        let mut longest = lock(&self.longest);
        if longest
            .as_ref()
            .is_none_or(|longest| longest.duration < slow_poll.duration)
        {
            *longest = Some(slow_poll.clone());
        }
    }

    pub(super) fn record_hang(&self, hang: &Hang) {
        self.hangs.fetch_add(1, Ordering::Relaxed);
        *lock(&self.last_hang) = Some(hang.clone());
    }

    fn reset(&self) {
        let mut longest = lock(&self.longest);
        *lock(&self.last_hang) = None;
        self.polls.store(0, Ordering::Relaxed);
        self.slow_polls.store(0, Ordering::Relaxed);
        self.hangs.store(0, Ordering::Relaxed);
        self.over_threshold_nanos.store(0, Ordering::Relaxed);
        *longest = None;
    }
}

/// A report under its lock; a panic while it was held cannot leave it inconsistent.
fn lock<T>(report: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    report
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Every site polled so far; a site's id is its index plus one.
static SITES: Mutex<Vec<&'static WatchSite>> = Mutex::new(Vec::new());

fn lock_sites() -> std::sync::MutexGuard<'static, Vec<&'static WatchSite>> {
    SITES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Registers `site` at its first poll and returns its id (never 0).
#[cold]
pub(super) fn register(site: &'static WatchSite, id: &std::sync::atomic::AtomicU32) -> u32 {
    let mut sites = lock_sites();
    // Another thread may have registered it between the caller's check and the lock.
    match id.load(Ordering::Relaxed) {
        0 => {
            sites.push(site);
            let new = u32::try_from(sites.len()).unwrap_or(u32::MAX);
            id.store(new, Ordering::Relaxed);
            new
        }
        known => known,
    }
}

/// The site with this id.
pub(super) fn site(id: u32) -> Option<&'static WatchSite> {
    let index = usize::try_from(id.checked_sub(1)?).ok()?;
    lock_sites().get(index).copied()
}

pub(super) fn reset() {
    for site in lock_sites().iter() {
        site.stats.reset();
    }
}

/// The statistics of every watched fn polled so far, in the order of their first poll.
///
/// Process-wide: to check what one test's code did, [`collect`](super::collect) its
/// reports instead.
#[must_use]
pub fn stats() -> Vec<FnStats> {
    let sites: Vec<&'static WatchSite> = lock_sites().clone();
    sites.into_iter().map(WatchSite::stats).collect()
}

/// The statistics of the watched fn whose path is `function` or ends with `::function`
/// (`"get_user"`, `"api::Service::get_user"`); the first polled if several match.
#[must_use]
pub fn stats_for(function: &str) -> Option<FnStats> {
    stats()
        .into_iter()
        .find(|stats| path_names(&stats.function, function))
}

impl WatchSite {
    fn stats(&self) -> FnStats {
        let stats = &self.stats;
        FnStats {
            function: self.function_path(),
            file: self.file,
            line: self.line,
            column: self.column,
            polls: stats.polls.load(Ordering::Relaxed),
            slow_polls: stats.slow_polls.load(Ordering::Relaxed),
            hangs: stats.hangs.load(Ordering::Relaxed),
            over_threshold: Duration::from_nanos(
                stats.over_threshold_nanos.load(Ordering::Relaxed),
            ),
            longest: lock(&stats.longest).clone(),
            last_hang: lock(&stats.last_hang).clone(),
        }
    }
}
