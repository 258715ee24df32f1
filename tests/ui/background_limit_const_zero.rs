use async_hygiene::background;

const MAX_FLUSHES: usize = 0;

#[background(limit = MAX_FLUSHES)]
async fn flush(lines: Vec<String>) {
    drop(lines);
}

fn main() {}
