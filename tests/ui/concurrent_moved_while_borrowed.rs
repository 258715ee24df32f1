use async_hygiene::concurrent;

async fn peek(text: &str) -> usize {
    text.len()
}

async fn consume(text: String) -> usize {
    text.len()
}

// Sequentially fine: `peek` is done before `consume` takes `text`. Joined, one branch
// borrows `text` while the other moves it; syntax cannot tell a move from a copy, so
// the borrow checker reports it. Fix: `consume(text.clone())`, or mark the second `let`
// `#[concurrent::barrier]`.
#[concurrent]
async fn both(text: String) -> usize {
    let a = peek(&text).await;
    let b = consume(text).await;
    a + b
}

fn main() {}
