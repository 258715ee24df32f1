//! Procedural macros of [`async-hygiene`](https://docs.rs/async-hygiene).
//!
//! Depend on `async-hygiene` and use the re-exports there; this crate's paths are not
//! stable. Every entry point here only converts between `proc_macro` and `proc_macro2`
//! and delegates: the parsing, analysis and expansion are plain functions in the modules
//! below, unit-tested without a compiler run.

mod arguments;
mod await_marks;
mod background;
mod bounded;
mod concurrent;
mod errors;
mod item;
mod no_blocking;
mod offload;
mod policy_file;
mod private;
#[cfg(test)]
mod snapshots;
mod watchdog_hook;

use proc_macro::TokenStream;

/// Rejects blocking calls in async code at compile time.
///
/// See [`async_hygiene::no_blocking`](https://docs.rs/async-hygiene/latest/async_hygiene/attr.no_blocking.html).
#[proc_macro_attribute]
pub fn no_blocking(args: TokenStream, item: TokenStream) -> TokenStream {
    no_blocking::expand(args.into(), item.into()).into()
}

/// Rewrites independent sequential awaits into joins along their data dependencies.
///
/// See [`async_hygiene::concurrent`](https://docs.rs/async-hygiene/latest/async_hygiene/attr.concurrent.html).
#[proc_macro_attribute]
pub fn concurrent(args: TokenStream, item: TokenStream) -> TokenStream {
    concurrent::expand(args.into(), item.into()).into()
}

/// Caps how many executions of an async fn run at once.
///
/// See [`async_hygiene::bounded`](https://docs.rs/async-hygiene/latest/async_hygiene/attr.bounded.html).
#[proc_macro_attribute]
pub fn bounded(args: TokenStream, item: TokenStream) -> TokenStream {
    bounded::expand(args.into(), item.into()).into()
}

/// Runs an async fn as tracked background work and returns at once.
///
/// See [`async_hygiene::background`](https://docs.rs/async-hygiene/latest/async_hygiene/attr.background.html).
#[proc_macro_attribute]
pub fn background(args: TokenStream, item: TokenStream) -> TokenStream {
    background::expand(args.into(), item.into()).into()
}

/// Turns a sync fn into an async fn whose body runs on tokio's blocking pool.
///
/// See [`async_hygiene::offload`](https://docs.rs/async-hygiene/latest/async_hygiene/attr.offload.html).
#[proc_macro_attribute]
pub fn offload(args: TokenStream, item: TokenStream) -> TokenStream {
    offload::expand(args.into(), item.into()).into()
}
