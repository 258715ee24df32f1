// `limit = DB` acquires the user's shared limit; `timeout = "…"` is read at compile time
// into the largest exact `Duration` unit, and a full limit returns the fn's error.
#[bounded(limit = DB)]
async fn query(&self, sql: &str) -> Rows {
    self.client.query(sql).await
}

#[bounded(limit = self.db, timeout = "250ms")]
async fn load(&self, id: u64) -> Result<Row, Error> {
    self.client.get(id).await
}

#[bounded(2, timeout = "2m")]
async fn export() -> Result<(), Error> {
    write_all().await
}

#[bounded(1, timeout = "7ns")]
async fn tick() -> Result<(), Error> {
    Ok(())
}

#[bounded(4, timeout = Duration::from_secs(TIMEOUT_SECS))]
async fn call() -> Result<(), Error> {
    Ok(())
}
