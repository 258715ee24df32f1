// One error per blocking call, spanned on the call, and the item unchanged.
async fn handler(path: PathBuf) -> String {
    std::thread::sleep(std::time::Duration::from_millis(5));
    std::fs::read_to_string(path).unwrap_or_default()
}
::core::compile_error! { "`std::thread::sleep` blocks the executor thread; use `tokio::time::sleep(..).await`" }
::core::compile_error! { "`std::fs::read_to_string` blocks the executor thread; use `tokio::fs::read_to_string(..).await`, or move the work into `tokio::task::spawn_blocking`" }
