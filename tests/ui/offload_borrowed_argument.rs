use async_hygiene::offload;

#[offload]
fn checksum(bytes: &[u8]) -> u64 {
    bytes.iter().map(|&byte| u64::from(byte)).sum()
}

fn main() {}
