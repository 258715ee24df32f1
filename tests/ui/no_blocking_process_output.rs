use async_hygiene::no_blocking;

use std::process::Command;

#[no_blocking]
async fn git_head() -> std::io::Result<Vec<u8>> {
    let output = Command::new("git").args(["rev-parse", "HEAD"]).output()?;
    Ok(output.stdout)
}

fn main() {}
