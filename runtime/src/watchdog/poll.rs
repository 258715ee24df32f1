//! The code every watched poll runs (support for the code the attributes generate).

use std::cell::Cell;
use std::future::{Future, IntoFuture};
use std::io::Write as _;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use super::monitor;
use super::report::{print_if_unobserved, Point, SlowPoll, Stretch};
use super::stats::{self, SiteStats};
use super::{clock, current_mode, duration_to_nanos, plan, scope, Mode, Plan};
use super::{SLOW_POLLS, THRESHOLD_NANOS};

/// Where a watched body resumes at its next poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resume {
    /// The start of the fn: it was never polled.
    Start,
    /// The `.await` whose location the attribute marked.
    Await(&'static Location<'static>),
    /// An await that was not marked (in a macro call, or a body watched by name).
    Unmarked,
}

impl Resume {
    pub(super) fn point(self) -> Point {
        match self {
            Resume::Start => Point::Start,
            Resume::Await(location) => Point::at(Some(location)),
            Resume::Unmarked => Point::Unmarked,
        }
    }
}

thread_local! {
    /// The last `.await` of a watched body reached on this thread. A watched poll sets it
    /// to where it resumes and reads it back when it ends: pending, it suspended there.
    static AWAIT_AT: Cell<Option<&'static Location<'static>>> = const { Cell::new(None) };
    /// The blocking time that slow polls on this thread have reported, ever (it only
    /// grows, wrapping). A watched poll reads it before and, when slow, after: the
    /// difference is what nested watched polls reported, which the outer fn leaves to the
    /// innermost. A fast poll never writes it.
    pub(super) static REPORTED_NANOS: Cell<u64> = const { Cell::new(0) };
}

/// Marks an `.await` of a watched body: `f(x).await` becomes `at_await(f(x)).await`,
/// spanned at the `await` keyword, so that the location is the user's line.
///
/// One thread-local store; the future is returned as `.await` would take it, and the
/// expression's temporaries live as long as they did (the call is inside the statement).
#[inline]
#[track_caller]
pub fn at_await<F: IntoFuture>(future: F) -> F::IntoFuture {
    AWAIT_AT.set(Some(Location::caller()));
    future.into_future()
}

/// Marks a macro that awaits its operands (`join!`, `select!`) as one await, at the
/// macro's name: `(at_await_macro(), join!(…)).1`.
#[inline]
#[track_caller]
pub fn at_await_macro() {
    AWAIT_AT.set(Some(Location::caller()));
}

/// Where a watched fn is: one `static` per annotated fn, which also holds its statistics.
#[derive(Debug)]
pub struct WatchSite {
    pub(super) file: &'static str,
    pub(super) line: u32,
    pub(super) column: u32,
    function: &'static str,
    // `type_name` of a struct declared in the fn's body: the fn's full path, including
    // the `impl` it is in, which the macro cannot see. Resolved only when reporting.
    // `None` for a future watched by name, which has no path.
    marker_type_name: Option<fn() -> &'static str>,
    /// 0 until the first poll registers the site.
    id: AtomicU32,
    /// The id as the hang monitor publishes it ([`monitor::Published::site_bits`]), 0
    /// until the first poll registers the site: one load on each poll.
    site_bits: AtomicU64,
    pub(super) stats: SiteStats,
}

impl WatchSite {
    /// The site of the fn `function`, at `file:line:column`; `marker_type_name` is
    /// `type_name` of a type declared in its body.
    #[must_use]
    pub const fn new(
        function: &'static str,
        file: &'static str,
        line: u32,
        column: u32,
        marker_type_name: fn() -> &'static str,
    ) -> Self {
        Self::named(function, file, line, column, Some(marker_type_name))
    }

    pub(super) const fn named(
        function: &'static str,
        file: &'static str,
        line: u32,
        column: u32,
        marker_type_name: Option<fn() -> &'static str>,
    ) -> Self {
        WatchSite {
            file,
            line,
            column,
            function,
            marker_type_name,
            id: AtomicU32::new(0),
            site_bits: AtomicU64::new(0),
            stats: SiteStats::new(),
        }
    }

    /// `krate::module::Type::method::{{closure}}::Marker` → `krate::module::Type::method`.
    pub(super) fn function_path(&self) -> String {
        let Some(marker_type_name) = self.marker_type_name else {
            return self.function.to_owned();
        };
        let mut segments: Vec<&str> = split_path(marker_type_name());
        segments.pop();
        segments.retain(|segment| *segment != "{{closure}}");
        match segments.last() {
            Some(last) if last.ends_with(self.function) => segments.join("::"),
            // The type name did not have the expected shape: the name alone is correct.
            _ => self.function.to_owned(),
        }
    }

    /// How a strict-mode report of a poll of the site's body unwinds.
    fn raise(&self) -> Raise {
        match self.marker_type_name {
            Some(_) => Raise::AtCaller,
            None => Raise::Unwind("watched", self.file, self.line, self.column),
        }
    }

    /// The site's id, published with each poll (see [`monitor::Published`]).
    #[inline]
    pub(super) fn site_bits(&'static self) -> u64 {
        match self.site_bits.load(Ordering::Relaxed) {
            0 => {
                let id = match self.id.load(Ordering::Relaxed) {
                    0 => stats::register(self, &self.id),
                    id => id,
                };
                let bits = monitor::Published::site_bits(id);
                self.site_bits.store(bits, Ordering::Relaxed);
                bits
            }
            bits => bits,
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

/// What the watch around one call's body keeps between its polls.
#[derive(Debug)]
pub struct PollState {
    site: &'static WatchSite,
    /// Where the next poll resumes.
    resumed: Resume,
    /// Polls not yet added to the fn's statistics (see [`SiteStats::count_poll`]).
    polls: u32,
}

impl PollState {
    /// The state of a call of the fn at `site`, never polled yet.
    #[must_use]
    pub fn new(site: &'static WatchSite) -> Self {
        PollState {
            site,
            resumed: Resume::Start,
            polls: 0,
        }
    }
}

impl Drop for PollState {
    fn drop(&mut self) {
        self.site.stats.add_polls(self.polls);
    }
}

/// Polls `future` once, timing the poll and publishing it for the hang monitor;
/// `state` holds where the previous poll suspended, updated when this one does.
///
/// A poll below the threshold reads one byte of settings, two ticks of the coarse clock
/// and a few thread-locals, and writes the thread's slot and the call's poll count (see
/// `bench_watchdog`); the rest is out of line.
/// `#[track_caller]`: in strict mode the panic is reported at the caller, the user's fn.
#[inline]
#[track_caller]
pub fn watch_poll<F: Future + ?Sized>(
    state: &mut PollState,
    future: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Poll<F::Output> {
    // No closure between here and the report below: `#[track_caller]` does not cross one.
    match plan() {
        Plan::Coarse => watch_poll_coarse(state, future, cx),
        Plan::Off => future.poll(cx),
        Plan::Exact | Plan::Unsettled => watch_poll_exact(state, future, cx),
    }
}

/// A poll timed with the coarse clock: only a poll that spans two ticks reads the time.
#[inline]
#[track_caller]
fn watch_poll_coarse<F: Future + ?Sized>(
    state: &mut PollState,
    future: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Poll<F::Output> {
    timed_poll(state, future, cx, false)
}

/// A poll timed with `Instant`: thresholds below the coarse clock's range, or no ticker.
/// Out of line, so that the coarse path keeps few values alive across the inner poll.
#[inline(never)]
#[track_caller]
fn watch_poll_exact<F: Future + ?Sized>(
    state: &mut PollState,
    future: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Poll<F::Output> {
    timed_poll(state, future, cx, true)
}

/// The watched poll itself; `exact` is a constant in each caller, so each keeps its own
/// clock's code alone.
// Always: inlined, the constant `exact` removes the other clock's code (a call would
// also keep more values alive across the inner poll).
#[allow(clippy::inline_always)]
#[inline(always)]
#[track_caller]
fn timed_poll<F: Future + ?Sized>(
    state: &mut PollState,
    future: Pin<&mut F>,
    cx: &mut Context<'_>,
    exact: bool,
) -> Poll<F::Output> {
    let site = state.site;
    // Counted first: the site is then not needed after the inner poll on the fast path.
    state.polls = site.stats.count_poll(state.polls);
    let frame = PollFrame::enter(site.site_bits(), state.resumed, exact);
    let poll = future.poll(cx);
    let (begun, reached) = frame.leave();
    if let Some(duration) = begun.end(exact) {
        if duration_to_nanos(duration) > THRESHOLD_NANOS.load(Ordering::Relaxed) {
            check_slow_poll(
                site,
                duration,
                begun.reported_before,
                stretch(state.resumed, &poll, reached),
                site.raise(),
            );
        }
    }
    if poll.is_pending() {
        state.resumed = reached.map_or(Resume::Unmarked, Resume::Await);
    }
    poll
}

/// The stretch a poll ran: from where it resumed to where it ended.
fn stretch<T>(
    resumed: Resume,
    poll: &Poll<T>,
    reached: Option<&'static Location<'static>>,
) -> Stretch {
    let to = match (poll, reached) {
        (Poll::Ready(_), _) => Point::Return,
        (Poll::Pending, None) => Point::Unmarked,
        (Poll::Pending, reached) => Point::at(reached),
    };
    Stretch {
        from: resumed.point(),
        to,
    }
}

/// One poll of a wrapped body being timed: published for the hang monitor from
/// [`Begun::begin`] to [`Begun::end`], which both run on the polling thread around the
/// inner poll. (A body with its own [`WatchState`](super::tracked::WatchState) keeps the
/// same words in the state, between the awaits where it resumes and suspends.)
#[derive(Clone, Copy, Debug)]
struct Begun {
    start_tick: u64,
    /// [`clock::now_nanos`] at the start when timed exactly, else 0.
    start_nanos: u64,
    /// The poll this one runs inside of on this thread, published again at the end.
    outer: monitor::Published,
    /// [`REPORTED_NANOS`] at the start: the nested slow polls are what it grew by.
    reported_before: u64,
    /// This thread's monitor slot, where the poll is published.
    slot: &'static monitor::PollSlot,
}

impl Begun {
    /// Starts timing a poll of the site with `site_bits` that resumed at `resumed`.
    // Always: on the path of every poll, and `exact` is a constant in each caller.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn begin(site_bits: u64, resumed: Resume, exact: bool) -> Self {
        let start_nanos = if exact { clock::now_nanos() } else { 0 };
        let reported_before = REPORTED_NANOS.get();
        let start_tick = clock::tick();
        let slot = monitor::current_slot();
        let outer = slot.enter(monitor::Published::new(site_bits, resumed, start_tick));
        Begun {
            start_tick,
            start_nanos,
            outer,
            reported_before,
            slot,
        }
    }

    /// Ends the poll: the thread's slot shows the outer poll again. Returns its duration
    /// when it may be above a threshold: `None` when at most one tick of the coarse clock
    /// fell inside.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn end(&self, exact: bool) -> Option<Duration> {
        let end_tick = clock::tick();
        self.slot
            .leave(self.outer, end_tick.saturating_sub(self.start_tick));
        if exact {
            Some(Duration::from_nanos(
                clock::now_nanos().saturating_sub(self.start_nanos),
            ))
        } else if end_tick < self.start_tick + 2 {
            None
        } else {
            Some(clock::stall(self.start_tick, end_tick))
        }
    }
}

/// What a watched poll changes in its thread's state, restored when it ends, also when it
/// unwinds: a panic in the body (or a strict-mode report of a nested fn) must not leave
/// the monitor a poll that no longer runs, which it would report as a hang.
struct PollFrame {
    begun: Begun,
    outer_await: Option<&'static Location<'static>>,
}

impl PollFrame {
    #[inline]
    fn enter(site_bits: u64, resumed: Resume, exact: bool) -> Self {
        let outer_await = AWAIT_AT.replace(match resumed {
            Resume::Await(location) => Some(location),
            Resume::Start | Resume::Unmarked => None,
        });
        PollFrame {
            begun: Begun::begin(site_bits, resumed, exact),
            outer_await,
        }
    }

    /// Restores the await marks' state and returns the poll's start with the last await
    /// it reached; the caller ends the poll ([`Begun::end`]).
    #[inline]
    fn leave(self) -> (Begun, Option<&'static Location<'static>>) {
        let reached = AWAIT_AT.replace(self.outer_await);
        let begun = self.begun;
        std::mem::forget(self);
        (begun, reached)
    }
}

impl Drop for PollFrame {
    /// Only on unwinding: [`PollFrame::leave`] forgets the frame.
    fn drop(&mut self) {
        AWAIT_AT.set(self.outer_await);
        self.begun.end(false);
    }
}

/// How a strict-mode report unwinds.
#[derive(Clone, Copy, Debug)]
pub(super) enum Raise {
    /// A panic at the caller: `#[track_caller]` all the way from the generated code, so
    /// "panicked at" names the user's fn.
    AtCaller,
    /// The report is polled from a line of this crate (`Watched::poll`, a marked await's
    /// `poll`) that `#[track_caller]` cannot see past: unwind without the panic hook's
    /// "panicked at", after writing the message with the user's location (`watched`, the
    /// `watch` call; `suspended`/`returned`, the await or fn where the poll ended).
    Unwind(&'static str, &'static str, u32, u32),
}

/// Decides whether a poll that took `duration` is slow, and reports it. `reported_before`
/// is [`REPORTED_NANOS`] when the poll began.
#[cold]
#[inline(never)]
#[track_caller]
pub(super) fn check_slow_poll(
    site: &'static WatchSite,
    duration: Duration,
    reported_before: u64,
    stretch: Stretch,
    raise: Raise,
) {
    let reported = REPORTED_NANOS.get();
    let nested = Duration::from_nanos(reported.wrapping_sub(reported_before));
    let own = duration.saturating_sub(nested);
    if own > Duration::from_nanos(THRESHOLD_NANOS.load(Ordering::Relaxed)) {
        // An enclosing watched poll now sees all of this poll as reported.
        REPORTED_NANOS.set(reported.wrapping_add(duration_to_nanos(own)));
        report(site, duration, nested, stretch, raise);
    }
}

#[track_caller]
fn report(
    site: &'static WatchSite,
    duration: Duration,
    nested: Duration,
    stretch: Stretch,
    raise: Raise,
) {
    let threshold = Duration::from_nanos(THRESHOLD_NANOS.load(Ordering::Relaxed));
    let slow_poll = SlowPoll {
        function: site.function_path(),
        file: site.file,
        line: site.line,
        column: site.column,
        stretch,
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
    print_if_unobserved(tracing::Level::WARN, &slow_poll);
    SLOW_POLLS.fetch_add(1, Ordering::Relaxed);
    site.stats.record_slow_poll(&slow_poll);
    scope::record(&slow_poll);
    if current_mode() != Mode::Strict {
        return;
    }
    let message = format!("async-hygiene watchdog (strict mode): {slow_poll}");
    match raise {
        // Raised at the caller of `watch_poll` (`#[track_caller]` all the way): the
        // watched fn, not a line of this crate.
        Raise::AtCaller => panic!("{message}"),
        Raise::Unwind(what, file, line, column) => {
            let line = format!("{message} ({what} at {file}:{line}:{column})\n");
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
            std::panic::resume_unwind(Box::new(message));
        }
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
