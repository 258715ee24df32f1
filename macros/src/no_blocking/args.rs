//! The attribute's arguments: a per-item policy on top of the built-in catalogue.
//!
//! ```text
//! #[no_blocking]
//! #[no_blocking(deny(db::query_sync = "use `db::query(..).await`", .fetch_sync = "use `.fetch().await`"))]
//! #[no_blocking(allow(std::fs::metadata, .recv = "crossbeam channel drained without waiting"))]
//! #[no_blocking(offload(crate::pool::run_sync, .interact))]
//! ```

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Token};

use super::catalogue::Rule;

pub(super) const ACCEPTED_FORMS: &str = "`#[no_blocking]` accepts no arguments, or any of \
    `deny(path = \"what to use instead\", .method = \"what to use instead\", ..)`, \
    `allow(path, .method, ..)` and `offload(path, .method, ..)` (calls whose closure \
    arguments run off the executor thread); an allowed or offload rule may carry its \
    reason: `path = \"reason\"`";

/// One `deny` or `allow` rule with the tokens to span errors on.
#[derive(Clone, Debug)]
pub(super) struct PolicyRule {
    pub(super) rule: Rule,
    /// `deny`: the replacement text. `allow`: the reason, if given.
    pub(super) text: Option<String>,
    /// The rule as written, to span errors on.
    pub(super) tokens: TokenStream,
}

#[derive(Clone, Debug, Default)]
pub(super) struct Args {
    pub(super) deny: Vec<PolicyRule>,
    pub(super) allow: Vec<PolicyRule>,
    pub(super) offload: Vec<PolicyRule>,
}

pub(super) fn parse(args: TokenStream) -> syn::Result<Args> {
    parse_args.parse2(args)
}

fn parse_args(input: ParseStream<'_>) -> syn::Result<Args> {
    let mut args = Args::default();
    let mut errors: Option<syn::Error> = None;
    while !input.is_empty() {
        let keyword: Ident = input
            .parse()
            .map_err(|error| syn::Error::new(error.span(), ACCEPTED_FORMS))?;
        let content;
        if keyword == "deny" || keyword == "allow" || keyword == "offload" {
            if !input.peek(syn::token::Paren) {
                return Err(syn::Error::new(
                    keyword.span(),
                    format!("`{keyword}` takes a list, `{keyword}(..)`: {ACCEPTED_FORMS}"),
                ));
            }
            syn::parenthesized!(content in input);
            let rules = Punctuated::<RuleArg, Token![,]>::parse_terminated(&content)?;
            for arg in rules {
                if keyword == "deny" {
                    match arg.text {
                        Some(text) if !text.value().trim().is_empty() => {
                            args.deny.push(PolicyRule {
                                rule: arg.rule,
                                text: Some(text.value()),
                                tokens: arg.tokens.clone(),
                            });
                        }
                        Some(text) => combine(
                            &mut errors,
                            syn::Error::new(
                                text.span(),
                                "the replacement text is empty: say what to use instead",
                            ),
                        ),
                        None => combine(
                            &mut errors,
                            syn::Error::new_spanned(
                                &arg.tokens,
                                format!(
                                    "`deny({rule})` needs the text of the fix: \
                                     `deny({rule} = \"use .. instead\")`",
                                    rule = arg.rule
                                ),
                            ),
                        ),
                    }
                } else {
                    let rule = PolicyRule {
                        rule: arg.rule,
                        text: arg.text.map(|text| text.value()),
                        tokens: arg.tokens.clone(),
                    };
                    if keyword == "allow" {
                        args.allow.push(rule);
                    } else {
                        args.offload.push(rule);
                    }
                }
            }
        } else {
            return Err(syn::Error::new(
                keyword.span(),
                format!("unknown argument `{keyword}`: {ACCEPTED_FORMS}"),
            ));
        }
        if !input.is_empty() {
            input.parse::<Token![,]>().map_err(|error| {
                syn::Error::new(
                    error.span(),
                    format!("expected `,` between arguments: {ACCEPTED_FORMS}"),
                )
            })?;
        }
    }
    match errors {
        Some(errors) => Err(errors),
        None => Ok(args),
    }
}

fn combine(errors: &mut Option<syn::Error>, error: syn::Error) {
    match errors {
        Some(errors) => errors.combine(error),
        None => *errors = Some(error),
    }
}

/// `path [= "text"]` or `.method [= "text"]`.
struct RuleArg {
    rule: Rule,
    text: Option<LitStr>,
    tokens: TokenStream,
}

impl Parse for RuleArg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut tokens = TokenStream::new();
        let rule = if input.peek(Token![.]) {
            let dot: Token![.] = input.parse()?;
            let name: Ident = input.parse()?;
            dot.to_tokens(&mut tokens);
            name.to_tokens(&mut tokens);
            Rule::Method(name.to_string())
        } else {
            let path = input.call(syn::Path::parse_mod_style).map_err(|error| {
                syn::Error::new(
                    error.span(),
                    format!("expected a path or `.method`: {ACCEPTED_FORMS}"),
                )
            })?;
            path.to_tokens(&mut tokens);
            Rule::Path(
                path.segments
                    .iter()
                    .map(|segment| segment.ident.to_string())
                    .collect(),
            )
        };
        let text = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Some(input.parse()?)
        } else {
            None
        };
        Ok(RuleArg { rule, text, tokens })
    }
}

/// Parses a rule written as text (a key of `async-hygiene.toml`).
pub(super) fn parse_rule(text: &str) -> Option<Rule> {
    let text = text.trim();
    if let Some(method) = text.strip_prefix('.') {
        let ident: Ident = syn::parse_str(method).ok()?;
        return Some(Rule::Method(ident.to_string()));
    }
    let path = syn::Path::parse_mod_style.parse_str(text).ok()?;
    Some(Rule::Path(
        path.segments
            .iter()
            .map(|segment| segment.ident.to_string())
            .collect(),
    ))
}
