// The article's user report: three fetches, then the analytics that need the profile, then
// a log line that must stay after everything (an expression statement is a barrier).
async fn generate_user_report(user_id: u64) -> anyhow::Result<Report> {
    let (
        (__async_hygiene_0_profile, __async_hygiene_4_analytics),
        __async_hygiene_1,
        __async_hygiene_2,
    ) = match ::async_hygiene::__private::concurrent_try_join3(
        [0, 1, 2],
        async {
            let profile = match ::async_hygiene::__private::ConcurrentTry::concurrent_branch(
                get_user_profile(user_id).await,
            ) {
                ::async_hygiene::__private::ConcurrentOk(__async_hygiene_value) => {
                    __async_hygiene_value
                }
                ::async_hygiene::__private::ConcurrentErr(__async_hygiene_residual) => {
                    return ::async_hygiene::__private::ConcurrentErr(
                        ::async_hygiene::__private::ConcurrentRanked(
                            0,
                            ::async_hygiene::__private::ConcurrentFailure4::N0(
                                __async_hygiene_residual,
                            ),
                        ),
                    );
                }
            };
            let url = format!("https://api.example.com/analytics/{}", profile.region);
            let analytics = match ::async_hygiene::__private::ConcurrentTry::concurrent_branch(
                fetch_analytics(&url).await,
            ) {
                ::async_hygiene::__private::ConcurrentOk(__async_hygiene_value) => {
                    __async_hygiene_value
                }
                ::async_hygiene::__private::ConcurrentErr(__async_hygiene_residual) => {
                    return ::async_hygiene::__private::ConcurrentErr(
                        ::async_hygiene::__private::ConcurrentRanked(
                            4,
                            ::async_hygiene::__private::ConcurrentFailure4::N3(
                                __async_hygiene_residual,
                            ),
                        ),
                    );
                }
            };
            ::async_hygiene::__private::ConcurrentOk((profile, analytics))
        },
        ::async_hygiene::__private::concurrent_try(
            get_user_orders(user_id),
            1,
            ::async_hygiene::__private::ConcurrentFailure4::N1,
        ),
        ::async_hygiene::__private::concurrent_try(
            get_user_reviews(user_id),
            2,
            ::async_hygiene::__private::ConcurrentFailure4::N2,
        ),
    )
    .await
    {
        ::async_hygiene::__private::ConcurrentOk(__async_hygiene_values) => __async_hygiene_values,
        ::async_hygiene::__private::ConcurrentErr(
            ::async_hygiene::__private::ConcurrentRanked(
                _,
                ::async_hygiene::__private::ConcurrentFailure4::N0(__async_hygiene_residual),
            ),
        ) => match __async_hygiene_residual? {},
        ::async_hygiene::__private::ConcurrentErr(
            ::async_hygiene::__private::ConcurrentRanked(
                _,
                ::async_hygiene::__private::ConcurrentFailure4::N1(__async_hygiene_residual),
            ),
        ) => match __async_hygiene_residual? {},
        ::async_hygiene::__private::ConcurrentErr(
            ::async_hygiene::__private::ConcurrentRanked(
                _,
                ::async_hygiene::__private::ConcurrentFailure4::N2(__async_hygiene_residual),
            ),
        ) => match __async_hygiene_residual? {},
        ::async_hygiene::__private::ConcurrentErr(
            ::async_hygiene::__private::ConcurrentRanked(
                _,
                ::async_hygiene::__private::ConcurrentFailure4::N3(__async_hygiene_residual),
            ),
        ) => match __async_hygiene_residual? {},
    };
    let profile = __async_hygiene_0_profile;
    let orders = __async_hygiene_1;
    let reviews = __async_hygiene_2;
    let analytics = __async_hygiene_4_analytics;
    log_report_generation(user_id).await;
    Ok(Report {
        profile,
        orders,
        reviews,
        analytics,
    })
}
