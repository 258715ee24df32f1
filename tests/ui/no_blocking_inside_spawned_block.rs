use async_hygiene::no_blocking;

use std::time::Duration;

#[no_blocking]
async fn start() {
    tokio::spawn(async {
        loop {
            std::thread::sleep(Duration::from_secs(1));
        }
    });
}

fn main() {}
