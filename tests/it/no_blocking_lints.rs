//! Every form `#[no_blocking]` accepts, compiled with warnings denied: the generated code
//! must add no warning to a user's crate. CI's `cargo clippy --all-targets -- -D warnings`
//! runs over this file too, which proves the same for `clippy::pedantic`.

#![deny(warnings)]
#![deny(clippy::pedantic)]

use std::fmt::Display;
use std::sync::Mutex;
use std::time::Duration;

use async_hygiene::{allow_blocking, no_blocking};

#[no_blocking]
async fn free_fn(delay: Duration) -> u32 {
    tokio::time::sleep(delay).await;
    1
}

#[no_blocking]
async fn generic_with_lifetime<'a, T: Display + Sync>(value: &'a T, label: &'a str) -> String {
    tokio::task::yield_now().await;
    format!("{label}{value}")
}

#[no_blocking]
async fn returns_impl_trait(n: u32) -> impl Display {
    tokio::task::yield_now().await;
    n * 2
}

#[no_blocking]
async fn with_question_mark(text: &str) -> Result<u32, std::num::ParseIntError> {
    tokio::task::yield_now().await;
    let parsed: u32 = text.parse()?;
    Ok(parsed)
}

#[no_blocking(allow(std::fs::metadata = "stat of a local file"))]
async fn with_policy() -> bool {
    tokio::task::yield_now().await;
    std::fs::metadata("Cargo.toml").is_ok()
}

#[no_blocking]
async fn with_escape_hatch() -> usize {
    tokio::task::yield_now().await;
    allow_blocking!(
        "read once at start-up",
        std::fs::read_to_string("Cargo.toml")
    )
    .map_or(0, |text| text.len())
}

struct Counter {
    count: Mutex<u32>,
}

#[no_blocking]
impl Counter {
    fn get(&self) -> u32 {
        *self.count.lock().expect("not poisoned")
    }

    async fn bump(&self) -> u32 {
        *self.count.lock().expect("not poisoned") += 1;
        tokio::task::yield_now().await;
        self.get()
    }

    async fn consume(self) -> u32 {
        tokio::task::yield_now().await;
        self.get()
    }
}

impl Counter {
    #[no_blocking]
    async fn bump_twice(&mut self) -> u32 {
        tokio::task::yield_now().await;
        *self.count.get_mut().expect("not poisoned") += 2;
        self.get()
    }
}

#[async_trait::async_trait]
trait Source {
    async fn next_value(&self) -> u32;
}

#[no_blocking]
#[async_trait::async_trait]
impl Source for Counter {
    async fn next_value(&self) -> u32 {
        self.bump().await
    }
}

#[no_blocking]
mod service {
    use std::time::Duration;

    pub(super) async fn pause() -> u32 {
        tokio::time::sleep(Duration::from_millis(1)).await;
        1
    }

    #[async_hygiene::no_blocking(allow(.recv))]
    pub(super) async fn drained(rx: std::sync::mpsc::Receiver<u32>) -> u32 {
        tokio::task::yield_now().await;
        rx.recv().unwrap_or_default()
    }
}

#[tokio::main(flavor = "current_thread")]
#[no_blocking]
async fn entry_point() -> u32 {
    free_fn(Duration::from_millis(1)).await
}

#[tracing::instrument]
#[no_blocking]
async fn traced(n: u32) -> u32 {
    tokio::task::yield_now().await;
    n
}

#[test]
fn every_form_compiles_without_warnings() {
    assert_eq!(entry_point(), 1);
}

#[tokio::test]
async fn every_form_runs() {
    assert_eq!(
        generic_with_lifetime(&5, "n=").await,
        "n=5",
        "generics and lifetimes"
    );
    assert_eq!(returns_impl_trait(4).await.to_string(), "8");
    assert_eq!(with_question_mark("7").await, Ok(7));
    assert!(with_policy().await);
    assert!(with_escape_hatch().await > 0);
    let mut counter = Counter {
        count: Mutex::new(0),
    };
    assert_eq!(counter.bump().await, 1);
    assert_eq!(counter.bump_twice().await, 3);
    assert_eq!(counter.next_value().await, 4);
    assert_eq!(counter.consume().await, 4);
    assert_eq!(service::pause().await, 1);
    let (tx, rx) = std::sync::mpsc::channel();
    tx.send(9).expect("receiver alive");
    assert_eq!(service::drained(rx).await, 9);
    assert_eq!(traced(3).await, 3);
}

#[no_blocking]
async fn returns_unit(delay: Duration) {
    tokio::time::sleep(delay).await;
}

#[no_blocking]
#[tokio::test]
async fn attribute_above_tokio_test() {
    returns_unit(Duration::from_millis(1)).await;
}
