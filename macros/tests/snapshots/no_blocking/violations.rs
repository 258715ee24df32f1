// One error per blocking call, spanned on the call, and the item unchanged.
#[no_blocking]
async fn handler(path: PathBuf) -> String {
    std::thread::sleep(std::time::Duration::from_millis(5));
    std::fs::read_to_string(path).unwrap_or_default()
}
