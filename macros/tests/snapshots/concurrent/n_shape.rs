// An "N": a -> c, a -> d, b -> c. Joins alone cannot reach the critical path for every
// duration, so this part runs layer by layer: {a, b}, then {c, d}.
#[concurrent]
async fn n_shape(svc: &Svc) -> u32 {
    let a = svc.a().await;
    let b = svc.b().await;
    let c = svc.c(a, b).await;
    let d = svc.d(a).await;
    c + d
}
