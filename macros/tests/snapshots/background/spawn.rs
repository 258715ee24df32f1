// The fn becomes a plain `#[track_caller]` fn that spawns its body, with every argument
// moved into it, onto the registry and returns a handle.

/// Records it.
#[background]
pub async fn record(event: Event, mut tries: u8, _: Guard) -> Result<(), Error> {
    send(event).await
}

#[background(registry = JOBS)]
async fn reindex(self: Arc<Self>) {
    self.index.rebuild().await;
}

#[background]
async fn render() -> impl Display {
    1
}
