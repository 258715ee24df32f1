async fn fetch(value: u32) -> u32 {
    value
}

// The marker only means something inside a `#[concurrent]` fn, which removes it.
async fn fetch_both() -> u32 {
    let a = fetch(1).await;
    #[concurrent::barrier]
    let b = fetch(2).await;
    a + b
}

fn main() {}
