use async_hygiene::bounded;

#[bounded(0)]
async fn never_runs() {}

fn main() {
    drop(never_runs());
}
