use async_hygiene::concurrent;

#[concurrent(max = 4)]
async fn fetch_both() -> (u32, u32) {
    let a = async { 1 }.await;
    let b = async { 2 }.await;
    (a, b)
}

fn main() {}
