use async_hygiene::no_blocking;

#[no_blocking(allow(std::fs::read_to_strin))]
async fn load() {}

fn main() {}
