// What `#[async_trait]` or `#[tokio::test]` leave when they run first: a sync fn holding
// an async block. The blocks inside are rewritten; `?` re-enters in the async block.
fn load<'a>(&'a self, id: u64) -> Pin<Box<dyn Future<Output = io::Result<u64>> + Send + 'a>> {
    Box::pin(async move {
        let (__async_hygiene_0, __async_hygiene_1) = {
            enum __AsyncHygieneFailure<T0, T1> {
                N0(T0),
                N1(T1),
            }
            match ::async_hygiene::__private::tokio::try_join!(
                async {
                    ::async_hygiene::__private::ConcurrentTry::concurrent_branch(
                        self.fetch(id).await,
                    )
                    .map_err(__AsyncHygieneFailure::N0)
                },
                async {
                    ::async_hygiene::__private::ConcurrentTry::concurrent_branch(
                        self.fetch(id + 1).await,
                    )
                    .map_err(__AsyncHygieneFailure::N1)
                }
            ) {
                ::async_hygiene::__private::ConcurrentOk(__async_hygiene_values) => {
                    __async_hygiene_values
                }
                ::async_hygiene::__private::ConcurrentErr(__AsyncHygieneFailure::N0(
                    __async_hygiene_residual,
                )) => match __async_hygiene_residual? {},
                ::async_hygiene::__private::ConcurrentErr(__AsyncHygieneFailure::N1(
                    __async_hygiene_residual,
                )) => match __async_hygiene_residual? {},
            }
        };
        let a = __async_hygiene_0;
        let b = __async_hygiene_1;
        Ok(a + b)
    })
}
