// Issue 8 item 2: a `let` that shadows a name no longer waits for the chain of the name's
// earlier binding. The shadowed `x` is renamed (a `mixed_site` name) in the moved code, so
// both chains join: 2 steps, not 4; the `x` visible after the join is the last one. A
// struct shorthand (`Pair { x, y }`) gets the renamed value under its field name. A
// shadowed name read in a format string (`{n}`) cannot be renamed there: `n`'s second
// binding still waits for that read.
async fn shadowed_chains(api: &Api) -> (u8, u8, u8, Pair) {
    let ((__async_hygiene_1_y, __async_hygiene_2_pair), (__async_hygiene_3_x, __async_hygiene_4_z)) =
        ::async_hygiene::__private::concurrent_join2(
            async {
                let __async_hygiene_shadowed_x_0 = api.a().await;
                let y = api.b(__async_hygiene_shadowed_x_0).await;
                let pair = api
                    .pair(Pair {
                        x: __async_hygiene_shadowed_x_0,
                        y,
                    })
                    .await;
                (y, pair)
            },
            async {
                let x = api.c().await;
                let z = api.d(x).await;
                (x, z)
            },
        )
        .await;
    let y = __async_hygiene_1_y;
    let pair = __async_hygiene_2_pair;
    let x = __async_hygiene_3_x;
    let z = __async_hygiene_4_z;
    (x, y, z, pair)
}
async fn format_capture_keeps_its_edge(api: &Api) -> (String, u8) {
    let n = api.a().await;
    let label = api.label(format!("{n}")).await;
    let n = api.c().await;
    (label, n)
}
async fn raw_identifier(api: &Api) -> (u8, u8) {
    let (__async_hygiene_1_kind, __async_hygiene_2) = ::async_hygiene::__private::concurrent_join2(
        async {
            let __async_hygiene_shadowed_type_0 = api.a().await;
            let kind = api.b(__async_hygiene_shadowed_type_0).await;
            kind
        },
        api.c(),
    )
    .await;
    let kind = __async_hygiene_1_kind;
    let r#type = __async_hygiene_2;
    (kind, r#type)
}
async fn pattern_shorthand(api: &Api) -> (u8, u8, u8) {
    let ((__async_hygiene_0_y, __async_hygiene_1_sum), __async_hygiene_2) =
        ::async_hygiene::__private::concurrent_join2(
            async {
                let Pair {
                    x: __async_hygiene_shadowed_x_0,
                    y,
                } = api.pair().await;
                let sum = api.sum(__async_hygiene_shadowed_x_0, y).await;
                (y, sum)
            },
            api.c(),
        )
        .await;
    let y = __async_hygiene_0_y;
    let sum = __async_hygiene_1_sum;
    let x = __async_hygiene_2;
    (sum, x, y)
}
