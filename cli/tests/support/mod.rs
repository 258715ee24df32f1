//! What the test crates share: the fixtures, the reports of the JSON output and the
//! `//~ code` markers they are compared with. Each test crate uses part of it.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub(crate) fn primary(message: &Value) -> &Value {
    message["message"]["spans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|span| span["is_primary"] == true)
        .expect("a primary span")
}

/// `(file, line, code)` of each report.
pub(crate) fn reported(messages: &[Value]) -> BTreeSet<(String, u64, String)> {
    messages
        .iter()
        .map(|message| {
            let span = primary(message);
            let code = message["message"]["code"]["code"].as_str().unwrap();
            (
                span["file_name"].as_str().unwrap().to_owned(),
                span["line_start"].as_u64().unwrap(),
                code.trim_start_matches("async-hygiene::").to_owned(),
            )
        })
        .collect()
}

/// `(file, line, code)` of each `//~ code` marker under `dir`.
pub(crate) fn marked(dir: &Path) -> BTreeSet<(String, u64, String)> {
    let mut found = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in std::fs::read_dir(&next).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .is_some_and(|ext| ext == "rs" || ext == "toml")
            {
                let text = std::fs::read_to_string(&path).unwrap();
                let relative = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                for (index, line) in text.lines().enumerate() {
                    if let Some((_, code)) = line.split_once("//~ ") {
                        found.insert((relative.clone(), index as u64 + 1, code.trim().to_owned()));
                    }
                }
            }
        }
    }
    found
}

/// A fresh copy of fixture `name` under the system's temporary directory (`label` keeps
/// the copies of different test crates apart, a number those of one), for a test that
/// changes it; the test removes it when it passes.
pub(crate) fn scratch_copy_of(name: &str, label: &str) -> PathBuf {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap().flatten() {
            let target = to.join(entry.file_name());
            if entry.path().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    // Two tests of one binary may copy the same fixture at once: each copy is its own.
    static COPIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let copy_number = COPIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let to = std::env::temp_dir().join(format!(
        "async-hygiene-{label}{name}-{}-{copy_number}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&to);
    copy(&fixture(name), &to);
    to
}
