use async_hygiene::no_blocking;

#[async_trait::async_trait]
trait Load {
    async fn load(&self) -> Vec<u8>;
}

struct Disk;

#[async_trait::async_trait]
#[no_blocking]
impl Load for Disk {
    async fn load(&self) -> Vec<u8> {
        std::fs::read("data.bin").unwrap_or_default()
    }
}

fn main() {}
