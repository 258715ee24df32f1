// Every problem at once, then the item as written.
#[bounded(0, bogus = 1, timeout = 5)]
async fn f() -> Result<(), Error> {
    work().await
}

#[bounded(4)]
fn parse(input: &str) -> usize {
    input.len()
}
