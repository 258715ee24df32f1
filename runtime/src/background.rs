//! PLACEHOLDER module owned by the background work item.

#[doc(hidden)]
pub mod __private {}
