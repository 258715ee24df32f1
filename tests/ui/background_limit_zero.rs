use async_hygiene::background;

#[background(limit = 0)]
async fn flush(lines: Vec<String>) {
    drop(lines);
}

fn main() {}
