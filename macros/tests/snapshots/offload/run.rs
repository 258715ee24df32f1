// The sync fn becomes an `async fn` whose body runs in a closure on tokio's blocking pool,
// with every argument moved in; the closure's return type keeps inference as it was.
#[offload]
pub fn checksum(bytes: Vec<u8>, _: Permit) -> u64 {
    bytes.iter().map(|&b| u64::from(b)).sum()
}

#[offload]
fn render(template: String) -> impl Display {
    #![allow(clippy::needless_pass_by_value)]
    template
}
