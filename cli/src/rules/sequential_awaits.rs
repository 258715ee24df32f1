//! `sequential-awaits`: awaits in sequence that `#[concurrent]` would run together.
//!
//! The check is `#[concurrent]`'s own plan (`async-hygiene-analysis`, `concurrent`),
//! made for each async fn without the attribute; reported when it would join at least
//! two awaits, on the `let`s it would join, with the attribute to insert. In precise
//! mode ([`check_file`]) the plan also knows how the compiler resolved each statement's
//! borrows.

use std::path::Path;
use std::sync::Arc;

use async_hygiene_analysis::concurrent::{CompilerUses, FnPlan, Guards};
use proc_macro2::Span;
use syn::{Attribute, Block, ImplItem, Item, Macro, Signature, TraitItem};

use crate::collect::{item_start, macro_items};
use crate::diagnostic::{self, Applicability, Diagnostic, Label, Location, Suggestion};
use crate::rules::code::{Code, Doc, Rule};
use crate::scope::{is_attribute, CrateRules, ScopeRules};

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
inserts it where it compiles as written: the package depends on `async-hygiene` and no
other attribute on the fn decides the order the two expand in.
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
pub(crate) fn check(
    rules: &ScopeRules,
    attrs: &[Attribute],
    sig: &Signature,
    block: &Block,
    item_start: Span,
    file: &Arc<Path>,
) -> Vec<Diagnostic> {
    check_with(rules, (attrs, sig, block, item_start), file, None)
}

/// [`check`], with the compiler's uses of the fn's statements when there are some.
fn check_with(
    rules: &ScopeRules,
    (attrs, sig, block, item_start): (&[Attribute], &Signature, &Block, Span),
    file: &Arc<Path>,
    compiler: Option<&CompilerUses>,
) -> Vec<Diagnostic> {
    if attrs.iter().any(|attr| is_attribute(attr, "concurrent")) {
        return Vec::new();
    }
    // The plan (which copies the body) can join nothing with fewer than two awaits.
    if awaits_at_most_one(block) {
        return Vec::new();
    }
    let guards = Guards::new(rules.guards());
    let plan = match compiler {
        Some(uses) => FnPlan::with_compiler(sig, block, guards, Arc::clone(uses)),
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
    .with_label("this await and the ones labelled below do not depend on each other");
    for span in rest {
        diagnostic.secondary.push(Label {
            location: Location::of(file, *span),
            text: "runs concurrently with the first under `#[concurrent]`".to_owned(),
        });
    }
    // Calls that share a receiver or an argument may reach shared state in an order
    // syntax cannot see: the user checks, and `--fix` never applies it alone.
    if let Some(caution) = summary.caution() {
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
    // and no other attribute on the fn decides the order the two expand in.
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
        applicability: if rules.uses_facade() && alone && summary.machine_applicable() {
            Applicability::MachineApplicable
        } else {
            Applicability::MaybeIncorrect
        },
    });
    vec![diagnostic]
}

/// Precise mode: the reports of every async fn of a file (the items the default mode's
/// scan reaches: modules, impls, traits' default bodies, items of item-position macros),
/// planned with the compiler's uses of their statements. `None` when the file does not
/// parse (the default mode reports that).
pub(crate) fn check_file(
    rules: &CrateRules,
    file: &Arc<Path>,
    text: &Arc<str>,
    compiler: &CompilerUses,
) -> Option<Vec<Diagnostic>> {
    fn walk(
        scope: &ScopeRules,
        items: &[Item],
        file: &Arc<Path>,
        compiler: &CompilerUses,
        found: &mut Vec<Diagnostic>,
    ) {
        let expanded = macro_items(items);
        let check_fn = |rules: &ScopeRules,
                        attrs: &[Attribute],
                        sig: &Signature,
                        block: &Block,
                        start: Span| {
            if sig.asyncness.is_some() {
                check_with(rules, (attrs, sig, block, start), file, Some(compiler))
            } else {
                Vec::new()
            }
        };
        for item in items
            .iter()
            .chain(expanded.iter().flat_map(|file| &file.items))
        {
            match item {
                Item::Mod(item_mod) => {
                    if let Some((_, content)) = &item_mod.content {
                        let inner = scope.item(&item_mod.attrs).scope(content);
                        walk(&inner, content, file, compiler, found);
                    }
                }
                Item::Fn(function) => found.extend(check_fn(
                    &scope.item(&function.attrs),
                    &function.attrs,
                    &function.sig,
                    &function.block,
                    item_start(&function.vis, &function.sig),
                )),
                Item::Impl(item_impl) => {
                    let impl_rules = scope
                        .item(&item_impl.attrs)
                        .for_impl_of(items, &item_impl.self_ty);
                    for impl_item in &item_impl.items {
                        if let ImplItem::Fn(function) = impl_item {
                            found.extend(check_fn(
                                &impl_rules.item(&function.attrs),
                                &function.attrs,
                                &function.sig,
                                &function.block,
                                item_start(&function.vis, &function.sig),
                            ));
                        }
                    }
                }
                Item::Trait(item_trait) => {
                    let trait_rules = scope.item(&item_trait.attrs);
                    for trait_item in &item_trait.items {
                        if let TraitItem::Fn(function) = trait_item {
                            if let Some(block) = &function.default {
                                found.extend(check_fn(
                                    &trait_rules.item(&function.attrs),
                                    &function.attrs,
                                    &function.sig,
                                    block,
                                    item_start(&syn::Visibility::Inherited, &function.sig),
                                ));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    // Lexed without the sync fns' bodies, as the default mode lexes first: every token
    // keeps its line and column, from which spans take their byte offsets.
    let skimmed = crate::skim::skim(text).unwrap_or_default();
    let found = diagnostic::with_lines(text, 0..text.len(), || {
        let parsed = skimmed
            .for_lexing
            .as_deref()
            .and_then(|lexed| syn::parse_file(lexed).ok())
            .or_else(|| syn::parse_file(text).ok())?;
        let mut found = Vec::new();
        walk(
            &rules.scope(&parsed.items),
            &parsed.items,
            file,
            compiler,
            &mut found,
        );
        Some(found)
    });
    // Every span of the file is resolved: free this thread's copy of its text.
    proc_macro2::extra::invalidate_current_thread_spans();
    found
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
