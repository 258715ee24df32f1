use async_hygiene::no_blocking;

#[no_blocking]
async fn drain(mut rx: tokio::sync::mpsc::Receiver<u32>) -> Option<u32> {
    rx.blocking_recv()
}

fn main() {}
