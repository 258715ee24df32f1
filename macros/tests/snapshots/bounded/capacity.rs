// A literal capacity: a `static` limit declared in the body, the permit acquired first and
// held until the body's locals are gone. (Shown without the watchdog hook's wrapper, which
// wraps all of it.)
#[bounded(8)]
async fn fetch(url: String) -> usize {
    let page = download(&url).await;
    page.len()
}

#[bounded(MAX_CALLS)]
pub async fn resize(&self, image: Image) {
    self.pool.run(image).await;
}
