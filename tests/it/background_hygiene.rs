//! Generated code names only `::async_hygiene::__private::…` and hygienic locals: user
//! items called `core`, `std`, `tokio`, `futures`, `Result` or like the runtime's types,
//! and user variables named like the generated ones, change nothing. Clippy (pedantic,
//! through the workspace lints) checks this file in CI.

// rustc lints that generated code has tripped before, denied so `cargo test` fails too.
#![deny(unused_braces, unused_doc_comments)]

use std::time::Duration;

mod shadowed {
    #![allow(dead_code)]

    use async_hygiene::registry::Registry;
    use async_hygiene::{background, offload};

    mod core {}
    mod std {}
    mod tokio {}
    mod futures {}
    mod async_hygiene_runtime {}

    struct BackgroundHandle;
    struct Semaphore;
    struct Result;
    struct Option;

    const LIMIT: usize = 2;
    pub(crate) static JOBS: ::std::sync::LazyLock<Registry> =
        ::std::sync::LazyLock::new(Registry::new);

    #[background]
    pub(crate) async fn plain(__async_hygiene_arg0: u8, _: u8) -> u8 {
        __async_hygiene_arg0
    }

    #[background(limit = LIMIT, registry = JOBS)]
    pub(crate) async fn limited_on_registry(value: u32) -> u32 {
        #[allow(non_snake_case)]
        let __ASYNC_HYGIENE_SLOTS = value;
        let __async_hygiene_slots = 1;
        __ASYNC_HYGIENE_SLOTS + __async_hygiene_slots
    }

    #[offload]
    pub(crate) fn offloaded(value: u64, _: ()) -> u64 {
        value * 2
    }

    // One-line bodies (kept so by `rustfmt::skip`): nesting such a body as the tail block
    // of the generated one would trip `unused_braces` on the user's braces.
    #[rustfmt::skip]
    #[background]
    pub(crate) async fn one_line(value: u8) -> u8 { value + 1 }

    #[rustfmt::skip]
    #[offload]
    pub(crate) fn one_line_offloaded(value: u8) -> u8 { value + 1 }

    /// Inner attributes of a body apply to the fn, and still do on the generated one.
    #[background]
    pub(crate) async fn inner_attributes(value: u8) -> u8 {
        #![allow(clippy::identity_op)]
        //! An inner doc comment is an inner attribute too.
        value + 0
    }
}

#[tokio::test]
async fn shadowing_items_and_names_do_not_break_the_expansions() {
    assert_eq!(shadowed::plain(3, 4).await, Ok(3));
    assert_eq!(shadowed::limited_on_registry(41).await.await, Ok(42));
    assert_eq!(shadowed::offloaded(21, ()).await, 42);
    assert_eq!(shadowed::one_line(1).await, Ok(2));
    assert_eq!(shadowed::one_line_offloaded(1).await, 2);
    assert_eq!(shadowed::inner_attributes(3).await, Ok(3));
    let report = shadowed::JOBS.shutdown(Duration::from_secs(1)).await;
    assert_eq!(report.completed, 1);
}
