//! `check --precise` run as a user runs it: on `tests/fixtures/precise` (real crates.io
//! dependencies: `glob`, `tokio`), built into the workspace's `target/` so that repeated
//! runs are warm. The fixture marks each expected report with `//~ code` on the line of
//! its primary span; every unmarked line must stay silent.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod support;
use support::{fixture, marked, reported};

/// A target directory under the workspace's `target/`, kept between runs.
fn target_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/precise-tests")
        .join(name)
}

fn command(dir: &Path, target: &Path, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-async-hygiene"));
    command
        .args(["check", "--precise", "--message-format", "json"])
        .arg(dir)
        .args(extra)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTC_WRAPPER");
    command
}

fn check(dir: &Path, target: &Path, extra: &[&str]) -> Output {
    command(dir, target, extra)
        .output()
        .expect("the checker runs")
}

fn messages(output: &Output) -> Vec<Value> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("{error}: {line}")))
        .collect()
}

fn rendered(message: &Value) -> &str {
    message["message"]["rendered"].as_str().unwrap()
}

/// The rendered report whose primary span starts on `line` of the file ending in `file`.
fn report_at<'a>(messages: &'a [Value], file: &str, line: u64) -> Option<&'a str> {
    messages
        .iter()
        .find(|message| {
            let span = support::primary(message);
            span["file_name"].as_str().unwrap().ends_with(file) && span["line_start"] == line
        })
        .map(rendered)
}

#[test]
fn reports_through_dependencies_and_from_coroutine_layouts() {
    let output = check(&fixture("precise"), &target_dir("fixture"), &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let messages = messages(&output);
    assert_eq!(reported(&messages), marked(&fixture("precise")), "{stderr}");
    // `glob`'s iterator blocks inside the dependency: the chain names its fns and lines.
    let count = messages
        .iter()
        .find(|message| rendered(message).contains("`<glob::Paths as std::iter::Iterator>::count`"))
        .expect("the glob iteration is reported");
    let text = rendered(count);
    assert!(
        text.contains("`glob::<Paths as Iterator>::next` at glob-0.3.4/src/lib.rs:")
            && text.contains("`glob::fill_todo` at glob-0.3.4/src/lib.rs:")
            && text.contains("→ `std::fs::read_dir`"),
        "{text}"
    );
    assert!(text.contains("tokio::fs::read_dir"), "the fix: {text}");
    // The guard's report labels the await it is held across.
    let guard = messages
        .iter()
        .find(|message| rendered(message).contains("std::sync::MutexGuard<'_, u32>"))
        .expect("the guard is reported");
    let labels: Vec<&Value> = guard["message"]["spans"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|span| span["is_primary"] == false)
        .collect();
    assert_eq!(labels[0]["line_start"], 61);
    assert!(rendered(guard).contains("`guard` is still held here, across this `.await`"));
}

/// A crate of its own, with no dependencies, under the test's temporary directory.
fn small_crate(name: &str, lib: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n"),
    )
    .unwrap();
    std::fs::write(dir.join("src/lib.rs"), lib).unwrap();
    dir
}

#[test]
fn a_build_error_is_cargos_and_ends_with_status_2() {
    let dir = small_crate(
        "precise_broken",
        "pub async fn f() -> u8 { \"not a number\" }\n",
    );
    let output = check(&dir, &dir.join("target"), &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("error[E0308]: mismatched types"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`--precise` needs the code to build"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn chains_the_users_wrapper_into_a_private_target_dir() {
    use std::os::unix::fs::PermissionsExt;
    let dir = small_crate(
        "precise_wrapped",
        "pub async fn f() { std::thread::sleep(std::time::Duration::from_millis(1)); }\n",
    );
    let log = dir.join("wrapper.log");
    let wrapper = dir.join("wrapper.sh");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\nexec \"$@\"\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    // A process another test forks while the script is open for writing holds it until
    // it execs: running the script fails with ETXTBSY until then.
    for _ in 0..100 {
        match Command::new(&wrapper).arg("true").output() {
            Err(error) if error.raw_os_error() == Some(26) => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            _ => break,
        }
    }
    let _ = std::fs::remove_file(&log);
    let target = dir.join("target");
    let _ = std::fs::remove_dir_all(&target);
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-async-hygiene"))
        .args(["check", "--precise", "--lib", "--message-format", "json"])
        .arg(&dir)
        .env("CARGO_TARGET_DIR", &target)
        .env("RUSTC_WRAPPER", &wrapper)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(
        reported(&messages(&output)),
        BTreeSet::from([("src/lib.rs".to_owned(), 1, "blocking".to_owned())])
    );
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(
        log.lines().any(
            |line| line.contains("--crate-name precise_wrapped") && line.contains("--emit=mir")
        ),
        "{log}"
    );
    // The user's own build directory is untouched.
    assert!(target.join("async-hygiene-precise").is_dir());
    assert!(!target.join("debug").exists());
}

#[test]
fn the_policy_and_allow_blocking_apply_on_full_paths() {
    let dir = small_crate(
        "precise_policy",
        "pub mod legacy {\n\
         \x20   pub fn fetch_sync() -> u8 { 1 }\n\
         }\n\
         pub fn run_elsewhere(work: impl FnOnce()) { let _ = work; }\n\
         pub async fn denied() -> u8 { legacy::fetch_sync() }\n\
         pub async fn allowed() { let _ = std::fs::remove_file(\"x\"); }\n\
         pub async fn offloaded() {\n\
         \x20   run_elsewhere(|| std::thread::sleep(std::time::Duration::from_millis(1)));\n\
         }\n\
         macro_rules! allow_blocking { ($reason:literal, $expr:expr) => { $expr }; }\n\
         pub async fn escaped() {\n\
         \x20   allow_blocking!(\"a one-off at startup\", std::fs::create_dir_all(\"x\")).ok();\n\
         }\n",
    );
    std::fs::write(
        dir.join("async-hygiene.toml"),
        "[no_blocking.deny]\n\"legacy::fetch_sync\" = \"use `legacy::fetch(..).await`\"\n\
         [no_blocking.allow]\n\"std::fs::remove_file\" = \"a scratch file on tmpfs\"\n\
         [no_blocking.offload]\n\"run_elsewhere\" = \"runs its closure on a worker pool\"\n",
    )
    .unwrap();
    let output = check(&dir, &dir.join("target"), &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let messages = messages(&output);
    assert_eq!(
        reported(&messages),
        BTreeSet::from([("src/lib.rs".to_owned(), 5, "blocking".to_owned())]),
        "{stderr}"
    );
    assert!(rendered(&messages[0]).contains("is denied by this crate's `async-hygiene.toml`"));
}

/// The dependencies whose MIR a run read, from its debug note.
fn mir_read(output: &Output) -> (Vec<String>, usize) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let note = stderr
        .lines()
        .find_map(|line| line.strip_prefix("note: precise: read the MIR of "))
        .unwrap_or_else(|| panic!("no debug note: {stderr}"));
    let (_, rest) = note.split_once(" dependencies (").unwrap();
    let (read, rest) = rest.split_once("); ").unwrap();
    let cached = rest.strip_suffix(" from their cache").unwrap();
    let read = read
        .split(", ")
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect();
    (read, cached.parse().unwrap())
}

#[test]
fn a_second_run_reads_dependencies_from_their_cache_never_a_stale_one() {
    let target = target_dir("cache");
    let deps = target.join("async-hygiene-precise/debug/deps");
    let caches = || -> Vec<PathBuf> {
        let mut caches: Vec<PathBuf> = std::fs::read_dir(&deps)
            .into_iter()
            .flatten()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "hygiene-cache"))
            .collect();
        caches.sort();
        caches
    };
    for cache in caches() {
        std::fs::remove_file(cache).unwrap();
    }
    let run = || {
        command(&fixture("precise"), &target, &[])
            .env("ASYNC_HYGIENE_PRECISE_DEBUG", "1")
            .output()
            .unwrap()
    };
    let first = run();
    assert_eq!(first.status.code(), Some(1));
    let (read, from_cache) = mir_read(&first);
    assert!(
        read.contains(&"glob".to_owned()) && read.contains(&"tokio".to_owned()),
        "{read:?}"
    );
    assert_eq!(from_cache, 0);
    let second = run();
    assert_eq!(mir_read(&second), (Vec::new(), read.len()));
    assert_eq!(
        String::from_utf8(second.stdout).unwrap(),
        String::from_utf8(first.stdout.clone()).unwrap()
    );
    // A cache that does not parse, and one kept under another identity (another rustc),
    // are read from the MIR again.
    let cache_of = |name: &str| {
        caches()
            .into_iter()
            .find(|path| {
                let file = path.file_name().unwrap().to_str().unwrap();
                file.split_once('-').unwrap().0 == name
            })
            .unwrap_or_else(|| panic!("no cache of {name} in {:?}", caches()))
    };
    std::fs::write(cache_of("glob"), "{\"identity\": ").unwrap();
    let tokio = cache_of("tokio");
    let text = std::fs::read_to_string(&tokio).unwrap();
    assert!(text.contains("\"rustc\":\"rustc "), "{}", &text[..200]);
    std::fs::write(
        &tokio,
        text.replace("\"rustc\":\"rustc ", "\"rustc\":\"rustc 0"),
    )
    .unwrap();
    let third = run();
    assert_eq!(
        mir_read(&third),
        (vec!["glob".to_owned(), "tokio".to_owned()], read.len() - 2)
    );
    assert_eq!(
        String::from_utf8(third.stdout).unwrap(),
        String::from_utf8(first.stdout).unwrap()
    );
}

#[test]
fn the_spawn_and_cpu_rules_take_what_a_call_is_from_the_compiler() {
    let dir = fixture("precise_spawns");
    let output = check(&dir, &target_dir("spawns"), &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let messages = messages(&output);
    assert_eq!(reported(&messages), marked(&dir), "{stderr}");
    // One report per call: the default mode's and precise mode's merge.
    assert_eq!(messages.len(), marked(&dir).len());
    // The default mode names only what is written as tokio's or the catalogue's: the
    // rest is precise mode's, and each call is reported once in either mode.
    let default = Command::new(env!("CARGO_BIN_EXE_cargo-async-hygiene"))
        .args(["check", "--message-format", "json"])
        .arg(&dir)
        .output()
        .unwrap();
    let in_full = |file: &str, line: u64, code: &str| (file.to_owned(), line, code.to_owned());
    assert_eq!(
        reported(&self::messages(&default)),
        BTreeSet::from([
            in_full("src/cpu.rs", 37, "cpu-bound"),
            in_full("src/lib.rs", 151, "unbounded-spawn"),
            in_full("src/lib.rs", 157, "detached-spawn"),
        ])
    );
    let rendered: Vec<&str> = messages.iter().map(rendered).collect();
    let has = |text: &str| rendered.iter().any(|rendered| rendered.contains(text));
    assert!(
        has("`self.tasks.spawn` in a loop over `items` starts a task per item"),
        "{rendered:#?}"
    );
    // A report the names alone do not give says where it comes from.
    let note = "the compiler resolves this call to a spawn";
    let noted: Vec<u64> = messages
        .iter()
        .filter(|message| self::rendered(message).contains(note))
        .map(|message| support::primary(message)["line_start"].as_u64().unwrap())
        .collect();
    assert!(noted.contains(&61) && !noted.contains(&151), "{noted:?}");
    assert!(
        has("call chain: `cpu::pack_all` at src/cpu.rs:27 → `miniz_oxide::deflate::compress_to_vec`"),
        "{rendered:#?}"
    );
}

#[test]
fn calls_through_generics_name_the_instances_they_reach() {
    let output = check(&fixture("precise"), &target_dir("fixture"), &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let messages = messages(&output);
    // The reports whose primary span is in `src/generics.rs`, on one of `lines`.
    let on = |lines: std::ops::RangeInclusive<u64>| -> Vec<&str> {
        messages
            .iter()
            .filter(|message| {
                message["message"]["spans"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|span| {
                        span["is_primary"] == true
                            && span["file_name"]
                                .as_str()
                                .unwrap()
                                .ends_with("src/generics.rs")
                            && lines.contains(&span["line_start"].as_u64().unwrap())
                    })
            })
            .map(rendered)
            .collect()
    };
    let at = |line: u64| -> &str {
        on(line..=line)
            .first()
            .copied()
            .unwrap_or_else(|| panic!("no report at src/generics.rs:{line}: {stderr}"))
    };
    // The chain says which types the generic fns were called with.
    let text = at(35);
    assert!(
        text.contains(
            "call chain: `generics::relay::<std::fs::File>` at src/generics.rs:30 → \
             `generics::count::<std::fs::File>` at src/generics.rs:10 → \
             `<std::fs::File as std::io::Read>::read`"
        ),
        "{text}"
    );
    let text = at(93);
    assert!(
        text.contains(
            "`<generics::Wrapper<std::fs::File> as generics::Fill>::fill` at src/generics.rs:86 → \
             `generics::Wrapper::<std::fs::File>::go` at src/generics.rs:66"
        ),
        "{text}"
    );
    let text = at(113);
    assert!(
        text.contains(
            "`generics::in_closure::<std::fs::File>` at src/generics.rs:103 → \
             `generics::in_closure::{closure#0}` at src/generics.rs:106"
        ),
        "{text}"
    );
    assert!(at(143).contains("`generics::anonymous::<std::fs::File>`"));
    // Through a dependency's generic fns, reported at the user's call.
    let text = at(173);
    assert!(
        text.contains(
            "call chain: `serde_json::from_reader::<std::fs::File, serde_json::Value>` at \
             serde_json-"
        ) && text.contains(
            "at serde_json-1.0.154/src/iter.rs:55 → \
             `<std::io::Bytes<std::fs::File> as std::iter::Iterator>::next`"
        ),
        "{text}"
    );
    // A dependency's generic code calls this crate's impl for the type it was given.
    let text = at(239);
    assert!(
        text.contains(
            "`<precise_fixture::generics::FromDisk as serde::Deserialize<'_>>::deserialize::<"
        ) && text.contains("at src/generics.rs:232 → `std::fs::read_to_string`"),
        "{text}"
    );
    // A fn item given for a parameter is called where the parameter is.
    let text = at(250);
    assert!(
        text.contains(
            "`generics::run::<fn() -> usize {generics::nap}>` at src/generics.rs:123 → \
             `generics::nap` at src/generics.rs:244 → `std::thread::sleep`"
        ),
        "{text}"
    );
    // The closure handed to `run` is reported once, where it blocks, not again at `run`.
    assert_eq!(on(127..=132).len(), 1, "{stderr}");
}

/// Inserts every `sequential-awaits` suggestion of `messages` into the files under `dir`.
#[test]
fn provided_methods_and_generic_async_bodies_follow_the_callers_types() {
    let output = check(&fixture("precise"), &target_dir("fixture"), &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let messages = messages(&output);
    let source = std::fs::read_to_string(fixture("precise").join("src/selfcalls.rs")).unwrap();
    // The report on the line that holds `text`, in `src/selfcalls.rs`.
    let at = |text: &str| -> &str {
        let line = source
            .lines()
            .position(|line| line.contains(text))
            .unwrap_or_else(|| panic!("no line `{text}`")) as u64
            + 1;
        report_at(&messages, "src/selfcalls.rs", line)
            .unwrap_or_else(|| panic!("no report at `{text}`: {stderr}"))
    };
    // `Self` bound to the implementor, through one and two provided methods.
    let text = at("disk.save() //~");
    assert!(
        text.contains(
            "call chain: `<selfcalls::Disk as selfcalls::Store>::save` at src/selfcalls.rs:19 → \
             `selfcalls::<Disk as Store>::write_now` at src/selfcalls.rs:39 → `std::fs::write`"
        ),
        "{text}"
    );
    let text = at("disk.save_twice() //~");
    assert!(
        text.contains(
            "`<selfcalls::Disk as selfcalls::Store>::save_twice` at src/selfcalls.rs:24 → \
             `<selfcalls::Disk as selfcalls::Store>::save` at src/selfcalls.rs:19 →"
        ),
        "{text}"
    );
    // A provided method that blocks itself, on the memory implementor.
    let text = at("memory.load() //~");
    assert!(
        text.contains(
            "`<selfcalls::Memory as selfcalls::Store>::load` at src/selfcalls.rs:14 → \
             `std::fs::read_to_string`"
        ),
        "{text}"
    );
    // The trait's own arguments, and a generic implementor whose impl binds its own.
    assert!(at("disk.put(").contains(
        "`<selfcalls::Disk as selfcalls::Put<std::path::PathBuf>>::put` at src/selfcalls.rs:"
    ));
    assert!(at("Puller(file).pull()").contains(
        "→ `<selfcalls::Puller<std::fs::File> as selfcalls::Pull>::pull_now` at \
         src/selfcalls.rs:"
    ));
    // A dependency's provided method calls the user's implementation.
    let text = at("Flush::flush(&Flushed)");
    assert!(
        text.contains("`sinks::<selfcalls::Flushed as sinks::provided::Flush>::flush` at ")
            && text.contains(
                "sinks/src/provided.rs:8 → `selfcalls::<Flushed as Flush>::flush_now` at \
                 src/selfcalls.rs:"
            ),
        "{text}"
    );
    // Through a trait object: the provided method on the implementation that blocks.
    assert!(at("report.report() //~").contains(
        "call chain: `<selfcalls::OnDisk as selfcalls::Report>::report` at src/selfcalls.rs:308 → \
         `selfcalls::<OnDisk as Report>::measure` at src/selfcalls.rs:318 → `std::fs::metadata`"
    ));
    // The body of a generic `async fn`, with the types of the call that makes its future.
    let text = at("read_all(file).await //~");
    assert!(
        text.contains(
            "call chain: `selfcalls::read_all::<std::fs::File>` at src/selfcalls.rs:85 → \
             `<std::fs::File as std::io::Read>::read_to_end`"
        ) && text.contains("the future of `selfcalls::read_all` blocks when awaited"),
        "{text}"
    );
    assert!(at("read_twice(file).await //~").contains(
        "call chain: `selfcalls::read_twice::<std::fs::File>` at src/selfcalls.rs:212 → \
         `selfcalls::read_all::<std::fs::File>` at src/selfcalls.rs:85 →"
    ));
    // A trait's provided `async fn`: its body with `Self` bound.
    assert!(at("disk.run().await //~").contains(
        "call chain: `<selfcalls::Disk as selfcalls::Job>::run` at src/selfcalls.rs:241 → \
         `selfcalls::<Disk as Job>::step` at src/selfcalls.rs:249 → `std::fs::read`"
    ));
}

fn apply_suggestions(dir: &Path, messages: &[Value]) -> usize {
    let mut insertions: Vec<(String, usize, String)> = messages
        .iter()
        .filter(|message| message["message"]["code"]["code"] == "async-hygiene::sequential-awaits")
        .flat_map(|message| message["message"]["children"].as_array().unwrap().iter())
        .flat_map(|child| child["spans"].as_array().unwrap().iter())
        .filter_map(|span| {
            Some((
                span["file_name"].as_str()?.to_owned(),
                usize::try_from(span["byte_start"].as_u64()?).unwrap(),
                span["suggested_replacement"].as_str()?.to_owned(),
            ))
        })
        .collect();
    insertions.sort_by(|a, b| b.cmp(a));
    for (file, at, text) in &insertions {
        let path = dir.join(file);
        let mut source = std::fs::read_to_string(&path).unwrap();
        source.insert_str(*at, text);
        std::fs::write(&path, source).unwrap();
    }
    insertions.len()
}

/// A copy of the `precise_borrows` fixture with `messages`' suggestions applied, built
/// with `cargo check`: its output.
fn build_with_suggestions(label: &str, messages: &[Value]) -> (usize, Output) {
    let dir = support::scratch_copy_of("precise_borrows", label);
    let facade = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let manifest = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap().replace(
        "path = \"../../../..\"",
        &format!("path = \"{}\"", facade.canonicalize().unwrap().display()),
    );
    std::fs::write(&manifest, text).unwrap();
    let applied = apply_suggestions(&dir, messages);
    let output = Command::new(env!("CARGO"))
        .args(["check", "--quiet", "--all-targets", "--manifest-path"])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", target_dir("borrows-applied"))
        .env_remove("RUSTC_WRAPPER")
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    (applied, output)
}

#[test]
fn sequential_awaits_joins_by_the_compilers_borrows_and_every_join_builds() {
    let dir = fixture("precise_borrows");
    let output = check(&dir, &target_dir("borrows"), &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let precise = messages(&output);
    // Two shared borrows of one receiver join; a mutable borrow or a move with another
    // use of it never does.
    assert_eq!(reported(&precise), marked(&dir), "{stderr}");
    // The default mode, without the compiler's borrows: the shared pairs stay apart, and
    // the move is joined with the borrow.
    let default = Command::new(env!("CARGO_BIN_EXE_cargo-async-hygiene"))
        .args(["check", "--message-format", "json"])
        .arg(&dir)
        .output()
        .unwrap();
    let default = messages(&default);
    let line = |message: &Value| support::primary(message)["line_start"].as_u64().unwrap();
    assert_eq!(
        default.iter().map(line).collect::<Vec<_>>(),
        [68, 75],
        "the default mode's reports"
    );
    // Every precise suggestion, applied, builds.
    let (applied, built) = build_with_suggestions("precise-", &precise);
    assert_eq!(applied, 3);
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    // The default mode's join of the move does not (the fixture's case is real).
    let (applied, built) = build_with_suggestions("default-", &default);
    assert_eq!(applied, 2);
    let errors = String::from_utf8_lossy(&built.stderr);
    assert!(
        !built.status.success() && errors.contains("E0505"),
        "{errors}"
    );
}

#[test]
fn a_package_asked_for_is_checked_alone_as_cargo_builds_it() {
    let dir = fixture("precise_workspace");
    let output = check(&dir, &target_dir("workspace"), &["-p", "tidy"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let tidy: BTreeSet<_> = marked(&dir)
        .into_iter()
        .filter(|(file, _, _)| file.starts_with("tidy/"))
        .collect();
    assert!(!tidy.is_empty());
    // `lax`'s reports, of every rule, are not asked for.
    assert_eq!(reported(&messages(&output)), tidy, "{stderr}");
}

#[test]
fn each_packages_policy_applies_to_its_own_reports() {
    let dir = fixture("precise_workspace");
    let output = check(&dir, &target_dir("workspace"), &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    // `tidy` allows `remove_file`, denies `env::var` and names `pool::Lease` a guard;
    // `lax`, without `[no_blocking]` lists, is checked with the built-in catalogue and its
    // own `pool::Lease` is no guard. `tidy`'s `[cpu_bound.deny]` does not report `lax`'s
    // call of the same path, and `lax`'s `[cpu_bound.allow]` does not silence `tidy`'s.
    let messages = messages(&output);
    assert_eq!(reported(&messages), marked(&dir), "{stderr}");
    let lease = messages
        .iter()
        .find(|message| message["message"]["code"]["code"] == "async-hygiene::lock-across-await")
        .unwrap();
    assert!(
        rendered(lease).contains(
            "its `[lock_across_await.guards]` says: the pool blocks the thread of every task"
        ),
        "{}",
        rendered(lease)
    );
    let denied = messages
        .iter()
        .find(|message| rendered(message).contains("`codec::Frame::encode` is denied as CPU-heavy"))
        .expect("tidy's denied call is reported");
    assert!(
        rendered(denied).contains("encode frames with `tokio::task::spawn_blocking`"),
        "{}",
        rendered(denied)
    );
}

#[test]
fn a_mir_text_it_does_not_recognise_is_an_error_naming_the_rustc_never_a_hang() {
    let dir = fixture("precise_workspace");
    let target = target_dir("unrecognised");
    let deps = target.join("async-hygiene-precise/debug/deps");
    // `lax`'s own artifacts, so that cargo builds it again and writes its MIR afresh.
    let lax_artifacts = || -> Vec<PathBuf> {
        std::fs::read_dir(&deps)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|entry| entry.path())
                    .filter(|path| {
                        path.file_name()
                            .and_then(|name| name.to_str())
                            .is_some_and(|name| {
                                name.starts_with("lax-") || name.starts_with("liblax-")
                            })
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    for artifact in lax_artifacts() {
        std::fs::remove_file(artifact).unwrap();
    }
    let output = check(&dir, &target, &["-p", "lax"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // What another rustc might print: the default check waits for the graph's facts,
    // and must be told that none are coming.
    let mirs: Vec<PathBuf> = lax_artifacts()
        .into_iter()
        .filter(|path| path.extension().is_some_and(|extension| extension == "mir"))
        .collect();
    assert!(!mirs.is_empty());
    for mir in &mirs {
        std::fs::write(mir, "// a format of another rustc\nfn lax() {\n}\n").unwrap();
    }
    let mut child = command(&dir, &target, &["-p", "lax"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > std::time::Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("precise mode hung on a MIR text it does not recognise");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("this MIR text is not in the format precise mode reads")
            && stderr.contains("rustc "),
        "{stderr}"
    );
    // The next run builds `lax` again.
    for artifact in lax_artifacts() {
        std::fs::remove_file(artifact).unwrap();
    }
}

/// A dependency's `async fn` whose body blocks is reported where its future is made, with
/// the chain through its body (and through its own awaits), and a fix for an async API;
/// a generic one names the types given.
#[test]
fn a_dependencys_async_fn_is_reported_where_its_future_is_made() {
    let output = check(&fixture("precise"), &target_dir("fixture"), &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let messages = messages(&output);
    let at = |line: u64| -> &str {
        report_at(&messages, "src/dep_async.rs", line)
            .unwrap_or_else(|| panic!("no report at src/dep_async.rs:{line}: {stderr}"))
    };
    let text = at(8);
    assert!(
        text.contains("the future of `sinks::asyncs::load_settings` blocks when awaited\n")
            && text.contains("call chain: `sinks::asyncs::load_settings` at ")
            && text.contains("sinks/src/asyncs.rs:5 → `std::fs::read_to_string`")
            && text.contains(
                "`sinks::asyncs::load_settings` is async but blocks inside: use an async \
                 replacement"
            ),
        "{text}"
    );
    let text = at(13);
    assert!(
        text.contains("sinks/src/asyncs.rs:10 → `sinks::asyncs::load_settings` at "),
        "{text}"
    );
    let text = at(28);
    assert!(
        text.contains("blocks when awaited, with the types given here")
            && text.contains("`sinks::asyncs::read_from::<std::fs::File>` at "),
        "{text}"
    );
}
