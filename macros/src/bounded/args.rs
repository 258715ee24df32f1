//! `#[bounded(…)]`'s arguments: a capacity (`8`, `MAX_CALLS`) or a shared `limit = DB`,
//! and an optional `timeout`, read into [`BoundedArgs`] with every problem reported at once.

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ExprPath, ExprUnary, Ident, Lit, LitInt, Token, UnOp};

use crate::arguments::{nonzero_count, set_once, unknown_argument, CountError};
use crate::errors::Errors;
use crate::private::Private;

pub(super) const ACCEPTED_FORMS: &str = "accepted forms:\n\
    - `#[bounded(8)]`: a positive integer literal\n\
    - `#[bounded(MAX_CALLS)]`: a path to a `const` of type `usize`\n\
    - `#[bounded(limit = DB)]`: a shared `async_hygiene::limit::Limit`, e.g. `static DB: Limit = Limit::new(\"db\", 8);`\n\
    each optionally followed by `, timeout = \"250ms\"` (units ns, us, ms, s, m, h) or \
    `, timeout = <expression of type Duration>`";

/// The largest capacity tokio's semaphore accepts (`Semaphore::MAX_PERMITS`).
const MAX_PERMITS: u128 = (usize::MAX >> 3) as u128;

/// Where the permit comes from.
pub(super) enum LimitSource {
    /// `#[bounded(8)]` / `#[bounded(MAX)]`: a `static` declared inside the function.
    Own { capacity: TokenStream },
    /// `#[bounded(limit = DB)]`: a limit the user declared, evaluated inside the body.
    Shared { key: Ident, limit: Box<Expr> },
}

pub(super) struct Timeout {
    pub(super) key: Ident,
    /// An expression of type `core::time::Duration`.
    pub(super) duration: TokenStream,
}

/// `#[bounded(…)]`'s arguments, checked: every problem is reported at once.
pub(super) struct BoundedArgs {
    pub(super) source: LimitSource,
    pub(super) timeout: Option<Timeout>,
}

impl Parse for BoundedArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let args_span = {
            let args = input.cursor().token_stream();
            if args.is_empty() {
                Span::call_site()
            } else {
                args.span()
            }
        };
        let mut builder = Builder::default();
        match builder.parse_each(input) {
            Ok(()) => builder.build(args_span),
            Err(mut syntax_error) => {
                // The tokens are not even `key = value` pairs: say what would have been
                // right, after what was already found wrong.
                syntax_error.combine(syn::Error::new(args_span, ACCEPTED_FORMS));
                Err(builder.errors.ending_with(syntax_error))
            }
        }
    }
}

/// The arguments as they are read, one setter per argument.
#[derive(Default)]
struct Builder {
    capacity: Option<(TokenStream, Span)>,
    shared: Option<(Ident, Expr)>,
    timeout: Option<Timeout>,
    errors: Errors,
}

impl Builder {
    /// `Err` only where the tokens are not `value` or `key = value` pairs.
    fn parse_each(&mut self, input: ParseStream<'_>) -> syn::Result<()> {
        while !input.is_empty() {
            if input.peek(Ident) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
                let key: Ident = input.parse()?;
                input.parse::<Token![=]>()?;
                let value: Expr = input.parse()?;
                match key.to_string().as_str() {
                    "limit" => self.set_limit(key, value),
                    "timeout" => self.set_timeout(key, &value),
                    unknown => self.errors.push(unknown_argument(
                        key.span(),
                        unknown,
                        &format!(" for `#[bounded]`; {ACCEPTED_FORMS}"),
                    )),
                }
            } else {
                let value: Expr = input.parse()?;
                self.set_capacity(&value);
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(())
    }

    fn set_capacity(&mut self, value: &Expr) {
        match parse_capacity(value) {
            Ok(tokens) if self.capacity.is_none() => self.capacity = Some((tokens, value.span())),
            Ok(_) => self.errors.push_spanned(
                value,
                "duplicate limit: `#[bounded]` takes one capacity; to share one limit \
                 between functions, use `limit = NAME`",
            ),
            Err(error) => self.errors.push(error),
        }
    }

    fn set_limit(&mut self, key: Ident, limit: Expr) {
        let span = key.span();
        set_once(
            &mut self.shared,
            (key, limit),
            span,
            "limit",
            &mut self.errors,
        );
    }

    fn set_timeout(&mut self, key: Ident, value: &Expr) {
        match parse_timeout(value) {
            Ok(duration) => {
                let span = key.span();
                let timeout = Timeout { key, duration };
                set_once(
                    &mut self.timeout,
                    timeout,
                    span,
                    "timeout",
                    &mut self.errors,
                );
            }
            Err(error) => self.errors.push(error),
        }
    }

    fn build(mut self, args_span: Span) -> syn::Result<BoundedArgs> {
        let source = match (self.capacity, self.shared) {
            (Some((capacity, _)), None) => Some(LimitSource::Own { capacity }),
            (None, Some((key, limit))) => Some(LimitSource::Shared {
                key,
                limit: Box::new(limit),
            }),
            (Some((_, span)), Some((key, _))) => {
                self.errors.push(syn::Error::new(
                    span,
                    "give either a capacity or `limit = …`, not both: a shared limit already has its capacity",
                ));
                self.errors.push_spanned(&key, "`limit` given here");
                None
            }
            (None, None) => {
                if self.errors.is_empty() {
                    self.errors.push(syn::Error::new(
                        args_span,
                        format!("`#[bounded]` needs a limit; {ACCEPTED_FORMS}"),
                    ));
                }
                None
            }
        };
        match (self.errors.into_error(), source) {
            (None, Some(source)) => Ok(BoundedArgs {
                source,
                timeout: self.timeout,
            }),
            (Some(error), _) => Err(error),
            // `source` is only `None` after an error was pushed.
            (None, None) => Err(syn::Error::new(args_span, ACCEPTED_FORMS)),
        }
    }
}

fn parse_capacity(value: &Expr) -> syn::Result<TokenStream> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => {
            let suffix = int.suffix();
            if !(suffix.is_empty() || suffix == "usize") {
                return Err(syn::Error::new_spanned(
                    int,
                    format!("the capacity is a `usize`; drop the `{suffix}` suffix"),
                ));
            }
            let capacity = match nonzero_count(int) {
                Ok(capacity) => capacity,
                Err(CountError::Zero) => {
                    return Err(syn::Error::new_spanned(
                        int,
                        "`#[bounded(0)]` would make every call wait forever; the capacity must be at least 1",
                    ))
                }
                Err(CountError::Invalid(error)) => return Err(error),
            };
            if capacity > MAX_PERMITS {
                return Err(syn::Error::new_spanned(
                    int,
                    format!("the capacity must be at most {MAX_PERMITS} (tokio's `Semaphore::MAX_PERMITS`)"),
                ));
            }
            Ok(LitInt::new(&capacity.to_string(), int.span()).into_token_stream())
        }
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) if matches!(**expr, Expr::Lit(_)) => Err(syn::Error::new_spanned(
            value,
            "the capacity cannot be negative; it counts how many calls may run at once (at least 1)",
        )),
        Expr::Path(ExprPath {
            qself: None, path, ..
        }) => {
            if let Some(key) = path.get_ident().filter(|key| *key == "limit" || *key == "timeout") {
                let example = if key == "limit" { "DB" } else { "\"250ms\"" };
                return Err(syn::Error::new_spanned(
                    key,
                    format!("`{key}` needs a value: `{key} = {example}`; {ACCEPTED_FORMS}"),
                ));
            }
            if let Some(self_segment) = path.segments.iter().find(|s| s.ident == "Self") {
                return Err(syn::Error::new_spanned(
                    &self_segment.ident,
                    "the limit is a `static` shared by every call, so its capacity cannot use \
                     `Self`; name a `const` outside the impl, e.g. `#[bounded(MAX_CALLS)]`",
                ));
            }
            Ok(path.to_token_stream())
        }
        _ => Err(syn::Error::new_spanned(
            value,
            format!("expected a positive integer literal or a const path; {ACCEPTED_FORMS}"),
        )),
    }
}

/// Reads `timeout = "250ms"` at compile time; any other expression is used as a `Duration`.
fn parse_timeout(value: &Expr) -> syn::Result<TokenStream> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) => {
            let nanos = parse_duration_nanos(&text.value()).ok_or_else(|| {
                syn::Error::new_spanned(
                    text,
                    "expected a duration such as \"250ms\", \"2s\" or \"1m\" \
                     (an integer and one of the units ns, us, ms, s, m, h)",
                )
            })?;
            Ok(duration_tokens(nanos))
        }
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => Err(syn::Error::new_spanned(
            int,
            format!(
                "a bare number has no unit; write `timeout = \"{}ms\"` or `timeout = \"{}s\"`",
                int.base10_digits(),
                int.base10_digits()
            ),
        )),
        other => Ok(other.to_token_stream()),
    }
}

/// `Duration::from_<largest exact unit>(n)`, spanned at the call site: it is generated code,
/// and clippy's unit lints should not flag the user's string literal.
fn duration_tokens(nanos: u64) -> TokenStream {
    let (constructor, amount) = [
        ("from_secs", 1_000_000_000),
        ("from_millis", 1_000_000),
        ("from_micros", 1_000),
    ]
    .into_iter()
    .find(|(_, per_unit)| nanos % per_unit == 0)
    .map_or(("from_nanos", nanos), |(constructor, per_unit)| {
        (constructor, nanos / per_unit)
    });
    let constructor = Ident::new(constructor, Span::call_site());
    let amount = LitInt::new(&format!("{amount}u64"), Span::call_site());
    let private = Private::call_site();
    quote!(#private::core::time::Duration::#constructor(#amount))
}

fn parse_duration_nanos(text: &str) -> Option<u64> {
    let digits_end = text.find(|c: char| !c.is_ascii_digit())?;
    let (amount, unit) = text.split_at(digits_end);
    let amount: u64 = amount.parse().ok()?;
    let nanos_per_unit: u64 = match unit {
        "ns" => 1,
        "us" | "µs" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60 * 1_000_000_000,
        "h" => 3_600 * 1_000_000_000,
        _ => return None,
    };
    amount.checked_mul(nanos_per_unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_an_integer_and_a_unit() {
        assert_eq!(parse_duration_nanos("250ms"), Some(250_000_000));
        assert_eq!(parse_duration_nanos("2s"), Some(2_000_000_000));
        assert_eq!(parse_duration_nanos("1h"), Some(3_600_000_000_000));
        assert_eq!(parse_duration_nanos("10"), None);
        assert_eq!(parse_duration_nanos("ms"), None);
        assert_eq!(parse_duration_nanos("5 ms"), None);
        assert_eq!(parse_duration_nanos("18446744073709551615h"), None);
        // The largest exact unit, spelled as generated code.
        assert_eq!(
            duration_tokens(120_000_000_000).to_string(),
            ":: async_hygiene :: __private :: core :: time :: Duration :: from_secs (120u64)"
        );
        assert!(duration_tokens(7)
            .to_string()
            .ends_with("from_nanos (7u64)"));
    }
}
