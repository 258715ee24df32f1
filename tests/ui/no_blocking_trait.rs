use async_hygiene::no_blocking;

#[no_blocking]
trait Store {
    async fn load(&self) -> u32;
}

fn main() {}
