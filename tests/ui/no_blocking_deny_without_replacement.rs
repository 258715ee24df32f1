use async_hygiene::no_blocking;

#[no_blocking(deny(db::query_sync))]
async fn load() {}

fn main() {}
