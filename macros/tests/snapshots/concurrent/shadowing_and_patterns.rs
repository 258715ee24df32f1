// Uses resolve to the binding in scope: the second `user` shadows the first (which is
// renamed in the moved code, so `avatar` and `canonical` join), tuple and `mut` patterns
// survive, and values are rebound in source order after the join.
#[concurrent]
async fn shadowing(api: &Api) -> (u64, String, Vec<u8>) {
    let user = api.user_id().await;
    let (name, mut tags) = api.profile().await;
    let avatar = api.avatar(user).await;
    let user = api.canonical(user).await;
    tags.push(user);
    (user, name, avatar)
}
