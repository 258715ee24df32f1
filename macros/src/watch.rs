//! The poll watchdog hook shared by every attribute that keeps an async body.
//!
//! Contract (used by `no_blocking`, `concurrent`, `bounded`):
//! - call [`plain_body`] on the body of the item you receive, before analysing it: when
//!   another of our attributes ran first (it sits above yours), the body arrives already
//!   wrapped, and its statements are hidden inside a macro call;
//! - call [`instrument_body`] on the final body of an `async fn` and emit the returned block.
//!
//! The switch between the watched and the plain body is not made here: a proc macro
//! cannot see which features its facade was built with. The block calls
//! `::async_hygiene::__private::watch_body!`, a `macro_rules!` of the runtime crate whose
//! definition depends on its `watchdog` feature (which the facade's `watchdog` feature
//! turns on): without it, the macro expands to the body itself, so the emitted code is the
//! plain body at zero cost.

use proc_macro2::Span;
use quote::{quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::visit::Visit;
use syn::{token, Block, Expr, ExprMacro, Macro, MacroDelimiter, ReturnType, Signature, Stmt};

/// The macros of the runtime crate that the emitted code calls, as the last path segment
/// after `__private`.
const WATCH_MACROS: [&str; 2] = ["watch_body", "watch_body_on"];

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
/// A body that is not the body of an `async fn` (the boxed `async move` block of an
/// `#[async_trait]` method, say: its signature does not name the block's output, and the
/// other attributes' tests expect it unchanged), or that already contains the watch (two
/// of our attributes stacked), is returned unchanged.
pub(crate) fn instrument_body(sig: &Signature, body: Block) -> Block {
    if sig.asyncness.is_none() || is_instrumented(&body) {
        return body;
    }
    // The call is the attribute's code (errors in it point at the attribute); only the
    // location macros carry the name's span, which is the location they then report.
    let span = Span::call_site();
    let at_name = sig.ident.span();
    let name = syn::LitStr::new(&sig.ident.unraw().to_string(), span);
    let output = nameable_output(&sig.output).map(|output| quote!(output = #output,));
    let file = quote_spanned!(at_name=> ::async_hygiene::__private::core::file!());
    let line = quote_spanned!(at_name=> ::async_hygiene::__private::core::line!());
    let column = quote_spanned!(at_name=> ::async_hygiene::__private::core::column!());
    let brace_token = body.brace_token;
    let watch = Macro {
        path: watch_path(span),
        bang_token: token::Not(span),
        delimiter: MacroDelimiter::Paren(token::Paren(span)),
        tokens: quote!(name = #name, site = (#file, #line, #column), #output body = #body),
    };
    // A unit-typed tail without `;` trips `clippy::semicolon_if_nothing_returned` in the
    // user's crate, attribute or not; with `;` the block means the same.
    let semi_token =
        (sig.asyncness.is_some() && returns_unit(&sig.output)).then(|| syn::Token![;](span));
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

fn returns_unit(output: &ReturnType) -> bool {
    match output {
        ReturnType::Default => true,
        ReturnType::Type(_, ty) => {
            matches!(&**ty, syn::Type::Tuple(tuple) if tuple.elems.is_empty())
        }
    }
}

/// The body as the user wrote it (plus what earlier attributes added), with the watch
/// added by an attribute that expanded before this one removed.
///
/// Input:  `{ ::async_hygiene::__private::watch_body!(name = "f", site = (…), output = T, body = { body }) }`
/// Output: `{ body }`
///
/// Any other block is returned unchanged.
pub(crate) fn plain_body(body: Block) -> Block {
    match watched_body(&body) {
        Some(inner) => inner,
        None => body,
    }
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
    input.parse()
}

fn watch_path(span: Span) -> syn::Path {
    syn::parse_quote_spanned!(span=> ::async_hygiene::__private::watch_body)
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

/// The return type as a type the body can name, or `None` when it contains `impl Trait`.
fn nameable_output(output: &ReturnType) -> Option<proc_macro2::TokenStream> {
    struct FindImplTrait(bool);
    impl<'ast> Visit<'ast> for FindImplTrait {
        fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    match output {
        ReturnType::Default => Some(quote!(())),
        ReturnType::Type(_, ty) => {
            let mut finder = FindImplTrait(false);
            finder.visit_type(ty);
            (!finder.0).then(|| quote!(#ty))
        }
    }
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

    fn instrument(item: &str) -> String {
        let function: syn::ItemFn = syn::parse_str(item).expect("test items parse");
        squeeze(
            &instrument_body(&function.sig, *function.block)
                .to_token_stream()
                .to_string(),
        )
    }

    fn tokens(source: &str) -> String {
        squeeze(&source.replace("SITE", SITE))
    }

    const SITE: &str = "site = (::async_hygiene::__private::core::file!(), \
        ::async_hygiene::__private::core::line!(), \
        ::async_hygiene::__private::core::column!())";

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
            instrument(
                "fn f() -> Pin<Box<dyn Future<Output = u8> + Send>> { Box::pin(async move { 1 }) }"
            ),
            tokens("{ Box::pin(async move { 1 }) }")
        );
    }

    #[test]
    fn an_instrumented_body_is_not_wrapped_twice() {
        let function: syn::ItemFn =
            syn::parse_str("async fn f(x: u8) -> u8 { x }").expect("test items parse");
        let once = instrument_body(&function.sig, (*function.block).clone());
        let twice = instrument_body(&function.sig, once.clone());
        assert_eq!(
            twice.to_token_stream().to_string(),
            once.to_token_stream().to_string()
        );

        // An attribute below ours that prepends statements keeps the single watch.
        let mut prefixed = once.clone();
        prefixed
            .stmts
            .insert(0, syn::parse_quote!(let _permit = acquire().await;));
        let out = instrument_body(&function.sig, prefixed)
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
            let watched = instrument_body(&function.sig, (*function.block).clone());
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
