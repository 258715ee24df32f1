// The article's user report: three fetches, then the analytics that need the profile, then
// a log line that must stay after everything (an expression statement is a barrier).
#[concurrent]
async fn generate_user_report(user_id: u64) -> anyhow::Result<Report> {
    let profile = get_user_profile(user_id).await?;
    let orders = get_user_orders(user_id).await?;
    let reviews = get_user_reviews(user_id).await?;
    let url = format!("https://api.example.com/analytics/{}", profile.region);
    let analytics = fetch_analytics(&url).await?;
    log_report_generation(user_id).await;
    Ok(Report { profile, orders, reviews, analytics })
}
