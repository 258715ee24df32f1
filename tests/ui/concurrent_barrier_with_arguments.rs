use async_hygiene::concurrent;

async fn fetch(value: u32) -> u32 {
    value
}

#[concurrent]
async fn fetch_both() -> u32 {
    let a = fetch(1).await;
    #[concurrent::barrier(reason = "writes first")]
    let b = fetch(2).await;
    a + b
}

fn main() {}
