use async_hygiene::bounded;

static DB: usize = 8;

#[bounded(limit = DB)]
async fn query() {}

fn main() {
    drop(query());
}
