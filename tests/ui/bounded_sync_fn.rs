use async_hygiene::bounded;

#[bounded(4)]
fn parse(input: &str) -> usize {
    input.len()
}

fn main() {
    let _ = parse("x");
}
