use std::rc::Rc;

use async_hygiene::background;

#[background]
async fn count(lines: Vec<String>) -> usize {
    let shared = Rc::new(lines);
    tokio::task::yield_now().await;
    shared.len()
}

fn main() {}
