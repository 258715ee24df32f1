// The fn `examples/bench_compile_time.rs` generates 500 times: a `?` with no await, and
// two awaits of which the second depends on it.
pub async fn handler_0(id: u64, name: &str) -> Result<u64, std::num::ParseIntError> {
    let parsed: u64 = name.parse()?;
    let (__async_hygiene_1, __async_hygiene_2) =
        ::async_hygiene::__private::concurrent_join2(fetch(id), fetch(parsed + 0)).await;
    let user = __async_hygiene_1;
    let orders = __async_hygiene_2;
    Ok(user + orders)
}
