use async_hygiene::concurrent;

#[concurrent]
fn fetch_both() -> (u32, u32) {
    let a = 1;
    let b = 2;
    (a, b)
}

fn main() {}
