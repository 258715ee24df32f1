// The fn `examples/bench_compile_time.rs` generates 500 times: a `?` with no await, and
// two awaits of which the second depends on it.
#[concurrent]
pub async fn handler_0(id: u64, name: &str) -> Result<u64, std::num::ParseIntError> {
    let parsed: u64 = name.parse()?;
    let user = fetch(id).await;
    let orders = fetch(parsed + 0).await;
    Ok(user + orders)
}
