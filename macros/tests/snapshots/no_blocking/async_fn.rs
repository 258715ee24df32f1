// A clean async fn is emitted unchanged (the watchdog hook's wrapper aside, not shown);
// sync fns in an impl are left alone.
#[no_blocking]
async fn load(path: PathBuf) -> io::Result<Vec<u8>> {
    tokio::fs::read(path).await
}

#[no_blocking]
impl Store {
    async fn get(&self, key: &str) -> Option<Vec<u8>> {
        self.cache.get(key).await
    }

    fn len(&self) -> usize {
        self.cache.len()
    }
}
