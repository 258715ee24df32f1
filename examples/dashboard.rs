//! The article's first pitfall with real timers: the dashboard as written (three sequential
//! awaits) against the same body under `#[concurrent]`, and the article's user report.
//!
//! Run with `cargo run --release --example dashboard`. It prints the article's table with
//! measured times (median of several rounds) and the ratio against the sequential
//! baseline measured in the same run.

use std::time::{Duration, Instant};

use async_hygiene::concurrent;
use tokio::time::sleep;

#[path = "support/article_dashboard.rs"]
mod article_dashboard;

use article_dashboard::{dashboard, dashboard_as_written};

const ROUNDS: usize = 7;

async fn get_user_profile(user: u64) -> Result<String, std::io::Error> {
    sleep(Duration::from_millis(100)).await;
    Ok(format!("profile {user}"))
}

async fn get_user_orders(user: u64) -> Result<u32, std::io::Error> {
    sleep(Duration::from_millis(150)).await;
    Ok(u32::try_from(user % 11).unwrap_or(0))
}

async fn get_user_reviews(user: u64) -> Result<u32, std::io::Error> {
    sleep(Duration::from_millis(120)).await;
    Ok(u32::try_from(user % 5).unwrap_or(0))
}

async fn log_report_generation(_user: u64) {
    sleep(Duration::from_millis(50)).await;
}

#[derive(Debug, PartialEq)]
struct Report {
    profile: String,
    orders: u32,
    reviews: u32,
}

async fn report_as_written(user: u64) -> Result<Report, std::io::Error> {
    let profile = get_user_profile(user).await?;
    let orders = get_user_orders(user).await?;
    let reviews = get_user_reviews(user).await?;
    log_report_generation(user).await;
    Ok(Report {
        profile,
        orders,
        reviews,
    })
}

#[concurrent]
async fn report(user: u64) -> Result<Report, std::io::Error> {
    let profile = get_user_profile(user).await?;
    let orders = get_user_orders(user).await?;
    let reviews = get_user_reviews(user).await?;
    log_report_generation(user).await;
    Ok(Report {
        profile,
        orders,
        reviews,
    })
}

/// The median wall time of `ROUNDS` runs, and the last output.
async fn measure<F, Fut>(mut run: F) -> (Duration, Fut::Output)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future,
{
    let mut times = Vec::with_capacity(ROUNDS);
    let mut output = None;
    for _ in 0..ROUNDS {
        let start = Instant::now();
        output = Some(run().await);
        times.push(start.elapsed());
    }
    times.sort();
    let output = output.expect("ROUNDS > 0");
    (times[ROUNDS / 2], output)
}

fn row(name: &str, expected_ms: u64, measured: Duration, baseline: Duration) {
    let ratio = measured.as_secs_f64() / baseline.as_secs_f64();
    println!(
        "| {name:<34} | {expected_ms:>6} ms | {:>8.1} ms | {ratio:>5.2}x of as written |",
        measured.as_secs_f64() * 1e3
    );
}

#[tokio::main]
async fn main() {
    println!(
        "| function                           | article  | measured    | ratio                |"
    );
    println!(
        "|:-----------------------------------|---------:|------------:|:---------------------|"
    );
    let (sequential, expected) = measure(|| dashboard_as_written(42)).await;
    let (joined, actual) = measure(|| dashboard(42)).await;
    assert_eq!(actual, expected, "same dashboard either way");
    row(
        "get_user_dashboard (as written)",
        450,
        sequential,
        sequential,
    );
    row("get_user_dashboard #[concurrent]", 200, joined, sequential);
    let (sequential, expected) = measure(|| report_as_written(42)).await;
    let (joined, actual) = measure(|| report(42)).await;
    assert_eq!(
        actual.expect("report"),
        expected.expect("report"),
        "same report either way"
    );
    row(
        "generate_user_report (as written)",
        420,
        sequential,
        sequential,
    );
    row(
        "generate_user_report #[concurrent]",
        200,
        joined,
        sequential,
    );
}
