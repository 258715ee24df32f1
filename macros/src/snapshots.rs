//! The expansion-snapshot harness every attribute's `snapshots` test calls: each
//! `macros/tests/snapshots/<attribute>/<case>.rs` is expanded and compared with
//! `<case>.expanded.rs` beside it, formatted by the `rustfmt` binary, so a reviewer reads
//! exactly what the attribute generates.
//!
//! Regenerate with `ASYNC_HYGIENE_SNAPSHOTS=overwrite cargo test -p async-hygiene-macros
//! snapshots` and read the diff.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{Attribute, Item, Meta};

use crate::item::last_segment_is;
use crate::watchdog_hook;

/// Expands every case of `attribute` with `expand(args, item)` and fails, naming the
/// stale files, where an `.expanded.rs` differs (or rewrites it, with `…=overwrite`).
pub(crate) fn check(attribute: &str, expand: impl Fn(TokenStream, TokenStream) -> TokenStream) {
    let overwrite = std::env::var("ASYNC_HYGIENE_SNAPSHOTS").is_ok_and(|v| v == "overwrite");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(attribute);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("snapshot directory {}: {error}", dir.display()))
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| {
            path.extension().is_some_and(|ext| ext == "rs")
                && !path.to_string_lossy().ends_with(".expanded.rs")
        })
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no snapshot cases in {}", dir.display());
    let mut stale = Vec::new();
    for case in cases {
        let source = std::fs::read_to_string(&case).expect("case is readable");
        let expanded = expand_case(&source, attribute, &expand);
        let target = case.with_extension("expanded.rs");
        let current = std::fs::read_to_string(&target).unwrap_or_default();
        if current != expanded {
            if overwrite {
                std::fs::write(&target, &expanded).expect("snapshot is writable");
            } else {
                stale.push(target.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale expansion snapshots (rerun with ASYNC_HYGIENE_SNAPSHOTS=overwrite and review the diff): {stale:#?}"
    );
}

/// The leading `//` comment of a case, then each item, expanded where it carries the
/// attribute: the attribute is taken off and its arguments and the item are passed to
/// `expand`, as rustc does.
fn expand_case(
    source: &str,
    attribute: &str,
    expand: &impl Fn(TokenStream, TokenStream) -> TokenStream,
) -> String {
    let mut header = String::new();
    for line in source.lines().take_while(|line| line.starts_with("//")) {
        header.push_str(line);
        header.push('\n');
    }
    let file = syn::parse_file(source).expect("snapshot input parses");
    let mut expanded = String::new();
    for mut item in file.items {
        let output = match take_attribute(&mut item, attribute) {
            Some(args) => expand(args, item.into_token_stream()),
            None => item.into_token_stream(),
        };
        expanded.push_str(&output.to_string());
        expanded.push('\n');
    }
    format!("{header}{}", rustfmt(&expanded))
}

/// Removes the first `#[attribute(args)]` of `item` and returns `args`.
fn take_attribute(item: &mut Item, attribute: &str) -> Option<TokenStream> {
    let attrs: &mut Vec<Attribute> = match item {
        Item::Fn(item) => &mut item.attrs,
        Item::Impl(item) => &mut item.attrs,
        Item::Mod(item) => &mut item.attrs,
        Item::Struct(item) => &mut item.attrs,
        Item::Trait(item) => &mut item.attrs,
        Item::Type(item) => &mut item.attrs,
        Item::Static(item) => &mut item.attrs,
        _ => return None,
    };
    let index = attrs
        .iter()
        .position(|attr| last_segment_is(attr.path(), attribute))?;
    Some(match attrs.remove(index).meta {
        Meta::List(list) => list.tokens,
        Meta::Path(_) | Meta::NameValue(_) => TokenStream::new(),
    })
}

/// The expansion with the watchdog hook's wrapper taken off every fn body (its own tests
/// show it), so the snapshot shows what the attribute itself adds; rustfmt cannot lay out
/// the wrapper's arguments when they name generic types.
pub(crate) fn without_watch(expanded: TokenStream) -> TokenStream {
    fn strip(items: &mut [Item]) {
        for item in items {
            match item {
                Item::Fn(function) => {
                    let block = std::mem::replace(&mut *function.block, syn::parse_quote!({}));
                    *function.block = watchdog_hook::plain_body(block);
                }
                Item::Impl(item_impl) => {
                    for impl_item in &mut item_impl.items {
                        if let syn::ImplItem::Fn(function) = impl_item {
                            let block =
                                std::mem::replace(&mut function.block, syn::parse_quote!({}));
                            function.block = watchdog_hook::plain_body(block);
                        }
                    }
                }
                Item::Mod(item_mod) => {
                    if let Some((_, items)) = &mut item_mod.content {
                        strip(items);
                    }
                }
                _ => {}
            }
        }
    }
    let mut file: syn::File = syn::parse2(expanded).expect("the expansion parses as items");
    strip(&mut file.items);
    file.into_token_stream()
}

fn rustfmt(code: &str) -> String {
    let mut child = Command::new(std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".into()))
        .args(["--edition", "2021", "--emit", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the `rustfmt` binary runs (rustup component add rustfmt)");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(code.as_bytes())
        .expect("rustfmt reads the expansion");
    let output = child.wait_with_output().expect("rustfmt finishes");
    assert!(
        output.status.success(),
        "rustfmt rejected the expansion:\n{code}"
    );
    String::from_utf8(output.stdout).expect("rustfmt writes UTF-8")
}
