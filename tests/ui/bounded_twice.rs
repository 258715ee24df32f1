use async_hygiene::bounded;

#[bounded(4)]
#[bounded(2)]
async fn fetch() {}

fn main() {
    drop(fetch());
}
