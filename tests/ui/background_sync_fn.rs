use async_hygiene::background;

#[background]
fn flush(lines: Vec<String>) {
    drop(lines);
}

fn main() {}
