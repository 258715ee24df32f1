use async_hygiene::no_blocking;

#[no_blocking]
async fn load_config(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn main() {}
