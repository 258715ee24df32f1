// More branches than the widest join function (5) nest a join in the last argument;
// more fallible branches than the widest failure type (8) nest a failure in `N7`.
#[concurrent]
async fn wide(store: &Store) -> u32 {
    let a = store.get(70, "a").await;
    let b = store.get(10, "b").await;
    let c = store.get(60, "c").await;
    let d = store.get(20, "d").await;
    let e = store.get(50, "e").await;
    let e2 = store.get(e.into(), "e2").await;
    let f = store.get(30, "f").await;
    a + b + c + d + e2 + f
}

#[concurrent]
async fn many_fallible(fail: u32) -> Result<u32, u32> {
    let v0 = step(0, 110, fail).await?;
    let v1 = step(1, 100, fail).await?;
    let v2 = step(2, 90, fail).await?;
    let v3 = step(3, 80, fail).await?;
    let v4 = step(4, 70, fail).await?;
    let v5 = step(5, 60, fail).await?;
    let v6 = step(6, 50, fail).await?;
    let v7 = step(7, 40, fail).await?;
    let v8 = step(8, 30, fail).await?;
    let v9 = step(9, 20, fail).await?;
    Ok(v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 + v9)
}
