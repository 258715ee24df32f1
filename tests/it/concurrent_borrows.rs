//! `#[concurrent]` on fns whose awaited calls share a receiver or an argument
//! that may be a `&mut`. Joined, these would not build (E0499: two mutable borrows of
//! `s` at once), so this file compiling is the first test; the order kept, on the
//! paused clock, is the second.

use std::time::Duration;

use async_hygiene::concurrent;
use tokio::time::{sleep, Instant};

#[derive(Default)]
struct Session {
    sent: Vec<u32>,
}

impl Session {
    async fn send(&mut self, value: u32, ms: u64) -> usize {
        sleep(Duration::from_millis(ms)).await;
        self.sent.push(value);
        self.sent.len()
    }
}

async fn send_through(session: &mut Session, value: u32, ms: u64) -> usize {
    session.send(value, ms).await
}

#[derive(Default)]
struct Context {
    session: Session,
    spare: Option<Session>,
}

impl Context {
    /// An accessor: the caller's binding holds a `&mut` whose type it does not write.
    fn session(&mut self) -> &mut Session {
        &mut self.session
    }

    fn spare(&mut self) -> Option<&mut Session> {
        self.spare.as_mut()
    }
}

// The shape of the issue: two awaited calls on a `&mut` taken from an accessor, each
// written over several lines.
#[concurrent]
async fn exchange(context: &mut Context) -> (usize, usize) {
    let s = context.session();
    let first = s.send(1, 30).await;
    let second = s.send(2, 10).await;
    (first, second)
}

// The same `&mut` passed whole to two calls: each call reborrows it mutably.
#[concurrent]
async fn relay(context: &mut Context) -> (usize, usize) {
    let s = context.session();
    let first = send_through(s, 3, 30).await;
    let second = send_through(s, 4, 10).await;
    (first, second)
}

// A binding of an `if let` pattern: its type is not written either.
#[concurrent]
async fn spare(context: &mut Context) -> Option<(usize, usize)> {
    if let Some(s) = context.spare() {
        let first = s.send(5, 30).await;
        let second = s.send(6, 10).await;
        return Some((first, second));
    }
    None
}

struct Store;

impl Store {
    async fn get(&self, ms: u64) -> u64 {
        sleep(Duration::from_millis(ms)).await;
        ms
    }
}

// Through a shared reference nothing can be borrowed mutably: these still join.
#[concurrent]
async fn both(store: &Store) -> u64 {
    let a = store.get(30).await;
    let b = store.get(10).await;
    a + b
}

#[tokio::test(start_paused = true)]
async fn calls_that_may_borrow_the_same_binding_mutably_keep_their_order() {
    let mut context = Context::default();
    let start = Instant::now();
    assert_eq!(exchange(&mut context).await, (1, 2));
    assert_eq!(start.elapsed(), Duration::from_millis(40));
    let start = Instant::now();
    assert_eq!(relay(&mut context).await, (3, 4));
    assert_eq!(start.elapsed(), Duration::from_millis(40));
    assert_eq!(context.session.sent, [1, 2, 3, 4]);

    context.spare = Some(Session::default());
    let start = Instant::now();
    assert_eq!(spare(&mut context).await, Some((1, 2)));
    assert_eq!(start.elapsed(), Duration::from_millis(40));
    assert_eq!(context.spare.map(|spare| spare.sent), Some(vec![5, 6]));

    let start = Instant::now();
    assert_eq!(both(&Store).await, 40);
    assert_eq!(start.elapsed(), Duration::from_millis(30));
}

/// A database transaction as sea-orm's is: used through `&`, its statements recorded in
/// the order they run.
#[derive(Default)]
struct Db {
    statements: std::sync::Mutex<Vec<&'static str>>,
}

struct DatabaseTransaction<'db> {
    db: &'db Db,
}

impl Db {
    async fn begin(&self) -> Result<DatabaseTransaction<'_>, ()> {
        tokio::task::yield_now().await;
        Ok(DatabaseTransaction { db: self })
    }
}

impl DatabaseTransaction<'_> {
    async fn execute(&self, statement: &'static str, ms: u64) -> Result<usize, ()> {
        sleep(Duration::from_millis(ms)).await;
        let mut statements = self.db.statements.lock().unwrap();
        statements.push(statement);
        Ok(statements.len())
    }
}

// The row the second statement refers to is inserted by the first: as written.
#[concurrent]
async fn create_endpoint(db: &Db) -> Result<(usize, usize), ()> {
    let txn = db.begin().await?;
    let endpoint = txn.execute("insert endpoint", 30).await?;
    let metadata = txn.execute("insert its metadata", 10).await?;
    Ok((endpoint, metadata))
}

// A transaction given as a parameter, by its type.
#[concurrent]
async fn update_endpoint(txn: &DatabaseTransaction<'_>) -> Result<(usize, usize), ()> {
    let endpoint = txn.execute("update endpoint", 30).await?;
    let metadata = txn.execute("update its metadata", 10).await?;
    Ok((endpoint, metadata))
}

#[tokio::test(start_paused = true)]
async fn a_transactions_statements_keep_their_order() {
    let db = Db::default();
    let start = Instant::now();
    assert_eq!(create_endpoint(&db).await, Ok((1, 2)));
    assert_eq!(start.elapsed(), Duration::from_millis(40));
    let txn = db.begin().await.unwrap();
    assert_eq!(update_endpoint(&txn).await, Ok((3, 4)));
    assert_eq!(
        *db.statements.lock().unwrap(),
        [
            "insert endpoint",
            "insert its metadata",
            "update endpoint",
            "update its metadata"
        ]
    );
}
