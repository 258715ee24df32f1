use async_hygiene::no_blocking;

use std::sync::{Condvar, Mutex};

#[no_blocking]
async fn wait_ready(ready: &Mutex<bool>, changed: &Condvar) {
    let mut guard = ready.lock().unwrap();
    while !*guard {
        guard = changed.wait(guard).unwrap();
    }
}

fn main() {}
