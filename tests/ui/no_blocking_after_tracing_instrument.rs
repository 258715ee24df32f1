use async_hygiene::no_blocking;

#[tracing::instrument]
#[no_blocking]
async fn traced(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_default()
}

fn main() {}
