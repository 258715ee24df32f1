// `limit = DB` acquires the user's shared limit; `timeout = "…"` is read at compile time
// into the largest exact `Duration` unit, and a full limit returns the fn's error.
async fn query(&self, sql: &str) -> Rows {
    let __async_hygiene_permit = {
        let __async_hygiene_acquired = ::async_hygiene::__private::bounded_acquire(&(DB)).await;
        __async_hygiene_acquired
    };
    self.client.query(sql).await
}
async fn load(&self, id: u64) -> Result<Row, Error> {
    let __async_hygiene_permit = {
        let __async_hygiene_acquired = match ::async_hygiene::__private::bounded_acquire_timeout(
            &(self.db),
            ::async_hygiene::__private::core::time::Duration::from_millis(250u64),
        )
        .await
        {
            ::async_hygiene::__private::core::result::Result::Ok(__async_hygiene_ok) => {
                __async_hygiene_ok
            }
            ::async_hygiene::__private::core::result::Result::Err(__async_hygiene_timed_out) => {
                return ::async_hygiene::__private::core::result::Result::Err(
                    ::async_hygiene::__private::bounded_timeout_error(__async_hygiene_timed_out),
                );
            }
        };
        __async_hygiene_acquired
    };
    self.client.get(id).await
}
async fn export() -> Result<(), Error> {
    let __async_hygiene_permit = {
        static __ASYNC_HYGIENE_LIMIT: ::async_hygiene::__private::BoundedLimit =
            ::async_hygiene::__private::BoundedLimit::new(
                ::async_hygiene::__private::core::concat!(
                    ::async_hygiene::__private::core::module_path!(),
                    "::",
                    "export"
                ),
                2,
            );
        let __async_hygiene_acquired =
            match ::async_hygiene::__private::bounded_acquire_own_timeout(
                &__ASYNC_HYGIENE_LIMIT,
                ::async_hygiene::__private::core::time::Duration::from_secs(120u64),
            )
            .await
            {
                ::async_hygiene::__private::core::result::Result::Ok(__async_hygiene_ok) => {
                    __async_hygiene_ok
                }
                ::async_hygiene::__private::core::result::Result::Err(
                    __async_hygiene_timed_out,
                ) => {
                    return ::async_hygiene::__private::core::result::Result::Err(
                        ::async_hygiene::__private::bounded_timeout_error(
                            __async_hygiene_timed_out,
                        ),
                    );
                }
            };
        __async_hygiene_acquired
    };
    write_all().await
}
async fn tick() -> Result<(), Error> {
    let __async_hygiene_permit = {
        static __ASYNC_HYGIENE_LIMIT: ::async_hygiene::__private::BoundedLimit =
            ::async_hygiene::__private::BoundedLimit::new(
                ::async_hygiene::__private::core::concat!(
                    ::async_hygiene::__private::core::module_path!(),
                    "::",
                    "tick"
                ),
                1,
            );
        let __async_hygiene_acquired =
            match ::async_hygiene::__private::bounded_acquire_own_timeout(
                &__ASYNC_HYGIENE_LIMIT,
                ::async_hygiene::__private::core::time::Duration::from_nanos(7u64),
            )
            .await
            {
                ::async_hygiene::__private::core::result::Result::Ok(__async_hygiene_ok) => {
                    __async_hygiene_ok
                }
                ::async_hygiene::__private::core::result::Result::Err(
                    __async_hygiene_timed_out,
                ) => {
                    return ::async_hygiene::__private::core::result::Result::Err(
                        ::async_hygiene::__private::bounded_timeout_error(
                            __async_hygiene_timed_out,
                        ),
                    );
                }
            };
        __async_hygiene_acquired
    };
    Ok(())
}
async fn call() -> Result<(), Error> {
    let __async_hygiene_permit = {
        static __ASYNC_HYGIENE_LIMIT: ::async_hygiene::__private::BoundedLimit =
            ::async_hygiene::__private::BoundedLimit::new(
                ::async_hygiene::__private::core::concat!(
                    ::async_hygiene::__private::core::module_path!(),
                    "::",
                    "call"
                ),
                4,
            );
        let __async_hygiene_acquired =
            match ::async_hygiene::__private::bounded_acquire_own_timeout(
                &__ASYNC_HYGIENE_LIMIT,
                Duration::from_secs(TIMEOUT_SECS),
            )
            .await
            {
                ::async_hygiene::__private::core::result::Result::Ok(__async_hygiene_ok) => {
                    __async_hygiene_ok
                }
                ::async_hygiene::__private::core::result::Result::Err(
                    __async_hygiene_timed_out,
                ) => {
                    return ::async_hygiene::__private::core::result::Result::Err(
                        ::async_hygiene::__private::bounded_timeout_error(
                            __async_hygiene_timed_out,
                        ),
                    );
                }
            };
        __async_hygiene_acquired
    };
    Ok(())
}
