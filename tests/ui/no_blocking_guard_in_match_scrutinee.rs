use async_hygiene::no_blocking;
use std::collections::HashMap;
use std::sync::Mutex;

async fn fetch(key: u32) -> String {
    tokio::task::yield_now().await;
    key.to_string()
}

#[no_blocking]
async fn cached(cache: &Mutex<HashMap<u32, String>>, key: u32) -> String {
    match cache.lock().unwrap().get(&key).cloned() {
        Some(value) => value,
        None => fetch(key).await,
    }
}

fn main() {}
