use super::{detached_spawns, unbounded_spawns};
use crate::blocking::Imports;

/// The messages of both rules on the first fn of `file`, with the file's imports.
fn check(file: &str) -> (Vec<String>, Vec<String>) {
    let file: syn::File = syn::parse_str(file).unwrap();
    let imports = Imports::module(&file.items);
    let (sig, block) = file
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Fn(function) => Some((&function.sig, &*function.block)),
            syn::Item::Impl(item) => item.items.iter().find_map(|item| match item {
                syn::ImplItem::Fn(function) => Some((&function.sig, &function.block)),
                _ => None,
            }),
            _ => None,
        })
        .unwrap();
    let bounded = |name: &str| name == "bounded_fetch";
    let unbounded = unbounded_spawns(sig, block, &imports, &bounded);
    let detached = detached_spawns(sig, block, &imports);
    (
        unbounded.into_iter().map(|f| f.message).collect(),
        detached.into_iter().map(|f| f.message).collect(),
    )
}

fn unbounded(file: &str) -> usize {
    check(file).0.len()
}

fn detached(file: &str) -> usize {
    check(file).1.len()
}

#[test]
fn a_spawn_is_tokios_only_when_the_crate_names_it() {
    // Full path, `use`, renamed module.
    assert_eq!(detached("async fn f() { tokio::spawn(g()); }"), 1);
    assert_eq!(
        detached("use tokio::spawn; async fn f() { spawn(g()); }"),
        1
    );
    assert_eq!(
        detached("use tokio::task as t; async fn f() { t::spawn_local(g()); }"),
        1
    );
    // A bare name nothing imports, another crate's, a parameter, a method.
    assert_eq!(detached("async fn f() { spawn(g()); }"), 0);
    assert_eq!(
        detached("use async_std::task::spawn; async fn f() { spawn(g()); }"),
        0
    );
    assert_eq!(
        detached("use tokio::spawn; async fn f(spawn: F) { spawn(g()); }"),
        0
    );
    assert_eq!(detached("async fn f(pool: Pool) { pool.spawn(g()); }"), 0);
    assert_eq!(detached("async fn f() { std::thread::spawn(|| ()); }"), 0);
}

#[test]
fn a_handle_dropped_at_once_is_detached_and_a_kept_one_is_not() {
    let (_, messages) = check("async fn f() { tokio::spawn(g()); }");
    assert_eq!(
        messages,
        [
            "the `JoinHandle` of `tokio::spawn` is dropped at once: a panic in the task goes \
             unnoticed, and nothing here can wait for the task or stop it"
        ]
    );
    assert_eq!(detached("async fn f() { let _ = tokio::spawn(g()); }"), 1);
    assert_eq!(detached("async fn f() { drop(tokio::spawn(g())); }"), 1);
    assert_eq!(
        detached("async fn f() { std::mem::drop(tokio::spawn(g())); }"),
        1
    );
    assert_eq!(detached("fn f() { let c = || { tokio::spawn(g()); }; }"), 1);
    for kept in [
        "async fn f() { let _h = tokio::spawn(g()); }",
        "async fn f() { let h = tokio::spawn(g()); h.abort(); }",
        "async fn f() { tokio::spawn(g()).await.unwrap(); }",
        "fn f() -> JoinHandle<()> { tokio::spawn(g()) }",
        "fn f(v: &mut Vec<JoinHandle<()>>) { v.push(tokio::spawn(g())); }",
        "fn f() { let c = || tokio::spawn(g()); }",
        // A `drop` of the crate's own is not std's.
        "fn drop<T>(_: T) {} fn f() { let _keep = 1; }",
    ] {
        assert_eq!(detached(kept), 0, "{kept}");
    }
    assert_eq!(
        detached("use x::drop; async fn f() { drop(tokio::spawn(g())); }"),
        0
    );
}

#[test]
fn fan_out_over_the_input_is_reported() {
    let (messages, _) = check(
        "async fn f(urls: Vec<String>) { for url in urls { let _h = tokio::spawn(get(url)); } }",
    );
    assert_eq!(
        messages,
        [
            "`tokio::spawn` in a loop over `urls` starts a task per item, with nothing that caps \
          how many run at once"
        ]
    );
    for reported in [
        "use tokio::task::JoinSet; async fn f(xs: Vec<u8>) { let mut set = JoinSet::new(); for x in xs { set.spawn(g(x)); } }",
        "use tokio::task::JoinSet; async fn f(set: &mut JoinSet<()>, xs: &[u8]) { for x in xs.iter() { set.spawn(g(*x)); } }",
        "use futures::stream::FuturesUnordered; async fn f(xs: Vec<u8>) { let mut all: FuturesUnordered<_> = FuturesUnordered::new(); for x in xs { all.push(g(x)); } }",
        "async fn f(xs: Vec<u8>) -> Vec<JoinHandle<()>> { xs.into_iter().map(|x| tokio::spawn(g(x))).collect() }",
        "use futures::future::join_all; async fn f(xs: &[u8]) { join_all(xs.iter().map(|x| g(*x))).await; }",
        "async fn f(xs: &[u8]) { futures::future::try_join_all(xs.iter().map(|x| g(*x))).await; }",
        "use futures::future::join_all; async fn f(xs: &[u8]) { let all = xs.iter().map(g); join_all(all).await; }",
        "use futures::stream::FuturesUnordered; async fn f(xs: Vec<u8>) { let all = FuturesUnordered::from_iter(xs.into_iter().map(g)); }",
        "use futures::stream::FuturesUnordered; async fn f(xs: Vec<u8>) { let all: FuturesUnordered<_> = xs.into_iter().map(g).collect(); }",
        "async fn f(s: S) { s.for_each_concurrent(None, |x| g(x)).await; }",
        "async fn f(s: S) { s.buffer_unordered(usize::MAX).collect::<Vec<_>>().await; }",
        "async fn f(xs: Vec<u8>) { for i in 0..xs.len() { let _h = tokio::spawn(g(xs[i])); } }",
        // A test for emptiness is no cap.
        "async fn f(xs: Vec<u8>) { if xs.len() > 0 { for x in xs { let _h = tokio::spawn(g(x)); } } }",
        // A loop over a fixed count around a loop over the input, and the other way.
        "async fn f(xs: Vec<u8>) { for _ in 0..2 { for x in &xs { let _h = tokio::spawn(g(*x)); } } }",
        "async fn f(xs: Vec<u8>) { for x in &xs { for _ in 0..2 { let _h = tokio::spawn(g(*x)); } } }",
    ] {
        assert_eq!(unbounded(reported), 1, "{reported}");
    }
}

#[test]
fn capped_fixed_and_arriving_fan_out_is_not_reported() {
    for quiet in [
        // A permit before the spawn, a set drained at a size or as it goes.
        "async fn f(xs: Vec<u8>, sem: Arc<Semaphore>) { for x in xs { let p = sem.clone().acquire_owned().await; let _h = tokio::spawn(g(x, p)); } }",
        "async fn f(xs: Vec<u8>) { for x in xs { let _p = LIMIT.acquire().await; let _h = tokio::spawn(g(x)); } }",
        "use tokio::task::JoinSet; async fn f(xs: Vec<u8>) { let mut set = JoinSet::new(); for x in xs { if set.len() >= 8 { set.join_next().await; } set.spawn(g(x)); } }",
        "use tokio::task::JoinSet; async fn f(xs: Vec<u8>) { let mut set = JoinSet::new(); for x in xs { set.spawn(g(x)); tokio::select! { _ = set.join_next() => {} } } }",
        // A handle awaited in the same iteration.
        "async fn f(xs: Vec<u8>) { for x in xs { tokio::spawn(g(x)).await.unwrap(); } }",
        "async fn f(xs: Vec<u8>) { for x in xs { let h = tokio::spawn(g(x)); h.await.unwrap(); } }",
        // Fixed counts.
        "async fn f() { for i in 0..4 { let _h = tokio::spawn(g(i)); } }",
        "async fn f() { for x in [1, 2] { let _h = tokio::spawn(g(x)); } }",
        "async fn f() { let xs = vec![1, 2]; for x in xs { let _h = tokio::spawn(g(x)); } }",
        "use futures::future::join_all; async fn f() { join_all([g(1), g(2)]).await; }",
        "use futures::future::join_all; async fn f() { join_all((0..4).map(g)).await; }",
        // Capped sources and sizes.
        "async fn f(xs: Vec<u8>) { for x in xs.iter().take(8) { let _h = tokio::spawn(g(*x)); } }",
        "use futures::future::join_all; async fn f(xs: Vec<u8>) { for chunk in xs.chunks(8) { join_all(chunk.iter().map(|x| g(*x))).await; } }",
        "use futures::future::join_all; async fn f(mut xs: Vec<u8>) { xs.truncate(8); join_all(xs.iter().map(|x| g(*x))).await; }",
        "use futures::future::join_all; async fn f(xs: Vec<u8>) { if xs.len() > MAX { return; } join_all(xs.iter().map(|x| g(*x))).await; }",
        "use futures::future::join_all; async fn f(xs: Vec<(u8, u8)>) { let (a, _b): (Vec<u8>, Vec<u8>) = xs.into_iter().take(10).unzip(); join_all(a.into_iter().map(g)).await; }",
        "async fn f(mut q: Q) { let mut xs = Vec::new(); while !q.is_empty() && xs.len() < n { xs.push(q.pop()); } for x in xs { let _h = tokio::spawn(g(x)); } }",
        "async fn f(s: S) { s.for_each_concurrent(Some(8), |x| g(x)).await; s.buffer_unordered(8); }",
        // Accept loops: the input arrives over time.
        "async fn f(l: TcpListener) { loop { let (s, _) = l.accept().await.unwrap(); let _h = tokio::spawn(g(s)); } }",
        "async fn f(mut rx: Receiver<u8>) { while let Some(x) = rx.recv().await { let _h = tokio::spawn(g(x)); } }",
        "fn f(l: std::net::TcpListener) { for s in l.incoming() { let _h = tokio::spawn(g(s)); } }",
        // The value's own parts, and a server per listener.
        "impl C { async fn f(&self) { for level in self.levels.iter() { let _h = tokio::spawn(put(level.clone())); } } }",
        "async fn f(addrs: Vec<Addr>) { for addr in addrs { let _h = tokio::spawn(bind(addr).serve(app())); } }",
        "async fn f(servers: Vec<Server>) { for s in servers { let _h = tokio::spawn(async move { s.run().await }); } }",
        // A `#[bounded]` callee.
        "async fn f(xs: Vec<u8>) { for x in xs { let _h = tokio::spawn(bounded_fetch(x)); } }",
        // Not a visible set, not tokio's, not made per item.
        "async fn f(xs: Vec<u8>, v: &mut Vec<u8>) { for x in xs { v.push(x); } }",
        "async fn f(xs: Vec<u8>, pool: Pool) { for x in xs { pool.spawn(g(x)); } }",
        "async fn f(xs: Vec<u8>) { for x in xs { spawn(g(x)); } }",
        "use futures::future::join_all; async fn f(hs: Vec<JoinHandle<()>>) { join_all(hs).await; }",
        "use futures::future::join_all; async fn f(fs: I) { join_all(fs.map(|f| f.boxed())).await; }",
        // A spawn in an `async` block or a closure is not the loop's.
        "async fn f(xs: Vec<u8>) { for x in xs { let c = move || tokio::spawn(g(x)); } }",
    ] {
        assert_eq!(unbounded(quiet), 0, "{quiet}");
    }
}

#[test]
fn the_compilers_resolution_wins_over_names() {
    use super::{detached_spawns_resolved, unbounded_spawns_resolved, Resolved};
    use crate::findings::Location;
    let file: syn::File = syn::parse_str(
        "async fn f(items: Vec<u32>) {\n\
         \x20   for item in items {\n\
         \x20       go(work(item));\n\
         \x20       tokio::spawn(work(item));\n\
         \x20       self.tasks.spawn(work(item));\n\
         \x20       self.handle.spawn(work(item));\n\
         \x20   }\n\
         }",
    )
    .unwrap();
    let syn::Item::Fn(function) = &file.items[0] else {
        unreachable!()
    };
    let imports = Imports::module(&file.items);
    // The compiler's word on each line's call: a re-exported spawn, a namesake, a
    // `JoinSet` in a field, `Handle::spawn`.
    let resolve = |location: &Location| {
        let start = location.first.start();
        match (start.line, start.column) {
            (3 | 6, 8) => Some(Resolved::Spawn),
            (5, 8) => Some(Resolved::JoinSet),
            // Line 4's `tokio::spawn` is the namesake; `work` is no spawn either.
            _ => Some(Resolved::Other),
        }
    };
    let bounded = |_: &str| false;
    let unbounded: Vec<String> =
        unbounded_spawns_resolved(&function.sig, &function.block, &imports, &bounded, &resolve)
            .into_iter()
            .map(|finding| finding.message)
            .collect();
    let starts: Vec<&str> = unbounded
        .iter()
        .map(|message| message.split(" in ").next().unwrap())
        .collect();
    assert_eq!(
        starts,
        ["`go`", "`self.tasks.spawn`", "`self.handle.spawn`"],
        "{unbounded:#?}"
    );
    let detached: Vec<String> =
        detached_spawns_resolved(&function.sig, &function.block, &imports, &resolve)
            .into_iter()
            .map(|finding| finding.message)
            .collect();
    assert_eq!(detached.len(), 2, "{detached:#?}");
    assert!(detached[0].contains("`go`") && detached[1].contains("`self.handle.spawn`"));
    // Without the compiler's word, only the name tokio's is a spawn.
    assert_eq!(
        unbounded_spawns(&function.sig, &function.block, &imports, &bounded).len(),
        1
    );
}
