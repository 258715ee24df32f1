// Every problem at once, then the item as written.
::core::compile_error! { "`limit` may not be 0: no job could ever run" }
::core::compile_error! { "unknown argument `colour`; `#[background]` accepts:\n- `#[background]`: spawn onto the current registry\n- `#[background(limit = 8)]` or `#[background(limit = MAX_JOBS)]`: at most that many bodies at once (a positive integer literal, or a path to a `const` of type `usize`), or `#[background(limit = DB)]`: a shared `static DB: async_hygiene::limit::Limit`; the function becomes `async` and its call waits for a free permit\n- `#[background(registry = REGISTRY)]`: spawn onto an explicit `async_hygiene::registry::Registry` (any expression that derefs to one)\n- both, separated by a comma" }
::core::compile_error! { "`#[background]` applies to an `async fn`: it runs the body as a tracked task. To move a sync fn's blocking or CPU-heavy body off the event loop, use `#[offload]`" }
::core::compile_error! { "`#[background]` cannot be applied to an `unsafe fn`: the body would run after the caller's safety obligations were checked; wrap the unsafe calls in a safe fn instead" }
::core::compile_error! { "`#[background]` runs the body after the call has returned, so it cannot borrow `self`: take `self: Arc<Self>` and call it on an `Arc`, or take `self` by value" }
::core::compile_error! { "`#[background]` runs the body after the call has returned, so argument `name` cannot borrow: take an owned `String` instead" }
::core::compile_error! { "`#[bounded]` must come before (above) `#[background]`: attributes apply top-down, and `#[bounded]` needs the `async fn` that `#[background]` turns into a plain fn" }
#[bounded(2)]
unsafe fn f(&self, name: &str) {}
