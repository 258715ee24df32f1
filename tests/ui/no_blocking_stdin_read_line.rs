use async_hygiene::no_blocking;

use std::io;

#[no_blocking]
async fn prompt() -> io::Result<String> {
    let mut line = String::new();
    io::stdin().read_line(&mut line)?;
    Ok(line)
}

fn main() {}
