use async_hygiene::{background, offload};

#[background]
#[offload]
fn checksum(bytes: Vec<u8>) -> u64 {
    bytes.iter().map(|&byte| u64::from(byte)).sum()
}

fn main() {}
