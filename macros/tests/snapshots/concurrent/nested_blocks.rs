// A `let` that awaits inside `if`/`match` is one node; the blocks inside are rewritten
// on their own.
#[concurrent]
async fn nested(cache: &Cache, key: &str) -> (Value, Value) {
    let first = if cache.fresh(key) {
        cache.get(key)
    } else {
        let remote = cache.fetch_remote(key).await;
        let backup = cache.fetch_backup(key).await;
        remote.or(backup)
    };
    let second = cache.fetch_remote("other").await;
    (first, second)
}
