//! The poll watchdog hook shared by every attribute that keeps an async body.
//!
//! Contract (used by `no_blocking`, `concurrent`, `bounded`):
//! - call [`plain_body`] on the body of the item you receive, before analysing it: when
//!   another of our attributes ran first (it sits above yours), the body arrives already
//!   wrapped, and its statements are hidden inside a macro call;
//! - call [`instrument_body`] on the final body of an `async fn` and emit the returned
//!   block. Under `#[async_trait]`, which expands first and leaves a sync fn returning
//!   `Box::pin(async move { body })`, pass either the fn's whole block or the `async move`
//!   block's body: both are watched.
//!
//! Without this crate's `watchdog` feature (which the facade's `watchdog` feature turns
//! on, with the runtime's) the body is emitted exactly as written: not even through a
//! macro, since lints such as clippy's skip code that comes out of another crate's
//! `macro_rules!`, and a user's body must be linted as if no attribute were there. With
//! it, the block calls `::async_hygiene::__private::watch_body!`, a `macro_rules!` of the
//! runtime crate whose definition depends on the runtime's `watchdog` feature (without
//! it, should the two ever differ, the macro expands to the body itself).

use async_hygiene_analysis::shape::{self, FnShape};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::visit::Visit;
use syn::{
    token, Block, Expr, ExprMacro, GenericArgument, Macro, MacroDelimiter, PathArguments,
    ReturnType, Signature, Stmt, Type, TypeParamBound,
};

use crate::item::contains_impl_trait;
use crate::private::Private;

// The macros of the runtime crate that the emitted code calls, as the last path segment
// after `__private`: one list, shared with the blocking scanner, which looks into them.
use async_hygiene_analysis::blocking::WATCH_MACROS;

/// Wraps the body of the async fn `sig` so that the watchdog can time each poll.
///
/// Input:
/// ```text
/// async fn load(&self, id: u32) -> Result<User, Error> { body }
/// ```
/// Output (the signature is untouched; only the block is returned):
/// ```text
/// {
///     ::async_hygiene::__private::watch_body!(
///         name = "load",
///         site = (file!(), line!(), column!()),   // spanned at `load`
///         output = Result<User, Error>,
///         body = { body }
///     )
/// }
/// ```
/// `output` pins the type of the async block the watched expansion moves the body into,
/// so `?` and `return` infer as they do in the fn; it is left out when the return type
/// contains `impl Trait`, which cannot be named in the body. `line!()` and `column!()`
/// report the location of the span they carry: the fn's name.
///
/// An `#[async_trait]` method ([`FnShape::AsyncTrait`]: a sync fn whose tail is
/// `Box::pin(async move { … })`, hand-written ones included) is watched inside its boxed
/// future, with `output` read from `dyn Future<Output = T>`:
/// ```text
/// fn load<'life0, 'async_trait>(&'life0 self, id: u32)
///     -> Pin<Box<dyn Future<Output = Result<User, Error>> + Send + 'async_trait>>
/// { Box::pin(async move { body }) }
/// ```
/// becomes `{ Box::pin(async move { watch_body!(name = "load", …, body = { body }) }) }`.
/// Pass the fn's whole block: the shape is read from it.
///
/// Any other sync fn (`#[tokio::test]`'s expansion, a boxed future whose output type is
/// spelled through an alias) is left alone: there is no `async fn` body to watch. So is a
/// body that already contains the watch (two of our attributes stacked).
pub(crate) fn instrument_body(sig: &Signature, body: Block) -> Block {
    if cfg!(feature = "watchdog") {
        wrap_body(sig, body)
    } else {
        body
    }
}

/// [`instrument_body`] with the feature on: the body wrapped in the watch call.
fn wrap_body(sig: &Signature, mut body: Block) -> Block {
    match shape::fn_shape(sig, &body) {
        FnShape::AsyncFn => watch(sig, body),
        FnShape::AsyncTrait => {
            // Only where the output can be named (inference of `?` and `return` in the
            // moved body depends on it) and the block is `async move` (without `move` it
            // borrows what it uses; the watch's own `async move` block would move it).
            let watchable = future_output(sig).is_some();
            if let Some(future) = shape::boxed_async_block_mut(&mut body)
                .filter(|future| watchable && future.capture.is_some())
            {
                let plain = std::mem::replace(&mut future.block, syn::parse_quote!({}));
                future.block = watch(sig, plain);
            }
            body
        }
        _ => body,
    }
}

/// The watch call around `body`, the body of `sig`'s future.
fn watch(sig: &Signature, body: Block) -> Block {
    if is_instrumented(&body) {
        return body;
    }
    // The call is the attribute's code (errors in it point at the attribute); only the
    // location macros carry the name's span, which is the location they then report.
    let span = Span::call_site();
    let at_name = sig.ident.span();
    let name = syn::LitStr::new(&sig.ident.unraw().to_string(), span);
    let future_output = future_output(sig);
    let output = future_output
        .as_ref()
        // `impl Trait` cannot be named in the body, and `!` as a type there is unstable:
        // both are left to inference.
        .filter(|output| !contains_impl_trait(output) && !matches!(output, Type::Never(_)))
        .map(|output| quote!(output = #output,));
    let private = Private::at(at_name);
    let file = quote_spanned!(at_name=> #private::core::file!());
    let line = quote_spanned!(at_name=> #private::core::line!());
    let column = quote_spanned!(at_name=> #private::core::column!());
    let brace_token = body.brace_token;
    // Without the feature the switch keeps only `body`: no marked copy to build. With
    // it, a body whose suspension points are all visible awaits is watched without a
    // wrapper (`tracked`); any other has its awaits marked inside the wrapper (`marked`).
    let marked = if cfg!(feature = "watchdog") {
        crate::await_marks::tracked_argument(&body)
            .unwrap_or_else(|| crate::await_marks::marked_argument(&body))
    } else {
        TokenStream::new()
    };
    let watch = Macro {
        path: watch_path(span),
        bang_token: token::Not(span),
        delimiter: MacroDelimiter::Paren(token::Paren(span)),
        tokens: quote!(name = #name, site = (#file, #line, #column), #output body = #body #marked),
    };
    // A unit-typed tail without `;` trips `clippy::semicolon_if_nothing_returned` in the
    // user's crate, attribute or not; with `;` the block means the same.
    let semi_token = future_output
        .as_ref()
        .is_some_and(|output| matches!(output, Type::Tuple(tuple) if tuple.elems.is_empty()))
        .then(|| syn::Token![;](span));
    Block {
        brace_token,
        stmts: vec![Stmt::Expr(
            Expr::Macro(ExprMacro {
                attrs: Vec::new(),
                mac: watch,
            }),
            semi_token,
        )],
    }
}

/// The output type of `sig`'s future: the return type of an `async fn`, the `T` of
/// `Pin<Box<dyn Future<Output = T> + …>>` for an `#[async_trait]` method.
fn future_output(sig: &Signature) -> Option<Type> {
    match (&sig.asyncness, &sig.output) {
        (Some(_), ReturnType::Type(_, ty)) => Some((**ty).clone()),
        (Some(_), ReturnType::Default) => Some(syn::parse_quote!(())),
        (None, ReturnType::Type(_, ty)) => boxed_future_output(ty).cloned(),
        (None, ReturnType::Default) => None,
    }
}

/// `T` in `Pin<Box<dyn Future<Output = T> + …>>`, whatever the paths' prefixes.
fn boxed_future_output(ty: &Type) -> Option<&Type> {
    let pinned = single_type_argument(ty, "Pin")?;
    let Type::TraitObject(object) = single_type_argument(pinned, "Box")? else {
        return None;
    };
    object.bounds.iter().find_map(|bound| {
        let TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let future = bound.path.segments.last()?;
        let PathArguments::AngleBracketed(arguments) = &future.arguments else {
            return None;
        };
        if future.ident != "Future" {
            return None;
        }
        arguments.args.iter().find_map(|argument| match argument {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(&assoc.ty),
            _ => None,
        })
    })
}

/// `A` in `…::name<A>`.
fn single_type_argument<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    let PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    match (
        last.ident == name,
        arguments.args.first(),
        arguments.args.len(),
    ) {
        (true, Some(GenericArgument::Type(argument)), 1) => Some(argument),
        _ => None,
    }
}

/// The body as the user wrote it (plus what earlier attributes added), with the watch
/// added by an attribute that expanded before this one removed.
///
/// Input:  `{ ::async_hygiene::__private::watch_body!(name = "f", site = (…), output = T, body = { body }) }`
/// Output: `{ body }`
///
/// and, for an `#[async_trait]` method's whole block,
///
/// Input:  `{ Box::pin(async move { ::async_hygiene::__private::watch_body!(…, body = { body }) }) }`
/// Output: `{ Box::pin(async move { body }) }`
///
/// Any other block is returned unchanged.
pub(crate) fn plain_body(mut body: Block) -> Block {
    if let Some(inner) = watched_body(&body) {
        return inner;
    }
    if let Some(future) = shape::boxed_async_block_mut(&mut body) {
        if let Some(inner) = watched_body(&future.block) {
            future.block = inner;
        }
    }
    body
}

/// The `body = { … }` argument of a block that is exactly one watch call.
fn watched_body(body: &Block) -> Option<Block> {
    let [stmt] = body.stmts.as_slice() else {
        return None;
    };
    // With or without `;`: other attributes end the call with one in a fn returning `()`,
    // where both mean the same.
    let mac = match stmt {
        Stmt::Expr(Expr::Macro(expr), _) => &expr.mac,
        Stmt::Macro(stmt) => &stmt.mac,
        _ => return None,
    };
    if !is_watch_macro(mac) {
        return None;
    }
    mac.parse_body_with(parse_watch_args).ok()
}

/// Parses `name = "f", [site = (…),] [output = T,] body = { … }` and returns the body.
fn parse_watch_args(input: syn::parse::ParseStream<'_>) -> syn::Result<Block> {
    mod kw {
        syn::custom_keyword!(name);
        syn::custom_keyword!(site);
        syn::custom_keyword!(output);
        syn::custom_keyword!(body);
    }
    input.parse::<kw::name>()?;
    input.parse::<syn::Token![=]>()?;
    input.parse::<syn::LitStr>()?;
    input.parse::<syn::Token![,]>()?;
    if input.peek(kw::site) {
        input.parse::<kw::site>()?;
        input.parse::<syn::Token![=]>()?;
        input.parse::<proc_macro2::TokenTree>()?;
        input.parse::<syn::Token![,]>()?;
    }
    if input.peek(kw::output) {
        input.parse::<kw::output>()?;
        input.parse::<syn::Token![=]>()?;
        input.parse::<syn::Type>()?;
        input.parse::<syn::Token![,]>()?;
    }
    input.parse::<kw::body>()?;
    input.parse::<syn::Token![=]>()?;
    let body = input.parse()?;
    crate::await_marks::skip_marked_argument(input)?;
    Ok(body)
}

fn watch_path(span: Span) -> syn::Path {
    let private = Private::at(span);
    syn::parse_quote_spanned!(span=> #private::watch_body)
}

fn is_watch_macro(mac: &Macro) -> bool {
    let mut segments = mac.path.segments.iter().rev();
    let (Some(last), Some(parent)) = (segments.next(), segments.next()) else {
        return false;
    };
    parent.ident == "__private" && WATCH_MACROS.iter().any(|name| last.ident == name)
}

/// Whether the body already has a watch anywhere outside nested items (whose bodies are
/// other functions).
fn is_instrumented(body: &Block) -> bool {
    struct FindWatch(bool);
    impl<'ast> Visit<'ast> for FindWatch {
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        fn visit_macro(&mut self, mac: &'ast Macro) {
            self.0 |= is_watch_macro(mac);
        }
    }
    let mut finder = FindWatch(false);
    finder.visit_block(body);
    finder.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    /// Token text without whitespace, so that spacing differences between `quote!` and
    /// the printer do not matter.
    fn squeeze(text: &str) -> String {
        text.chars().filter(|c| !c.is_whitespace()).collect()
    }

    /// The watch, without the `marked` body (`await_marks` tests it).
    fn instrument(item: &str) -> String {
        let function: syn::ItemFn = syn::parse_str(item).expect("test items parse");
        let out = wrap_body(&function.sig, *function.block).to_token_stream();
        squeeze(&crate::await_marks::without_marked(out).to_string())
    }

    fn tokens(source: &str) -> String {
        squeeze(&source.replace("SITE", SITE))
    }

    const SITE: &str = "site = (::async_hygiene::__private::core::file!(), \
        ::async_hygiene::__private::core::line!(), \
        ::async_hygiene::__private::core::column!())";

    /// Without the feature the body is the user's own, not a macro's output, so every
    /// lint of the user's crate still reads it.
    #[test]
    #[cfg(not(feature = "watchdog"))]
    fn without_the_feature_the_body_is_emitted_as_written() {
        let function: syn::ItemFn =
            syn::parse_str("async fn f(v: Vec<u8>) -> usize { v.into_iter().count() }").unwrap();
        let out = instrument_body(&function.sig, (*function.block).clone());
        assert_eq!(
            out.to_token_stream().to_string(),
            function.block.to_token_stream().to_string()
        );
    }

    #[test]
    fn wraps_an_async_body_with_its_name_and_return_type() {
        assert_eq!(
            instrument("async fn load(&self, id: u32) -> Result<u32, E> { let x = self.get(id).await?; Ok(x) }"),
            tokens(
                "{ :: async_hygiene :: __private :: watch_body ! (name = \"load\", SITE, \
                 output = Result<u32, E>, body = { let x = self.get(id).await?; Ok(x) }) }"
            )
        );
    }

    #[test]
    fn unit_return_is_spelled_out() {
        assert_eq!(
            instrument("async fn tick() { step().await; }"),
            tokens("{ ::async_hygiene::__private::watch_body!(name = \"tick\", SITE, output = (), body = { step().await; }); }")
        );
    }

    #[test]
    fn impl_trait_anywhere_in_the_return_type_leaves_output_to_inference() {
        for item in [
            "async fn f() -> impl Display { 1 }",
            "async fn f() -> Vec<Box<impl Display>> { vec![] }",
            // `!` as a type in the body is unstable.
            "async fn f() -> ! { loop {} }",
        ] {
            let out = instrument(item);
            assert!(!out.contains("output"), "{out}");
            assert!(out.contains("watch_body"), "{out}");
        }
    }

    #[test]
    fn raw_identifiers_are_reported_without_the_prefix() {
        assert!(instrument("async fn r#match() {}").contains("name=\"match\""));
    }

    #[test]
    fn sync_signatures_are_left_alone() {
        assert_eq!(instrument("fn f() -> u8 { 1 }"), tokens("{ 1 }"));
        assert_eq!(
            instrument("fn f() -> impl Future<Output = u8> { async move { 1 } }"),
            tokens("{ async move { 1 } }")
        );
    }

    #[test]
    fn hand_written_boxed_futures_are_watched_like_async_trait_methods() {
        // The shape `#[bounded]` and `#[no_blocking]` treat as an async body is watched
        // too: the attributes agree on what is async code.
        assert_eq!(
            instrument(
                "fn f() -> Pin<Box<dyn Future<Output = u8> + Send>> { Box::pin(async move { 1 }) }"
            ),
            tokens(
                "{ Box::pin(async move { ::async_hygiene::__private::watch_body!(name = \"f\", \
                 SITE, output = u8, body = { 1 }) }) }"
            )
        );
    }

    /// What `#[async_trait]` 0.1 makes of `async fn load(&self, key: &str) -> Result<u32, E>`.
    const ASYNC_TRAIT_LOAD: &str = "fn load<'life0, 'life1, 'async_trait>(&'life0 self, key: &'life1 str) \
        -> ::core::pin::Pin<Box<dyn ::core::future::Future<Output = Result<u32, E>> \
            + ::core::marker::Send + 'async_trait>> \
        where 'life0: 'async_trait, 'life1: 'async_trait, Self: 'async_trait \
        { Box::pin(async move { \
            if let ::core::option::Option::Some(__ret) = ::core::option::Option::None::<Result<u32, E>> { \
                #[allow(unreachable_code)] return __ret; } \
            let __self = self; \
            let __ret: Result<u32, E> = { let v = key.parse()?; Ok(v) }; \
            #[allow(unreachable_code)] __ret }) }";

    #[test]
    fn async_trait_methods_are_watched_inside_the_boxed_future() {
        let out = instrument(ASYNC_TRAIT_LOAD);
        assert!(
            out.starts_with(&tokens(
                "{ Box::pin(async move { ::async_hygiene::__private::watch_body!(name = \"load\", \
                 SITE, output = Result<u32, E>, body = { if let"
            )),
            "{out}"
        );
        assert!(out.ends_with(&tokens("__ret }) }) }")), "{out}");
    }

    #[test]
    fn boxed_futures_that_cannot_be_watched_are_left_alone() {
        for item in [
            // The output is spelled through an alias: the watch could not pin it.
            "fn f<'a>(&'a self) -> BoxFuture<'a, u8> { Box::pin(async move { 1 }) }",
            // A block without `move` borrows; the watch's `async move` would move instead.
            "fn f<'async_trait>() -> Pin<Box<dyn Future<Output = u8> + 'async_trait>> { Box::pin(async { 1 }) }",
        ] {
            let function: syn::ItemFn = syn::parse_str(item).expect("test items parse");
            assert_eq!(instrument(item), squeeze(&function.block.to_token_stream().to_string()));
        }
    }

    #[test]
    fn the_output_of_a_boxed_future_is_read_from_any_path_spelling() {
        for (ret, output) in [
            ("Pin<Box<dyn Future<Output = u8>>>", Some("u8")),
            (
                "::core::pin::Pin<Box<dyn ::core::future::Future<Output = Vec<&'a str>> + Send + 'a>>",
                Some("Vec<&'a str>"),
            ),
            ("Pin<Box<dyn Send + Future<Output = ()>>>", Some("()")),
            ("Pin<Box<u8>>", None),
            ("Box<dyn Future<Output = u8>>", None),
            ("Pin<Box<dyn Stream<Item = u8>>>", None),
        ] {
            let ty: Type = syn::parse_str(ret).expect("test types parse");
            assert_eq!(
                boxed_future_output(&ty).map(|ty| squeeze(&ty.to_token_stream().to_string())),
                output.map(squeeze),
                "{ret}"
            );
        }
    }

    #[test]
    fn plain_body_undoes_the_watch_of_an_async_trait_method() {
        let function: syn::ItemFn = syn::parse_str(ASYNC_TRAIT_LOAD).expect("test items parse");
        let plain = function.block.to_token_stream().to_string();
        let watched = wrap_body(&function.sig, (*function.block).clone());
        assert_ne!(watched.to_token_stream().to_string(), plain);
        assert_eq!(
            plain_body(watched.clone()).to_token_stream().to_string(),
            plain
        );
        // Stacked attributes: the whole block and the future's body both count as watched.
        let twice = wrap_body(&function.sig, watched.clone());
        assert_eq!(
            twice.to_token_stream().to_string(),
            watched.to_token_stream().to_string()
        );
    }

    #[test]
    fn an_instrumented_body_is_not_wrapped_twice() {
        let function: syn::ItemFn =
            syn::parse_str("async fn f(x: u8) -> u8 { x }").expect("test items parse");
        let once = wrap_body(&function.sig, (*function.block).clone());
        let twice = wrap_body(&function.sig, once.clone());
        assert_eq!(
            twice.to_token_stream().to_string(),
            once.to_token_stream().to_string()
        );

        // An attribute below ours that prepends statements keeps the single watch.
        let mut prefixed = once.clone();
        prefixed
            .stmts
            .insert(0, syn::parse_quote!(let _permit = acquire().await;));
        let out = wrap_body(&function.sig, prefixed)
            .to_token_stream()
            .to_string();
        assert_eq!(out.matches("watch_body").count(), 1, "{out}");
    }

    #[test]
    fn a_watch_in_a_nested_fn_does_not_count() {
        let out = instrument(
            "async fn outer() { \
                async fn inner() { ::async_hygiene::__private::watch_body!(name = \"inner\", body = {}) } \
                inner().await \
            }",
        );
        assert!(
            out.starts_with(&tokens(
                "{ ::async_hygiene::__private::watch_body!(name = \"outer\""
            )),
            "{out}"
        );
    }

    #[test]
    fn plain_body_undoes_instrument_body() {
        for item in [
            "async fn f(x: u8) -> Result<u8, E> { let y = g(x).await?; Ok(y) }",
            "async fn f() -> impl Display { 1 }",
            "async fn f() {}",
        ] {
            let function: syn::ItemFn = syn::parse_str(item).expect("test items parse");
            let plain = function.block.to_token_stream().to_string();
            let watched = wrap_body(&function.sig, (*function.block).clone());
            assert_ne!(watched.to_token_stream().to_string(), plain);
            assert_eq!(plain_body(watched).to_token_stream().to_string(), plain);
        }
    }

    #[test]
    fn plain_body_undoes_the_call_ended_with_a_semicolon() {
        let block: Block = syn::parse_str(
            "{ ::async_hygiene::__private::watch_body!(name = \"f\", output = (), body = { g(); }); }",
        )
        .expect("test blocks parse");
        assert_eq!(
            plain_body(block).to_token_stream().to_string(),
            quote!({
                g();
            })
            .to_string()
        );
    }

    #[test]
    fn plain_body_keeps_other_blocks() {
        for body in [
            "{ x }",
            "{ other::watch_body!(name = \"f\", body = {}) }",
            "{ let a = 1; ::async_hygiene::__private::watch_body!(name = \"f\", body = {}) }",
        ] {
            let block: Block = syn::parse_str(body).expect("test blocks parse");
            assert_eq!(
                plain_body(block.clone()).to_token_stream().to_string(),
                block.to_token_stream().to_string()
            );
        }
    }
}
