//! The arguments of `#[background(...)]`.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, LitInt, Path, Token};

use crate::arguments::{nonzero_count, set_once, unknown_argument, CountError};
use crate::errors::Errors;

pub(crate) const ACCEPTED_FORMS: &str = "`#[background]` accepts:\n\
    - `#[background]`: spawn onto the current registry\n\
    - `#[background(limit = 8)]` or `#[background(limit = MAX_JOBS)]`: at most that many \
    bodies at once (a positive integer literal, or a path to a `const` of type `usize`), \
    or `#[background(limit = DB)]`: a shared `static DB: async_hygiene::limit::Limit`; \
    the function becomes `async` and its call waits for a free permit\n\
    - `#[background(registry = REGISTRY)]`: spawn onto an explicit \
    `async_hygiene::registry::Registry` (any expression that derefs to one)\n\
    - both, separated by a comma";

mod keyword {
    syn::custom_keyword!(limit);
    syn::custom_keyword!(registry);
}

/// The limit of `#[background(limit = …)]`: a count, or a path to a `const` count or a
/// shared `static Limit` (told apart by its type in the expansion).
pub(crate) enum Limit {
    Literal(LitInt),
    Const(Path),
}

/// `#[background(…)]`'s arguments, checked: every problem is reported at once.
#[derive(Default)]
pub(crate) struct BackgroundArgs {
    pub(crate) limit: Option<Limit>,
    pub(crate) registry: Option<Expr>,
}

impl Parse for BackgroundArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut builder = Builder::default();
        match builder.parse_each(input) {
            Ok(()) => builder.errors.finish(builder.args),
            // syn's own messages ("expected `=`") do not say what the attribute accepts.
            Err(syntax_error) => Err(builder.errors.ending_with(syn::Error::new(
                syntax_error.span(),
                format!("{syntax_error}; {ACCEPTED_FORMS}"),
            ))),
        }
    }
}

/// The arguments as they are read, one setter per argument.
#[derive(Default)]
struct Builder {
    args: BackgroundArgs,
    errors: Errors,
}

impl Builder {
    /// `Err` only where the tokens are not `key = value` pairs.
    fn parse_each(&mut self, input: ParseStream<'_>) -> syn::Result<()> {
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(keyword::limit) {
                let key: keyword::limit = input.parse()?;
                input.parse::<Token![=]>()?;
                let limit = parse_limit(input)?;
                self.set_limit(key.span, limit);
            } else if lookahead.peek(keyword::registry) {
                let key: keyword::registry = input.parse()?;
                input.parse::<Token![=]>()?;
                let registry: Expr = input.parse()?;
                set_once(
                    &mut self.args.registry,
                    registry,
                    key.span,
                    "registry",
                    &mut self.errors,
                );
            } else {
                let unknown: proc_macro2::TokenTree = input.parse()?;
                self.errors.push(unknown_argument(
                    unknown.span(),
                    &unknown,
                    &format!("; {ACCEPTED_FORMS}"),
                ));
                // Skip its value, so the arguments after it are still checked.
                while !input.is_empty() && !input.peek(Token![,]) {
                    input.parse::<proc_macro2::TokenTree>()?;
                }
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(())
    }

    fn set_limit(&mut self, key: Span, limit: syn::Result<Limit>) {
        match limit {
            Ok(limit) => set_once(&mut self.args.limit, limit, key, "limit", &mut self.errors),
            Err(error) => self.errors.push(error),
        }
    }
}

/// The outer `Result` is a syntax error; the inner one a value that parsed but is not a
/// valid limit, reported while the remaining arguments are still checked.
fn parse_limit(input: ParseStream<'_>) -> syn::Result<syn::Result<Limit>> {
    if input.peek(Token![-]) {
        let minus: Token![-] = input.parse()?;
        let literal: LitInt = input.parse()?;
        // Spanned on `-` through the number, so the whole value is underlined.
        return Ok(Err(syn::Error::new_spanned(
            quote::quote!(#minus #literal),
            format!("`limit` must be positive (how many bodies may run at once), not -{literal}"),
        )));
    }
    if input.peek(LitInt) {
        let literal: LitInt = input.parse()?;
        return Ok(match nonzero_count(&literal) {
            Ok(count) if usize::try_from(count).is_ok() => Ok(Limit::Literal(literal)),
            Ok(_) => Err(syn::Error::new(
                literal.span(),
                format!("`limit` must be a `usize`: at most {}", usize::MAX),
            )),
            Err(CountError::Zero) => Err(syn::Error::new(
                literal.span(),
                "`limit` may not be 0: no job could ever run",
            )),
            Err(CountError::Invalid(error)) => Err(syn::Error::new(
                literal.span(),
                format!("`limit` must be a `usize`: {error}"),
            )),
        });
    }
    if input.peek(syn::Ident) || input.peek(Token![::]) || input.peek(Token![crate]) {
        return Ok(Ok(Limit::Const(input.call(Path::parse_mod_style)?)));
    }
    let value: Expr = input.parse()?;
    Ok(Err(syn::Error::new_spanned(
        value,
        "`limit` must be a positive integer literal, a path to a `const` of type `usize`, or a path to a `static` `Limit`",
    )))
}

impl Limit {
    pub(crate) fn span(&self) -> Span {
        match self {
            Self::Literal(literal) => literal.span(),
            Self::Const(path) => syn::spanned::Spanned::span(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::TokenStream;
    use quote::quote;

    fn parse(args: TokenStream) -> syn::Result<BackgroundArgs> {
        syn::parse2(args)
    }

    fn message(args: TokenStream) -> String {
        match parse(args) {
            Ok(_) => String::from("ok"),
            Err(error) => error
                .into_iter()
                .map(|error| error.to_string())
                .collect::<Vec<_>>()
                .join(" | "),
        }
    }

    #[test]
    fn accepted_forms() {
        let args = parse(quote!()).unwrap();
        assert!(args.limit.is_none() && args.registry.is_none());
        let args = parse(quote!(limit = 8, registry = crate::JOBS)).unwrap();
        assert!(matches!(args.limit, Some(Limit::Literal(_))));
        assert!(args.registry.is_some());
        let args = parse(quote!(registry = jobs(), limit = MAX_JOBS,)).unwrap();
        assert!(matches!(args.limit, Some(Limit::Const(_))));
    }

    #[test]
    fn rejected_forms_say_what_is_accepted() {
        assert!(message(quote!(limit = 0)).contains("may not be 0"));
        assert!(message(quote!(limit = -3))
            .contains("must be positive (how many bodies may run at once), not -3"));
        assert!(
            message(quote!(limit = "8")).contains("positive integer literal, a path to a `const`")
        );
        assert!(message(quote!(limit = 1, limit = 2)).contains("duplicate argument `limit`"));
        let unknown = message(quote!(lmit = 2));
        assert!(unknown.contains("unknown argument `lmit`"), "{unknown}");
        assert!(unknown.contains("#[background(limit = 8)]"));
        assert!(message(quote!(limit 8)).starts_with("expected `=`; `#[background]` accepts"));
        assert_eq!(
            message(quote!(limit = 0, lmit = 2)).matches(" | ").count(),
            1
        );
    }
}
