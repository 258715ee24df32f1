use async_hygiene::bounded;

#[derive(Debug)]
enum QueryError {
    NotFound,
}

#[bounded(4, timeout = "250ms")]
async fn query(id: u32) -> Result<u32, QueryError> {
    if id == 0 {
        return Err(QueryError::NotFound);
    }
    Ok(id)
}

fn main() {
    drop(query(1));
}
