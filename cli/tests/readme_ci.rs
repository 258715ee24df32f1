//! The GitHub Actions workflows of `cli/README.md` (between `<!-- ci:begin -->` and
//! `<!-- ci:end -->`), checked as far as they can be outside GitHub: each parses, has what
//! a workflow needs, installs the checker from the workspace's `repository` at a pinned
//! revision, and never hides a failure; its check step, run here with bash as a runner
//! runs it, exits 1 on a blocking call in async code (the SARIF report still written), 0 on
//! clean code and 2 where there is no `Cargo.toml`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_norway::Value;

/// The `yaml` code blocks of the README's CI section, in order.
fn workflows() -> Vec<Value> {
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("cli/README.md is readable");
    let (_, section) = readme
        .split_once("<!-- ci:begin -->")
        .expect("cli/README.md has a `<!-- ci:begin -->` marker");
    let (section, _) = section
        .split_once("<!-- ci:end -->")
        .expect("cli/README.md has a `<!-- ci:end -->` marker");
    let mut blocks = Vec::new();
    let mut lines = section.lines();
    while let Some(line) = lines.next() {
        if line.trim_end() == "```yaml" {
            let block: Vec<&str> = lines.by_ref().take_while(|line| *line != "```").collect();
            let text = block.join("\n");
            let value = serde_norway::from_str(&text)
                .unwrap_or_else(|error| panic!("a CI block is not valid YAML: {error}\n{text}"));
            blocks.push(value);
        }
    }
    blocks
}

/// The two workflows: with code scanning (SARIF), and plain.
fn sarif_and_plain() -> (Value, Value) {
    let mut blocks = workflows();
    assert_eq!(
        blocks.len(),
        2,
        "the CI section has a SARIF and a plain workflow"
    );
    let plain = blocks.pop().unwrap();
    (blocks.pop().unwrap(), plain)
}

/// The workflow's only job.
fn job(workflow: &Value) -> &Value {
    let jobs = workflow["jobs"].as_mapping().expect("`jobs` is a mapping");
    assert_eq!(jobs.len(), 1, "one job");
    jobs.values().next().unwrap()
}

fn steps(workflow: &Value) -> &[Value] {
    job(workflow)["steps"]
        .as_sequence()
        .expect("`steps` is a sequence")
}

/// The step whose `run` contains `command`.
fn step_running<'a>(workflow: &'a Value, command: &str) -> &'a Value {
    steps(workflow)
        .iter()
        .find(|step| {
            step["run"]
                .as_str()
                .is_some_and(|run| run.contains(command))
        })
        .unwrap_or_else(|| panic!("a step runs `{command}`"))
}

/// What every workflow needs, as GitHub reads it.
fn assert_is_a_workflow(workflow: &Value) {
    assert!(workflow.get("on").is_some(), "a workflow needs `on`");
    let job = job(workflow);
    assert!(job["runs-on"].as_str().is_some(), "a job needs `runs-on`");
    let steps = steps(workflow);
    for step in steps {
        let kinds = [step.get("uses"), step.get("run")];
        assert_eq!(
            kinds.iter().flatten().count(),
            1,
            "a step has `uses` or `run`: {step:?}"
        );
        assert!(
            step.get("continue-on-error").is_none(),
            "no step hides its failure: {step:?}"
        );
        if let Some(run) = step["run"].as_str() {
            assert!(
                !run.contains("|| true") && !run.contains("|| :"),
                "no step hides its exit status: {run}"
            );
        }
    }
    let uses = |prefix: &str| {
        steps.iter().position(|step| {
            step["uses"]
                .as_str()
                .is_some_and(|uses| uses.starts_with(prefix))
        })
    };
    assert_eq!(
        uses("actions/checkout@"),
        Some(0),
        "the checkout comes first"
    );
    assert!(
        uses("dtolnay/rust-toolchain@").is_some(),
        "a toolchain is set up"
    );
}

/// The install builds the checker from the workspace's `repository`, pinned to a revision,
/// naming the package (the repository holds other packages with binaries: the fixtures).
fn assert_installs_pinned(workflow: &Value) {
    let install = step_running(workflow, "cargo install")["run"]
        .as_str()
        .unwrap();
    let expected = format!(
        "cargo install --locked --git {} --rev <commit> cargo-async-hygiene",
        env!("CARGO_PKG_REPOSITORY")
    );
    assert_eq!(install.trim(), expected);
}

/// A package in a fresh directory: `Cargo.toml` and `src/lib.rs` (none for `None`).
fn scratch(name: &str, lib: Option<&str>) -> Scratch {
    // A directory without a manifest must have none above it either (the checker looks
    // upward, as cargo does): outside this workspace, in the system's temporary directory.
    let (base, temporary) = if lib.is_some() {
        (PathBuf::from(env!("CARGO_TARGET_TMPDIR")), false)
    } else {
        let base = std::env::temp_dir().join(format!("async-hygiene-{}", std::process::id()));
        (base, true)
    };
    let dir = base.join("readme_ci").join(name);
    if dir.exists() {
        fs::remove_dir_all(&dir).unwrap();
    }
    fs::create_dir_all(&dir).unwrap();
    if let Some(lib) = lib {
        // Its own workspace: the directory is inside this one's `target/`.
        fs::write(
            dir.join("Cargo.toml"),
            "[package]\nname = \"scratch\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
        )
        .unwrap();
        fs::create_dir(dir.join("src")).unwrap();
        fs::write(dir.join("src/lib.rs"), lib).unwrap();
    }
    Scratch { dir, temporary }
}

/// A [`scratch`] package; one in the system's temporary directory is removed when the
/// test is done with it, and so are the directories above it that it leaves empty.
struct Scratch {
    dir: PathBuf,
    temporary: bool,
}

impl std::ops::Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if self.temporary {
            let _ = fs::remove_dir_all(&self.dir);
            let _ = fs::remove_file(self.dir.with_extension("github_output"));
            // Another test's package may still be in them: only empty ones go.
            for parent in self.dir.ancestors().skip(1).take(2) {
                let _ = fs::remove_dir(parent);
            }
        }
    }
}

const BLOCKING: &str = "pub async fn handler() -> u64 {
    std::thread::sleep(std::time::Duration::from_millis(10));
    1
}
";

const CLEAN: &str = "pub async fn handler() -> u64 {
    ready().await;
    1
}

async fn ready() {}
";

/// Runs a step's `run` script in `dir` as a runner's default shell does (`bash -e`), with
/// `cargo async-hygiene` resolving to the checker under test: its exit status and the
/// `GITHUB_OUTPUT` file it wrote.
fn run_step(script: &str, dir: &Path) -> (i32, String) {
    let checker = Path::new(env!("CARGO_BIN_EXE_cargo-async-hygiene"));
    let cargo = PathBuf::from(std::env::var_os("CARGO").expect("cargo sets CARGO for tests"));
    let path = std::env::join_paths(
        [checker.parent().unwrap(), cargo.parent().unwrap()]
            .into_iter()
            .map(Path::to_path_buf)
            .chain(std::env::split_paths(
                &std::env::var_os("PATH").unwrap_or_default(),
            )),
    )
    .unwrap();
    let github_output = dir.with_extension("github_output");
    fs::write(&github_output, "").unwrap();
    let output = Command::new("bash")
        .args(["--noprofile", "--norc", "-e", "-c", script])
        .current_dir(dir)
        .env("PATH", path)
        .env("GITHUB_OUTPUT", &github_output)
        .output()
        .expect("bash runs");
    let status = output.status.code().expect("the step exits");
    assert!(
        status != 127,
        "the step found no command: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (status, fs::read_to_string(&github_output).unwrap())
}

#[test]
fn the_sarif_workflow_has_what_code_scanning_needs() {
    let (workflow, _) = sarif_and_plain();
    assert_is_a_workflow(&workflow);
    assert_installs_pinned(&workflow);
    let permissions = &job(&workflow)["permissions"];
    assert_eq!(permissions["security-events"].as_str(), Some("write"));
    // Listing any permission drops the others, and the checkout needs this one.
    assert_eq!(permissions["contents"].as_str(), Some("read"));

    let check = step_running(&workflow, "cargo async-hygiene check");
    let id = check["id"].as_str().expect("the check step has an id");
    let run = check["run"].as_str().unwrap();
    let report = run
        .split_once("> ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .expect("the check writes its report to a file");
    let upload = steps(&workflow)
        .iter()
        .find(|step| {
            step["uses"]
                .as_str()
                .is_some_and(|uses| uses.starts_with("github/codeql-action/upload-sarif@"))
        })
        .expect("a step uploads the report");
    assert_eq!(upload["with"]["sarif_file"].as_str(), Some(report));
    // Uploaded after a failed check (status 1) too, and not after an error (status 2),
    // when there is no report.
    let condition = upload["if"].as_str().expect("the upload has a condition");
    assert!(condition.contains("!cancelled()"), "{condition}");
    assert!(
        condition.contains(&format!("steps.{id}.outputs.status == '0'"))
            && condition.contains(&format!("steps.{id}.outputs.status == '1'"))
            && !condition.contains("'2'"),
        "{condition}"
    );
}

#[test]
fn the_sarif_check_step_fails_on_findings_and_errors_and_still_writes_its_report() {
    let (workflow, _) = sarif_and_plain();
    let run = step_running(&workflow, "cargo async-hygiene check")["run"]
        .as_str()
        .unwrap();
    let sarif_of = |dir: &Path| -> serde_json::Value {
        let text = fs::read_to_string(dir.join("async-hygiene.sarif")).unwrap();
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("{error}: {text}"))
    };

    let blocking = scratch("sarif_blocking", Some(BLOCKING));
    assert_eq!(run_step(run, &blocking), (1, "status=1\n".to_owned()));
    let log = sarif_of(&blocking);
    assert_eq!(log["version"], "2.1.0");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{results:#?}");
    assert_eq!(results[0]["level"], "error");

    let clean = scratch("sarif_clean", Some(CLEAN));
    assert_eq!(run_step(run, &clean), (0, "status=0\n".to_owned()));
    let log = sarif_of(&clean);
    assert_eq!(log["runs"][0]["results"].as_array().map(Vec::len), Some(0));

    let empty = scratch("sarif_no_manifest", None);
    assert_eq!(run_step(run, &empty), (2, "status=2\n".to_owned()));
}

#[test]
fn the_plain_workflow_fails_on_findings_and_errors() {
    let (_, workflow) = sarif_and_plain();
    assert_is_a_workflow(&workflow);
    assert_installs_pinned(&workflow);
    let run = step_running(&workflow, "cargo async-hygiene check")["run"]
        .as_str()
        .unwrap();
    let status = |dir: &Path| run_step(run, dir).0;
    assert_eq!(status(&scratch("plain_blocking", Some(BLOCKING))), 1);
    assert_eq!(status(&scratch("plain_clean", Some(CLEAN))), 0);
    assert_eq!(status(&scratch("plain_no_manifest", None)), 2);
}
