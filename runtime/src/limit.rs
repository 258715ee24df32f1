//! PLACEHOLDER module owned by the limit work item.

#[doc(hidden)]
pub mod __private {}
