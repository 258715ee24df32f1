// What `#[async_trait]` leaves of `async fn get(&self) -> u8` when it ran first: the permit
// is taken inside the boxed future.
fn get<'life0, 'async_trait>(
    &'life0 self,
) -> ::core::pin::Pin<
    Box<dyn ::core::future::Future<Output = u8> + ::core::marker::Send + 'async_trait>,
>
where
    'life0: 'async_trait,
    Self: 'async_trait,
{
    Box::pin(async move {
        let __async_hygiene_permit = {
            static __ASYNC_HYGIENE_LIMIT: ::async_hygiene::__private::BoundedLimit =
                ::async_hygiene::__private::BoundedLimit::new(
                    ::async_hygiene::__private::core::concat!(
                        ::async_hygiene::__private::core::module_path!(),
                        "::",
                        "get"
                    ),
                    3,
                );
            let __async_hygiene_acquired =
                ::async_hygiene::__private::bounded_acquire_own(&__ASYNC_HYGIENE_LIMIT).await;
            __async_hygiene_acquired
        };
        let __self = self;
        let __ret: u8 = { __self.value().await };
        #[allow(unreachable_code)]
        __ret
    })
}
