//! The code every watched poll runs (support for the code the attributes generate).

use std::cell::Cell;
use std::future::{Future, IntoFuture};
use std::io::Write as _;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

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
    static REPORTED_NANOS: Cell<u64> = const { Cell::new(0) };
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

    /// The site's id, published with each poll (see [`monitor::Published`]).
    #[inline]
    fn site_bits(&'static self) -> u64 {
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

/// Polls `future` once, timing the poll and publishing it for the hang monitor;
/// `resumed` is where the previous poll suspended, updated when this one does.
///
/// A poll below the threshold reads one byte of settings, two ticks of the coarse clock
/// and a few thread-locals, and writes the thread's slot and the fn's poll count (see
/// `bench_watchdog`); the rest is out of line.
/// `#[track_caller]`: in strict mode the panic is reported at the caller, the user's fn.
#[inline]
#[track_caller]
pub fn watch_poll<F: Future + ?Sized>(
    site: &'static WatchSite,
    resumed: &mut Resume,
    future: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Poll<F::Output> {
    // No closure between here and the report below: `#[track_caller]` does not cross one.
    match plan() {
        Plan::Coarse => watch_poll_coarse(site, resumed, future, cx),
        Plan::Off => future.poll(cx),
        Plan::Exact | Plan::Unsettled => watch_poll_exact(site, resumed, future, cx),
    }
}

/// A poll timed with the coarse clock: only a poll that spans two ticks reads the time.
#[inline]
#[track_caller]
fn watch_poll_coarse<F: Future + ?Sized>(
    site: &'static WatchSite,
    resumed: &mut Resume,
    future: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Poll<F::Output> {
    timed_poll(site, resumed, future, cx, false)
}

/// A poll timed with `Instant`: thresholds below the coarse clock's range, or no ticker.
/// Out of line, so that the coarse path keeps few values alive across the inner poll.
#[inline(never)]
#[track_caller]
fn watch_poll_exact<F: Future + ?Sized>(
    site: &'static WatchSite,
    resumed: &mut Resume,
    future: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Poll<F::Output> {
    timed_poll(site, resumed, future, cx, true)
}

/// The watched poll itself; `exact` is a constant in each caller, so each keeps its own
/// clock's code alone.
// Always: inlined, the constant `exact` removes the other clock's code (a call would
// also keep more values alive across the inner poll).
#[allow(clippy::inline_always)]
#[inline(always)]
#[track_caller]
fn timed_poll<F: Future + ?Sized>(
    site: &'static WatchSite,
    resumed: &mut Resume,
    future: Pin<&mut F>,
    cx: &mut Context<'_>,
    exact: bool,
) -> Poll<F::Output> {
    let exact_start = exact.then(Instant::now);
    // Counted first: the site is then not needed after the inner poll on the fast path.
    site.stats.record_poll();
    let reported_before = REPORTED_NANOS.get();
    let frame = PollFrame::enter(site.site_bits(), *resumed);
    let start_tick = frame.start_tick;
    let poll = future.poll(cx);
    let end_tick = clock::tick();
    let reached = frame.leave(end_tick);
    let duration = match exact_start {
        Some(start) => Some(start.elapsed()),
        // At most one tick fell inside: below any threshold the coarse clock is used for.
        None if end_tick < start_tick + 2 => None,
        None => Some(clock::elapsed(start_tick, end_tick)),
    };
    if let Some(duration) = duration {
        if duration_to_nanos(duration) > THRESHOLD_NANOS.load(Ordering::Relaxed) {
            check_slow_poll(
                site,
                duration,
                reported_before,
                stretch(*resumed, &poll, reached),
            );
        }
    }
    if poll.is_pending() {
        *resumed = reached.map_or(Resume::Unmarked, Resume::Await);
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

/// What a watched poll changes in its thread's state, restored when it ends, also when it
/// unwinds: a panic in the body (or a strict-mode report of a nested fn) must not leave
/// the monitor a poll that no longer runs, which it would report as a hang.
struct PollFrame {
    slot: &'static monitor::PollSlot,
    outer: monitor::Published,
    start_tick: u64,
    outer_await: Option<&'static Location<'static>>,
}

impl PollFrame {
    #[inline]
    fn enter(site_bits: u64, resumed: Resume) -> Self {
        let outer_await = AWAIT_AT.replace(match resumed {
            Resume::Await(location) => Some(location),
            Resume::Start | Resume::Unmarked => None,
        });
        let start_tick = clock::tick();
        let slot = monitor::current_slot();
        let outer = slot.enter(monitor::Published::new(site_bits, resumed, start_tick));
        PollFrame {
            slot,
            outer,
            start_tick,
            outer_await,
        }
    }

    /// Restores the state and returns the last await the poll reached.
    #[inline]
    fn leave(self, end_tick: u64) -> Option<&'static Location<'static>> {
        let reached = AWAIT_AT.get();
        self.restore(end_tick);
        std::mem::forget(self);
        reached
    }

    #[inline]
    fn restore(&self, end_tick: u64) {
        AWAIT_AT.set(self.outer_await);
        self.slot.leave(self.outer, self.start_tick, end_tick);
    }
}

impl Drop for PollFrame {
    /// Only on unwinding: [`PollFrame::leave`] forgets the frame.
    fn drop(&mut self) {
        self.restore(clock::tick());
    }
}

/// Decides whether a poll that took `duration` is slow, and reports it. `reported_before`
/// is [`REPORTED_NANOS`] when the poll began.
#[cold]
#[inline(never)]
#[track_caller]
fn check_slow_poll(
    site: &'static WatchSite,
    duration: Duration,
    reported_before: u64,
    stretch: Stretch,
) {
    let reported = REPORTED_NANOS.get();
    let nested = Duration::from_nanos(reported.wrapping_sub(reported_before));
    let own = duration.saturating_sub(nested);
    if own > Duration::from_nanos(THRESHOLD_NANOS.load(Ordering::Relaxed)) {
        // An enclosing watched poll now sees all of this poll as reported.
        REPORTED_NANOS.set(reported.wrapping_add(duration_to_nanos(own)));
        report(site, duration, nested, stretch);
    }
}

#[track_caller]
fn report(site: &'static WatchSite, duration: Duration, nested: Duration, stretch: Stretch) {
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
    if site.marker_type_name.is_none() {
        // A future watched by name is polled from `Watched::poll`, a line of this crate
        // that `#[track_caller]` cannot see past: unwind without the panic hook's
        // "panicked at", and name the `watch` call instead.
        let line = format!(
            "{message} (watched at {}:{}:{})\n",
            site.file, site.line, site.column
        );
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
        std::panic::resume_unwind(Box::new(message));
    }
    // Raised at the caller of `watch_poll` (`#[track_caller]` all the way): the watched
    // fn, not a line of this crate.
    panic!("{message}");
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
