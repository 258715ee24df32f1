//! `#[no_blocking]` on code it must accept: every "must not flag" rule, the escape hatch,
//! the policy arguments, and stacking with tokio, tracing and async-trait in both orders.
//! These functions compile only if the attribute reports nothing; the tests then run
//! them to show the item is emitted unchanged.

use std::io;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use async_hygiene::{allow_blocking, no_blocking};

/// Calls that are awaited, or futures that are handed on or awaited later.
#[no_blocking]
async fn awaited_calls(dir: &std::path::Path) -> io::Result<usize> {
    use tokio::fs;
    use tokio::sync::mpsc as channel;

    let path = dir.join("awaited.txt");
    fs::write(&path, b"hello").await?;
    let text = fs::read_to_string(&path).await?;
    let file = tokio::fs::File::open(&path).await?;
    drop(file);
    // Futures bound to a name and awaited later count as awaited.
    let later = fs::read(&path);
    let bytes = later.await?;
    // Futures handed to `join!`/`select!`/`timeout` count as awaited.
    let (first, second) = tokio::join!(fs::read(&path), fs::read(&path));
    let (tx, mut rx) = channel::channel::<u32>(1);
    tx.send(7).await.expect("receiver alive");
    let received = tokio::time::timeout(Duration::from_secs(1), rx.recv()).await;
    tx.send(8).await.expect("receiver alive");
    let selected = tokio::select! {
        Some(value) = rx.recv() => value,
        () = tokio::time::sleep(Duration::from_secs(1)) => 0,
    };
    fs::remove_file(&path).await?;
    Ok(text.len()
        + bytes.len()
        + first?.len()
        + second?.len()
        + usize::from(received == Ok(Some(7)))
        + usize::try_from(selected).unwrap_or_default())
}

/// The fix is not the problem: closures handed to `spawn_blocking`, `block_in_place` and
/// threads, and nested fn items, are sync code.
#[no_blocking]
async fn offloaded_work() -> u64 {
    fn sync_helper() -> u64 {
        std::thread::sleep(Duration::from_millis(1));
        1
    }
    let from_pool = tokio::task::spawn_blocking(|| {
        std::thread::sleep(Duration::from_millis(1));
        std::fs::read_to_string("Cargo.toml").map(|text| text.len())
    })
    .await
    .expect("blocking task")
    .expect("Cargo.toml");
    let in_place = tokio::task::block_in_place(sync_helper);
    let thread = std::thread::spawn(|| {
        let (tx, rx) = mpsc::channel();
        tx.send(2_u64).expect("receiver alive");
        rx.recv().expect("sender alive")
    });
    let mut scoped = 0;
    std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(1));
            scoped = 4;
        });
    });
    let work = move || std::fs::metadata("Cargo.toml").map(|meta| meta.len());
    let metadata = tokio::task::spawn_blocking(work)
        .await
        .expect("blocking task")
        .expect("Cargo.toml");
    u64::from(from_pool > 0)
        + in_place
        + tokio::task::spawn_blocking(move || thread.join().expect("thread"))
            .await
            .expect("blocking task")
        + scoped
        + u64::from(metadata > 0)
}

/// Look-alikes that do not block, and same-named functions on other paths.
#[no_blocking]
async fn look_alikes(parts: &[&str], text: &str) -> (String, usize, std::path::PathBuf) {
    mod store {
        pub(super) async fn read_to_string(key: &str) -> String {
            tokio::task::yield_now().await;
            key.to_uppercase()
        }
    }
    let joined = parts.join(",");
    let lines = text.lines().count();
    let path = std::path::Path::new("dir").join("x");
    let (tx, rx) = mpsc::channel();
    tx.send(1).expect("receiver alive");
    drop(rx);
    let value = store::read_to_string("k").await;
    (joined + &value, lines, path)
}

/// A std mutex for short sections is what tokio recommends: only a guard that is still
/// alive at an `.await` is a problem.
// clippy's MIR-based lint still counts a guard passed to `drop` as held at the next
// await; the guard here is gone before it.
#[allow(clippy::await_holding_lock)]
#[no_blocking]
async fn short_locks(state: Arc<Mutex<u32>>, shared: Arc<tokio::sync::Mutex<u32>>) -> u32 {
    *state.lock().expect("not poisoned") += 1;
    {
        let mut guard = state.lock().expect("not poisoned");
        *guard += 1;
    }
    tokio::task::yield_now().await;
    let guard = state.lock().expect("not poisoned");
    let value = *guard;
    drop(guard);
    tokio::task::yield_now().await;
    let mut async_guard = shared.lock().await;
    *async_guard += value;
    tokio::task::yield_now().await;
    *async_guard
}

/// The escape hatch: explicit, greppable, with a reason.
#[no_blocking]
async fn escape_hatch() -> usize {
    tokio::task::yield_now().await;
    let manifest = allow_blocking!(
        "read once at start-up, before serving",
        std::fs::read_to_string("Cargo.toml")
    )
    .expect("Cargo.toml");
    manifest.len()
}

/// Policy arguments: a crate's own sync wrapper denied elsewhere, an allowed call here.
#[no_blocking(
    deny(legacy::query_sync = "use `legacy::query(..).await`"),
    allow(std::fs::metadata = "a stat of a local file")
)]
async fn with_policy() -> bool {
    tokio::task::yield_now().await;
    std::fs::metadata("Cargo.toml").is_ok()
}

/// An impl block: async methods are checked, sync ones are left alone.
struct Store {
    state: Mutex<Vec<u32>>,
}

#[no_blocking]
impl Store {
    fn load_sync(&self) -> usize {
        allow_blocking!(
            "blocks on purpose: the attribute does not follow calls into sync helpers (the checker does)",
            std::thread::sleep(Duration::from_millis(1))
        );
        self.state.lock().expect("not poisoned").len()
    }

    async fn push(&self, value: u32) -> usize {
        self.state.lock().expect("not poisoned").push(value);
        tokio::time::sleep(Duration::from_millis(1)).await;
        self.load_sync()
    }
}

/// An inline module: every async fn inside, with an inner attribute refining the policy.
#[no_blocking]
mod service {
    use std::time::Duration;
    use tokio::time::sleep;

    pub(super) async fn pause() -> u32 {
        sleep(Duration::from_millis(1)).await;
        1
    }

    #[async_hygiene::no_blocking(allow(std::fs::metadata))]
    pub(super) async fn stat() -> bool {
        tokio::task::yield_now().await;
        std::fs::metadata("Cargo.toml").is_ok()
    }

    pub(super) fn sync_sleep() {
        async_hygiene::allow_blocking!(
            "blocks on purpose: the attribute does not follow calls into sync helpers (the checker does)",
            std::thread::sleep(Duration::from_millis(1))
        );
    }

    /// A trait's default async fns are checked too; its sync ones are not.
    pub(super) trait Greeter {
        fn name(&self) -> String {
            async_hygiene::allow_blocking!(
                "blocks on purpose: the attribute does not follow calls into sync helpers (the checker does)",
                std::thread::sleep(Duration::from_millis(1))
            );
            "sync".to_owned()
        }

        async fn greet(&self) -> String {
            sleep(Duration::from_millis(1)).await;
            format!("hello {}", self.name())
        }
    }

    pub(super) struct Anyone;

    impl Greeter for Anyone {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn annotated_code_runs_unchanged() {
    let dir = std::env::temp_dir().join(format!("no_blocking_{}", std::process::id()));
    tokio::fs::create_dir_all(&dir).await.expect("temp dir");
    assert_eq!(awaited_calls(&dir).await.expect("io"), 5 * 4 + 1 + 8);
    assert_eq!(offloaded_work().await, 1 + 1 + 2 + 4 + 1);
    let (joined, lines, path) = look_alikes(&["a", "b"], "x\ny").await;
    assert_eq!((joined.as_str(), lines), ("a,bK", 2));
    assert_eq!(path, std::path::Path::new("dir").join("x"));
    let state = Arc::new(Mutex::new(0));
    let shared = Arc::new(tokio::sync::Mutex::new(10));
    assert_eq!(short_locks(state, shared).await, 12);
    assert!(escape_hatch().await > 0);
    assert!(with_policy().await);
    let store = Store {
        state: Mutex::new(Vec::new()),
    };
    assert_eq!(store.push(3).await, 1);
    assert_eq!(service::pause().await, 1);
    assert!(service::stat().await);
    service::sync_sleep();
    assert_eq!(
        service::Greeter::greet(&service::Anyone).await,
        "hello sync"
    );
    tokio::fs::remove_dir_all(&dir).await.expect("clean up");
}

// ---- stacking, both orders ----

#[tokio::main(flavor = "current_thread")]
#[no_blocking]
async fn tokio_main_first() -> u32 {
    tokio::time::sleep(Duration::from_millis(1)).await;
    1
}

#[no_blocking]
#[tokio::main(flavor = "current_thread")]
async fn no_blocking_before_tokio_main() -> u32 {
    tokio::time::sleep(Duration::from_millis(1)).await;
    2
}

#[test]
fn stacks_with_tokio_main() {
    assert_eq!(tokio_main_first() + no_blocking_before_tokio_main(), 3);
}

#[tokio::test(start_paused = true)]
#[no_blocking]
async fn stacks_with_tokio_test_first() {
    let start = tokio::time::Instant::now();
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(start.elapsed(), Duration::from_secs(5));
}

#[no_blocking]
#[tokio::test(start_paused = true)]
async fn stacks_with_tokio_test_second() {
    let start = tokio::time::Instant::now();
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(start.elapsed(), Duration::from_secs(5));
}

#[tracing::instrument]
#[no_blocking]
async fn traced_outside(n: u32) -> u32 {
    tokio::task::yield_now().await;
    n + 1
}

#[no_blocking]
#[tracing::instrument]
async fn traced_inside(n: u32) -> u32 {
    tokio::task::yield_now().await;
    n + 2
}

#[tokio::test]
async fn stacks_with_tracing_instrument() {
    assert_eq!(traced_outside(1).await + traced_inside(1).await, 5);
}

#[async_trait::async_trait]
trait Fetch {
    async fn fetch(&self, key: u32) -> u32;
}

struct First;
struct Second;
struct Third;

#[no_blocking]
#[async_trait::async_trait]
impl Fetch for First {
    async fn fetch(&self, key: u32) -> u32 {
        tokio::task::yield_now().await;
        key + 1
    }
}

#[async_trait::async_trait]
#[no_blocking]
impl Fetch for Second {
    async fn fetch(&self, key: u32) -> u32 {
        tokio::task::yield_now().await;
        key + 2
    }
}

#[async_trait::async_trait]
impl Fetch for Third {
    #[no_blocking]
    async fn fetch(&self, key: u32) -> u32 {
        tokio::task::yield_now().await;
        key + 3
    }
}

#[tokio::test]
async fn stacks_with_async_trait() {
    let total = First.fetch(0).await + Second.fetch(0).await + Third.fetch(0).await;
    assert_eq!(total, 6);
}
