// Every problem at once, then the item as written (kept `async` so callers' `.await`s
// still type-check where the signature allows it).
::core::compile_error! { "`#[offload]` takes no arguments: write `#[offload]`" }
::core::compile_error! { "`#[offload]` applies to a sync `fn`: it runs the body on tokio's blocking pool and makes the function `async`. Remove `async`, or, to run async work without awaiting it, use `#[background]`" }
::core::compile_error! { "`#[offload]` cannot be applied to an `unsafe fn`: the body would run after the caller's safety obligations were checked; wrap the unsafe calls in a safe fn instead" }
::core::compile_error! { "`#[offload]` runs the body on another thread (tokio's blocking pool), so it cannot borrow `self`: take `self: Arc<Self>` and call it on an `Arc`, or take `self` by value" }
::core::compile_error! { "`#[offload]` runs the body on another thread (tokio's blocking pool), so argument `path` cannot borrow: take an owned `PathBuf` instead" }
async unsafe fn f(&self, path: &Path) {}
::core::compile_error! { "`#[offload]` runs the body on another thread (tokio's blocking pool), so argument `path` cannot borrow: take an owned `PathBuf` instead" }
async fn hash(path: &Path) -> u64 {
    0
}
