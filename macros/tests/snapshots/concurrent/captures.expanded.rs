// Names used in closures, macro arguments and format-string captures are dependencies:
// `label` needs the second `n` (a shadowing), `scaled` captures `factor` in a closure.
async fn captures(api: &Api) -> (String, Vec<u32>) {
    let (__async_hygiene_3_label, __async_hygiene_4_scaled) =
        ::async_hygiene::__private::concurrent_join2(
            async {
                let n = api.count().await;
                let n = api.adjust(n).await;
                let label = api.render(format!("{n:>4}")).await;
                label
            },
            async {
                let factor = api.factor().await;
                let scaled = api.scale((0..3).map(|i| i * factor).collect()).await;
                scaled
            },
        )
        .await;
    let label = __async_hygiene_3_label;
    let scaled = __async_hygiene_4_scaled;
    (label, scaled)
}
