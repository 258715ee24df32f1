// Issue 8 item 2: a `let` that shadows a name no longer waits for the chain of the name's
// earlier binding. The shadowed `x` is renamed (a `mixed_site` name) in the moved code, so
// both chains join: 2 steps, not 4; the `x` visible after the join is the last one. A
// struct shorthand (`Pair { x, y }`) gets the renamed value under its field name. A
// shadowed name read in a format string (`{n}`) cannot be renamed there: `n`'s second
// binding still waits for that read.
#[concurrent]
async fn shadowed_chains(api: &Api) -> (u8, u8, u8, Pair) {
    let x = api.a().await;
    let y = api.b(x).await;
    let pair = api.pair(Pair { x, y }).await;
    let x = api.c().await;
    let z = api.d(x).await;
    (x, y, z, pair)
}

#[concurrent]
async fn format_capture_keeps_its_edge(api: &Api) -> (String, u8) {
    let n = api.a().await;
    let label = api.label(format!("{n}")).await;
    let n = api.c().await;
    (label, n)
}

// A raw identifier is renamed like any other name.
#[concurrent]
async fn raw_identifier(api: &Api) -> (u8, u8) {
    let r#type = api.a().await;
    let kind = api.b(r#type).await;
    let r#type = api.c().await;
    (kind, r#type)
}

// A binding from a struct pattern's shorthand is renamed as `Pair { x: renamed, y }`.
#[concurrent]
async fn pattern_shorthand(api: &Api) -> (u8, u8, u8) {
    let Pair { x, y } = api.pair().await;
    let sum = api.sum(x, y).await;
    let x = api.c().await;
    (sum, x, y)
}
