use async_hygiene::concurrent;

fn load() {}

#[concurrent]
static LOADER: fn() = load;

fn main() {
    LOADER();
}
