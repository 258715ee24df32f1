use async_hygiene::no_blocking;

use std::fs::OpenOptions;
use std::io::Write;

#[no_blocking]
async fn append_log(path: &str, line: &str) -> std::io::Result<()> {
    let mut log = OpenOptions::new().create(true).append(true).open(path)?;
    writeln!(log, "{line}")
}

fn main() {}
