//! Reports of one scope, for tests: what the watched polls made while polling one future
//! reported, without looking at process-wide state.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use super::report::path_names;
use super::SlowPoll;

type Sink = Arc<Mutex<Vec<SlowPoll>>>;

thread_local! {
    /// Where the slow polls made on this thread go, besides the process-wide reports:
    /// set while a [`Collect`] polls its future.
    static SINK: Cell<Option<Sink>> = const { Cell::new(None) };
}

/// Hands a slow poll to the [`collect`] scope polling it, if any.
pub(super) fn record(slow_poll: &SlowPoll) {
    let sink = SINK.take();
    if let Some(sink) = &sink {
        sink.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(slow_poll.clone());
    }
    SINK.set(sink);
}

/// Runs `future` and collects the slow polls reported while polling it: its own watched
/// fns and every watched fn it awaits, on whatever thread each poll runs. Tasks it spawns
/// are polled outside it and not collected, unless spawned with
/// [`spawn_watched`](super::spawn_watched) from inside the scope.
///
/// The collected reports belong to this future alone, so tests running in parallel in one
/// binary do not see each other's. (Hangs are reported by the monitor thread and only
/// counted in [`stats`](super::stats).)
///
/// ```
/// # extern crate async_hygiene_runtime as async_hygiene;
/// # async fn handler() -> u32 { 7 }
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let (value, reports) = async_hygiene::watchdog::collect(handler()).await;
/// reports.assert_no_slow_polls();
/// assert_eq!(value, 7);
/// # }
/// ```
pub fn collect<F: Future>(future: F) -> Collect<F> {
    Collect {
        future,
        sink: Some(Arc::default()),
    }
}

pin_project_lite::pin_project! {
    /// The future of [`collect`].
    #[must_use = "futures do nothing unless polled"]
    pub struct Collect<F> {
        #[pin]
        future: F,
        sink: Option<Sink>,
    }
}

impl<F: Future> Future for Collect<F> {
    type Output = (F::Output, Reports);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let scope = Entered::enter(this.sink.take());
        let poll = this.future.poll(cx);
        *this.sink = scope.leave();
        let output = std::task::ready!(poll);
        let slow_polls = this
            .sink
            .take()
            .map(|sink| {
                std::mem::take(
                    &mut *sink
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner),
                )
            })
            .unwrap_or_default();
        Poll::Ready((output, Reports { slow_polls }))
    }
}

/// The current scope, for a task spawned inside it to report into.
pub(super) fn current() -> Option<Sink> {
    let sink = SINK.take();
    let current = sink.clone();
    SINK.set(sink);
    current
}

/// Polls `future` inside `sink`'s scope (see [`current`]).
pub(super) fn poll_in<F: Future + ?Sized>(
    sink: Option<&Sink>,
    future: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Poll<F::Output> {
    let Some(sink) = sink else {
        return future.poll(cx);
    };
    let scope = Entered::enter(Some(Arc::clone(sink)));
    let poll = future.poll(cx);
    scope.leave();
    poll
}

/// A scope entered on this thread, left when the poll ends, also when it unwinds.
struct Entered {
    /// The scope to restore.
    outer: Option<Sink>,
    left: bool,
}

impl Entered {
    fn enter(sink: Option<Sink>) -> Self {
        Entered {
            outer: SINK.replace(sink),
            left: false,
        }
    }

    /// Leaves the scope and returns its sink.
    fn leave(mut self) -> Option<Sink> {
        self.left = true;
        SINK.replace(self.outer.take())
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        if !self.left {
            SINK.set(self.outer.take());
        }
    }
}

/// The slow polls one [`collect`] scope saw, in the order they were reported.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reports {
    /// The slow polls, innermost fn first when they nest.
    pub slow_polls: Vec<SlowPoll>,
}

impl Reports {
    /// The slow polls of the fn whose path is `function` or ends with `::function`.
    #[must_use]
    pub fn of(&self, function: &str) -> Vec<&SlowPoll> {
        self.slow_polls
            .iter()
            .filter(|report| path_names(&report.function, function))
            .collect()
    }

    /// Panics, at the caller's line, listing the slow polls, if there are any.
    ///
    /// # Panics
    ///
    /// If the scope saw a slow poll.
    #[track_caller]
    pub fn assert_no_slow_polls(&self) {
        if !self.slow_polls.is_empty() {
            let list: Vec<String> = self
                .slow_polls
                .iter()
                .map(|report| format!("  {report}"))
                .collect();
            panic!(
                "the watchdog reported {} slow poll(s):\n{}",
                self.slow_polls.len(),
                list.join("\n")
            );
        }
    }
}
