use async_hygiene::no_blocking;

// Stands in for `redis::Client`: the method name and the call shape are matched.
struct Client;
impl Client {
    fn get_connection(&self) -> Result<(), ()> {
        Ok(())
    }
}

#[no_blocking]
async fn connect(client: &Client) -> Result<(), ()> {
    client.get_connection()
}

fn main() {}
