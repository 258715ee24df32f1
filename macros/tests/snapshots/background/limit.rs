// With `limit`, the fn stays `async`: its call waits for one of the slots, then spawns.
#[background(limit = 4, registry = JOBS)]
async fn flush(self: Arc<Self>) {
    self.store.flush().await;
}

#[background(limit = MAX_JOBS)]
async fn upload(file: PathBuf) -> io::Result<()> {
    put(file).await
}
