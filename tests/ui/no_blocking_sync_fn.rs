use async_hygiene::no_blocking;

#[no_blocking]
fn read_config() -> String {
    std::fs::read_to_string("app.toml").unwrap_or_default()
}

fn main() {}
