// Uses resolve to the binding in scope: the second `user` shadows the first, tuple and
// `mut` patterns survive, and values are rebound in source order after the join.
async fn shadowing(api: &Api) -> (u64, String, Vec<u8>) {
    let (
        (__async_hygiene_2_avatar, __async_hygiene_3_user),
        (__async_hygiene_1_name, __async_hygiene_1_tags),
    ) = ::async_hygiene::__private::concurrent_join2(
        async {
            let user = api.user_id().await;
            let avatar = api.avatar(user).await;
            let user = api.canonical(user).await;
            (avatar, user)
        },
        async {
            #[allow(unused_mut)]
            let (name, mut tags) = api.profile().await;
            (name, tags)
        },
    )
    .await;
    let name = __async_hygiene_1_name;
    #[allow(unused_mut)]
    let mut tags = __async_hygiene_1_tags;
    let avatar = __async_hygiene_2_avatar;
    let user = __async_hygiene_3_user;
    tags.push(user);
    (user, name, avatar)
}
