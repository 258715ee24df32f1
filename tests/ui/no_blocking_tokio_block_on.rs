use async_hygiene::no_blocking;

#[no_blocking]
async fn nested(handle: tokio::runtime::Handle) -> u32 {
    handle.block_on(async { 1 })
}

fn main() {}
