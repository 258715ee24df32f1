use async_hygiene::no_blocking;

// Stands in for the `reqwest` crate: the macro matches the path as written.
mod reqwest {
    pub mod blocking {
        pub fn get(_url: &str) -> Result<String, ()> {
            Ok(String::new())
        }
    }
}

#[no_blocking]
async fn fetch(url: &str) -> Result<String, ()> {
    reqwest::blocking::get(url)
}

fn main() {}
