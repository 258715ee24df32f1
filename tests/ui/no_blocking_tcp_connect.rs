use async_hygiene::no_blocking;

use std::net::TcpStream;

#[no_blocking]
async fn connect() -> std::io::Result<TcpStream> {
    TcpStream::connect("127.0.0.1:8080")
}

fn main() {}
