use async_hygiene::background;

#[background]
async unsafe fn flush(lines: Vec<String>) {
    drop(lines);
}

fn main() {}
