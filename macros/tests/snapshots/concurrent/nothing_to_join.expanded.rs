// A chain of dependent awaits has nothing to join: the body is emitted as written.
async fn chain(api: &Api) -> u64 {
    let token = api.login().await;
    let session = api.session(&token).await;
    let count = api.count(&session).await;
    count
}
