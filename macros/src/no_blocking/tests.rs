//! Unit tests of the matcher over `proc_macro2` input: what is flagged, what is not, and
//! the messages.

use proc_macro2::TokenStream;
use quote::quote;

use super::catalogue::BlockingCatalogue;
use super::{args, config, expand_item, with_args};

/// The error messages `#[no_blocking(args)]` reports on `item`.
fn check_with(args: TokenStream, item: TokenStream) -> Vec<String> {
    let mut errors = Vec::new();
    let args = match args::parse(args) {
        Ok(args) => args,
        Err(error) => return error.into_iter().map(|e| e.to_string()).collect(),
    };
    let catalogue = with_args(&BlockingCatalogue::builtin(), &args, &mut errors);
    let item = syn::parse2(item).expect("test input is an item");
    expand_item(item, &catalogue, None, &mut errors);
    errors
        .into_iter()
        .flat_map(|error| error.into_iter().map(|e| e.to_string()).collect::<Vec<_>>())
        .collect()
}

fn check(item: TokenStream) -> Vec<String> {
    check_with(TokenStream::new(), item)
}

/// Asserts exactly one error, mentioning `needle`.
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
            quote!(let a = ("example.com", 80).to_socket_addrs()?;),
            "to_socket_addrs",
        ),
        (
            quote!(let out = Command::new("ls").arg("-l").output()?;),
            "`std::process::Command::output`",
        ),
        (quote!(child.wait()?;), "`.wait()`"),
        (quote!(let v = rx.recv().unwrap();), "mpsc::Receiver::recv"),
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
fn impl_blocks_and_modules_check_async_fns_only() {
    let errors = check(quote! {
        impl Store {
            fn sync_load(&self) { std::thread::sleep(d) }
            async fn load(&self) { std::thread::sleep(d) }
        }
    });
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let errors = check(quote! {
        mod service {
            use std::fs;
            fn sync_load() { fs::read(p); }
            async fn load() { fs::read(p); }
            impl S { async fn run(&self) { fs::write(p, b""); } }
            mod inner { async fn g() { std::thread::sleep(d) } }
            trait Load {
                async fn load(&self) { fs::read(p); }
                fn load_sync(&self) { fs::read(p); }
                async fn required(&self);
            }
        }
    });
    assert_eq!(errors.len(), 4, "{errors:#?}");
}

#[test]
fn stacked_shapes_are_recognised() {
    // `#[async_trait]` ran first.
    assert_flags(
        quote! {
            fn get<'a>(&'a self) -> Pin<Box<dyn Future<Output = u32> + Send + 'a>> {
                Box::pin(async move { std::thread::sleep(d); 1 })
            }
        },
        "`std::thread::sleep`",
    );
    // `#[tokio::main]` ran first: its own `block_on` is not reported.
    assert_flags(
        quote! {
            fn main() {
                let body = async { std::thread::sleep(d); };
                let body = { body };
                {
                    return tokio::runtime::Builder::new_multi_thread()
                        .enable_all().build().expect("Failed building the Runtime")
                        .block_on(body);
                }
            }
        },
        "`std::thread::sleep`",
    );
}

#[test]
fn tokio_test_shape_is_recognised() {
    // What `#[tokio::test]` emits when it runs first (tokio-macros 2.7).
    let errors = check(quote! {
        #[::core::prelude::v1::test]
        fn reads() {
            let body = async { let text = std::fs::read_to_string(p); };
            ::tokio::pin!(body);
            let body: ::core::pin::Pin<&mut dyn ::core::future::Future<Output = ()>> = body;
            #[allow(clippy::expect_used)]
            {
                return ::tokio::runtime::Builder::new_current_thread()
                    .enable_all().build().expect("Failed building the Runtime")
                    .block_on(body);
            }
        }
    });
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].contains("`std::fs::read_to_string`"),
        "{errors:#?}"
    );
}

#[test]
fn misuse_names_what_is_accepted() {
    for item in [
        quote!(
            fn sync_fn() {}
        ),
        quote!(
            struct S;
        ),
        quote!(
            trait T {}
        ),
        quote!(
            mod m;
        ),
        quote!(
            const C: u8 = 1;
        ),
    ] {
        let errors = check(item);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].contains("an `async fn`, an `impl` block or an inline `mod`")
                || errors[0].contains("inline `mod m { .. }`"),
            "{errors:?}"
        );
    }
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
        quote!(
            deny(db::query_sync = "use `db::query(..).await`", .fetch_sync = "use `.fetch().await`"),
            allow(std::fs::metadata, .recv = "crossbeam, drained without waiting")
        ),
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
        quote!(offload(asyncify, .interact, crate::blocking::run), deny(.query_sync = "x")),
        item,
    );
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn bad_args_list_the_accepted_forms() {
    for args in [
        quote!(forbid(x)),
        quote!(deny(x)),
        quote!(deny(x = "")),
        quote!(allow("x")),
        quote!(42),
        quote!(allow),
        quote!(deny(x = "y") allow(z)),
    ] {
        let errors = check_with(
            args.clone(),
            quote!(
                async fn f() {}
            ),
        );
        assert!(!errors.is_empty(), "{args}");
        assert!(
            errors[0].contains("accepts")
                || errors[0].contains("deny(x = ")
                || errors[0].contains("empty"),
            "{errors:?}"
        );
    }
    let errors = check_with(
        quote!(allow(std::fs::not_a_thing)),
        quote!(
            async fn f() {}
        ),
    );
    assert_eq!(
        errors,
        ["`std::fs::not_a_thing` matches no blocking call that `#[no_blocking]` checks, so there is nothing to allow"]
    );
}

#[test]
fn every_violation_is_reported_and_the_item_kept() {
    let item = quote! {
        async fn f() {
            std::thread::sleep(d);
            std::fs::read(p);
        }
    };
    let output = super::expand(TokenStream::new(), item).to_string();
    assert_eq!(output.matches("compile_error").count(), 2, "{output}");
    assert!(output.contains("async fn f"), "{output}");
}

#[test]
fn never_panics_on_odd_input() {
    for item in [
        quote!(),
        quote!(async fn),
        quote!(async fn f() { let = ; }),
        quote!(
            async fn f() {
                foo!(,,,);
                select! { => };
                join!(;;);
                pin!(@);
            }
        ),
        quote!(impl {}),
    ] {
        let _ = super::expand(TokenStream::new(), item);
    }
    for args in [
        quote!(deny(= "x")),
        quote!(deny(.)),
        quote!(deny(a::)),
        quote!(allow(.recv = 1)),
        quote!(deny(x = "y",,)),
        quote!(deny(x = "y") allow(z)),
        quote!(allow),
        quote!(= = =),
    ] {
        let output = super::expand(
            args.clone(),
            quote!(
                async fn f() {}
            ),
        )
        .to_string();
        assert!(output.contains("async fn f"), "{args}: {output}");
        assert!(output.contains("compile_error"), "{args}: {output}");
    }
    // Odd bodies: every select!/join! form, closures returning closures, labelled blocks.
    let _ = super::expand(
        TokenStream::new(),
        quote!(
            async fn f() {
                tokio::select! { biased; };
                tokio::select! { x = => {} };
                futures::select! { default => , complete };
                tokio::join!(biased;);
                let g = || || || std::thread::sleep(d);
                'outer: {
                    break 'outer;
                }
                let _ = async || m.lock();
            }
        ),
    );
}

#[test]
fn config_file_format() {
    let text = r#"
# the crate's own sync wrappers
[no_blocking.deny]
"db::query_sync" = "use `db::query(..).await`"   # trailing comment
".fetch_sync" = 'use `.fetch().await`'

[other_tool]
anything = goes

[no_blocking.allow]
"std::fs::metadata" = "local disk, measured"

[no_blocking.offload]
"crate::pool::run_sync" = "runs on the blocking pool"
".interact" = "deadpool's blocking-pool hand-off"
"#;
    let parsed = config::parse(text).expect("valid config");
    assert_eq!(parsed.deny.len(), 2);
    assert_eq!(parsed.deny[0].text, "use `db::query(..).await`");
    assert_eq!(parsed.deny[1].line, 5);
    assert_eq!(parsed.allow.len(), 1);
    assert_eq!(parsed.offload.len(), 2);

    for (text, error) in [
        (
            "[no_blocking.deny]\ndb::query = \"x\"",
            "2: expected `\"path\" = \"text\"`",
        ),
        ("[no_blocking.deny]\n\"db::q\" \"x\"", "2: expected `=`"),
        (
            "[no_blocking.deny]\n\"db::q\" = x",
            "2: the value must be a quoted string",
        ),
        (
            "[no_blocking.deny]\n\"db::q\" = \"\"",
            "2: the replacement text",
        ),
        ("\n\n[no_blocking.forbid]", "3: unknown table"),
        ("[no_blocking.allow]\n\"1x\" = \"\"", "2: `1x` is neither"),
    ] {
        let message = config::parse(text).expect_err(text);
        assert!(
            message.starts_with(error),
            "{message:?} should start with {error:?}"
        );
    }
}

/// Runs the check over every async fn, impl block and inline module of a source tree and
/// prints what it reports: the false-alarm survey of the README.
/// `NO_BLOCKING_SURVEY=path/to/src cargo test -p async-hygiene-macros --lib survey -- --ignored --nocapture`
#[test]
#[ignore = "survey of a source tree named by NO_BLOCKING_SURVEY"]
fn survey() {
    fn walk(dir: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    let Some(root) = std::env::var_os("NO_BLOCKING_SURVEY") else {
        return;
    };
    let mut files = Vec::new();
    walk(std::path::Path::new(&root), &mut files);
    files.sort();
    let (mut async_fns, mut reported) = (0, 0);
    let catalogue = BlockingCatalogue::builtin();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let Ok(parsed) = syn::parse_file(&text) else {
            continue;
        };
        async_fns += text.matches("async fn").count();
        for item in parsed.items {
            let checked = matches!(&item, syn::Item::Fn(f) if f.sig.asyncness.is_some())
                || matches!(&item, syn::Item::Impl(_))
                || matches!(&item, syn::Item::Mod(m) if m.content.is_some());
            if !checked {
                continue;
            }
            let mut errors = Vec::new();
            expand_item(item, &catalogue, None, &mut errors);
            for error in errors.into_iter().flatten() {
                reported += 1;
                println!("{}: {error}", file.display());
            }
        }
    }
    println!("survey: {async_fns} `async fn`s, {reported} reports");
}

#[test]
fn the_item_is_emitted_as_written() {
    let item: syn::ItemFn = syn::parse_quote! {
        async fn load<'a, T: Clone>(&'a self, key: T) -> impl Display + 'a { self.get(key).await }
    };
    let mut expected = item.clone();
    *expected.block = crate::watchdog_hook::instrument_body(&item.sig, (*item.block).clone());
    let output = super::expand(TokenStream::new(), quote!(#item));
    assert_eq!(output.to_string(), quote!(#expected).to_string());

    let sync_only = quote! {
        impl Store {
            fn get(&self) -> u32 { std::thread::sleep(d); 1 }
        }
    };
    let output = super::expand(TokenStream::new(), sync_only.clone());
    assert_eq!(output.to_string(), sync_only.to_string());
}

#[test]
fn config_file_is_tracked() {
    let tracking = super::tracking_item(std::path::Path::new("/app/async-hygiene.toml"))
        .expect("a UTF-8 path");
    let tracking_tokens = quote!(#tracking).to_string();
    assert!(
        tracking_tokens.contains("include_bytes ! (\"/app/async-hygiene.toml\")"),
        "{tracking_tokens}"
    );
    let catalogue = BlockingCatalogue::builtin();
    let mut errors = Vec::new();
    let function = expand_item(
        syn::parse_quote!(
            async fn f() {
                g().await
            }
        ),
        &catalogue,
        Some(&tracking),
        &mut errors,
    )
    .to_string();
    assert!(
        function.starts_with("async fn f () { const _"),
        "{function}"
    );
    let item_impl = expand_item(
        syn::parse_quote!(impl S { async fn f(&self) { g().await } }),
        &catalogue,
        Some(&tracking),
        &mut errors,
    )
    .to_string();
    assert!(item_impl.starts_with("const _"), "{item_impl}");
    assert!(errors.is_empty());
}

#[test]
fn stacks_below_our_other_attributes() {
    // `#[bounded(2)]` above `#[no_blocking]` runs first and wraps the body in the watch.
    let bounded = crate::bounded::expand(
        quote!(2),
        quote!(
            async fn f(x: u32) -> u32 {
                std::thread::sleep(d);
                g(x).await
            }
        ),
    );
    let errors = check(bounded);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].contains("`std::thread::sleep`"), "{errors:#?}");
    // A watch call anywhere in the body is looked into.
    assert_flags(
        quote! {
            async fn f() {
                ::async_hygiene::__private::watch_body!(
                    name = "f",
                    output = (),
                    body = { std::fs::read(p); }
                )
            }
        },
        "`std::fs::read`",
    );
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
        "mpsc::Receiver::recv",
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
fn items_defined_in_the_item_shadow_std_names() {
    // A module of the user's own named `fs`, `thread` or `net`, or a type named `File`,
    // defined inside the annotated item, is not std's.
    assert_clean(quote! {
        mod service {
            mod fs {
                pub fn read(key: &str) -> Vec<u8> { key.as_bytes().to_vec() }
            }
            struct File;
            async fn load(key: &str) -> usize {
                let bytes = fs::read(key);
                let file = File::open(key);
                bytes.len()
            }
        }
    });
    assert_clean(quote! {
        async fn f() {
            mod thread {
                pub fn sleep(_: u32) {}
            }
            thread::sleep(1);
        }
    });
    // Without a local definition, the shortened path is std's.
    assert_flags(
        quote!(
            async fn f() {
                thread::sleep(d);
            }
        ),
        "`std::thread::sleep`",
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
        quote!(allow(
            std::process::Command::output = "a one-off at start-up",
            mpsc::Receiver::recv,
            parking_lot::Mutex::lock
        )),
        item,
    );
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn every_message_names_a_well_formed_fix() {
    for entry in BlockingCatalogue::builtin().entries() {
        let message = entry.message();
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
    assert!(check_with(quote!(allow(.accept)), item).is_empty());
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
fn the_crate_wide_file_applies_and_is_tracked() {
    let dir = std::env::temp_dir().join(format!("no_blocking_config_{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    assert!(config::load_from(&dir).is_none(), "no file, no policy");
    std::fs::write(
        dir.join(config::FILE_NAME),
        "[no_blocking.deny]\n\".query_sync\" = \"use `.query().await`\"\n\
         [no_blocking.allow]\n\"std::fs::metadata\" = \"local stat\"\n",
    )
    .expect("write config");
    let loaded = config::load_from(&dir).expect("the file is found");
    let mut catalogue = BlockingCatalogue::builtin();
    let mut errors = Vec::new();
    super::apply_config(&mut catalogue, &loaded, &mut errors);
    let tracking = super::tracking_item(&loaded.path).expect("a UTF-8 path");
    let output = expand_item(
        syn::parse_quote! {
            async fn f() {
                let meta = std::fs::metadata(p);
                let rows = db.query_sync();
            }
        },
        &catalogue,
        Some(&tracking),
        &mut errors,
    )
    .to_string();
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        ["`.query_sync(..)` is denied by this crate's `async-hygiene.toml`; use `.query().await`"]
    );
    assert!(
        output.contains(&format!(
            "include_bytes ! ({:?})",
            loaded.path.display().to_string()
        )),
        "{output}"
    );
    // A malformed file is one error naming the file and the line; it is still tracked.
    std::fs::write(
        dir.join(config::FILE_NAME),
        "[no_blocking.deny]\nnot quoted = 1\n",
    )
    .expect("write config");
    let loaded = config::load_from(&dir).expect("the file is found");
    let mut errors = Vec::new();
    super::apply_config(&mut BlockingCatalogue::builtin(), &loaded, &mut errors);
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]
            .to_string()
            .contains("async-hygiene.toml:2: expected"),
        "{}",
        errors[0]
    );
    std::fs::remove_dir_all(&dir).expect("clean up");
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
