use async_hygiene::offload;

#[offload]
struct Checksum;

fn main() {
    let _ = Checksum;
}
