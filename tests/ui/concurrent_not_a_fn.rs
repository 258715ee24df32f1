use async_hygiene::concurrent;

#[concurrent]
struct Dashboard {
    messages: u32,
}

fn main() {}
