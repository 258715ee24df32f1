use async_hygiene::no_blocking;

#[no_blocking]
async fn compute() -> u64 {
    let handle = std::thread::spawn(|| (1..=20_u64).product());
    handle.join().unwrap()
}

fn main() {}
