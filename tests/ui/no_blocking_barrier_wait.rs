use async_hygiene::no_blocking;

use std::sync::Barrier;

#[no_blocking]
async fn rendezvous(barrier: &Barrier) -> bool {
    barrier.wait().is_leader()
}

fn main() {}
