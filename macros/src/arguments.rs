//! What every attribute's argument parser shares, so each check is written once: an
//! argument given twice, a count that is zero, a key the attribute does not know, an
//! attribute that takes no arguments. Each attribute's `impl Parse` struct calls these
//! from its setters (`set_limit`, `set_timeout`, …, as tokio-macros' `Configuration`
//! does) and collects every problem in one [`Errors`], so all of them are reported at once.

use std::fmt::Display;

use proc_macro2::{Span, TokenStream};
use syn::parse::ParseStream;
use syn::LitInt;

use crate::errors::Errors;

/// Stores the first value of the argument `name`; a second one is reported at its key.
pub(crate) fn set_once<T>(
    slot: &mut Option<T>,
    value: T,
    key: Span,
    name: &str,
    errors: &mut Errors,
) {
    if slot.is_some() {
        errors.push(syn::Error::new(key, format!("duplicate argument `{name}`")));
    } else {
        *slot = Some(value);
    }
}

/// An argument key the attribute does not take; `accepted` follows, saying what it does.
pub(crate) fn unknown_argument(key: Span, name: impl Display, accepted: &str) -> syn::Error {
    syn::Error::new(key, format!("unknown argument `{name}`{accepted}"))
}

/// Why an integer literal is not a count of things that may run at once.
pub(crate) enum CountError {
    /// `0`: nothing could ever run.
    Zero,
    /// Not a base-10 number that fits in `u128` (syn's error).
    Invalid(syn::Error),
}

/// The value of a count literal (`8`, `8usize`), which must be at least 1.
pub(crate) fn nonzero_count(literal: &LitInt) -> Result<u128, CountError> {
    match literal.base10_parse::<u128>() {
        Ok(0) => Err(CountError::Zero),
        Ok(count) => Ok(count),
        Err(error) => Err(CountError::Invalid(error)),
    }
}

/// For an attribute that takes no arguments: an error spanning all of them, if any.
pub(crate) fn no_arguments(input: ParseStream<'_>, usage: &str) -> syn::Result<()> {
    if input.is_empty() {
        return Ok(());
    }
    let arguments: TokenStream = input.parse()?;
    Err(syn::Error::new_spanned(arguments, usage))
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse::Parser;

    #[test]
    fn a_second_value_is_reported_and_the_first_kept() {
        let mut errors = Errors::default();
        let mut slot = None;
        set_once(&mut slot, 1, Span::call_site(), "limit", &mut errors);
        assert!(errors.is_empty());
        set_once(&mut slot, 2, Span::call_site(), "limit", &mut errors);
        assert_eq!(slot, Some(1));
        let error = errors.finish(()).expect_err("a duplicate");
        assert_eq!(error.to_string(), "duplicate argument `limit`");
    }

    #[test]
    fn counts_are_at_least_one() {
        let count = |text: &str| nonzero_count(&syn::parse_str::<LitInt>(text).expect("a literal"));
        assert!(matches!(count("8"), Ok(8)));
        assert!(matches!(count("8usize"), Ok(8)));
        assert!(matches!(count("0"), Err(CountError::Zero)));
        assert!(matches!(
            count("999999999999999999999999999999999999999999"),
            Err(CountError::Invalid(_))
        ));
    }

    #[test]
    fn arguments_to_an_attribute_without_any_are_one_error() {
        let parse = |input: ParseStream<'_>| no_arguments(input, "takes no arguments");
        assert!(parse.parse2(TokenStream::new()).is_ok());
        let error = parse
            .parse2(quote::quote!(threads = 2, x))
            .expect_err("arguments");
        assert_eq!(error.to_string(), "takes no arguments");
        assert_eq!(
            unknown_argument(Span::call_site(), "lmit", "; try `limit`").to_string(),
            "unknown argument `lmit`; try `limit`"
        );
    }
}
