//! What blocks, on full paths as rustc prints them: the shared catalogue's rows, std's
//! I/O traits on blocking types (never on memory), `Path`'s and `File`'s file-system
//! methods; and the offload contexts whose closures run off the executor.

use async_hygiene_analysis::blocking::{ApiPattern, Shape, BUILTIN};

use super::paths::{type_path, Callee};

const BLOCKS: &str = "blocks the executor thread";
const FS_INSTEAD: &str =
    "use `tokio::fs` with `.await`, or move the work into `tokio::task::spawn_blocking`";

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

/// Wrappers whose I/O is their inner reader's or writer's (the first type argument).
const IO_WRAPPERS: &[&str] = &[
    "std::io::BufReader",
    "std::io::BufWriter",
    "std::io::LineWriter",
    "std::io::Take",
    "std::io::Bytes",
];

const IO_TRAITS: &[&str] = &["std::io::Read", "std::io::Write", "std::io::BufRead"];

/// Whether I/O on `ty` waits for the OS: a file, a socket, stdin, a child's pipe, or a
/// buffer around one. `&[u8]`, `Vec<u8>`, `Cursor` and type parameters never.
pub(crate) fn blocking_io_type(ty: &str) -> bool {
    let Some((path, args)) = type_path(ty) else {
        return false;
    };
    let path = path.join("::");
    if BLOCKING_IO.contains(&path.as_str()) {
        return true;
    }
    IO_WRAPPERS.contains(&path.as_str())
        && args.first().is_some_and(|inner| blocking_io_type(inner))
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

/// The leaf a call reaches, if its callee blocks.
pub(crate) fn leaf(callee: &Callee, args: &str) -> Option<Leaf> {
    match callee {
        Callee::Path(segments) => {
            let mut path = segments.join("::");
            if let Some((rest, public)) = DEF_PATHS
                .iter()
                .find_map(|(def, public)| Some((path.strip_prefix(def)?, public)))
            {
                path = format!("{public}{rest}");
            }
            if binds_an_address(&path, args) {
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
            let trait_path = trait_path.join("::");
            let shown = format!("`<{self_ty} as {trait_path}>::{method}`");
            if IO_TRAITS.contains(&trait_path.as_str()) && blocking_io_type(self_ty) {
                return Some(Leaf::new(
                    shown,
                    BLOCKS,
                    "use tokio's async counterpart (`tokio::fs::File`, `tokio::net::TcpStream`, \
                     `tokio::io::stdin()`) with `AsyncReadExt`/`AsyncWriteExt` and `.await`, \
                     or move the work into `tokio::task::spawn_blocking`",
                ));
            }
            if trait_path == "std::iter::Iterator"
                && CONSUMING.contains(&method.as_str())
                && type_path(self_ty).is_some_and(|(path, _)| path.join("::") == "std::fs::ReadDir")
            {
                return Some(Leaf::new(shown, BLOCKS, FS_INSTEAD));
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

/// `TcpListener::bind` of a `SocketAddr`, or of a literal address: a bind waits for no
/// peer and resolves no name.
fn binds_an_address(path: &str, args: &str) -> bool {
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
    literal || args.contains("std::net::SocketAddr")
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
        leaf(&Callee::parse(callee).unwrap(), "").map(|leaf| leaf.what)
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
