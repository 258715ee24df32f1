//! A gauge of how many bodies run at once, and the most ever seen: what the limit tests
//! assert on. Include it with `#[path = "support/concurrency.rs"] mod concurrency;`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// How many bodies run at once, and the most ever seen.
#[derive(Default)]
pub(crate) struct Concurrency {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl Concurrency {
    /// A gauge for a `static`.
    pub(crate) const fn new() -> Self {
        Concurrency {
            now: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }
    }

    /// Counts one body in until the guard drops.
    pub(crate) fn enter(&self) -> ConcurrencyGuard<'_> {
        self.count_in();
        ConcurrencyGuard(self)
    }

    /// Like `enter`, for a guard that must outlive the borrow (moved into a future).
    #[allow(dead_code)] // not every test binary needs it
    pub(crate) fn enter_owned(self: &Arc<Self>) -> OwnedConcurrencyGuard {
        self.count_in();
        OwnedConcurrencyGuard(Arc::clone(self))
    }

    /// The most bodies that ever ran at once.
    pub(crate) fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    fn count_in(&self) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
    }

    fn count_out(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Counts its body out when dropped.
pub(crate) struct ConcurrencyGuard<'a>(&'a Concurrency);

impl Drop for ConcurrencyGuard<'_> {
    fn drop(&mut self) {
        self.0.count_out();
    }
}

/// Counts its body out when dropped; owns its gauge.
pub(crate) struct OwnedConcurrencyGuard(Arc<Concurrency>);

impl Drop for OwnedConcurrencyGuard {
    fn drop(&mut self) {
        self.0.count_out();
    }
}
