use async_hygiene::no_blocking;

#[no_blocking(forbid(std::fs::read))]
async fn load() {}

fn main() {}
