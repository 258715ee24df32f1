use async_hygiene::no_blocking;

use async_hygiene::allow_blocking;

#[no_blocking]
async fn load() -> usize {
    allow_blocking!("   ", std::fs::read("app.toml")).map_or(0, |bytes| bytes.len())
}

fn main() {}
