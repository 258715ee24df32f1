//! What the watchdog reports and where the reports go.

use std::fmt;
use std::io::Write as _;
use std::panic::Location;
use std::time::Duration;

/// Whether `path` (`krate::api::Service::get_user`) names the fn `name`: the whole path,
/// or its last segments (`get_user`, `Service::get_user`).
pub(super) fn path_names(path: &str, name: &str) -> bool {
    path == name
        || path
            .strip_suffix(name)
            .is_some_and(|prefix| prefix.ends_with("::"))
}

/// One end of the stretch of code a poll ran: where it resumed or where it stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Point {
    /// The start of the fn's body: the stretch began at the fn's first poll.
    Start,
    /// An `.await` of the body, at the location of its `await` keyword.
    Await {
        /// The source file, as `file!()` gives it.
        file: &'static str,
        /// The line of the `await` keyword.
        line: u32,
        /// The column of the `await` keyword; 0 in a [`Hang`], which has room for the
        /// line only.
        column: u32,
    },
    /// An await the watchdog did not mark: one inside a macro call (`tokio::join!`,
    /// `select!`) or in the body of a future watched with [`watch`](super::watch).
    Unmarked,
    /// The fn returned: the poll ended with its output.
    Return,
}

impl Point {
    pub(super) fn at(location: Option<&'static Location<'static>>) -> Self {
        location.map_or(Point::Start, |location| Point::Await {
            file: location.file(),
            line: location.line(),
            column: location.column(),
        })
    }

    /// `the start of the fn (src/api.rs:42:14)`, `the await at src/api.rs:47:31`, …;
    /// `function` is where the fn is.
    fn describe(self, function: (&str, u32, u32)) -> String {
        match self {
            Point::Start => format!(
                "the start of the fn ({}:{}:{})",
                function.0, function.1, function.2
            ),
            // A hang has no column: see `monitor`.
            Point::Await {
                file,
                line,
                column: 0,
            } => format!("the await at {file}:{line}"),
            Point::Await { file, line, column } => format!("the await at {file}:{line}:{column}"),
            Point::Unmarked => format!(
                "an unmarked await of the fn ({}:{}:{})",
                function.0, function.1, function.2
            ),
            Point::Return => "the return".to_owned(),
        }
    }
}

/// The stretch of code one poll ran, between two points where the fn can suspend.
///
/// A poll resumes where the previous one suspended (`from`) and runs to the next await
/// that is pending or to the return (`to`): any code in between, in the fn or in the sync
/// and async code it calls without suspending, is what blocked the thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Stretch {
    /// Where the poll resumed: [`Point::Start`] or an [`Point::Await`].
    pub from: Point,
    /// Where it stopped: an [`Point::Await`] that was pending, or [`Point::Return`].
    pub to: Point,
}

impl Stretch {
    /// `between the start of the fn (src/a.rs:4:10) and the await at src/a.rs:9:31`; a
    /// poll that resumed at an await and was pending in it again ran `in the await at …`.
    fn describe(self, function: (&str, u32, u32)) -> String {
        if self.from == self.to {
            format!("in {}", self.from.describe(function))
        } else {
            format!(
                "between {} and {}",
                self.from.describe(function),
                self.to.describe(function)
            )
        }
    }
}

/// One poll of a watched async fn that took longer than the threshold.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SlowPoll {
    /// The path of the async fn, as `crate::module::Type::method` (from
    /// `std::any::type_name`, so the exact form is best-effort), or the name given to
    /// [`watch`](super::watch).
    pub function: String,
    /// The source file of the fn, as `file!()` gives it.
    pub file: &'static str,
    /// The line of the fn's name.
    pub line: u32,
    /// The column of the fn's name.
    pub column: u32,
    /// The code the poll ran.
    pub stretch: Stretch,
    /// How long the poll took: exact below
    /// [`COARSE_CLOCK_MIN_THRESHOLD`](super::COARSE_CLOCK_MIN_THRESHOLD), otherwise a
    /// upper bound, long by at most two ticks of the coarse clock (at most 10 ms) on a
    /// machine that runs the ticker thread on time: never shorter than the poll.
    pub duration: Duration,
    /// The part of `duration` spent in nested watched fns whose slow polls were reported
    /// on their own.
    pub nested: Duration,
    /// The threshold in force when the poll was measured.
    pub threshold: Duration,
}

impl fmt::Display for SlowPoll {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` blocked its executor thread for {:.1?} {} (threshold {:?})",
            self.function,
            self.duration,
            self.stretch.describe((self.file, self.line, self.column)),
            self.threshold,
        )?;
        if !self.nested.is_zero() {
            write!(
                f,
                ", {:.1?} of it in nested fns reported separately",
                self.nested
            )?;
        }
        f.write_str(
            "; move blocking or CPU-heavy work to `tokio::task::spawn_blocking` or an \
             `#[offload]` fn",
        )
    }
}

/// A poll still running past the hang threshold, reported by the monitor thread while
/// it runs (once per poll).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Hang {
    /// The path of the async fn, as in [`SlowPoll::function`].
    pub function: String,
    /// The source file of the fn.
    pub file: &'static str,
    /// The line of the fn's name.
    pub line: u32,
    /// The column of the fn's name.
    pub column: u32,
    /// Where the poll resumed: the stuck code is after it.
    pub from: Point,
    /// How long the poll had been running when it was reported (a lower bound).
    pub running_for: Duration,
    /// The hang threshold in force.
    pub hang_threshold: Duration,
}

impl fmt::Display for Hang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` has been blocking its executor thread for {:.1?} since {}, and the poll is \
             still running (hang threshold {:?}): a deadlock (a nested `block_on`, a lock held \
             across the runtime) or an endless loop",
            self.function,
            self.running_for,
            self.from.describe((self.file, self.line, self.column)),
            self.hang_threshold,
        )
    }
}

/// Prints `message` to the process's stderr when no `tracing` subscriber would show the
/// event the caller just emitted.
///
/// The write goes to the stderr handle itself, not through `eprintln!`: libtest captures
/// `print!`/`eprint!` of a passing test and shows nothing, so under `cargo test` a report
/// printed that way would be lost exactly where it is needed.
pub(super) fn print_if_unobserved(level: tracing::Level, message: &dyn fmt::Display) {
    let no_subscriber = tracing::dispatcher::get_default(
        tracing::Dispatch::is::<tracing::subscriber::NoSubscriber>,
    );
    if no_subscriber {
        // One `write_all` of the whole line: reports from several threads do not interleave.
        let line = format!("{level} async_hygiene::watchdog: {message}\n");
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}
