use async_hygiene::no_blocking;

// Stands in for the `rusqlite` crate: the macro matches the path as written.
mod rusqlite {
    pub struct Connection;
    impl Connection {
        pub fn open(_path: &str) -> Result<Connection, ()> {
            Ok(Connection)
        }
    }
}

#[no_blocking]
async fn open() -> Result<rusqlite::Connection, ()> {
    rusqlite::Connection::open("app.db")
}

fn main() {}
