// A `let` that awaits inside `if`/`match` is one node; the blocks inside are rewritten
// on their own.
async fn nested(cache: &Cache, key: &str) -> (Value, Value) {
    let (__async_hygiene_0, __async_hygiene_1) = ::async_hygiene::__private::concurrent_join2(
        async {
            if cache.fresh(key) {
                cache.get(key)
            } else {
                let (__async_hygiene_0, __async_hygiene_1) =
                    ::async_hygiene::__private::concurrent_join2(
                        cache.fetch_remote(key),
                        cache.fetch_backup(key),
                    )
                    .await;
                let remote = __async_hygiene_0;
                let backup = __async_hygiene_1;
                remote.or(backup)
            }
        },
        cache.fetch_remote("other"),
    )
    .await;
    let first = __async_hygiene_0;
    let second = __async_hygiene_1;
    (first, second)
}
