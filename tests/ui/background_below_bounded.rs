use async_hygiene::{background, bounded};

#[background]
#[bounded(2)]
async fn flush(lines: Vec<String>) {
    drop(lines);
}

fn main() {}
