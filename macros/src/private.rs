//! `::async_hygiene::__private`: the one path generated code names (users depend on the
//! facade alone, which re-exports the runtime and `core`/`tokio` there).

use proc_macro2::{Span, TokenStream};
use quote::{quote_spanned, ToTokens};

/// `::async_hygiene::__private`, every token carrying one span: `quote!(#private::core::concat!(..))`.
///
/// The span decides where rustc points when the generated path's item fails to type-check
/// (a `limit` that is not a `Limit`): use the span of the user's token the call comes from,
/// or [`Private::call_site`] for the attribute's own code.
#[derive(Clone, Copy)]
pub(crate) struct Private(Span);

impl Private {
    /// Spanned at the attribute.
    pub(crate) fn call_site() -> Self {
        Self(Span::call_site())
    }

    /// Spanned at `span`.
    pub(crate) fn at(span: Span) -> Self {
        Self(span)
    }
}

impl ToTokens for Private {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(quote_spanned!(self.0=> ::async_hygiene::__private));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn interpolates_as_the_absolute_path() {
        let private = Private::call_site();
        assert_eq!(
            quote!(#private::core::file!()).to_string(),
            ":: async_hygiene :: __private :: core :: file ! ()"
        );
    }
}
