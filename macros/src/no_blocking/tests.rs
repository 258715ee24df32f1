//! Unit tests of the attribute over `proc_macro2` input: item kinds, fn shapes, stacking,
//! arguments, the policy file, emission. What the scan finds is tested where it lives,
//! in `analysis/src/blocking/tests.rs`.

use async_hygiene_analysis::blocking::BlockingCatalogue;
use async_hygiene_analysis::policy as config;
use proc_macro2::TokenStream;
use quote::quote;

use async_hygiene_analysis::policy::AttributePolicy;

use super::{expand_item, with_args};

/// The error messages `#[no_blocking(args)]` reports on `item`.
fn check_with(args: TokenStream, item: TokenStream) -> Vec<String> {
    let mut errors = Vec::new();
    let args = match syn::parse2::<AttributePolicy>(args) {
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
fn a_test_macros_case_wrapper_is_left_alone() {
    // rstest 0.26's case of `#[tokio::test] #[apply(template)] #[no_blocking] async fn`
    // (hatoo/oha): the test is already sync, and the case only calls it.
    let case = quote! {
        #[::core::prelude::v1::test]
        fn case_1() {
            let http_version_param = "1.1";
            test_setting_body(http_version_param)
        }
    };
    assert_clean(case.clone());
    let mut errors = Vec::new();
    let item = syn::parse2(case.clone()).expect("a fn");
    let out = expand_item(item, &BlockingCatalogue::builtin(), None, &mut errors);
    assert_eq!(out.to_string(), case.to_string());
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

/// Runs the check over every async fn, impl block and inline module of a source tree and
/// prints what it reports: the false-alarm survey of `docs/field-trials.md`.
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
    let tracking =
        crate::policy_file::tracking_item(std::path::Path::new("/app/async-hygiene.toml"))
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
    // Inside the body: with the feature, inside the watch, which the next attribute
    // unwraps; without it, first in the body as written.
    if cfg!(feature = "watchdog") {
        assert!(
            function.starts_with("async fn f () { :: async_hygiene :: __private :: watch_body !")
                && function.contains("body = { const _"),
            "{function}"
        );
    } else {
        assert!(
            function.starts_with("async fn f () { const _"),
            "{function}"
        );
    }
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
fn the_tracking_item_leaves_the_body_plain_for_the_next_attribute() {
    // `#[no_blocking] #[concurrent]` in a crate with an `async-hygiene.toml`: the tracking
    // item goes inside the watched body, so `#[concurrent]` still finds and joins it.
    let tracking =
        crate::policy_file::tracking_item(std::path::Path::new("/app/async-hygiene.toml"))
            .expect("a UTF-8 path");
    let mut errors = Vec::new();
    let checked = expand_item(
        syn::parse_quote!(
            async fn f() -> (u32, u32) {
                let a = g().await;
                let b = h().await;
                (a, b)
            }
        ),
        &BlockingCatalogue::builtin(),
        Some(&tracking),
        &mut errors,
    );
    assert!(errors.is_empty());
    let joined = crate::concurrent::expand(TokenStream::new(), checked).to_string();
    assert!(joined.contains("concurrent_join"), "{joined}");
    assert!(joined.contains("include_bytes"), "{joined}");
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
    super::apply_policy_file(&mut catalogue, &loaded, &mut errors);
    let tracking = crate::policy_file::tracking_item(&loaded.path).expect("a UTF-8 path");
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
    super::apply_policy_file(&mut BlockingCatalogue::builtin(), &loaded, &mut errors);
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
fn a_declaration_without_a_body_points_to_the_implementations() {
    let errors = check(quote! {
        async fn load(&self) -> u32;
    });
    assert_eq!(
        errors,
        [
            "`#[no_blocking]` checks a function body, and this declaration has none: put the \
          attribute on the implementations"
        ]
    );
}

#[test]
fn a_guard_held_across_an_await_points_at_the_await_too() {
    let output = super::expand(
        TokenStream::new(),
        quote! {
            async fn f(state: &std::sync::Mutex<u32>) {
                let guard = state.lock().unwrap();
                tokio::task::yield_now().await;
            }
        },
    )
    .to_string();
    assert_eq!(output.matches("compile_error").count(), 2, "{output}");
    assert!(
        output.contains("`guard` is still held here, across this `.await`"),
        "{output}"
    );
}

#[test]
fn snapshots() {
    crate::snapshots::check("no_blocking", |args, item| {
        crate::snapshots::without_watch(super::expand(args, item))
    });
}
