// What `#[async_trait]` or `#[tokio::test]` leave when they run first: a sync fn holding
// an async block. The blocks inside are rewritten; `?` re-enters in the async block.
#[concurrent]
fn load<'a>(&'a self, id: u64) -> Pin<Box<dyn Future<Output = io::Result<u64>> + Send + 'a>> {
    Box::pin(async move {
        let a = self.fetch(id).await?;
        let b = self.fetch(id + 1).await?;
        Ok(a + b)
    })
}
