//! What a user sees, in a process of its own: each case runs this test binary again as a
//! child (an `#[ignore]`d test, run with `--ignored --exact`) and reads its output, as a
//! developer reads `cargo test`'s. libtest captures `print!`/`eprint!` of a passing test;
//! the watchdog's reports must show anyway, and strict-mode failures must point at the
//! user's code, not at this crate.

use std::process::{Command, Output};
use std::time::Duration;

/// Runs the ignored test `name` of this binary in a child process, with `env` set.
fn run_child(name: &str, env: &[(&str, &str)]) -> Output {
    Command::new(std::env::current_exe().expect("the test binary"))
        .args(["--ignored", "--exact", name, "--test-threads=1"])
        .env_remove("ASYNC_HYGIENE_WATCHDOG")
        .env_remove("ASYNC_HYGIENE_WATCHDOG_MS")
        .env_remove("ASYNC_HYGIENE_WATCHDOG_HANG_MS")
        .env_remove("RUST_BACKTRACE")
        .envs(env.iter().copied())
        .output()
        .expect("the test binary runs again")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn load_config(duration: Duration) -> u32 {
    async_hygiene::allow_blocking!(
        "blocks on purpose: the watchdog under test must see a slow poll",
        std::thread::sleep(duration)
    );
    7
}

const HANDLER_LINE: u32 = line!() + 1;
async fn handler() -> u32 {
    async_hygiene::__private::watch_body_on!(
        name = "handler",
        output = u32,
        body = {
            tokio::task::yield_now().await;
            load_config(Duration::from_millis(200))
        }
    )
}

#[tokio::test]
#[ignore = "run by `reports_show_under_libtests_capture` in a child process"]
async fn child_passing_test_with_a_slow_poll() {
    eprintln!("eprintln of the passing test");
    assert_eq!(handler().await, 7);
}

#[test]
fn reports_show_under_libtests_capture() {
    let output = run_child("child_passing_test_with_a_slow_poll", &[]);
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert!(output.status.success(), "{stdout}\n{stderr}");
    // What libtest captures stays hidden for a passing test: `eprintln!` would be lost.
    assert!(!stderr.contains("eprintln of the passing test"), "{stderr}");
    assert!(!stdout.contains("eprintln of the passing test"), "{stdout}");
    // The report, written to the stderr handle, is not.
    assert!(
        stderr.contains("WARN async_hygiene::watchdog: `watchdog_output::handler` blocked its executor thread for "),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("tests/watchdog_output.rs:{}:", HANDLER_LINE + 1)),
        "{stderr}"
    );
}

#[tokio::test]
#[ignore = "run by `strict_mode_panics_at_the_users_line` in a child process"]
async fn child_strict_slow_poll() {
    assert_eq!(handler().await, 7);
}

#[test]
fn strict_mode_panics_at_the_users_line() {
    let output = run_child(
        "child_strict_slow_poll",
        &[("ASYNC_HYGIENE_WATCHDOG", "strict")],
    );
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert!(!output.status.success(), "{stdout}\n{stderr}");
    let all = format!("{stdout}\n{stderr}");
    // The watched body's own location: the `watch_body_on!` call here (with an
    // attribute, the attribute's line).
    let panicked_at = format!("panicked at tests/watchdog_output.rs:{}:", HANDLER_LINE + 1);
    assert!(all.contains(&panicked_at), "{all}");
    assert!(!all.contains("panicked at runtime/"), "{all}");
    assert!(
        all.contains("async-hygiene watchdog (strict mode): `watchdog_output::handler` blocked"),
        "{all}"
    );
}

async fn stuck() {
    async_hygiene::__private::watch_body_on!(
        name = "stuck",
        output = (),
        body = {
            tokio::task::yield_now().await;
            async_hygiene::allow_blocking!(
                "stuck on purpose: the monitor under test must abort on it",
                std::thread::sleep(Duration::from_secs(5))
            );
        }
    );
}

#[tokio::test]
#[ignore = "run by `strict_mode_aborts_on_a_hang_after_reporting_it` in a child process"]
async fn child_strict_hang() {
    stuck().await;
}

#[test]
fn strict_mode_aborts_on_a_hang_after_reporting_it() {
    let start = std::time::Instant::now();
    let output = run_child(
        "child_strict_hang",
        &[
            ("ASYNC_HYGIENE_WATCHDOG", "strict"),
            ("ASYNC_HYGIENE_WATCHDOG_HANG_MS", "200"),
        ],
    );
    let stderr = text(&output.stderr);
    // Aborted long before the 5 s sleep ends.
    assert!(start.elapsed() < Duration::from_secs(4), "{stderr}");
    assert!(!output.status.success(), "{stderr}");
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt as _;
        assert_eq!(output.status.signal(), Some(6), "SIGABRT: {stderr}");
    }
    assert!(
        stderr.contains(
            "ERROR async_hygiene::watchdog: `watchdog_output::stuck` has been blocking its \
             executor thread for "
        ),
        "{stderr}"
    );
    assert!(stderr.contains("(hang threshold 200ms)"), "{stderr}");
    assert!(
        stderr.contains("strict mode: aborting the process on a hang"),
        "{stderr}"
    );
}

#[tokio::test]
#[ignore = "run by `strict_mode_names_the_call_site_of_a_future_watched_by_name` in a child process"]
async fn child_strict_watched_by_name() {
    let work = async {
        tokio::task::yield_now().await;
        load_config(Duration::from_millis(200))
    };
    async_hygiene::watchdog::watch("named_work", work).await;
}

#[test]
fn strict_mode_names_the_call_site_of_a_future_watched_by_name() {
    let output = run_child(
        "child_strict_watched_by_name",
        &[("ASYNC_HYGIENE_WATCHDOG", "strict")],
    );
    let all = format!("{}\n{}", text(&output.stdout), text(&output.stderr));
    // Without the feature, `watch` polls the future as it is: nothing to fail.
    assert_eq!(
        output.status.success(),
        !async_hygiene::watchdog::COMPILED_IN,
        "{all}"
    );
    if async_hygiene::watchdog::COMPILED_IN {
        let line = line_of("async_hygiene::watchdog::watch(\"named_work\", work)");
        assert!(
            all.contains(&format!("(watched at tests/watchdog_output.rs:{line}:")),
            "{all}"
        );
        assert!(!all.contains("panicked at runtime/"), "{all}");
    }
}

#[cfg(feature = "watchdog")]
#[async_hygiene::no_blocking]
async fn annotated_handler() -> u32 {
    tokio::task::yield_now().await;
    load_config(Duration::from_millis(200))
}

#[cfg(feature = "watchdog")]
#[tokio::test]
#[ignore = "run by `strict_mode_names_the_annotated_fn_when_the_slow_stretch_returns` in a child process"]
async fn child_strict_annotated() {
    assert_eq!(annotated_handler().await, 7);
}

/// With the attribute, a body whose awaits are all visible keeps its own watch state:
/// a slow stretch that ends at the return is reported from the state's `drop`, which
/// `#[track_caller]` cannot reach, so it unwinds without the panic hook's "panicked at"
/// (no line of this crate is named) and the message names the fn's location.
#[cfg(feature = "watchdog")]
#[test]
fn strict_mode_names_the_annotated_fn_when_the_slow_stretch_returns() {
    let all = failing_strict_child("child_strict_annotated");
    let line = line_of("async fn annotated_handler() -> u32 {");
    assert!(
        all.contains(&format!("(the fn at tests/watchdog_output.rs:{line}:10)")),
        "{all}"
    );
    assert!(
        all.contains("`watchdog_output::annotated_handler` blocked its executor thread for "),
        "{all}"
    );
    assert!(!all.contains("panicked at runtime/"), "{all}");
    assert!(
        all.contains(" between the await at tests/watchdog_output.rs:"),
        "{all}"
    );
}

#[cfg(feature = "watchdog")]
#[async_hygiene::no_blocking]
async fn annotated_blocks_then_awaits() -> u32 {
    load_config(Duration::from_millis(200));
    tokio::task::yield_now().await; // ends the slow stretch
    7
}

#[cfg(feature = "watchdog")]
#[tokio::test]
#[ignore = "run by `strict_mode_panics_at_the_await_that_ends_the_slow_stretch` in a child process"]
async fn child_strict_annotated_await() {
    assert_eq!(annotated_blocks_then_awaits().await, 7);
}

/// A slow stretch that ends at an await panics there: the marked await's `poll` is
/// `#[track_caller]`, so "panicked at" is the user's `.await`.
#[cfg(feature = "watchdog")]
#[test]
fn strict_mode_panics_at_the_await_that_ends_the_slow_stretch() {
    let all = failing_strict_child("child_strict_annotated_await");
    let line = line_of("// ends the slow stretch");
    assert!(
        all.contains(&format!("panicked at tests/watchdog_output.rs:{line}:30:")),
        "{all}"
    );
    assert!(!all.contains("panicked at runtime/"), "{all}");
    assert!(
        all.contains("between the start of the fn (tests/watchdog_output.rs:"),
        "{all}"
    );
}

/// The output of the ignored test `name` run in strict mode in a child process, which
/// must fail without naming a line of this crate as the cause.
#[cfg(feature = "watchdog")]
fn failing_strict_child(name: &str) -> String {
    let output = run_child(name, &[("ASYNC_HYGIENE_WATCHDOG", "strict")]);
    let all = format!("{}\n{}", text(&output.stdout), text(&output.stderr));
    assert!(!output.status.success(), "{all}");
    assert!(!all.contains("panicked at runtime/"), "{all}");
    all
}

/// The line of this file that contains `text`.
fn line_of(text: &str) -> u32 {
    let index = include_str!("watchdog_output.rs")
        .lines()
        .position(|line| line.contains(text))
        .expect("the text is in this file");
    u32::try_from(index + 1).expect("a short file")
}
