// The article's first pitfall: three independent calls, 100 + 150 + 200 ms as written.
#[concurrent]
async fn get_user_dashboard(user: UserId) -> Dashboard {
    let notifications = get_user_notifications(user).await;
    let activity = get_recent_activity(user).await;
    let messages = get_unread_messages(user).await;
    Dashboard { notifications, activity, messages }
}
