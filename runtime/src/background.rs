//! The background-work registry behind `#[background]`, and [`shutdown`].
//!
//! A [`Registry`] runs fire-and-forget work so that none of it is lost or fails silently:
//!
//! - every job is tracked (tokio-util's [`TaskTracker`]), so [`Registry::shutdown`] can wait
//!   for all of them, including jobs started from inside other jobs;
//! - a panicking job is caught, reported through `tracing::error!` with its name, and
//!   counted; it never cancels another job (supervisor semantics);
//! - at the shutdown deadline the jobs still running are abandoned (dropped at their next
//!   `.await`) and reported by name in the [`ShutdownReport`].
//!
//! # Scoping
//!
//! Each tokio runtime has its own default registry, created on first use and removed when
//! the runtime is dropped. `#[background]` functions, [`spawn`] and [`shutdown`] use the
//! registry of the *current* runtime, so tests that run in parallel (each `#[tokio::test]`
//! has its own runtime) never wait for, or are blocked by, each other's jobs.
//!
//! Work started from inside a job goes to that job's registry, whatever runtime or default
//! it would otherwise use, so shutting a registry down also waits for the work its jobs
//! start. An explicit registry ([`Registry::new`], `#[background(registry = …)]`) isolates
//! a subsystem that is shut down on its own.
//!
//! [`TaskTracker`]: tokio_util::task::TaskTracker

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::CatchUnwind;
use futures::FutureExt as _;
use tokio::runtime::{Handle, Id};
use tokio::sync::futures::OwnedNotified;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::task::task_tracker::TaskTrackerToken;
use tokio_util::task::TaskTracker;

thread_local! {
    /// The registry of the job being polled on this thread, so work started from inside a
    /// job is tracked by the same registry and still accepted while it shuts down.
    static ENCLOSING_JOB_REGISTRY: Cell<Option<Registry>> = const { Cell::new(None) };
}

/// A clone of the registry of the job being polled on this thread, if any.
fn enclosing_job_registry() -> Option<Registry> {
    ENCLOSING_JOB_REGISTRY.with(|enclosing| {
        let registry = enclosing.take();
        let copy = registry.clone();
        enclosing.set(registry);
        copy
    })
}

/// Tracks background jobs, reports their panics and shuts them down with a deadline.
///
/// Cloning is cheap and yields a handle to the same registry. Most code uses the current
/// runtime's default registry through `#[background]`, [`spawn`] and [`shutdown`]; create
/// one explicitly to shut down a subsystem's work on its own:
///
/// ```
/// use std::time::Duration;
/// use async_hygiene_runtime::background::Registry;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mailer = Registry::new();
/// mailer.spawn("send_welcome_mail", async { /* … */ });
/// let report = mailer.shutdown(Duration::from_secs(5)).await;
/// assert_eq!(report.completed, 1);
/// # }
/// ```
#[derive(Clone)]
pub struct Registry {
    inner: Arc<RegistryInner>,
}

struct RegistryInner {
    tracker: TaskTracker,
    /// Set at the shutdown deadline: every job still running sees it at its next poll and
    /// is dropped (abandoned).
    deadline_passed: AtomicBool,
    /// Wakes the jobs waiting on something else when `deadline_passed` is set. A job only
    /// registers here once it has returned `Pending`, so work that finishes in its first
    /// poll never touches this shared waiter list.
    deadline_wakeup: Arc<Notify>,
    completed: AtomicUsize,
    panicked: AtomicUsize,
    rejected: AtomicUsize,
    /// Names of the jobs abandoned at a shutdown deadline, one entry per job.
    abandoned: Mutex<Vec<&'static str>>,
    /// Set when the runtime this registry is the default of has been dropped, so a cached
    /// copy is never mistaken for the registry of a later runtime that reuses the id.
    runtime_gone: AtomicBool,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("running", &self.running())
            .field("completed", &self.completed())
            .field("panicked", &self.panicked())
            .field("shut_down", &self.is_shut_down())
            .finish()
    }
}

impl Registry {
    /// Creates an empty registry, independent of the runtime defaults.
    #[must_use]
    pub fn new() -> Self {
        Self {
            inner: Arc::new(RegistryInner {
                tracker: TaskTracker::new(),
                deadline_passed: AtomicBool::new(false),
                deadline_wakeup: Arc::new(Notify::new()),
                completed: AtomicUsize::new(0),
                panicked: AtomicUsize::new(0),
                rejected: AtomicUsize::new(0),
                abandoned: Mutex::new(Vec::new()),
                runtime_gone: AtomicBool::new(false),
            }),
        }
    }

    /// The registry new work goes to from here: the registry of the enclosing job when
    /// called from inside background work, otherwise the current runtime's default.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, with the same message as `tokio::spawn`.
    #[must_use]
    #[track_caller]
    pub fn current() -> Self {
        // A `match`, not `unwrap_or_else(Self::of_current_runtime)`: `#[track_caller]` does
        // not pass through a function pointer, and the panic must name the user's call.
        match enclosing_job_registry() {
            Some(registry) => registry,
            None => Self::of_current_runtime(),
        }
    }

    /// The current runtime's default registry (the one [`shutdown`] acts on).
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, with the same message as `tokio::spawn`.
    #[must_use]
    #[track_caller]
    pub fn of_current_runtime() -> Self {
        // Task ids are unique across runtimes, so a task that spawns again (a loop of
        // calls) finds its runtime's registry without `Handle::current`, whose reference
        // count every worker thread shares.
        let task = tokio::task::try_id();
        let cached = RUNTIME_REGISTRY_CACHE.with(|cache| {
            let cache = cache.borrow();
            cache
                .as_ref()
                .filter(|cached| task.is_some() && cached.task == task && cached.is_live())
                .map(|cached| cached.registry.clone())
        });
        if let Some(registry) = cached {
            return registry;
        }
        // `Handle::current` panics outside a runtime with tokio's own message, and
        // `#[track_caller]` makes the panic point at the user's call.
        let handle = Handle::current();
        let runtime = handle.id();
        let cached = RUNTIME_REGISTRY_CACHE.with(|cache| {
            let mut cache = cache.borrow_mut();
            let cached = cache
                .as_mut()
                .filter(|cached| cached.runtime == runtime && cached.is_live())?;
            cached.task = task;
            Some(cached.registry.clone())
        });
        if let Some(registry) = cached {
            return registry;
        }
        let registry = runtime_registry(&handle, runtime);
        RUNTIME_REGISTRY_CACHE.with(|cache| {
            *cache.borrow_mut() = Some(CachedRegistry {
                runtime,
                task,
                registry: registry.clone(),
            });
        });
        registry
    }

    /// Spawns `job` as tracked background work named `name` and returns at once.
    ///
    /// The returned handle may be awaited for the job's output or dropped: the job runs to
    /// completion either way. After [`shutdown`](Self::shutdown) has begun, new work is
    /// refused (the handle resolves to [`BackgroundError::Rejected`] and a warning is
    /// logged), except work started from inside this registry's own jobs, which is still
    /// tracked and waited for.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, with the same message as `tokio::spawn`.
    #[track_caller]
    pub fn spawn<F>(&self, name: &'static str, job: F) -> BackgroundHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.clone().spawn_owned(name, job)
    }

    /// [`spawn`](Self::spawn) that moves this handle into the job: one reference-count
    /// increment fewer on a counter every worker thread shares.
    #[track_caller]
    fn spawn_owned<F>(self, name: &'static str, job: F) -> BackgroundHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        if self.refuses_new_work() {
            self.inner.rejected.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                job = name,
                "background job rejected: its registry is shutting down"
            );
            return BackgroundHandle { join: None, name };
        }
        // What `TaskTracker::spawn` does, with the token taken before `self` moves into the
        // job: no clone of the tracker, whose reference count every worker thread shares.
        let tracked = self.inner.tracker.token();
        let join = tokio::task::spawn(Supervised {
            job: AssertUnwindSafe(job).catch_unwind(),
            registry: Some(self),
            name,
            deadline_wakeup: None,
            _tracked: tracked,
        });
        BackgroundHandle {
            join: Some(join),
            name,
        }
    }

    /// Stops accepting new work, waits for all tracked work until `timeout` has passed,
    /// abandons what is still running then, and reports.
    ///
    /// Abandoned jobs are dropped at their next `.await`, like `JoinHandle::abort`; a job
    /// that blocks its thread without ever yielding cannot be stopped, and `shutdown` then
    /// returns only once that poll ends (move such work to `#[offload]`). Jobs that its jobs start while it waits are waited for too. Calling
    /// it again waits for whatever is still tracked; the counters are cumulative.
    ///
    /// Do not await it from inside a job of the same registry: that job would wait for
    /// itself until the deadline and then be abandoned.
    ///
    /// # Panics
    ///
    /// On a runtime built without its timer (`enable_time`), like `tokio::time::timeout`.
    pub async fn shutdown(&self, timeout: Duration) -> ShutdownReport {
        let inner = &self.inner;
        inner.tracker.close();
        if tokio::time::timeout(timeout, inner.tracker.wait())
            .await
            .is_err()
        {
            inner.deadline_passed.store(true, Ordering::Release);
            inner.deadline_wakeup.notify_waiters();
            // Every job still running now sees the cancellation at its next poll and exits
            // at once, so this second wait only lets them record themselves.
            inner.tracker.wait().await;
        }
        let mut abandoned_names = inner
            .abandoned
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        abandoned_names.sort_unstable();
        let report = ShutdownReport {
            completed: inner.completed.load(Ordering::Acquire),
            panicked: inner.panicked.load(Ordering::Acquire),
            abandoned: abandoned_names.len(),
            rejected: inner.rejected.load(Ordering::Acquire),
            abandoned_names,
        };
        if report.abandoned > 0 || report.panicked > 0 {
            tracing::warn!(%report, "background work shut down");
        } else {
            tracing::debug!(%report, "background work shut down");
        }
        report
    }

    /// How many jobs are running or waiting to run.
    #[must_use]
    pub fn running(&self) -> usize {
        self.inner.tracker.len()
    }

    /// How many jobs ran to completion.
    #[must_use]
    pub fn completed(&self) -> usize {
        self.inner.completed.load(Ordering::Relaxed)
    }

    /// How many jobs panicked.
    #[must_use]
    pub fn panicked(&self) -> usize {
        self.inner.panicked.load(Ordering::Relaxed)
    }

    /// Whether [`shutdown`](Self::shutdown) has begun: new top-level work is refused.
    #[must_use]
    pub fn is_shut_down(&self) -> bool {
        self.inner.tracker.is_closed()
    }

    /// Whether two handles point at the same registry.
    #[must_use]
    pub fn ptr_eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    fn refuses_new_work(&self) -> bool {
        self.inner.tracker.is_closed() && !self.is_enclosing_job_registry()
    }

    fn is_enclosing_job_registry(&self) -> bool {
        ENCLOSING_JOB_REGISTRY.with(|enclosing| {
            let registry = enclosing.take();
            let is_self = registry
                .as_ref()
                .is_some_and(|registry| registry.ptr_eq(self));
            enclosing.set(registry);
            is_self
        })
    }

    fn record_abandoned(&self, name: &'static str) -> BackgroundError {
        self.inner
            .abandoned
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(name);
        BackgroundError::Abandoned { job: name }
    }
}

pin_project_lite::pin_project! {
    /// One job as its task runs it: catches its panic, makes its registry the enclosing
    /// one while it is polled, drops it at the shutdown deadline, and counts the outcome.
    ///
    /// A hand-written future rather than an `async fn` wrapper: an `async fn` keeps its
    /// argument and the pinned copy it polls side by side, doubling every job's size.
    struct Supervised<F> {
        #[pin]
        job: CatchUnwind<AssertUnwindSafe<F>>,
        // `None` only while the job is being polled: the registry is then in
        // `ENCLOSING_JOB_REGISTRY`, moved rather than cloned.
        registry: Option<Registry>,
        name: &'static str,
        // Set only once the job has returned `Pending`: a job that finishes in its first
        // poll never touches the shared waiter list.
        #[pin]
        deadline_wakeup: Option<OwnedNotified>,
        // Last, so it is dropped last: the registry counts the job until the job's future,
        // and the arguments it owns, are gone.
        _tracked: TaskTrackerToken,
    }
}

impl<F: Future> Future for Supervised<F> {
    type Output = Result<F::Output, BackgroundError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let name = *this.name;
        let registry = this
            .registry
            .take()
            .expect("a background job is not polled after it completed");
        if registry.inner.deadline_passed.load(Ordering::Acquire) {
            return Poll::Ready(Err(registry.record_abandoned(name)));
        }
        let outer = ENCLOSING_JOB_REGISTRY.replace(Some(registry));
        let polled = this.job.poll(cx);
        let registry = ENCLOSING_JOB_REGISTRY
            .replace(outer)
            .expect("the enclosing registry is restored by the poll that set it");
        let inner = &*registry.inner;
        match polled {
            Poll::Ready(Ok(output)) => {
                inner.completed.fetch_add(1, Ordering::Release);
                return Poll::Ready(Ok(output));
            }
            Poll::Ready(Err(payload)) => {
                let message = panic_message(&*payload);
                tracing::error!(job = name, panic = %message, "background job panicked");
                inner.panicked.fetch_add(1, Ordering::Release);
                return Poll::Ready(Err(BackgroundError::Panicked { job: name, message }));
            }
            Poll::Pending => {}
        }
        let mut wakeup = this.deadline_wakeup;
        if wakeup.is_none() {
            wakeup.set(Some(Arc::clone(&inner.deadline_wakeup).notified_owned()));
        }
        let deadline = wakeup
            .as_pin_mut()
            .is_some_and(|wakeup| wakeup.poll(cx).is_ready());
        // Registers this task. `notify_waiters` reaches every `Notified` created before it
        // ran, and the flag is read again below for one created after.
        if deadline || inner.deadline_passed.load(Ordering::Acquire) {
            return Poll::Ready(Err(registry.record_abandoned(name)));
        }
        *this.registry = Some(registry);
        Poll::Pending
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&'static str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "<non-string panic payload>".to_owned()
    }
}

static RUNTIME_REGISTRIES: Mutex<Option<HashMap<Id, Registry>>> = Mutex::new(None);

thread_local! {
    /// The last runtime registry looked up on this thread: a worker thread serves one
    /// runtime, so this skips the global lock on almost every call.
    static RUNTIME_REGISTRY_CACHE: RefCell<Option<CachedRegistry>> = const { RefCell::new(None) };
}

struct CachedRegistry {
    runtime: Id,
    /// The task that last looked it up (`None` outside a task, in `block_on`).
    task: Option<tokio::task::Id>,
    registry: Registry,
}

impl CachedRegistry {
    fn is_live(&self) -> bool {
        !self.registry.inner.runtime_gone.load(Ordering::Acquire)
    }
}

/// The default registry of the runtime `handle` points at, created on first use.
fn runtime_registry(handle: &Handle, id: Id) -> Registry {
    let registry = {
        let mut registries = RUNTIME_REGISTRIES
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let registries = registries.get_or_insert_with(HashMap::new);
        if let Some(registry) = registries.get(&id) {
            return registry.clone();
        }
        let registry = Registry::new();
        registries.insert(id, registry.clone());
        registry
    };
    // Called after the lock is released: on a runtime already shutting down, the hook runs
    // (and takes the lock) inside this call.
    let forgotten = registry.clone();
    crate::runtime_scope::on_runtime_drop(handle, move || forget_runtime_registry(id, &forgotten));
    registry
}

/// Marks `registry` gone and removes it from the map, unless a later one replaced it.
fn forget_runtime_registry(id: Id, registry: &Registry) {
    registry.inner.runtime_gone.store(true, Ordering::Release);
    let mut registries = RUNTIME_REGISTRIES
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(registries) = registries.as_mut() {
        if registries
            .get(&id)
            .is_some_and(|current| current.ptr_eq(registry))
        {
            registries.remove(&id);
        }
    }
}

/// Spawns `job` as tracked background work on [`Registry::current`]; see
/// [`Registry::spawn`].
///
/// Use it for work started from inside background work that is not a `#[background]`
/// function, so that [`shutdown`] waits for it too.
///
/// # Panics
///
/// Outside a tokio runtime, with the same message as `tokio::spawn`.
#[track_caller]
pub fn spawn<F>(name: &'static str, job: F) -> BackgroundHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Registry::current().spawn_owned(name, job)
}

/// Shuts down the current runtime's default registry: stops accepting new background
/// work, waits for all tracked work until `timeout` has passed, abandons what is still
/// running then, and reports. See [`Registry::shutdown`].
///
/// # Panics
///
/// Outside a tokio runtime, with the same message as `tokio::spawn`, and on a runtime
/// built without its timer.
pub async fn shutdown(timeout: Duration) -> ShutdownReport {
    Registry::of_current_runtime().shutdown(timeout).await
}

/// What [`shutdown`] found.
///
/// The counters cover the registry's whole life, not only the shutdown window.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ShutdownReport {
    /// Jobs that ran to completion.
    pub completed: usize,
    /// Jobs whose body panicked (each was reported through `tracing::error!`).
    pub panicked: usize,
    /// Jobs still running at the deadline, dropped unfinished.
    pub abandoned: usize,
    /// Calls refused because the registry was already shutting down.
    pub rejected: usize,
    /// The names of the abandoned jobs, one entry per job, sorted.
    pub abandoned_names: Vec<&'static str>,
}

impl ShutdownReport {
    /// Whether every job that was started ran to completion.
    #[must_use]
    pub fn is_clean(&self) -> bool {
        self.panicked == 0 && self.abandoned == 0 && self.rejected == 0
    }
}

impl fmt::Display for ShutdownReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} completed, {} panicked, {} abandoned",
            self.completed, self.panicked, self.abandoned
        )?;
        if self.rejected > 0 {
            write!(f, ", {} rejected", self.rejected)?;
        }
        let mut names = self.abandoned_names.iter().peekable();
        if names.peek().is_some() {
            f.write_str(" (")?;
            let mut first = true;
            while let Some(name) = names.next() {
                let mut count = 1;
                while names.next_if_eq(&name).is_some() {
                    count += 1;
                }
                if !first {
                    f.write_str(", ")?;
                }
                first = false;
                if count == 1 {
                    f.write_str(name)?;
                } else {
                    write!(f, "{name} ×{count}")?;
                }
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// Why a background job produced no output.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BackgroundError {
    /// The job panicked; the panic was reported through `tracing::error!` and counted.
    Panicked {
        /// The job's name.
        job: &'static str,
        /// The panic message (`<non-string panic payload>` when it was not a string).
        message: String,
    },
    /// The job was still running at the shutdown deadline, or its runtime shut down.
    Abandoned {
        /// The job's name.
        job: &'static str,
    },
    /// The job was not started: its registry was already shutting down.
    Rejected {
        /// The job's name.
        job: &'static str,
    },
}

impl fmt::Display for BackgroundError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Panicked { job, message } => {
                write!(f, "background job `{job}` panicked: {message}")
            }
            Self::Abandoned { job } => write!(
                f,
                "background job `{job}` was abandoned unfinished at shutdown"
            ),
            Self::Rejected { job } => write!(
                f,
                "background job `{job}` was not started: its registry is shutting down"
            ),
        }
    }
}

impl std::error::Error for BackgroundError {}

/// The handle a `#[background]` function returns.
///
/// Dropping it is the normal use: the job keeps running, tracked by its registry. Await it
/// to get the job's output, or why there is none.
pub struct BackgroundHandle<T> {
    /// `None` when the job was rejected.
    join: Option<JoinHandle<Result<T, BackgroundError>>>,
    name: &'static str,
}

impl<T> BackgroundHandle<T> {
    /// The job's name (the function's name for `#[background]`).
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether the job has finished (or was never started).
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.join.as_ref().is_none_or(JoinHandle::is_finished)
    }
}

impl<T> fmt::Debug for BackgroundHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackgroundHandle")
            .field("name", &self.name)
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }
}

impl<T> Future for BackgroundHandle<T> {
    type Output = Result<T, BackgroundError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let name = this.name;
        let Some(join) = this.join.as_mut() else {
            return Poll::Ready(Err(BackgroundError::Rejected { job: name }));
        };
        Pin::new(join).poll(cx).map(|joined| match joined {
            Ok(outcome) => outcome,
            // The job catches its own panics, so a join error means tokio dropped it:
            // its runtime shut down before it finished.
            Err(_) => Err(BackgroundError::Abandoned { job: name }),
        })
    }
}

#[doc(hidden)]
pub mod __private {
    use std::future::Future;

    use crate::limit::__private::FnLimit;
    use crate::limit::Limit;

    pub use super::BackgroundHandle;

    // The output type comes first so generated code can name it (`::<Output, _>`): the
    // async block's `?` and `.into()` then infer as they did in the original `async fn`.

    /// `#[background]` without a registry argument.
    #[track_caller]
    pub fn background_spawn<T, F>(name: &'static str, job: F) -> BackgroundHandle<T>
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        super::Registry::current().spawn_owned(name, job)
    }

    /// `#[background(registry = …)]`.
    #[track_caller]
    pub fn background_spawn_on<T, F>(
        registry: &super::Registry,
        name: &'static str,
        job: F,
    ) -> BackgroundHandle<T>
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        registry.spawn(name, job)
    }

    /// `#[background(limit = …)]`: waits for a permit of the function's limit, then
    /// spawns; the permit is held until the job ends, however it ends.
    pub async fn background_spawn_limited<T, F>(
        limit: &'static FnLimit,
        name: &'static str,
        job: F,
    ) -> BackgroundHandle<T>
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        spawn_with_permit(super::Registry::current(), limit.get(), name, job).await
    }

    /// `#[background(limit = …, registry = …)]`.
    pub async fn background_spawn_limited_on<T, F>(
        registry: &super::Registry,
        limit: &'static FnLimit,
        name: &'static str,
        job: F,
    ) -> BackgroundHandle<T>
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        spawn_with_permit(registry.clone(), limit.get(), name, job).await
    }

    async fn spawn_with_permit<F>(
        registry: super::Registry,
        limit: &'static Limit,
        name: &'static str,
        job: F,
    ) -> BackgroundHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        if registry.refuses_new_work() {
            // Rejected at once rather than after waiting for a permit.
            return registry.spawn(name, job);
        }
        let permit = limit.acquire().await;
        registry.spawn_owned(name, async move {
            let _permit = permit;
            job.await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_display_groups_names() {
        let report = ShutdownReport {
            completed: 3,
            panicked: 1,
            abandoned: 3,
            rejected: 0,
            abandoned_names: vec!["flush", "send", "send"],
        };
        assert_eq!(
            report.to_string(),
            "3 completed, 1 panicked, 3 abandoned (flush, send ×2)"
        );
        assert!(!report.is_clean());
    }

    fn is_registered(id: Id) -> bool {
        RUNTIME_REGISTRIES
            .lock()
            .unwrap()
            .as_ref()
            .is_some_and(|registries| registries.contains_key(&id))
    }

    #[test]
    fn a_runtime_registry_is_forgotten_when_its_runtime_is_dropped() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let (id, registry) =
            runtime.block_on(async { (Handle::current().id(), Registry::of_current_runtime()) });
        assert!(is_registered(id));
        assert!(runtime.block_on(async { Registry::of_current_runtime().ptr_eq(&registry) }));
        drop(runtime);
        assert!(!is_registered(id));
        assert!(registry.inner.runtime_gone.load(Ordering::Acquire));
    }

    #[test]
    fn panic_messages() {
        assert_eq!(panic_message(&"static"), "static");
        assert_eq!(panic_message(&String::from("owned")), "owned");
        assert_eq!(panic_message(&3_u8), "<non-string panic payload>");
    }
}
