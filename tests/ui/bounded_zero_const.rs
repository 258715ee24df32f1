use async_hygiene::bounded;

const MAX_CALLS: usize = 0;

#[bounded(MAX_CALLS)]
async fn fetch() {}

fn main() {
    drop(fetch());
}
