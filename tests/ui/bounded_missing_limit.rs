use async_hygiene::bounded;

#[bounded]
async fn fetch() {}

fn main() {
    drop(fetch());
}
