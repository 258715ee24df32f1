use async_hygiene::bounded;

struct Client;

impl Client {
    const MAX: usize = 4;

    #[bounded(Self::MAX)]
    async fn get(&self) {}
}

fn main() {
    drop(Client.get());
}
