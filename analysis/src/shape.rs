//! What shape the attributes above an attribute left a fn in, and where its async body is.
//!
//! Attributes run top-down, each on what the one above produced, so an attribute of ours
//! may receive an `async fn` as written or a sync fn another attribute made of it. Every
//! attribute (and the whole-crate checker) asks [`classify`] or [`fn_shape`] instead of
//! guessing, so they agree on what is async code:
//!
//! | shape | looks like | the async body |
//! |---|---|---|
//! | [`FnShape::AsyncFn`] | `async fn f() { body }` | the fn's block |
//! | [`FnShape::AsyncTrait`] | `fn f<'async_trait>(..) -> Pin<Box<dyn Future<..>>> { Box::pin(async move { body }) }` | the boxed async block |
//! | [`FnShape::RuntimeEntry`] | `fn main() { let body = async { body }; .. Builder::new_..().block_on(body) }` | the `let`'s async blocks |
//! | [`FnShape::SyncWithAsyncBlock`] | `fn f() -> impl Future { async move { .. } }` | none as a whole |
//! | [`FnShape::Sync`] | `fn f() { .. }` | none |
//! | [`FnShape::NotAFn`] | `struct S;`, `type F = fn() -> u8;`, `static X: fn() = g;` | none |
//!
//! The `#[async_trait]` rule: a sync fn whose **tail expression** is
//! `Box::pin(async { .. })` (any path ending in `Box::pin`, `move` or not). async-trait
//! (0.1) makes the whole block that one expression, `Box::pin(async move { .. })`; the
//! tail, rather than "the only statement", still matches when an attribute between it
//! and ours added statements before it, and it is the rule `#[tracing::instrument]` uses
//! to find the same future. The `'async_trait` lifetime is not required: a hand-written
//! fn returning `Box::pin(async move { .. })` runs its work in that future exactly as an
//! `#[async_trait]` method does, so each attribute treats the two alike.

use proc_macro2::{Delimiter, TokenStream};
use syn::parse::{ParseStream, Parser};
use syn::visit::Visit;
use syn::{Block, Expr, ExprAsync, Ident, ItemFn, Pat, Signature, Stmt};

/// What an attribute received, as far as async code is concerned. See the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FnShape {
    /// `async fn f() { body }`: the fn's block is the async body.
    AsyncFn,
    /// A sync fn whose tail is `Box::pin(async { body })`: what `#[async_trait]` leaves of
    /// an `async fn` (and a hand-written boxed future). The async block is the body.
    AsyncTrait,
    /// What `#[tokio::main]`/`#[tokio::test]` leave of an `async fn`: a sync fn that binds
    /// the body as `let body = async { .. };` and `block_on`s it on a runtime it builds.
    /// The async blocks are the user's code; the rest (and its `block_on`) is tokio's.
    RuntimeEntry,
    /// Any other sync fn that contains an `async` block (outside nested items).
    SyncWithAsyncBlock,
    /// A sync fn without async code.
    Sync,
    /// Not a fn with a body: a struct, a `type F = fn() -> u8;`, a `static X: fn() = g;`,
    /// a declaration `fn f();`.
    NotAFn,
}

/// An attribute's item, read once.
pub enum Classified {
    /// A fn that parses, with its shape (never [`FnShape::NotAFn`]).
    Fn(Box<ItemFn>, FnShape),
    /// A fn header followed by a body that does not parse: emit the tokens as they are,
    /// so that rustc reports the syntax error itself, precisely.
    FnWithInvalidBody,
    /// Anything else ([`FnShape::NotAFn`]), with syn's error for it as a fn: its span is
    /// the first token that cannot start a fn (`struct`, `type`, `static`).
    NotAFn(syn::Error),
}

/// Reads an attribute's item and decides its shape.
///
/// Input: the item tokens an attribute macro receives.
/// Output: the parsed fn and its shape; or that it is a fn whose body rustc must report;
/// or that it is not a fn at all. Only a fn *header* (attributes, visibility, signature,
/// then a `{ .. }` body) counts as a fn: the token `fn` alone does not, since
/// `type F = fn() -> u8;` and `static X: fn() = g;` contain it.
#[must_use]
pub fn classify(item: &TokenStream) -> Classified {
    match syn::parse2::<ItemFn>(item.clone()) {
        Ok(function) => {
            let shape = fn_shape(&function.sig, &function.block);
            Classified::Fn(Box::new(function), shape)
        }
        Err(_) if has_fn_header(item) => Classified::FnWithInvalidBody,
        Err(error) => Classified::NotAFn(error),
    }
}

/// Whether the tokens start with a fn header and a braced body, whatever is in the body.
fn has_fn_header(item: &TokenStream) -> bool {
    let header = |input: ParseStream<'_>| {
        input.call(syn::Attribute::parse_outer)?;
        input.parse::<syn::Visibility>()?;
        input.parse::<Signature>()?;
        let body: proc_macro2::Group = input.parse()?;
        if body.delimiter() != Delimiter::Brace {
            return Err(syn::Error::new(body.span(), "expected a fn body"));
        }
        input.parse::<TokenStream>()?;
        Ok(())
    };
    header.parse2(item.clone()).is_ok()
}

/// The shape of a parsed fn (the one rule every attribute uses; see the module docs).
#[must_use]
pub fn fn_shape(sig: &Signature, block: &Block) -> FnShape {
    if sig.asyncness.is_some() {
        FnShape::AsyncFn
    } else if boxed_async_block(block).is_some() {
        FnShape::AsyncTrait
    } else if !runtime_entry_bodies(block).is_empty() {
        FnShape::RuntimeEntry
    } else if contains_async_block(block) {
        FnShape::SyncWithAsyncBlock
    } else {
        FnShape::Sync
    }
}

/// Whether `function`, a sync fn without async code, is a test macro's case wrapper that
/// received our attribute with the test's other attributes: `#[rstest]` (and
/// `#[apply(template)]`) or `#[test_case(..)]` below `#[tokio::test]`, which already made
/// the test sync, emit one `#[test] fn case_1() { test(args) }` per case, each carrying the
/// test's attributes. The attribute was written on an `async fn`; this fn only calls it.
///
/// All of: no parameters; a test attribute (`#[test]`, `#[::core::prelude::v1::test]`)
/// among the attributes still to run; and a `fn` token a macro made (its source text is
/// not `fn`), so a `#[test] fn` written by hand under the attribute is still an error.
#[must_use]
pub fn is_test_case_wrapper(function: &ItemFn) -> bool {
    let sig = &function.sig;
    let test_attribute = function.attrs.iter().any(|attr| {
        matches!(attr.meta, syn::Meta::Path(_))
            && attr
                .path()
                .segments
                .last()
                .is_some_and(|segment| segment.ident == "test")
    });
    sig.asyncness.is_none()
        && sig.inputs.is_empty()
        && test_attribute
        && sig.fn_token.span.source_text().as_deref() != Some("fn")
        && fn_shape(sig, &function.block) == FnShape::Sync
}

impl FnShape {
    /// The block that is the fn's future, to scan or wrap: the fn's own block for an
    /// `async fn`, the boxed `async` block's for an `#[async_trait]` shape.
    #[must_use]
    pub fn async_body(self, block: &Block) -> Option<&Block> {
        match self {
            Self::AsyncFn => Some(block),
            Self::AsyncTrait => boxed_async_block(block).map(|future| &future.block),
            _ => None,
        }
    }

    /// [`FnShape::async_body`], to rewrite in place.
    #[must_use]
    pub fn async_body_mut(self, block: &mut Block) -> Option<&mut Block> {
        match self {
            Self::AsyncFn => Some(block),
            Self::AsyncTrait => boxed_async_block_mut(block).map(|future| &mut future.block),
            _ => None,
        }
    }

    /// Whether the fn's code runs as async code: its statements are awaited, not called.
    #[must_use]
    pub fn is_async(self) -> bool {
        matches!(self, Self::AsyncFn | Self::AsyncTrait | Self::RuntimeEntry)
    }
}

/// The `async` block of a tail `Box::pin(async { .. })`.
#[must_use]
pub fn boxed_async_block(block: &Block) -> Option<&ExprAsync> {
    let Some(Stmt::Expr(Expr::Call(call), None)) = block.stmts.last() else {
        return None;
    };
    match (call.args.len(), call.args.first()) {
        (1, Some(Expr::Async(future))) if is_box_pin(&call.func) => Some(future),
        _ => None,
    }
}

/// [`boxed_async_block`], to rewrite in place.
#[must_use]
pub fn boxed_async_block_mut(block: &mut Block) -> Option<&mut ExprAsync> {
    let Some(Stmt::Expr(Expr::Call(call), None)) = block.stmts.last_mut() else {
        return None;
    };
    if call.args.len() != 1 || !is_box_pin(&call.func) {
        return None;
    }
    match call.args.first_mut() {
        Some(Expr::Async(future)) => Some(future),
        _ => None,
    }
}

/// `Box::pin`, `::std::boxed::Box::pin`, `alloc::boxed::Box::pin`.
fn is_box_pin(func: &Expr) -> bool {
    let Expr::Path(func) = func else {
        return false;
    };
    let mut names = func
        .path
        .segments
        .iter()
        .rev()
        .map(|segment| &segment.ident);
    matches!((names.next(), names.next()), (Some(pin), Some(boxed)) if pin == "pin" && boxed == "Box")
}

/// The user's async blocks in a `#[tokio::main]`/`#[tokio::test]` expansion: each
/// top-level `let name = async { .. };` whose `name` the block passes to `.block_on(..)`.
///
/// tokio-macros 2.x emits `let body = async { body };`, then (tests) `pin!(body)` and a
/// re-binding, then `return Builder::new_..().enable_all().build().expect(..)
/// .block_on(body);` in a nested block.
#[must_use]
pub fn runtime_entry_bodies(block: &Block) -> Vec<&ExprAsync> {
    let bound: Vec<(&Ident, &ExprAsync)> = block
        .stmts
        .iter()
        .filter_map(|stmt| match stmt {
            Stmt::Local(local) => match (&local.pat, &local.init) {
                (Pat::Ident(name), Some(init)) => match &*init.expr {
                    Expr::Async(future) => Some((&name.ident, future)),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        })
        .collect();
    if bound.iter().any(|(name, _)| blocks_on(block, name)) {
        bound.into_iter().map(|(_, future)| future).collect()
    } else {
        Vec::new()
    }
}

/// Whether the block calls `.block_on(name)`.
fn blocks_on(block: &Block, name: &Ident) -> bool {
    struct BlockOn<'n> {
        name: &'n Ident,
        found: bool,
    }
    impl<'ast> Visit<'ast> for BlockOn<'_> {
        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            self.found |= call.method == "block_on"
                && call.args.len() == 1
                && matches!(&call.args[0], Expr::Path(path) if path.path.is_ident(self.name));
            syn::visit::visit_expr_method_call(self, call);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut finder = BlockOn { name, found: false };
    finder.visit_block(block);
    finder.found
}

/// Whether an `async` block appears outside nested items (whose bodies are other fns).
fn contains_async_block(block: &Block) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_async(&mut self, _: &'ast ExprAsync) {
            self.0 = true;
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut finder = Finder(false);
    finder.visit_block(block);
    finder.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::{quote, ToTokens};

    fn shape_of(item: &TokenStream) -> Option<FnShape> {
        match classify(item) {
            Classified::Fn(_, shape) => Some(shape),
            Classified::FnWithInvalidBody => None,
            Classified::NotAFn(_) => Some(FnShape::NotAFn),
        }
    }

    fn body_of(item: &TokenStream) -> Option<String> {
        let Classified::Fn(function, shape) = classify(item) else {
            panic!("a fn: {item}");
        };
        shape
            .async_body(&function.block)
            .map(|body| body.to_token_stream().to_string())
    }

    /// What async-trait 0.1.92 makes of `async fn load(&self, key: &str) -> u32 { .. }`.
    fn async_trait_expansion() -> TokenStream {
        quote! {
            fn load<'life0, 'life1, 'async_trait>(&'life0 self, key: &'life1 str)
                -> ::core::pin::Pin<Box<dyn ::core::future::Future<Output = u32>
                    + ::core::marker::Send + 'async_trait>>
            where 'life0: 'async_trait, 'life1: 'async_trait, Self: 'async_trait
            {
                Box::pin(async move {
                    if let ::core::option::Option::Some(__ret) = ::core::option::Option::None::<u32> {
                        #[allow(unreachable_code)]
                        return __ret;
                    }
                    let __self = self;
                    let __ret: u32 = { key.len() as u32 };
                    #[allow(unreachable_code)]
                    __ret
                })
            }
        }
    }

    /// What rstest 0.26 makes of each `#[case]` of
    /// `#[tokio::test] #[apply(template)] #[concurrent] #[no_blocking] async fn t(v: &str)`
    /// (hatoo/oha's tests): `#[tokio::test]` ran first, so the test is sync, and every case
    /// carries its attributes, ours included, above the test attribute tokio emitted.
    fn rstest_case_under_tokio_test() -> TokenStream {
        quote! {
            #[async_hygiene::no_blocking]
            #[::core::prelude::v1::test]
            fn case_1() {
                let http_version_param = {
                    use rstest::magic_conversion::*;
                    (&&&Magic::<&str>(core::marker::PhantomData)).magic_conversion("1.1")
                };
                test_setting_body(http_version_param)
            }
        }
    }

    fn wrapper(item: TokenStream) -> bool {
        let function = syn::parse2::<ItemFn>(item).expect("a fn");
        is_test_case_wrapper(&function)
    }

    #[test]
    fn a_test_macros_case_wrapper_is_recognised() {
        assert!(wrapper(rstest_case_under_tokio_test()));
        assert!(wrapper(quote! { #[test] fn case_2() { super::t(1) } }));
        // Async code, parameters or no test attribute: not a case wrapper.
        for item in [
            quote! { #[test] async fn case_1() { t(1).await } },
            quote! { #[test] fn case_1() { let body = async { t(1).await }; run(body) } },
            quote! { #[test] fn case_1(v: u8) { t(v) } },
            quote! { fn case_1() { t(1) } },
            quote! { #[test(x)] fn case_1() { t(1) } },
        ] {
            assert!(!wrapper(item.clone()), "{item}");
        }
        // The same fn written by hand: its `fn` is source text (span locations are on in
        // these tests), so the attribute's error stays.
        let written: TokenStream = "#[test] fn case_1() { t(1) }".parse().expect("tokens");
        assert!(!wrapper(written));
    }

    #[test]
    fn an_async_fn_is_its_own_body() {
        let item = quote!(
            pub async fn f(x: u8) -> u8 {
                x
            }
        );
        assert_eq!(shape_of(&item), Some(FnShape::AsyncFn));
        assert_eq!(body_of(&item).as_deref(), Some("{ x }"));
    }

    #[test]
    fn async_trait_methods_are_bodied_by_the_boxed_block() {
        assert_eq!(
            shape_of(&async_trait_expansion()),
            Some(FnShape::AsyncTrait)
        );
        let body = body_of(&async_trait_expansion()).unwrap_or_default();
        assert!(body.starts_with("{ if let"), "{body}");
        assert!(body.ends_with("__ret }"), "{body}");
    }

    #[test]
    fn the_async_trait_rule_is_the_tail_box_pin_of_an_async_block() {
        for item in [
            // `#[tracing::instrument]`'s spelling, after async-trait.
            quote!(
                fn f<'async_trait>() -> Pin<Box<dyn Future<Output = ()> + 'async_trait>> {
                    ::std::boxed::Box::pin(async move { g().await })
                }
            ),
            // A statement added before the tail by an attribute in between.
            quote!(
                fn f<'async_trait>() -> Pin<Box<dyn Future<Output = ()> + 'async_trait>> {
                    let _span = span();
                    Box::pin(async move { g().await })
                }
            ),
            // Hand-written, without `'async_trait` or `move`: the same future.
            quote!(
                fn f<'a>(&'a self) -> Pin<Box<dyn Future<Output = u8> + Send + 'a>> {
                    Box::pin(async { self.x })
                }
            ),
        ] {
            assert_eq!(shape_of(&item), Some(FnShape::AsyncTrait), "{item}");
        }
        for item in [
            // `Box::pin` not in tail position, or not of an async block, or not `Box::pin`.
            quote!(
                fn f() {
                    Box::pin(async move { g().await });
                }
            ),
            quote!(
                fn f() -> Pin<Box<dyn Future<Output = ()>>> {
                    let fut = async {};
                    Box::pin(fut)
                }
            ),
            quote!(
                fn f() -> Pin<Box<dyn Future<Output = ()>>> {
                    pin(async move {})
                }
            ),
            quote!(
                fn f() -> Pin<Box<dyn Future<Output = ()>>> {
                    Box::new(async move {})
                }
            ),
        ] {
            assert_eq!(shape_of(&item), Some(FnShape::SyncWithAsyncBlock), "{item}");
        }
    }

    #[test]
    fn async_bodies_can_be_rewritten_in_place() {
        let Classified::Fn(mut function, shape) = classify(&async_trait_expansion()) else {
            panic!("a fn");
        };
        let body = shape.async_body_mut(&mut function.block);
        body.expect("an async body")
            .stmts
            .insert(0, syn::parse_quote!(let _permit = acquire().await;));
        let out = function.block.to_token_stream().to_string();
        assert!(
            out.starts_with("{ Box :: pin (async move { let _permit = acquire () . await ;"),
            "{out}"
        );
    }

    #[test]
    fn tokio_main_and_test_expansions_are_runtime_entries() {
        // tokio-macros 2.7: `#[tokio::main]`.
        let main = quote! {
            fn main() {
                let body = async { work().await; };
                let body = {
                    if false { let _: &dyn ::core::future::Future<Output = ()> = &body; }
                    body
                };
                #[allow(clippy::expect_used)]
                {
                    use tokio::runtime::Builder;
                    return Builder::new_multi_thread().enable_all().build()
                        .expect("Failed building the Runtime").block_on(body);
                }
            }
        };
        // tokio-macros 2.7: `#[tokio::test]`.
        let test = quote! {
            #[::core::prelude::v1::test]
            fn reads() {
                let body = async { work().await; };
                ::tokio::pin!(body);
                let body: ::core::pin::Pin<&mut dyn ::core::future::Future<Output = ()>> = body;
                {
                    return ::tokio::runtime::Builder::new_current_thread().enable_all().build()
                        .expect("Failed building the Runtime").block_on(body);
                }
            }
        };
        for item in [main, test] {
            assert_eq!(shape_of(&item), Some(FnShape::RuntimeEntry), "{item}");
            let Classified::Fn(function, _) = classify(&item) else {
                panic!("a fn");
            };
            let bodies = runtime_entry_bodies(&function.block);
            assert_eq!(bodies.len(), 1);
            assert_eq!(
                bodies[0].block.to_token_stream().to_string(),
                "{ work () . await ; }"
            );
            assert!(FnShape::RuntimeEntry.async_body(&function.block).is_none());
        }
        // An async block that is never `block_on`'d is not an entry.
        assert_eq!(
            shape_of(&quote!(
                fn f() {
                    let body = async {};
                    spawn(body);
                }
            )),
            Some(FnShape::SyncWithAsyncBlock)
        );
    }

    #[test]
    fn sync_fns_with_and_without_async_blocks() {
        assert_eq!(
            shape_of(&quote!(
                fn f() -> impl Future<Output = u8> {
                    async move { 1 }
                }
            )),
            Some(FnShape::SyncWithAsyncBlock)
        );
        assert_eq!(
            shape_of(&quote!(
                const fn f() -> u8 {
                    1
                }
            )),
            Some(FnShape::Sync)
        );
        // An async block inside a nested fn belongs to that fn.
        assert_eq!(
            shape_of(&quote!(
                fn f() {
                    fn g() -> impl Future {
                        async {}
                    }
                }
            )),
            Some(FnShape::Sync)
        );
        assert!(!FnShape::SyncWithAsyncBlock.is_async());
        assert!(FnShape::AsyncTrait.is_async() && FnShape::RuntimeEntry.is_async());
    }

    #[test]
    fn items_that_are_not_fns_are_not_fns_even_when_they_mention_fn() {
        for item in [
            quote!(
                struct Dashboard {
                    messages: u32,
                }
            ),
            quote!(
                type F = fn() -> u8;
            ),
            quote!(
                static X: fn() = g;
            ),
            quote!(
                const X: fn() -> u8 = || 1;
            ),
            quote!(
                async fn declared(&self) -> u32;
            ),
            quote!(impl S { async fn f() {} }),
            quote!(fn f() -> u8 (1)),
            quote!(),
        ] {
            assert_eq!(shape_of(&item), Some(FnShape::NotAFn), "{item}");
        }
    }

    #[test]
    fn a_fn_whose_body_does_not_parse_is_left_to_rustc() {
        let item: TokenStream = "async fn f() { let = ; }".parse().unwrap_or_default();
        assert_eq!(shape_of(&item), None);
        let item: TokenStream = "#[inline] pub(crate) fn f(x: u8) -> u8 { x + }"
            .parse()
            .unwrap_or_default();
        assert_eq!(shape_of(&item), None);
    }
}
