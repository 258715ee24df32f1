//! Name resolution as reports show it, on the fixture crates under
//! `tests/fixtures/resolution/`: each expected report is marked `//~ code` on the line of
//! its primary span, and every unmarked call is a look-alike that must stay silent.
//!
//! - `crate_graph`: a method guessed by its name alone, or a path through a crate's
//!   name, reaches only the crates the caller can name (its own target, its package's
//!   lib, the workspace packages it depends on, by the name it uses for them); each
//!   integration test is a crate of its own.
//! - `written_path`: a call resolves through the path written at it, not through
//!   another type of the same name in view.
//! - `raw_module`: `mod r#type;` is `type.rs`.
//! - `chain_leaf`: a chain names its blocking call by the API alone, whatever the
//!   catalogue's sentence about it.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::{marked, primary, reported};

mod support;

fn fixture(name: &str) -> PathBuf {
    support::fixture(&format!("resolution/{name}"))
}

/// The `compiler-message`s of `check DIR --message-format json` (plus `extra`).
fn messages(dir: &Path, extra: &[&str]) -> Vec<Value> {
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-async-hygiene"))
        .args(["check", dir.to_str().unwrap(), "--message-format", "json"])
        .args(extra)
        .output()
        .expect("the checker runs");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("{error}: {line}")))
        .collect()
}

/// The notes of the report at `file:line`.
fn notes(messages: &[Value], file: &str, line: u64) -> Vec<String> {
    let message = messages
        .iter()
        .find(|message| {
            let span = primary(message);
            span["file_name"] == file && span["line_start"] == line
        })
        .unwrap_or_else(|| panic!("no report at {file}:{line} in {messages:#?}"));
    message["message"]["children"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|child| child["level"] == "note")
        .map(|child| child["message"].as_str().unwrap().to_owned())
        .collect()
}

/// Crate `b` does not depend on `a`: neither its `.init()` on another crate's type nor
/// `a::init()` is `a`'s. `c` depends on `a` under another name, and the test `second`
/// does not see the fns of the test `first`, only its package's lib and dev-dependency.
/// The same with the manifests read directly.
#[test]
fn a_call_reaches_only_the_crates_its_crate_can_name() {
    let dir = fixture("crate_graph");
    for extra in [&[][..], &["--no-metadata"][..]] {
        let messages = messages(&dir, extra);
        assert_eq!(reported(&messages), marked(&dir), "{extra:?}");
        assert_eq!(
            notes(&messages, "c/src/lib.rs", 4)[0],
            "call chain: `init` at a/src/lib.rs:12 → `std::fs::read_to_string`"
        );
        assert_eq!(
            notes(&messages, "t/tests/first.rs", 18)[0],
            "call chain: `trailers` at t/tests/first.rs:7 → `std::fs::read`"
        );
    }
}

/// `dist::http::Client::new` is the `new` of the `Client` that path names, not of the
/// `jobserver::Client` the file imports; `Client::new` is the imported one's. A path
/// that names no fn (`dist::http::Cache::new`) is no other fn of the same last name, and
/// `super::super::` climbs two modules.
#[test]
fn a_call_resolves_through_the_path_written_at_it() {
    let dir = fixture("written_path");
    let messages = messages(&dir, &[]);
    assert_eq!(reported(&messages), marked(&dir));
    assert_eq!(
        notes(&messages, "src/lib.rs", 10)[0],
        "call chain: `new` at src/jobserver.rs:7 → `std::fs::read`"
    );
    assert_eq!(
        notes(&messages, "src/lib.rs", 14)[0],
        "call chain: `cached` at src/dist/http.rs:18 → `load` at src/dist/store.rs:2 → \
         `std::fs::read`"
    );
}

#[test]
fn a_raw_module_name_is_looked_up_without_its_prefix() {
    let dir = fixture("raw_module");
    let messages = messages(&dir, &[]);
    assert_eq!(reported(&messages), marked(&dir));
    assert_eq!(
        notes(&messages, "src/lib.rs", 8)[0],
        "call chain: `rules` at src/kinds.rs:5 → `rules` at src/kinds/match/loop.rs:2 → \
         `std::fs::read`"
    );
}

/// The chain, the headline and the label name the blocking call by its API; the note
/// after the chain keeps the catalogue's whole sentence.
#[test]
fn a_chain_names_its_blocking_call_by_the_api() {
    let dir = fixture("chain_leaf");
    let messages = messages(&dir, &[]);
    assert_eq!(reported(&messages), marked(&dir));
    let cases = [
        (
            21,
            "open_store",
            5,
            "`rusqlite::Connection::open`",
            "is the blocking `rusqlite` client",
        ),
        (22, "fetch_status", 9, "`ureq`", "is a blocking HTTP client"),
        (
            23,
            "fetch_body",
            13,
            "`reqwest::blocking`",
            "is a blocking HTTP client: it",
        ),
        (
            24,
            "connect_db",
            17,
            "`postgres::Client::connect`",
            "is the blocking `postgres` client",
        ),
    ];
    for (line, sync_fn, at, api, sentence) in cases {
        let message = messages
            .iter()
            .find(|message| primary(message)["line_start"] == line)
            .unwrap();
        assert_eq!(
            message["message"]["message"],
            format!("`{sync_fn}` blocks the executor thread: it calls {api}")
        );
        let label = message["message"]["spans"]
            .as_array()
            .unwrap()
            .iter()
            .find(|span| span["is_primary"] == false)
            .unwrap();
        assert_eq!(label["label"], format!("{api} blocks here"));
        let notes = notes(&messages, "src/lib.rs", line);
        assert_eq!(
            notes[0],
            format!("call chain: `{sync_fn}` at src/lib.rs:{at} → {api}")
        );
        assert!(
            notes[1].starts_with(&format!("{api} {sentence}")),
            "{}",
            notes[1]
        );
    }
}
