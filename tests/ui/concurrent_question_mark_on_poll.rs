use std::task::Poll;

use async_hygiene::concurrent;

async fn ready(value: u32) -> Poll<Result<u32, std::io::Error>> {
    Poll::Ready(Ok(value))
}

// `?` on a `Poll` is fine sequentially, but a fail-fast join only knows `Result`,
// `Option` and `ControlFlow`.
#[concurrent]
async fn fetch_both() -> Poll<Result<u32, std::io::Error>> {
    let a = ready(1).await?;
    let b = ready(2).await?;
    Poll::Ready(Ok(a + b))
}

fn main() {}
