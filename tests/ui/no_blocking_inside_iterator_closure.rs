use async_hygiene::no_blocking;

#[no_blocking]
async fn sizes(paths: &[&str]) -> Vec<u64> {
    paths
        .iter()
        .map(|path| std::fs::metadata(path).map_or(0, |meta| meta.len()))
        .collect()
}

fn main() {}
