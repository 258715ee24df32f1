//! Every problem an attribute finds, reported at once, next to the item as written.

use std::fmt::Display;

use proc_macro2::TokenStream;
use quote::ToTokens;

/// Collects errors and combines them into one `syn::Error` (one `compile_error!` each).
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(existing) => existing.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn push_spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// `Ok(value)` when nothing was pushed, else every error pushed.
    pub(crate) fn finish<T>(self, value: T) -> syn::Result<T> {
        self.0.map_or(Ok(value), Err)
    }

    pub(crate) fn into_error(self) -> Option<syn::Error> {
        self.0
    }

    /// Every error pushed, then `last`.
    pub(crate) fn ending_with(self, last: syn::Error) -> syn::Error {
        match self.0 {
            Some(mut all) => {
                all.combine(last);
                all
            }
            None => last,
        }
    }
}

impl Extend<syn::Error> for Errors {
    fn extend<I: IntoIterator<Item = syn::Error>>(&mut self, errors: I) {
        for error in errors {
            self.push(error);
        }
    }
}

impl FromIterator<syn::Error> for Errors {
    fn from_iter<I: IntoIterator<Item = syn::Error>>(errors: I) -> Self {
        let mut all = Self::default();
        all.extend(errors);
        all
    }
}

/// The errors as `compile_error!`s, then `item` unchanged: the rest of the crate still
/// type-checks against it and rust-analyzer keeps working.
pub(crate) fn with_errors(error: &syn::Error, item: impl ToTokens) -> TokenStream {
    let mut tokens = error.to_compile_error();
    item.to_tokens(&mut tokens);
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::Span;
    use quote::quote;

    #[test]
    fn every_error_is_kept_in_order_and_the_item_follows() {
        let mut errors = Errors::default();
        assert!(errors.is_empty());
        errors.push(syn::Error::new(Span::call_site(), "first"));
        errors.push_spanned(quote!(x), "second");
        errors.extend([syn::Error::new(Span::call_site(), "third")]);
        let error = errors.finish(()).expect_err("three errors");
        let messages: Vec<String> = error.clone().into_iter().map(|e| e.to_string()).collect();
        assert_eq!(messages, ["first", "second", "third"]);
        let out = with_errors(
            &error,
            quote!(
                struct S;
            ),
        )
        .to_string();
        assert_eq!(out.matches("compile_error").count(), 3, "{out}");
        assert!(out.ends_with("struct S ;"), "{out}");
        assert_eq!(Errors::default().finish(7).ok(), Some(7));
    }
}
