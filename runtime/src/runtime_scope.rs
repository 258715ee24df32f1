//! Per-runtime state: which runtime the caller is on, and a hook that runs when a runtime is
//! dropped. The background registries and the limits keep one value per runtime with it,
//! so the tests of one process (one runtime per `#[tokio::test]`) never share them.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::runtime::{Handle, Id};

/// A runtime as this crate tells runtimes apart: by a key that no other runtime of the
/// process ever had (tokio may give a new runtime the id of one that is gone), so a value
/// kept for a runtime is never mistaken for a later runtime's.
pub(crate) struct Runtime {
    key: RuntimeKey,
    gone: AtomicBool,
}

impl Runtime {
    #[inline]
    pub(crate) fn key(&self) -> RuntimeKey {
        self.key
    }

    /// Whether the runtime has been dropped.
    #[inline]
    pub(crate) fn is_gone(&self) -> bool {
        self.gone.load(Ordering::Acquire)
    }
}

/// The key of a [`Runtime`]: never 0, never reused within the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RuntimeKey(NonZeroU64);

impl RuntimeKey {
    #[inline]
    pub(crate) fn get(self) -> u64 {
        self.0.get()
    }
}

/// How many tasks' runtimes each thread remembers.
const TASK_SLOTS: usize = 64;

thread_local! {
    /// The runtime keys of the tasks that last asked on this thread, in the slot their id
    /// selects: tasks that take turns on a thread (callers queued on one limit) each keep
    /// theirs.
    static TASKS: [Cell<Option<(tokio::task::Id, RuntimeKey)>>; TASK_SLOTS] =
        const { [const { Cell::new(None) }; TASK_SLOTS] };
    /// The runtime that last answered on this thread, for callers outside a task (the body
    /// of `block_on`, `#[tokio::main]`'s and `#[tokio::test]`'s).
    static LAST_RUNTIME: RefCell<Option<(Id, Arc<Runtime>)>> = const { RefCell::new(None) };
}

/// The runtimes alive now, by tokio's id.
static RUNTIMES: Mutex<Option<HashMap<Id, Arc<Runtime>>>> = Mutex::new(None);
static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

/// The key of the runtime the caller runs on, or `None` outside any runtime.
///
/// Task ids are unique across runtimes, so a task asking again (a loop of calls) is
/// answered from a thread-local, without `Handle::try_current`, whose reference count every
/// worker thread shares.
#[inline]
pub(crate) fn current_key() -> Option<RuntimeKey> {
    let task = tokio::task::try_id();
    if let Some(task) = task {
        let cached = TASKS.with(|tasks| tasks[task_slot(task)].get());
        if let Some((cached_task, key)) = cached {
            if task == cached_task {
                return Some(key);
            }
        }
    }
    let handle = Handle::try_current().ok()?;
    let id = handle.id();
    let key = LAST_RUNTIME
        .with_borrow(|last| {
            last.as_ref()
                .filter(|(last_id, runtime)| *last_id == id && !runtime.is_gone())
                .map(|(_, runtime)| runtime.key)
        })
        .unwrap_or_else(|| remember(&handle, id).key);
    if let Some(task) = task {
        TASKS.with(|tasks| tasks[task_slot(task)].set(Some((task, key))));
    }
    Some(key)
}

/// The slot of `task` in [`TASKS`]: tokio numbers tasks in the order they are spawned, so
/// tasks spawned together land in different slots.
#[inline]
fn task_slot(task: tokio::task::Id) -> usize {
    /// `task::Id` shows its number only through `Display` and `Hash`: this keeps the last
    /// number written.
    struct LastWord(u64);
    impl Hasher for LastWord {
        fn finish(&self) -> u64 {
            self.0
        }
        fn write(&mut self, bytes: &[u8]) {
            for byte in bytes {
                self.0 = (self.0 << 8) | u64::from(*byte);
            }
        }
        fn write_u64(&mut self, word: u64) {
            self.0 = word;
        }
    }
    let mut number = LastWord(0);
    task.hash(&mut number);
    // The remainder is below `TASK_SLOTS`, so it fits.
    #[allow(clippy::cast_possible_truncation)]
    let slot = (number.finish() % TASK_SLOTS as u64) as usize;
    slot
}

/// The runtime the caller runs on, or `None` outside any runtime.
pub(crate) fn current() -> Option<Arc<Runtime>> {
    let handle = Handle::try_current().ok()?;
    let id = handle.id();
    let last = LAST_RUNTIME.with_borrow(|last| {
        last.as_ref()
            .filter(|(last_id, runtime)| *last_id == id && !runtime.is_gone())
            .map(|(_, runtime)| Arc::clone(runtime))
    });
    Some(last.unwrap_or_else(|| remember(&handle, id)))
}

/// The runtime with tokio id `id`, kept as this thread's last.
fn remember(handle: &Handle, id: Id) -> Arc<Runtime> {
    let runtime = runtime_of(handle, id);
    LAST_RUNTIME.set(Some((id, Arc::clone(&runtime))));
    runtime
}

/// The live runtime with tokio id `id`, recorded on first use.
fn runtime_of(handle: &Handle, id: Id) -> Arc<Runtime> {
    let runtime = {
        let mut runtimes = RUNTIMES.lock().unwrap_or_else(PoisonError::into_inner);
        let runtimes = runtimes.get_or_insert_with(HashMap::new);
        if let Some(runtime) = runtimes.get(&id).filter(|runtime| !runtime.is_gone()) {
            return Arc::clone(runtime);
        }
        let key = NEXT_KEY.fetch_add(1, Ordering::Relaxed);
        let runtime = Arc::new(Runtime {
            key: RuntimeKey(NonZeroU64::new(key).expect("the keys start at 1")),
            gone: AtomicBool::new(false),
        });
        runtimes.insert(id, Arc::clone(&runtime));
        runtime
    };
    // After the lock is released: on a runtime already shutting down, the hook runs (and
    // takes the lock) inside this call.
    let forgotten = Arc::clone(&runtime);
    on_runtime_drop(handle, move || {
        forgotten.gone.store(true, Ordering::Release);
        let mut runtimes = RUNTIMES.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(runtimes) = runtimes.as_mut() {
            if runtimes
                .get(&id)
                .is_some_and(|current| Arc::ptr_eq(current, &forgotten))
            {
                runtimes.remove(&id);
            }
        }
    });
    runtime
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runtime_keeps_its_key_and_a_later_one_gets_a_new_key() {
        assert!(current_key().is_none());
        let first = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let (key, runtime) = first.block_on(async {
            let from_task = tokio::spawn(async { (current_key(), current_key()) })
                .await
                .unwrap();
            let key = current_key().unwrap();
            assert_eq!(from_task, (Some(key), Some(key)));
            (key, current().unwrap())
        });
        assert_eq!(runtime.key(), key);
        assert!(!runtime.is_gone());
        drop(first);
        assert!(runtime.is_gone());
        let second = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let later = second.block_on(async { current_key() }).unwrap();
        assert_ne!(later, key);
    }

    #[test]
    fn tasks_of_two_runtimes_taking_turns_on_one_thread_each_see_their_own() {
        let runtimes = [0, 1].map(|_| {
            tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap()
        });
        let keys = runtimes
            .each_ref()
            .map(|rt| rt.block_on(async { current_key() }));
        assert_ne!(keys[0], keys[1]);
        // More tasks than slots, alive at once on both runtimes, each asking twice: a slot
        // another task took since (spawned a multiple of the slot count later, on the
        // other runtime) is never mistaken for its own.
        let (release, released) = tokio::sync::watch::channel(false);
        let tasks: Vec<_> = (0..3 * TASK_SLOTS)
            .map(|i| {
                let mut released = released.clone();
                let rt = &runtimes[i / TASK_SLOTS % 2];
                let expected = keys[i / TASK_SLOTS % 2];
                rt.spawn(async move {
                    let first = current_key();
                    released.wait_for(|released| *released).await.unwrap();
                    (first == expected, current_key() == expected)
                })
            })
            .collect();
        release.send(true).unwrap();
        for (i, task) in tasks.into_iter().enumerate() {
            let seen = runtimes[i / TASK_SLOTS % 2].block_on(task).unwrap();
            assert_eq!(seen, (true, true), "task {i}");
        }
    }
}
