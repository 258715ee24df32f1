use async_hygiene::no_blocking;

// Stands in for the `postgres` crate: the macro matches the path as written.
mod postgres {
    pub struct Client;
    pub struct NoTls;
    impl Client {
        pub fn connect(_params: &str, _tls: NoTls) -> Result<Client, ()> {
            Ok(Client)
        }
    }
}

#[no_blocking]
async fn open() -> Result<postgres::Client, ()> {
    postgres::Client::connect("host=localhost", postgres::NoTls)
}

fn main() {}
