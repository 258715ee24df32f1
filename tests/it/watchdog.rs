//! The poll watchdog, with real clocks (a paused clock does not advance while a thread
//! blocks): blocking of 250 ms against the default 100 ms threshold, so a loaded machine
//! does not make fast bodies look slow.
//!
//! `cargo test --workspace` builds the facade without the `watchdog` feature, so the
//! watched path is exercised through `watch_body_on!`, the exact wrapper the attributes'
//! `watch_body!` becomes when the feature is on; the attribute itself is checked to emit
//! the plain body. `cargo test --features watchdog --test it watchdog::` runs the same
//! module with the attribute watched end to end.
//!
//! Every test collects the reports of its own future (`watchdog::collect`): the tests run
//! in parallel, and each sees only what its polls reported.

use std::num::ParseIntError;
use std::time::{Duration, Instant};

use async_hygiene::watchdog::{self, Point, SlowPoll, Stretch};

const BLOCKING: Duration = Duration::from_millis(250);
/// With the default threshold, durations come from the coarse clock: lower bounds short by
/// one tick (5 ms) plus however late the ticker thread is scheduled on a loaded machine.
const AT_LEAST: Duration = Duration::from_millis(200);

/// Runs `future` and returns the slow polls it reported, cloned.
async fn reports_of<F: std::future::Future>(future: F) -> (F::Output, Vec<SlowPoll>) {
    let (output, reports) = watchdog::collect(future).await;
    (output, reports.slow_polls)
}

/// The reports of the fn `name`.
fn named(reports: &[SlowPoll], name: &str) -> Vec<SlowPoll> {
    reports
        .iter()
        .filter(|report| report.function.rsplit("::").next() == Some(name))
        .cloned()
        .collect()
}

/// Sync code in another module: the blocking no attribute can see.
mod storage {
    use std::time::{Duration, Instant};

    pub(crate) fn load_config(blocking: Duration) -> u32 {
        async_hygiene::allow_blocking!(
            "blocks on purpose: the watchdog under test must see a slow poll",
            std::thread::sleep(blocking)
        );
        7
    }

    /// A CPU-bound loop standing in for parsing or hashing on the event loop.
    pub(crate) fn checksum(budget: Duration) -> u64 {
        let start = Instant::now();
        let mut hash = 0xcbf2_9ce4_8422_2325_u64;
        while start.elapsed() < budget {
            for byte in 0..=255_u8 {
                hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
            }
        }
        std::hint::black_box(hash)
    }
}

const HANDLER_LINE: u32 = line!() + 1;
async fn handler(id: u32) -> Result<u32, Box<dyn std::error::Error>> {
    async_hygiene::__private::watch_body_on!(
        name = "handler",
        output = Result<u32, Box<dyn std::error::Error>>,
        body = {
            tokio::task::yield_now().await;
            // `?` converts into the boxed error: it compiles only because `output` pins
            // the type of the async block the body moved into.
            let base: u32 = "3".parse()?;
            Ok(base + id + storage::load_config(BLOCKING))
        }
    )
}

#[tokio::test]
async fn a_hidden_sleep_in_a_sync_callee_is_reported_with_name_and_location() {
    let before = watchdog::slow_poll_count();
    let (output, reports) = reports_of(handler(1)).await;
    assert_eq!(output.ok(), Some(11));

    assert_eq!(reports.len(), 1, "{reports:#?}");
    let report = &reports[0];
    assert_eq!(report.function, "it::watchdog::handler");
    assert_eq!(report.file, file!());
    assert_eq!(report.line, HANDLER_LINE + 1);
    assert!(report.duration >= AT_LEAST, "{report:?}");
    assert_eq!(report.threshold, watchdog::DEFAULT_THRESHOLD);
    assert!(watchdog::slow_poll_count() > before);
    // The body is watched without the attribute, so its await is not marked.
    assert_eq!(
        report.stretch,
        Stretch {
            from: Point::Unmarked,
            to: Point::Return
        }
    );

    let message = report.to_string();
    assert!(
        message.starts_with("`it::watchdog::handler` blocked its executor thread for "),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "between an unmarked await of the fn ({}:{}:",
            file!(),
            HANDLER_LINE + 1
        )),
        "{message}"
    );
    assert!(
        message.contains(") and the return (threshold 100ms)"),
        "{message}"
    );
    let stats = watchdog::stats_for("it::watchdog::handler").expect("the fn was polled");
    assert!(stats.polls >= 2 && stats.slow_polls >= 1, "{stats:?}");
    assert!(message.contains("spawn_blocking"), "{message}");
}

async fn hashes(budget: Duration) -> u64 {
    async_hygiene::__private::watch_body_on!(
        name = "hashes",
        output = u64,
        body = { storage::checksum(budget) }
    )
}

#[tokio::test]
async fn a_cpu_heavy_loop_is_reported() {
    let (_, reports) = reports_of(hashes(BLOCKING)).await;
    assert_eq!(reports.len(), 1, "{reports:#?}");
    assert!(reports[0].duration >= AT_LEAST);
}

async fn fast(values: Vec<u32>) -> u32 {
    async_hygiene::__private::watch_body_on!(
        name = "fast",
        output = u32,
        body = {
            let mut total = 0;
            for value in values {
                tokio::task::yield_now().await;
                total += value;
            }
            total
        }
    )
}

#[tokio::test]
async fn fast_polls_are_not_reported() {
    let (total, reports) = watchdog::collect(fast((1..=100).collect())).await;
    assert_eq!(total, 5050);
    reports.assert_no_slow_polls();
}

/// Blocking split over several polls, each below the threshold, is not one slow poll.
async fn sliced(slices: u32) {
    async_hygiene::__private::watch_body_on!(
        name = "sliced",
        output = (),
        body = {
            for _ in 0..slices {
                async_hygiene::allow_blocking!(
                    "blocks on purpose: the watchdog under test must see a slow poll",
                    std::thread::sleep(Duration::from_millis(20))
                );
                tokio::task::yield_now().await;
            }
        }
    );
}

#[tokio::test]
async fn only_single_polls_above_the_threshold_count() {
    let start = Instant::now();
    let ((), reports) = watchdog::collect(sliced(15)).await;
    assert!(start.elapsed() >= Duration::from_millis(300));
    reports.assert_no_slow_polls();
}

async fn blocking_leaf() {
    async_hygiene::__private::watch_body_on!(
        name = "blocking_leaf",
        output = (),
        body = {
            storage::load_config(BLOCKING);
        }
    );
}

async fn caller_of_blocking_leaf() {
    async_hygiene::__private::watch_body_on!(
        name = "caller_of_blocking_leaf",
        output = (),
        body = {
            tokio::task::yield_now().await;
            blocking_leaf().await;
        }
    );
}

#[tokio::test]
async fn nested_blocking_is_reported_once_against_the_innermost_fn() {
    let ((), reports) = reports_of(caller_of_blocking_leaf()).await;
    assert_eq!(named(&reports, "blocking_leaf").len(), 1, "{reports:#?}");
    assert!(named(&reports, "caller_of_blocking_leaf").is_empty());
}

async fn blocks_then_awaits_middle() {
    async_hygiene::__private::watch_body_on!(
        name = "blocks_then_awaits_middle",
        output = (),
        body = {
            storage::load_config(BLOCKING);
            awaits_inner_then_blocks().await;
        }
    );
}

async fn awaits_inner_then_blocks() {
    async_hygiene::__private::watch_body_on!(
        name = "awaits_inner_then_blocks",
        output = (),
        body = {
            blocks_innermost().await;
            storage::load_config(BLOCKING);
        }
    );
}

async fn blocks_innermost() {
    async_hygiene::__private::watch_body_on!(
        name = "blocks_innermost",
        output = (),
        body = {
            storage::load_config(BLOCKING);
        }
    );
}

/// Three watched fns in one poll, each blocking on its own: each is reported once, with
/// exactly the time its nested fns reported as `nested`.
#[tokio::test]
async fn each_level_reports_only_its_own_blocking() {
    let ((), reports) = reports_of(blocks_then_awaits_middle()).await;
    let only = |name: &str| {
        let reports = named(&reports, name);
        assert_eq!(reports.len(), 1, "{reports:#?}");
        reports[0].clone()
    };
    let inner = only("blocks_innermost");
    let middle = only("awaits_inner_then_blocks");
    let outer = only("blocks_then_awaits_middle");
    assert!(
        inner.duration >= AT_LEAST && inner.nested.is_zero(),
        "{inner:?}"
    );
    assert_eq!(middle.nested, inner.duration, "{middle:?}");
    assert!(
        middle.duration.saturating_sub(middle.nested) >= AT_LEAST,
        "{middle:?}"
    );
    assert_eq!(outer.nested, middle.duration, "{outer:?}");
    assert!(
        outer.duration.saturating_sub(outer.nested) >= AT_LEAST,
        "{outer:?}"
    );
    assert!(outer
        .to_string()
        .contains("of it in nested fns reported separately"));
}

struct Store {
    name: String,
}

impl Store {
    /// A method borrowing from `self`, whose return type has an elided lifetime.
    async fn slow_name(&self, suffix: &str) -> Result<&str, ParseIntError> {
        async_hygiene::__private::watch_body_on!(
            name = "slow_name",
            output = Result<&str, ParseIntError>,
            body = {
                let _: u8 = suffix.parse()?;
                storage::load_config(BLOCKING);
                Ok(self.name.as_str())
            }
        )
    }
}

#[tokio::test]
async fn methods_are_named_with_their_type() {
    let store = Store {
        name: "primary".to_owned(),
    };
    let (results, reports) =
        reports_of(async { (store.slow_name("1").await, store.slow_name("x").await) }).await;
    assert_eq!(results.0, Ok("primary"));
    assert!(results.1.is_err());
    assert_eq!(reports.len(), 1, "{reports:#?}");
    assert_eq!(reports[0].function, "it::watchdog::Store::slow_name");
}

async fn impl_trait_output() -> impl std::fmt::Display {
    async_hygiene::__private::watch_body_on!(
        name = "impl_trait_output",
        body = {
            tokio::task::yield_now().await;
            42
        }
    )
}

#[tokio::test]
async fn impl_trait_return_types_are_inferred() {
    assert_eq!(impl_trait_output().await.to_string(), "42");
}

/// The switch the attributes emit: without the feature, exactly the plain body.
#[tokio::test]
async fn the_switch_is_the_plain_body_without_the_feature() {
    let blocking = Duration::from_millis(1);
    let plain = async { storage::load_config(blocking) };
    let switched = async {
        async_hygiene::__private::watch_body!(
            name = "switched",
            output = u32,
            body = { storage::load_config(blocking) }
        )
    };
    let watched = async {
        async_hygiene::__private::watch_body_on!(
            name = "switched",
            output = u32,
            body = { storage::load_config(blocking) }
        )
    };
    if cfg!(feature = "watchdog") {
        assert_eq!(size_of_val(&switched), size_of_val(&watched));
    } else {
        assert_eq!(size_of_val(&switched), size_of_val(&plain));
        assert!(size_of_val(&watched) > size_of_val(&plain));
    }
    assert_eq!(switched.await + plain.await + watched.await, 21);
    assert_eq!(watchdog::COMPILED_IN, cfg!(feature = "watchdog"));
}

/// Through a real attribute: `#[bounded]` emits its body via `instrument_body`.
const BOUNDED_LINE: u32 = line!() + 2;
#[async_hygiene::bounded(4)]
async fn bounded_blocking(id: u32) -> Result<u32, ParseIntError> {
    let base: u32 = "2".parse()?;
    Ok(base + id + storage::load_config(BLOCKING))
}

#[tokio::test]
async fn an_annotated_fn_is_watched_exactly_when_the_feature_is_on() {
    let (output, reports) = reports_of(bounded_blocking(1)).await;
    assert_eq!(output, Ok(10));
    if cfg!(feature = "watchdog") {
        assert_eq!(reports.len(), 1, "{reports:#?}");
        assert_eq!(reports[0].function, "it::watchdog::bounded_blocking");
        assert_eq!((reports[0].file, reports[0].line), (file!(), BOUNDED_LINE));
    } else {
        assert!(reports.is_empty(), "{reports:#?}");
    }
}

/// The request handlers of an application: blocking hidden one call away, where
/// `#[no_blocking]`'s static check cannot see it.
mod handlers {
    use super::{storage, BLOCKING};
    use std::num::ParseIntError;

    pub(crate) const GET_USER_LINE: u32 = line!() + 2;
    #[async_hygiene::no_blocking]
    pub(crate) async fn get_user(id: u32) -> Result<u32, ParseIntError> {
        let base: u32 = "5".parse()?;
        tokio::task::yield_now().await;
        Ok(base + id + storage::load_config(BLOCKING))
    }

    pub(crate) const STACKED_LINE: u32 = line!() + 3;
    #[async_hygiene::no_blocking]
    #[async_hygiene::bounded(2)]
    pub(crate) async fn stacked(id: u32) -> u32 {
        id + storage::load_config(BLOCKING)
    }
}

#[tokio::test]
async fn no_blocking_fns_are_watched_exactly_when_the_feature_is_on() {
    let (outputs, reports) =
        reports_of(async { (handlers::get_user(1).await, handlers::stacked(1).await) }).await;
    assert_eq!(outputs, (Ok(13), 8));
    let get_user = named(&reports, "get_user");
    let stacked = named(&reports, "stacked");
    if cfg!(feature = "watchdog") {
        assert_eq!(get_user.len(), 1, "{get_user:#?}");
        assert_eq!(get_user[0].function, "it::watchdog::handlers::get_user");
        assert_eq!(
            (get_user[0].file, get_user[0].line),
            (file!(), handlers::GET_USER_LINE)
        );
        // Two attributes, one watch: one report, at the fn.
        assert_eq!(stacked.len(), 1, "{stacked:#?}");
        assert_eq!(stacked[0].line, handlers::STACKED_LINE);
    } else {
        assert!(get_user.is_empty() && stacked.is_empty());
    }
}

#[async_trait::async_trait]
trait Repository {
    async fn load(&self, key: &str) -> Result<u32, ParseIntError>;

    async fn store(&mut self, value: u32);

    /// Borrows from `self` and the argument: the pinned output names elided lifetimes.
    async fn label<'a>(&'a self, prefix: &'a str) -> Result<&'a str, ParseIntError>;

    /// An elided lifetime in the output.
    async fn kind(&self) -> &str;

    /// Checked by `#[no_blocking]` alone.
    async fn refresh(&self) -> u32;

    /// A provided method: `#[async_trait]` rewrites it in the trait itself.
    #[async_hygiene::bounded(2)]
    async fn reload(&self, key: u32) -> u32 {
        tokio::task::yield_now().await;
        key + storage::load_config(BLOCKING)
    }
}

struct SlowRepository(u32);

async fn echo(value: u32) -> u32 {
    tokio::task::yield_now().await;
    value
}

/// `#[async_trait]` expands first and turns each method into a sync fn returning
/// `Box::pin(async move { body })`: our attributes then see that shape, and the watch goes
/// inside the boxed future.
#[async_trait::async_trait]
impl Repository for SlowRepository {
    #[async_hygiene::bounded(2)]
    async fn load(&self, key: &str) -> Result<u32, ParseIntError> {
        let value: u32 = key.parse()?;
        Ok(value + self.0 + storage::load_config(BLOCKING))
    }

    #[async_hygiene::concurrent]
    async fn store(&mut self, value: u32) {
        let first = echo(value).await;
        let second = echo(storage::load_config(BLOCKING)).await;
        self.0 = first + second;
    }

    #[async_hygiene::bounded(2)]
    async fn label<'a>(&'a self, prefix: &'a str) -> Result<&'a str, ParseIntError> {
        let _: u32 = prefix.parse()?;
        Ok(if self.0 > 0 { prefix } else { "none" })
    }

    #[async_hygiene::no_blocking]
    async fn refresh(&self) -> u32 {
        tokio::task::yield_now().await;
        self.0 + storage::load_config(BLOCKING)
    }

    #[async_hygiene::concurrent]
    async fn kind(&self) -> &str {
        let id = echo(self.0).await;
        if id > 0 {
            "slow"
        } else {
            "idle"
        }
    }
}

/// The line of this file that contains `text`: where a report must point.
fn line_of(text: &str) -> u32 {
    let index = include_str!("watchdog.rs")
        .lines()
        .position(|line| line.contains(text))
        .expect("the text is in this file");
    u32::try_from(index + 1).expect("this file is short")
}

async fn use_repository() {
    let mut repository = SlowRepository(1);
    assert_eq!(repository.load("1").await, Ok(9));
    assert!(repository.load("x").await.is_err());
    // Through `dyn`: the boxed future is the watched one.
    let object: &mut (dyn Repository + Send + Sync) = &mut repository;
    object.store(2).await;
    assert_eq!(object.reload(3).await, 10);
    assert_eq!(repository.0, 9);
    assert_eq!(repository.label("12").await, Ok("12"));
    assert!(repository.label("x").await.is_err());
    assert_eq!(repository.kind().await, "slow");
    assert_eq!(repository.refresh().await, 16);
}

#[tokio::test]
async fn async_trait_methods_are_watched_exactly_when_the_feature_is_on() {
    let ((), reports) = reports_of(use_repository()).await;
    let load = named(&reports, "load");
    let store = named(&reports, "store");
    let reload = named(&reports, "reload");
    let refresh = named(&reports, "refresh");
    if cfg!(feature = "watchdog") {
        assert_eq!(load.len(), 1, "{load:#?}");
        assert_eq!(
            load[0].function,
            "<it::watchdog::SlowRepository as it::watchdog::Repository>::load"
        );
        assert_eq!(
            (load[0].file, load[0].line),
            (
                file!(),
                line_of("async fn load(&self, key: &str) -> Result<u32, ParseIntError> {")
            )
        );
        assert_eq!(store.len(), 1, "{store:#?}");
        assert_eq!(
            store[0].line,
            line_of("async fn store(&mut self, value: u32) {")
        );
        assert_eq!(reload.len(), 1, "{reload:#?}");
        assert_eq!(reload[0].line, line_of("async fn reload("));
        assert_eq!(reload[0].function, "it::watchdog::Repository::reload");
        assert_eq!(refresh.len(), 1, "{refresh:#?}");
        assert_eq!(refresh[0].line, line_of("async fn refresh(&self) -> u32 {"));
    } else {
        assert!(load.is_empty() && store.is_empty() && reload.is_empty() && refresh.is_empty());
    }
}

#[async_trait::async_trait]
trait Stacked {
    async fn bounded_then_concurrent(&self, value: u32) -> u32;
    async fn concurrent_then_bounded(&self, value: u32) -> u32;
}

/// Our attributes stacked under `#[async_trait]`: each unwraps the watch of the one above
/// it inside the boxed future, and the fn ends up watched once.
#[async_trait::async_trait]
impl Stacked for SlowRepository {
    #[async_hygiene::bounded(2)]
    #[async_hygiene::concurrent]
    async fn bounded_then_concurrent(&self, value: u32) -> u32 {
        let first = echo(value).await;
        let second = echo(storage::load_config(BLOCKING)).await;
        first + second + self.0
    }

    #[async_hygiene::concurrent]
    #[async_hygiene::bounded(2)]
    async fn concurrent_then_bounded(&self, value: u32) -> u32 {
        let first = echo(value).await;
        let second = echo(storage::load_config(BLOCKING)).await;
        first + second + self.0
    }
}

#[tokio::test]
async fn stacked_attributes_watch_an_async_trait_method_once() {
    let repository = SlowRepository(1);
    let (outputs, all) = reports_of(async {
        (
            repository.bounded_then_concurrent(2).await,
            repository.concurrent_then_bounded(3).await,
        )
    })
    .await;
    assert_eq!(outputs, (10, 11));
    for name in ["bounded_then_concurrent", "concurrent_then_bounded"] {
        let reports = named(&all, name);
        if cfg!(feature = "watchdog") {
            assert_eq!(reports.len(), 1, "{reports:#?}");
            assert!(reports[0]
                .function
                .starts_with("<it::watchdog::SlowRepository as it::watchdog::Stacked>::"));
        } else {
            assert!(reports.is_empty(), "{reports:#?}");
        }
    }
}

/// The expansion names nothing the user can shadow, and its locals do not capture theirs.
mod shadowing {
    #![allow(dead_code, non_camel_case_types, clippy::unused_async)]

    mod core {}
    mod std {}
    struct AsyncHygieneWatchMarker;
    static ASYNC_HYGIENE_WATCH_SITE: u8 = 0;
    struct Option;

    pub(crate) async fn shadowed(cx: u8) -> Result<u8, ()> {
        let async_hygiene_watched = 40;
        async_hygiene::__private::watch_body_on!(
            name = "shadowed",
            output = Result<u8, ()>,
            body = { Ok(async_hygiene_watched + cx + ASYNC_HYGIENE_WATCH_SITE) }
        )
    }
}

#[tokio::test]
async fn the_expansion_is_hygienic() {
    assert_eq!(shadowing::shadowed(2).await, Ok(42));
}
