// The article's first pitfall: three independent calls, 100 + 150 + 200 ms as written.
async fn get_user_dashboard(user: UserId) -> Dashboard {
    let (__async_hygiene_0, __async_hygiene_1, __async_hygiene_2) =
        ::async_hygiene::__private::concurrent_join3(
            get_user_notifications(user),
            get_recent_activity(user),
            get_unread_messages(user),
        )
        .await;
    let notifications = __async_hygiene_0;
    let activity = __async_hygiene_1;
    let messages = __async_hygiene_2;
    Dashboard {
        notifications,
        activity,
        messages,
    }
}
