//! PLACEHOLDER module owned by the offload work item.

#[doc(hidden)]
pub mod __private {}
