use async_hygiene::no_blocking;

#[no_blocking]
struct Config {
    path: String,
}

fn main() {}
