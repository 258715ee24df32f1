use async_hygiene::bounded;

#[bounded(4, timeout = 250)]
async fn query() -> std::io::Result<()> {
    Ok(())
}

fn main() {
    drop(query());
}
