// The sync fn becomes an `async fn` whose body runs in a closure on tokio's blocking pool,
// with every argument moved in; the closure's return type keeps inference as it was.
pub async fn checksum(bytes: Vec<u8>, __async_hygiene_arg1: Permit) -> u64 {
    ::async_hygiene::__private::offload_run(move || -> u64 {
        let _ = &bytes;
        let _ = &__async_hygiene_arg1;
        bytes.iter().map(|&b| u64::from(b)).sum()
    })
    .await
}
#[allow(clippy::needless_pass_by_value)]
async fn render(template: String) -> impl Display {
    ::async_hygiene::__private::offload_run(move || {
        let _ = &template;
        template
    })
    .await
}
