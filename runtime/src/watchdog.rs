//! PLACEHOLDER module owned by the watchdog work item.

#[doc(hidden)]
pub mod __private {}
