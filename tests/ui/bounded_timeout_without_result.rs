use async_hygiene::bounded;

#[bounded(4, timeout = "250ms")]
async fn notify() {}

fn main() {
    drop(notify());
}
