//! Expansion snapshots: every `macros/tests/snapshots/concurrent/<case>.rs` is expanded
//! and compared with `<case>.expanded.rs` beside it, formatted by the `rustfmt` binary,
//! so a reviewer reads exactly what `#[concurrent]` generates.
//!
//! Regenerate with `ASYNC_HYGIENE_SNAPSHOTS=overwrite cargo test -p async-hygiene-macros
//! snapshots` and read the diff.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use quote::ToTokens;

fn snapshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/concurrent")
}

/// The leading `//` comment of a case, then each `#[concurrent]` fn expanded.
fn expand_case(source: &str) -> String {
    let mut header = String::new();
    for line in source.lines().take_while(|line| line.starts_with("//")) {
        header.push_str(line);
        header.push('\n');
    }
    let file = syn::parse_file(source).expect("snapshot input parses");
    let mut expanded = String::new();
    for item in file.items {
        let syn::Item::Fn(mut function) = item else {
            expanded.push_str(&item.into_token_stream().to_string());
            continue;
        };
        function
            .attrs
            .retain(|attr| !attr.path().is_ident("concurrent"));
        let output = match super::rewrite(proc_macro2::TokenStream::new(), function) {
            Ok(rewritten) => rewritten.into_token_stream(),
            Err(error) => error.into_compile_error(),
        };
        expanded.push_str(&output.to_string());
        expanded.push('\n');
    }
    format!("{header}{}", rustfmt(&expanded))
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

#[test]
fn snapshots() {
    let overwrite = std::env::var("ASYNC_HYGIENE_SNAPSHOTS").is_ok_and(|v| v == "overwrite");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(snapshot_dir())
        .expect("snapshot directory exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| {
            path.extension().is_some_and(|ext| ext == "rs")
                && !path.to_string_lossy().ends_with(".expanded.rs")
        })
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no snapshot cases found");
    let mut stale = Vec::new();
    for case in cases {
        let source = std::fs::read_to_string(&case).expect("case is readable");
        let expanded = expand_case(&source);
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
