use async_hygiene::background;

#[background(limit = 2, limit = 4)]
async fn flush(lines: Vec<String>) {
    drop(lines);
}

fn main() {}
