use async_hygiene::no_blocking;

use std::time::Duration;

#[no_blocking]
async fn handler(path: &str) -> usize {
    std::thread::sleep(Duration::from_millis(5));
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let copy = tokio::spawn(async move { std::fs::read("backup").unwrap_or_default() });
    text.len() + copy.await.map_or(0, |bytes| bytes.len())
}

fn main() {}
