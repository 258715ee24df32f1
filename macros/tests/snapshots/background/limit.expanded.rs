// With `limit`, the fn stays `async`: its call waits for a permit of a `Limit`, then spawns.
// A count (literal or `const` path) is the fn's own limit; a `static Limit` path is shared.
async fn flush(self: Arc<Self>) -> ::async_hygiene::__private::BackgroundHandle<()> {
    let __async_hygiene_limit: &'static ::async_hygiene::__private::FnLimit = {
        static __ASYNC_HYGIENE_LIMIT: ::async_hygiene::__private::FnLimit =
            ::async_hygiene::__private::FnLimit::own(
                ::async_hygiene::__private::core::concat!(
                    ::async_hygiene::__private::core::module_path!(),
                    "::",
                    "flush"
                ),
                4,
            );
        &__ASYNC_HYGIENE_LIMIT
    };
    ::async_hygiene::__private::background_spawn_limited_on::<(), _>(
        &(JOBS),
        __async_hygiene_limit,
        "flush",
        async move {
            let _ = &self;
            self.store.flush().await;
        },
    )
    .await
}
async fn upload(file: PathBuf) -> ::async_hygiene::__private::BackgroundHandle<io::Result<()>> {
    let __async_hygiene_limit: &'static ::async_hygiene::__private::FnLimit = {
        static __ASYNC_HYGIENE_LIMIT: ::async_hygiene::__private::FnLimit =
            ::async_hygiene::__private::LimitArg(&MAX_JOBS).fn_limit(
                ::async_hygiene::__private::core::concat!(
                    ::async_hygiene::__private::core::module_path!(),
                    "::",
                    "upload"
                ),
                "`#[background(limit = MAX_JOBS)]`: the limit may not be 0",
            );
        &__ASYNC_HYGIENE_LIMIT
    };
    ::async_hygiene::__private::background_spawn_limited::<io::Result<()>, _>(
        __async_hygiene_limit,
        "upload",
        async move {
            let _ = &file;
            put(file).await
        },
    )
    .await
}
async fn record(event: Event) -> ::async_hygiene::__private::BackgroundHandle<()> {
    let __async_hygiene_limit: &'static ::async_hygiene::__private::FnLimit = {
        static __ASYNC_HYGIENE_LIMIT: ::async_hygiene::__private::FnLimit =
            ::async_hygiene::__private::LimitArg(&DB).fn_limit(
                ::async_hygiene::__private::core::concat!(
                    ::async_hygiene::__private::core::module_path!(),
                    "::",
                    "record"
                ),
                "`#[background(limit = DB)]`: the limit may not be 0",
            );
        &__ASYNC_HYGIENE_LIMIT
    };
    ::async_hygiene::__private::background_spawn_limited::<(), _>(
        __async_hygiene_limit,
        "record",
        async move {
            let _ = &event;
            store(event).await;
        },
    )
    .await
}
