// What `#[tokio::main]` and `#[async_trait]` leave when they ran first: the user's async
// blocks are checked, tokio's own `block_on` is not. Here `serve` and `value` do not block.
#[no_blocking]
fn main() {
    let body = async {
        serve().await;
    };
    #[allow(clippy::expect_used)]
    {
        return tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("Failed building the Runtime")
            .block_on(body);
    }
}

#[no_blocking]
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
