use async_hygiene::no_blocking;

trait Repository {
    #[no_blocking]
    async fn load(&self) -> u32;
}

fn main() {}
