use async_hygiene::no_blocking;

use std::sync::Mutex;
use std::time::Duration;

#[no_blocking]
async fn bump(counter: &Mutex<u64>) {
    let mut guard = counter.lock().unwrap();
    *guard += 1;
    tokio::time::sleep(Duration::from_millis(1)).await;
}

fn main() {}
