use async_hygiene::bounded;
use async_hygiene::limit::Limit;

// A `const` is copied at every use: each call would get a fresh, empty limit.
const DB: Limit = Limit::new("db", 8);

#[bounded(limit = DB)]
async fn query() {}

fn main() {
    drop(query());
}
