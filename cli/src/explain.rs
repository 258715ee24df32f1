//! `explain FILE:FN` / `FILE:LINE`: `#[concurrent]`'s plan for one fn, in words: the
//! statements, what each waits for, the joins and barriers, and why each `let` that
//! does not move stays. The text is the shared analysis's; this finds the fn.

use std::path::Path;

use async_hygiene_analysis::concurrent::{FnPlan, Guards, Source};
use async_hygiene_analysis::policy::{self, Guard};
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Attribute, Block, ImplItemFn, ItemFn, ItemImpl, Signature, TraitItemFn};

/// A fn of the file, with the name to select it by and the lines it covers.
struct Candidate<'f> {
    name: String,
    qualified: String,
    attrs: &'f [Attribute],
    sig: &'f Signature,
    block: &'f Block,
    lines: (usize, usize),
}

#[derive(Default)]
struct Finder<'f> {
    self_type: Option<String>,
    found: Vec<Candidate<'f>>,
}

impl<'f> Finder<'f> {
    fn push(
        &mut self,
        attrs: &'f [Attribute],
        sig: &'f Signature,
        block: &'f Block,
        whole: proc_macro2::Span,
    ) {
        let name = sig.ident.to_string();
        let qualified = match &self.self_type {
            Some(self_type) => format!("{self_type}::{name}"),
            None => name.clone(),
        };
        self.found.push(Candidate {
            name,
            qualified,
            attrs,
            sig,
            block,
            lines: (whole.start().line, whole.end().line),
        });
    }
}

impl<'f> Visit<'f> for Finder<'f> {
    fn visit_item_fn(&mut self, function: &'f ItemFn) {
        self.push(
            &function.attrs,
            &function.sig,
            &function.block,
            function.span(),
        );
        syn::visit::visit_item_fn(self, function);
    }

    fn visit_item_impl(&mut self, item: &'f ItemImpl) {
        let outer = self.self_type.take();
        if let syn::Type::Path(path) = &*item.self_ty {
            self.self_type = path
                .path
                .segments
                .last()
                .map(|segment| segment.ident.to_string());
        }
        syn::visit::visit_item_impl(self, item);
        self.self_type = outer;
    }

    fn visit_impl_item_fn(&mut self, function: &'f ImplItemFn) {
        self.push(
            &function.attrs,
            &function.sig,
            &function.block,
            function.span(),
        );
        syn::visit::visit_impl_item_fn(self, function);
    }

    fn visit_trait_item_fn(&mut self, function: &'f TraitItemFn) {
        if let Some(block) = &function.default {
            self.push(&function.attrs, &function.sig, block, function.span());
        }
        syn::visit::visit_trait_item_fn(self, function);
    }
}

/// The plan of the fn `selector` names in `FILE:FN`, `FILE:Type::method` or `FILE:LINE`.
pub(crate) fn explain(selector: &str) -> Result<String, String> {
    let (file, which) = split_selector(selector).ok_or_else(|| {
        format!(
            "`{selector}`: expected FILE:FN or FILE:LINE, e.g. src/lib.rs:load or src/lib.rs:42"
        )
    })?;
    let text = std::fs::read_to_string(file).map_err(|error| format!("{file}: {error}"))?;
    let parsed = syn::parse_file(&text).map_err(|error| {
        let start = error.span().start();
        format!(
            "{file}:{}:{}: does not parse: {error}",
            start.line,
            start.column + 1
        )
    })?;
    let mut finder = Finder::default();
    finder.visit_file(&parsed);
    let chosen = if let Ok(line) = which.parse::<usize>() {
        // The innermost fn around the line.
        finder
            .found
            .iter()
            .filter(|candidate| candidate.lines.0 <= line && line <= candidate.lines.1)
            .min_by_key(|candidate| candidate.lines.1 - candidate.lines.0)
            .ok_or_else(|| format!("{file}:{line} is not inside a fn"))?
    } else {
        {
            let matching: Vec<&Candidate<'_>> = finder
                .found
                .iter()
                .filter(|candidate| candidate.qualified == which || candidate.name == which)
                .collect();
            match matching.as_slice() {
                [one] => *one,
                [] => return Err(format!("{file} has no fn `{which}`")),
                several => {
                    let lines: Vec<String> = several
                        .iter()
                        .map(|candidate| {
                            format!("{} (line {})", candidate.qualified, candidate.lines.0)
                        })
                        .collect();
                    return Err(format!(
                        "{file} has several fns named `{which}`: {}; name one as `Type::{which}` or by its line",
                        lines.join(", ")
                    ));
                }
            }
        }
    };
    let (guards, note) = package_guards(Path::new(file));
    // The `fn` keyword's line, not the first attribute's or doc comment's.
    let mut out = format!("{file}:{}: ", chosen.sig.fn_token.span.start().line);
    let plan = FnPlan::with_guards(chosen.sig, chosen.block, Guards::new(&guards))
        .with_attributes(chosen.attrs);
    out.push_str(&plan.explain(&FileSource { text: &text }));
    if let Some(note) = note {
        out.push_str(&note);
    }
    Ok(out)
}

/// Line and text of spans in one file's source.
struct FileSource<'s> {
    text: &'s str,
}

impl Source for FileSource<'_> {
    fn line(&self, span: Span) -> Option<usize> {
        Some(span.start().line)
    }

    fn text(&self, span: Span) -> Option<String> {
        self.text.get(span.byte_range()).map(str::to_owned)
    }
}

/// The `[concurrent.guards]` of the package `file` belongs to (the nearest directory
/// above it with a `Cargo.toml`), so that the plan is the one `#[concurrent]` and
/// `check` make; with a note when its `async-hygiene.toml` is malformed.
fn package_guards(file: &Path) -> (Vec<Guard>, Option<String>) {
    let Some(package) = file
        .ancestors()
        .skip(1)
        .find(|dir| dir.join("Cargo.toml").is_file())
    else {
        return (Vec::new(), None);
    };
    match policy::load_from(package).map(|loaded| loaded.policy) {
        None => (Vec::new(), None),
        Some(Ok(policy)) => (policy.guards, None),
        Some(Err(problem)) => (
            Vec::new(),
            Some(format!(
                "note: {problem}; its `[concurrent.guards]` are not applied to this plan\n"
            )),
        ),
    }
}

/// `src/lib.rs:load` → (`src/lib.rs`, `load`); the last `:` that is not part of `::`.
fn split_selector(selector: &str) -> Option<(&str, &str)> {
    let bytes = selector.as_bytes();
    let mut index = selector.len();
    while index > 0 {
        index -= 1;
        if bytes[index] == b':'
            && (index == 0 || bytes[index - 1] != b':')
            && bytes.get(index + 1) != Some(&b':')
        {
            let (file, which) = (&selector[..index], &selector[index + 1..]);
            return (!file.is_empty() && !which.is_empty()).then_some((file, which));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::split_selector;

    #[test]
    fn selectors_split_at_the_last_single_colon() {
        assert_eq!(
            split_selector("src/lib.rs:load"),
            Some(("src/lib.rs", "load"))
        );
        assert_eq!(split_selector("src/lib.rs:42"), Some(("src/lib.rs", "42")));
        assert_eq!(
            split_selector("src/lib.rs:Service::three"),
            Some(("src/lib.rs", "Service::three"))
        );
        assert_eq!(split_selector("src/lib.rs"), None);
    }

    #[test]
    fn the_header_cites_the_fn_line_and_the_attribute_already_there() {
        let file = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/sequential/src/lib.rs"
        );
        let plan = super::explain(&format!("{file}:annotated")).expect("the fn exists");
        // Line 32 is its doc comment, 33 its attribute, 34 the `fn`.
        assert!(
            plan.starts_with(&format!(
                "{file}:34: `fn annotated` has `#[concurrent]`: it joins 2 awaits in sequence \
                 into 1 step\n"
            )),
            "{plan}"
        );
    }
}
