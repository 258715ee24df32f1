use async_hygiene::background;

static QUEUE: &str = "uploads";

#[background(limit = QUEUE)]
async fn upload(part: Vec<u8>) {
    drop(part);
}

fn main() {}
