// Branches keep their own `?` conversion: `io::Error` and `ParseError` both convert
// into `AppError`; `Option` lets in an `Option` fn work the same way.
#[concurrent]
async fn load(store: &Store) -> Result<Config, AppError> {
    let raw = tokio::fs::read_to_string("config.toml").await?;
    let schema = store.schema().await.map_err(ParseError::from)?;
    let defaults = store.defaults().await;
    Ok(Config::new(raw, schema, defaults))
}

#[concurrent]
async fn first_names(db: &Db) -> Option<(String, String)> {
    let alice = db.lookup("alice").await?;
    let bob = db.lookup("bob").await?;
    Some((alice, bob))
}
