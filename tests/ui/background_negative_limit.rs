use async_hygiene::background;

#[background(limit = -2)]
async fn flush(lines: Vec<String>) {
    drop(lines);
}

fn main() {}
