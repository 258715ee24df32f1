use async_hygiene::no_blocking;

use std::time::Duration;

#[no_blocking]
async fn poll_status() {
    std::thread::sleep(Duration::from_millis(100));
}

fn main() {}
