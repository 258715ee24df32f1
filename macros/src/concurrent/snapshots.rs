//! `#[concurrent]`'s expansion snapshots (`macros/tests/snapshots/concurrent/`, see
//! [`crate::snapshots`]): the rewrite without the watchdog hook, or the errors alone.

use async_hygiene_analysis::concurrent::Guards;
use quote::ToTokens;

#[test]
fn snapshots() {
    crate::snapshots::check("concurrent", |args, item| {
        let function: syn::ItemFn = syn::parse2(item).expect("snapshot cases annotate fns");
        match super::rewrite(args, function, Guards::NONE, Vec::new()) {
            Ok(rewritten) => rewritten.into_token_stream(),
            Err(error) => error.into_compile_error(),
        }
    });
}
