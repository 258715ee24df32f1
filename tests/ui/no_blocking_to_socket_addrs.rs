use async_hygiene::no_blocking;

use std::net::{SocketAddr, ToSocketAddrs};

#[no_blocking]
async fn resolve(host: &str) -> std::io::Result<Vec<SocketAddr>> {
    Ok((host, 443).to_socket_addrs()?.collect())
}

fn main() {}
