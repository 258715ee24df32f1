//! The watch without a wrapper, for a body whose every suspension point the attribute
//! marked: the stretches are timed where the body resumes and suspends, not around each
//! poll.
//!
//! A wrapper around the body (`poll_fn` polling the pinned body, see `watch_poll`) costs
//! a second state machine and a call on every poll, about as much as the watch itself on
//! an empty poll. When every `.await` of the body is marked and no macro can hide one
//! (see the attribute's `await_marks`), the body's own awaits see each of its polls end
//! (the marked future is pending) and begin again (the same marked future is polled
//! again), and its first poll begins where its first statement runs. So the body carries
//! its own state in a local:
//!
//! Input:
//! ```text
//! async fn handler(id: u32) -> Reply {
//!     let user = db.user(id).await?;
//!     render(user)
//! }
//! ```
//! Output (`_::` is `::async_hygiene::__private::`):
//! ```text
//! async fn handler(id: u32) -> Reply {
//!     match (_::WatchState::start(&SITE), true) {   // the first stretch begins
//!         (state, true) => {
//!             let user = _::mark_await(&state, db.user(id)).await?;   // ends, begins
//!             render(user)
//!         }                                   // `state` dropped: the last stretch ends
//!         (_, false) => _::never_taken::<Reply>(),   // gives the body the fn's type
//!     }
//! }
//! ```
//! A `return` or `?` drops the state like the end of the body does; a panic in the body
//! drops it while unwinding; a body dropped while suspended (cancelled) has no stretch
//! running. The state's fields are atomics read and written with plain loads and stores
//! (the body's polls are never concurrent), so that a `Send` body stays `Send`.

use std::future::{Future, IntoFuture};
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use super::monitor::{self, Published};
use super::poll::{check_slow_poll, Raise, WatchSite, REPORTED_NANOS};
use super::report::{Point, Stretch};
use super::{clock, duration_to_nanos, plan, Plan, PLAN, THRESHOLD_NANOS};

/// A stretch runs, timed with the coarse clock: the fast path, the rest is out of line.
const COARSE: u8 = Plan::Coarse as u8;
/// A stretch runs, timed with `Instant`.
const EXACT: u8 = Plan::Exact as u8;
/// A stretch runs, not timed: the mode was `off` when it began.
const UNTIMED: u8 = Plan::Off as u8;
/// The body is suspended in a marked await, or has returned.
const SUSPENDED: u8 = u8::MAX;

/// The watch state of one call of a body whose awaits are all marked (see the module
/// docs). Created by the generated code only.
#[derive(Debug)]
pub struct WatchState {
    site: &'static WatchSite,
    /// The site's bits of a published poll, looked up once per call.
    site_bits: u64,
    phase: AtomicU8,
    /// The running stretch as published for the hang monitor: site, line of the await
    /// it resumed at and the coarse clock's tick when it began.
    published: AtomicU64,
    /// What the thread's slot held before: published again when the stretch ends.
    outer: AtomicU64,
    /// [`REPORTED_NANOS`] when the stretch began.
    reported_before: AtomicU64,
    /// [`clock::now_nanos`] when the stretch began, timed exactly.
    start_nanos: AtomicU64,
    /// Polls not yet added to the fn's statistics (see `SiteStats::count_poll`).
    polls: AtomicU32,
    /// The column of the await the running stretch began in (its line is in
    /// `published`); its file is the fn's: the attribute marks the awaits of the body it
    /// sees.
    resumed_column: AtomicU32,
}

impl WatchState {
    /// The state of a call whose first poll begins now.
    #[inline]
    #[must_use]
    pub fn start(site: &'static WatchSite) -> Self {
        let state = WatchState {
            site,
            site_bits: Published::publishable_site_bits(site.site_bits()),
            phase: AtomicU8::new(SUSPENDED),
            published: AtomicU64::new(0),
            outer: AtomicU64::new(0),
            reported_before: AtomicU64::new(0),
            start_nanos: AtomicU64::new(0),
            resumed_column: AtomicU32::new(0),
            polls: AtomicU32::new(0),
        };
        state.resume(None);
        state
    }

    /// A poll of the body begins, at the start of the fn (`None`) or in a marked await.
    #[inline]
    fn resume(&self, at: Option<&'static Location<'static>>) {
        match PLAN.load(Ordering::Relaxed) {
            COARSE => self.publish(at),
            UNTIMED => self.phase.store(UNTIMED, Ordering::Relaxed),
            _ => self.resume_otherwise(at),
        }
    }

    /// Publishes the poll beginning at `at` for the hang monitor and starts its coarse
    /// timing: what every timed stretch does.
    #[inline]
    fn publish(&self, at: Option<&'static Location<'static>>) {
        let published =
            Published::at_line(self.site_bits, at.map_or(0, Location::line), clock::tick());
        let outer = monitor::current_slot().enter_unchecked(published);
        self.published.store(published.0, Ordering::Relaxed);
        self.outer.store(outer.0, Ordering::Relaxed);
        self.resumed_column
            .store(at.map_or(0, Location::column), Ordering::Relaxed);
        self.reported_before
            .store(REPORTED_NANOS.get(), Ordering::Relaxed);
        self.phase.store(COARSE, Ordering::Relaxed);
    }

    /// [`resume`](Self::resume) when the plan is not settled or not the coarse clock:
    /// the exact clock adds its start to the published poll.
    #[cold]
    #[inline(never)]
    fn resume_otherwise(&self, at: Option<&'static Location<'static>>) {
        match plan() {
            Plan::Off => self.phase.store(UNTIMED, Ordering::Relaxed),
            Plan::Coarse => self.publish(at),
            Plan::Exact | Plan::Unsettled => {
                self.publish(at);
                self.start_nanos
                    .store(clock::now_nanos(), Ordering::Relaxed);
                self.phase.store(EXACT, Ordering::Relaxed);
            }
        }
    }

    /// The running poll of the body ends: suspended in the await `at`, or returning
    /// (`None`). Reports it when slow, unless the thread is unwinding.
    #[inline]
    #[track_caller]
    fn end(&self, at: Option<&'static Location<'static>>) {
        let phase = self.phase.load(Ordering::Relaxed);
        self.phase.store(SUSPENDED, Ordering::Relaxed);
        if phase != COARSE {
            if phase == EXACT {
                self.end_exact(at);
            }
            return;
        }
        let (end_tick, ticks) = self.unpublish();
        if ticks >= 2 {
            // At least one whole tick fell inside: it may be slow.
            self.check(clock::stall(end_tick - ticks, end_tick), at);
        }
    }

    /// Counts the poll that ends and gives the thread's slot back to the outer poll;
    /// returns the coarse clock's tick and the ticks the poll took.
    #[inline]
    fn unpublish(&self) -> (u64, u64) {
        self.count_poll();
        let end_tick = clock::tick();
        let ticks = Published(self.published.load(Ordering::Relaxed)).ticks_until(end_tick);
        monitor::current_slot().leave(Published(self.outer.load(Ordering::Relaxed)), ticks);
        (end_tick, ticks)
    }

    /// [`end`](Self::end) of a stretch timed with `Instant`.
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn end_exact(&self, at: Option<&'static Location<'static>>) {
        self.unpublish();
        let nanos = clock::now_nanos().saturating_sub(self.start_nanos.load(Ordering::Relaxed));
        self.check(Duration::from_nanos(nanos), at);
    }

    #[inline]
    fn count_poll(&self) {
        let pending = self
            .site
            .stats
            .count_poll(self.polls.load(Ordering::Relaxed));
        self.polls.store(pending, Ordering::Relaxed);
    }

    /// Reports the stretch that took `duration` if it is slow.
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn check(&self, duration: Duration, at: Option<&'static Location<'static>>) {
        if duration_to_nanos(duration) <= THRESHOLD_NANOS.load(Ordering::Relaxed)
            || std::thread::panicking()
        {
            return;
        }
        let from = match Published(self.published.load(Ordering::Relaxed)).line() {
            0 => Point::Start,
            line => Point::Await {
                file: self.site.file,
                line: u32::try_from(line).unwrap_or(u32::MAX),
                column: self.resumed_column.load(Ordering::Relaxed),
            },
        };
        let (to, raise) = match at {
            // Raised at the caller of the marked await's `poll`: the `.await` itself.
            Some(at) => (Point::at(Some(at)), Raise::AtCaller),
            // Raised from the state's `drop`, which `#[track_caller]` cannot reach.
            None => (
                Point::Return,
                Raise::Unwind("the fn", self.site.file, self.site.line, self.site.column),
            ),
        };
        check_slow_poll(
            self.site,
            duration,
            self.reported_before.load(Ordering::Relaxed),
            Stretch { from, to },
            raise,
        );
    }
}

impl Drop for WatchState {
    /// The body returned (or unwinds): its last stretch ends. A body dropped while
    /// suspended has none running.
    fn drop(&mut self) {
        self.end(None);
        self.site.stats.add_polls(*self.polls.get_mut());
    }
}

/// The value of the arm of the unwrapped watch that is never taken, which gives the body
/// the fn's return type `T` (see the runtime's `watch_body_on!`).
///
/// # Panics
///
/// Always: it is never called.
#[must_use]
pub fn never_taken<T>() -> T {
    unreachable!("the watch's typing arm is never taken")
}

/// Marks the `.await` of `future` in a body watched through `state`: `f(x).await`
/// becomes `mark_await(&state, f(x)).await`, spanned at the `await` keyword, so the
/// location is the user's line.
#[inline]
#[track_caller]
pub fn mark_await<F: IntoFuture>(state: &WatchState, future: F) -> Marked<'_, F::IntoFuture> {
    Marked {
        state,
        location: Location::caller(),
        future: future.into_future(),
    }
}

pin_project_lite::pin_project! {
    /// The future of [`mark_await`]: the awaited future, ending the body's poll when it
    /// is pending and beginning the next one when it is polled again.
    #[must_use = "futures do nothing unless polled"]
    pub struct Marked<'a, F> {
        state: &'a WatchState,
        location: &'static Location<'static>,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for Marked<'_, F> {
    type Output = F::Output;

    // `#[track_caller]`: `.await` calls `poll` directly, so a strict-mode panic is raised
    // at the user's `.await`.
    #[inline]
    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let state = *this.state;
        let location = *this.location;
        if state.phase.load(Ordering::Relaxed) == SUSPENDED {
            state.resume(Some(location));
        }
        let poll = this.future.poll(cx);
        if poll.is_pending() {
            state.end(Some(location));
        }
        poll
    }
}
