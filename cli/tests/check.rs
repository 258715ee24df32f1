//! The checker run as a user runs it, on the fixture crates under `tests/fixtures/`
//! (data, never built: the root manifest excludes them). Reports are read from the JSON
//! output, the shape cargo and rust-analyzer read.
//!
//! A fixture marks each expected report with `//~ code` on the line of its primary
//! span; every unmarked line must stay silent, so each look-alike is a test too.
//!
//! Each rule has a fixture crate of its own, `tests/fixtures/rules/<rule>/`, and the
//! human output on it as a snapshot, `tests/snapshots/<rule>.txt`.
//! `UPDATE_SNAPSHOTS=1 cargo test -p cargo-async-hygiene --test check rule` rewrites the
//! snapshots; read every diff before committing it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use support::{fixture, marked, primary, reported};

mod support;

fn checker() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cargo-async-hygiene"))
}

fn run(args: &[&str]) -> Output {
    checker().args(args).output().expect("the checker runs")
}

/// `check PATH --message-format json` (plus `extra`): the exit status and the messages.
fn check_json(path: &Path, extra: &[&str]) -> (i32, Vec<Value>) {
    let mut args = vec!["check", path.to_str().unwrap(), "--message-format", "json"];
    args.extend_from_slice(extra);
    let output = run(&args);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let messages = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("{error}: {line}")))
        .collect();
    (output.status.code().unwrap(), messages)
}

fn children(message: &Value, level: &str) -> Vec<String> {
    message["message"]["children"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|child| child["level"] == level)
        .map(|child| child["message"].as_str().unwrap().to_owned())
        .collect()
}

/// The child of a message that carries a suggestion (the one with spans).
fn suggestion(message: &Value) -> &Value {
    message["message"]["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|child| !child["spans"].as_array().unwrap().is_empty())
        .expect("a suggestion")
}

fn at<'m>(messages: &'m [Value], file: &str, line: u64) -> &'m Value {
    messages
        .iter()
        .find(|message| {
            let span = primary(message);
            span["file_name"] == file && span["line_start"] == line
        })
        .unwrap_or_else(|| panic!("no report at {file}:{line} in {messages:#?}"))
}

#[test]
fn call_graph_cases_report_exactly_the_marked_lines() {
    let dir = fixture("call_graph");
    let (status, messages) = check_json(&dir, &[]);
    assert_eq!(reported(&messages), marked(&dir));
    assert_eq!(status, 1);
}

#[test]
fn chain_through_modules_is_reported_at_the_async_call_with_its_notes() {
    let (status, messages) = check_json(&fixture("multi_module"), &[]);
    assert_eq!(status, 1);
    let load = at(&messages, "src/lib.rs", 11);
    let span = primary(load);
    assert_eq!(
        (span["column_start"].as_u64(), span["column_end"].as_u64()),
        (Some(16), Some(47)),
        "the whole call `config::load_config(\"app.toml\")`"
    );
    assert_eq!(load["message"]["code"]["code"], "async-hygiene::blocking");
    assert_eq!(load["message"]["level"], "error");
    assert_eq!(
        load["message"]["message"],
        "`config::load_config` blocks the executor thread: it calls `std::fs::read_to_string` \
         (through `read_file`)"
    );
    assert_eq!(
        children(load, "note")[0],
        "call chain: `load_config` at src/config.rs:4 → `read_file` at src/fs_util.rs:2 → \
         `std::fs::read_to_string`"
    );
    assert!(children(load, "help")[0].contains("#[offload]"));
    // The blocking call itself is a secondary span in the helper's file.
    let secondary: Vec<&Value> = load["message"]["spans"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|span| span["is_primary"] == false)
        .collect();
    assert_eq!(secondary[0]["file_name"], "src/fs_util.rs");
    assert_eq!(secondary[0]["line_start"], 2);

    // A method through `pub use`, an inline `#[path]` module, a module declared inside an
    // item macro (`cfg_jobs! { mod jobs; }`), a direct call.
    let lines: BTreeSet<(String, u64, String)> = reported(&messages);
    let expected: BTreeSet<(String, u64, String)> = [
        ("src/jobs.rs", 2),
        ("src/lib.rs", 11),
        ("src/lib.rs", 12),
        ("src/net/mod.rs", 6),
        ("src/store.rs", 5),
    ]
    .into_iter()
    .map(|(file, line)| (file.to_owned(), line, "blocking".to_owned()))
    .collect();
    assert_eq!(
        lines, expected,
        "`spawn_blocking(|| config::load_config(..))` is not reported"
    );
    let persist = at(&messages, "src/store.rs", 5);
    assert_eq!(
        children(persist, "note")[0],
        "call chain: `persist` at src/store_impl.rs:2 → `std::fs::write`"
    );
}

#[test]
fn a_workspace_is_one_call_graph_with_or_without_cargo() {
    for extra in [&[][..], &["--no-metadata"][..]] {
        let (status, messages) = check_json(&fixture("workspace"), extra);
        assert_eq!(status, 1, "{extra:?}");
        let lines: Vec<(String, u64, String)> = reported(&messages).into_iter().collect();
        assert_eq!(
            lines,
            [
                ("app/src/main.rs".to_owned(), 4, "blocking".to_owned()),
                ("app/src/main.rs".to_owned(), 5, "blocking".to_owned()),
            ],
            "{extra:?}"
        );
        let row = at(&messages, "app/src/main.rs", 5);
        assert_eq!(
            children(row, "note")[0],
            "call chain: `row` at crates/storage/src/lib.rs:9 → `read_row` at \
             crates/storage/src/backend/disk.rs:8 → `std::fs::File::open`"
        );
        let settings = at(&messages, "app/src/main.rs", 4);
        assert_eq!(
            children(settings, "note")[0],
            "call chain: `read_settings` at crates/storage/src/backend/disk.rs:4 → `std::fs::read`"
        );
    }
}

#[test]
fn a_file_that_does_not_parse_is_a_report_and_the_rest_is_checked() {
    let (status, messages) = check_json(&fixture("broken"), &[]);
    assert_eq!(status, 1);
    let lines: Vec<(String, u64, String)> = reported(&messages).into_iter().collect();
    assert_eq!(
        lines,
        [
            ("src/bad.rs".to_owned(), 2, "unparsed-file".to_owned()),
            ("src/good.rs".to_owned(), 2, "blocking".to_owned()),
            ("src/lib.rs".to_owned(), 3, "unparsed-file".to_owned()),
        ]
    );
    let bad = at(&messages, "src/bad.rs", 2);
    assert_eq!(primary(bad)["column_start"], 13);
    assert!(bad["message"]["message"]
        .as_str()
        .unwrap()
        .contains("expected an expression"));
}

/// A module file a build script writes is missing until the package is built: the report
/// says to run `cargo check` first when the package has a build script, and only then.
#[test]
fn a_missing_module_of_a_package_with_a_build_script_says_to_build_first() {
    let dir = fixture("generated");
    let (status, messages) = check_json(&dir, &[]);
    assert_eq!(status, 1);
    assert_eq!(reported(&messages), marked(&dir));
    let help = children(at(&messages, "src/lib.rs", 1), "help");
    assert_eq!(help.len(), 1, "{help:?}");
    assert!(
        help[0].contains("build script (`build.rs`) writes this file, run `cargo check` before"),
        "{help:?}"
    );
    let (_, messages) = check_json(&fixture("broken"), &[]);
    assert_eq!(
        children(at(&messages, "src/lib.rs", 3), "help"),
        Vec::<String>::new()
    );
}

#[test]
fn lint_levels_come_from_the_config_and_deny_warnings_raises_them() {
    let dir = fixture("lints");
    let (status, messages) = check_json(&dir, &[]);
    // `blocking = "warn"`, `lock-across-await = "allow"`.
    assert_eq!(status, 0);
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["message"]["level"], "warning");
    assert_eq!(primary(&messages[0])["line_start"], 7);

    let (status, messages) = check_json(&dir, &["--deny", "warnings"]);
    assert_eq!(status, 1);
    assert_eq!(messages[0]["message"]["level"], "error");
}

#[test]
fn json_lines_are_cargo_compiler_messages() {
    let (_, messages) = check_json(&fixture("multi_module"), &[]);
    for message in &messages {
        let line = serde_json::to_string(message).unwrap();
        let parsed: cargo_metadata::Message = serde_json::from_str(&line).unwrap();
        let cargo_metadata::Message::CompilerMessage(parsed) = parsed else {
            panic!("not a compiler-message: {line}");
        };
        assert!(parsed
            .message
            .code
            .unwrap()
            .code
            .starts_with("async-hygiene::"));
        assert!(parsed.message.rendered.unwrap().contains("--> src/"));
    }
}

#[test]
fn sarif_lists_rules_and_results_with_regions() {
    let output = run(&[
        "check",
        fixture("multi_module").to_str().unwrap(),
        "--message-format",
        "sarif",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let log: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["id"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"async-hygiene::blocking"));
    assert!(rules.contains(&"async-hygiene::sequential-awaits"));
    // Each rule's help is its section of the checker's README, in the repository.
    let sequential = &run["tool"]["driver"]["rules"][2];
    assert_eq!(sequential["name"], "sequential-awaits");
    assert_eq!(
        sequential["helpUri"],
        format!(
            "{}/blob/HEAD/cli/README.md#sequential-awaits",
            env!("CARGO_PKG_REPOSITORY")
        )
    );
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(readme.contains("\n### sequential-awaits\n"));
    let result = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|result| {
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/lib.rs"
        })
        .expect("a result in src/lib.rs");
    assert_eq!(result["ruleId"], "async-hygiene::blocking");
    assert_eq!(result["level"], "error");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "src/lib.rs");
    assert_eq!(location["region"]["startLine"], 11);
    assert_eq!(location["region"]["startColumn"], 16);
}

#[test]
fn human_output_looks_like_rustc() {
    let output = run(&["check", fixture("multi_module").to_str().unwrap()]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("error[async-hygiene::blocking]: `config::load_config` blocks"));
    assert!(stdout.contains("--> src/lib.rs:11:16"));
    assert!(stdout.contains("= note: call chain: `load_config` at src/config.rs:4"));
    assert!(stdout.contains("= help: make `read_file` async"));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("5 errors, 0 warnings"), "{stderr}");
}

#[test]
fn runs_as_a_cargo_subcommand_and_exits_2_on_usage_errors() {
    // `cargo async-hygiene check` passes `async-hygiene` first.
    let output = run(&["async-hygiene", "check", fixture("lints").to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let output = run(&["check", "/nonexistent/dir"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8(output.stderr)
        .unwrap()
        .contains("`/nonexistent/dir` does not exist"));
    let output = run(&["check", "--message-format", "xml"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn sequential_awaits_warns_where_concurrent_would_join_and_nowhere_else() {
    let dir = fixture("sequential");
    let (status, messages) = check_json(&dir, &[]);
    assert_eq!(reported(&messages), marked(&dir));
    assert_eq!(status, 0, "a warning");
    let dashboard = at(&messages, "src/lib.rs", 14);
    assert_eq!(dashboard["message"]["level"], "warning");
    assert_eq!(
        dashboard["message"]["message"],
        "`dashboard` awaits one thing at a time: 2 awaits in sequence; `#[concurrent]` runs \
         them in 1 step"
    );
    // The second `let` it would join is labelled.
    let spans = dashboard["message"]["spans"].as_array().unwrap();
    assert_eq!(spans[1]["line_start"], 15);
    // The suggestion inserts the attribute above the fn, indented like it.
    let three = at(&messages, "src/lib.rs", 45);
    let span = &suggestion(three)["spans"][0];
    assert_eq!(span["suggested_replacement"], "#[concurrent]\n    ");
    assert_eq!(span["suggestion_applicability"], "MachineApplicable");
    assert_eq!(
        (span["line_start"].as_u64(), span["column_start"].as_u64()),
        (Some(44), Some(5))
    );

    // A `?` that returns early no longer keeps the joined fetch from starting: said, and
    // not machine-applicable.
    let fallible = at(&messages, "src/lib.rs", 90);
    assert!(
        children(fallible, "note")
            .iter()
            .any(|note| note.starts_with(
                "an early return at line 90 (its `?`) no longer keeps line 91 from starting"
            )),
        "{fallible:#}"
    );
    assert_eq!(
        suggestion(fallible)["spans"][0]["suggestion_applicability"],
        "MaybeIncorrect"
    );

    let (status, _) = check_json(&dir, &["--deny", "warnings"]);
    assert_eq!(status, 1);
}

/// `--lib` checks the library targets only (what `cargo clippy` reads without
/// `--all-targets`): the integration test's blocking is not reported, the library's is.
#[test]
fn lib_checks_the_library_targets_only() {
    let dir = fixture("targets");
    let files = |messages: &[Value]| -> BTreeSet<String> {
        messages
            .iter()
            .map(|message| primary(message)["file_name"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, all) = check_json(&dir, &[]);
    assert_eq!(
        files(&all),
        BTreeSet::from(["src/lib.rs".to_owned(), "tests/settings.rs".to_owned()])
    );
    let (status, lib) = check_json(&dir, &["--lib"]);
    assert_eq!(files(&lib), BTreeSet::from(["src/lib.rs".to_owned()]));
    assert_eq!(status, 1);
}

#[test]
fn explain_prints_the_plan_by_name_or_line() {
    let file = fixture("sequential").join("src/lib.rs");
    let output = run(&["explain", &format!("{}:Service::three", file.display())]);
    assert_eq!(output.status.code(), Some(0));
    let plan = String::from_utf8(output.stdout).unwrap();
    assert!(
        plan.contains("`fn three`: 3 awaits in sequence; `#[concurrent]` runs them in 1 step"),
        "{plan}"
    );
    assert!(
        plan.contains("schedule (by line): join(45, 46, 47)"),
        "{plan}"
    );

    let output = run(&["explain", &format!("{}:22", file.display())]);
    let plan = String::from_utf8(output.stdout).unwrap();
    assert!(plan.contains("`fn chain`: nothing to join"), "{plan}");
    assert!(plan.contains("after line 21: uses `user`"), "{plan}");

    let output = run(&["explain", &format!("{}:no_such_fn", file.display())]);
    assert_eq!(output.status.code(), Some(2));

    // The package's `[concurrent.guards]` apply, as they do for the attribute and `check`.
    let output = run(&["explain", &format!("{}:pooled", file.display())]);
    let plan = String::from_utf8(output.stdout).unwrap();
    assert!(
        plan.contains("is a guard by this crate's `[concurrent.guards]`"),
        "{plan}"
    );
    assert!(plan.contains("`fn pooled`: nothing to join"), "{plan}");
}

/// A file that starts with a shebang (rustc ignores it, and so does syn, which then
/// lexes the rest): reports point at the right bytes, lines and columns of the file.
#[test]
fn a_shebang_line_does_not_move_the_reports() {
    let dir = scratch_copy("targets");
    let lib = dir.join("src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(&lib, format!("#!/usr/bin/env run-cargo-script\n{text}")).unwrap();
    let (_, messages) = check_json(&dir, &["--lib"]);
    let span = primary(&messages[0]);
    let written = std::fs::read_to_string(&lib).unwrap();
    let start = usize::try_from(span["byte_start"].as_u64().unwrap()).unwrap();
    assert!(
        written[start..].starts_with("std::fs::read_to_string"),
        "{span:#}"
    );
    let line = written[..start].lines().count();
    assert_eq!(span["line_start"].as_u64(), u64::try_from(line).ok());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Copies a fixture to a fresh directory that `--fix` may change.
fn scratch_copy(name: &str) -> PathBuf {
    support::scratch_copy_of(name, "")
}

#[test]
fn fix_inserts_concurrent_prints_it_and_leaves_nothing_to_report() {
    let dir = scratch_copy("sequential");
    // The copy is not next to the workspace: depend on the facade by a plain version.
    let manifest = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("{ path = \"../../../..\" }", "\"0.1\"");
    std::fs::write(&manifest, text).unwrap();
    let output = run(&["check", dir.to_str().unwrap(), "--fix", "--no-metadata"]);
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("fixed src/lib.rs:13: inserted `#[concurrent]`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("fixed src/lib.rs:44: inserted `#[concurrent]`"),
        "{stderr}"
    );
    let source = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
    assert!(source.contains("#[concurrent]\npub async fn dashboard"));
    assert!(source
        .contains("    #[allow(clippy::unused_async)]\n    #[concurrent]\n    pub async fn three"));
    // The fetch after a `?` is left to a reader, and still reported.
    assert!(!source.contains("#[concurrent]\npub async fn fallible"));
    let (status, messages) = check_json(&dir, &["--no-metadata"]);
    assert_eq!(status, 0);
    assert_eq!(
        reported(&messages),
        // Two lines down: the two attributes inserted above it.
        BTreeSet::from([("src/lib.rs".to_owned(), 92, "sequential-awaits".to_owned())])
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_config_problem_is_a_report_on_its_line_and_the_code_is_still_checked() {
    let (status, messages) = check_json(&fixture("bad_config"), &[]);
    assert_eq!(status, 1);
    let lines: Vec<(String, u64, String)> = reported(&messages).into_iter().collect();
    assert_eq!(
        lines,
        [
            ("async-hygiene.toml".to_owned(), 3, "config".to_owned()),
            ("src/lib.rs".to_owned(), 2, "blocking".to_owned()),
        ]
    );
    assert_eq!(
        messages[0]["message"]["message"],
        "`std::fs::read_to_strin` matches no blocking call that `#[no_blocking]` checks, so \
         there is nothing to allow"
    );

    let dir = scratch_copy("bad_config");
    std::fs::write(
        dir.join("async-hygiene.toml"),
        "[lints]\nblocking = \"loud\"\n",
    )
    .unwrap();
    let (status, messages) = check_json(&dir, &["--no-metadata"]);
    assert_eq!(status, 1);
    let malformed = at(&messages, "async-hygiene.toml", 2);
    let text = malformed["message"]["message"].as_str().unwrap();
    assert!(text.starts_with("malformed async-hygiene.toml: "), "{text}");
    assert!(
        !text.contains(dir.to_str().unwrap()),
        "the path is the span's: {text}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// The rules, as `explain` lists them for a name that is not one.
fn rules() -> Vec<String> {
    let output = run(&["explain", "no-such-rule"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let list = stderr
        .split_once("the rules are ")
        .and_then(|(_, rest)| rest.split_once(". "))
        .unwrap_or_else(|| panic!("no list of rules in {stderr}"))
        .0;
    list.split(", ").map(str::to_owned).collect()
}

#[test]
fn each_rule_reports_exactly_the_marked_lines_of_its_fixture() {
    let rules = rules();
    assert!(rules.len() >= 5, "{rules:?}");
    for rule in &rules {
        let dir = fixture("rules").join(rule);
        assert!(
            dir.is_dir(),
            "`{rule}` has no fixture crate at {}",
            dir.display()
        );
        let (_, messages) = check_json(&dir, &[]);
        let marked = marked(&dir);
        assert_eq!(reported(&messages), marked, "{rule}");
        assert!(
            marked.iter().any(|(_, _, code)| code == rule),
            "the fixture of `{rule}` marks no report of it"
        );
    }
}

/// Shapes met in real code bases: literal addresses, binds to address values, offloads
/// wrapped in blocks, `wait(Duration)`, copies between memory buffers (quiet), and the
/// file system reached through `Path`, `fs_err`, `walkdir`, `tempfile` and `self` fields.
#[test]
fn field_shapes_report_exactly_their_marked_lines() {
    let dir = fixture("field_shapes");
    let (_, messages) = check_json(&dir, &[]);
    assert_eq!(reported(&messages), marked(&dir));
}

#[test]
fn each_rules_human_output_is_its_snapshot() {
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let mut stale = Vec::new();
    for rule in rules() {
        let output = run(&["check", fixture("rules").join(&rule).to_str().unwrap()]);
        let rendered = format!(
            "{}exit status: {}\n",
            String::from_utf8(output.stdout).unwrap(),
            output.status.code().unwrap()
        );
        let path = snapshots.join(format!("{rule}.txt"));
        if std::fs::read_to_string(&path).ok().as_deref() == Some(rendered.as_str()) {
            continue;
        }
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::create_dir_all(&snapshots).unwrap();
            std::fs::write(&path, rendered).unwrap();
        } else {
            stale.push(format!("{}:\n{rendered}", path.display()));
        }
    }
    assert!(
        stale.is_empty(),
        "output differs from the snapshot (UPDATE_SNAPSHOTS=1 rewrites it):\n{}",
        stale.join("\n")
    );
}

#[test]
fn explain_prints_a_rules_doc_and_lists_the_rules_for_an_unknown_one() {
    for name in ["blocking", "async-hygiene::blocking"] {
        let output = run(&["explain", name]);
        assert_eq!(output.status.code(), Some(0));
        let doc = String::from_utf8(output.stdout).unwrap();
        assert!(doc.starts_with("### blocking\n"), "{doc}");
        for part in [
            "#### What it does",
            "#### Why is this bad?",
            "#### Example",
            "#### Use instead",
            "#### How to allow it",
        ] {
            assert!(doc.contains(part), "{part} in {doc}");
        }
    }
    // What `--precise` changes, for the rules it changes, with the way to the README's
    // section on the mode.
    for name in [
        "blocking",
        "lock-across-await",
        "sequential-awaits",
        "cpu-bound",
        "unbounded-spawn",
        "detached-spawn",
    ] {
        let doc = String::from_utf8(run(&["explain", name]).stdout).unwrap();
        let precise = doc
            .split_once("#### With `--precise`\n\n")
            .and_then(|(_, rest)| rest.split_once("\n#### Why is this bad?"))
            .map_or_else(
                || panic!("no precise section in {doc}"),
                |(section, _)| section,
            );
        assert!(
            precise.contains("the \"Precise mode\" section of `cli/README.md`."),
            "{precise}"
        );
    }
    for name in ["unparsed-file", "config"] {
        let doc = String::from_utf8(run(&["explain", name]).stdout).unwrap();
        assert!(!doc.contains("--precise"), "{doc}");
    }
    // The doc is the README's: one text.
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let doc = String::from_utf8(run(&["explain", "lock-across-await"]).stdout).unwrap();
    assert!(readme.contains(doc.trim_end()));

    let output = run(&["explain", "blocking-calls"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("`blocking-calls` is not a rule; the rules are blocking, lock-across-await, sequential-awaits, cpu-bound, unbounded-spawn, detached-spawn, unparsed-file, config."),
        "{stderr}"
    );
    assert!(stderr.contains("FILE:FN"), "{stderr}");
}
