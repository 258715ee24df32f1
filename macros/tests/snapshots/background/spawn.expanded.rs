// The fn becomes a plain `#[track_caller]` fn that spawns its body, with every argument
// moved into it, onto the registry and returns a handle.
#[doc = " Records it."]
#[track_caller]
pub fn record(
    event: Event,
    mut tries: u8,
    __async_hygiene_arg2: Guard,
) -> ::async_hygiene::__private::BackgroundHandle<Result<(), Error>> {
    ::async_hygiene::__private::background_spawn::<Result<(), Error>, _>("record", async move {
        let _ = &event;
        let _ = &tries;
        let _ = &__async_hygiene_arg2;
        send(event).await
    })
}
#[track_caller]
fn reindex(self: Arc<Self>) -> ::async_hygiene::__private::BackgroundHandle<()> {
    ::async_hygiene::__private::background_spawn_on::<(), _>(&(JOBS), "reindex", async move {
        let _ = &self;
        self.index.rebuild().await;
    })
}
#[track_caller]
fn render() -> ::async_hygiene::__private::BackgroundHandle<impl Display> {
    ::async_hygiene::__private::background_spawn("render", async move { 1 })
}
