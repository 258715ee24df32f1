//! The integration tests that need no process of their own, in one test binary (one link
//! step instead of one per file). Each module is a former `tests/<name>.rs`, unchanged.
//!
//! The binaries left directly under `tests/` each need a process of their own (a global
//! panic hook, tracing's process-wide callsite cache, process-wide environment or watchdog
//! mode, a child process re-running the binary), or are the compile-fail suite (`ui`).
//!
//! Every module is included with `#[path]`: rustc then resolves a module's own `#[path]`
//! modules (`support/…`, `concurrent_random/…`) relative to this directory, as it did when
//! the file was a test binary's root. A support file two modules include is therefore
//! compiled once for each, as before.
#![allow(clippy::duplicate_mod)]

#[path = "background.rs"]
mod background;
#[path = "background_hygiene.rs"]
mod background_hygiene;
#[path = "bounded.rs"]
mod bounded;
#[path = "concurrent.rs"]
mod concurrent;
#[path = "concurrent_app.rs"]
mod concurrent_app;
#[path = "concurrent_borrows.rs"]
mod concurrent_borrows;
#[path = "concurrent_random.rs"]
mod concurrent_random;
#[path = "limit_scope.rs"]
mod limit_scope;
#[path = "no_blocking.rs"]
mod no_blocking;
#[path = "no_blocking_lints.rs"]
mod no_blocking_lints;
#[path = "no_blocking_service.rs"]
mod no_blocking_service;
#[path = "offload.rs"]
mod offload;
#[path = "readme_links.rs"]
mod readme_links;
#[path = "watchdog.rs"]
mod watchdog;
#[path = "watchdog_stretch.rs"]
mod watchdog_stretch;
