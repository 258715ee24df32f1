use async_hygiene::background;

#[background]
async fn store<T: Send>(value: T) -> usize {
    std::mem::size_of_val(&value)
}

fn main() {}
