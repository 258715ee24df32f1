use async_hygiene::background;

struct Audit;

impl Audit {
    #[background]
    async fn record(&self, event: String) {
        let _ = event;
    }
}

fn main() {}
