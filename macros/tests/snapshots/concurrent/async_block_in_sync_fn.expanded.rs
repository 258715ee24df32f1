// What `#[async_trait]` or `#[tokio::test]` leave when they run first: a sync fn holding
// an async block. The blocks inside are rewritten; `?` re-enters in the async block.
fn load<'a>(&'a self, id: u64) -> Pin<Box<dyn Future<Output = io::Result<u64>> + Send + 'a>> {
    Box::pin(async move {
        let (__async_hygiene_0, __async_hygiene_1) =
            match ::async_hygiene::__private::concurrent_try_join2(
                [0, 1],
                ::async_hygiene::__private::concurrent_try(
                    self.fetch(id),
                    0,
                    ::async_hygiene::__private::ConcurrentFailure2::N0,
                ),
                ::async_hygiene::__private::concurrent_try(
                    self.fetch(id + 1),
                    1,
                    ::async_hygiene::__private::ConcurrentFailure2::N1,
                ),
            )
            .await
            {
                ::async_hygiene::__private::ConcurrentOk(__async_hygiene_values) => {
                    __async_hygiene_values
                }
                ::async_hygiene::__private::ConcurrentErr(
                    ::async_hygiene::__private::ConcurrentRanked(
                        _,
                        ::async_hygiene::__private::ConcurrentFailure2::N0(
                            __async_hygiene_residual,
                        ),
                    ),
                ) => match __async_hygiene_residual? {},
                ::async_hygiene::__private::ConcurrentErr(
                    ::async_hygiene::__private::ConcurrentRanked(
                        _,
                        ::async_hygiene::__private::ConcurrentFailure2::N1(
                            __async_hygiene_residual,
                        ),
                    ),
                ) => match __async_hygiene_residual? {},
            };
        let a = __async_hygiene_0;
        let b = __async_hygiene_1;
        Ok(a + b)
    })
}
