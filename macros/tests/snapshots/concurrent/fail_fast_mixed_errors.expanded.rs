// Branches keep their own `?` conversion: `io::Error` and `ParseError` both convert
// into `AppError`; `Option` lets in an `Option` fn work the same way.
async fn load(store: &Store) -> Result<Config, AppError> {
    let (__async_hygiene_0, __async_hygiene_1, __async_hygiene_2) =
        match ::async_hygiene::__private::concurrent_try_join3(
            [0, 1, 2],
            ::async_hygiene::__private::concurrent_try(
                tokio::fs::read_to_string("config.toml"),
                0,
                ::async_hygiene::__private::ConcurrentFailure2::N0,
            ),
            async {
                ::async_hygiene::__private::ConcurrentTry::concurrent_branch(
                    store.schema().await.map_err(ParseError::from),
                )
                .map_err(::async_hygiene::__private::concurrent_ranked(
                    1,
                    ::async_hygiene::__private::ConcurrentFailure2::N1,
                ))
            },
            ::async_hygiene::__private::concurrent_ok(store.defaults()),
        )
        .await
        {
            ::async_hygiene::__private::ConcurrentOk(__async_hygiene_values) => {
                __async_hygiene_values
            }
            ::async_hygiene::__private::ConcurrentErr(
                ::async_hygiene::__private::ConcurrentRanked(
                    _,
                    ::async_hygiene::__private::ConcurrentFailure2::N0(__async_hygiene_residual),
                ),
            ) => match __async_hygiene_residual? {},
            ::async_hygiene::__private::ConcurrentErr(
                ::async_hygiene::__private::ConcurrentRanked(
                    _,
                    ::async_hygiene::__private::ConcurrentFailure2::N1(__async_hygiene_residual),
                ),
            ) => match __async_hygiene_residual? {},
        };
    let raw = __async_hygiene_0;
    let schema = __async_hygiene_1;
    let defaults = __async_hygiene_2;
    Ok(Config::new(raw, schema, defaults))
}
async fn first_names(db: &Db) -> Option<(String, String)> {
    let (__async_hygiene_0, __async_hygiene_1) =
        match ::async_hygiene::__private::concurrent_try_join2(
            [0, 1],
            ::async_hygiene::__private::concurrent_try(
                db.lookup("alice"),
                0,
                ::async_hygiene::__private::ConcurrentFailure2::N0,
            ),
            ::async_hygiene::__private::concurrent_try(
                db.lookup("bob"),
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
                    ::async_hygiene::__private::ConcurrentFailure2::N0(__async_hygiene_residual),
                ),
            ) => match __async_hygiene_residual? {},
            ::async_hygiene::__private::ConcurrentErr(
                ::async_hygiene::__private::ConcurrentRanked(
                    _,
                    ::async_hygiene::__private::ConcurrentFailure2::N1(__async_hygiene_residual),
                ),
            ) => match __async_hygiene_residual? {},
        };
    let alice = __async_hygiene_0;
    let bob = __async_hygiene_1;
    Some((alice, bob))
}
