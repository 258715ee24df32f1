use async_hygiene::no_blocking;

#[no_blocking]
async fn copy_all(mut from: &[u8], to: &mut Vec<u8>) -> std::io::Result<u64> {
    std::io::copy(&mut from, to)
}

fn main() {}
