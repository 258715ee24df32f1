use async_hygiene::no_blocking;

struct Cache;

#[no_blocking]
impl Cache {
    fn warm(&self) {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }

    async fn refresh(&self) -> Vec<u8> {
        std::fs::read("cache.bin").unwrap_or_default()
    }
}

fn main() {}
