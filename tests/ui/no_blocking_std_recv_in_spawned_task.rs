use async_hygiene::no_blocking;

use std::sync::mpsc;

struct Bridge {
    events: tokio::sync::mpsc::Sender<String>,
}

#[no_blocking]
impl Bridge {
    // A std receiver drained inside a spawned task: the task holds an executor thread
    // while it waits for the next event.
    async fn forward(&self, source: mpsc::Receiver<String>) {
        let events = self.events.clone();
        tokio::spawn(async move {
            loop {
                events.send(source.recv().unwrap()).await.ok();
            }
        });
    }
}

fn main() {}
