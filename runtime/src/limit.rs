//! Concurrency limits: a named, shareable [`Limit`] on tokio's FIFO-fair `Semaphore`, and
//! lazy helpers that keep at most `n` calls in flight *and in memory*.
//!
//! Two different things are bounded here, and the difference matters:
//!
//! - **Execution.** `#[bounded(n)]` and [`Limit::acquire`] cap how many bodies run at once.
//!   They do not cap how many futures or tasks the *caller* creates: 10,000 spawned calls
//!   that then wait on a limit of 50 still hold 10,000 tasks, and their memory.
//! - **Creation.** [`map`], [`for_each`], [`Limit::map`] and [`Limit::spawn`] create the
//!   next call only once a slot is free, so memory stays O(limit) however many items there
//!   are.
//!
//! # Scope: per runtime unless said otherwise
//!
//! [`Limit::new`] gives **each tokio runtime** its own `capacity` permits
//! ([`Scope::PerRuntime`]), like the background registry: an application with one runtime
//! sees one limit, and the tests of one binary (a runtime per `#[tokio::test]`, run in
//! parallel threads) never wait for each other's permits. Without that, a paused-clock test
//! waiting for a permit another test holds sees its clock auto-advance and its
//! `#[bounded(timeout = …)]` fire. [`Limit::process_wide`] is the explicit form for a
//! resource several runtimes of one process share ([`Scope::Process`]); its
//! [`LimitTimeout`] says that holders on other runtimes count. Gauges read the caller's
//! runtime, or every runtime's together when called outside one.
//!
//! `#[bounded]` and `#[background]` take a count (the function's own `Limit`, named
//! `module::path::function` and [`registered`] from its first call) or a shared `Limit`.
//!
//! ```
//! # use async_hygiene_runtime as async_hygiene;
//! use async_hygiene::limit::{self, Limit};
//! use futures::StreamExt as _;
//!
//! static DB: Limit = Limit::new("db", 8);
//!
//! async fn load(id: u32) -> u32 {
//!     let _permit = DB.acquire().await;
//!     id * 2
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), limit::LimitError> {
//! // Never more than 100 `load` futures exist at once, whatever the number of ids.
//! let total: u32 = limit::map(0..10_000, 100, load)?.fold(0, |a, b| async move { a + b }).await;
//! assert_eq!(total, 99_990_000);
//! assert_eq!(DB.in_flight(), 0);
//! # Ok(())
//! # }
//! ```

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::stream::{self, BufferUnordered, Stream, StreamExt as _};
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::task::JoinHandle;

use crate::runtime_scope::{self, Runtime, RuntimeKey};

/// A named cap on how many holders of its permits exist at once.
///
/// Built on tokio's [`Semaphore`], so waiters are served first come, first served, and a
/// permit comes back when it is dropped: on completion, on panic (unwinding drops it) and
/// on cancellation (dropping the future that holds it or waits for it).
///
/// `Limit::new` is a `const fn`, so a limit is normally a `static` shared by every function
/// that uses the same resource:
///
/// ```
/// # use async_hygiene_runtime as async_hygiene;
/// use async_hygiene::limit::Limit;
///
/// static DB: Limit = Limit::new("db", 8);
///
/// // What `#[bounded(limit = DB)]` does for a whole function body:
/// async fn read_user(id: u64) -> String {
///     let _permit = DB.acquire().await;
///     format!("user {id}")
/// }
///
/// async fn write_user(id: u64) {
///     let _permit = DB.acquire().await;
///     let _ = id;
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // Together, `read_user` and `write_user` never run more than 8 bodies at once.
/// write_user(1).await;
/// assert_eq!(read_user(1).await, "user 1");
/// assert_eq!((DB.in_flight(), DB.waiting(), DB.capacity()), (0, 0, 8));
/// # }
/// ```
pub struct Limit {
    name: &'static str,
    capacity: usize,
    scope: Scope,
    /// A process-wide limit's permits; for a per-runtime limit, those of callers outside
    /// any runtime.
    shared: Pool,
    /// The permits of the first runtimes that use a per-runtime limit, each found with one
    /// load and a compare: most programs have one runtime, and a test binary's runtimes
    /// take turns.
    inline: [Slot; INLINE_POOLS],
    /// The slots of the runtimes beyond those, allocated when first needed and kept as long
    /// as the limit, so that a permit borrows its pool (no reference count per call).
    more: OnceLock<Box<Segment>>,
    /// Which runtime holds each slot (the inline ones first, then the segments in order).
    /// Slots are claimed under this lock, so a runtime never gets two.
    owners: Mutex<Vec<Option<Arc<Runtime>>>>,
    registered: AtomicBool,
}

/// How many runtimes' permits a [`Limit`] keeps inline.
const INLINE_POOLS: usize = 2;

/// Whose permits a [`Limit`] counts: each runtime's own, or one set for the whole process.
///
/// Each `#[tokio::test]` builds its own runtime, and tests run in parallel threads of one
/// process. With [`Scope::PerRuntime`] (what [`Limit::new`] builds), a test that holds every
/// permit of a `static` limit does not make another test wait, or time out on its paused
/// clock, for permits it could never get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scope {
    /// Each tokio runtime has its own `capacity` permits ([`Limit::new`]). Calls made
    /// outside any runtime ([`Limit::try_acquire`] from a plain thread) share one more set.
    PerRuntime,
    /// One set of `capacity` permits for the whole process, whatever runtime a caller runs
    /// on ([`Limit::process_wide`]).
    Process,
}

/// The permits of one runtime (or of the process), and who waits for them.
struct Pool {
    semaphore: Semaphore,
    /// Tokio's semaphore does not expose its queue length, so waiters count themselves.
    waiting: Waiters,
}

impl Pool {
    const fn new(capacity: usize) -> Self {
        Self {
            semaphore: Semaphore::const_new(capacity),
            waiting: Waiters::new(),
        }
    }

    /// Takes a free permit if there is one; `LimitPermit::drop` gives it back.
    #[inline]
    fn try_take(&self) -> bool {
        self.semaphore
            .try_acquire()
            .map(SemaphorePermit::forget)
            .is_ok()
    }

    fn in_flight(&self, capacity: usize) -> usize {
        capacity - self.semaphore.available_permits()
    }
}

/// The permits of one runtime, and which runtime that is.
struct Slot {
    /// The key of the runtime they belong to (`runtime_scope::RuntimeKey`), 0 while none
    /// does. Keys are never reused, so a slot whose runtime is gone is matched by nobody.
    owner: AtomicU64,
    pool: Pool,
}

impl Slot {
    const fn new(capacity: usize) -> Self {
        Self {
            owner: AtomicU64::new(0),
            pool: Pool::new(capacity),
        }
    }

    #[inline]
    fn belongs_to(&self, runtime: RuntimeKey) -> bool {
        self.owner.load(Ordering::Acquire) == runtime.get()
    }

    /// Whether no permit of the slot is held or waited for.
    fn is_idle(&self, capacity: usize) -> bool {
        self.pool.in_flight(capacity) == 0 && self.pool.waiting.count() == 0
    }
}

/// Slots for runtimes beyond the inline ones: each segment twice the size of the one
/// before, appended when every slot before it is taken, never removed.
struct Segment {
    slots: Box<[Slot]>,
    next: OnceLock<Box<Segment>>,
}

impl Segment {
    fn new(len: usize, capacity: usize) -> Self {
        Self {
            slots: (0..len).map(|_| Slot::new(capacity)).collect(),
            next: OnceLock::new(),
        }
    }
}

/// A [`Limit`] that cannot exist: zero permits, or more than tokio's semaphore holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitError {
    /// A limit of `0` would make every call wait forever.
    Zero {
        /// The limit's name.
        name: &'static str,
    },
    /// More permits than [`Limit::MAX`].
    TooLarge {
        /// The limit's name.
        name: &'static str,
        /// The capacity that was asked for.
        requested: usize,
    },
}

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Zero { name } => write!(
                f,
                "limit `{name}` must allow at least 1 call in flight; 0 would make every call wait forever"
            ),
            Self::TooLarge { name, requested } => write!(
                f,
                "limit `{name}` asks for {requested} permits; the most a tokio semaphore holds is {}",
                Limit::MAX
            ),
        }
    }
}

impl std::error::Error for LimitError {}

/// No permit of a [`Limit`] became free within the acquire timeout.
///
/// `#[bounded(timeout = …)]` returns it from a function returning `Result<T, E>` as
/// `Err(E::from(LimitTimeout))`, so `E` needs `From<LimitTimeout>`. It is provided for
/// [`std::io::Error`] (kind [`TimedOut`](std::io::ErrorKind::TimedOut)) and, through std's
/// blanket impl, for `Box<dyn Error + Send + Sync>`; `anyhow::Error` converts as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitTimeout {
    name: &'static str,
    capacity: usize,
    scope: Scope,
    timeout: Duration,
}

impl LimitTimeout {
    /// The name of the limit that was full.
    #[must_use]
    pub fn limit_name(&self) -> &'static str {
        self.name
    }

    /// How long the caller waited.
    #[must_use]
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

impl fmt::Display for LimitTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no permit of limit `{}` became free within {:?} (all {} in use",
            self.name, self.timeout, self.capacity
        )?;
        match self.scope {
            Scope::PerRuntime => f.write_str(" in this runtime)"),
            // The one case where a holder may be invisible to the caller: say where to look.
            Scope::Process => f.write_str(
                "; the limit is process-wide, so holders on other runtimes, such as other \
                 `#[tokio::test]`s of the same binary, count too)",
            ),
        }
    }
}

impl std::error::Error for LimitTimeout {}

impl From<LimitTimeout> for std::io::Error {
    fn from(timeout: LimitTimeout) -> Self {
        std::io::Error::new(std::io::ErrorKind::TimedOut, timeout)
    }
}

/// Proof of one slot of a [`Limit`]; dropping it frees the slot for the next waiter.
#[must_use = "the slot is released as soon as the permit is dropped"]
pub struct LimitPermit<'a> {
    /// The pool whose semaphore lent one permit (forgotten there, given back on drop).
    pool: &'a Pool,
    limit: &'a Limit,
}

impl LimitPermit<'_> {
    /// The limit this permit belongs to.
    #[must_use]
    pub fn limit(&self) -> &Limit {
        self.limit
    }
}

impl Drop for LimitPermit<'_> {
    fn drop(&mut self) {
        self.pool.semaphore.add_permits(1);
    }
}

impl fmt::Debug for LimitPermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LimitPermit")
            .field("limit", &self.limit.name)
            .finish()
    }
}

/// How many counters a pool counts its waiters in: one to itself for each of the first
/// threads that queue a waiter, the last shared by every thread after them.
const WAITER_COUNTERS: usize = 8;

thread_local! {
    /// This thread's counter in every [`Waiters`] (`usize::MAX` until its first waiter).
    static WAITER_COUNTER: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// The next counter a thread gets to itself.
static NEXT_WAITER_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// This thread's first waiter: the next counter to itself, or the shared one.
#[cold]
fn claim_waiter_counter() -> usize {
    let next = NEXT_WAITER_COUNTER.fetch_add(1, Ordering::Relaxed);
    let counter = next.min(WAITER_COUNTERS - 1);
    WAITER_COUNTER.set(counter);
    counter
}

/// The waiters of one pool, counted per thread: a thread that has a counter to itself
/// updates it with a plain load and store, no read-modify-write (a queued call counts
/// itself in and out, and on a contended limit those two locked instructions were a
/// measurable part of each call). A waiter counted in on one thread and out on another
/// leaves one counter above zero and the other below: only the sum means anything.
struct Waiters {
    counts: [AtomicIsize; WAITER_COUNTERS],
}

impl Waiters {
    const fn new() -> Self {
        Self {
            counts: [const { AtomicIsize::new(0) }; WAITER_COUNTERS],
        }
    }

    #[inline]
    fn add(&self, delta: isize) {
        let mut counter = WAITER_COUNTER.get();
        if counter >= WAITER_COUNTERS {
            counter = claim_waiter_counter();
        }
        let count = &self.counts[counter];
        if counter == WAITER_COUNTERS - 1 {
            // Shared by every thread beyond the first ones.
            count.fetch_add(delta, Ordering::Relaxed);
        } else {
            // Only this thread ever writes this counter.
            count.store(
                count.load(Ordering::Relaxed).wrapping_add(delta),
                Ordering::Relaxed,
            );
        }
    }

    /// The sum of the counters. It is exact whenever no waiter is entering or leaving;
    /// while some are, on several threads, it may count one that left a moment ago or
    /// miss one that just came (it is read counter by counter, not all at once).
    fn count(&self) -> usize {
        let sum = self.counts.iter().fold(0_isize, |sum, count| {
            sum.wrapping_add(count.load(Ordering::Relaxed))
        });
        usize::try_from(sum).unwrap_or(0)
    }
}

pin_project_lite::pin_project! {
    /// The future of [`Limit::acquire`]: the pool is chosen on the first poll (the runtime
    /// that polls it), and a permit is taken at once when one is free.
    struct Acquire<'a, Q, F> {
        // `None` once the permit is out.
        limit: Option<&'a Limit>,
        // `Semaphore::acquire`, named so that `F`, its future's type, can be.
        queue: Q,
        // In a pool's queue, and counted among its waiters until the permit is out. Left
        // in place once done (a finished acquire holds nothing): no drop on the way out.
        #[pin]
        queued: Option<Queued<'a, F>>,
    }

    impl<'a, Q, F> PinnedDrop for Acquire<'a, Q, F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            // A waiter that times out or is cancelled (its future dropped mid-acquire)
            // leaves the gauge as it found it.
            if let (Some(_), Some(queued)) = (this.limit, this.queued.as_pin_mut()) {
                queued.pool.waiting.add(-1);
            }
        }
    }
}

pin_project_lite::pin_project! {
    struct Queued<'a, F> {
        pool: &'a Pool,
        // Tokio's acquire.
        #[pin]
        permit: F,
    }
}

impl<'a, Q, F> Acquire<'a, Q, F>
where
    Q: Fn(&'a Semaphore) -> F,
{
    /// Already in `pool`'s queue (`acquire_timeout`, after its own first try).
    fn queued(limit: &'a Limit, queue: Q, pool: &'a Pool) -> Self {
        pool.waiting.add(1);
        let permit = queue(&pool.semaphore);
        Self {
            limit: Some(limit),
            queue,
            queued: Some(Queued { pool, permit }),
        }
    }
}

impl<'a, Q, F> Future for Acquire<'a, Q, F>
where
    Q: Fn(&'a Semaphore) -> F,
    F: Future<Output = Result<SemaphorePermit<'a>, tokio::sync::AcquireError>>,
{
    type Output = LimitPermit<'a>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<LimitPermit<'a>> {
        let mut this = self.project();
        let Some(limit) = *this.limit else {
            panic!("`Limit::acquire` polled after it completed")
        };
        if this.queued.is_none() {
            let pool = limit.pool();
            // Tokio hands released permits straight to queued waiters, so a permit is free
            // only when nobody is queued: trying first never overtakes a waiter.
            if pool.try_take() {
                *this.limit = None;
                return Poll::Ready(LimitPermit { pool, limit });
            }
            pool.waiting.add(1);
            let permit = (this.queue)(&pool.semaphore);
            this.queued.set(Some(Queued { pool, permit }));
        }
        let Some(queued) = this.queued.as_pin_mut() else {
            unreachable!("queued just above")
        };
        let queued = queued.project();
        match std::task::ready!(queued.permit.poll(cx)) {
            // Given back by `LimitPermit::drop`, which holds the pool, not the permit.
            Ok(permit) => permit.forget(),
            Err(_) => unreachable!("a Limit never closes its semaphore"),
        }
        let pool = *queued.pool;
        pool.waiting.add(-1);
        *this.limit = None;
        Poll::Ready(LimitPermit { pool, limit })
    }
}

/// `Semaphore::acquire`, as a value whose type names its future's.
fn queue(
    semaphore: &Semaphore,
) -> impl Future<Output = Result<SemaphorePermit<'_>, tokio::sync::AcquireError>> + '_ {
    semaphore.acquire()
}

/// Every `&'static` limit that registered itself: the limits `#[bounded(n)]` declares inside
/// functions (on their first call) and the ones passed to [`Limit::register`].
static REGISTRY: Mutex<Vec<&'static Limit>> = Mutex::new(Vec::new());

/// The registered limits, in registration order: every `#[bounded(n)]` function that has been
/// called at least once (named `module::path::function`), plus the limits passed to
/// [`Limit::register`]. This is how code reads the gauges of a limit it cannot name.
///
/// ```
/// # use async_hygiene_runtime as async_hygiene;
/// use async_hygiene::limit::{self, Limit};
///
/// static THUMBNAILS: Limit = Limit::new("thumbnails", 4);
///
/// THUMBNAILS.register();
/// let found = limit::registered()
///     .into_iter()
///     .find(|l| l.name() == "thumbnails")
///     .unwrap();
/// assert_eq!((found.capacity(), found.in_flight()), (4, 0));
/// ```
#[must_use]
pub fn registered() -> Vec<&'static Limit> {
    REGISTRY
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

impl Limit {
    /// The largest capacity a limit can have (tokio's `Semaphore::MAX_PERMITS`).
    pub const MAX: usize = Semaphore::MAX_PERMITS;

    /// A limit named `name` that lets `capacity` holders in at once **on each tokio
    /// runtime** ([`Scope::PerRuntime`]).
    ///
    /// An application with one runtime sees one limit. The tests of a binary, one runtime
    /// each, do not share its permits: a test that holds them all cannot make another one
    /// wait or time out. Use [`Limit::process_wide`] when the resource is shared by
    /// several runtimes of one process (a connection cap with one runtime per core).
    ///
    /// # Panics
    ///
    /// If `capacity` is `0` or above [`Limit::MAX`]. In a `static` or `const` that panic is a
    /// compile error; use [`Limit::try_new`] for a capacity read at run time.
    #[must_use]
    #[track_caller]
    pub const fn new(name: &'static str, capacity: usize) -> Self {
        Self::checked(name, capacity, Scope::PerRuntime)
    }

    /// A limit named `name` that lets `capacity` holders in at once in the whole process,
    /// whatever runtime they run on ([`Scope::Process`]).
    ///
    /// Parallel tests share its permits: one that holds them makes the others wait, and on
    /// a paused clock their `timeout`s fire (the [`LimitTimeout`] then says so).
    ///
    /// # Panics
    ///
    /// As [`Limit::new`].
    #[must_use]
    #[track_caller]
    pub const fn process_wide(name: &'static str, capacity: usize) -> Self {
        Self::checked(name, capacity, Scope::Process)
    }

    #[track_caller]
    const fn checked(name: &'static str, capacity: usize, scope: Scope) -> Self {
        match Self::check(name, capacity) {
            Ok(()) => Self::new_unchecked(name, capacity, scope),
            Err(LimitError::Zero { .. }) => {
                panic!(
                    "a Limit needs a capacity of at least 1; 0 would make every call wait forever"
                )
            }
            Err(LimitError::TooLarge { .. }) => {
                panic!("a Limit's capacity must be at most Limit::MAX (tokio's Semaphore::MAX_PERMITS)")
            }
        }
    }

    /// A per-runtime limit (as [`Limit::new`]) named `name` that lets `capacity` holders in
    /// at once, or why it cannot exist.
    pub const fn try_new(name: &'static str, capacity: usize) -> Result<Self, LimitError> {
        match Self::check(name, capacity) {
            Ok(()) => Ok(Self::new_unchecked(name, capacity, Scope::PerRuntime)),
            Err(error) => Err(error),
        }
    }

    const fn check(name: &'static str, capacity: usize) -> Result<(), LimitError> {
        if capacity == 0 {
            Err(LimitError::Zero { name })
        } else if capacity > Self::MAX {
            Err(LimitError::TooLarge {
                name,
                requested: capacity,
            })
        } else {
            Ok(())
        }
    }

    const fn new_unchecked(name: &'static str, capacity: usize, scope: Scope) -> Self {
        Self {
            name,
            capacity,
            scope,
            shared: Pool::new(capacity),
            inline: [Slot::new(capacity), Slot::new(capacity)],
            more: OnceLock::new(),
            owners: Mutex::new(Vec::new()),
            registered: AtomicBool::new(false),
        }
    }

    /// The name given at construction (`module::path::function` for `#[bounded(n)]`).
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// How many holders the limit lets in at once (on each runtime, for a per-runtime
    /// limit).
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Whose permits the limit counts.
    #[must_use]
    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// How many permits are held right now (bodies running, for `#[bounded]`).
    ///
    /// For a per-runtime limit: on the caller's runtime; called outside any runtime, on
    /// every runtime together.
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.gauge(|pool| pool.in_flight(self.capacity))
    }

    /// How many callers are queued for a permit right now (counted like
    /// [`in_flight`](Self::in_flight)).
    ///
    /// Each thread counts the waiters it sees come and go on a counter of its own, and this
    /// adds the counters up: while callers are queueing or leaving on other threads at the
    /// same moment, the sum can be off by those in transit, as any gauge read during the
    /// change it measures.
    #[must_use]
    pub fn waiting(&self) -> usize {
        self.gauge(|pool| pool.waiting.count())
    }

    fn gauge(&self, read: impl Fn(&Pool) -> usize) -> usize {
        if self.scope == Scope::Process {
            return read(&self.shared);
        }
        if let Some(runtime) = runtime_scope::current_key() {
            return self.find(runtime).map_or(0, read);
        }
        let owners = self.owners.lock().unwrap_or_else(PoisonError::into_inner);
        let alive = self
            .slots()
            .zip(owners.iter())
            .filter(|(_, owner)| owner.as_ref().is_some_and(|owner| !owner.is_gone()))
            .map(|(slot, _)| read(&slot.pool));
        alive.sum::<usize>() + read(&self.shared)
    }

    /// Every slot allocated so far, the inline ones first.
    fn slots(&self) -> impl Iterator<Item = &Slot> {
        let segments = std::iter::successors(self.more.get(), |segment| segment.next.get());
        self.inline
            .iter()
            .chain(segments.flat_map(|segment| segment.slots.iter()))
    }

    /// The pool the caller takes permits from.
    #[inline]
    fn pool(&self) -> &Pool {
        if self.scope == Scope::Process {
            return &self.shared;
        }
        let Some(runtime) = runtime_scope::current_key() else {
            return &self.shared;
        };
        for inline in &self.inline {
            if inline.belongs_to(runtime) {
                return &inline.pool;
            }
        }
        self.other_pool()
    }

    /// The pool of `runtime` if it has one already (gauges do not create pools).
    fn find(&self, runtime: RuntimeKey) -> Option<&Pool> {
        self.slots()
            .find(|slot| slot.belongs_to(runtime))
            .map(|slot| &slot.pool)
    }

    /// The pool of the caller's runtime when it is not among the inline ones: a runtime
    /// beyond them, or the first call on a runtime, which claims a slot: a free one, one
    /// whose runtime is gone once every permit is back, or one of a new segment.
    #[cold]
    #[inline(never)]
    fn other_pool(&self) -> &Pool {
        let Some(runtime) = runtime_scope::current() else {
            return &self.shared;
        };
        let key = runtime.key();
        if let Some(pool) = self.find(key) {
            return pool;
        }
        let mut owners = self.owners.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(pool) = self.find(key) {
            return pool;
        }
        let capacity = self.capacity;
        let mut claimed = None;
        for (index, slot) in self.slots().enumerate() {
            if index == owners.len() {
                owners.push(None);
            }
            let free = owners[index]
                .as_ref()
                .is_none_or(|owner| owner.is_gone() && slot.is_idle(capacity));
            if free {
                claimed = Some((index, slot));
                break;
            }
        }
        let (index, slot) = claimed.unwrap_or_else(|| {
            // Every slot is taken: the next segment, twice the size of the last.
            let mut next = &self.more;
            let mut len = INLINE_POOLS;
            while let Some(segment) = next.get() {
                next = &segment.next;
                len = segment.slots.len();
            }
            let segment = next.get_or_init(|| Box::new(Segment::new(len * 2, capacity)));
            let index = owners.len();
            owners.push(None);
            (index, &segment.slots[0])
        });
        slot.owner.store(key.get(), Ordering::Release);
        owners[index] = Some(runtime);
        &slot.pool
    }

    /// Waits for a free slot, first come, first served.
    pub fn acquire(&self) -> impl Future<Output = LimitPermit<'_>> + '_ {
        Acquire {
            limit: Some(self),
            queue,
            queued: None,
        }
    }

    /// Takes a free slot if there is one, without waiting.
    #[must_use]
    pub fn try_acquire(&self) -> Option<LimitPermit<'_>> {
        let pool = self.pool();
        // Built only once the permit is taken: dropping a `LimitPermit` gives one back.
        pool.try_take().then(|| LimitPermit { pool, limit: self })
    }

    /// Waits at most `timeout` for a free slot.
    ///
    /// Uses tokio's timer, so it must run inside a runtime with time enabled.
    pub async fn acquire_timeout(
        &self,
        timeout: Duration,
    ) -> Result<LimitPermit<'_>, LimitTimeout> {
        let pool = self.pool();
        if pool.try_take() {
            return Ok(LimitPermit { pool, limit: self });
        }
        tokio::time::timeout(timeout, Acquire::queued(self, queue, pool))
            .await
            .map_err(|_| LimitTimeout {
                name: self.name,
                capacity: self.capacity,
                scope: self.scope,
                timeout,
            })
    }

    /// Adds this limit to [`registered()`], once; later calls do nothing.
    pub fn register(&'static self) {
        if !self.registered.swap(true, Ordering::AcqRel) {
            REGISTRY
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(self);
        }
    }

    /// Waits for a slot, *then* spawns `future` holding it; the slot is freed when the task
    /// ends (completes, panics or is aborted).
    ///
    /// This is caller-side backpressure: a loop that spawns through it stops at the limit
    /// instead of creating every task up front.
    ///
    /// ```
    /// # use async_hygiene_runtime as async_hygiene;
    /// use async_hygiene::limit::Limit;
    ///
    /// static UPLOADS: Limit = Limit::new("uploads", 4);
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut tasks = Vec::new();
    /// for part in 0..100_u32 {
    ///     // Returns once one of the 4 slots is free: at most 4 tasks exist at any time.
    ///     tasks.push(UPLOADS.spawn(async move { part }).await);
    ///     assert!(UPLOADS.in_flight() <= 4);
    /// }
    /// # for t in tasks { t.await.unwrap(); }
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, like [`tokio::spawn`].
    pub async fn spawn<F>(&'static self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let permit = self.acquire().await;
        tokio::spawn(async move {
            let _permit = permit;
            future.await
        })
    }

    /// Calls `call` on each item and yields the outputs as they finish (not in input order),
    /// with at most [`capacity`](Self::capacity) calls in flight and each call holding a
    /// permit of this limit while it runs.
    ///
    /// The next item is taken from `items` only when a call finishes, so memory is
    /// O(capacity). Other users of the same limit count too: the calls share its permits.
    ///
    /// `call` must not acquire this limit itself (e.g. a `#[bounded(limit = …)]` function on
    /// the same limit): with every permit held by the outer calls, the inner ones would wait
    /// forever.
    pub fn map<'a, I, F, Fut>(&'a self, items: I, call: F) -> impl Stream<Item = Fut::Output> + 'a
    where
        I: IntoIterator,
        I::IntoIter: 'a,
        F: FnMut(I::Item) -> Fut + 'a,
        Fut: Future + 'a,
    {
        self.map_stream(stream::iter(items), call)
    }

    /// [`Limit::map`] over a stream instead of an iterator.
    pub fn map_stream<'a, S, F, Fut>(
        &'a self,
        items: S,
        mut call: F,
    ) -> impl Stream<Item = Fut::Output> + 'a
    where
        S: Stream + 'a,
        F: FnMut(S::Item) -> Fut + 'a,
        Fut: Future + 'a,
    {
        BoundedMap::new(items, self.capacity, move |item| {
            let call = call(item);
            async move {
                let _permit = self.acquire().await;
                call.await
            }
        })
    }
}

impl fmt::Debug for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Limit")
            .field("name", &self.name)
            .field("capacity", &self.capacity)
            .field("scope", &self.scope)
            .field("in_flight", &self.in_flight())
            .field("waiting", &self.waiting())
            .finish_non_exhaustive()
    }
}

/// Calls `call` on each item with at most `in_flight` calls running, yielding outputs as
/// they complete (not in input order).
///
/// Lazy: an item is taken from `items` and its future created only when a slot is free,
/// so memory is O(`in_flight`), not O(items). It is `futures::StreamExt::buffer_unordered`,
/// with a typed error instead of a hang for `0`.
pub fn map<I, F, Fut>(
    items: I,
    in_flight: usize,
    call: F,
) -> Result<BoundedMap<stream::Iter<I::IntoIter>, F, Fut>, LimitError>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future,
{
    checked_map("limit::map", stream::iter(items), in_flight, call)
}

/// [`map`] over a stream instead of an iterator.
pub fn map_stream<S, F, Fut>(
    items: S,
    in_flight: usize,
    call: F,
) -> Result<BoundedMap<S, F, Fut>, LimitError>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future,
{
    checked_map("limit::map_stream", items, in_flight, call)
}

/// `name` is the helper the caller used, so that a `LimitError` names it.
fn checked_map<S, F, Fut>(
    name: &'static str,
    items: S,
    in_flight: usize,
    call: F,
) -> Result<BoundedMap<S, F, Fut>, LimitError>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future,
{
    Limit::check(name, in_flight)?;
    Ok(BoundedMap::new(items, in_flight, call))
}

/// Runs `call` on every item with at most `in_flight` calls running; returns when all are
/// done. Memory is O(`in_flight`), as with [`map`].
pub async fn for_each<I, F, Fut>(items: I, in_flight: usize, call: F) -> Result<(), LimitError>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut calls = checked_map("limit::for_each", stream::iter(items), in_flight, call)?;
    while calls.next().await.is_some() {}
    Ok(())
}

/// The stream returned by [`map`] and [`map_stream`]: futures'
/// [`buffer_unordered`](futures::StreamExt::buffer_unordered) over `items` mapped through
/// `call`, built only once the limit is known not to be 0.
#[must_use = "streams do nothing unless polled"]
pub struct BoundedMap<S, F, Fut>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future,
{
    // Boxed so the stream is `Unpin` whatever `S` and `Fut` are (callers `.next()` it
    // without pinning); one allocation per stream, not per item.
    calls: Pin<Box<BufferUnordered<stream::Map<S, F>>>>,
    in_flight: usize,
}

impl<S, F, Fut> BoundedMap<S, F, Fut>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future,
{
    /// `in_flight` must not be 0: `buffer_unordered(0)` would never poll a call.
    fn new(items: S, in_flight: usize, call: F) -> Self {
        debug_assert!(in_flight > 0, "checked by the caller");
        Self {
            calls: Box::pin(items.map(call).buffer_unordered(in_flight)),
            in_flight,
        }
    }
}

impl<S, F, Fut> Stream for BoundedMap<S, F, Fut>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future,
{
    type Item = Fut::Output;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().calls.as_mut().poll_next(cx)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.calls.size_hint()
    }
}

impl<S, F, Fut> fmt::Debug for BoundedMap<S, F, Fut>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedMap")
            .field("in_flight", &self.in_flight)
            .finish_non_exhaustive()
    }
}

/// Support for `#[bounded]`'s generated code.
#[doc(hidden)]
pub mod __private {
    use super::{Limit, LimitPermit, LimitTimeout};
    use std::future::Future;
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    /// The type of the `static` that `#[bounded(n)]` declares inside the function.
    pub type BoundedLimit = Limit;

    /// Acquire for a function's own limit, which registers itself on first use.
    #[inline]
    pub fn bounded_acquire_own(
        limit: &'static Limit,
    ) -> impl Future<Output = LimitPermit<'static>> {
        bounded_register(limit);
        limit.acquire()
    }

    /// Acquire-with-timeout for a function's own limit.
    #[inline]
    pub fn bounded_acquire_own_timeout(
        limit: &'static Limit,
        timeout: Duration,
    ) -> impl Future<Output = Result<LimitPermit<'static>, LimitTimeout>> {
        bounded_register(limit);
        limit.acquire_timeout(timeout)
    }

    /// Acquire for a shared limit named by the user (`#[bounded(limit = …)]`): a plain
    /// signature, so that a `limit` of the wrong type is reported against it.
    #[inline]
    pub fn bounded_acquire(limit: &Limit) -> impl Future<Output = LimitPermit<'_>> + '_ {
        limit.acquire()
    }

    /// Acquire-with-timeout for a shared limit.
    #[inline]
    pub fn bounded_acquire_timeout(
        limit: &Limit,
        timeout: Duration,
    ) -> impl Future<Output = Result<LimitPermit<'_>, LimitTimeout>> + '_ {
        limit.acquire_timeout(timeout)
    }

    #[inline]
    fn bounded_register(limit: &'static Limit) {
        // One relaxed load on the hot path; the lock is taken once per limit.
        if !limit.registered.load(Ordering::Relaxed) {
            limit.register();
        }
    }

    /// The limit of `#[background(limit = …)]`: the function's own (a count) or a shared
    /// `static` [`Limit`], told apart by the type of the argument (see [`LimitArg`]).
    // Only ever a `static`, never moved: the variants' sizes do not matter.
    #[allow(clippy::large_enum_variant)]
    pub enum FnLimit {
        /// `limit = 8` or `limit = MAX_JOBS` (a `const` of type `usize`).
        Own(Limit),
        /// `limit = DB` (a `static` [`Limit`]).
        Shared(&'static Limit),
    }

    impl FnLimit {
        /// The function's own limit of `capacity`; 0 is a compile error in the `static`.
        #[track_caller]
        #[must_use]
        pub const fn own(name: &'static str, capacity: usize) -> Self {
            Self::Own(Limit::new(name, capacity))
        }

        /// The limit to acquire; a function's own limit registers itself on first use, as
        /// `#[bounded(n)]`'s does.
        #[inline]
        pub fn get(&'static self) -> &'static Limit {
            match self {
                Self::Own(limit) => {
                    bounded_register(limit);
                    limit
                }
                Self::Shared(limit) => limit,
            }
        }
    }

    /// The argument of `limit = PATH`, resolved by its type in a `const` context: the
    /// generated `static` calls `LimitArg(&PATH).fn_limit(name)`, and only `usize` and
    /// [`Limit`] have that method (an inherent `const fn` on each instantiation).
    pub struct LimitArg<T: LimitKind + 'static>(pub &'static T);

    /// The types `limit = PATH` accepts; the bound turns any other into a message that
    /// says so.
    #[diagnostic::on_unimplemented(
        message = "`limit = …` takes a count (a `const` of type `usize`) or a shared `static` `Limit`, not `{Self}`",
        label = "neither a `usize` count nor a `Limit`"
    )]
    pub trait LimitKind {}

    impl LimitKind for usize {}
    impl LimitKind for Limit {}

    impl LimitArg<usize> {
        /// A count: the function's own limit. `zero` is the compile error for a `const` 0,
        /// naming the attribute and the path.
        #[track_caller]
        #[must_use]
        pub const fn fn_limit(self, name: &'static str, zero: &'static str) -> FnLimit {
            assert!(*self.0 != 0, "{}", zero);
            FnLimit::own(name, *self.0)
        }
    }

    impl LimitArg<Limit> {
        /// A shared limit.
        #[must_use]
        pub const fn fn_limit(self, _name: &'static str, _zero: &'static str) -> FnLimit {
            FnLimit::Shared(self.0)
        }
    }

    /// Converts a timeout into the function's error type, naming the conversion in the
    /// compiler's message when `E: From<LimitTimeout>` is missing.
    #[inline]
    #[must_use]
    pub fn bounded_timeout_error<E: From<LimitTimeout>>(timeout: LimitTimeout) -> E {
        E::from(timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_and_oversized_capacities_are_typed_errors() {
        assert_eq!(
            Limit::try_new("z", 0).err(),
            Some(LimitError::Zero { name: "z" })
        );
        assert_eq!(
            Limit::try_new("big", Limit::MAX + 1).err(),
            Some(LimitError::TooLarge {
                name: "big",
                requested: Limit::MAX + 1
            })
        );
        assert!(map(0..3, 0, |x: i32| async move { x }).is_err());
        assert!(Limit::try_new("ok", Limit::MAX).is_ok());
    }

    #[test]
    fn errors_explain_themselves() {
        let zero = Limit::try_new("db", 0).err().map(|e| e.to_string());
        assert_eq!(
            zero.as_deref(),
            Some("limit `db` must allow at least 1 call in flight; 0 would make every call wait forever")
        );
        let timeout = LimitTimeout {
            name: "db",
            capacity: 8,
            scope: Scope::PerRuntime,
            timeout: Duration::from_millis(250),
        };
        assert_eq!(
            timeout.to_string(),
            "no permit of limit `db` became free within 250ms (all 8 in use in this runtime)"
        );
        let process_wide = LimitTimeout {
            scope: Scope::Process,
            ..timeout
        };
        assert!(process_wide
            .to_string()
            .ends_with("the limit is process-wide, so holders on other runtimes, such as other `#[tokio::test]`s of the same binary, count too)"));
        let io: std::io::Error = timeout.into();
        assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    }

    /// Which runtimes own the inline pools (their keys), and how many slots beyond them
    /// are taken.
    fn layout(limit: &Limit) -> ([u64; INLINE_POOLS], usize) {
        let owners = [0, 1].map(|i| limit.inline[i].owner.load(Ordering::Acquire));
        let beyond = limit
            .slots()
            .skip(INLINE_POOLS)
            .filter(|slot| slot.owner.load(Ordering::Acquire) != 0)
            .count();
        (owners, beyond)
    }

    #[test]
    fn the_inline_pools_and_the_map_give_each_runtime_its_own_permits() {
        static POOLS: Limit = Limit::new("pools", 1);
        let runtimes: Vec<_> = (0..4).map(|_| runtime()).collect();
        let keys: Vec<u64> = runtimes
            .iter()
            .map(|rt| rt.block_on(async { runtime_scope::current_key().unwrap().get() }))
            .collect();
        let mut held: Vec<_> = runtimes
            .iter()
            .map(|rt| rt.block_on(async { POOLS.try_acquire() }))
            .collect();
        assert!(
            held.iter().all(Option::is_some),
            "one permit on each runtime"
        );
        assert_eq!(layout(&POOLS), ([keys[0], keys[1]], 2));
        for rt in &runtimes {
            // Full on its own runtime, from `block_on` and from a task alike.
            assert!(rt.block_on(async { POOLS.try_acquire() }).is_none());
            let from_task = rt.block_on(async {
                tokio::spawn(async { (POOLS.try_acquire().is_none(), POOLS.in_flight()) }).await
            });
            assert_eq!(from_task.unwrap(), (true, 1));
        }
        assert_eq!(POOLS.in_flight(), 4);

        // The first runtime's pool is taken over by a later runtime once its permit is back;
        // the second's is not while a permit taken there is still held.
        held[0] = None;
        let mut runtimes = runtimes.into_iter();
        drop(runtimes.next());
        drop(runtimes.next());
        // Gauges outside a runtime count the runtimes alive.
        assert_eq!(POOLS.in_flight(), 2);
        let (fifth, sixth) = (runtime(), runtime());
        let fifth_key = fifth.block_on(async { runtime_scope::current_key().unwrap().get() });
        let on_fifth = fifth.block_on(async { POOLS.try_acquire() });
        let on_sixth = sixth.block_on(async { POOLS.try_acquire() });
        assert!(on_fifth.is_some() && on_sixth.is_some());
        assert_eq!(layout(&POOLS).0, [fifth_key, keys[1]]);
        assert_eq!(
            layout(&POOLS).1,
            3,
            "the sixth runtime's pool is in the map"
        );
        held[1] = None;
        assert_eq!(POOLS.in_flight(), 4);
    }

    #[test]
    fn a_slot_beyond_the_inline_ones_is_reused_once_its_runtime_is_gone_and_idle() {
        static REUSED: Limit = Limit::new("reused", 1);
        let runtimes: Vec<_> = (0..4).map(|_| runtime()).collect();
        let held: Vec<_> = runtimes
            .iter()
            .map(|rt| rt.block_on(async { REUSED.try_acquire() }))
            .collect();
        assert!(held.iter().all(Option::is_some));
        assert_eq!(layout(&REUSED).1, 2, "two runtimes beyond the inline slots");
        let mut runtimes = runtimes.into_iter();
        let mut held = held.into_iter();
        let (first, second) = (runtimes.next(), runtimes.next());
        let (third, fourth) = (runtimes.next().unwrap(), runtimes.next().unwrap());
        let (third_permit, fourth_permit) = (held.nth(2).unwrap(), held.next().unwrap());
        // The third runtime's permit is given back, the fourth's outlives its runtime.
        drop(third_permit);
        drop(third);
        drop(fourth);
        let later = runtime();
        let permit = later.block_on(async { REUSED.try_acquire() });
        assert!(permit.is_some(), "a fresh runtime gets its own permit");
        assert_eq!(
            layout(&REUSED).1,
            2,
            "the third runtime's idle slot is reused, not a new one"
        );
        // The fourth runtime's slot still lends the permit its caller holds.
        let another = runtime();
        assert!(another.block_on(async { REUSED.try_acquire() }).is_some());
        assert_eq!(layout(&REUSED).1, 3, "a busy slot is never taken over");
        drop(fourth_permit);
        drop((first, second));
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_gauge_survives_timeout_and_cancellation() {
        let limit = Limit::new("gauge", 1);
        let held = limit.acquire().await;
        assert_eq!((limit.in_flight(), limit.waiting()), (1, 0));

        let timed_out = limit.acquire_timeout(Duration::from_millis(10)).await;
        assert_eq!(
            timed_out.err().map(|e| e.timeout()),
            Some(Duration::from_millis(10))
        );
        assert_eq!(limit.waiting(), 0);

        let mut queued = Box::pin(limit.acquire());
        let mut cx = Context::from_waker(futures::task::noop_waker_ref());
        assert!(queued.as_mut().poll(&mut cx).is_pending());
        assert_eq!(limit.waiting(), 1);
        drop(queued);
        assert_eq!(limit.waiting(), 0);

        drop(held);
        assert_eq!(limit.in_flight(), 0);
        assert!(limit.try_acquire().is_some());
    }

    /// Waiters on more threads than have a counter to themselves: the gauge adds up to
    /// every one of them, and to none once they are served.
    #[test]
    fn waiting_gauge_counts_waiters_on_many_threads() {
        static SHARED: Limit = Limit::process_wide("many threads", 1);
        const THREADS: usize = 3 * WAITER_COUNTERS;
        let held = SHARED.try_acquire().expect("free at first");
        let served = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..THREADS {
                scope.spawn(|| {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .build()
                        .unwrap();
                    drop(runtime.block_on(SHARED.acquire()));
                    served.fetch_add(1, Ordering::Relaxed);
                });
            }
            while SHARED.waiting() < THREADS {
                std::thread::yield_now();
            }
            assert_eq!(SHARED.waiting(), THREADS);
            drop(held);
        });
        assert_eq!(served.load(Ordering::Relaxed), THREADS);
        assert_eq!((SHARED.waiting(), SHARED.in_flight()), (0, 0));
    }

    /// A waiter counted in on one thread and out on another leaves both counters off
    /// zero: the gauge is their sum.
    #[test]
    fn waiting_gauge_follows_a_waiter_to_another_thread() {
        static MOVED: Limit = Limit::process_wide("moved waiter", 1);
        let held = MOVED.try_acquire().expect("free at first");
        let mut queued = std::thread::spawn(|| {
            let mut queued = Box::pin(MOVED.acquire());
            let mut cx = Context::from_waker(futures::task::noop_waker_ref());
            assert!(queued.as_mut().poll(&mut cx).is_pending());
            queued
        })
        .join()
        .unwrap();
        assert_eq!(MOVED.waiting(), 1);
        drop(held);
        std::thread::spawn(move || {
            let mut cx = Context::from_waker(futures::task::noop_waker_ref());
            let Poll::Ready(permit) = queued.as_mut().poll(&mut cx) else {
                panic!("the permit was handed to the waiter when it was released")
            };
            drop(permit);
        })
        .join()
        .unwrap();
        assert_eq!((MOVED.waiting(), MOVED.in_flight()), (0, 0));
    }
}
