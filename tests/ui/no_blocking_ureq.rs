use async_hygiene::no_blocking;

// Stands in for the `ureq` crate: the macro matches the path as written.
mod ureq {
    pub struct Request;
    impl Request {
        pub fn call(self) -> Result<String, ()> {
            Ok(String::new())
        }
    }
    pub fn get(_url: &str) -> Request {
        Request
    }
}

#[no_blocking]
async fn fetch(url: &str) -> Result<String, ()> {
    ureq::get(url).call()
}

fn main() {}
