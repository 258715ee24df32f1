// With `limit`, the fn stays `async`: its call waits for one of the slots, then spawns.
async fn flush(self: Arc<Self>) -> ::async_hygiene::__private::BackgroundHandle<()> {
    let __async_hygiene_slots: &'static ::async_hygiene::__private::tokio::sync::Semaphore = {
        static __ASYNC_HYGIENE_SLOTS: ::async_hygiene::__private::tokio::sync::Semaphore =
            ::async_hygiene::__private::background_slots(4);
        &__ASYNC_HYGIENE_SLOTS
    };
    ::async_hygiene::__private::background_spawn_limited_on::<(), _>(
        &(JOBS),
        __async_hygiene_slots,
        "flush",
        async move {
            let _ = &self;
            self.store.flush().await;
        },
    )
    .await
}
async fn upload(file: PathBuf) -> ::async_hygiene::__private::BackgroundHandle<io::Result<()>> {
    let __async_hygiene_slots: &'static ::async_hygiene::__private::tokio::sync::Semaphore = {
        const _: () = ::async_hygiene::__private::core::assert!(
            MAX_JOBS > 0,
            "`#[background(limit = MAX_JOBS)]`: the limit may not be 0"
        );
        static __ASYNC_HYGIENE_SLOTS: ::async_hygiene::__private::tokio::sync::Semaphore =
            ::async_hygiene::__private::background_slots(MAX_JOBS);
        &__ASYNC_HYGIENE_SLOTS
    };
    ::async_hygiene::__private::background_spawn_limited::<io::Result<()>, _>(
        __async_hygiene_slots,
        "upload",
        async move {
            let _ = &file;
            put(file).await
        },
    )
    .await
}
