//! PLACEHOLDER module owned by the concurrent work item.

#[doc(hidden)]
pub mod __private {}
