use async_hygiene::bounded;
use async_hygiene::limit::Limit;

static DB: Limit = Limit::new("db", 8);

#[bounded(4, limit = DB)]
async fn query() {}

fn main() {
    drop(query());
}
