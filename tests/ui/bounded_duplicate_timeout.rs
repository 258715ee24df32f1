use async_hygiene::bounded;

#[bounded(2, timeout = "1s", timeout = "2s")]
async fn fetch() -> std::io::Result<()> {
    Ok(())
}

fn main() {
    drop(fetch());
}
