use async_hygiene::no_blocking;

use std::sync::mpsc::Receiver;

#[no_blocking]
async fn next_job(jobs: &Receiver<u32>) -> Option<u32> {
    jobs.recv().ok()
}

fn main() {}
