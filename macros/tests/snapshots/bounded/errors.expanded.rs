// Every problem at once, then the item as written.
::core::compile_error! { "`#[bounded(0)]` would make every call wait forever; the capacity must be at least 1" }
::core::compile_error! { "unknown argument `bogus` for `#[bounded]`; accepted forms:\n- `#[bounded(8)]`: a positive integer literal\n- `#[bounded(MAX_CALLS)]`: a path to a `const` of type `usize`\n- `#[bounded(limit = DB)]`: a shared `async_hygiene::limit::Limit`, e.g. `static DB: Limit = Limit::new(\"db\", 8);`\neach optionally followed by `, timeout = \"250ms\"` (units ns, us, ms, s, m, h) or `, timeout = <expression of type Duration>`" }
::core::compile_error! { "a bare number has no unit; write `timeout = \"5ms\"` or `timeout = \"5s\"`" }
async fn f() -> Result<(), Error> {
    work().await
}
::core::compile_error! { "`#[bounded]` applies to an `async fn`; for a CPU-heavy sync fn, put `#[offload]` above `#[bounded]` to make it async first" }
fn parse(input: &str) -> usize {
    input.len()
}
