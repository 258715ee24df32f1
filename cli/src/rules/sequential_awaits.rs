//! `sequential-awaits`: awaits in sequence that `#[concurrent]` would run together.
//!
//! The check is `#[concurrent]`'s own plan (`async-hygiene-analysis`, `concurrent`),
//! made for each async fn without the attribute; reported when it would join at least
//! two awaits, on the `let`s it would join, with the attribute to insert. In precise
//! mode the plan also knows how the compiler resolved each statement's borrows
//! ([`borrows::compiler_uses`]).

use std::path::Path;
use std::sync::Arc;

use async_hygiene_analysis::concurrent::{FnPlan, Guards};
use proc_macro2::Span;
use syn::{Attribute, Block, Macro, Signature};

use crate::diagnostic::{Applicability, Diagnostic, Label, Location, Suggestion};
use crate::precise::borrows;
use crate::rules::code::{Code, Doc, Rule};
use crate::scope::{is_attribute, ScopeRules};

pub(crate) static RULE: Rule = Rule {
    code: Code::SEQUENTIAL_AWAITS,
    summary: "independent awaits run one after another; `#[concurrent]` would run them together",
    doc: Doc {
        what_it_does: "
Reports an async fn without `#[concurrent]` whose `let x = f().await;` statements do not
depend on each other, so that `#[concurrent]` would run them together. The plan is the
attribute's own: a statement that reads what another binds, a lock or a guard (and the
calls of `[concurrent.guards]`), and anything with side effects the attribute cannot
prove independent keep their order. The first `let` it would join is the report's span,
the others are labelled, and `cargo async-hygiene explain FILE:FN` prints the plan.
",
        precise: Some(
            "
The plan knows how the compiler resolved each statement's borrows: two calls that only
borrow a binding shared (`&self` methods) join even where the syntax cannot see its
type, and one that borrows it mutably or moves it keeps its order with every other use.
A statement the compiler did not build (`#[cfg]`) is planned from the syntax.
",
        ),
        why_is_this_bad: "
Each `.await` waits for the previous one to finish: two independent 50 ms requests take
100 ms in sequence and 50 ms together. The latency adds up on every call of the fn.
",
        example: "
```rust
async fn dashboard(id: u32) -> Page {
    let user = user(id).await;
    let orders = orders(id).await;
    Page { user, orders }
}
```
",
        use_instead: "
```rust
#[async_hygiene::concurrent]
async fn dashboard(id: u32) -> Page {
    let user = user(id).await;
    let orders = orders(id).await;
    Page { user, orders }
}
```

The report carries the attribute as a suggestion. `cargo async-hygiene check --fix`
inserts it where it compiles as written and its build can verify it: the package
depends on `async-hygiene`, no other attribute on the fn decides the order the two
expand in, the joined calls share no receiver or argument, no joined `let` ends in a `?`
that sequential code would return at before a later one starts (joined, the later one
has started: the report says which lines), and the fn is under no `#[cfg]` but
`cfg(test)`.
",
        how_to_allow: "
`sequential-awaits = \"allow\"` in the `[lints]` table of `async-hygiene.toml` (its
default is `warn`). A call whose value must be held in place (a pooled connection, a
permit) goes in `[concurrent.guards]`, and `#[concurrent]` and this rule keep its `let`
where it is.
",
    },
};

/// The report for an async fn (`attrs`, `sig`, `block`) without `#[concurrent]`, with
/// the attribute to insert at `item_start` (the fn's first token after its attributes).
/// With `--precise`, the plan knows how the compiler resolved the borrows of the
/// statements of `file` ([`borrows::compiler_uses`]).
pub(crate) fn check(
    rules: &ScopeRules,
    attrs: &[Attribute],
    sig: &Signature,
    block: &Block,
    item_start: Span,
    file: &Arc<Path>,
) -> Vec<Diagnostic> {
    if attrs.iter().any(|attr| is_attribute(attr, "concurrent")) {
        return Vec::new();
    }
    // The plan (which copies the body) can join nothing with fewer than two awaits.
    if awaits_at_most_one(block) {
        return Vec::new();
    }
    let guards = Guards::new(rules.guards());
    let plan = match borrows::compiler_uses(file) {
        Some(uses) => FnPlan::with_compiler(sig, block, guards, uses),
        None => FnPlan::with_guards(sig, block, guards),
    };
    let Some(summary) = plan.summary() else {
        return Vec::new();
    };
    let Some((first, rest)) = summary.lets.split_first() else {
        return Vec::new();
    };
    let name = &sig.ident;
    let mut diagnostic = Diagnostic::new(
        Code::SEQUENTIAL_AWAITS,
        Location::of(file, *first),
        format!("`{name}` awaits one thing at a time: {summary}"),
    )
    .with_label("this await and the ones joined with it below do not depend on each other");
    // Each await joined names the first await it runs beside.
    for (at, span) in rest.iter().enumerate() {
        let line = summary.lets[summary.joined_with[at + 1]].start().line;
        let text = format!("joined with line {line} under `#[concurrent]`");
        diagnostic.secondary.push(Label {
            location: Location::of(file, *span),
            text,
        });
    }
    // Calls that share a receiver or an argument may reach shared state in an order
    // syntax cannot see: the user checks, and `--fix` never applies it alone.
    if let Some(caution) = summary.caution() {
        diagnostic = diagnostic.with_note(caution);
    }
    // A `?` that returns early no longer keeps the later joined `let`s from starting.
    if let Some(caution) = summary.failure_caution(&|span| span.start().line) {
        diagnostic = diagnostic.with_note(caution);
    }
    diagnostic = diagnostic.with_note(format!(
        "`cargo async-hygiene explain {}:{name}` shows the plan",
        file.display()
    ));
    let short = rules
        .imports()
        .resolve(&syn::parse_quote!(concurrent))
        .iter()
        .any(|path| path.first().is_some_and(|first| first == "async_hygiene"));
    let attribute = if short {
        "#[concurrent]"
    } else {
        "#[async_hygiene::concurrent]"
    };
    let start = Location::of(file, item_start);
    let indent = " ".repeat(start.column_start.saturating_sub(1));
    let mut at = start.clone();
    at.bytes = start.bytes.start..start.bytes.start;
    at.line_end = at.line_start;
    at.column_end = at.column_start;
    // Safe to apply when it compiles as written: the crate depends on the facade,
    // and no other attribute on the fn decides the order the two expand in; and when
    // `--fix` can verify it: code under a `#[cfg]` other than `cfg(test)` may not be
    // in the one configuration it builds.
    let alone = attrs.iter().all(|attr| {
        [
            "doc", "allow", "warn", "deny", "expect", "must_use", "inline", "cfg",
        ]
        .iter()
        .any(|name| attr.path().is_ident(name))
    });
    diagnostic.suggestion = Some(Suggestion {
        message: format!("add `{attribute}` to run them concurrently"),
        location: at,
        replacement: format!("{attribute}\n{indent}"),
        applicability: if rules.uses_facade()
            && alone
            && !rules.is_conditional()
            && summary.machine_applicable()
        {
            Applicability::MachineApplicable
        } else {
            Applicability::MaybeIncorrect
        },
    });
    vec![diagnostic]
}

/// Whether a body has at most one `.await`, counting those inside macro arguments.
fn awaits_at_most_one(block: &Block) -> bool {
    use syn::visit::Visit;
    struct AwaitCount(usize);
    impl<'ast> Visit<'ast> for AwaitCount {
        fn visit_expr_await(&mut self, await_expr: &'ast syn::ExprAwait) {
            self.0 += 1;
            syn::visit::visit_expr_await(self, await_expr);
        }
        fn visit_macro(&mut self, mac: &'ast Macro) {
            self.0 += awaits_in(mac.tokens.clone());
        }
    }
    fn awaits_in(tokens: proc_macro2::TokenStream) -> usize {
        tokens
            .into_iter()
            .map(|tree| match tree {
                proc_macro2::TokenTree::Ident(ident) => usize::from(ident == "await"),
                proc_macro2::TokenTree::Group(group) => awaits_in(group.stream()),
                _ => 0,
            })
            .sum()
    }
    let mut count = AwaitCount(0);
    count.visit_block(block);
    count.0 <= 1
}
