//! # async-hygiene
//!
//! Attributes that make tokio code fast and correct by construction. Each one turns a
//! fix for a common async pitfall into something the compiler enforces or the runtime
//! reports:
//!
//! | pitfall | attribute |
//! |---|---|
//! | blocking libraries inside async code | [`#[no_blocking]`](no_blocking) rejects them at compile time |
//! | independent awaits written one after another | [`#[concurrent]`](concurrent) joins them along their data dependencies |
//! | CPU-bound work on the event loop | [`#[offload]`](offload) moves a sync fn to tokio's blocking pool |
//! | awaiting non-critical work | [`#[background]`](background) spawns it onto a tracked registry |
//! | too many tasks at once | [`#[bounded(n)]`](bounded) and the [`limit`] helpers |
//! | blocking the compiler cannot see | the [`watchdog`] (feature `watchdog`) |
//!
//! Depend on this crate alone; it re-exports the macros and the runtime. The crate-wide
//! policy file, `async-hygiene.toml`, is described in [`policy`].
//!
//! ```
//! use std::time::Duration;
//!
//! use async_hygiene::{background, bounded, concurrent, no_blocking, offload};
//!
//! async fn price(item: u32) -> u64 {
//!     tokio::time::sleep(Duration::from_millis(100)).await;
//!     u64::from(item) * 3
//! }
//!
//! async fn stock(item: u32) -> u32 {
//!     tokio::time::sleep(Duration::from_millis(150)).await;
//!     item % 10
//! }
//!
//! /// CPU-bound: runs on tokio's blocking pool, the caller just awaits it.
//! #[offload]
//! fn score(price: u64, stock: u32) -> u64 {
//!     (0..10_000_u64).fold(price, |acc, n| acc.wrapping_add(n % u64::from(stock + 1)))
//! }
//!
//! /// Not worth making the caller wait for: tracked, and drained by `shutdown`.
//! #[background]
//! async fn audit(item: u32) {
//!     tokio::time::sleep(Duration::from_millis(50)).await;
//!     assert!(item > 0);
//! }
//!
//! #[bounded(8)]   // at most 8 quotes computed at once, across all callers
//! #[no_blocking]  // a `std::fs::read` or `thread::sleep` in here is a compile error
//! #[concurrent]   // `price` and `stock` are independent: one join, 150 ms, not 250 ms
//! async fn quote(item: u32) -> u64 {
//!     let price = price(item).await;
//!     let stock = stock(item).await;
//!     let score = score(price, stock).await;
//!     audit(item);
//!     score
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let start = tokio::time::Instant::now();
//! assert_eq!(quote(7).await, quote_as_written(7).await);
//! let report = async_hygiene::shutdown(Duration::from_secs(1)).await;
//! assert_eq!((report.completed, report.panicked, report.abandoned), (1, 0, 0));
//! // 150 ms for `quote` (the longest of its two awaits) and 250 ms as written.
//! assert_eq!(start.elapsed(), Duration::from_millis(400));
//! # }
//! # async fn quote_as_written(item: u32) -> u64 {
//! #     let price = price(item).await;
//! #     let stock = stock(item).await;
//! #     score(price, stock).await
//! # }
//! ```

#[doc = include_str!("docs/no_blocking.md")]
#[doc(inline)]
pub use async_hygiene_macros::no_blocking;

/// Marks one blocking call in async code as deliberate, with the reason:
/// `allow_blocking!("reason", expr)` is `expr`, and [`#[no_blocking]`](no_blocking) does
/// not look inside it.
///
/// The reason must be a string literal that is not blank, so every exception is
/// greppable and explained. The macro works with or without `#[no_blocking]` around it.
///
/// ```
/// # async fn start() -> std::io::Result<()> {
/// let manifest = async_hygiene::allow_blocking!(
///     "read once at start-up, before the server accepts connections",
///     std::fs::read_to_string("Cargo.toml")
/// )?;
/// # drop(manifest);
/// # Ok(())
/// # }
/// ```
#[macro_export]
macro_rules! allow_blocking {
    ("", $($expr:tt)*) => {
        $crate::__private::core::compile_error!(
            "allow_blocking! needs a reason: say why this blocking call is fine"
        )
    };
    ($reason:literal, $expr:expr $(,)?) => {{
        const _: &str = $reason;
        const _: () = $crate::__private::core::assert!(
            !$crate::__private::core::primitive::str::is_empty(
                $crate::__private::core::primitive::str::trim_ascii($reason)
            ),
            "allow_blocking!: the reason must say why this blocking call is fine"
        );
        $expr
    }};
    ($($expr:tt)*) => {
        $crate::__private::core::compile_error!(
            "allow_blocking! needs a reason first: `allow_blocking!(\"why this blocking call is fine\", expr)`"
        )
    };
}

#[doc = include_str!("docs/concurrent.md")]
#[doc(inline)]
pub use async_hygiene_macros::concurrent;

#[doc = include_str!("docs/bounded.md")]
#[doc(inline)]
pub use async_hygiene_macros::bounded;

#[doc = include_str!("docs/background.md")]
#[doc(inline)]
pub use async_hygiene_macros::background;

#[doc = include_str!("docs/offload.md")]
#[doc(inline)]
pub use async_hygiene_macros::offload;

#[doc(inline)]
pub use async_hygiene_runtime::{background as registry, limit};

#[doc = include_str!("docs/watchdog.md")]
#[doc(inline)]
pub use async_hygiene_runtime::watchdog;

#[doc = include_str!("docs/policy.md")]
pub mod policy {}

// The README's Rust examples compile and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[doc(inline)]
pub use async_hygiene_runtime::background::{shutdown, ShutdownReport};

/// Support for generated code. Not public API: everything here may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use ::async_hygiene_runtime::__private::*;
    pub use ::core;
    // Generated code does not name it, but without it rustc's E0277 for `#[concurrent]`'s
    // `?` on a type that is not `Result`/`Option`/`ControlFlow` appends a list of the
    // runtime's `ConcurrentTry` impls, pointing into its source, to the attribute's own
    // note (`tests/ui/concurrent_question_mark_on_poll.stderr`).
    pub use ::std;
}
