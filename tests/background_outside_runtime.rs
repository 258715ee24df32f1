//! Calling a `#[background]` fn outside a tokio runtime panics like `tokio::spawn`, at the
//! caller's line. Its own test binary: the panic hook that records the location is global.

use std::panic::Location;
use std::sync::{Arc, Mutex};

use async_hygiene::background;

#[background]
async fn add(a: u64, b: u64) -> u64 {
    a + b
}

fn message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(ToString::to_string))
        .unwrap_or_default()
}

#[test]
fn outside_a_runtime_it_panics_like_tokio_spawn_at_the_callers_line() {
    let location = Arc::new(Mutex::new(None));
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new({
        let location = Arc::clone(&location);
        move |info| {
            *location.lock().unwrap() = info.location().map(|at| (at.file().to_owned(), at.line()));
        }
    }));
    let call_line = Location::caller().line() + 1;
    let ours = std::panic::catch_unwind(|| add(1, 2)).unwrap_err();
    let ours_at = location.lock().unwrap().take();
    let tokios = std::panic::catch_unwind(|| tokio::spawn(async {})).unwrap_err();
    std::panic::set_hook(previous_hook);

    assert_eq!(message(&*ours), message(&*tokios));
    assert!(message(&*ours).contains("must be called from the context of a Tokio 1.x runtime"));
    assert_eq!(ours_at, Some((file!().to_owned(), call_line)));
}
