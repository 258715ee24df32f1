//! Watching a future that no attribute instruments: the tasks an application spawns in
//! `main`, a third-party future.

use std::collections::HashMap;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use super::__private::{watch_poll, PollState, WatchSite};
use super::scope;

/// Watches every poll of `future` as the attributes watch an async fn's body, under
/// `name` and the location of this call (with the `watchdog` feature off, the future is
/// polled as it is).
///
/// Its awaits are not marked (no attribute saw its code), so a slow poll is reported
/// against the call site, not a stretch of lines. Each call site with a name gets its own
/// [`FnStats`](super::FnStats); a name is meant to be a literal, not one per request.
///
/// ```
/// # extern crate async_hygiene_runtime as async_hygiene;
/// # async fn serve() {}
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use async_hygiene::watchdog;
/// watchdog::watch("serve", serve()).await;
/// # }
/// ```
#[track_caller]
pub fn watch<F: Future>(name: &'static str, future: F) -> Watched<F> {
    // Outside the closure: `#[track_caller]` does not reach into one.
    let location = Location::caller();
    Watched {
        state: cfg!(feature = "watchdog").then(|| PollState::new(site_for(name, location))),
        scope: None,
        future,
    }
}

/// `tokio::spawn(watch(name, future))`, named at the call site; the task also reports
/// into the [`collect`](super::collect) scope that spawned it, if any.
///
/// # Panics
///
/// Outside a tokio runtime, as `tokio::spawn` does.
#[track_caller]
pub fn spawn_watched<F>(name: &'static str, future: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let mut watched = watch(name, future);
    watched.scope = scope::current();
    tokio::spawn(watched)
}

pin_project_lite::pin_project! {
    /// The future of [`watch`].
    #[must_use = "futures do nothing unless polled"]
    pub struct Watched<F> {
        state: Option<PollState>,
        scope: Option<Arc<Mutex<Vec<super::SlowPoll>>>>,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for Watched<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        match this.state {
            Some(state) => {
                let watched = WatchedPoll {
                    state,
                    future: this.future,
                };
                scope::poll_in(this.scope.as_ref(), std::pin::pin!(watched), cx)
            }
            None => this.future.poll(cx),
        }
    }
}

/// One poll through `watch_poll`, as a future so that [`scope::poll_in`] can wrap it.
struct WatchedPoll<'a, F> {
    state: &'a mut PollState,
    future: Pin<&'a mut F>,
}

impl<F: Future> Future for WatchedPoll<'_, F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        watch_poll(this.state, this.future.as_mut(), cx)
    }
}

/// One leaked `WatchSite` per name and call site: statistics need a `'static` home, and
/// call sites are few.
fn site_for(name: &'static str, location: &'static Location<'static>) -> &'static WatchSite {
    type Key = (&'static str, &'static str, u32, u32);
    static SITES: Mutex<Option<HashMap<Key, &'static WatchSite>>> = Mutex::new(None);
    let key = (name, location.file(), location.line(), location.column());
    let mut sites = SITES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    sites
        .get_or_insert_with(HashMap::new)
        .entry(key)
        .or_insert_with(|| {
            Box::leak(Box::new(WatchSite::named(
                name,
                location.file(),
                location.line(),
                location.column(),
                None,
            )))
        })
}
