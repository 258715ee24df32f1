//! A small tokio application with `#[concurrent]` on every async fn: methods on `&self`
//! and `&mut self`, generics, `impl Trait`, lifetimes, early returns, loops, `?`, and
//! the attribute stacked with `#[tokio::test]`, `#[tracing::instrument]`,
//! `#[async_trait]` and `#[no_blocking]`, in either order. It must build, and its own
//! tests must pass (with the concurrency they expect, on the paused clock).

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::Arc;
use std::time::Duration;

use async_hygiene::{concurrent, no_blocking};
use async_trait::async_trait;
use tokio::fs;
use tokio::sync::Mutex;
use tokio::time::{sleep, Instant};

#[derive(Debug, PartialEq)]
enum AppError {
    NotFound(u64),
    Io(std::io::ErrorKind),
}

impl From<std::io::Error> for AppError {
    fn from(error: std::io::Error) -> Self {
        AppError::Io(error.kind())
    }
}

type AppResult<T> = Result<T, AppError>;

#[derive(Clone, Debug, PartialEq)]
struct User {
    id: u64,
    name: String,
}

/// A remote store with 10 ms of latency per call.
struct Db {
    users: Mutex<HashMap<u64, String>>,
}

impl Db {
    fn new(users: &[(u64, &str)]) -> Self {
        Db {
            users: Mutex::new(
                users
                    .iter()
                    .map(|&(id, name)| (id, name.to_owned()))
                    .collect(),
            ),
        }
    }

    #[concurrent]
    async fn user(&self, id: u64) -> AppResult<User> {
        sleep(Duration::from_millis(10)).await;
        let name = self.users.lock().await.get(&id).cloned();
        let name = name.ok_or(AppError::NotFound(id))?;
        Ok(User { id, name })
    }

    #[concurrent]
    async fn pair(&self, a: u64, b: u64) -> AppResult<(User, User)> {
        let first = self.user(a).await?;
        let second = self.user(b).await?;
        Ok((first, second))
    }

    #[concurrent]
    async fn rename(&self, id: u64, name: &str) -> AppResult<()> {
        let mut users = self.users.lock().await;
        let slot = users.get_mut(&id).ok_or(AppError::NotFound(id))?;
        name.clone_into(slot);
        Ok(())
    }
}

/// State owned by one task: methods take `&mut self`.
struct Session<'db> {
    db: &'db Db,
    seen: Vec<u64>,
    cache: HashMap<u64, User>,
}

impl Session<'_> {
    #[concurrent]
    async fn load(&mut self, ids: &[u64]) -> AppResult<usize> {
        for &id in ids {
            if self.cache.contains_key(&id) {
                continue;
            }
            let user = self.db.user(id).await?;
            self.seen.push(id);
            self.cache.insert(id, user);
        }
        let total = self.cache.len();
        Ok(total)
    }

    #[concurrent]
    async fn names<'a>(&'a self, ids: &'a [u64]) -> Vec<&'a str> {
        let known: Vec<&'a str> = ids
            .iter()
            .filter_map(|id| self.cache.get(id).map(|user| user.name.as_str()))
            .collect();
        let _ = self.db.user(0).await;
        known
    }

    #[concurrent]
    async fn refresh_two(&mut self, a: u64, b: u64) -> AppResult<()> {
        // Both reads go through `self` (a `&mut self` receiver): they keep their order.
        let first = self.db.user(a).await?;
        let second = self.db.user(b).await?;
        self.cache.insert(a, first);
        self.cache.insert(b, second);
        Ok(())
    }
}

#[concurrent]
async fn fetch_all<T, F>(db: &Db, ids: &[u64], make: F) -> Vec<T>
where
    T: Send,
    F: Fn(&User) -> T,
{
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        if let Ok(user) = db.user(id).await {
            out.push(make(&user));
        }
    }
    out
}

#[concurrent]
async fn describe(db: &Db, label: impl Display, id: u64) -> AppResult<impl Display> {
    let user = db.user(id).await?;
    let other = db.user(id + 1).await?;
    Ok(format!("{label}: {} and {}", user.name, other.name))
}

#[concurrent]
async fn early_return(db: &Db, skip: bool) -> AppResult<u64> {
    if skip {
        return Ok(0);
    }
    let a = db.user(1).await?;
    let b = db.user(2).await?;
    Ok(a.id + b.id)
}

#[concurrent]
async fn shared(db: Arc<Db>) -> AppResult<String> {
    let spawned = tokio::spawn({
        let db = Arc::clone(&db);
        async move { db.user(1).await }
    });
    let local = db.user(2).await?;
    let remote = spawned.await.map_err(|_| AppError::NotFound(1))??;
    Ok(format!("{}{}", remote.name, local.name))
}

#[async_trait]
trait Repository {
    async fn both(&self, a: u64, b: u64) -> AppResult<String>;
    async fn either(&self, a: u64, b: u64) -> Option<String>;
}

#[async_trait]
impl Repository for Db {
    #[concurrent]
    async fn both(&self, a: u64, b: u64) -> AppResult<String> {
        let first = self.user(a).await?;
        let second = self.user(b).await?;
        Ok(first.name + &second.name)
    }

    #[concurrent]
    async fn either(&self, a: u64, b: u64) -> Option<String> {
        let first = self.user(a).await.ok();
        let second = self.user(b).await.ok();
        first.or(second).map(|user| user.name)
    }
}

#[concurrent]
#[tracing::instrument(skip(db))]
async fn traced_inside(db: &Db) -> AppResult<u64> {
    let a = db.user(1).await?;
    let b = db.user(2).await?;
    Ok(a.id + b.id)
}

#[tracing::instrument(skip(db))]
#[concurrent]
async fn traced_outside(db: &Db) -> AppResult<u64> {
    let a = db.user(1).await?;
    let b = db.user(2).await?;
    Ok(a.id + b.id)
}

#[no_blocking]
#[concurrent]
async fn checked_outside(db: &Db) -> AppResult<usize> {
    let a = db.user(1).await?;
    let b = db.user(2).await?;
    let text = tokio::fs::read_to_string("Cargo.toml").await?;
    Ok(a.name.len() + b.name.len() + usize::from(!text.is_empty()))
}

// `#[no_blocking]` sees the joins: a future handed to one is not a call left unawaited,
// even one named like a blocking function (`fs::read_to_string`).
#[concurrent]
#[no_blocking]
async fn checked_inside(db: &Db) -> AppResult<usize> {
    let a = db.user(1).await?;
    let b = db.user(2).await?;
    let text = fs::read_to_string("Cargo.toml").await?;
    Ok(a.name.len() + b.name.len() + usize::from(!text.is_empty()))
}

// Unit-returning: the watch call ends with `;`, which the second attribute must see through.
#[no_blocking]
#[concurrent]
async fn unit_checked_outside(db: &Db) {
    let a = db.user(1).await;
    let b = db.user(2).await;
    assert!(a.is_ok() && b.is_ok());
}

#[concurrent]
#[no_blocking]
async fn unit_checked_inside(db: &Db) {
    let a = db.user(1).await;
    let b = db.user(2).await;
    assert!(a.is_ok() && b.is_ok());
}

fn db() -> Db {
    Db::new(&[(1, "ada"), (2, "bob"), (3, "cy")])
}

async fn timed<F: std::future::Future>(future: F) -> (F::Output, Duration) {
    let start = Instant::now();
    let output = future.await;
    (output, start.elapsed())
}

fn ms(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

#[tokio::test(start_paused = true)]
async fn methods_join_what_is_independent() {
    let db = db();
    let (pair, elapsed) = timed(db.pair(1, 2)).await;
    assert_eq!(
        pair.map(|(a, b)| (a.name, b.name)),
        Ok(("ada".into(), "bob".into()))
    );
    assert_eq!(elapsed, ms(10));
    assert_eq!(db.pair(1, 9).await, Err(AppError::NotFound(9)));
    assert_eq!(db.rename(3, "cyd").await, Ok(()));
    assert_eq!(db.user(3).await.map(|user| user.name), Ok("cyd".into()));
}

#[tokio::test(start_paused = true)]
async fn mut_self_keeps_order_and_loops_still_run() {
    let db = db();
    let mut session = Session {
        db: &db,
        seen: Vec::new(),
        cache: HashMap::new(),
    };
    assert_eq!(session.load(&[2, 1, 2]).await, Ok(2));
    assert_eq!(session.seen, [2, 1]);
    let ids = [1, 2, 7];
    assert_eq!(session.names(&ids).await, ["ada", "bob"]);
    let (result, elapsed) = timed(session.refresh_two(3, 1)).await;
    assert_eq!(result, Ok(()));
    assert_eq!(elapsed, ms(20));
    assert_eq!(session.load(&[3]).await, Ok(3));
}

#[tokio::test(start_paused = true)]
async fn generics_impl_trait_and_early_returns() {
    let db = db();
    assert_eq!(
        fetch_all(&db, &[1, 5, 2], |user| user.id * 10).await,
        [10, 20]
    );
    let (text, elapsed) = timed(describe(&db, "pair", 1)).await;
    assert_eq!(
        text.map(|text| text.to_string()),
        Ok("pair: ada and bob".into())
    );
    assert_eq!(elapsed, ms(10));
    assert_eq!(early_return(&db, true).await, Ok(0));
    let (sum, elapsed) = timed(early_return(&db, false)).await;
    assert_eq!((sum, elapsed), (Ok(3), ms(10)));
    assert_eq!(shared(Arc::new(db)).await, Ok("adabob".into()));
}

#[tokio::test(start_paused = true)]
async fn async_trait_methods() {
    let db = db();
    let (both, elapsed) = timed(db.both(1, 2)).await;
    assert_eq!((both, elapsed), (Ok("adabob".into()), ms(10)));
    assert_eq!(db.both(1, 8).await, Err(AppError::NotFound(8)));
    let (either, elapsed) = timed(db.either(8, 2)).await;
    assert_eq!((either, elapsed), (Some("bob".into()), ms(10)));
}

#[tokio::test(start_paused = true)]
async fn stacked_with_tracing_and_no_blocking() {
    let db = db();
    for (result, elapsed) in [
        timed(traced_inside(&db)).await,
        timed(traced_outside(&db)).await,
    ] {
        assert_eq!((result, elapsed), (Ok(3), ms(10)));
    }
    let (len, elapsed) = timed(checked_outside(&db)).await;
    assert_eq!((len, elapsed), (Ok(7), ms(10)));
    let (len, elapsed) = timed(checked_inside(&db)).await;
    assert_eq!((len, elapsed), (Ok(7), ms(10)));
    assert_eq!(timed(unit_checked_outside(&db)).await.1, ms(10));
    assert_eq!(timed(unit_checked_inside(&db)).await.1, ms(10));
}

#[concurrent]
#[tokio::test(start_paused = true)]
async fn concurrent_above_tokio_test() {
    let start = Instant::now();
    let a = sleep(ms(30)).await;
    let b = sleep(ms(20)).await;
    assert_eq!((a, b), ((), ()));
    assert_eq!(start.elapsed(), ms(30));
}

#[tokio::test(start_paused = true)]
#[concurrent]
async fn concurrent_below_tokio_test() -> AppResult<()> {
    let db = db();
    let start = Instant::now();
    let a = db.user(1).await?;
    let b = db.user(2).await?;
    assert_eq!(a.id + b.id, 3);
    assert_eq!(start.elapsed(), ms(10));
    Ok(())
}
