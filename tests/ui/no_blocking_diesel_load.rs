use async_hygiene::no_blocking;

// Stands in for diesel's sync `RunQueryDsl::load(&mut conn)`.
struct Connection;
struct Query;
impl Query {
    fn load(self, _conn: &mut Connection) -> Result<Vec<u32>, ()> {
        Ok(Vec::new())
    }
}

#[no_blocking]
async fn users(conn: &mut Connection) -> Result<Vec<u32>, ()> {
    let rows = Query.load(&mut *conn)?;
    Ok(rows)
}

fn main() {}
