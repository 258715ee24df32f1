use async_hygiene::background;

#[background(limt = 4)]
async fn flush(lines: Vec<String>) {
    drop(lines);
}

fn main() {}
