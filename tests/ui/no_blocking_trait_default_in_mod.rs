use async_hygiene::no_blocking;

#[no_blocking]
mod storage {
    pub trait Load {
        fn path(&self) -> &str;

        async fn load(&self) -> String {
            std::fs::read_to_string(self.path()).unwrap_or_default()
        }
    }
}

fn main() {}
