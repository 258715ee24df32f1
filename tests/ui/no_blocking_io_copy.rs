use async_hygiene::no_blocking;

#[no_blocking]
async fn copy_all(from: &mut std::fs::File, to: &mut Vec<u8>) -> std::io::Result<u64> {
    std::io::copy(from, to)
}

fn main() {}
