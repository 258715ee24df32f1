use async_hygiene::bounded;

#[bounded(4, retries = 3)]
async fn fetch() {}

fn main() {
    drop(fetch());
}
