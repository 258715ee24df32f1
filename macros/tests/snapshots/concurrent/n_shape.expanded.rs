// An "N": a -> c, a -> d, b -> c. Joins alone cannot reach the critical path for every
// duration, so this part runs layer by layer: {a, b}, then {c, d}.
async fn n_shape(svc: &Svc) -> u32 {
    let (__async_hygiene_0, __async_hygiene_1) =
        ::async_hygiene::__private::concurrent_join2(svc.a(), svc.b()).await;
    let a = __async_hygiene_0;
    let b = __async_hygiene_1;
    let (__async_hygiene_2, __async_hygiene_3) =
        ::async_hygiene::__private::concurrent_join2(svc.c(a, b), svc.d(a)).await;
    let c = __async_hygiene_2;
    let d = __async_hygiene_3;
    c + d
}
