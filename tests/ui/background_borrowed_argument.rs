use async_hygiene::background;

#[background]
async fn log_line(prefix: String, line: &str) {
    println!("{prefix}{line}");
}

fn main() {}
