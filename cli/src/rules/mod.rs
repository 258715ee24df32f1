//! The rules the checker reports, one file each, and the one registry of them.
//!
//! Each rule's file holds its documentation (what it does, why it is bad, an example,
//! what to use instead, how to allow it), its check or its call into
//! `async-hygiene-analysis`, and the wording of its reports. [`RULES`] is the registry:
//! the run's summary, SARIF's rule list, `explain <rule>` and the `Rules` section of
//! `cli/README.md` read it; a report's level comes from its rule's [`Code`].
//!
//! Adding a rule:
//! - a file here declaring `pub(crate) static RULE: Rule` (its code, summary and doc) and
//!   its check, called from where its facts are (`collect.rs` for what one file shows,
//!   `graph.rs` for what needs the call graph);
//! - one line in [`RULES`];
//! - a fixture crate `cli/tests/fixtures/rules/<rule>/` with each report marked
//!   `//~ <rule>`, and its snapshot (`UPDATE_SNAPSHOTS=1 cargo test -p
//!   cargo-async-hygiene --test check rule`), then `UPDATE_RULE_DOCS=1 cargo test -p
//!   cargo-async-hygiene readme_rules` for the README.
//!
//! Its code: a rule a user sets in `[lints]` is a variant of
//! `async_hygiene_analysis::findings::Lint` (its name in `Lint::code`) with its default
//! level in `async_hygiene_analysis::policy::default_level`, because the attributes read
//! the same `async-hygiene.toml` and the proc-macro crate cannot reach this one; the
//! rule's `Code` is then `Code::Lint(Lint::..)`. A rule that is always an error (like
//! `unparsed-file`) is a variant of [`Code`] itself.

pub(crate) mod blocking;
pub(crate) mod code;
pub(crate) mod config;
pub(crate) mod cpu_bound;
pub(crate) mod detached_spawn;
pub(crate) mod lock_across_await;
pub(crate) mod sequential_awaits;
pub(crate) mod unbounded_spawn;
pub(crate) mod unparsed_file;

pub(crate) use self::code::{Code, Level, Rule};

/// Every rule, in the order the summary, SARIF's rule list and the README list them.
pub(crate) static RULES: [&Rule; 8] = [
    &blocking::RULE,
    &lock_across_await::RULE,
    &sequential_awaits::RULE,
    &cpu_bound::RULE,
    &unbounded_spawn::RULE,
    &detached_spawn::RULE,
    &unparsed_file::RULE,
    &config::RULE,
];

/// The position of a code's rule in [`RULES`] (SARIF's `ruleIndex`).
pub(crate) fn index(code: Code) -> usize {
    RULES
        .iter()
        .position(|rule| rule.code == code)
        .unwrap_or(RULES.len())
}

/// The rule with this code (`blocking`, or `async-hygiene::blocking`).
pub(crate) fn named(name: &str) -> Option<&'static Rule> {
    let name = name.strip_prefix("async-hygiene::").unwrap_or(name);
    RULES.into_iter().find(|rule| rule.code.name() == name)
}

/// The `Rules` section of `cli/README.md`: every rule's documentation, in order (a test
/// keeps the file in step).
#[cfg(test)]
pub(crate) fn readme_section() -> String {
    let docs: Vec<String> = RULES.iter().map(|rule| rule.markdown()).collect();
    docs.join("\n\n")
}

/// Where a rule's documentation is read on the web: `cli/README.md` in the repository,
/// at the rule's heading. The repository is the workspace's `repository`, the one place
/// the project's address is written.
pub(crate) fn help_uri(rule: &Rule) -> String {
    format!(
        "{}/blob/HEAD/cli/README.md#{}",
        env!("CARGO_PKG_REPOSITORY").trim_end_matches('/'),
        rule.anchor()
    )
}

/// The `Rules` section of `cli/README.md` is generated from the registry's docs, so that
/// the README and `explain <rule>` cannot drift: [`readme_section`] sits between the
/// `rules:begin` and `rules:end` markers. `readme_rules_are_the_registrys` fails when the
/// file differs; `UPDATE_RULE_DOCS=1 cargo test -p cargo-async-hygiene readme_rules`
/// rewrites the block (read the diff before committing it).
#[cfg(test)]
mod tests {
    use super::{named, readme_section, Code, RULES};

    const BEGIN: &str =
        "<!-- rules:begin: generated from cli/src/rules/*.rs; do not edit by hand -->";
    const END: &str = "<!-- rules:end -->";

    #[test]
    fn readme_rules_are_the_registrys() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
        let readme = std::fs::read_to_string(&path).unwrap();
        let start = readme.find(BEGIN).expect("the rules:begin marker") + BEGIN.len();
        let end = readme.find(END).expect("the rules:end marker");
        let expected = format!("\n{}\n", readme_section());
        if readme[start..end] == expected {
            return;
        }
        if std::env::var_os("UPDATE_RULE_DOCS").is_some() {
            let updated = format!("{}{expected}{}", &readme[..start], &readme[end..]);
            std::fs::write(&path, updated).unwrap();
            return;
        }
        panic!(
            "the rules of {} differ from the registry's docs: run \
             `UPDATE_RULE_DOCS=1 cargo test -p cargo-async-hygiene readme_rules` and read the diff",
            path.display()
        );
    }

    /// Each rule is listed once, under its own code, and every code has its rule.
    #[test]
    fn the_registry_lists_each_code_once() {
        for (index, rule) in RULES.iter().enumerate() {
            assert_eq!(super::index(rule.code), index, "{}", rule.code);
            assert!(std::ptr::eq(named(rule.code.name()).unwrap(), *rule));
        }
        for lint in async_hygiene_analysis::findings::Lint::ALL {
            assert!(named(lint.code()).is_some(), "`{lint}` has no rule file");
        }
        assert!(named("async-hygiene::config").is_some());
        assert!(named("blocking-calls").is_none());
        assert!(Code::BLOCKING < Code::Config);
    }
}
