//! What `check` checks (a package found from below it, `--manifest-path`, one file within
//! its crate), which target a JSON report names, and what `--fix` leaves behind: a build
//! that still succeeds and reports at their lines in the edited files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use support::{fixture, primary};

mod support;

fn checker() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cargo-async-hygiene"))
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    checker()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the checker runs")
}

fn json_lines(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("{error}: {line}")))
        .collect()
}

/// `(file, line)` of each report.
fn places(messages: &[Value]) -> Vec<(String, u64)> {
    let mut places: Vec<(String, u64)> = messages
        .iter()
        .map(|message| {
            let span = primary(message);
            (
                span["file_name"].as_str().unwrap().to_owned(),
                span["line_start"].as_u64().unwrap(),
            )
        })
        .collect();
    places.sort();
    places
}

/// `check --fix` with JSON reports, and no cargo run (so the fixes are not built).
fn fix_without_cargo(dir: &Path) -> Output {
    run_in(
        dir,
        &[
            "check",
            "--fix",
            "--no-metadata",
            "--message-format",
            "json",
        ],
    )
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Copies a fixture to a fresh directory that `--fix` may change, its dependency on the
/// facade pointing at this workspace.
fn scratch_copy(name: &str) -> PathBuf {
    let to = support::scratch_copy_of(name, "scope-");
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let manifest = to.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap().replace(
        "{ path = \"../../../..\" }",
        &format!("{{ path = {:?} }}", workspace.display().to_string()),
    );
    std::fs::write(&manifest, text).unwrap();
    to
}

#[test]
fn json_target_is_the_target_whose_module_tree_holds_the_file() {
    let dir = fixture("all_targets");
    for extra in [&[][..], &["--no-metadata"][..]] {
        let mut args = vec!["check", ".", "--message-format", "json"];
        args.extend_from_slice(extra);
        let messages = json_lines(&run_in(&dir, &args));
        let mut targets: Vec<(String, String, String)> = messages
            .iter()
            .map(|message| {
                let target = &message["target"];
                (
                    primary(message)["file_name"].as_str().unwrap().to_owned(),
                    target["kind"][0].as_str().unwrap().to_owned(),
                    target["name"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        targets.sort();
        let expected = [
            ("benches/speed.rs", "bench", "speed"),
            ("examples/demo.rs", "example", "demo"),
            ("src/bin/tool.rs", "bin", "tool"),
            ("src/lib.rs", "lib", "all_targets"),
            ("src/main.rs", "bin", "all_targets"),
            // Also the bin's `#[path]` module: the lib's, compiled first.
            ("src/shared.rs", "lib", "all_targets"),
            ("tests/api.rs", "test", "api"),
        ]
        .map(|(file, kind, name)| (file.to_owned(), kind.to_owned(), name.to_owned()));
        assert_eq!(targets, expected, "{extra:?}");
        for message in &messages {
            let src_path = message["target"]["src_path"].as_str().unwrap();
            let file = primary(message)["file_name"].as_str().unwrap();
            if file != "src/shared.rs" {
                assert!(src_path.ends_with(file), "{src_path} for {file}");
            }
        }
    }
}

#[test]
fn from_a_subdirectory_the_package_above_is_checked() {
    let dir = fixture("multi_module");
    let whole = run_in(&dir, &["check", "--message-format", "json"]);
    assert_eq!(whole.status.code(), Some(1));
    let expected = places(&json_lines(&whole));
    assert_eq!(expected.len(), 5, "{expected:?}");
    for args in [
        &["check"][..],
        &["check", "."],
        &["check", "../../Cargo.toml"],
        &["check", "--manifest-path", "../../Cargo.toml"],
    ] {
        let mut args = args.to_vec();
        args.extend_from_slice(&["--message-format", "json"]);
        let output = run_in(&dir.join("src/net"), &args);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_eq!(places(&json_lines(&output)), expected, "{args:?}");
    }
}

#[test]
fn a_path_that_does_not_exist_is_named_as_such() {
    let output = run_in(&fixture("lints"), &["check", "/nonexistent/crate"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: `/nonexistent/crate` does not exist\n"
    );
    let output = run_in(
        &fixture("lints"),
        &["check", "--manifest-path", "missing/Cargo.toml"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: --manifest-path `missing/Cargo.toml` does not exist\n"
    );
}

#[test]
fn one_file_is_checked_within_its_crate() {
    let dir = fixture("multi_module");
    // `jobs.rs` calls `crate::store::compact`, which blocks two files away.
    let output = run_in(&dir, &["check", "src/jobs.rs", "--message-format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let messages = json_lines(&output);
    assert_eq!(places(&messages), [("src/jobs.rs".to_owned(), 2)]);
    assert!(
        messages[0]["message"]["message"]
            .as_str()
            .unwrap()
            .contains("it calls `std::fs::write` (through `persist`)"),
        "{messages:#?}"
    );
    let text = stderr(&output);
    assert!(
        text.contains(
            "note: src/jobs.rs was checked within its package, with the call graph of its 8 files"
        ),
        "{text}"
    );
    assert!(text.contains("1 error, 0 warnings in 1 file"), "{text}");

    // A file no target declares is checked alone, and the output says so.
    let dir = fixture("all_targets");
    let output = run_in(
        &dir,
        &["check", "src/orphan.rs", "--message-format", "json"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        places(&json_lines(&output)),
        [("orphan.rs".to_owned(), 4)],
        "checked as a crate of its own"
    );
    let text = stderr(&output);
    assert!(
        text.contains("is in no target of the package at")
            && text.contains("so the result is partial"),
        "{text}"
    );
}

#[test]
fn after_fix_reports_point_at_their_lines_in_the_edited_file() {
    let dir = scratch_copy("fix_lines");
    let output = fix_without_cargo(&dir);
    let text = stderr(&output);
    assert!(
        text.contains("fixed src/lib.rs:13: inserted `#[concurrent]`"),
        "{text}"
    );
    assert!(
        text.contains("note: with --no-metadata no cargo runs: the fixes were not built"),
        "{text}"
    );
    let edited = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
    let line = 1 + edited
        .lines()
        .position(|line| line.contains("std::thread::sleep"))
        .unwrap();
    assert_eq!(line, 21, "{edited}");
    let messages = json_lines(&output);
    assert_eq!(places(&messages), [("src/lib.rs".to_owned(), 21)]);
    let span = primary(&messages[0]);
    assert_eq!(
        span["text"][0]["text"],
        "    std::thread::sleep(std::time::Duration::from_millis(1));"
    );
    let start = usize::try_from(span["byte_start"].as_u64().unwrap()).unwrap();
    assert!(edited[start..].starts_with("std::thread::sleep"));

    // The human output too.
    let output = run_in(&dir, &["check", "--no-metadata"]);
    let human = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(human.contains("--> src/lib.rs:21:5"), "{human}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// A file written with CRLF keeps its line endings: the inserted line ends as the others.
#[test]
fn fix_ends_the_inserted_line_as_the_file_does() {
    let dir = scratch_copy("fix_lines");
    let lib = dir.join("src/lib.rs");
    let crlf = std::fs::read_to_string(&lib).unwrap().replace('\n', "\r\n");
    std::fs::write(&lib, &crlf).unwrap();
    let output = fix_without_cargo(&dir);
    assert!(
        stderr(&output).contains("fixed src/lib.rs:13: inserted `#[concurrent]`"),
        "{}",
        stderr(&output)
    );
    let edited = std::fs::read_to_string(&lib).unwrap();
    assert_eq!(
        edited,
        crlf.replace(
            "pub async fn dashboard",
            "#[concurrent]\r\npub async fn dashboard"
        )
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// spider's `render_chrome_page` is under `#[cfg(feature = "smart")]`, not a default
/// feature: a fix there is not built by `--fix`'s `cargo check`, so it is not applied.
#[test]
fn fix_leaves_joins_under_a_cfg_it_does_not_build_to_the_user() {
    let dir = scratch_copy("fix_conditional");
    let output = fix_without_cargo(&dir);
    let text = stderr(&output);
    let fixed: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("fixed "))
        .collect();
    assert_eq!(
        fixed,
        [
            "fixed src/lib.rs:12: inserted `#[async_hygiene::concurrent]`",
            "fixed src/lib.rs:47: inserted `#[async_hygiene::concurrent]`",
        ],
        "{text}"
    );
    // The three left are still reported (a line lower, below the first insertion), each
    // with the attribute as a suggestion to review.
    let messages = json_lines(&output);
    let lines: Vec<u64> = places(&messages)
        .into_iter()
        .map(|(_, line)| line)
        .collect();
    assert_eq!(lines, [21, 31, 40]);
    assert!(
        text.contains(
            "note: 3 `sequential-awaits` suggestions are not applied, as `--fix` cannot show \
             them safe"
        ),
        "{text}"
    );
    let edited = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
    assert_eq!(
        edited.matches("#[async_hygiene::concurrent]").count(),
        2,
        "{edited}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// Builds the fixture for real (`cargo check` of it and of the facade, in a target
/// directory of its own under this workspace's, kept between runs).
#[test]
fn fix_keeps_what_builds_and_reverts_what_does_not() {
    let dir = scratch_copy("fix_verify");
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    // The versions this workspace builds with, and nothing to download.
    std::fs::copy(workspace.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let bad = std::fs::read_to_string(dir.join("src/bad.rs")).unwrap();
    let output = checker()
        .current_dir(&dir)
        .args(["check", "--fix"])
        .env("CARGO_TARGET_DIR", workspace.join("target/fix-fixture"))
        .env("CARGO_NET_OFFLINE", "true")
        .output()
        .unwrap();
    let text = stderr(&output);
    assert!(
        text.contains("fixed src/good.rs:11: inserted `#[concurrent]`"),
        "{text}"
    );
    assert!(
        text.contains(
            "reverted src/bad.rs:37: inserted `#[concurrent]`: `cargo check` fails in \
             src/bad.rs with it:\nerror[E0080]"
        ),
        "{text}"
    );
    assert!(
        text.contains("stands for a join that does not build"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("src/bad.rs")).unwrap(),
        bad,
        "reverted to the byte"
    );
    let good = std::fs::read_to_string(dir.join("src/good.rs")).unwrap();
    assert!(
        good.contains("#[concurrent]\npub async fn dashboard"),
        "{good}"
    );
    // What is left builds, and the reverted join is still reported, at its line.
    let built = Command::new(env!("CARGO"))
        .current_dir(&dir)
        .args(["check", "--all-targets", "--quiet"])
        .env("CARGO_TARGET_DIR", workspace.join("target/fix-fixture"))
        .env("CARGO_NET_OFFLINE", "true")
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", stderr(&built));
    let human = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        human.contains("warning[async-hygiene::sequential-awaits]: `reports` awaits")
            && human.contains("--> src/bad.rs:38:5"),
        "{human}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_unknown_table_in_the_config_is_a_report_with_the_table_meant() {
    let dir = scratch_copy("lints");
    std::fs::write(
        dir.join("async-hygiene.toml"),
        "# levels\n[lint]\nblocking = \"allow\"\n",
    )
    .unwrap();
    let output = run_in(
        &dir,
        &["check", "--no-metadata", "--message-format", "json"],
    );
    let messages = json_lines(&output);
    let config = messages
        .iter()
        .find(|message| primary(message)["file_name"] == "async-hygiene.toml")
        .unwrap_or_else(|| panic!("{messages:#?}"));
    assert_eq!(primary(config)["line_start"], 2);
    assert_eq!(
        config["message"]["message"],
        "malformed async-hygiene.toml: unknown table `[lint]`: did you mean `[lints]`? \
         async-hygiene.toml has `[no_blocking.deny]`, `[no_blocking.allow]`, \
         `[no_blocking.offload]`, `[concurrent.guards]` and `[lints]`"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
