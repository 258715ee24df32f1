// With `limit`, the fn stays `async`: its call waits for a permit of a `Limit`, then spawns.
// A count (literal or `const` path) is the fn's own limit; a `static Limit` path is shared.
#[background(limit = 4, registry = JOBS)]
async fn flush(self: Arc<Self>) {
    self.store.flush().await;
}

#[background(limit = MAX_JOBS)]
async fn upload(file: PathBuf) -> io::Result<()> {
    put(file).await
}

#[background(limit = DB)]
async fn record(event: Event) {
    store(event).await;
}
