//! `async-hygiene.toml`'s `[no_blocking]` lists on the compiler's paths: `deny` adds
//! leaves, `allow` removes calls (a leaf, or a fn whose calls are then not followed),
//! `offload` hands a call's closures off the executor; and `[lock_across_await.guards]`,
//! types whose values must not be saved across an `.await`. A path rule matches a callee
//! whose full path ends with the rule's segments (`fs::read` matches
//! `std::fs::read`); a `.method` rule matches any callee of that name.
//!
//! Each package's lists apply to the reports in its own code, as the default mode applies
//! them: a rule names a callee, wherever in the graph the call from that code leads.

use async_hygiene_analysis::policy::{self, Rule};

use super::leaves::Leaf;
use super::paths::{type_path, Callee};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Policy {
    deny: Vec<(Rule, String)>,
    allow: Vec<Rule>,
    offload: Vec<Rule>,
    lock_guards: Vec<(Rule, String)>,
}

impl Policy {
    /// The `[no_blocking]` lists of the package in `dir` (a malformed file is the default
    /// mode's report already).
    pub(crate) fn load(dir: &std::path::Path) -> Policy {
        let Some(Ok(policy)) = policy::load_from(dir).map(|loaded| loaded.policy) else {
            return Policy::default();
        };
        Policy {
            deny: policy
                .deny
                .into_iter()
                .map(|rule| (rule.rule, rule.text))
                .collect(),
            allow: policy.allow.into_iter().map(|rule| rule.rule).collect(),
            offload: policy.offload.into_iter().map(|rule| rule.rule).collect(),
            lock_guards: policy
                .lock_guards
                .into_iter()
                .map(|rule| (rule.rule, rule.text))
                .collect(),
        }
    }

    pub(crate) fn allows(&self, callee: &Callee) -> bool {
        self.allow.iter().any(|rule| matches(rule, callee))
    }

    pub(crate) fn offloads(&self, callee: &Callee) -> bool {
        self.offload.iter().any(|rule| matches(rule, callee))
    }

    /// The `[lock_across_await.guards]` rule a value's type matches (its path ends with
    /// the rule's), with the reason. A reference is not the value.
    pub(crate) fn lock_guard(&self, ty: &str) -> Option<(&Rule, &str)> {
        if ty.trim_start().starts_with('&') {
            return None;
        }
        let (path, _) = type_path(ty)?;
        self.lock_guards
            .iter()
            .find(|(rule, _)| matches!(rule, Rule::Path(segments) if path.ends_with(segments)))
            .map(|(rule, reason)| (rule, reason.as_str()))
    }

    pub(crate) fn denies(&self, callee: &Callee) -> Option<Leaf> {
        let (rule, instead) = self.deny.iter().find(|(rule, _)| matches(rule, callee))?;
        let what = match rule {
            Rule::Path(_) => format!("`{rule}`"),
            Rule::Method(_) => format!("`{rule}(..)`"),
        };
        Some(Leaf {
            what,
            why: "is denied by this crate's `async-hygiene.toml`".to_owned(),
            instead: instead.clone(),
            user_only: false,
        })
    }
}

/// The full paths a callee goes by: `std::fs::read`; `Trait::method` and
/// `Type::method` for `<Type as Trait>::method`.
pub(crate) fn candidates(callee: &Callee) -> Vec<Vec<String>> {
    match callee {
        Callee::Path(segments) => vec![segments.clone()],
        Callee::Qualified {
            self_ty,
            trait_path,
            method,
        } => {
            let mut by_trait = trait_path.clone();
            by_trait.push(method.clone());
            let mut found = vec![by_trait];
            if let Some((mut by_type, _)) = type_path(self_ty) {
                by_type.push(method.clone());
                found.push(by_type);
            }
            found
        }
    }
}

pub(crate) fn matches(rule: &Rule, callee: &Callee) -> bool {
    candidates(callee).iter().any(|path| match rule {
        Rule::Method(name) => path.last() == Some(name),
        Rule::Path(segments) => path.ends_with(segments),
    })
}

#[cfg(test)]
mod tests {
    use super::{matches, Callee, Rule};

    #[test]
    fn lock_guards_match_types_by_the_end_of_their_path() {
        let policy = super::Policy {
            lock_guards: vec![("pool::Lease".parse().unwrap(), "a sync pool".to_owned())],
            ..super::Policy::default()
        };
        assert!(policy.lock_guard("app::pool::Lease<'_, u8>").is_some());
        assert!(policy.lock_guard("app::pool::Leases").is_none());
        assert!(policy.lock_guard("&app::pool::Lease").is_none());
    }

    #[test]
    fn rules_match_the_end_of_full_paths() {
        let read = Callee::parse("std::fs::read::<&str>").unwrap();
        assert!(matches(&"fs::read".parse().unwrap(), &read));
        assert!(matches(&"std::fs::read".parse().unwrap(), &read));
        assert!(!matches(&"io::read".parse().unwrap(), &read));
        let method = Callee::parse("<db::Pool as db::Sync>::fetch_sync").unwrap();
        assert!(matches(&Rule::Method("fetch_sync".into()), &method));
        assert!(matches(&"Pool::fetch_sync".parse().unwrap(), &method));
    }
}
