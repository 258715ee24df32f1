use async_hygiene::no_blocking;

#[no_blocking]
mod handlers {
    use std::fs;

    pub async fn index() -> String {
        fs::read_to_string("index.html").unwrap_or_default()
    }
}

fn main() {}
