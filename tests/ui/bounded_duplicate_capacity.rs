use async_hygiene::bounded;

#[bounded(2, 3)]
async fn fetch() {}

fn main() {
    drop(fetch());
}
