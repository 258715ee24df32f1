use async_hygiene::concurrent;

trait Repository {
    #[concurrent]
    async fn load(&self) -> u32;
}

fn main() {}
