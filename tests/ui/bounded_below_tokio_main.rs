use async_hygiene::bounded;

#[tokio::main]
#[bounded(1)]
async fn main() {}
