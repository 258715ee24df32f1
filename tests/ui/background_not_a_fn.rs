use async_hygiene::background;

#[background]
struct Mailer;

fn main() {
    let _ = Mailer;
}
