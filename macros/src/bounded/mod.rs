//! `#[bounded(n)]`: at most `n` executions of an async fn's body at once, across all callers.
//!
//! Parse (`BoundedArgs`) → validate against the function (`validate`) → expand
//! (`expand_bounded`). Every problem is collected and reported together, next to the
//! unchanged item so that the rest of the crate still type-checks.

mod args;
mod expand;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ItemFn;

use async_hygiene_analysis::shape::{self, Classified, FnShape};

use self::args::{BoundedArgs, LimitSource};
use self::expand::expand_bounded;
use crate::errors::{with_errors, Errors};
use crate::item::find_attribute;

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let parsed_args = syn::parse2::<BoundedArgs>(args);
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
                *function.block = crate::watchdog_hook::plain_body(*function.block);
                function.into_token_stream().to_string()
            }
            Err(_) => expanded.to_string(),
        }
    }

    fn errors_of(args: &str, item: &str) -> Vec<String> {
        let args: TokenStream = args.parse().unwrap_or_default();
        let item: TokenStream = item.parse().unwrap_or_default();
        let function: ItemFn = syn::parse2(item).expect("test items parse");
        let result = syn::parse2::<BoundedArgs>(args).and_then(|args| validate(&args, &function));
        match result {
            Ok(()) => Vec::new(),
            Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    const ITEM: &str = "async fn f() -> Result<(), E> { work().await }";

    #[test]
    #[cfg(feature = "watchdog")]
    fn the_watch_of_an_async_trait_method_wraps_the_acquire_inside_the_boxed_future() {
        // The snapshots show the expansion without the watch; this is where it goes.
        let item = "fn f<'life0, 'async_trait>(&'life0 self) \
                    -> Pin<Box<dyn Future<Output = u8> + Send + 'async_trait>> { \
                    Box::pin(async move { let __ret: u8 = { 1 }; __ret }) }";
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
            watched
                .contains("body = { let __async_hygiene_permit = { static __ASYNC_HYGIENE_LIMIT"),
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

    #[test]
    fn snapshots() {
        crate::snapshots::check("bounded", |args, item| {
            crate::snapshots::without_watch(super::expand(args, item))
        });
    }
}
