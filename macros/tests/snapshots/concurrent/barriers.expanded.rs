// Only `let`s move. The marker, an expression statement, a `let … else`, a `_guard`
// binding and writes through a `mut` name all keep their place or order.
async fn barriers(store: &Store, mut log: Vec<String>) -> u32 {
    let a = store.get("a").await;
    let b = store.get("b").await;
    let c = store.get("c").await;
    store.put("d", a + b).await;
    let d = store.get("d").await;
    let Some(e) = store.find("e").await else {
        return 0;
    };
    let _permit = store.permit().await;
    let (__async_hygiene_0, __async_hygiene_1) =
        ::async_hygiene::__private::concurrent_join2(store.get("f"), store.get("g")).await;
    let f = __async_hygiene_0;
    let g = __async_hygiene_1;
    log.push(format!("{f}"));
    let h = store.get_logged(&mut log).await;
    a + b + c + d + e + f + g + h
}
