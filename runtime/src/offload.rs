//! Run-time support for `#[offload]`: run a sync body on tokio's blocking pool and give
//! its result, or its panic, back to the awaiting caller.

// `pub(crate)`: the crate root re-exports the contents, not the module.
pub(crate) mod __private {
    /// The body of an `#[offload]` function, run by `spawn_blocking`.
    ///
    /// A panic in `body` resumes in the caller with its original payload, as if the
    /// function had run inline. Dropping the returned future does not stop `body`: a
    /// blocking closure cannot be interrupted, so it runs to completion and its result is
    /// discarded.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, with the same message as `tokio::spawn`; when `body`
    /// panics; and when the runtime shuts down before `body` could start.
    #[track_caller]
    pub fn offload_run<F, R>(body: F) -> impl std::future::Future<Output = R> + Send
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        // Spawned at the call, not at the first poll, so the panic outside a runtime
        // points at the caller (`#[track_caller]` does not reach into an async block).
        let blocking = tokio::task::spawn_blocking(body);
        async move {
            match blocking.await {
                Ok(output) => output,
                Err(error) => match error.try_into_panic() {
                    Ok(payload) => std::panic::resume_unwind(payload),
                    Err(cancelled) => panic!(
                        "an `#[offload]` function was cancelled ({cancelled}): the tokio \
                         runtime shut down before its body could run on the blocking pool"
                    ),
                },
            }
        }
    }
}
