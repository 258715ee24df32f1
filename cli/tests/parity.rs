//! Parity: the checker, run over `#[no_blocking]`'s own ui and pass cases, reports
//! exactly what the attribute reports there, with the same messages, because both call
//! the same rules. The differences are listed here, each with its reason: they are what
//! a whole-file view adds (a `use` or a `mod` outside the annotated item) or what is
//! not a finding (misuse of the attribute itself).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn workspace_tests() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests")
}

/// The ui cases whose file defines a stand-in module for a blocking crate
/// (`mod ureq { .. }`): the attribute sees only the fn and matches the path as written;
/// the checker sees the file's `mod ureq` and knows the call is the crate's own.
const STAND_IN_MODULES: &[&str] = &["no_blocking_ureq.rs", "no_blocking_reqwest_blocking.rs"];

/// Errors about the attribute's own use (its arguments, its placement, the escape
/// hatch's reason): compile errors of the macro, not findings in the code.
fn is_attribute_misuse(message: &str) -> bool {
    [
        "`#[no_blocking]`",
        "allow_blocking!",
        "matches no blocking call",
        "needs the text of the fix",
        "unknown argument",
    ]
    .iter()
    .any(|pattern| message.contains(pattern))
}

/// The attribute names a shortened path it cannot resolve and says how to show it is
/// the user's own; the checker resolves the file's `use` and needs no such note.
fn without_shortened_path_note(message: &str) -> String {
    match message.find(" was read as std's") {
        Some(note) => {
            let open = message[..note].rfind(" (").unwrap_or(note);
            message[..open].to_owned()
        }
        None => message.to_owned(),
    }
}

/// `(line, column, message)` of each finding the `.stderr` holds.
fn attribute_errors(stderr: &str) -> BTreeSet<(u64, u64, String)> {
    let lines: Vec<&str> = stderr.lines().collect();
    let mut found = BTreeSet::new();
    for (index, line) in lines.iter().enumerate() {
        let Some(message) = line.strip_prefix("error: ") else {
            continue;
        };
        if is_attribute_misuse(message) {
            continue;
        }
        let Some(location) = lines
            .get(index + 1)
            .and_then(|next| next.trim().strip_prefix("--> "))
        else {
            continue;
        };
        let mut parts = location.rsplitn(3, ':');
        let column = parts.next().and_then(|c| c.parse().ok()).unwrap_or(0);
        let line_number = parts.next().and_then(|l| l.parse().ok()).unwrap_or(0);
        found.insert((line_number, column, without_shortened_path_note(message)));
    }
    found
}

/// The checker's reports on one file: each direct finding as the attribute prints it
/// (`message; help (notes)`) and each of its labels (the attribute emits a label as an
/// error of its own). Chain reports (through the file's own sync fns) are returned
/// apart: the attribute cannot see callees.
type Reports = BTreeSet<(u64, u64, String)>;

fn checker_reports(file: &Path) -> (Reports, Vec<(u64, String)>) {
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-async-hygiene"))
        .args(["check", file.to_str().unwrap(), "--message-format", "json"])
        .output()
        .unwrap();
    let mut direct = BTreeSet::new();
    let mut chains = Vec::new();
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        let message: Value = serde_json::from_str(line).unwrap();
        let message = &message["message"];
        let code = message["code"]["code"].as_str().unwrap();
        let children = message["children"].as_array().unwrap();
        let texts = |level: &str| -> Vec<String> {
            children
                .iter()
                .filter(|child| {
                    child["level"] == level && child["spans"].as_array().unwrap().is_empty()
                })
                .map(|child| child["message"].as_str().unwrap().to_owned())
                .collect()
        };
        let spans = message["spans"].as_array().unwrap();
        let primary = spans
            .iter()
            .find(|span| span["is_primary"] == true)
            .unwrap();
        let line_number = primary["line_start"].as_u64().unwrap();
        // The checker's own rules: the attribute has no counterpart to compare.
        if matches!(
            code,
            "async-hygiene::sequential-awaits"
                | "async-hygiene::unbounded-spawn"
                | "async-hygiene::detached-spawn"
        ) {
            continue;
        }
        let notes = texts("note");
        if notes.iter().any(|note| note.starts_with("call chain: ")) {
            chains.push((line_number, message["message"].as_str().unwrap().to_owned()));
            continue;
        }
        let mut text = message["message"].as_str().unwrap().to_owned();
        if let Some(help) = texts("help").first() {
            text.push_str("; ");
            text.push_str(help);
        }
        for note in &notes {
            write!(text, " ({note})").unwrap();
        }
        direct.insert((
            line_number,
            primary["column_start"].as_u64().unwrap(),
            without_shortened_path_note(&text),
        ));
        for span in spans.iter().filter(|span| span["is_primary"] == false) {
            direct.insert((
                span["line_start"].as_u64().unwrap(),
                span["column_start"].as_u64().unwrap(),
                span["label"].as_str().unwrap_or_default().to_owned(),
            ));
        }
    }
    (direct, chains)
}

#[test]
fn the_checker_reports_what_the_attribute_reports_on_its_ui_cases() {
    let mut cases = 0;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(workspace_tests().join("ui"))
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with("no_blocking_") && name.ends_with(".rs")
        })
        .collect();
    entries.sort();
    let mut mismatches = Vec::new();
    for case in entries {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let stderr = std::fs::read_to_string(case.with_extension("stderr")).unwrap();
        let expected = attribute_errors(&stderr);
        let (found, chains) = checker_reports(&case);
        assert!(chains.is_empty(), "{name}: {chains:?}");
        if STAND_IN_MODULES.contains(&name.as_str()) {
            assert_eq!(
                expected.len(),
                1,
                "{name}: the attribute matches the path as written"
            );
            assert!(
                found.is_empty(),
                "{name}: the checker sees the file's own module: {found:?}"
            );
            continue;
        }
        if expected != found {
            mismatches.push(format!(
                "{name}:\n  only the attribute: {:?}\n  only the checker: {:?}",
                expected.difference(&found).collect::<Vec<_>>(),
                found.difference(&expected).collect::<Vec<_>>()
            ));
        }
        cases += 1;
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert!(cases > 30, "the ui cases were found ({cases})");
}

#[test]
fn on_the_attribute_pass_cases_the_checker_reports_nothing_either() {
    // It found five places the attribute cannot see, each since allowed with its reason
    // (`allow_blocking!`): three sync helpers that annotated async fns call
    // (`no_blocking.rs`), `Repository::open` creating directories and a std thread
    // joined inside an unannotated `#[tokio::test]` (`no_blocking_service.rs`).
    for file in [
        "no_blocking.rs",
        "no_blocking_lints.rs",
        "no_blocking_service.rs",
    ] {
        let (direct, chains) = checker_reports(&workspace_tests().join(file));
        assert!(direct.is_empty(), "{file}: {direct:?}");
        assert!(chains.is_empty(), "{file}: {chains:?}");
    }
}
