//! The poll watchdog hook shared by every attribute that keeps an async body.
//!
//! Contract (used by `no_blocking`, `concurrent`, `bounded`): call
//! [`instrument_body`] on the final body of an `async fn` and emit the returned block.
//! It must stay the plain body, at zero cost, unless the user enabled the facade's
//! `watchdog` feature; the switch lives in the facade (`__private`), not here, because a
//! proc macro cannot see which features its facade was built with.

/// Wraps the body of the async fn `sig` so that the watchdog can time each poll.
///
/// PLACEHOLDER owned by the watchdog work item: returns the body unchanged.
pub(crate) fn instrument_body(_sig: &syn::Signature, body: syn::Block) -> syn::Block {
    body
}
