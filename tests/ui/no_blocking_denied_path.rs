use async_hygiene::no_blocking;

mod db {
    pub fn query_sync(_sql: &str) -> Vec<u32> {
        Vec::new()
    }
}

#[no_blocking(deny(db::query_sync = "use `db::query(..).await`"))]
async fn users() -> Vec<u32> {
    db::query_sync("select id from users")
}

fn main() {}
