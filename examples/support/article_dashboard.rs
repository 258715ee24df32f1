//! The article's dashboard (its first pitfall), shared by the examples that measure it:
//! three independent calls of 100, 150 and 200 ms, as written and under `#[concurrent]`.
//! Include it with `#[path = "support/article_dashboard.rs"] mod article_dashboard;`.

use std::time::Duration;

use async_hygiene::concurrent;
use tokio::time::sleep;

async fn get_user_notifications(user: u64) -> Vec<String> {
    sleep(Duration::from_millis(100)).await;
    vec![format!("welcome back, user {user}")]
}

async fn get_recent_activity(user: u64) -> Vec<String> {
    sleep(Duration::from_millis(150)).await;
    vec![format!("user {user} pushed 3 commits")]
}

async fn get_unread_messages(user: u64) -> u32 {
    sleep(Duration::from_millis(200)).await;
    u32::try_from(user % 7).unwrap_or(0)
}

#[derive(Debug, PartialEq)]
pub(crate) struct Dashboard {
    notifications: Vec<String>,
    activity: Vec<String>,
    messages: u32,
}

/// The article's code: 100 + 150 + 200 = 450 ms.
pub(crate) async fn dashboard_as_written(user: u64) -> Dashboard {
    let notifications = get_user_notifications(user).await;
    let activity = get_recent_activity(user).await;
    let messages = get_unread_messages(user).await;
    Dashboard {
        notifications,
        activity,
        messages,
    }
}

/// The same body under `#[concurrent]`: the longest call, 200 ms.
#[concurrent]
pub(crate) async fn dashboard(user: u64) -> Dashboard {
    let notifications = get_user_notifications(user).await;
    let activity = get_recent_activity(user).await;
    let messages = get_unread_messages(user).await;
    Dashboard {
        notifications,
        activity,
        messages,
    }
}
