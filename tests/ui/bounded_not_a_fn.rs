use async_hygiene::bounded;

#[bounded(4)]
struct Client;

fn main() {
    let _ = Client;
}
