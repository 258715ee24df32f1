// More branches than the widest join function (5) nest a join in the last argument;
// more fallible branches than the widest failure type (8) nest a failure in `N7`.
async fn wide(store: &Store) -> u32 {
    let (
        __async_hygiene_0,
        __async_hygiene_1,
        __async_hygiene_2,
        __async_hygiene_3,
        (__async_hygiene_5_e2, __async_hygiene_6),
    ) = ::async_hygiene::__private::concurrent_join5(
        store.get(70, "a"),
        store.get(10, "b"),
        store.get(60, "c"),
        store.get(20, "d"),
        ::async_hygiene::__private::concurrent_join2(
            async {
                let e = store.get(50, "e").await;
                let e2 = store.get(e.into(), "e2").await;
                e2
            },
            store.get(30, "f"),
        ),
    )
    .await;
    let a = __async_hygiene_0;
    let b = __async_hygiene_1;
    let c = __async_hygiene_2;
    let d = __async_hygiene_3;
    let e2 = __async_hygiene_5_e2;
    let f = __async_hygiene_6;
    a + b + c + d + e2 + f
}
async fn many_fallible(fail: u32) -> Result<u32, u32> {
    let (
        __async_hygiene_0,
        __async_hygiene_1,
        __async_hygiene_2,
        __async_hygiene_3,
        (
            __async_hygiene_4,
            __async_hygiene_5,
            __async_hygiene_6,
            __async_hygiene_7,
            (__async_hygiene_8, __async_hygiene_9),
        ),
    ) = match ::async_hygiene::__private::concurrent_try_join5(
        [0, 1, 2, 3, 4],
        ::async_hygiene::__private::concurrent_try(
            step(0, 110, fail),
            0,
            ::async_hygiene::__private::ConcurrentFailure8::N0,
        ),
        ::async_hygiene::__private::concurrent_try(
            step(1, 100, fail),
            1,
            ::async_hygiene::__private::ConcurrentFailure8::N1,
        ),
        ::async_hygiene::__private::concurrent_try(
            step(2, 90, fail),
            2,
            ::async_hygiene::__private::ConcurrentFailure8::N2,
        ),
        ::async_hygiene::__private::concurrent_try(
            step(3, 80, fail),
            3,
            ::async_hygiene::__private::ConcurrentFailure8::N3,
        ),
        ::async_hygiene::__private::concurrent_try_join5(
            [4, 5, 6, 7, 8],
            ::async_hygiene::__private::concurrent_try(
                step(4, 70, fail),
                4,
                ::async_hygiene::__private::ConcurrentFailure8::N4,
            ),
            ::async_hygiene::__private::concurrent_try(
                step(5, 60, fail),
                5,
                ::async_hygiene::__private::ConcurrentFailure8::N5,
            ),
            ::async_hygiene::__private::concurrent_try(
                step(6, 50, fail),
                6,
                ::async_hygiene::__private::ConcurrentFailure8::N6,
            ),
            ::async_hygiene::__private::concurrent_try(
                step(7, 40, fail),
                7,
                |__async_hygiene_residual| {
                    ::async_hygiene::__private::ConcurrentFailure8::N7(
                        ::async_hygiene::__private::ConcurrentFailure3::N0(
                            __async_hygiene_residual,
                        ),
                    )
                },
            ),
            ::async_hygiene::__private::concurrent_try_join2(
                [8, 9],
                ::async_hygiene::__private::concurrent_try(
                    step(8, 30, fail),
                    8,
                    |__async_hygiene_residual| {
                        ::async_hygiene::__private::ConcurrentFailure8::N7(
                            ::async_hygiene::__private::ConcurrentFailure3::N1(
                                __async_hygiene_residual,
                            ),
                        )
                    },
                ),
                ::async_hygiene::__private::concurrent_try(
                    step(9, 20, fail),
                    9,
                    |__async_hygiene_residual| {
                        ::async_hygiene::__private::ConcurrentFailure8::N7(
                            ::async_hygiene::__private::ConcurrentFailure3::N2(
                                __async_hygiene_residual,
                            ),
                        )
                    },
                ),
            ),
        ),
    )
    .await
    {
        ::async_hygiene::__private::ConcurrentOk(__async_hygiene_values) => __async_hygiene_values,
        ::async_hygiene::__private::ConcurrentErr(
            ::async_hygiene::__private::ConcurrentRanked(
                _,
                ::async_hygiene::__private::ConcurrentFailure8::N0(__async_hygiene_residual),
            ),
        ) => match __async_hygiene_residual? {},
        ::async_hygiene::__private::ConcurrentErr(
            ::async_hygiene::__private::ConcurrentRanked(
                _,
                ::async_hygiene::__private::ConcurrentFailure8::N1(__async_hygiene_residual),
            ),
        ) => match __async_hygiene_residual? {},
        ::async_hygiene::__private::ConcurrentErr(
            ::async_hygiene::__private::ConcurrentRanked(
                _,
                ::async_hygiene::__private::ConcurrentFailure8::N2(__async_hygiene_residual),
            ),
        ) => match __async_hygiene_residual? {},
        ::async_hygiene::__private::ConcurrentErr(
            ::async_hygiene::__private::ConcurrentRanked(
                _,
                ::async_hygiene::__private::ConcurrentFailure8::N3(__async_hygiene_residual),
            ),
        ) => match __async_hygiene_residual? {},
        ::async_hygiene::__private::ConcurrentErr(
            ::async_hygiene::__private::ConcurrentRanked(
                _,
                ::async_hygiene::__private::ConcurrentFailure8::N4(__async_hygiene_residual),
            ),
        ) => match __async_hygiene_residual? {},
        ::async_hygiene::__private::ConcurrentErr(
            ::async_hygiene::__private::ConcurrentRanked(
                _,
                ::async_hygiene::__private::ConcurrentFailure8::N5(__async_hygiene_residual),
            ),
        ) => match __async_hygiene_residual? {},
        ::async_hygiene::__private::ConcurrentErr(
            ::async_hygiene::__private::ConcurrentRanked(
                _,
                ::async_hygiene::__private::ConcurrentFailure8::N6(__async_hygiene_residual),
            ),
        ) => match __async_hygiene_residual? {},
        ::async_hygiene::__private::ConcurrentErr(
            ::async_hygiene::__private::ConcurrentRanked(
                _,
                ::async_hygiene::__private::ConcurrentFailure8::N7(
                    ::async_hygiene::__private::ConcurrentFailure3::N0(__async_hygiene_residual),
                ),
            ),
        ) => match __async_hygiene_residual? {},
        ::async_hygiene::__private::ConcurrentErr(
            ::async_hygiene::__private::ConcurrentRanked(
                _,
                ::async_hygiene::__private::ConcurrentFailure8::N7(
                    ::async_hygiene::__private::ConcurrentFailure3::N1(__async_hygiene_residual),
                ),
            ),
        ) => match __async_hygiene_residual? {},
        ::async_hygiene::__private::ConcurrentErr(
            ::async_hygiene::__private::ConcurrentRanked(
                _,
                ::async_hygiene::__private::ConcurrentFailure8::N7(
                    ::async_hygiene::__private::ConcurrentFailure3::N2(__async_hygiene_residual),
                ),
            ),
        ) => match __async_hygiene_residual? {},
    };
    let v0 = __async_hygiene_0;
    let v1 = __async_hygiene_1;
    let v2 = __async_hygiene_2;
    let v3 = __async_hygiene_3;
    let v4 = __async_hygiene_4;
    let v5 = __async_hygiene_5;
    let v6 = __async_hygiene_6;
    let v7 = __async_hygiene_7;
    let v8 = __async_hygiene_8;
    let v9 = __async_hygiene_9;
    Ok(v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 + v9)
}
