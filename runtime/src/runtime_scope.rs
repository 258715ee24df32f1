//! Per-runtime state: which runtime the caller is on, and a hook that runs when a runtime is
//! dropped. The background registries and the limits keep one value per runtime with it,
//! so the tests of one process (one runtime per `#[tokio::test]`) never share them.

use std::cell::Cell;

use tokio::runtime::{Handle, Id};

thread_local! {
    /// The task that last asked on this thread, and its runtime's id.
    static LAST_TASK_RUNTIME: Cell<Option<(tokio::task::Id, Id)>> = const { Cell::new(None) };
}

/// The id of the runtime the caller runs on, or `None` outside any runtime.
///
/// Task ids are unique across runtimes, so a task asking again (a loop of calls) is
/// answered from a thread-local without `Handle::try_current`, whose reference count every
/// worker thread shares.
pub(crate) fn current_id() -> Option<Id> {
    let task = tokio::task::try_id();
    if let (Some(task), Some((cached_task, runtime))) = (task, LAST_TASK_RUNTIME.get()) {
        if task == cached_task {
            return Some(runtime);
        }
    }
    let runtime = Handle::try_current().ok()?.id();
    if let Some(task) = task {
        LAST_TASK_RUNTIME.set(Some((task, runtime)));
    }
    Some(runtime)
}

/// Runs `on_drop` once the runtime behind `handle` is dropped.
///
/// tokio has no runtime-drop hook, but it drops every task when the runtime goes away: a
/// task that never completes is one, and its guard runs `on_drop` then. On a runtime that
/// is already shutting down, tokio drops the task inside `spawn`, so `on_drop` runs before
/// this returns: call it with no lock held that `on_drop` takes.
pub(crate) fn on_runtime_drop(handle: &Handle, on_drop: impl FnOnce() + Send + 'static) {
    let guard = RunOnDrop(Some(on_drop));
    drop(handle.spawn(async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    }));
}

struct RunOnDrop<F: FnOnce()>(Option<F>);

impl<F: FnOnce()> Drop for RunOnDrop<F> {
    fn drop(&mut self) {
        if let Some(on_drop) = self.0.take() {
            on_drop();
        }
    }
}
