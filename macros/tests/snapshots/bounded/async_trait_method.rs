// What `#[async_trait]` leaves of `async fn get(&self) -> u8` when it ran first: the permit
// is taken inside the boxed future.
#[bounded(3)]
fn get<'life0, 'async_trait>(
    &'life0 self,
) -> ::core::pin::Pin<Box<dyn ::core::future::Future<Output = u8> + ::core::marker::Send + 'async_trait>>
where
    'life0: 'async_trait,
    Self: 'async_trait,
{
    Box::pin(async move {
        let __self = self;
        let __ret: u8 = { __self.value().await };
        #[allow(unreachable_code)]
        __ret
    })
}
