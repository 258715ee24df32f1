// A literal capacity: a `static` limit declared in the body, the permit acquired first and
// held until the body's locals are gone. (Shown without the watchdog hook's wrapper, which
// wraps all of it.)
async fn fetch(url: String) -> usize {
    let __async_hygiene_permit = {
        static __ASYNC_HYGIENE_LIMIT: ::async_hygiene::__private::BoundedLimit =
            ::async_hygiene::__private::BoundedLimit::new(
                ::async_hygiene::__private::core::concat!(
                    ::async_hygiene::__private::core::module_path!(),
                    "::",
                    "fetch"
                ),
                8,
            );
        let __async_hygiene_acquired =
            ::async_hygiene::__private::bounded_acquire_own(&__ASYNC_HYGIENE_LIMIT).await;
        __async_hygiene_acquired
    };
    let page = download(&url).await;
    page.len()
}
pub async fn resize(&self, image: Image) {
    let __async_hygiene_permit = {
        static __ASYNC_HYGIENE_LIMIT: ::async_hygiene::__private::BoundedLimit =
            ::async_hygiene::__private::BoundedLimit::new(
                ::async_hygiene::__private::core::concat!(
                    ::async_hygiene::__private::core::module_path!(),
                    "::",
                    "resize"
                ),
                MAX_CALLS,
            );
        let __async_hygiene_acquired =
            ::async_hygiene::__private::bounded_acquire_own(&__ASYNC_HYGIENE_LIMIT).await;
        __async_hygiene_acquired
    };
    self.pool.run(image).await;
}
