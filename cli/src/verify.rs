//! `--fix` never leaves a build that fails, `cargo fix`'s promise: after the insertions,
//! `cargo check --all-targets` builds each changed package; a file the compiler then
//! reports an error in gets its original text back, and the package is checked again.
//! An error in no changed file cannot be blamed on one fix: every fix of that package
//! is reverted. A changed file that no target of its package compiled (a `#[cfg]` or
//! a feature leaves its module out) was not verified, and is reverted too. The package
//! is checked in the user's own target directory, as `cargo
//! fix` does: `cargo check` writes metadata-only artifacts that `cargo build` never
//! reads, so nothing the user built is rebuilt, and the dependencies the user (or their
//! editor) already checked are not checked again: a target directory of our own would
//! cost a cold check of every dependency on the first `--fix`.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cargo_metadata::diagnostic::{Diagnostic as CompilerDiagnostic, DiagnosticLevel};
use cargo_metadata::Message;

use crate::diagnostic::display_path;

/// One insertion made.
pub(crate) struct Fixed {
    /// The file changed.
    pub(crate) file: PathBuf,
    /// What changed: ``src/lib.rs:13: inserted `#[concurrent]` ``.
    pub(crate) description: String,
}

/// The insertions made, and the text of each changed file before them (to revert a
/// file that no longer builds).
pub(crate) struct Applied {
    pub(crate) fixed: Vec<Fixed>,
    pub(crate) originals: BTreeMap<PathBuf, String>,
}

/// What the build said about the fixes.
#[derive(Debug, Default)]
pub(crate) struct Verdict {
    /// The indices (into [`Applied::fixed`]) of the fixes taken back, each with why.
    pub(crate) reverted: Vec<(usize, String)>,
    /// What the user must know besides (a package that could not be built).
    pub(crate) notes: Vec<String>,
}

/// One `cargo check` run.
struct Build {
    success: bool,
    errors: Vec<CompilerError>,
    /// cargo's own last words, for a failure with no compiler error (a dependency that
    /// cannot be resolved).
    stderr: String,
    /// The source files the package's targets were compiled from, as rustc names them
    /// in its dep-info (relative to the workspace root, or absolute); `None` when cargo
    /// named no dep-info of the package.
    sources: Option<BTreeSet<PathBuf>>,
}

struct CompilerError {
    /// The files of its spans, as rustc names them (relative to the workspace root, or
    /// absolute).
    files: Vec<PathBuf>,
    rendered: String,
}

impl Build {
    /// The first error, or cargo's message when there is none: its first `error` line
    /// and, when it differs, its last line (the cause at the bottom of its "Caused by"
    /// chain).
    fn first_error(&self) -> String {
        if let Some(error) = self.errors.first() {
            return error.rendered.trim_end().to_owned();
        }
        let lines: Vec<&str> = self
            .stderr
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect();
        let first = lines.iter().find(|line| line.starts_with("error"));
        match (first, lines.last()) {
            (Some(first), Some(last)) if first != last => format!("{first} ({last})"),
            (Some(line), _) | (None, Some(line)) => (*line).to_owned(),
            (None, None) => "`cargo check` failed and printed nothing".to_owned(),
        }
    }
}

/// Builds each package the fixes changed (`package_of` gives a changed file's package:
/// its directory and name) with `cargo` and reverts what breaks it.
pub(crate) fn verify(
    applied: &Applied,
    package_of: impl Fn(&Path) -> Option<(PathBuf, String)>,
    cargo: &OsString,
    root: &Path,
) -> Verdict {
    let mut verdict = Verdict::default();
    let mut by_package: BTreeMap<(PathBuf, String), BTreeSet<PathBuf>> = BTreeMap::new();
    for file in applied.originals.keys() {
        match package_of(file) {
            Some(package) if package.0.join("Cargo.toml").is_file() => {
                by_package.entry(package).or_default().insert(file.clone());
            }
            _ => verdict.notes.push(format!(
                "{} is in no package, so its fixes were not built: run `cargo check`",
                display_path(file, root)
            )),
        }
    }
    for ((dir, name), mut live) in by_package {
        let manifest = dir.join("Cargo.toml");
        loop {
            let build = match cargo_check(cargo, &manifest) {
                Ok(build) => build,
                Err(error) => {
                    verdict.notes.push(format!(
                        "the fixes in package `{name}` were not built: cannot run `cargo check`: \
                         {error}; run it before committing them"
                    ));
                    break;
                }
            };
            if build.success {
                let Some(sources) = &build.sources else {
                    break;
                };
                let unbuilt: Vec<PathBuf> = live
                    .iter()
                    .filter(|file| !sources.iter().any(|source| names(file, source)))
                    .cloned()
                    .collect();
                for file in unbuilt {
                    let why = format!(
                        "`cargo check --all-targets` does not compile {} (a `#[cfg]` or a \
                         feature leaves it out of every target of package `{name}`), so the \
                         fix could not be verified",
                        display_path(&file, root)
                    );
                    revert(applied, &file, &why, root, &mut verdict);
                    live.remove(&file);
                }
                break;
            }
            if live.is_empty() {
                verdict.notes.push(format!(
                    "package `{name}` does not build without the fixes either, so none of its fixes \
                     could be verified (all were reverted); the first error:\n{}",
                    build.first_error()
                ));
                break;
            }
            if build.errors.is_empty() {
                // cargo stopped before rustc reported anything (a dependency it cannot
                // fetch, a manifest it rejects): nothing the fixes did, and nothing built
                // them either.
                let why = format!(
                    "`cargo check` could not compile package `{name}`, so its fixes could not \
                     be verified: {}",
                    build.first_error()
                );
                for file in std::mem::take(&mut live) {
                    revert(applied, &file, &why, root, &mut verdict);
                }
                break;
            }
            let reverting = blame(&build, &live, &name, root);
            for (file, why) in reverting {
                revert(applied, &file, &why, root, &mut verdict);
                live.remove(&file);
            }
        }
    }
    verdict.reverted.sort_by_key(|(index, _)| *index);
    verdict
}

/// The fixed files of a failed build to revert, each with why: those an error points
/// into, or, when none is, every one of the package's (the error cannot be blamed on
/// one fix).
fn blame(
    build: &Build,
    live: &BTreeSet<PathBuf>,
    name: &str,
    root: &Path,
) -> Vec<(PathBuf, String)> {
    let blamed: BTreeMap<PathBuf, String> = live
        .iter()
        .filter_map(|file| {
            let error = build
                .errors
                .iter()
                .find(|error| error.files.iter().any(|name| names(file, name)))?;
            Some((file.clone(), error.rendered.trim_end().to_owned()))
        })
        .collect();
    if blamed.is_empty() {
        let why = format!(
            "`cargo check` fails in package `{name}` with no error in a fixed file, so \
             every fix there was reverted; the first error:\n{}",
            build.first_error()
        );
        live.iter()
            .map(|file| (file.clone(), why.clone()))
            .collect()
    } else {
        blamed
            .into_iter()
            .map(|(file, error)| {
                let why = format!(
                    "`cargo check` fails in {} with it:\n{error}",
                    display_path(&file, root)
                );
                (file, why)
            })
            .collect()
    }
}

/// Whether `name`, a file as rustc names it (relative to the workspace root, or
/// absolute), is `file`.
fn names(file: &Path, name: &Path) -> bool {
    !name.as_os_str().is_empty() && file.ends_with(name)
}

/// Gives `file` its original text back, and records why for each of its fixes.
fn revert(applied: &Applied, file: &Path, why: &str, root: &Path, verdict: &mut Verdict) {
    if let Err(error) = std::fs::write(file, &applied.originals[file]) {
        verdict.notes.push(format!(
            "{}: cannot be reverted: {error}",
            display_path(file, root)
        ));
    }
    for (index, fixed) in applied.fixed.iter().enumerate() {
        if fixed.file == file {
            verdict.reverted.push((index, why.to_owned()));
        }
    }
}

/// `cargo check --all-targets` of the package, quiet, with cargo's JSON messages.
fn cargo_check(cargo: &OsString, manifest: &Path) -> Result<Build, String> {
    let mut child = Command::new(cargo)
        .args([
            "check",
            "--all-targets",
            "--quiet",
            "--message-format",
            "json",
        ])
        .arg("--manifest-path")
        .arg(manifest)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| error.to_string())?;
    let stderr = child.stderr.take();
    let reading = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut stderr) = stderr {
            let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        }
        text
    });
    let mut errors = Vec::new();
    let mut dep_info = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for message in Message::parse_stream(BufReader::new(stdout)).flatten() {
            match message {
                Message::CompilerMessage(message) => {
                    if let Some(error) = compiler_error(&message.message) {
                        errors.push(error);
                    }
                }
                Message::CompilerArtifact(artifact)
                    if artifact.manifest_path.as_std_path() == manifest =>
                {
                    dep_info.extend(
                        artifact
                            .filenames
                            .iter()
                            .filter_map(|output| dep_info_of(output.as_std_path())),
                    );
                }
                _ => {}
            }
        }
    }
    let status = child.wait().map_err(|error| error.to_string())?;
    let stderr = reading.join().unwrap_or_default();
    let sources = (!dep_info.is_empty()).then(|| {
        dep_info
            .iter()
            .filter_map(|path| std::fs::read_to_string(path).ok())
            .flat_map(|text| dep_info_sources(&text))
            .collect()
    });
    Ok(Build {
        success: status.success(),
        errors,
        stderr,
        sources,
    })
}

/// The dep-info file rustc wrote beside a check's output: `deps/foo-HASH.d` for
/// `deps/libfoo-HASH.rmeta`.
fn dep_info_of(output: &Path) -> Option<PathBuf> {
    if output.extension()? != "rmeta" {
        return None;
    }
    let stem = crate::precise::wrapper::artifact_stem(output)?;
    Some(output.with_file_name(format!("{stem}.d")))
}

/// The files a dep-info lists after its first `output:` (a space in a name is
/// escaped as `\ `).
fn dep_info_sources(text: &str) -> Vec<PathBuf> {
    let Some(first) = text.lines().next() else {
        return Vec::new();
    };
    let Some((_, inputs)) = first.split_once(": ") else {
        return Vec::new();
    };
    let mut files = Vec::new();
    let mut name = String::new();
    let mut chars = inputs.chars();
    while let Some(char) = chars.next() {
        match char {
            '\\' => name.extend(chars.next()),
            ' ' => {
                if !name.is_empty() {
                    files.push(PathBuf::from(std::mem::take(&mut name)));
                }
            }
            other => name.push(other),
        }
    }
    if !name.is_empty() {
        files.push(PathBuf::from(name));
    }
    files
}

/// An error of rustc's, with the files it points into (its notes' too); `None` for a
/// warning and for the closing "aborting due to N previous errors".
fn compiler_error(message: &CompilerDiagnostic) -> Option<CompilerError> {
    if !matches!(message.level, DiagnosticLevel::Error | DiagnosticLevel::Ice) {
        return None;
    }
    if message.spans.is_empty() && message.message.starts_with("aborting due to") {
        return None;
    }
    // A span inside a macro (`assert!`'s panic in core) is in the user's file where the
    // macro was called: the call sites count too.
    let mut files = Vec::new();
    let spans = std::iter::once(message)
        .chain(&message.children)
        .flat_map(|diagnostic| &diagnostic.spans);
    for span in spans {
        let mut span = Some(span);
        while let Some(at) = span {
            files.push(PathBuf::from(&at.file_name));
            span = at.expansion.as_ref().map(|expansion| &expansion.span);
        }
    }
    Some(CompilerError {
        files,
        rendered: message
            .rendered
            .clone()
            .unwrap_or_else(|| message.message.clone()),
    })
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::Fixed;
    use super::*;

    /// A package with two fixed files, `src/a.rs` and `src/b.rs`, and a `cargo` that
    /// fails with an error in `error_in` while `fails_while` holds `FIXED` (always when
    /// `fails_while` is `None`).
    fn package(name: &str, error_in: &str, fails_while: Option<&str>) -> (PathBuf, Applied) {
        let dir = std::env::temp_dir().join(format!("verify-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(dir.join("Cargo.toml"), "").unwrap();
        let message = serde_json::json!({
            "reason": "compiler-message",
            "package_id": "path+file:///p#p@0.1.0",
            "manifest_path": "/p/Cargo.toml",
            "target": { "kind": ["lib"], "crate_types": ["lib"], "name": "p",
                "src_path": "/p/src/lib.rs", "edition": "2021", "doc": true,
                "doctest": true, "test": true },
            "message": { "rendered": "error[E0499]: the first error\n", "$message_type": "diagnostic",
                "children": [], "level": "error", "message": "the first error", "code": null,
                "spans": [{ "byte_start": 0, "byte_end": 1, "line_start": 1, "line_end": 1,
                    "column_start": 1, "column_end": 2, "expansion": null,
                    "file_name": error_in, "is_primary": true, "label": null,
                    "suggested_replacement": null, "suggestion_applicability": null,
                    "text": [] }] },
        });
        let condition = match fails_while {
            Some(file) => format!("grep -q FIXED {}", dir.join(file).display()),
            None => "true".to_owned(),
        };
        let script =
            format!("#!/bin/sh\nif {condition}; then printf '%s\\n' '{message}'; exit 101; fi\n");
        let cargo = dir.join("cargo");
        std::fs::write(&cargo, script).unwrap();
        std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
        // A process another test forks while the script is open for writing holds it
        // until it execs: running the script fails with ETXTBSY until then.
        for _ in 0..100 {
            match std::process::Command::new(&cargo).output() {
                Err(error) if error.raw_os_error() == Some(26) => {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                _ => break,
            }
        }
        let mut applied = Applied {
            fixed: Vec::new(),
            originals: BTreeMap::new(),
        };
        for file in ["src/a.rs", "src/b.rs"] {
            let path = dir.join(file);
            std::fs::write(&path, "FIXED").unwrap();
            applied
                .originals
                .insert(path.clone(), "original".to_owned());
            applied.fixed.push(Fixed {
                file: path,
                description: format!("{file}:1: inserted `#[concurrent]`"),
            });
        }
        (dir, applied)
    }

    fn run(dir: &Path, applied: &Applied) -> Verdict {
        let package = (dir.to_path_buf(), "p".to_owned());
        verify(
            applied,
            |_| Some(package.clone()),
            &dir.join("cargo").into_os_string(),
            dir,
        )
    }

    fn text(dir: &Path, file: &str) -> String {
        std::fs::read_to_string(dir.join(file)).unwrap()
    }

    #[test]
    fn the_file_an_error_is_in_is_reverted_and_the_others_kept() {
        let (dir, applied) = package("blamed", "src/a.rs", Some("src/a.rs"));
        let verdict = run(&dir, &applied);
        assert_eq!(verdict.reverted.len(), 1, "{verdict:?}");
        assert_eq!(verdict.reverted[0].0, 0);
        assert_eq!(
            verdict.reverted[0].1,
            "`cargo check` fails in src/a.rs with it:\nerror[E0499]: the first error"
        );
        assert!(verdict.notes.is_empty(), "{:?}", verdict.notes);
        assert_eq!(
            (text(&dir, "src/a.rs"), text(&dir, "src/b.rs")),
            ("original".into(), "FIXED".into())
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_error_in_no_fixed_file_reverts_every_fix_of_the_package() {
        let (dir, applied) = package("unblamed", "src/other.rs", Some("src/a.rs"));
        let verdict = run(&dir, &applied);
        let reverted: Vec<usize> = verdict.reverted.iter().map(|(index, _)| *index).collect();
        assert_eq!(reverted, [0, 1]);
        assert!(verdict.reverted[0]
            .1
            .starts_with("`cargo check` fails in package `p` with no error in a fixed file"));
        assert!(
            verdict.notes.is_empty(),
            "it builds without them: {:?}",
            verdict.notes
        );
        assert_eq!(
            (text(&dir, "src/a.rs"), text(&dir, "src/b.rs")),
            ("original".into(), "original".into())
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_package_that_fails_without_the_fixes_too_is_named() {
        let (dir, applied) = package("broken", "src/a.rs", None);
        let verdict = run(&dir, &applied);
        assert_eq!(verdict.reverted.len(), 2);
        assert_eq!(verdict.notes.len(), 1);
        assert!(verdict.notes[0].starts_with(
            "package `p` does not build without the fixes either, so none of its fixes could be verified"
        ), "{:?}", verdict.notes);
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// mCaptcha's git dependency cannot be fetched offline: cargo fails before rustc
    /// runs. That is not the fixes' doing, and nothing verified them: each is reverted,
    /// saying so, after one run.
    #[test]
    fn a_cargo_failure_before_compiling_reverts_every_fix_as_not_verified() {
        let (dir, applied) = package("cargo-fails", "src/a.rs", None);
        let runs = dir.join("runs");
        std::fs::write(
            dir.join("cargo"),
            format!(
                "#!/bin/sh\necho run >> {}\nprintf 'error: failed to get `auth` as a \
                 dependency of package `p`\\n\\nCaused by:\\n  failed to resolve address for \
                 github.com\\n' >&2\nexit 101\n",
                runs.display()
            ),
        )
        .unwrap();
        let verdict = run(&dir, &applied);
        let reverted: Vec<usize> = verdict.reverted.iter().map(|(index, _)| *index).collect();
        assert_eq!(reverted, [0, 1]);
        assert_eq!(
            verdict.reverted[0].1,
            "`cargo check` could not compile package `p`, so its fixes could not be verified: \
             error: failed to get `auth` as a dependency of package `p` (failed to resolve \
             address for github.com)"
        );
        assert!(verdict.notes.is_empty(), "{:?}", verdict.notes);
        assert_eq!(text(&dir, "runs"), "run\n", "one cargo run");
        assert_eq!(
            (text(&dir, "src/a.rs"), text(&dir, "src/b.rs")),
            ("original".into(), "original".into())
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// spider's `long_term_memory.rs` is a module under `#[cfg(feature = "memvid")]`:
    /// the build succeeds without compiling it, which verifies nothing there.
    #[test]
    fn a_file_no_target_compiles_is_reverted_as_not_verified() {
        let (dir, applied) = package("unbuilt", "src/a.rs", Some("src/none.rs"));
        let deps = dir.join("target/debug/deps");
        std::fs::create_dir_all(&deps).unwrap();
        std::fs::write(
            deps.join("p-1.d"),
            format!(
                "{}: src/lib.rs src/a.rs src/with\\ space.rs\n\nsrc/lib.rs:\nsrc/a.rs:\n",
                deps.join("libp-1.rmeta").display()
            ),
        )
        .unwrap();
        let artifact = serde_json::json!({
            "reason": "compiler-artifact",
            "package_id": "path+file:///p#p@0.1.0",
            "manifest_path": dir.join("Cargo.toml"),
            "target": { "kind": ["lib"], "crate_types": ["lib"], "name": "p",
                "src_path": dir.join("src/lib.rs"), "edition": "2021", "doc": true,
                "doctest": true, "test": true },
            "profile": { "opt_level": "0", "debuginfo": 2, "debug_assertions": true,
                "overflow_checks": true, "test": false },
            "features": [],
            "filenames": [deps.join("libp-1.rmeta")],
            "executable": null,
            "fresh": true,
        });
        std::fs::write(
            dir.join("cargo"),
            format!("#!/bin/sh\nprintf '%s\\n' '{artifact}'\n"),
        )
        .unwrap();
        let verdict = run(&dir, &applied);
        assert_eq!(verdict.reverted.len(), 1, "{verdict:?}");
        assert_eq!(verdict.reverted[0].0, 1);
        assert_eq!(
            verdict.reverted[0].1,
            "`cargo check --all-targets` does not compile src/b.rs (a `#[cfg]` or a feature \
             leaves it out of every target of package `p`), so the fix could not be verified"
        );
        assert_eq!(
            (text(&dir, "src/a.rs"), text(&dir, "src/b.rs")),
            ("FIXED".into(), "original".into())
        );
        assert_eq!(
            dep_info_sources("out.rmeta: src/a.rs src/with\\ space.rs\n"),
            [
                PathBuf::from("src/a.rs"),
                PathBuf::from("src/with space.rs")
            ]
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn without_cargo_nothing_is_reverted_and_the_output_says_so() {
        let (dir, applied) = package("no-cargo", "src/a.rs", None);
        std::fs::remove_file(dir.join("cargo")).unwrap();
        let verdict = run(&dir, &applied);
        assert!(verdict.reverted.is_empty());
        assert!(
            verdict.notes[0]
                .starts_with("the fixes in package `p` were not built: cannot run `cargo check`"),
            "{:?}",
            verdict.notes
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
