// Uses resolve to the binding in scope: the second `user` shadows the first (which is
// renamed in the moved code, so `avatar` and `canonical` join), tuple and `mut` patterns
// survive, and values are rebound in source order after the join.
async fn shadowing(api: &Api) -> (u64, String, Vec<u8>) {
    let (
        (__async_hygiene_2_avatar, __async_hygiene_3_user),
        (__async_hygiene_1_name, __async_hygiene_1_tags),
    ) = ::async_hygiene::__private::concurrent_join2(
        async {
            let __async_hygiene_shadowed_user_0 = api.user_id().await;
            let (__async_hygiene_2, __async_hygiene_3) =
                ::async_hygiene::__private::concurrent_join2(
                    api.avatar(__async_hygiene_shadowed_user_0),
                    api.canonical(__async_hygiene_shadowed_user_0),
                )
                .await;
            let avatar = __async_hygiene_2;
            let user = __async_hygiene_3;
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
