use async_hygiene::concurrent;

// `fn` appears in the item, but it is a type, not a function with a body.
#[concurrent]
type Loader = fn() -> u8;

fn main() {
    let _: Option<Loader> = None;
}
