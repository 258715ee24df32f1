use async_hygiene::no_blocking;

#[no_blocking]
async fn run() -> u32 {
    futures::executor::block_on(async { 1 })
}

fn main() {}
