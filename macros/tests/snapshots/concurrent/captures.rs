// Names used in closures, macro arguments and format-string captures are dependencies:
// `label` needs the second `n` (a shadowing), `scaled` captures `factor` in a closure.
#[concurrent]
async fn captures(api: &Api) -> (String, Vec<u32>) {
    let n = api.count().await;
    let factor = api.factor().await;
    let n = api.adjust(n).await;
    let label = api.render(format!("{n:>4}")).await;
    let scaled = api.scale((0..3).map(|i| i * factor).collect()).await;
    (label, scaled)
}
