use async_hygiene::no_blocking;

use std::process::Command;

#[no_blocking]
async fn run_migration() -> std::io::Result<bool> {
    let mut child = Command::new("migrate").arg("--up").spawn()?;
    Ok(child.wait()?.success())
}

fn main() {}
