//! `#[bounded(n)]`: at most `n` executions of an async fn's body at once, across all callers.
//!
//! Parse (`BoundedArgs`) → validate against the function (`validate`) → expand
//! (`expand_bounded`). Every problem is collected and reported together, next to the
//! unchanged item so that the rest of the crate still type-checks.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;

use async_hygiene_analysis::shape::{self, Classified, FnShape};

use crate::errors::{with_errors, Errors};
use crate::item::find_attribute;
use crate::private::Private;
use crate::watchdog_hook;
use syn::{Block, Expr, ExprLit, ExprPath, ExprUnary, Ident, ItemFn, Lit, LitInt, Token, UnOp};

const ACCEPTED_FORMS: &str = "accepted forms:\n\
    - `#[bounded(8)]`: a positive integer literal\n\
    - `#[bounded(MAX_CALLS)]`: a path to a `const` of type `usize`\n\
    - `#[bounded(limit = DB)]`: a shared `async_hygiene::limit::Limit`, e.g. `static DB: Limit = Limit::new(\"db\", 8);`\n\
    each optionally followed by `, timeout = \"250ms\"` (units ns, us, ms, s, m, h) or \
    `, timeout = <expression of type Duration>`";

/// The largest capacity tokio's semaphore accepts (`Semaphore::MAX_PERMITS`).
const MAX_PERMITS: u128 = (usize::MAX >> 3) as u128;

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let parsed_args = parse_args(args);
    let (function, shape) = match shape::classify(&item) {
        Classified::Fn(function, shape) => (*function, shape),
        Classified::FnWithInvalidBody => {
            // A syntax error inside the body: emit the item untouched and let rustc report
            // its own, precise error, next to ours about the arguments if any.
            return match parsed_args {
                Ok(_) => item,
                Err(error) => with_errors(&error, &item),
            };
        }
        Classified::NotAFn(_) => {
            let mut error = syn::Error::new(
                Span::call_site(),
                "`#[bounded]` applies to an `async fn` with a body",
            );
            if let Err(args_error) = parsed_args {
                error.combine(args_error);
            }
            return with_errors(&error, &item);
        }
    };
    let args = parsed_args.and_then(|args| {
        validate(&args, &function)?;
        Ok(args)
    });
    let has_async_body = shape.async_body(&function.block).is_some();
    let args = match (args, has_async_body) {
        (Ok(args), true) => args,
        (Ok(_), false) => return with_errors(&not_async_error(&function, shape), &item),
        (Err(mut error), has_async_body) => {
            if !has_async_body {
                error.combine(not_async_error(&function, shape));
            }
            return with_errors(&error, &item);
        }
    };
    expand_bounded(&args, function).into_token_stream()
}

fn not_async_error(function: &ItemFn, shape: FnShape) -> syn::Error {
    if shape == FnShape::RuntimeEntry {
        // The source says `async fn`: the attribute above ours already rewrote it. Point
        // at our attribute, whose position is the mistake.
        return syn::Error::new(
            Span::call_site(),
            "`#[bounded]` must be placed above `#[tokio::main]`/`#[tokio::test]`: that \
             attribute ran first and already turned the `async fn` into a sync fn that \
             builds a runtime, so there is no async body left to bound",
        );
    }
    syn::Error::new_spanned(
        function.sig.fn_token,
        "`#[bounded]` applies to an `async fn`; for a CPU-heavy sync fn, put `#[offload]` \
         above `#[bounded]` to make it async first",
    )
}

/// Where the permit comes from.
enum LimitSource {
    /// `#[bounded(8)]` / `#[bounded(MAX)]`: a `static` declared inside the function.
    Own { capacity: TokenStream },
    /// `#[bounded(limit = DB)]`: a limit the user declared, evaluated inside the body.
    Shared { key: Ident, limit: Expr },
}

struct Timeout {
    key: Ident,
    /// An expression of type `core::time::Duration`.
    duration: TokenStream,
}

struct BoundedArgs {
    source: LimitSource,
    timeout: Option<Timeout>,
}

fn parse_args(args: TokenStream) -> syn::Result<BoundedArgs> {
    let args_span = if args.is_empty() {
        Span::call_site()
    } else {
        args.span()
    };
    let parser = |input: ParseStream<'_>| parse_args_from(input, args_span);
    match parser.parse2(args) {
        Ok(checked) => checked,
        Err(mut syntax_error) => {
            // The tokens are not even `key = value` pairs: say what would have been right.
            syntax_error.combine(syn::Error::new(args_span, ACCEPTED_FORMS));
            Err(syntax_error)
        }
    }
}

/// Outer `Err`: the arguments do not parse. Inner `Err`: they parse, but are wrong.
fn parse_args_from(
    input: ParseStream<'_>,
    args_span: Span,
) -> syn::Result<syn::Result<BoundedArgs>> {
    let mut errors = Errors::default();
    let mut capacity: Option<(TokenStream, Span)> = None;
    let mut shared: Option<(Ident, Expr)> = None;
    let mut timeout: Option<Timeout> = None;

    while !input.is_empty() {
        if input.peek(Ident) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            match key.to_string().as_str() {
                "limit" => {
                    let limit: Expr = input.parse()?;
                    if shared.is_some() {
                        errors.push_spanned(&key, "duplicate argument `limit`");
                    } else {
                        shared = Some((key, limit));
                    }
                }
                "timeout" => {
                    let value: Expr = input.parse()?;
                    match parse_timeout(&value) {
                        Ok(duration) if timeout.is_none() => {
                            timeout = Some(Timeout { key, duration });
                        }
                        Ok(_) => errors.push_spanned(&key, "duplicate argument `timeout`"),
                        Err(error) => errors.push(error),
                    }
                }
                unknown => {
                    input.parse::<Expr>()?;
                    errors.push_spanned(
                        &key,
                        format!("unknown argument `{unknown}` for `#[bounded]`; {ACCEPTED_FORMS}"),
                    );
                }
            }
        } else {
            let value: Expr = input.parse()?;
            match parse_capacity(&value) {
                Ok(tokens) if capacity.is_none() => capacity = Some((tokens, value.span())),
                Ok(_) => errors.push_spanned(
                    &value,
                    "duplicate limit: `#[bounded]` takes one capacity; to share one limit \
                     between functions, use `limit = NAME`",
                ),
                Err(error) => errors.push(error),
            }
        }
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    }

    let source = match (capacity, shared) {
        (Some((capacity, _)), None) => Some(LimitSource::Own { capacity }),
        (None, Some((key, limit))) => Some(LimitSource::Shared { key, limit }),
        (Some((_, span)), Some((key, _))) => {
            errors.push(syn::Error::new(
                span,
                "give either a capacity or `limit = …`, not both: a shared limit already has its capacity",
            ));
            errors.push_spanned(&key, "`limit` given here");
            None
        }
        (None, None) => {
            if errors.is_empty() {
                errors.push(syn::Error::new(
                    args_span,
                    format!("`#[bounded]` needs a limit; {ACCEPTED_FORMS}"),
                ));
            }
            None
        }
    };
    Ok(match (errors.into_error(), source) {
        (None, Some(source)) => Ok(BoundedArgs { source, timeout }),
        (Some(error), _) => Err(error),
        // `source` is only `None` after an error was pushed.
        (None, None) => Err(syn::Error::new(args_span, ACCEPTED_FORMS)),
    })
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
            let capacity: u128 = int.base10_parse()?;
            if capacity == 0 {
                return Err(syn::Error::new_spanned(
                    int,
                    "`#[bounded(0)]` would make every call wait forever; the capacity must be at least 1",
                ));
            }
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

/// Checks the arguments against the function they annotate.
fn validate(args: &BoundedArgs, function: &ItemFn) -> syn::Result<()> {
    let mut errors = Errors::default();
    if let LimitSource::Own { capacity } = &args.source {
        let capacity = capacity.to_string();
        let generic = function
            .sig
            .generics
            .params
            .iter()
            .find_map(|param| match param {
                syn::GenericParam::Const(param) if param.ident == capacity => Some(&param.ident),
                _ => None,
            });
        if let Some(generic) = generic {
            errors.push_spanned(
                generic,
                "the limit is one `static` shared by every instantiation of this fn, so its \
                 capacity cannot be a const generic; use a `const` item",
            );
        }
    }
    if let Some(timeout) = &args.timeout {
        let returns_result_like = match &function.sig.output {
            syn::ReturnType::Default => false,
            syn::ReturnType::Type(_, ty) => matches!(**ty, syn::Type::Path(_)),
        };
        if !returns_result_like {
            errors.push_spanned(
                &timeout.key,
                format!(
                    "`timeout` returns `Err(E::from(LimitTimeout))` when no permit frees in time, \
                     so `{}` must return `Result<T, E>` with `E: From<async_hygiene::limit::LimitTimeout>`",
                    function.sig.ident
                ),
            );
        }
    }
    if let Some(other) = find_attribute(&function.attrs, "bounded") {
        errors.push_spanned(
            other,
            "`#[bounded]` given twice; to bound one function by two limits, acquire the second \
             inside the body with `LIMIT.acquire().await`",
        );
    }
    errors.finish(())
}

// Input:
//     #[bounded(8, timeout = "1s")]
//     async fn fetch(url: Url) -> Result<Page, Error> { body }
//
// Output:
//     async fn fetch(url: Url) -> Result<Page, Error> {
//         static __ASYNC_HYGIENE_LIMIT: BoundedLimit =
//             BoundedLimit::new(concat!(module_path!(), "::fetch"), 8);
//         let __async_hygiene_permit =
//             match bounded_acquire_own_timeout(&__ASYNC_HYGIENE_LIMIT, Duration::from_nanos(..)).await {
//                 Ok(permit) => permit,
//                 Err(timeout) => return Err(bounded_timeout_error(timeout)),
//             };
//         body
//     }
//
// The signature is untouched and the body stays the fn's own block, so `return`, `?`,
// return-type inference, `impl Trait` and `self` behave exactly as written. The permit is
// the first local, hence dropped last: it is held until the body's own locals are gone.
// `#[bounded(limit = DB)]` acquires `&(DB)` instead of declaring a static.
fn expand_bounded(args: &BoundedArgs, mut function: ItemFn) -> ItemFn {
    // Generated paths carry the span of the argument they come from, so a type error
    // (a `limit` that is not a `Limit`, an error type without `From<LimitTimeout>`, a const
    // capacity of 0) points at that argument rather than at the whole attribute.
    let private = Private::at;
    let permit = Ident::new("__async_hygiene_permit", Span::mixed_site());
    let (declare_limit, limit_ref, acquire_span, own) = match &args.source {
        LimitSource::Own { capacity } => {
            let limit = format_ident!("__ASYNC_HYGIENE_LIMIT");
            let name = function.sig.ident.to_string();
            let private = private(capacity.span());
            let declare = quote_spanned! {capacity.span()=>
                static #limit: #private::BoundedLimit = #private::BoundedLimit::new(
                    #private::core::concat!(#private::core::module_path!(), "::", #name),
                    #capacity,
                );
            };
            (Some(declare), quote!(&#limit), capacity.span(), true)
        }
        LimitSource::Shared { key, limit } => (
            None,
            quote_spanned!(limit.span()=> &(#limit)),
            key.span(),
            false,
        ),
    };
    let acquire = match (&args.timeout, own) {
        (None, own) => {
            let private = private(acquire_span);
            let acquire = if own {
                quote_spanned!(acquire_span=> bounded_acquire_own)
            } else {
                quote_spanned!(acquire_span=> bounded_acquire)
            };
            quote_spanned! {acquire_span=> #private::#acquire(#limit_ref).await }
        }
        (Some(Timeout { key, duration }), own) => {
            let private = private(key.span());
            let acquire_timeout = if own {
                quote_spanned!(key.span()=> bounded_acquire_own_timeout)
            } else {
                quote_spanned!(key.span()=> bounded_acquire_timeout)
            };
            let acquired = Ident::new("__async_hygiene_acquired", Span::mixed_site());
            let timed_out = Ident::new("__async_hygiene_timed_out", Span::mixed_site());
            quote_spanned! {key.span()=>
                match #private::#acquire_timeout(#limit_ref, #duration).await {
                    #private::core::result::Result::Ok(#acquired) => #acquired,
                    #private::core::result::Result::Err(#timed_out) => {
                        return #private::core::result::Result::Err(
                            #private::bounded_timeout_error(#timed_out),
                        );
                    }
                }
            }
        }
    };
    let prologue: Block = syn::parse_quote! {{
        #declare_limit
        let #permit = #acquire;
    }};
    // An attribute of ours above this one already wrapped the body in the watch: unwrap
    // it so the single watch added below covers the acquire too.
    let mut block = watchdog_hook::plain_body(*function.block);
    // The body whose execution is bounded: an `async fn`'s block, or the `async` block that
    // `#[async_trait]` (applied first, on the impl) left in `Box::pin(async move { … })`.
    if let Some(body) = shape::fn_shape(&function.sig, &block).async_body_mut(&mut block) {
        let mut stmts = prologue.stmts;
        stmts.append(&mut body.stmts);
        body.stmts = stmts;
    }
    function.block = Box::new(watchdog_hook::instrument_body(&function.sig, block));
    function
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expansion, without the watchdog's wrapper (tested by its own module).
    fn expand_str(args: &str, item: &str) -> String {
        let args: TokenStream = args.parse().unwrap_or_default();
        let item: TokenStream = item.parse().unwrap_or_default();
        let expanded = expand(args, item);
        match syn::parse2::<ItemFn>(expanded.clone()) {
            Ok(mut function) => {
                *function.block = watchdog_hook::plain_body(*function.block);
                function.into_token_stream().to_string()
            }
            Err(_) => expanded.to_string(),
        }
    }

    fn errors_of(args: &str, item: &str) -> Vec<String> {
        let args: TokenStream = args.parse().unwrap_or_default();
        let item: TokenStream = item.parse().unwrap_or_default();
        let function: ItemFn = syn::parse2(item).expect("test items parse");
        let result = parse_args(args).and_then(|args| validate(&args, &function));
        match result {
            Ok(()) => Vec::new(),
            Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    const ITEM: &str = "async fn f() -> Result<(), E> { work().await }";

    #[test]
    fn literal_capacity_declares_a_static_and_acquires_first() {
        let out = expand_str("8", "async fn f(x: u32) -> u32 { x + 1 }");
        let expected = "async fn f (x : u32) -> u32 { \
            static __ASYNC_HYGIENE_LIMIT : :: async_hygiene :: __private :: BoundedLimit = \
            :: async_hygiene :: __private :: BoundedLimit :: new (\
            :: async_hygiene :: __private :: core :: concat ! (\
            :: async_hygiene :: __private :: core :: module_path ! () , \"::\" , \"f\") , 8 ,) ; \
            let __async_hygiene_permit = :: async_hygiene :: __private :: bounded_acquire_own \
            (& __ASYNC_HYGIENE_LIMIT) . await ; \
            x + 1 }";
        assert_eq!(out, expected);
    }

    #[test]
    fn shared_limit_acquires_the_users_limit() {
        let out = expand_str("limit = self.db", "async fn f(&self) { g().await }");
        assert!(!out.contains("static"), "{out}");
        assert!(
            out.contains("bounded_acquire (& (self . db)) . await"),
            "{out}"
        );
    }

    #[test]
    fn timeout_string_is_read_at_compile_time() {
        let out = expand_str("2, timeout = \"250ms\"", ITEM);
        assert!(out.contains("Duration :: from_millis (250u64)"), "{out}");
        assert!(expand_str("1, timeout = \"2m\"", ITEM).contains("Duration :: from_secs (120u64)"));
        assert!(expand_str("1, timeout = \"7ns\"", ITEM).contains("Duration :: from_nanos (7u64)"));
        assert!(out.contains("return :: async_hygiene :: __private :: core :: result :: Result :: Err (:: async_hygiene :: __private :: bounded_timeout_error (__async_hygiene_timed_out) ,) ;"), "{out}");
        assert_eq!(parse_duration_nanos("2s"), Some(2_000_000_000));
        assert_eq!(parse_duration_nanos("1h"), Some(3_600_000_000_000));
        assert_eq!(parse_duration_nanos("10"), None);
        assert_eq!(parse_duration_nanos("ms"), None);
        assert_eq!(parse_duration_nanos("5 ms"), None);
    }

    #[test]
    fn async_trait_bodies_are_bounded_inside_the_boxed_block() {
        let item = "fn f<'life0, 'async_trait>(&'life0 self) \
                    -> Pin<Box<dyn Future<Output = u8> + Send + 'async_trait>> { \
                    Box::pin(async move { let __ret: u8 = { 1 }; __ret }) }";
        let out = expand_str("3", item);
        assert!(
            out.contains("Box :: pin (async move { static __ASYNC_HYGIENE_LIMIT"),
            "{out}"
        );
        // The watch goes inside the boxed future too, around the acquire.
        let watched = expand(
            "3".parse().unwrap_or_default(),
            item.parse().unwrap_or_default(),
        )
        .to_string();
        assert!(
            watched.contains(
                "Box :: pin (async move { :: async_hygiene :: __private :: watch_body ! (name = \"f\""
            ),
            "{watched}"
        );
        assert!(
            watched.contains("body = { static __ASYNC_HYGIENE_LIMIT"),
            "{watched}"
        );
    }

    #[test]
    fn every_misuse_is_reported_at_once() {
        let errors = errors_of("0, limit = DB, bogus = 1, timeout = 5", ITEM);
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert!(errors[0].starts_with("`#[bounded(0)]` would make every call wait forever"));
        assert!(errors[1].starts_with("unknown argument `bogus`"));
        assert!(errors[2].starts_with("a bare number has no unit"));
    }

    #[test]
    fn capacity_errors() {
        let first = |args: &str| errors_of(args, ITEM).into_iter().next().unwrap_or_default();
        assert!(first("-3").starts_with("the capacity cannot be negative"));
        assert!(first("2.5").starts_with("expected a positive integer literal or a const path"));
        assert!(first("8u8").starts_with("the capacity is a `usize`"));
        assert!(first("4, 5").starts_with("duplicate limit"));
        assert!(first("Self::MAX").contains("cannot use `Self`"));
        assert!(first("4, limit = DB").starts_with("give either a capacity or `limit = …`"));
        assert!(first("").starts_with("`#[bounded]` needs a limit"));
        assert!(first("limit = A, limit = B").starts_with("duplicate argument `limit`"));
        assert!(first("1, timeout = \"1s\", timeout = \"2s\"")
            .starts_with("duplicate argument `timeout`"));
        assert!(errors_of("MAX_DB", ITEM).is_empty());
        assert!(errors_of("limit = DB, timeout = Duration::from_secs(1)", ITEM).is_empty());
    }

    #[test]
    fn function_level_errors() {
        let unit = errors_of("1, timeout = \"1s\"", "async fn f() {}");
        assert!(
            unit[0].starts_with("`timeout` returns `Err(E::from(LimitTimeout))`"),
            "{unit:?}"
        );
        let generic = errors_of("N", "async fn f<const N: usize>() {}");
        assert!(
            generic[0].contains("cannot be a const generic"),
            "{generic:?}"
        );
        let twice = errors_of("1", "#[bounded(2)] async fn f() {}");
        assert!(
            twice[0].starts_with("`#[bounded]` given twice"),
            "{twice:?}"
        );
    }

    #[test]
    fn malformed_arguments_are_errors_never_panics() {
        for args in [
            "(",
            "limit =",
            "= 3",
            "timeout",
            ",",
            "8,,",
            "limit = DB,,",
            "8 9",
            "\"8\"",
            "timeout = \"\"",
            "timeout = \"18446744073709551615h\"",
            "99999999999999999999999",
            "-",
            "8; 9",
            "limit: DB",
        ] {
            let errors = errors_of(args, ITEM);
            assert!(!errors.is_empty(), "`{args}` was accepted");
            let out = expand_str(args, ITEM);
            assert!(out.contains("compile_error"), "{out}");
            assert!(
                out.ends_with("{ work () . await }"),
                "`{args}` lost the item: {out}"
            );
        }
        assert!(errors_of("8,", ITEM).is_empty(), "a trailing comma is fine");
    }

    #[test]
    fn errors_keep_the_original_item() {
        let out = expand_str("0", "async fn keep_me() {}");
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.ends_with("async fn keep_me () { }"), "{out}");
        let sync = expand_str("1", "fn sync_fn() {}");
        assert!(sync.contains("applies to an `async fn`"), "{sync}");
        assert!(sync.ends_with("fn sync_fn () { }"), "{sync}");
        let not_fn = expand_str("1", "struct S;");
        assert!(
            not_fn.contains("applies to an `async fn` with a body"),
            "{not_fn}"
        );
        assert!(not_fn.ends_with("struct S ;"), "{not_fn}");
        // A body that does not parse is left to rustc, untouched.
        assert_eq!(
            expand_str("1", "async fn f() { let = ; }"),
            "async fn f () { let = ; }"
        );
        let both = expand_str("0", "async fn f() { let = ; }");
        assert!(both.contains("compile_error"), "{both}");
        assert!(both.ends_with("async fn f () { let = ; }"), "{both}");
    }
}
