//! The attribute's arguments: a per-item policy on top of the crate's.
//!
//! ```text
//! #[no_blocking]
//! #[no_blocking(deny(db::query_sync = "use `db::query(..).await`", .fetch_sync = "use `.fetch().await`"))]
//! #[no_blocking(allow(std::fs::metadata, .recv = "crossbeam channel drained without waiting"))]
//! #[no_blocking(offload(crate::pool::run_sync, .interact))]
//! ```
//!
//! Parsing goes on after a problem, so that every problem is reported in one compile:
//! a bad list or rule is skipped and parsing resumes at the next comma.

use async_hygiene_analysis::policy::Rule;
use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token};

use crate::errors::Errors;

pub(super) const ACCEPTED_FORMS: &str = "`#[no_blocking]` accepts no arguments, or any of \
    `deny(path = \"what to use instead\", .method = \"what to use instead\", ..)`, \
    `allow(path, .method, ..)` and `offload(path, .method, ..)` (calls whose closure \
    arguments run off the executor thread); an allowed or offload rule may carry its \
    reason: `path = \"reason\"`";

/// One `deny`, `allow` or `offload` rule with the tokens to span errors on.
#[derive(Clone, Debug)]
pub(super) struct PolicyRule {
    pub(super) rule: Rule,
    /// `deny`: the replacement text. `allow`/`offload`: the reason, if given.
    pub(super) text: Option<String>,
    /// The rule as written, to span errors on.
    pub(super) tokens: TokenStream,
}

/// `#[no_blocking(..)]`'s arguments. Parsing fails with every problem combined; the
/// rules that parsed are lost then, and the body is still checked with the crate's policy.
#[derive(Clone, Debug, Default)]
pub(super) struct Args {
    pub(super) deny: Vec<PolicyRule>,
    pub(super) allow: Vec<PolicyRule>,
    pub(super) offload: Vec<PolicyRule>,
    /// Which lists were given, to reject a second `deny(..)` and the like.
    given: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum List {
    Deny,
    Allow,
    Offload,
}

impl Args {
    /// The tokio-style setter: one place for the checks of a list as a whole.
    fn set_list(&mut self, keyword: &Ident, list: List, rules: Vec<RuleArg>) -> syn::Result<()> {
        let name = keyword.to_string();
        if self.given.contains(&name) {
            return Err(syn::Error::new(
                keyword.span(),
                format!("`{name}` is given twice: put all its rules in one `{name}(..)`"),
            ));
        }
        self.given.push(name);
        let mut errors = Errors::default();
        for arg in rules {
            if let Some(previous) = self.find(&arg.rule) {
                errors.push(syn::Error::new_spanned(
                    &arg.tokens,
                    format!("`{}` is already in `{previous}(..)`", arg.rule),
                ));
                continue;
            }
            let text = arg.text.as_ref().map(LitStr::value);
            match list {
                List::Deny => match &text {
                    Some(text) if !text.trim().is_empty() => {}
                    Some(_) => {
                        errors.push(syn::Error::new_spanned(
                            &arg.text,
                            "the replacement text is empty: say what to use instead",
                        ));
                        continue;
                    }
                    None => {
                        errors.push(syn::Error::new_spanned(
                            &arg.tokens,
                            format!(
                                "`deny({rule})` needs the text of the fix: \
                                 `deny({rule} = \"use .. instead\")`",
                                rule = arg.rule
                            ),
                        ));
                        continue;
                    }
                },
                List::Allow | List::Offload => {}
            }
            let rule = PolicyRule {
                rule: arg.rule,
                text,
                tokens: arg.tokens,
            };
            match list {
                List::Deny => self.deny.push(rule),
                List::Allow => self.allow.push(rule),
                List::Offload => self.offload.push(rule),
            }
        }
        errors.finish(())
    }

    /// The list a rule is already in.
    fn find(&self, rule: &Rule) -> Option<&'static str> {
        [
            ("deny", &self.deny),
            ("allow", &self.allow),
            ("offload", &self.offload),
        ]
        .into_iter()
        .find(|(_, rules)| rules.iter().any(|given| given.rule == *rule))
        .map(|(name, _)| name)
    }
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Args::default();
        let mut errors = Errors::default();
        while !input.is_empty() {
            if let Err(error) = parse_list(input, &mut args) {
                errors.push(error);
                skip_to_comma(input);
            }
            if !input.is_empty() {
                if let Err(error) = input.parse::<Token![,]>() {
                    errors.push(syn::Error::new(
                        error.span(),
                        format!("expected `,` between arguments: {ACCEPTED_FORMS}"),
                    ));
                    skip_to_comma(input);
                    let _ = input.parse::<Option<Token![,]>>();
                }
            }
        }
        errors.finish(args)
    }
}

/// `deny(..)`, `allow(..)` or `offload(..)`.
fn parse_list(input: ParseStream<'_>, args: &mut Args) -> syn::Result<()> {
    let keyword: Ident = input
        .parse()
        .map_err(|error| syn::Error::new(error.span(), ACCEPTED_FORMS))?;
    let list = match keyword.to_string().as_str() {
        "deny" => List::Deny,
        "allow" => List::Allow,
        "offload" => List::Offload,
        _ => {
            // Skip its list too, so that parsing resumes at the next argument.
            if input.peek(syn::token::Paren) {
                let _: TokenStream = input.parse::<proc_macro2::Group>()?.stream();
            }
            return Err(syn::Error::new(
                keyword.span(),
                format!("unknown argument `{keyword}`: {ACCEPTED_FORMS}"),
            ));
        }
    };
    if !input.peek(syn::token::Paren) {
        return Err(syn::Error::new(
            keyword.span(),
            format!("`{keyword}` takes a list, `{keyword}(..)`: {ACCEPTED_FORMS}"),
        ));
    }
    let content;
    syn::parenthesized!(content in input);
    let rules = content.parse_terminated(RuleArg::parse, Token![,])?;
    args.set_list(&keyword, list, rules.into_iter().collect())
}

/// Skips the tokens of a bad argument, up to the next top-level comma.
fn skip_to_comma(input: ParseStream<'_>) {
    let _ = input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((tree, next)) = rest.token_tree() {
            if matches!(&tree, proc_macro2::TokenTree::Punct(punct) if punct.as_char() == ',') {
                return Ok(((), rest));
            }
            rest = next;
        }
        Ok(((), rest))
    });
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
            Rule::from_path(&path)
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
