//! A realistic tokio service with every async fn under `#[no_blocking]`: the issue's "done
//! when" for false alarms. It is written the way such code is written, with tokio's
//! `fs`, `process`, `net` and `sync` imported *outside* the annotated items (where the
//! macro cannot see them), std look-alikes next to their tokio namesakes, handlers taking
//! extractor-style arguments, `select!` loops, joins, futures bound and awaited later,
//! work offloaded to `spawn_blocking` and `std::thread::scope`, and nested `fn` items.
//! It compiles only if the attribute reports nothing; the test then runs it end to end.
//! The blocking twin of a spawned task is `tests/ui/no_blocking_std_recv_in_spawned_task.rs`.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_hygiene::no_blocking;
use tokio::fs;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::Command;
use tokio::sync::{mpsc, oneshot, watch, RwLock, Semaphore};
use tokio::task::JoinSet;

/// Key-value storage: one file per key, a std-mutex cache for short sections (what tokio
/// recommends), a tokio `RwLock` index, and a std channel to an audit log thread.
struct Repository {
    root: PathBuf,
    cache: std::sync::Mutex<HashMap<String, String>>,
    index: RwLock<Vec<String>>,
    audit: std::sync::mpsc::Sender<String>,
    permits: Semaphore,
}

#[no_blocking]
impl Repository {
    /// Sync code inside an annotated impl is left alone.
    fn open(root: &Path, audit: std::sync::mpsc::Sender<String>) -> io::Result<Self> {
        async_hygiene::allow_blocking!(
            "once at start-up, before the service takes requests",
            std::fs::create_dir_all(root)
        )?;
        Ok(Repository {
            root: root.to_path_buf(),
            cache: std::sync::Mutex::new(HashMap::new()),
            index: RwLock::new(Vec::new()),
            audit,
            permits: Semaphore::new(4),
        })
    }

    fn path_of(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }

    #[tracing::instrument(skip(self))]
    async fn get(&self, key: &str) -> io::Result<Option<String>> {
        // A guard in an `if let` scrutinee whose body does not await.
        if let Some(hit) = self.cache.lock().expect("cache").get(key).cloned() {
            return Ok(Some(hit));
        }
        let _permit = self.permits.acquire().await.expect("semaphore open");
        match fs::read_to_string(self.path_of(key)).await {
            Ok(text) => {
                self.cache
                    .lock()
                    .expect("cache")
                    .insert(key.to_owned(), text.clone());
                // std mpsc `send` never blocks.
                self.audit.send(format!("get {key}")).ok();
                Ok(Some(text))
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    async fn put(&self, key: &str, value: &str) -> io::Result<()> {
        let path = self.path_of(key);
        let temporary = path.with_extension("tmp");
        let mut file = fs::File::create(&temporary).await?;
        file.write_all(value.as_bytes()).await?;
        file.sync_all().await?;
        fs::rename(&temporary, &path).await?;
        {
            let mut cache = self.cache.lock().expect("cache");
            cache.insert(key.to_owned(), value.to_owned());
        }
        // An `if` condition's temporaries are gone before its body runs.
        if !self.index.read().await.iter().any(|known| known == key) {
            self.index.write().await.push(key.to_owned());
        }
        self.audit.send(format!("put {key}")).ok();
        Ok(())
    }

    async fn keys_csv(&self) -> String {
        let index = self.index.read().await;
        let mut keys: Vec<&str> = index.iter().map(String::as_str).collect();
        keys.sort_unstable();
        keys.join(",")
    }

    /// `key=value` lines; the first two keys written concurrently, the rest in order.
    async fn import(&self, text: &str) -> io::Result<usize> {
        fn parse_line(line: &str) -> Option<(&str, &str)> {
            let (key, value) = line.split_once('=')?;
            Some((key.trim(), value.trim()))
        }
        let pairs: Vec<(&str, &str)> = text.lines().filter_map(parse_line).collect();
        if let [(first_key, first), (second_key, second), rest @ ..] = pairs.as_slice() {
            tokio::try_join!(self.put(first_key, first), self.put(second_key, second))?;
            for (key, value) in rest {
                self.put(key, value).await?;
            }
        }
        Ok(pairs.len())
    }

    /// The blocking work runs where it belongs, on the blocking pool.
    async fn checksum(&self, key: &str) -> io::Result<u64> {
        let path = self.path_of(key);
        tokio::task::spawn_blocking(move || {
            let bytes = std::fs::read(&path)?;
            std::thread::sleep(Duration::from_millis(1));
            Ok(bytes.iter().map(|byte| u64::from(*byte)).sum())
        })
        .await
        .expect("checksum task")
    }

    /// Fan-out: futures pushed into a set or mapped into `join_all`, polled together.
    async fn total_size(&self, keys: &[&str]) -> io::Result<u64> {
        let mut pending = futures::stream::FuturesUnordered::new();
        for key in keys {
            pending.push(fs::metadata(self.path_of(key)));
        }
        let mut total = 0;
        while let Some(metadata) = futures::StreamExt::next(&mut pending).await {
            total += metadata?.len();
        }
        let texts =
            futures::future::join_all(keys.iter().map(|key| fs::read_to_string(self.path_of(key))))
                .await;
        for text in texts {
            total += u64::try_from(text?.len()).unwrap_or(u64::MAX);
        }
        Ok(total)
    }

    /// Futures bound to names and awaited later, and a joined batch.
    async fn report(&self, keys: &[&str]) -> io::Result<(String, u64, usize)> {
        let listing = self.keys_csv();
        let metadata = fs::metadata(&self.root);
        let (listing, metadata) = tokio::join!(listing, metadata);
        let values = futures::future::join_all(keys.iter().map(|key| self.get(key))).await;
        let found = values
            .into_iter()
            .collect::<io::Result<Vec<_>>>()?
            .into_iter()
            .flatten()
            .count();
        Ok((listing, u64::from(metadata?.is_dir()), found))
    }
}

/// Extractor-style wrappers, as a web framework's handlers take them.
struct State<T>(T);
struct Key(String);

/// A response with a `status()` accessor: not `std::process::Command::status`.
struct Response {
    code: u16,
    body: String,
}

impl Response {
    fn status(&self) -> u16 {
        self.code
    }
}

#[no_blocking]
mod handlers {
    use std::sync::Arc;

    use super::{Key, Repository, Response, State};

    pub(super) async fn get_item(State(repo): State<Arc<Repository>>, Key(key): Key) -> Response {
        match repo.get(&key).await {
            Ok(Some(body)) => Response { code: 200, body },
            Ok(None) => Response {
                code: 404,
                body: format!("no {key}"),
            },
            Err(error) => Response {
                code: 500,
                body: error.to_string(),
            },
        }
    }

    pub(super) async fn put_item(
        State(repo): State<Arc<Repository>>,
        Key(key): Key,
        body: String,
    ) -> u16 {
        let response = match repo.put(&key, &body).await {
            Ok(()) => get_item(State(Arc::clone(&repo)), Key(key)).await,
            Err(error) => Response {
                code: 500,
                body: error.to_string(),
            },
        };
        response.status()
    }
}

/// A job for the worker, answered through a oneshot.
enum Job {
    Put {
        key: String,
        value: String,
        reply: oneshot::Sender<bool>,
    },
    Checksum {
        key: String,
        reply: oneshot::Sender<u64>,
    },
}

/// The classic worker loop: jobs from a tokio channel, a tick, and a shutdown signal.
#[no_blocking]
async fn run_worker(
    repo: Arc<Repository>,
    mut jobs: mpsc::Receiver<Job>,
    mut shutdown: watch::Receiver<bool>,
) -> usize {
    let mut done = 0;
    let mut tick = tokio::time::interval(Duration::from_millis(5));
    let deadline = tokio::time::sleep(Duration::from_secs(30));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            biased;
            _ = shutdown.changed() => break,
            () = &mut deadline => break,
            Some(job) = jobs.recv() => {
                match job {
                    Job::Put { key, value, reply } => {
                        let stored = repo.put(&key, &value).await.is_ok();
                        reply.send(stored).ok();
                    }
                    Job::Checksum { key, reply } => {
                        reply.send(repo.checksum(&key).await.unwrap_or_default()).ok();
                    }
                }
                done += 1;
            }
            // A tuple pattern right after a block handler: the branches still parse.
            (_, ()) = async { (tick.tick().await, ()) } => {}
            else => break,
        }
    }
    done
}

/// A line-protocol server: `tokio::net` and `BufReader::lines` on a socket, awaited.
#[no_blocking]
async fn serve_lines(listener: TcpListener, repo: Arc<Repository>) -> io::Result<usize> {
    let (stream, _) = listener.accept().await?;
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader).lines();
    let mut served = 0;
    while let Some(line) = lines.next_line().await? {
        let reply = repo.get(line.trim()).await?.unwrap_or_default();
        writer.write_all(reply.as_bytes()).await?;
        writer.write_all(b"\n").await?;
        served += 1;
    }
    Ok(served)
}

/// A client that spawns its requests, runs a tool, and crunches numbers on threads.
#[no_blocking]
async fn client_session(addr: std::net::SocketAddr, keys: Vec<String>) -> io::Result<Vec<String>> {
    let stream = TcpStream::connect(addr).await?;
    let (reader, mut writer) = stream.into_split();
    let mut tasks = JoinSet::new();
    tasks.spawn(async move {
        for key in keys {
            writer.write_all(format!("{key}\n").as_bytes()).await?;
        }
        writer.shutdown().await
    });
    let mut replies = Vec::new();
    let mut lines = BufReader::new(reader).lines();
    while let Some(line) = lines.next_line().await? {
        replies.push(line);
    }
    while let Some(result) = tasks.join_next().await {
        result.expect("writer task")?;
    }
    // tokio's Command, imported outside the item: the awaited `.output()` is not std's.
    let version = Command::new(env!("CARGO"))
        .arg("--version")
        .output()
        .await?;
    replies.push(u8::from(version.status.success()).to_string());
    // Scoped threads for CPU work: their closures are sync code.
    let total = std::thread::scope(|scope| {
        let left = scope.spawn(|| (0..1_000_u64).sum::<u64>());
        let right: u64 = (1_000..2_000).sum();
        left.join().expect("left half") + right
    });
    replies.push(total.to_string());
    Ok(replies)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_runs_unchanged() {
    let root = std::env::temp_dir().join(format!("no_blocking_service_{}", std::process::id()));
    let (audit_tx, audit_rx) = std::sync::mpsc::channel();
    let audit_thread = std::thread::spawn(move || audit_rx.iter().count());
    let repo = Arc::new(Repository::open(&root, audit_tx).expect("repository"));

    assert_eq!(
        repo.import("a = 1\nb = 2\nc = 3\nnot a pair")
            .await
            .expect("import"),
        3
    );
    assert_eq!(repo.keys_csv().await, "a,b,c");
    assert_eq!(repo.checksum("a").await.expect("checksum"), u64::from(b'1'));
    assert_eq!(repo.total_size(&["a", "b"]).await.expect("sizes"), 2 * 2);
    let (listing, is_dir, found) = repo.report(&["a", "c", "zz"]).await.expect("report");
    assert_eq!((listing.as_str(), is_dir, found), ("a,b,c", 1, 2));

    let status = handlers::put_item(State(Arc::clone(&repo)), Key("d".into()), "4".into()).await;
    assert_eq!(status, 200);
    let missing = handlers::get_item(State(Arc::clone(&repo)), Key("nope".into())).await;
    assert_eq!((missing.status(), missing.body.as_str()), (404, "no nope"));

    let (jobs_tx, jobs_rx) = mpsc::channel(4);
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let worker = tokio::spawn(run_worker(Arc::clone(&repo), jobs_rx, shutdown_rx));
    let (put_reply, put_done) = oneshot::channel();
    let job = Job::Put {
        key: "e".into(),
        value: "5".into(),
        reply: put_reply,
    };
    jobs_tx.send(job).await.expect("worker alive");
    assert!(put_done.await.expect("reply"));
    let (sum_reply, sum_done) = oneshot::channel();
    let job = Job::Checksum {
        key: "e".into(),
        reply: sum_reply,
    };
    jobs_tx.send(job).await.expect("worker alive");
    assert_eq!(sum_done.await.expect("reply"), u64::from(b'5'));
    shutdown_tx.send(true).expect("worker alive");
    assert_eq!(worker.await.expect("worker"), 2);

    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let server = tokio::spawn(serve_lines(listener, Arc::clone(&repo)));
    let replies = client_session(addr, vec!["a".into(), "e".into(), "none".into()])
        .await
        .expect("session");
    assert_eq!(replies, ["1", "5", "", "1", "1999000"]);
    assert_eq!(server.await.expect("server").expect("served"), 3);

    drop(repo);
    // One audit line per put (a to e); every get was a cache hit or a miss.
    let audited = async_hygiene::allow_blocking!(
        "the audit thread ends as soon as its sender is dropped (above)",
        audit_thread.join()
    );
    assert_eq!(audited.expect("audit thread"), 5);
    tokio::fs::remove_dir_all(&root).await.expect("clean up");
}
