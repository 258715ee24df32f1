use async_hygiene::concurrent;

#[concurrent]
const fn fetch_both() -> (u32, u32) {
    (1, 2)
}

fn main() {}
