use async_hygiene::offload;

struct Image(Vec<u8>);

impl Image {
    #[offload]
    fn checksum(&self) -> u64 {
        self.0.iter().map(|&byte| u64::from(byte)).sum()
    }
}

fn main() {}
