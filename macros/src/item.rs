//! What the attributes share about the item they annotate: the function read with its body
//! left unparsed (`#[background]`, `#[offload]`), the checks that nothing in its signature
//! borrows from the caller, and how an attribute is recognised by its last path segment.

use proc_macro2::{Delimiter, Group, Span, TokenStream};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream, Parser};
use syn::visit::Visit;
use syn::{
    AttrStyle, Attribute, FnArg, GenericArgument, Lifetime, Pat, PathArguments, ReceiverKind,
    ReturnType, Signature, Type, TypeReference, Visibility,
};

/// A function whose body is kept as raw tokens: both attributes move the body unchanged,
/// so a syntax error in it reaches rustc untouched and is reported there, precisely.
pub(crate) struct FnItem {
    /// The fn's attributes, followed by its body's inner ones (`#![…]`) made outer.
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) sig: Signature,
    pub(crate) body: Group,
}

impl Parse for FnItem {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig = input.parse()?;
        let body: Group = input.parse()?;
        if body.delimiter() != proc_macro2::Delimiter::Brace {
            return Err(syn::Error::new(body.span(), "expected a function body"));
        }
        let (inner_attrs, body) = take_inner_attributes(body);
        let mut attrs = attrs;
        attrs.extend(inner_attrs);
        Ok(Self {
            attrs,
            vis,
            sig,
            body,
        })
    }
}

/// The block the body runs in: the argument captures, then the body's own statements.
///
/// The statements are spliced into one block (with braces spanned at `span`) rather than
/// nesting the body's block inside it: rustc's `unused_braces` lint flags a one-line block
/// that is the tail of another block (`async fn f() -> u8 { 1 }`), and the lint would
/// point at the user's braces. The body's inner attributes were moved to the fn by
/// [`FnItem`]'s parser, so none is left to need a block of its own.
pub(crate) fn body_block(captures: TokenStream, body: &Group, span: Span) -> TokenStream {
    let mut stmts = captures;
    stmts.extend(body.stream());
    let mut block = Group::new(Delimiter::Brace, stmts);
    block.set_span(span);
    block.into_token_stream()
}

/// Splits a fn body's inner attributes (`#![allow(…)]`, `//!`) off as outer attributes:
/// inside a fn's body they apply to the fn itself, and on the generated fn they still do.
fn take_inner_attributes(body: Group) -> (Vec<Attribute>, Group) {
    let parser = |input: ParseStream<'_>| {
        let attrs = input.call(Attribute::parse_inner)?;
        let rest: TokenStream = input.parse()?;
        Ok((attrs, rest))
    };
    match parser.parse2(body.stream()) {
        Ok((attrs, rest)) if !attrs.is_empty() => {
            let mut stmts = Group::new(Delimiter::Brace, rest);
            stmts.set_span(body.span());
            let outer = attrs
                .into_iter()
                .map(|mut attr| {
                    attr.style = AttrStyle::Outer;
                    attr
                })
                .collect();
            (outer, stmts)
        }
        // No inner attributes, or malformed ones: rustc reports those on the body as is.
        _ => (Vec::new(), body),
    }
}

/// Where the item is not a function with a body at all.
pub(crate) fn not_a_function(item: &TokenStream, message: &str) -> syn::Error {
    let span = item
        .clone()
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |token| token.span());
    syn::Error::new(span, message)
}

/// Rejects `const`, `unsafe` and `extern` functions, which neither attribute can keep.
pub(crate) fn unsupported_qualifiers(sig: &Signature, attribute: &str) -> Vec<syn::Error> {
    let mut errors = Vec::new();
    if let Some(constness) = &sig.constness {
        errors.push(syn::Error::new(
            constness.span,
            format!("`#[{attribute}]` cannot be applied to a `const fn`: it spawns the body"),
        ));
    }
    if let syn::Safety::Unsafe(unsafety) = &sig.safety {
        errors.push(syn::Error::new(
            unsafety.span,
            format!(
                "`#[{attribute}]` cannot be applied to an `unsafe fn`: the body would run \
                 after the caller's safety obligations were checked; wrap the unsafe calls \
                 in a safe fn instead"
            ),
        ));
    }
    if let Some(abi) = &sig.abi {
        errors.push(syn::Error::new_spanned(
            abi,
            format!("`#[{attribute}]` cannot be applied to an `extern` fn"),
        ));
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(syn::Error::new(
            variadic.dots.spans[0],
            format!("`#[{attribute}]` cannot be applied to a variadic fn"),
        ));
    }
    errors
}

/// One error on each argument (and on the return type) that borrows, since the body runs
/// after the call has returned (`#[background]`) or on another thread (`#[offload]`).
///
/// `'static` borrows are fine. Types that borrow through a hidden lifetime (a `struct`
/// with an elided lifetime parameter) are not visible here; the `'static` bound on the
/// spawned work catches those, with rustc's message.
pub(crate) fn borrow_errors(sig: &Signature, attribute: &str, reason: &str) -> Vec<syn::Error> {
    let mut errors = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => {
                let borrows = match &receiver.kind {
                    ReceiverKind::Reference(_, lifetime, _) => lifetime
                        .as_ref()
                        .is_none_or(|lifetime| !is_static(lifetime)),
                    ReceiverKind::Typed(_, ty) => first_borrow(ty).is_some(),
                    _ => false,
                };
                if borrows {
                    errors.push(syn::Error::new_spanned(
                        receiver,
                        format!(
                            "`#[{attribute}]` {reason}, so it cannot borrow `self`: take \
                             `self: Arc<Self>` and call it on an `Arc`, or take `self` by value"
                        ),
                    ));
                }
            }
            FnArg::Typed(typed) => {
                if let Some(borrow) = first_borrow(&typed.ty) {
                    let name = match &*typed.pat {
                        Pat::Ident(pat) => format!("argument `{}`", pat.ident),
                        _ => "this argument".to_owned(),
                    };
                    errors.push(syn::Error::new_spanned(
                        typed,
                        format!(
                            "`#[{attribute}]` {reason}, so {name} cannot borrow: {}",
                            borrow.advice("take")
                        ),
                    ));
                }
            }
        }
    }
    if let ReturnType::Type(_, ty) = &sig.output {
        if let Some(borrow) = first_borrow(ty) {
            errors.push(syn::Error::new_spanned(
                ty,
                format!(
                    "`#[{attribute}]` {reason}, so its output cannot borrow: {}",
                    borrow.advice("return")
                ),
            ));
        }
    }
    errors
}

fn is_static(lifetime: &Lifetime) -> bool {
    lifetime.ident == "static"
}

/// The first non-`'static` borrow found in a type.
enum Borrow {
    /// `&T` or `&mut T`; the referent, and whether it is `mut`.
    Reference { referent: Box<Type>, mutable: bool },
    /// A named or anonymous lifetime inside a path, trait bound or trait object.
    Lifetime(Lifetime),
}

impl Borrow {
    /// `verb` is "take" for arguments, "return" for the output.
    fn advice(&self, verb: &str) -> String {
        match self {
            Self::Reference { referent, mutable } => {
                if let Some(owned) = owned_counterpart(referent) {
                    return format!("{verb} an owned `{owned}` instead");
                }
                let referent = referent.to_token_stream().to_string();
                if *mutable {
                    format!("{verb} `{referent}` by value, or share it as `Arc<Mutex<{referent}>>`")
                } else {
                    format!("{verb} `{referent}` by value, or share it as `Arc<{referent}>`")
                }
            }
            Self::Lifetime(lifetime) => format!(
                "use a type without the lifetime `{}`: owned data, or `'static` borrows",
                lifetime.to_token_stream()
            ),
        }
    }
}

/// The owned type users reach for when they pass these common borrowed forms.
fn owned_counterpart(referent: &Type) -> Option<String> {
    match referent {
        Type::Slice(slice) => Some(format!("Vec<{}>", slice.elem.to_token_stream())),
        Type::Path(path) if path.qself.is_none() => {
            let last = path.path.segments.last()?;
            if !matches!(last.arguments, PathArguments::None) {
                return None;
            }
            let owned = match last.ident.to_string().as_str() {
                "str" => "String",
                "Path" => "PathBuf",
                "OsStr" => "OsString",
                "CStr" => "CString",
                _ => return None,
            };
            Some(owned.to_owned())
        }
        _ => None,
    }
}

fn first_borrow(ty: &Type) -> Option<Borrow> {
    let mut finder = BorrowFinder { found: None };
    finder.visit_type(ty);
    finder.found
}

struct BorrowFinder {
    found: Option<Borrow>,
}

impl<'ast> Visit<'ast> for BorrowFinder {
    fn visit_type_reference(&mut self, reference: &'ast TypeReference) {
        if self.found.is_some() {
            return;
        }
        if reference
            .lifetime
            .as_ref()
            .is_none_or(|lifetime| !is_static(lifetime))
        {
            self.found = Some(Borrow::Reference {
                referent: reference.elem.clone(),
                mutable: reference.mutability.is_some(),
            });
            return;
        }
        syn::visit::visit_type_reference(self, reference);
    }

    fn visit_lifetime(&mut self, lifetime: &'ast Lifetime) {
        if self.found.is_none() && !is_static(lifetime) {
            self.found = Some(Borrow::Lifetime(lifetime.clone()));
        }
    }

    fn visit_generic_argument(&mut self, argument: &'ast GenericArgument) {
        if self.found.is_none() {
            syn::visit::visit_generic_argument(self, argument);
        }
    }
}

/// Statements that move every argument into the body's closure or async block, so each
/// is dropped when the body ends, as in the original function, and not when the call
/// returns; a `move` block captures only what it mentions.
///
/// Wildcard arguments (`_: Guard`) get a name so they can be moved too. Returns the
/// rewritten inputs and the statements for the top of the body.
pub(crate) fn capture_all_arguments(sig: &mut Signature) -> TokenStream {
    let mut captures = TokenStream::new();
    for (index, input) in sig.inputs.iter_mut().enumerate() {
        match input {
            FnArg::Receiver(receiver) => {
                let self_token = receiver.self_token;
                captures.extend(quote::quote_spanned!(self_token.span=> let _ = &#self_token;));
            }
            FnArg::Typed(typed) => {
                if let Pat::Wild(wild) = &*typed.pat {
                    let name = quote::format_ident!(
                        "__async_hygiene_arg{}",
                        index,
                        span = Span::mixed_site().located_at(wild.underscore_token.span)
                    );
                    *typed.pat = syn::parse_quote!(#name);
                }
                let mut bindings = Bindings::default();
                bindings.visit_pat(&typed.pat);
                // Spanned on the argument, where rustc then reports a capture that is not
                // `'static` or not `Send`.
                for ident in bindings.idents {
                    captures.extend(quote::quote_spanned!(ident.span()=> let _ = &#ident;));
                }
            }
        }
    }
    captures
}

/// The names a pattern binds.
#[derive(Default)]
struct Bindings {
    idents: Vec<syn::Ident>,
}

impl<'ast> Visit<'ast> for Bindings {
    fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
        // `ref` bindings borrow from the argument, which the pattern itself keeps alive.
        if pat.by_ref.is_none() {
            self.idents.push(pat.ident.clone());
        }
        syn::visit::visit_pat_ident(self, pat);
    }
}

/// Whether the return type hides its concrete type (`impl Trait`), which may not appear in
/// a `let` annotation or a closure's return type.
pub(crate) fn returns_impl_trait(output: &ReturnType) -> bool {
    match output {
        ReturnType::Default => false,
        ReturnType::Type(_, ty) => contains_impl_trait(ty),
    }
}

/// Whether `ty` contains `impl Trait` anywhere, which the body cannot name.
pub(crate) fn contains_impl_trait(ty: &Type) -> bool {
    struct ImplTraitFinder(bool);
    impl<'ast> Visit<'ast> for ImplTraitFinder {
        fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut finder = ImplTraitFinder(false);
    finder.visit_type(ty);
    finder.0
}

/// Whether `path` ends in `name`: `#[bounded]`, `#[async_hygiene::bounded]` and a
/// re-export's path all name the same attribute.
pub(crate) fn last_segment_is(path: &syn::Path, name: &str) -> bool {
    path.segments
        .last()
        .is_some_and(|segment| segment.ident == name)
}

/// The first attribute whose path ends in `name`.
pub(crate) fn find_attribute<'a>(attrs: &'a [Attribute], name: &str) -> Option<&'a Attribute> {
    attrs.iter().find(|attr| last_segment_is(attr.path(), name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors_of(signature: &str) -> Vec<String> {
        let sig: Signature = syn::parse_str(signature).expect("test signature parses");
        borrow_errors(
            &sig,
            "background",
            "runs the body after the call has returned",
        )
        .into_iter()
        .map(|error| error.to_string())
        .collect()
    }

    #[test]
    fn owned_and_static_arguments_pass() {
        assert!(errors_of(
            "async fn f(self: Arc<Self>, a: String, b: &'static str, c: Vec<&'static [u8]>, \
             d: impl Fn() + Send + 'static, e: Box<dyn Fn() + Send + 'static>) -> u8"
        )
        .is_empty());
    }

    #[test]
    fn each_borrowed_argument_gets_its_own_advice() {
        let errors = errors_of(
            "async fn f(&self, name: &str, items: &[u8], state: &mut State, cow: Cow<'a, str>, \
             (a, b): (&u8, u8)) -> &'a str",
        );
        assert_eq!(errors.len(), 7, "{errors:#?}");
        assert!(errors[0].contains("cannot borrow `self`: take `self: Arc<Self>`"));
        assert!(errors[1].contains("argument `name` cannot borrow: take an owned `String`"));
        assert!(errors[2].contains("take an owned `Vec<u8>`"));
        assert!(errors[3].contains("`Arc<Mutex<State>>`"));
        assert!(errors[4].contains("without the lifetime `'a`"));
        assert!(errors[5].contains("this argument cannot borrow"));
        assert!(errors[6].contains("its output cannot borrow: return an owned `String`"));
    }

    #[test]
    fn borrowed_output_is_rejected() {
        let errors = errors_of("async fn f() -> Option<&'a str>");
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("its output cannot borrow"));
    }

    #[test]
    fn the_body_is_spliced_and_its_inner_attributes_move_to_the_fn() {
        let captures = quote::quote!(let _ = &a;);
        let plain: Group = syn::parse_str("{ a + 1 }").unwrap();
        assert_eq!(
            body_block(captures, &plain, Span::call_site()).to_string(),
            "{ let _ = & a ; a + 1 }"
        );
        let function: FnItem =
            syn::parse_str("#[inline] fn f(a: u8) -> u8 { #![allow(unused)] //! Doc.\n a + 1 }")
                .unwrap();
        let attrs = function
            .attrs
            .iter()
            .map(|attr| attr.to_token_stream().to_string());
        assert_eq!(
            attrs.collect::<Vec<_>>(),
            ["# [inline]", "# [allow (unused)]", "# [doc = \" Doc.\"]"]
        );
        assert_eq!(function.body.to_string(), "{ a + 1 }");
    }

    #[test]
    fn captures_every_binding_and_names_wildcards() {
        let mut sig: Signature =
            syn::parse_str("fn f(self, mut a: u8, (b, ref c): (u8, u8), _: Guard)").unwrap();
        let captures = capture_all_arguments(&mut sig).to_string();
        assert_eq!(
            captures,
            "let _ = & self ; let _ = & a ; let _ = & b ; let _ = & __async_hygiene_arg3 ;"
        );
        assert!(sig
            .to_token_stream()
            .to_string()
            .contains("__async_hygiene_arg3 : Guard"));
    }
}
