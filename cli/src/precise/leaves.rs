//! What blocks, on full paths as rustc prints them: the shared catalogue's rows, std's
//! I/O traits on blocking types (never on memory), `Path`'s and `File`'s file-system
//! methods; and the offload contexts whose closures run off the executor.

use async_hygiene_analysis::blocking::{ApiPattern, Shape, BUILTIN};

use super::paths::{type_path, Callee};

const BLOCKS: &str = "blocks the executor thread";
const FS_INSTEAD: &str =
    "use `tokio::fs` with `.await`, or move the work into `tokio::task::spawn_blocking`";
const IO_INSTEAD: &str =
    "use tokio's async counterpart (`tokio::fs::File`, `tokio::net::TcpStream`, \
     `tokio::io::stdin()`) with `AsyncReadExt`/`AsyncWriteExt` and `.await`, or move the \
     work into `tokio::task::spawn_blocking`";

/// A blocking API reached by a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Leaf {
    /// "`std::fs::read_dir`".
    pub(crate) what: String,
    pub(crate) why: String,
    pub(crate) instead: String,
    /// A wait on another thread (`park`, a `Condvar`'s or a `Barrier`'s wait): a leaf in
    /// the user's code only. Inside a dependency it is how a lock or a one-time
    /// initialisation waits for a holder, which the checker does not report for locks
    /// either.
    pub(crate) user_only: bool,
}

impl Leaf {
    fn new(what: String, why: &str, instead: &str) -> Leaf {
        Leaf {
            what,
            why: why.to_owned(),
            instead: instead.to_owned(),
            user_only: false,
        }
    }
}

/// Waits on another thread: see [`Leaf::user_only`].
const WAITS: &[&str] = &[
    "std::thread::park",
    "std::thread::park_timeout",
    "std::sync::Condvar::wait",
    "std::sync::Condvar::wait_while",
    "std::sync::Condvar::wait_timeout",
    "std::sync::Condvar::wait_timeout_ms",
    "std::sync::Condvar::wait_timeout_while",
    "std::sync::Barrier::wait",
];

/// Async runtimes' reactors: their I/O on std types is on non-blocking descriptors
/// (an eventfd waker, a signal pipe), which no type says. The graph does not enter
/// them.
pub(crate) const REACTORS: &[&str] = &[
    "mio",
    "polling",
    "async_io",
    "signal_hook_registry",
    "signal_hook_mio",
];

/// The waits of a lock implemented through `lock_api` (`parking_lot`'s, `spin`'s, `kanal`'s
/// channel lock, which backs off with `std::thread::sleep`): how a lock waits for its
/// holder, like `std::sync::Mutex::lock`, which is not a blocking call either. The
/// graph does not enter them.
const LOCK_WAITS: &[(&str, &[&str])] = &[
    ("RawMutex", &["lock"]),
    ("RawRwLock", &["lock_shared", "lock_exclusive"]),
    ("RawRwLockUpgrade", &["lock_upgradable", "upgrade"]),
    ("RawRwLockRecursive", &["lock_shared_recursive"]),
    ("RawMutexTimed", &["try_lock_for", "try_lock_until"]),
];

/// Whether `callee`, called in the crate `crate_name`, is one of `lock_api`'s
/// [`LOCK_WAITS`]: named `lock_api::RawMutex` outside that crate, `mutex::RawMutex`
/// inside it (its def path, as rustc prints it there).
pub(crate) fn waits_for_a_lock(crate_name: &str, callee: &Callee) -> bool {
    let Callee::Qualified {
        trait_path, method, ..
    } = callee
    else {
        return false;
    };
    let Some((name, module)) = trait_path.split_last() else {
        return false;
    };
    let lock_api = module.first().map_or(crate_name == "lock_api", |first| {
        first == "lock_api" || crate_name == "lock_api"
    });
    lock_api
        && LOCK_WAITS
            .iter()
            .any(|(raw, methods)| raw == name && methods.contains(&method.as_str()))
}

/// Dependency code whose waiting is not the work its callers ask for, by crate and the
/// start and end of a body's name (as rustc prints it, relative to its crate). The graph
/// does not enter it.
///
/// - chrono's local time zone (`Local::now`): a cache, read once per thread and then
///   checked with a stat of `/etc/localtime` at most once a second.
/// - kanal's async handoff: a receive future whose waker changed after a sender took its
///   signal spins, then sleeps in microseconds, for the value already on its way.
const NOT_THE_WORK: &[(&str, &str, &str)] = &[
    ("chrono", "offset::local::inner::", ""),
    ("kanal", "signal::", "::async_blocking_wait"),
];

/// Whether the body named `name` of the crate `krate` is one of [`NOT_THE_WORK`].
pub(crate) fn not_the_work(krate: &str, name: &str) -> bool {
    NOT_THE_WORK.iter().any(|(waiting, start, end)| {
        *waiting == krate && name.starts_with(start) && name.ends_with(end)
    })
}

/// File-system methods of std types: they stat, open or list on every call.
const FS_METHODS: &[&str] = &[
    "std::path::Path::exists",
    "std::path::Path::try_exists",
    "std::path::Path::is_file",
    "std::path::Path::is_dir",
    "std::path::Path::is_symlink",
    "std::path::Path::metadata",
    "std::path::Path::symlink_metadata",
    "std::path::Path::canonicalize",
    "std::path::Path::read_link",
    "std::path::Path::read_dir",
    "std::fs::DirEntry::metadata",
    "std::fs::File::sync_all",
    "std::fs::File::sync_data",
    "std::fs::File::set_len",
    "std::fs::File::metadata",
    "std::fs::File::set_permissions",
    "std::fs::OpenOptions::open",
];

/// Types whose `Read`/`Write`/`BufRead` methods wait for the OS.
const BLOCKING_IO: &[&str] = &[
    "std::fs::File",
    "std::net::TcpStream",
    "std::os::unix::net::UnixStream",
    "std::io::Stdin",
    "std::io::StdinLock",
    "std::process::ChildStdin",
    "std::process::ChildStdout",
    "std::process::ChildStderr",
];

/// Readers and writers whose I/O is that of the readers or writers they are made of (their
/// type arguments: `Chain` has two).
const IO_WRAPPERS: &[&str] = &[
    "std::io::BufReader",
    "std::io::BufWriter",
    "std::io::LineWriter",
    "std::io::Take",
    "std::io::Chain",
];

/// std's iterators over a reader, made by `Read::bytes`, `BufRead::lines`/`split` and
/// `Stdin::lines`: each `next` reads from the reader (the first type argument).
const IO_ITERATORS: &[&str] = &["std::io::Bytes", "std::io::Lines", "std::io::Split"];

const IO_TRAITS: &[&str] = &["std::io::Read", "std::io::Write", "std::io::BufRead"];

/// The I/O traits' methods that only wrap or borrow the reader or writer: they return an
/// adapter (`Bytes`, `Take`, `Chain`, `Lines`, `Split`, `&mut Self`) and read nothing
/// until it is read or iterated, where the I/O is a leaf of its own.
const LAZY_IO_METHODS: &[&str] = &["bytes", "chain", "take", "by_ref", "lines", "split"];

/// Whether I/O on `ty` waits for the OS: a file, a socket, stdin, a child's pipe, or a
/// buffer, a `take` or a `chain` around one. `&[u8]`, `Vec<u8>`, `Cursor` and type
/// parameters never.
pub(crate) fn blocking_io_type(ty: &str) -> bool {
    let Some((path, args)) = type_path(ty) else {
        return false;
    };
    let path = path.join("::");
    if BLOCKING_IO.contains(&path.as_str()) {
        return true;
    }
    IO_WRAPPERS.contains(&path.as_str()) && args.iter().any(|inner| blocking_io_type(inner))
}

/// Whether iterating `ty` waits for the OS, with what to do instead: a directory
/// listing, an iterator over a blocking reader (`Bytes<File>`, `Lines<BufReader<File>>`),
/// or std's lazy adapters around one (`Map<Bytes<File>, _>`; `Chain` and `Zip` iterate
/// both, `FlatMap` its inner iterators too, so every type argument counts).
fn blocking_iterator(ty: &str) -> Option<&'static str> {
    let (path, args) = type_path(ty)?;
    let path = in_std(&path.join("::"));
    if path == "std::fs::ReadDir" {
        return Some(FS_INSTEAD);
    }
    if IO_ITERATORS.contains(&path.as_str()) {
        return args
            .first()
            .is_some_and(|inner| blocking_io_type(inner))
            .then_some(IO_INSTEAD);
    }
    if !ADAPTERS.contains(&path.as_str()) {
        return None;
    }
    args.iter().find_map(|inner| blocking_iterator(inner))
}

/// Iterator methods that call `next` (the lazy adapters do not).
pub(crate) const CONSUMING: &[&str] = &[
    "next",
    "count",
    "last",
    "nth",
    "for_each",
    "try_for_each",
    "collect",
    "sum",
    "product",
    "fold",
    "try_fold",
    "reduce",
    "all",
    "any",
    "find",
    "find_map",
    "position",
    "max",
    "min",
    "max_by",
    "min_by",
    "max_by_key",
    "min_by_key",
    "partition",
    "unzip",
    "cmp",
    "eq",
];

/// std's lazy iterator adapters: iterating one iterates its first type argument.
pub(crate) const ADAPTERS: &[&str] = &[
    "std::iter::Map",
    "std::iter::Filter",
    "std::iter::FilterMap",
    "std::iter::Take",
    "std::iter::Skip",
    "std::iter::TakeWhile",
    "std::iter::SkipWhile",
    "std::iter::Enumerate",
    "std::iter::Peekable",
    "std::iter::Fuse",
    "std::iter::Inspect",
    "std::iter::StepBy",
    "std::iter::Flatten",
    "std::iter::FlatMap",
    "std::iter::MapWhile",
    "std::iter::Chain",
    "std::iter::Zip",
];

/// Where rustc's def paths differ from the public paths the catalogue names: an item
/// defined in a private module and re-exported at the crate's root.
const DEF_PATHS: &[(&str, &str)] = &[("crossbeam_channel::channel::", "crossbeam_channel::")];

/// The crates the catalogue names calls of (`kanal` for `kanal::Receiver::recv`):
/// inside one of them, rustc prints its own paths without the crate's name
/// (`Receiver::<T>::recv` in kanal's `Iterator::next`).
fn catalogued_crates() -> &'static std::collections::HashSet<&'static str> {
    static CRATES: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    CRATES.get_or_init(|| {
        let first = |path: &'static str| path.split("::").next().unwrap_or(path);
        BUILTIN
            .iter()
            .flat_map(|row| match row.pattern {
                ApiPattern::Path { canonical, .. } => vec![first(canonical)],
                ApiPattern::Module { prefix, .. } => vec![first(prefix)],
                ApiPattern::Method { owners, .. } => {
                    owners.iter().map(|owner| first(owner)).collect()
                }
            })
            .filter(|name| !["std", "core", "alloc"].contains(name))
            .collect()
    })
}

/// `callee` as the catalogue names it, when it is a path of the crate `krate` printed
/// inside that crate, and that crate is one the catalogue names calls of.
pub(crate) fn in_crate(krate: &str, callee: &Callee) -> Option<Callee> {
    let Callee::Path(segments) = callee else {
        return None;
    };
    let first = segments.first()?;
    if first == krate || !catalogued_crates().contains(krate) {
        return None;
    }
    let mut qualified = Vec::with_capacity(segments.len() + 1);
    qualified.push(krate.to_owned());
    qualified.extend(segments.iter().cloned());
    Some(Callee::Path(qualified))
}

/// The leaf a call reaches, if its callee blocks.
pub(crate) fn leaf(callee: &Callee, printed: &str, args: &str) -> Option<Leaf> {
    match callee {
        Callee::Path(segments) => {
            let mut path = segments.join("::");
            if let Some((rest, public)) = DEF_PATHS
                .iter()
                .find_map(|(def, public)| Some((path.strip_prefix(def)?, public)))
            {
                path = format!("{public}{rest}");
            }
            // `stdin().lines()` locks stdin and reads nothing: the lines are read as the
            // iterator is (`<Lines<StdinLock> as Iterator>::next`).
            if binds_an_address(&path, printed, args) || path == "std::io::Stdin::lines" {
                return None;
            }
            for row in BUILTIN {
                let hit = match row.pattern {
                    ApiPattern::Path { canonical, .. } => path == canonical,
                    ApiPattern::Module { prefix, .. } => path
                        .strip_prefix(prefix)
                        .is_some_and(|rest| rest.starts_with("::")),
                    ApiPattern::Method {
                        name,
                        owners,
                        shape,
                        ..
                    } => {
                        !matches!(shape, Shape::GuardAcrossAwait)
                            && !["iter", "into_iter"].contains(&name)
                            && owners.iter().any(|owner| {
                                path.strip_prefix(owner)
                                    .and_then(|rest| rest.strip_prefix("::"))
                                    == Some(name)
                            })
                    }
                };
                if hit {
                    // A method row's text describes the call's syntax; here the path is
                    // the compiler's.
                    let what = match row.pattern {
                        ApiPattern::Method { .. } => format!("`{path}`"),
                        _ => row.what.to_owned(),
                    };
                    let mut leaf = Leaf::new(what, row.why, row.instead);
                    leaf.user_only = WAITS.contains(&path.as_str());
                    return Some(leaf);
                }
            }
            FS_METHODS
                .contains(&path.as_str())
                .then(|| Leaf::new(format!("`{path}`"), BLOCKS, FS_INSTEAD))
        }
        Callee::Qualified {
            self_ty,
            trait_path,
            method,
        } => {
            let trait_path = in_std(&trait_path.join("::"));
            let shown = format!("`<{self_ty} as {trait_path}>::{method}`");
            if IO_TRAITS.contains(&trait_path.as_str())
                && blocking_io_type(self_ty)
                && !LAZY_IO_METHODS.contains(&method.as_str())
            {
                return Some(Leaf::new(shown, BLOCKS, IO_INSTEAD));
            }
            if trait_path == "std::iter::Iterator" && CONSUMING.contains(&method.as_str()) {
                if let Some(instead) = blocking_iterator(self_ty) {
                    return Some(Leaf::new(shown, BLOCKS, instead));
                }
            }
            if trait_path == "std::net::ToSocketAddrs" && method == "to_socket_addrs" {
                return (!is_address(self_ty)).then(|| {
                    Leaf::new(
                        shown,
                        "resolves names with blocking DNS on the executor thread",
                        "use `tokio::net::lookup_host(..).await`",
                    )
                });
            }
            BUILTIN.iter().find_map(|row| match row.pattern {
                ApiPattern::Method { name, owners, .. }
                    if name == method && owners.contains(&trait_path.as_str()) =>
                {
                    Some(Leaf::new(row.what.to_owned(), row.why, row.instead))
                }
                _ => None,
            })
        }
    }
}

/// A path of `core` or `alloc` as `std` re-exports it: a crate that may build without
/// `std` names `core::iter::Iterator`, and so do the instances of its generic code.
fn in_std(path: &str) -> String {
    match path
        .strip_prefix("core::")
        .or_else(|| path.strip_prefix("alloc::"))
    {
        Some(rest) => format!("std::{rest}"),
        None => path.to_owned(),
    }
}

/// An address, not a name: resolving it looks nothing up.
fn is_address(ty: &str) -> bool {
    let ty = ty.trim_start_matches('&');
    [
        "std::net::SocketAddr",
        "std::net::SocketAddrV4",
        "std::net::SocketAddrV6",
        "(std::net::IpAddr, u16)",
        "(std::net::Ipv4Addr, u16)",
        "(std::net::Ipv6Addr, u16)",
        "[std::net::SocketAddr]",
    ]
    .contains(&ty)
}

/// `TcpListener::bind` of a `SocketAddr` (its type argument as printed,
/// `std::net::TcpListener::bind::<std::net::SocketAddr>`, or in its arguments), or of a
/// literal address: a bind waits for no peer and resolves no name.
fn binds_an_address(path: &str, printed: &str, args: &str) -> bool {
    if !matches!(
        path,
        "std::net::TcpListener::bind" | "std::net::UdpSocket::bind"
    ) {
        return false;
    }
    let literal = args
        .split("const \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .is_some_and(|text| text.parse::<std::net::SocketAddr>().is_ok());
    let typed = printed
        .rsplit_once("::<")
        .and_then(|(_, generic)| generic.strip_suffix('>'))
        .is_some_and(is_address);
    literal || typed || args.contains("std::net::SocketAddr")
}

/// Calls whose closure runs off the executor, by the path rustc prints outside the crate
/// that defines them, or by the crate and the fn's name inside it.
pub(crate) fn offloads(crate_name: &str, callee: &Callee) -> bool {
    const STD: &[&str] = &[
        "std::thread::spawn",
        "std::thread::scope",
        "std::thread::Builder::spawn",
        "std::thread::Builder::spawn_scoped",
        "std::thread::Scope::spawn",
        "tokio::task::spawn_blocking",
        "tokio::task::block_in_place",
        "tokio::runtime::Handle::spawn_blocking",
        "rayon::spawn",
        "rayon::spawn_fifo",
        "rayon::scope",
        "rayon::scope_fifo",
        "rayon::join",
        "blocking::unblock",
        "async_std::task::spawn_blocking",
    ];
    const NAMES: &[&str] = &[
        "spawn_blocking",
        "block_in_place",
        "spawn_mandatory_blocking",
    ];
    match callee {
        Callee::Path(segments) => {
            let path = segments.join("::");
            STD.contains(&path.as_str())
                || segments
                    .first()
                    .is_some_and(|first| first.starts_with("rayon"))
                || (matches!(
                    crate_name,
                    "tokio" | "async_std" | "blocking" | "rayon_core"
                ) && segments
                    .last()
                    .is_some_and(|last| NAMES.contains(&last.as_str())))
        }
        Callee::Qualified { trait_path, .. } => trait_path
            .first()
            .is_some_and(|first| first.starts_with("rayon")),
    }
}

#[cfg(test)]
mod tests {
    use super::{leaf, Callee};

    fn leaf_of(callee: &str) -> Option<String> {
        leaf(&Callee::parse(callee).unwrap(), callee, "").map(|leaf| leaf.what)
    }

    /// A `lock_api` lock's wait is how a lock waits, wherever its raw lock backs off
    /// (kanal's sleeps): named from outside `lock_api` or inside it, never a look-alike.
    #[test]
    fn a_lock_api_raw_locks_wait_is_not_entered() {
        use super::waits_for_a_lock;
        let qualified = |text: &str| Callee::parse(text).unwrap();
        assert!(waits_for_a_lock(
            "lock_api",
            &qualified("<R as mutex::RawMutex>::lock")
        ));
        assert!(waits_for_a_lock(
            "kanal",
            &qualified("<mutex::RawMutexLock as lock_api::RawMutex>::lock")
        ));
        assert!(waits_for_a_lock(
            "lock_api",
            &qualified("<R as rwlock::RawRwLock>::lock_exclusive")
        ));
        // Another crate's trait of the same name, and a method that does not wait.
        assert!(!waits_for_a_lock(
            "app",
            &qualified("<app::Lock as mutex::RawMutex>::lock")
        ));
        assert!(!waits_for_a_lock(
            "lock_api",
            &qualified("<R as mutex::RawMutex>::unlock")
        ));
    }

    /// Inside a crate the catalogue names calls of, its own paths are printed without
    /// its name (kanal's `Iterator::next` calls `Receiver::<T>::recv`): read with it.
    #[test]
    fn a_catalogued_crates_own_call_is_named_with_the_crate() {
        use super::in_crate;
        let recv = Callee::parse("Receiver::<T>::recv").unwrap();
        let qualified = in_crate("kanal", &recv).expect("kanal is catalogued");
        assert_eq!(
            leaf(&qualified, "Receiver::<T>::recv", "copy _1").map(|leaf| leaf.what),
            Some("`kanal::Receiver::recv`".to_owned())
        );
        // A crate the catalogue does not name, and a path already named with its crate.
        assert!(in_crate("app", &recv).is_none());
        let named = Callee::parse("kanal::Receiver::<T>::recv").unwrap();
        assert!(in_crate("kanal", &named).is_none());
    }

    /// A bind of an address resolves no name and waits for no peer: its type argument
    /// says so (tonic's `TcpIncoming::bind(addr: SocketAddr)`), or a literal does.
    #[test]
    fn a_bind_of_an_address_is_not_a_leaf_a_bind_of_a_name_is() {
        let bind = |printed: &str, args: &str| {
            leaf(&Callee::parse(printed).unwrap(), printed, args).map(|leaf| leaf.what)
        };
        assert_eq!(
            bind(
                "std::net::TcpListener::bind::<std::net::SocketAddr>",
                "copy _1"
            ),
            None
        );
        assert_eq!(
            bind(
                "std::net::UdpSocket::bind::<&std::net::SocketAddr>",
                "copy _1"
            ),
            None
        );
        assert_eq!(
            bind(
                "std::net::TcpListener::bind::<&str>",
                "const \"127.0.0.1:0\""
            ),
            None
        );
        assert!(bind("std::net::TcpListener::bind::<&str>", "copy _1").is_some());
        assert!(bind(
            "std::net::TcpListener::bind::<std::string::String>",
            "move _2"
        )
        .is_some());
    }

    /// The forms rustc prints for std's I/O adapters: made lazily, read where they are
    /// read or iterated, and only over a blocking reader.
    #[test]
    fn io_adapters_block_where_they_are_read() {
        for lazy in [
            "<std::fs::File as std::io::Read>::bytes",
            "<std::fs::File as std::io::Read>::take",
            "<std::fs::File as std::io::Read>::chain::<&[u8]>",
            "<std::fs::File as std::io::Read>::by_ref",
            "<std::fs::File as std::io::Write>::by_ref",
            "<std::io::BufReader<std::fs::File> as std::io::BufRead>::lines",
            "<std::io::BufReader<std::fs::File> as std::io::BufRead>::split",
            "<std::io::Bytes<std::fs::File> as std::iter::Iterator>::map::<bool, {closure@src/lib.rs:7:70: 7:73}>",
            "<std::io::Split<std::io::BufReader<std::fs::File>> as std::iter::IntoIterator>::into_iter",
            "std::io::Stdin::lines",
        ] {
            assert_eq!(leaf_of(lazy), None, "{lazy}");
        }
        for reads in [
            "<std::io::Bytes<std::fs::File> as std::iter::Iterator>::next",
            "<std::io::Bytes<std::fs::File> as core::iter::Iterator>::next",
            "<std::io::Take<std::fs::File> as std::io::Read>::read",
            "<std::io::Take<&mut std::fs::File> as std::io::Read>::read_to_end",
            "<std::io::Chain<&[u8], std::fs::File> as std::io::Read>::read_to_string",
            "<std::io::Lines<std::io::BufReader<std::fs::File>> as std::iter::Iterator>::next",
            "<std::io::Lines<std::io::StdinLock<'_>> as std::iter::Iterator>::count",
            "<std::io::Split<std::io::BufReader<std::net::TcpStream>> as std::iter::Iterator>::next",
            "<std::iter::Map<std::io::Bytes<std::fs::File>, {closure@src/lib.rs:7:70: 7:73}> as std::iter::Iterator>::count",
            "<std::iter::Chain<std::vec::IntoIter<u8>, std::iter::FilterMap<std::io::Bytes<std::fs::File>, fn(u8) -> u8 {f}>> as std::iter::Iterator>::sum::<u8>",
            "<std::iter::Map<std::fs::ReadDir, {closure@src/lib.rs:3:9: 3:12}> as std::iter::Iterator>::count",
        ] {
            assert!(leaf_of(reads).is_some(), "{reads}");
        }
        for memory in [
            "<std::io::Bytes<&[u8]> as std::iter::Iterator>::count",
            "<std::io::Take<&[u8]> as std::io::Read>::read",
            "<std::io::Chain<&[u8], std::io::Cursor<std::vec::Vec<u8>>> as std::io::Read>::read_to_string",
            "<std::io::Lines<std::io::Cursor<std::vec::Vec<u8>>> as std::iter::Iterator>::count",
            "<std::io::Split<&[u8]> as std::iter::Iterator>::next",
            "<std::iter::Map<std::io::Bytes<std::vec::Vec<u8>>, {closure@src/lib.rs:7:70: 7:73}> as std::iter::Iterator>::count",
            "<std::io::Bytes<R> as core::iter::Iterator>::next",
        ] {
            assert_eq!(leaf_of(memory), None, "{memory}");
        }
        // The leaf says what the caller iterates, and how to read it instead.
        let iterated = leaf(
            &Callee::parse(
                "<std::io::Lines<std::io::BufReader<std::fs::File>> as std::iter::Iterator>::next",
            )
            .unwrap(),
            "<std::io::Lines<std::io::BufReader<std::fs::File>> as std::iter::Iterator>::next",
            "",
        )
        .unwrap();
        assert!(iterated.instead.contains("tokio::fs::File"), "{iterated:?}");
    }

    #[test]
    fn a_receiver_defined_in_a_private_module_is_the_catalogues() {
        // notify's `INotifyWatcher::watch` waits for its event loop's reply so.
        assert_eq!(
            leaf_of("crossbeam_channel::channel::Receiver::<std::result::Result<(), notify::Error>>::recv")
                .as_deref(),
            Some("`crossbeam_channel::Receiver::recv`")
        );
        assert_eq!(
            leaf_of("crossbeam_channel::channel::Receiver::<u8>::try_recv"),
            None
        );
        assert_eq!(
            leaf_of("crossbeam_channel::channel::Sender::<u8>::send"),
            None
        );
    }
}
