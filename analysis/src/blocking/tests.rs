//! Unit tests of the scanner over `proc_macro2` input: what is flagged, what is not, and
//! the messages (the attribute's; see `macros/src/no_blocking/tests.rs` for what the
//! attribute adds: item kinds, fn shapes, arguments, emission).

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};

use super::catalogue::BlockingCatalogue;
use super::{scan_block, Context, Finding, Imports, Lint};
use crate::policy;

/// The findings in the body of the async fn `item`, scanned against `catalogue` as
/// `#[no_blocking]` scans it.
fn findings_with(catalogue: &BlockingCatalogue, item: TokenStream) -> Vec<Finding> {
    let function: syn::ItemFn = syn::parse2(item).expect("test input is a fn");
    let mut imports = Imports::default();
    imports.add_signature(&function.sig);
    scan_block(&function.block, Context::Async, catalogue, &imports)
}

/// The messages of the findings with the policy `toml` applied (its deny rules named as
/// the attribute names its own).
fn check_with(toml: &str, item: TokenStream) -> Vec<String> {
    let policy = policy::parse(toml).expect("test policy parses");
    let mut catalogue = BlockingCatalogue::builtin();
    let unmatched = catalogue.apply(&policy, "`#[no_blocking(deny(..))]`");
    assert!(unmatched.is_empty(), "{unmatched:?}");
    findings_with(&catalogue, item)
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn check(item: TokenStream) -> Vec<String> {
    check_with("", item)
}

/// Asserts exactly one finding, mentioning `needle`.
#[track_caller]
fn assert_flags(item: TokenStream, needle: &str) {
    let errors = check(item);
    assert_eq!(
        errors.len(),
        1,
        "expected one error with {needle:?}, got {errors:#?}"
    );
    assert!(
        errors[0].contains(needle),
        "{needle:?} not in {:?}",
        errors[0]
    );
}

#[track_caller]
fn assert_clean(item: TokenStream) {
    let errors = check(item);
    assert!(errors.is_empty(), "expected no error, got {errors:#?}");
}

#[test]
fn message_teaches_the_fix() {
    let errors = check(quote! {
        async fn load(path: &str) -> String { std::fs::read_to_string(path).unwrap() }
    });
    assert_eq!(
        errors,
        ["`std::fs::read_to_string` blocks the executor thread; use \
          `tokio::fs::read_to_string(..).await`, or move the work into \
          `tokio::task::spawn_blocking`"]
    );
}

#[test]
fn every_category_is_caught() {
    let cases = [
        (quote!(std::thread::sleep(d);), "`std::thread::sleep`"),
        (quote!(thread::sleep(d);), "`std::thread::sleep`"),
        (quote!(let f = File::open(p)?;), "`std::fs::File::open`"),
        (quote!(fs::write(p, b"x")?;), "`std::fs::write`"),
        (
            quote!(let f = std::fs::OpenOptions::new().append(true).open(p)?;),
            "OpenOptions::open",
        ),
        (quote!(io::copy(&mut r, &mut w)?;), "`std::io::copy`"),
        (
            quote!(io::stdin().read_line(&mut line)?;),
            "reading `std::io::stdin()`",
        ),
        (
            quote!(let s = TcpStream::connect(addr)?;),
            "`std::net::TcpStream::connect`",
        ),
        (
            quote!(let l = std::net::TcpListener::bind("localhost:8080")?;),
            "`std::net::TcpListener::bind`",
        ),
        (
            quote!(let l = std::net::UdpSocket::bind(addr)?;),
            "`std::net::UdpSocket::bind`",
        ),
        (
            quote!(let a = ("example.com", 80).to_socket_addrs()?;),
            "to_socket_addrs",
        ),
        (
            quote!(let out = Command::new("ls").arg("-l").output()?;),
            "`std::process::Command::output`",
        ),
        (quote!(child.wait()?;), "`.wait()`"),
        (
            quote!(let v = rx.recv().unwrap();),
            "a sync channel receiver's `recv`",
        ),
        (quote!(let g = cvar.wait(g).unwrap();), "Condvar::wait"),
        (quote!(barrier.wait();), "`.wait()`"),
        (quote!(handle.join().unwrap();), "JoinHandle::join"),
        (
            quote!(let all: Vec<_> = hs.into_iter().map(|h| h.join().unwrap()).collect();),
            "JoinHandle::join",
        ),
        (quote!(rt.block_on(fut);), "Runtime::block_on"),
        (quote!(let v = rx.blocking_recv();), "`.blocking_recv(..)`"),
        (
            quote!(futures::executor::block_on(fut);),
            "`futures::executor::block_on`",
        ),
        (
            quote!(let body = reqwest::blocking::get(url)?.text()?;),
            "`reqwest::blocking`",
        ),
        (
            quote!(let body = blocking::get(url)?.text()?;),
            "`reqwest::blocking`",
        ),
        (
            quote!(let client = blocking::Client::new();),
            "`reqwest::blocking`",
        ),
        (quote!(let body = ureq::get(url).call()?;), "`ureq`"),
        (
            quote!(let c = postgres::Client::connect(url, NoTls)?;),
            "`postgres::Client::connect`",
        ),
        (
            quote!(let c = rusqlite::Connection::open(p)?;),
            "`rusqlite::Connection::open`",
        ),
        (
            quote!(let c = client.get_connection()?;),
            "redis::Client::get_connection",
        ),
        (quote!(let rows = users.load(&mut conn)?;), "RunQueryDsl"),
    ];
    for (stmt, needle) in cases {
        assert_flags(quote!(async fn f() { #stmt }), needle);
    }
}

#[test]
fn a_users_own_module_named_blocking_is_not_reqwest() {
    assert_clean(quote! {
        async fn f() {
            let settings = blocking::hidden();
            let report = crate::jobs::blocking::summarise(settings);
            drop(report);
        }
    });
}

#[test]
fn guard_alive_at_a_later_await_is_flagged() {
    assert_flags(
        quote! {
            async fn f(state: &std::sync::Mutex<u32>) {
                let mut guard = state.lock().unwrap();
                *guard += 1;
                tokio::task::yield_now().await;
            }
        },
        "still alive at a later `.await`",
    );
    assert_flags(
        quote! {
            async fn f(state: &parking_lot::RwLock<u32>) {
                let guard = state.write();
                tokio::join!(a(), b());
            }
        },
        "`RwLock` guard",
    );
}

#[test]
fn guard_behind_map_err_or_ok_is_flagged() {
    for init in [
        quote!(state.lock().map_err(|_| Error::Poisoned)?),
        quote!(state.write().ok()?),
    ] {
        assert_flags(
            quote! {
                async fn f() {
                    let guard = #init;
                    tokio::task::yield_now().await;
                }
            },
            "still alive at a later `.await`",
        );
    }
}

#[test]
fn guard_in_a_scrutinee_is_flagged() {
    for body in [
        quote! {
            match cache.lock().unwrap().get(&key).cloned() {
                Some(value) => value,
                None => fetch(key).await,
            }
        },
        quote! {
            if let Some(job) = queue.lock().unwrap().pop_front() {
                job.run().await;
            }
        },
        quote! {
            while let Some(job) = queue.write().pop() {
                job.await;
            }
        },
    ] {
        assert_flags(quote!(async fn f() { #body }), "is a temporary of this");
    }
    assert_clean(quote! {
        async fn f() {
            let next = queue.lock().unwrap().pop_front();
            if let Some(job) = next { job.await; }
            if queue.lock().unwrap().is_empty() { refill().await; }
            match shared.lock().await.pop() { Some(job) => job.await, None => {} }
            match cache.lock().unwrap().get(&key) { Some(v) => v.len(), None => 0 };
        }
    });
}

#[test]
fn short_locks_are_fine() {
    assert_clean(quote! {
        async fn f(state: &std::sync::Mutex<u32>, shared: &tokio::sync::Mutex<u32>) {
            *state.lock().unwrap() += 1;
            let copy = *state.lock().unwrap();
            {
                let mut guard = state.lock().unwrap();
                *guard += copy;
            }
            let guard = state.lock().unwrap();
            let value = *guard;
            drop(guard);
            let _ = state.lock();
            let pending = shared.lock();
            let guard = tokio::time::timeout(d, pending).await;
            let queued = shared.write();
            tokio::select! { slot = queued => drop(slot), () = sleep(d) => {} }
            let mut async_guard = shared.lock().await;
            *async_guard += value;
            tokio::task::yield_now().await;
        }
    });
}

#[test]
fn awaited_and_handed_on_futures_are_not_flagged() {
    assert_clean(quote! {
        async fn f() {
            let text = fs::read_to_string(p).await?;
            let file = File::open(p).await?;
            let msg = rx.recv().await;
            let next = timeout(d, rx.recv()).await;
            let (a, b) = tokio::join!(fs::read(a), fs::read(b));
            let (a, b) = futures::try_join!(fs::read(a), fs::read(b))?;
            tokio::select! {
                Some(m) = rx.recv() => handle(m),
                _ = handle.join(), if ready => {}
                else => {}
            }
            let later = fs::read(p);
            let bytes = later.await?;
            let pending = rx.recv();
            tokio::pin!(pending);
            let joined = handle.join().fuse();
            let out = Command::new("ls").output().await?;
        }
    });
}

#[test]
fn offloaded_work_is_not_flagged() {
    assert_clean(quote! {
        async fn f() {
            let text = tokio::task::spawn_blocking(move || std::fs::read_to_string(p)).await;
            let n = tokio::task::block_in_place(|| { std::thread::sleep(d); 1 });
            let t = std::thread::spawn(move || rx.recv().unwrap());
            std::thread::scope(|s| { s.spawn(|| std::thread::sleep(d)); });
            let work = move || std::fs::read(p);
            let bytes = handle.spawn_blocking(work).await;
            let escaped = async_hygiene::allow_blocking!("startup only", std::fs::read(p));
        }
    });
}

/// A sync closure stored in a field (as it is, boxed, or in an `Arc`) is run by whoever
/// calls the field later, not by the fn that builds the value; one called here is.
#[test]
fn closures_stored_in_fields_are_not_run_here() {
    assert_clean(quote! {
        async fn parts(rx: std::sync::mpsc::Receiver<i32>, p: std::path::PathBuf) -> Parts {
            Parts {
                wait: Box::new(move || rx.recv().unwrap_or(0)),
                load: std::sync::Arc::new(move || std::fs::read(&p)),
                sleep: || std::thread::sleep(std::time::Duration::from_secs(1)),
            }
        }
    });
    assert_flags(
        quote! {
            async fn parts(rx: std::sync::mpsc::Receiver<i32>) -> Parts {
                Parts { wait: rx.recv().unwrap_or(0) }
            }
        },
        "recv",
    );
    assert_flags(
        quote! {
            async fn run(p: std::path::PathBuf) -> usize {
                let load = move || std::fs::read(&p);
                load().map_or(0, |bytes| bytes.len())
            }
        },
        "std::fs::read",
    );
}

/// A closure handed to a call that keeps it to run later (a panic hook, a signal handler,
/// a file watcher's event handler, a jobserver's helper thread) is not run by the call;
/// the call's other arguments are, and a look-alike that does not resolve to one of
/// those calls runs its closure as any call does.
#[test]
fn closures_kept_to_run_later_are_not_run_here() {
    assert_clean(quote! {
        async fn install(pid: std::path::PathBuf, rx: std::sync::mpsc::Receiver<()>) {
            std::panic::set_hook(Box::new(move |_| {
                let _ = std::fs::remove_file(&pid);
            }));
            ctrlc::set_handler(move || std::thread::sleep(std::time::Duration::from_secs(1)))?;
            let watcher = notify::recommended_watcher(move |event| {
                let _ = std::fs::read_to_string("config.toml");
            })?;
            let helper = client.into_helper_thread(move |token| {
                let _ = rx.recv();
            })?;
        }
    });
    assert_clean(quote! {
        async fn install() {
            use notify::{RecommendedWatcher, Watcher};
            use std::panic;
            panic::set_hook(Box::new(|_| std::thread::sleep(std::time::Duration::from_secs(1))));
            let watcher = RecommendedWatcher::new(
                move |event| { let _ = std::fs::read("x"); },
                notify::Config::default(),
            )?;
        }
    });
    // The other arguments run here.
    assert_flags(
        quote! {
            async fn install() {
                let watcher = notify::RecommendedWatcher::new(
                    move |event| {},
                    config(std::fs::read_to_string("watch.toml")?),
                )?;
            }
        },
        "std::fs::read_to_string",
    );
    // A user's own `set_handler`, and a closure called where it is made.
    assert_flags(
        quote! {
            async fn install(server: Server) {
                server.set_handler(move || std::thread::sleep(std::time::Duration::from_secs(1)));
            }
        },
        "std::thread::sleep",
    );
    assert_flags(
        quote! {
            async fn install() {
                set_handler(move || std::thread::sleep(std::time::Duration::from_secs(1)));
            }
        },
        "std::thread::sleep",
    );
}

#[test]
fn nested_fns_and_look_alikes_are_not_flagged() {
    assert_clean(quote! {
        async fn f() {
            fn sync_helper() { std::thread::sleep(d); }
            let line = parts.join(",");
            let full = path.join("x");
            for line in text.lines() {}
            tx.send(1).unwrap();
            let status = response.status();
            let value = store::read_to_string(k).await;
            let value = store::read_to_string(k);
            let n = counter.load(Ordering::SeqCst);
            let x = tokio::fs::read_to_string(p);
            x.await;
            let next = retry(|| rx.recv()).await;
            let (left, right) = (rx.recv(), ry.recv());
            let pending = Pending { next: rx.recv(), all: [a.recv(), b.recv()] };
            let accepted = retry(|| { log(); listener.accept() }).await;
            // std's `to_socket_addrs` takes no argument; tokio's sealed trait and
            // user helpers named alike take one.
            let addrs = host.to_socket_addrs(port);
            // An address literal resolves no name: the bind returns at once.
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let socket = std::net::UdpSocket::bind("[::1]:8080").unwrap();
        }
    });
}

#[test]
fn imports_inside_the_item_are_followed() {
    assert_flags(
        quote! {
            async fn f() {
                use std::thread::sleep as nap;
                nap(d);
            }
        },
        "`std::thread::sleep`",
    );
    // `fs` is tokio's here, so the un-awaited future is not std's blocking call.
    assert_clean(quote! {
        async fn f() {
            use tokio::fs;
            let read = fs::read(p);
            drop(read);
        }
    });
    // With std imported, even an awaited-looking call is std's.
    assert_flags(
        quote! {
            async fn f() {
                use std::fs::*;
                let s = read_to_string(p);
            }
        },
        "`std::fs::read_to_string`",
    );
}

#[test]
fn the_whole_body_is_searched() {
    let errors = check(quote! {
        async fn f() {
            tokio::spawn(async move { std::thread::sleep(d) });
            let v: Vec<_> = paths.iter().map(|p| std::fs::read(p)).collect();
            println!("{}", std::fs::read_to_string(p).unwrap());
            if a { std::thread::sleep(d) } else { std::fs::remove_file(p).unwrap() }
            match x { _ => std::io::copy(&mut r, &mut w) }
            loop { std::thread::sleep(d); }
            while cond { let h = handle.join(); }
            assert!(std::fs::metadata(p).is_ok());
            let c = async || std::thread::sleep(d);
        }
    });
    assert_eq!(errors.len(), 10, "{errors:#?}");
}

#[test]
fn policy_denies_and_allows() {
    let item = quote! {
        async fn f() {
            let rows = db::query_sync(q);
            let meta = std::fs::metadata(p)?;
            let msg = rx.recv().unwrap();
            let v = client.fetch_sync();
        }
    };
    let errors = check_with(
        r#"
[no_blocking.deny]
"db::query_sync" = "use `db::query(..).await`"
".fetch_sync" = "use `.fetch().await`"
[no_blocking.allow]
"std::fs::metadata" = ""
".recv" = "crossbeam, drained without waiting"
"#,
        item,
    );
    assert_eq!(
        errors,
        [
            "`db::query_sync` is denied by `#[no_blocking(deny(..))]`; use `db::query(..).await`",
            "`.fetch_sync(..)` is denied by `#[no_blocking(deny(..))]`; use `.fetch().await`",
        ]
    );
}

#[test]
fn offload_wrappers_are_the_fix() {
    let item = quote! {
        async fn read(path: PathBuf) -> io::Result<Vec<u8>> {
            let bytes = asyncify(move || std::fs::read(path)).await?;
            let rows = pool.interact(|conn| conn.query_sync()).await;
            let work = || std::thread::sleep(d);
            crate::blocking::run(work).await;
            Ok(bytes)
        }
    };
    assert_eq!(check(item.clone()).len(), 2, "without the policy");
    let errors = check_with(
        r#"
[no_blocking.offload]
"asyncify" = ""
".interact" = ""
"crate::blocking::run" = ""
[no_blocking.deny]
".query_sync" = "x"
"#,
        item,
    );
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn unwrapped_results_are_values_even_inside_awaited_code() {
    // `unwrap`/`expect` exist on `Result`/`Option` only: what they consume is a value,
    // even as the argument of an awaited call or in a `let` whose name is handed on.
    for body in [
        quote!(tx.send(rx.recv().unwrap()).await;),
        quote!(tx.send(rx.recv().expect("sender alive")).await;),
        quote! {
            let msg = rx.recv().unwrap();
            handle(msg);
        },
        quote! {
            let result = worker.join().unwrap_or_default();
            results.push(result);
        },
        quote!(let contents = fs::read_to_string(p).unwrap(); store(contents).await;),
    ] {
        let errors = check(quote!(async fn f() { #body }));
        assert_eq!(errors.len(), 1, "{body}: {errors:#?}");
    }
    assert_clean(quote! {
        async fn f() {
            let next = pending.take().unwrap().await;
            let value = rx.recv().await.unwrap();
            let handle = handles.pop().expect("one left");
            handle.await;
        }
    });
}

#[test]
fn every_select_branch_form_is_checked() {
    // A block handler needs no comma; the next branch may start with `(`, which an
    // expression parser would read as a call of the block.
    let errors = check(quote! {
        async fn f() {
            loop {
                tokio::select! {
                    biased;
                    Some(job) = rx.recv() => { run(job).await }
                    (a, b) = pair() => { std::thread::sleep(d); }
                    _ = tick.tick(), if ready => std::fs::remove_file(p).unwrap(),
                    else => break,
                }
            }
        }
    });
    assert_eq!(errors.len(), 2, "{errors:#?}");
    // `futures::select!`'s `default` and `complete` branches.
    let errors = check(quote! {
        async fn f() {
            futures::select! {
                x = a => { std::thread::sleep(d); },
                default => { std::thread::sleep(d); },
                complete => break,
            }
        }
    });
    assert_eq!(errors.len(), 2, "{errors:#?}");
}

#[test]
fn a_closure_returning_a_future_is_not_thread_work() {
    assert_flags(
        quote! {
            async fn f() {
                pool.spawn(|| async move { std::thread::sleep(d) });
            }
        },
        "`std::thread::sleep`",
    );
    assert_flags(
        quote! {
            async fn f() {
                spawn(move || { log(); async move { rx.recv().unwrap() } });
            }
        },
        "a sync channel receiver's `recv`",
    );
}

#[test]
fn a_guard_moved_into_a_call_is_gone() {
    assert_clean(quote! {
        async fn f() {
            let guard = state.lock().unwrap();
            let entry = MutexGuard::map(guard, |s| &mut s.entry);
            let other = queue.lock().unwrap();
            consume(other);
            tokio::task::yield_now().await;
        }
    });
    // ...unless the call that takes it is itself awaited: that future holds the guard.
    assert_flags(
        quote! {
            async fn f() {
                let guard = state.lock().unwrap();
                write_out(guard).await;
            }
        },
        "still alive at a later `.await`",
    );
    // A `parking_lot` guard (no `unwrap`) handed to a call by reference is not a future.
    assert_flags(
        quote! {
            async fn f() {
                let guard = state.lock();
                log(&guard);
                tokio::task::yield_now().await;
            }
        },
        "still alive at a later `.await`",
    );
    // A borrow does not move it.
    assert_flags(
        quote! {
            async fn f() {
                let guard = state.lock().unwrap();
                log(&guard);
                tokio::task::yield_now().await;
            }
        },
        "still alive at a later `.await`",
    );
}

#[test]
fn a_shadowed_local_loses_its_origin() {
    assert_clean(quote! {
        async fn f() {
            let cmd = Command::new("ls");
            let out = cmd.output().await?;
            let cmd = Request::builder();
            let status = cmd.status();
        }
    });
    assert_flags(
        quote! {
            async fn f() {
                let stdin = std::io::stdin();
                let read = stdin.read_line(&mut line)?;
            }
        },
        "reading `std::io::stdin()`",
    );
}

#[test]
fn allow_names_method_entries_by_path() {
    let item = quote! {
        async fn f() {
            let out = Command::new("ls").output()?;
            let msg = rx.recv().unwrap();
            let guard = state.lock().unwrap();
            tokio::task::yield_now().await;
        }
    };
    assert_eq!(check(item.clone()).len(), 3);
    let errors = check_with(
        r#"
[no_blocking.allow]
"std::process::Command::output" = "a one-off at start-up"
"mpsc::Receiver::recv" = ""
"parking_lot::Mutex::lock" = ""
"#,
        item,
    );
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn every_message_names_a_well_formed_fix() {
    for entry in BlockingCatalogue::builtin().entries() {
        let note = entry
            .name_match_note()
            .map(|note| format!(" ({note})"))
            .unwrap_or_default();
        let message = format!("{}; {}{note}", entry.message(), entry.instead);
        if entry.why.is_empty() {
            continue; // lock guards build their own message (see `locks.rs`)
        }
        assert!(
            message.contains("; use ")
                || message.contains("; `.await`")
                || message.contains("; wait on")
                || message.contains("; poll")
                || message.contains("; run "),
            "no fix in {message:?}"
        );
        assert!(
            !message.contains(")(.."),
            "a call written twice in {message:?}"
        );
        assert_eq!(
            message.matches('`').count() % 2,
            0,
            "unbalanced backticks in {message:?}"
        );
    }
    let errors = check(quote!(
        async fn f() {
            let s = TcpStream::connect_timeout(&addr, d)?;
        }
    ));
    assert_eq!(
        errors,
        [
            "`std::net::TcpStream::connect_timeout` blocks the executor thread; use \
             `tokio::time::timeout(d, tokio::net::TcpStream::connect(..)).await` \
             (`TcpStream::connect_timeout` was read as std's: if it is your own, write \
             its path from `crate::`)"
        ]
    );
}

#[test]
fn own_modules_named_like_std_ones() {
    // Written from `crate::`/`self::`/`super::`, a module of the user's own named `fs`,
    // `thread`, `net`, `process`, `blocking` or `ureq` is never std's (or reqwest's).
    assert_clean(quote! {
        async fn f() {
            let bytes = crate::fs::read(key);
            self::thread::sleep(ticks);
            let peer = super::net::TcpStream::connect(addr);
            let status = crate::process::Command::new("deploy").status();
            let body = crate::clients::ureq::get(url);
            let page = crate::blocking::get(url);
            let job = blocking::hidden();
        }
    });
    // A shortened path is read as std's, and the error says how to show it is not.
    let errors = check(quote!(
        async fn f() {
            let bytes = fs::read(key);
        }
    ));
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].ends_with(
            "(`fs::read` was read as std's: if it is your own, write its path from `crate::`)"
        ),
        "{errors:#?}"
    );
    let errors = check(quote!(
        async fn f() {
            let page = blocking::get(url);
        }
    ));
    assert!(
        errors[0].contains("(`blocking::get` was read as reqwest's"),
        "{errors:#?}"
    );
    // A method matched by its name says how to allow it.
    let item = quote!(
        async fn f() {
            let friend = invitation.accept()?;
        }
    );
    let errors = check(item.clone());
    assert!(
        errors[0].ends_with(
            "(matched by name: if this `.accept` is not std's, add `allow(.accept)` to the \
             attribute)"
        ),
        "{errors:#?}"
    );
    assert!(check_with("[no_blocking.allow]\n\".accept\" = \"\"", item).is_empty());
}

#[test]
fn futures_collected_for_later_are_awaited() {
    // `fs` is tokio's, imported outside the item: these futures are polled later.
    assert_clean(quote! {
        async fn f() {
            let texts = futures::future::join_all(paths.iter().map(|p| fs::read_to_string(p))).await;
            let mut tasks = FuturesUnordered::new();
            for p in paths {
                tasks.push(fs::read(p));
            }
            let mut opened = Vec::new();
            opened.push(File::open(p));
            let files = join_all(opened).await;
            let copies = stream.then(|p| fs::copy(p, backup)).collect::<Vec<_>>().await;
            let bodies = futures::stream::iter(urls)
                .map(|url| TcpStream::connect(url))
                .buffer_unordered(8)
                .collect::<Vec<_>>()
                .await;
            let retried = retry(|| fs::read(p)).await;
        }
    });
    // The same calls consumed as values are std's.
    let errors = check(quote! {
        async fn f() {
            let texts = paths.iter().map(|p| fs::read_to_string(p)).collect::<io::Result<Vec<_>>>()?;
            let mut sizes = Vec::new();
            sizes.push(fs::read(p)?.len());
            let Ok(next) = rx.recv() else { return };
            if let Ok(file) = File::open(p) {}
        }
    });
    assert_eq!(errors.len(), 4, "{errors:#?}");
}

#[test]
fn a_name_only_formatted_by_a_macro_is_a_value() {
    let errors = check(quote! {
        async fn f() {
            let msg = rx.recv();
            println!("{:?}", msg);
            let text = fs::read_to_string(p);
            tracing::info!("{}", text.is_ok());
        }
    });
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_clean(quote! {
        async fn f() {
            let next = rx.recv();
            tokio::select! { v = next => {} }
            let read = fs::read(p);
            tokio::pin!(read);
            let opened = File::open(p);
            log!(opened.await);
            let dialled = TcpStream::connect(a);
            my_runtime_macro!(=> dialled);
        }
    });
}

#[test]
fn futures_stored_in_aggregates_are_awaited_with_them() {
    assert_clean(quote! {
        async fn f() {
            let futs = [fs::read(a), fs::read(b)];
            join_all(futs).await;
            let (left, right) = (fs::read(x), fs::read(y));
            tokio::join!(left, right);
            let batch = vec![File::open(a), File::open(b)];
            let opened = join_all(batch).await;
            let (first, second) = futures::future::join(fs::read(x), fs::read(y)).await;
        }
    });
    // Consumed values in the same shapes are std's.
    let errors = check(quote! {
        async fn f() {
            let (left, right) = (fs::read(x)?, fs::read(y)?);
            let sizes = [fs::read(a).unwrap().len()];
            let bodies = vec![fs::read_to_string(a)];
        }
    });
    assert_eq!(errors.len(), 4, "{errors:#?}");
}

#[test]
fn a_full_std_path_used_as_a_function_value_is_reported() {
    // Issue 8: a load tester's start-up path; `std::fs::read(cert)` two lines below was
    // already reported.
    assert_flags(
        quote! {
            async fn f(opts: &Options) {
                let cert = opts.cacert.as_deref().map(std::fs::read).transpose()?;
            }
        },
        "`std::fs::read` blocks the executor thread",
    );
    assert_flags(
        quote! {
            async fn f(paths: Vec<PathBuf>) {
                use std::fs::remove_file;
                paths.iter().try_for_each(remove_file)?;
            }
        },
        "`std::fs::remove_file`",
    );
    // A shortened path may be tokio's, handed on as a future factory; a local is a local.
    assert_clean(quote! {
        async fn f(paths: Vec<PathBuf>) {
            let reads = join_all(paths.iter().map(fs::read)).await;
            let read = read_file;
            let handle = tokio::task::spawn_blocking(std::fs::read);
        }
    });
}

#[test]
fn iterating_a_sync_receiver_is_reported() {
    for constructor in [
        quote!(std::sync::mpsc::channel()),
        quote!(mpsc::channel()),
        quote!(mpsc::sync_channel(8)),
        quote!(crossbeam_channel::unbounded()),
        quote!(crossbeam::channel::bounded(8)),
        quote!(flume::unbounded()),
        quote!(kanal::bounded(8)),
    ] {
        for iteration in [
            quote!(for result in result_rx {
                handle(result);
            }),
            quote!(for result in &result_rx {
                handle(result);
            }),
            quote!(let all: Vec<_> = result_rx.iter().collect();),
            quote!(let total: u32 = result_rx.into_iter().sum();),
        ] {
            let errors = check(quote! {
                async fn f() {
                    let (result_tx, result_rx) = #constructor;
                    spawn_workers(result_tx);
                    #iteration
                }
            });
            assert_eq!(errors.len(), 1, "{constructor} {iteration}: {errors:#?}");
            assert!(
                errors[0].starts_with("iterating a sync channel receiver"),
                "{errors:#?}"
            );
        }
    }
    // tokio's receivers (a `for` over one does not compile), a shadowed name, and other
    // iterables are not.
    assert_clean(quote! {
        async fn f(items: Vec<u32>) {
            let (tx, rx) = tokio::sync::mpsc::channel(8);
            let (tx, mut other) = mpsc::channel(8);
            while let Some(item) = other.recv().await {}
            let (left, right) = split(items);
            for item in right {}
            let (tx, rx) = std::sync::mpsc::channel();
            let rx = tokio_stream::wrappers::ReceiverStream::new(rx);
            for item in items.iter() {}
            let pending: Vec<_> = rx.into_iter().collect();
        }
    });
}

#[test]
fn a_bare_distinctive_std_name_is_read_as_std() {
    // `use std::thread::sleep;` at the top of the file, out of the attribute's sight.
    for stmt in [
        quote!(sleep(Duration::from_millis(1));),
        quote!(let text = read_to_string(path)?;),
        quote!(let entries = read_dir(dir)?.count();),
        quote!(remove_file(path).unwrap();),
        quote!(create_dir_all(dir).expect("dir");),
        quote!(let full = canonicalize(path)?;),
    ] {
        let errors = check(quote!(async fn f() { #stmt }));
        assert_eq!(errors.len(), 1, "{stmt}: {errors:#?}");
        assert!(
            errors[0]
                .contains("was read as std's: if it is your own, write its path from `crate::`"),
            "{errors:#?}"
        );
    }
    // Awaited or handed on (tokio's), generic names, names the item defines or binds,
    // and a tokio import in view are not.
    assert_clean(quote! {
        async fn f(sleep_for: impl Fn(Duration), remove_file: &dyn Fn(&Path)) {
            sleep(Duration::from_millis(1)).await;
            let text = read_to_string(path).await?;
            tokio::time::timeout(d, sleep(d)).await;
            let pending = sleep(d);
            pending.await;
            let bytes = read(path)?;
            write(path, bytes)?;
            copy(a, b)?;
            remove_file(path);
            fn create_dir_all(_: &str) {}
            create_dir_all("x");
            let canonicalize = |p: &Path| p.to_owned();
            let full = canonicalize(path);
        }
    });
    assert_clean(quote! {
        async fn f() {
            use tokio::fs::read_dir;
            let entries = read_dir(dir);
        }
    });
    // The checker sees the whole module: a bare name nothing imports is not std's there.
    let function: syn::ItemFn = syn::parse_quote! {
        async fn f() { sleep(d); }
    };
    let findings = scan_block(
        &function.block,
        Context::Async,
        &BlockingCatalogue::builtin(),
        &Imports::module(&[]),
    );
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn a_guard_finding_is_typed_and_labels_the_await() {
    let findings = findings_with(
        &BlockingCatalogue::builtin(),
        quote! {
            async fn f(state: &std::sync::Mutex<u32>) {
                let guard = state.lock().unwrap();
                log(&guard);
                tokio::join!(a(), b());
            }
        },
    );
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let finding = &findings[0];
    assert_eq!(finding.lint, Lint::LockAcrossAwait);
    assert!(
        finding.help.starts_with("end the guard's scope"),
        "{finding:#?}"
    );
    assert_eq!(finding.labels.len(), 1);
    assert_eq!(
        finding.labels[0].message,
        "`guard` is still held here, across this `join!`"
    );
    let findings = findings_with(
        &BlockingCatalogue::builtin(),
        quote! {
            async fn f() {
                if let Some(job) = queue.lock().unwrap().pop_front() {
                    log(job);
                    job.run().await;
                }
            }
        },
    );
    assert_eq!(
        findings[0].labels[0].message,
        "the guard is still held here, across this `.await`"
    );
    let findings = findings_with(
        &BlockingCatalogue::builtin(),
        quote!(
            async fn f() {
                std::thread::sleep(d);
            }
        ),
    );
    assert_eq!(findings[0].lint, Lint::Blocking);
    assert!(findings[0].labels.is_empty() && findings[0].notes.is_empty());
}

#[test]
fn sync_bodies_are_scanned_for_a_call_graph() {
    let function: syn::ItemFn = syn::parse_quote! {
        fn load_config(path: &Path) -> Config {
            let text = fs::read_to_string(path).unwrap();
            let lines = std::thread::spawn(move || std::fs::read(path)).join();
            let checked = tokio::task::spawn_blocking(move || std::thread::sleep(d));
            let later = async move { std::fs::remove_file(path) };
            let entry = async_hygiene::allow_blocking!("startup", std::fs::metadata(path));
            parse(&text)
        }
    };
    let catalogue = BlockingCatalogue::builtin();
    let messages: Vec<String> = scan_block(
        &function.block,
        Context::Sync,
        &catalogue,
        &Imports::default(),
    )
    .iter()
    .map(|finding| finding.message.clone())
    .collect();
    assert_eq!(
        messages,
        [
            "`std::fs::read_to_string` blocks the executor thread",
            "`.join()` with no arguments and not awaited (std `thread::JoinHandle::join`) \
             blocks the executor thread until the thread ends",
        ]
    );
    // The async block it skipped is there for the caller to scan as async code.
    let contexts = super::async_contexts(&function.block);
    assert_eq!(contexts.len(), 1);
    let findings = super::scan_expr(contexts[0], Context::Async, &catalogue, &Imports::default());
    assert_eq!(findings.len(), 1);
    assert!(findings[0].message.starts_with("`std::fs::remove_file`"));
    // What runs off the executor, for a caller walking calls itself.
    let imports = Imports::default();
    for (call, offloads) in [
        (
            syn::parse_quote!(tokio::task::spawn_blocking(move || load())),
            true,
        ),
        (syn::parse_quote!(std::thread::spawn(|| load())), true),
        (syn::parse_quote!(scope.spawn(|| load())), true),
        (
            syn::parse_quote!(tokio::spawn(async move { load() })),
            false,
        ),
        (syn::parse_quote!(helper(|| load())), false),
    ] {
        assert_eq!(
            super::runs_off_executor(&call, &catalogue, &imports),
            offloads,
            "{call:?}"
        );
    }
}

#[test]
fn a_receiver_typed_in_the_signature_is_a_sync_receiver() {
    for ty in [
        quote!(std::sync::mpsc::Receiver<Job>),
        quote!(&crossbeam_channel::Receiver<Job>),
        quote!(flume::Receiver<Job>),
    ] {
        assert_flags(
            quote! {
                async fn drain(jobs: #ty) {
                    for job in jobs { run(job).await; }
                }
            },
            "iterating a sync channel receiver",
        );
    }
    // `mpsc::Receiver` may be tokio's (a `for` over it would not compile, but `.iter()`
    // is not tokio's either way): only a path that names the sync type counts.
    assert_clean(quote! {
        async fn drain(jobs: mpsc::Receiver<Job>, more: tokio::sync::mpsc::Receiver<Job>) {
            let all: Vec<_> = jobs.iter().collect();
            let rest: Vec<_> = more.into_iter().collect();
        }
    });
}

/// The messages of the findings in the async fn `item` of a whole module (`items`), as
/// the checker scans it: the module's imports in view, complete.
fn check_in_module(file: TokenStream) -> Vec<String> {
    let file: syn::File = syn::parse2(file).expect("test input is a module");
    let imports = Imports::module(&file.items);
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Fn(function) if function.sig.asyncness.is_some() => Some(function),
            _ => None,
        })
        .flat_map(|function| {
            let mut imports = imports.clone();
            imports.add_signature(&function.sig);
            scan_block(
                &function.block,
                Context::Async,
                &BlockingCatalogue::builtin(),
                &imports,
            )
        })
        .map(|finding| finding.to_string())
        .collect()
}

#[test]
fn a_literal_ip_address_resolves_no_name() {
    for call in [
        quote!(std::net::TcpListener::bind(("1.1.1.1", 443))),
        quote!(std::net::UdpSocket::bind(("127.0.0.1", port))),
        quote!(std::net::TcpListener::bind(format!("127.0.0.1:{port}"))),
        quote!(std::net::TcpListener::bind(&format!("[::1]:{}", port))),
        quote!(std::net::TcpListener::bind("[::1]:80")),
        quote!(std::net::UdpSocket::bind(&["1.1.1.1:80", "8.8.8.8:80"][..])),
        quote!("127.0.0.1:6148".to_socket_addrs()),
        quote!(("::1", 80).to_socket_addrs()),
    ] {
        assert_clean(quote!(async fn f(port: u16) { let s = #call; }));
    }
    // A host name is looked up with blocking DNS; `connect` waits for its handshake.
    for (call, needle) in [
        (quote!(std::net::TcpListener::bind("localhost:80")), "bind"),
        (
            quote!(std::net::TcpListener::bind(("example.com", 443))),
            "bind",
        ),
        (
            quote!(std::net::TcpListener::bind(format!("{host}:{port}"))),
            "bind",
        ),
        (quote!("localhost:80".to_socket_addrs()), "to_socket_addrs"),
        (
            quote!(("example.com", 443).to_socket_addrs()),
            "to_socket_addrs",
        ),
        (
            quote!(std::net::TcpStream::connect(("1.1.1.1", 443))),
            "connect",
        ),
    ] {
        assert_flags(
            quote!(async fn f(host: &str, port: u16) { let s = #call; }),
            needle,
        );
    }
}

#[test]
fn a_std_bind_to_an_address_value_returns_at_once() {
    assert_clean(quote! {
        async fn f(addr: std::net::SocketAddr, v6: &SocketAddrV6, pair: (IpAddr, u16)) {
            let a = std::net::TcpListener::bind(addr)?;
            let b = std::net::UdpSocket::bind(v6)?;
            let c = std::net::UdpSocket::bind(pair)?;
        }
    });
    assert_clean(quote! {
        async fn f() {
            let addr: SocketAddr = config.listen;
            let a = std::net::TcpListener::bind(addr)?;
            let parsed = "0.0.0.0:0".parse::<SocketAddr>()?;
            let b = std::net::TcpListener::bind(parsed)?;
            let c = std::net::TcpListener::bind(&"127.0.0.1:0".parse().unwrap())?;
            let d = std::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
            let e = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))?;
        }
    });
    // An untyped value may be a host name; `connect` waits for the peer.
    assert_flags(
        quote!(
            async fn f(addr: &str) {
                let a = std::net::TcpListener::bind(addr)?;
            }
        ),
        "bind",
    );
    assert_flags(
        quote!(
            async fn f(addr: SocketAddr) {
                let a = std::net::TcpStream::connect(addr)?;
            }
        ),
        "connect",
    );
    // A rebinding loses the type.
    assert_flags(
        quote!(
            async fn f(addr: SocketAddr) {
                let addr = addr.to_string() + suffix;
                let a = std::net::TcpListener::bind(addr)?;
            }
        ),
        "bind",
    );
}

#[test]
fn offloaded_closures_wrapped_in_a_block_are_the_fix() {
    assert_clean(quote! {
        async fn f() {
            tokio::task::spawn_blocking({ move || std::fs::read(p) }).await;
            tokio::task::spawn_blocking(({ let p = p.clone(); move || std::fs::read(p) })).await;
            tokio::task::block_in_place({ || std::thread::sleep(d) });
            std::thread::spawn({ let rx = rx; move || std::fs::write(p, b"") });
            pool.spawn_blocking({ || std::fs::read(p) }).await;
        }
    });
    // What runs before the closure runs here.
    assert_flags(
        quote!(
            async fn f() {
                tokio::task::spawn_blocking({
                    let data = std::fs::read(p)?;
                    move || parse(data)
                });
            }
        ),
        "`std::fs::read`",
    );
}

#[test]
fn a_wait_on_a_duration_is_not_a_condvar_wait() {
    for call in [
        quote!(mock.wait(Duration::from_millis(10))),
        quote!(mock.wait(std::time::Duration::from_secs(1))),
        quote!(mock.wait(Duration::ZERO)),
        quote!(mock.wait(Duration::new(1, 0) * 2)),
        quote!(builder.wait(10)),
        quote!(cv.wait_timeout(Duration::from_secs(1), 3)),
        quote!(cv.wait_while(|| ready, 3)),
    ] {
        assert_clean(quote!(async fn f() { let r = #call; }));
    }
    assert_flags(
        quote!(
            async fn f() {
                let g = cv.wait(guard).unwrap();
            }
        ),
        "Condvar::wait",
    );
    assert_flags(
        quote!(
            async fn f() {
                let g = cv.wait_timeout(guard, Duration::from_secs(1));
            }
        ),
        "Condvar::wait_timeout",
    );
}

#[test]
fn io_copy_between_buffers_in_memory_does_no_io() {
    assert_clean(quote! {
        async fn f(bytes: &[u8], out: &mut Vec<u8>) {
            std::io::copy(&mut &bytes[..], &mut Vec::new())?;
            std::io::copy(&mut data.as_slice(), out)?;
            std::io::copy(&mut std::io::Cursor::new(data), &mut std::io::sink())?;
            let mut decoded = Vec::new();
            std::io::copy(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut decoded)?;
            let mut buf: Vec<u8> = Vec::with_capacity(8);
            std::io::copy(&mut bytes, &mut buf)?;
            let mut cursor = Cursor::new(vec![0u8; 4]);
            std::io::copy(&mut "text".as_bytes(), &mut cursor)?;
        }
    });
    // A file or stdio at either end is I/O, whatever the other end is.
    for body in [
        quote!(std::io::copy(&mut &bytes[..], &mut file)?;),
        quote!(std::io::copy(&mut reader, &mut std::io::stdout())?;),
        quote!(std::io::copy(&mut std::io::stdin().lock(), &mut Vec::new())?;),
        quote!(std::io::copy(&mut GzDecoder::new(file), &mut Vec::new())?;),
    ] {
        assert_flags(
            quote!(async fn f(bytes: &[u8], file: std::fs::File, reader: impl std::io::Read) { #body }),
            "`std::io::copy`",
        );
    }
    // Neither end known: taken to be I/O, as most copies are.
    assert_flags(
        quote!(
            async fn f() {
                std::io::copy(&mut stream, &mut sink)?;
            }
        ),
        "`std::io::copy`",
    );
}

/// A `use` item in a nested block names things in that block only: docs.rs imports
/// `std::fs` inside the block it hands to `spawn_blocking`, and awaits `tokio::fs` calls
/// after it.
#[test]
fn a_blocks_use_items_name_things_in_that_block_only() {
    assert_clean(quote! {
        async fn store(zip_path: PathBuf) -> Result<()> {
            use tokio::fs;
            let stats = spawn_blocking({
                use std::{fs, io};
                move || fs::read(&zip_path)
            })
            .await?;
            let file = fs::File::open(&zip_path).await?;
            let bytes = fs::read(&zip_path).await?;
        }
    });
    assert_flags(
        quote! {
            async fn store(zip_path: PathBuf) -> Result<()> {
                use tokio::fs;
                let bytes = {
                    use std::fs;
                    fs::read(&zip_path)?
                };
                let file = fs::File::open(&zip_path).await?;
            }
        },
        "`std::fs::read`",
    );
    assert_flags(
        quote! {
            async fn store(zip_path: PathBuf) -> Result<()> {
                use std::fs;
                let done = async {
                    use tokio::fs;
                    fs::read(&zip_path).await
                }
                .await;
                let bytes = fs::read(&zip_path)?;
            }
        },
        "`std::fs::read`",
    );
}

/// With one end in memory or the caller's choice (a generic reader or writer parameter,
/// or a codec over one), the other end's I/O is what syntax cannot see: `std::io::copy`
/// is reported only when that end is visibly a file or stdio (docs.rs decompresses and
/// unzips buffers through `impl Read` helpers; `check --precise` follows the types).
#[test]
fn io_copy_with_one_end_in_memory_or_the_callers_is_not_a_guess() {
    assert_clean(quote! {
        async fn f<R: Read, W>(content: impl Read, r: R, w: &mut W, mut entry: ZipFile<'_>)
        where
            W: std::io::Write,
        {
            let mut buffer = SizedBuffer::new(max_size);
            std::io::copy(&mut BzDecoder::new(content), &mut buffer)?;
            std::io::copy(&mut entry, &mut Vec::new())?;
            let mut buf = Vec::new();
            std::io::copy(&mut entry, &mut buf)?;
            std::io::copy(&mut r.by_ref(), w)?;
        }
    });
    assert_clean(quote! {
        async fn f(input: &mut dyn BufRead, out: Box<dyn Write + Send>, stream: Unknown) {
            std::io::copy(input, &mut stream)?;
            std::io::copy(&mut stream, &mut out)?;
        }
    });
    // A generic type without a reader's or writer's bound is not one.
    assert_flags(
        quote!(
            async fn f<T: Clone>(source: T) {
                std::io::copy(&mut source, &mut sink)?;
            }
        ),
        "`std::io::copy`",
    );
}

#[test]
fn fs_err_and_sync_crates_are_caught_when_named() {
    let cases = [
        (
            quote!(fs_err::read_to_string(p)?;),
            "`fs_err::read_to_string`",
        ),
        (
            quote!(fs_err::create_dir_all(p)?;),
            "`fs_err::create_dir_all`",
        ),
        (
            quote!(let f = fs_err::File::open(p)?;),
            "`fs_err::File::open`",
        ),
        (
            quote!(for e in walkdir::WalkDir::new(p) {}),
            "`walkdir::WalkDir`",
        ),
        (quote!(let g = glob::glob("*.rs")?;), "`glob::glob`"),
        (quote!(let d = tempfile::tempdir()?;), "`tempfile::tempdir`"),
        (
            quote!(let f = tempfile::NamedTempFile::new()?;),
            "`tempfile::NamedTempFile::new`",
        ),
        (
            quote!(fs_extra::dir::copy(a, b, &o)?;),
            "`fs_extra::dir::copy`",
        ),
        (
            quote!(let p = mysql::Pool::new(url)?;),
            "`mysql::Pool::new`",
        ),
        (quote!(let s = ssh2::Session::new()?;), "`ssh2::Session`"),
        (
            quote!(let r = git2::Repository::open(p)?;),
            "`git2::Repository::open`",
        ),
        (
            quote!(let m = lettre::SmtpTransport::relay(h)?.build();),
            "`lettre::SmtpTransport`",
        ),
        (
            quote!(let v: i32 = redis::cmd("GET").arg(k).query(&mut con)?;),
            "redis",
        ),
        (
            quote!(let mut p = redis::pipe(); p.set(k, v); let r: () = p.query(&mut con)?;),
            "redis",
        ),
    ];
    for (stmt, needle) in cases {
        assert_flags(quote!(async fn f() { #stmt }), needle);
    }
    // Names a `use` of the crate resolves, in the checker's complete view.
    let errors = check_in_module(quote! {
        use fs_err as fs;
        use walkdir::WalkDir;
        use tempfile::TempDir;
        async fn f() {
            let s = fs::read_to_string(p)?;
            for entry in WalkDir::new(root) {}
            let d = TempDir::new()?;
        }
    });
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors[0].starts_with("`fs_err::read_to_string`"),
        "{errors:#?}"
    );
    // Their async twins, and look-alikes that do not name the crate, are not.
    assert_clean(quote! {
        async fn f() {
            let s = fs_err::tokio::read_to_string(p).await?;
            let p = mysql_async::Pool::new(url);
            let v: i32 = redis::cmd("GET").arg(k).query_async(&mut con).await?;
            let rows = builder.query(&mut con);
            for entry in WalkDir::new(root) {}
            let d = TempDir::new()?;
        }
    });
}

#[test]
fn path_methods_block_only_on_a_visible_path() {
    for (stmt, needle) in [
        (
            quote!(if Path::new(p).exists() {}),
            "`std::path::Path::exists`",
        ),
        (
            quote!(let c = std::path::PathBuf::from(p).canonicalize()?;),
            "`std::path::Path::canonicalize`",
        ),
        (
            quote!(let p = Path::new(s); if p.join("x").is_file() {}),
            "`std::path::Path::is_file`",
        ),
        (
            quote!(let m = PathBuf::from(s).metadata()?;),
            "`std::path::Path::metadata`",
        ),
    ] {
        assert_flags(quote!(async fn f() { #stmt }), needle);
    }
    // A parameter typed as std's `Path`, when the import is in view.
    let errors = check_in_module(quote! {
        use std::path::{Path, PathBuf};
        async fn f(root: &Path, out: PathBuf) {
            if root.is_dir() && out.try_exists()? {}
        }
        async fn g(root: axum::extract::Path<String>) {
            if root.exists() {}
        }
    });
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0].starts_with("`std::path::Path::is_dir`"),
        "{errors:#?}"
    );
    // A method name alone is no evidence: `exists` on anything else is not reported.
    assert_clean(quote! {
        async fn f(root: &Path) {
            if store.exists(key) || self.path.exists() || entry.metadata().is_ok() {}
            if root.exists() {}
            let m = tokio::fs::metadata(p).await?;
        }
    });
}

/// The findings of a method's body in a module whose `use` items are `uses`, with the
/// fields of `self`'s struct declared as the checker declares them.
fn findings_with_self_fields(
    uses: TokenStream,
    item: TokenStream,
    method: TokenStream,
) -> Vec<Finding> {
    let item: syn::ItemStruct = syn::parse2(item).expect("a struct");
    let body: syn::ItemFn = syn::parse2(method).expect("a method");
    let file: syn::File = syn::parse2(uses).expect("use items");
    let mut imports = Imports::module(&file.items);
    imports.add_self_fields(&item.fields);
    scan_block(
        &body.block,
        Context::Async,
        &BlockingCatalogue::builtin(),
        &imports,
    )
}

#[test]
fn a_field_declared_with_a_path_type_is_a_path() {
    let findings = findings_with_self_fields(
        quote!(
            use std::path::PathBuf;
        ),
        quote!(
            struct Store {
                root: PathBuf,
                name: String,
            }
        ),
        quote!(
            async fn load(&self) {
                if self.root.exists() {}
                if self.name.exists() {}
            }
        ),
    );
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert!(findings[0].message.starts_with("`std::path::Path::exists`"));
}

/// The fns of a file (inline modules included) with a `lock-across-await` finding, in
/// source order, as the checker scans them: async fns' bodies, and the `async` blocks of
/// sync fns.
fn guards_across_awaits(file: TokenStream) -> Vec<String> {
    fn scan_items(items: &[syn::Item], imports: &Imports, flagged: &mut Vec<String>) {
        let catalogue = BlockingCatalogue::builtin();
        for item in items {
            match item {
                syn::Item::Mod(module) => {
                    if let Some((_, inner)) = &module.content {
                        scan_items(inner, &Imports::module(inner), flagged);
                    }
                }
                syn::Item::Fn(function) => {
                    let mut imports = imports.clone();
                    imports.add_signature(&function.sig);
                    let findings = if function.sig.asyncness.is_some() {
                        scan_block(&function.block, Context::Async, &catalogue, &imports)
                    } else {
                        super::async_contexts(&function.block)
                            .into_iter()
                            .flat_map(|expr| {
                                super::scan_expr(expr, Context::Async, &catalogue, &imports)
                            })
                            .collect()
                    };
                    for finding in findings {
                        assert_eq!(finding.lint, Lint::LockAcrossAwait, "{finding}");
                        flagged.push(function.sig.ident.to_string());
                    }
                }
                _ => {}
            }
        }
    }
    let file: syn::File = syn::parse2(file).expect("test input is a file");
    let mut flagged = Vec::new();
    scan_items(&file.items, &Imports::module(&file.items), &mut flagged);
    flagged
}

/// clippy's `tests/ui/await_holding_lock.rs` (rust-lang/rust-clippy), its cases as they
/// are, the `//~ ERROR` marks dropped: every expected report, and nothing else. The one
/// clippy marks as its own false positive (`dropped_before_await`: the guard is
/// `drop`ped before the await) is quiet here.
#[test]
#[allow(clippy::too_many_lines)] // the source file, case by case
fn clippys_await_holding_lock_cases() {
    let flagged = guards_across_awaits(quote! {
        mod std_mutex {
            use super::baz;
            use std::sync::{Mutex, RwLock};

            pub async fn bad(x: &Mutex<u32>) -> u32 {
                let guard = x.lock().unwrap();
                baz().await
            }

            pub async fn good(x: &Mutex<u32>) -> u32 {
                {
                    let guard = x.lock().unwrap();
                    let y = *guard + 1;
                }
                baz().await;
                let guard = x.lock().unwrap();
                47
            }

            pub async fn bad_rw(x: &RwLock<u32>) -> u32 {
                let guard = x.read().unwrap();
                baz().await
            }

            pub async fn bad_rw_write(x: &RwLock<u32>) -> u32 {
                let mut guard = x.write().unwrap();
                baz().await
            }

            pub async fn good_rw(x: &RwLock<u32>) -> u32 {
                {
                    let guard = x.read().unwrap();
                    let y = *guard + 1;
                }
                {
                    let mut guard = x.write().unwrap();
                    *guard += 1;
                }
                baz().await;
                let guard = x.read().unwrap();
                47
            }

            pub async fn also_bad(x: &Mutex<u32>) -> u32 {
                let first = baz().await;
                let guard = x.lock().unwrap();
                let second = baz().await;
                let third = baz().await;
                first + second + third
            }

            pub async fn not_good(x: &Mutex<u32>) -> u32 {
                let first = baz().await;
                let second = {
                    let guard = x.lock().unwrap();
                    baz().await
                };
                let third = baz().await;
                first + second + third
            }

            #[allow(clippy::manual_async_fn)]
            pub fn block_bad(x: &Mutex<u32>) -> impl std::future::Future<Output = u32> + '_ {
                async move {
                    let guard = x.lock().unwrap();
                    baz().await
                }
            }
        }

        mod parking_lot_mutex {
            use super::baz;
            use parking_lot::{Mutex, RwLock};

            pub async fn bad(x: &Mutex<u32>) -> u32 {
                let guard = x.lock();
                baz().await
            }

            pub async fn good(x: &Mutex<u32>) -> u32 {
                {
                    let guard = x.lock();
                    let y = *guard + 1;
                }
                baz().await;
                let guard = x.lock();
                47
            }

            pub async fn bad_rw(x: &RwLock<u32>) -> u32 {
                let guard = x.read();
                baz().await
            }

            pub async fn bad_rw_write(x: &RwLock<u32>) -> u32 {
                let mut guard = x.write();
                baz().await
            }

            pub async fn good_rw(x: &RwLock<u32>) -> u32 {
                {
                    let guard = x.read();
                    let y = *guard + 1;
                }
                {
                    let mut guard = x.write();
                    *guard += 1;
                }
                baz().await;
                let guard = x.read();
                47
            }

            pub async fn also_bad(x: &Mutex<u32>) -> u32 {
                let first = baz().await;
                let guard = x.lock();
                let second = baz().await;
                let third = baz().await;
                first + second + third
            }

            pub async fn not_good(x: &Mutex<u32>) -> u32 {
                let first = baz().await;
                let second = {
                    let guard = x.lock();
                    baz().await
                };
                let third = baz().await;
                first + second + third
            }

            #[allow(clippy::manual_async_fn)]
            pub fn block_bad(x: &Mutex<u32>) -> impl std::future::Future<Output = u32> + '_ {
                async move {
                    let guard = x.lock();
                    baz().await
                }
            }
        }

        async fn baz() -> u32 {
            42
        }

        async fn no_await(x: std::sync::Mutex<u32>) {
            let mut guard = x.lock().unwrap();
            *guard += 1;
        }

        async fn dropped_before_await(x: std::sync::Mutex<u32>) {
            let mut guard = x.lock().unwrap();
            *guard += 1;
            drop(guard);
            baz().await;
        }

        fn main() {
            let m = std::sync::Mutex::new(100);
            std_mutex::good(&m);
            std_mutex::bad(&m);
            std_mutex::also_bad(&m);
            std_mutex::not_good(&m);
            std_mutex::block_bad(&m);

            let m = parking_lot::Mutex::new(100);
            parking_lot_mutex::good(&m);
            parking_lot_mutex::bad(&m);
            parking_lot_mutex::also_bad(&m);
            parking_lot_mutex::not_good(&m);
        }
    });
    let each_module = [
        "bad",
        "bad_rw",
        "bad_rw_write",
        "also_bad",
        "not_good",
        "block_bad",
    ];
    assert_eq!(flagged, [each_module, each_module].concat());
}

/// clippy's `tests/ui/await_holding_refcell_ref.rs` (rust-lang/rust-clippy), its cases
/// as they are, the `//~` marks dropped: every expected report, and nothing else.
#[test]
#[allow(clippy::too_many_lines)] // the source file, case by case
fn clippys_await_holding_refcell_ref_cases() {
    let file = quote! {
        use std::cell::RefCell;

        async fn bad(x: &RefCell<u32>) -> u32 {
            let b = x.borrow();
            baz().await
        }

        async fn bad_mut(x: &RefCell<u32>) -> u32 {
            let b = x.borrow_mut();
            baz().await
        }

        async fn good(x: &RefCell<u32>) -> u32 {
            {
                let b = x.borrow_mut();
                let y = *b + 1;
            }
            baz().await;
            let b = x.borrow_mut();
            47
        }

        async fn baz() -> u32 {
            42
        }

        async fn also_bad(x: &RefCell<u32>) -> u32 {
            let first = baz().await;
            let b = x.borrow_mut();
            let second = baz().await;
            let third = baz().await;
            first + second + third
        }

        async fn less_bad(x: &RefCell<u32>) -> u32 {
            let first = baz().await;
            let b = x.borrow_mut();
            let second = baz().await;
            drop(b);
            let third = baz().await;
            first + second + third
        }

        async fn not_good(x: &RefCell<u32>) -> u32 {
            let first = baz().await;
            let second = {
                let b = x.borrow_mut();
                baz().await
            };
            let third = baz().await;
            first + second + third
        }

        #[allow(clippy::manual_async_fn)]
        fn block_bad(x: &RefCell<u32>) -> impl std::future::Future<Output = u32> + '_ {
            async move {
                let b = x.borrow_mut();
                baz().await
            }
        }

        fn main() {
            let rc = RefCell::new(100);
            good(&rc);
            bad(&rc);
            bad_mut(&rc);
            also_bad(&rc);
            less_bad(&rc);
            not_good(&rc);
            block_bad(&rc);
        }
    };
    let expected = [
        "bad",
        "bad_mut",
        "also_bad",
        "less_bad",
        "not_good",
        "block_bad",
    ];
    assert_eq!(guards_across_awaits(file.clone()), expected);
    // The attribute's view (no imports in sight) has the parameters' types.
    for function in syn::parse2::<syn::File>(file).unwrap().items {
        let syn::Item::Fn(function) = function else {
            continue;
        };
        let name = function.sig.ident.to_string();
        let findings = if function.sig.asyncness.is_some() {
            findings_with(&BlockingCatalogue::builtin(), function.to_token_stream())
        } else {
            Vec::new()
        };
        let expect = usize::from(expected.contains(&name.as_str()) && name != "block_bad");
        assert_eq!(findings.len(), expect, "{name}: {findings:#?}");
    }
}

#[test]
fn a_refcell_borrow_across_an_await_teaches_the_panic() {
    let errors = check(quote! {
        async fn f(cell: Rc<RefCell<State>>) {
            let state = cell.borrow_mut();
            tick().await;
        }
    });
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0]
            .starts_with("a `RefCell` borrow (`.borrow_mut()`) bound to `state` is still alive"),
        "{errors:#?}"
    );
    assert!(errors[0].contains("panics"), "{errors:#?}");
    // A scrutinee's temporary borrow lives through the `match`.
    let errors = check(quote! {
        async fn f(cell: &RefCell<Cache>) {
            match cell.borrow().get(k) { Some(v) => v.clone(), None => fetch(k).await }
        }
    });
    assert_eq!(errors.len(), 1, "{errors:#?}");
    // `Borrow::borrow` (a plain reference) is not a guard: in a partial view nothing
    // shows a cell; in a module that imports the trait, neither.
    assert_clean(quote! {
        async fn f<K: Borrow<str>>(key: K, map: &Map) {
            let k = key.borrow();
            tick().await;
            let v = map.get(k);
        }
    });
    assert!(check_in_module(quote! {
        use std::borrow::Borrow;
        async fn f<K: Borrow<str>>(key: K) { let k = key.borrow(); tick().await; use_it(k); }
    })
    .is_empty());
    // In a complete view without that trait, `.borrow()` is a cell's.
    assert_eq!(
        check_in_module(quote! {
            async fn f(&self) { let s = self.state.borrow(); tick().await; }
        })
        .len(),
        1
    );
}

/// A call chain names its leaf by the text of the message before " blocks" (the
/// checker's `api`): every row added for a sync crate starts its reason with "blocks".
#[test]
fn a_rows_message_names_its_call_before_blocks() {
    for entry in BlockingCatalogue::builtin().entries() {
        let message = entry.message();
        let first = [
            "fs_err", "walkdir", "glob", "tempfile", "fs_extra", "mysql", "ssh2", "git2", "lettre",
        ];
        if !first
            .iter()
            .any(|name| entry.what.starts_with(&format!("`{name}::")))
        {
            continue;
        }
        assert_eq!(
            message.split_once(" blocks").map(|(api, _)| api),
            Some(&*entry.what),
            "{message}"
        );
    }
}

#[test]
fn what_a_path_method_returns_is_not_a_path() {
    // `Metadata::is_dir` and `FileType::is_symlink` are not file-system calls.
    let errors = check(quote! {
        async fn f() {
            let meta = Path::new(p).metadata()?;
            if meta.is_dir() {}
            if PathBuf::from(p).symlink_metadata()?.is_symlink() {}
        }
    });
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0].starts_with("`std::path::Path::metadata`"),
        "{errors:#?}"
    );
    assert!(
        errors[1].starts_with("`std::path::Path::symlink_metadata`"),
        "{errors:#?}"
    );
    // A path built from a path is one.
    assert_flags(
        quote!(
            async fn f() {
                let dir = Path::new(p).join("x");
                if dir.parent().unwrap().exists() {}
            }
        ),
        "`std::path::Path::exists`",
    );
}

#[test]
fn a_std_file_known_by_its_declared_type_blocks_on_io() {
    // The harder plant: `self.spool.flush()` where the struct declares
    // `spool: BufWriter<File>`.
    let findings = findings_with_self_fields(
        quote!(
            use std::fs::File;
            use std::io::BufWriter;
        ),
        quote!(
            struct Journal {
                spool: BufWriter<File>,
                name: String,
            }
        ),
        quote!(
            async fn sync(&mut self) {
                self.spool.flush()?;
                self.name.flush();
            }
        ),
    );
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert!(findings[0]
        .message
        .starts_with("`.flush(..)` on a std `File`"));
    // Parameters and typed `let`s; tokio's `File` is awaited, and is not std's.
    let errors = check_in_module(quote! {
        use std::fs::File;
        async fn f(out: &mut File, log: &mut std::io::BufWriter<std::fs::File>) {
            out.write_all(b"x")?;
            log.get_mut().sync_all()?;
            let mut copy: File = out.try_clone()?;
            let mut s = String::new();
            copy.read_to_string(&mut s)?;
        }
        async fn g(out: &mut tokio::fs::File) {
            out.write_all(b"x").await?;
            out.flush().await?;
        }
    });
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors[0].starts_with("`.write_all(..)` on a std `File`"),
        "{errors:#?}"
    );
    assert!(
        errors[1].starts_with("`.sync_all(..)` on a std `File`"),
        "{errors:#?}"
    );
    assert!(
        errors[2].starts_with("`.read_to_string(..)` on a std `File`"),
        "{errors:#?}"
    );
}
