use async_hygiene::offload;

#[offload]
fn checksum(bytes: &[u8]) -> u64 {
    bytes.iter().map(|&byte| u64::from(byte)).sum()
}

fn main() {}

// On this error the fn is still emitted as an `async fn`, so its callers type-check and
// the attribute's error above is the only one.
#[allow(dead_code)]
async fn caller(bytes: Vec<u8>) -> u64 {
    checksum(&bytes).await
}
