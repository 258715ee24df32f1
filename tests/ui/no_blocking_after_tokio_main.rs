use async_hygiene::no_blocking;

#[tokio::main]
#[no_blocking]
async fn main() {
    std::thread::sleep(std::time::Duration::from_millis(1));
}
