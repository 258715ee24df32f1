//! `#[concurrent]`: NOT YET IMPLEMENTED (placeholder owned by the concurrent work item).

use proc_macro2::TokenStream;

/// Placeholder: reports that the attribute is not implemented and keeps the item.
pub(crate) fn expand(_args: TokenStream, item: TokenStream) -> TokenStream {
    let error = syn::Error::new(
        proc_macro2::Span::call_site(),
        "`#[concurrent]` is not implemented yet",
    )
    .into_compile_error();
    quote::quote!(#error #item)
}
