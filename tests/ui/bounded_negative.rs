use async_hygiene::bounded;

#[bounded(-4)]
async fn fetch() {}

fn main() {
    drop(fetch());
}
