use async_hygiene::no_blocking;

// A test fn written by hand is not a test macro's case wrapper: the attribute still says
// where it applies.
#[no_blocking]
#[test]
fn reads_config() {
    std::fs::read_to_string("app.toml").unwrap_or_default();
}

fn main() {}
