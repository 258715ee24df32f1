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

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token};

use super::{Policy, PolicyRule, Rule};
use crate::findings::Location;

/// What the attribute accepts, for its errors.
pub const ATTRIBUTE_FORMS: &str = "`#[no_blocking]` accepts no arguments, or any of \
    `deny(path = \"what to use instead\", .method = \"what to use instead\", ..)`, \
    `allow(path, .method, ..)` and `offload(path, .method, ..)` (calls whose closure \
    arguments run off the executor thread); an allowed or offload rule may carry its \
    reason: `path = \"reason\"`";

/// `#[no_blocking(deny(..), allow(..), offload(..))]`'s arguments: the policy an item
/// adds to the crate's (its `lints` are the defaults). Parsing fails with every problem
/// combined. The attribute and the checker read an item's arguments with this one parser.
///
/// ```
/// use async_hygiene_analysis::policy::AttributePolicy;
///
/// let args: AttributePolicy = syn::parse_quote!(
///     deny(db::query_sync = "use `db::query(..).await`"), allow(.recv, std::fs::metadata = "local stat")
/// );
/// assert_eq!(args.policy.deny[0].rule.to_string(), "db::query_sync");
/// assert_eq!(args.policy.allow[1].text, "local stat");
/// let error = syn::parse_str::<AttributePolicy>("deny(x), forbid(y)").err().unwrap();
/// assert_eq!(error.into_iter().count(), 2, "every problem at once");
/// ```
#[derive(Clone, Debug, Default)]
pub struct AttributePolicy {
    /// The rules, each with its tokens as [`PolicyRule::location`].
    pub policy: Policy,
    /// Which lists were given, to reject a second `deny(..)` and the like.
    given: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum List {
    Deny,
    Allow,
    Offload,
}

impl AttributePolicy {
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
            if list == List::Deny {
                match &text {
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
                }
            }
            let rule = PolicyRule {
                rule: arg.rule,
                text: text.unwrap_or_default(),
                line: 0,
                location: Some(Location::of(&arg.tokens)),
            };
            match list {
                List::Deny => self.policy.deny.push(rule),
                List::Allow => self.policy.allow.push(rule),
                List::Offload => self.policy.offload.push(rule),
            }
        }
        errors.finish()
    }

    /// The list a rule is already in.
    fn find(&self, rule: &Rule) -> Option<&'static str> {
        [
            ("deny", &self.policy.deny),
            ("allow", &self.policy.allow),
            ("offload", &self.policy.offload),
        ]
        .into_iter()
        .find(|(_, rules)| rules.iter().any(|given| given.rule == *rule))
        .map(|(name, _)| name)
    }
}

impl Parse for AttributePolicy {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = AttributePolicy::default();
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
                        format!("expected `,` between arguments: {ATTRIBUTE_FORMS}"),
                    ));
                    skip_to_comma(input);
                    let _ = input.parse::<Option<Token![,]>>();
                }
            }
        }
        errors.finish().map(|()| args)
    }
}

/// `deny(..)`, `allow(..)` or `offload(..)`.
fn parse_list(input: ParseStream<'_>, args: &mut AttributePolicy) -> syn::Result<()> {
    let keyword: Ident = input
        .parse()
        .map_err(|error| syn::Error::new(error.span(), ATTRIBUTE_FORMS))?;
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
                format!("unknown argument `{keyword}`: {ATTRIBUTE_FORMS}"),
            ));
        }
    };
    if !input.peek(syn::token::Paren) {
        return Err(syn::Error::new(
            keyword.span(),
            format!("`{keyword}` takes a list, `{keyword}(..)`: {ATTRIBUTE_FORMS}"),
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

/// Every error of one parse, reported together.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(errors) => errors.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
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
                    format!("expected a path or `.method`: {ATTRIBUTE_FORMS}"),
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

#[cfg(test)]
mod tests {
    use super::AttributePolicy;

    fn errors(args: &str) -> Vec<String> {
        match syn::parse_str::<AttributePolicy>(args) {
            Ok(_) => Vec::new(),
            Err(error) => error.into_iter().map(|error| error.to_string()).collect(),
        }
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        assert_eq!(
            errors(r#"deny(x), forbid(y), allow("z"), offload(.interact)"#),
            [
                "`deny(x)` needs the text of the fix: `deny(x = \"use .. instead\")`",
                &format!("unknown argument `forbid`: {}", super::ATTRIBUTE_FORMS),
                &format!("expected a path or `.method`: {}", super::ATTRIBUTE_FORMS),
            ]
        );
    }

    #[test]
    fn a_list_or_a_rule_given_twice_is_an_error() {
        assert_eq!(
            errors(r#"deny(a = "x"), deny(b = "y")"#),
            ["`deny` is given twice: put all its rules in one `deny(..)`"]
        );
        assert_eq!(
            errors(r#"deny(a::b = "x"), allow(.recv, a::b)"#),
            ["`a::b` is already in `deny(..)`"]
        );
        assert_eq!(
            errors("offload(.interact, .interact)"),
            ["`.interact` is already in `offload(..)`"]
        );
        assert!(errors(r#"deny(a = "x"), allow(.recv), offload(run)"#).is_empty());
    }
}
