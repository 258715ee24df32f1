use async_hygiene::no_blocking;

use std::fs::File;
use std::io::Read;

#[no_blocking]
async fn load(path: &str) -> std::io::Result<String> {
    let mut text = String::new();
    File::open(path)?.read_to_string(&mut text)?;
    Ok(text)
}

fn main() {}
