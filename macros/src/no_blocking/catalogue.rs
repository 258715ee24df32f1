//! The blocking-API table: which calls block an executor thread, why, and what to use
//! instead (the facts are in `REFERENCE.md` §A). A crate extends it with `deny` rules and
//! shrinks it with `allow` rules, per attribute or in `async-hygiene.toml`.

use std::fmt;

/// How a catalogue entry recognises a call. A macro sees tokens, not types, so every
/// pattern is about the path as written or the shape of the call.
#[derive(Clone, Debug)]
pub(super) enum Pattern {
    /// A call of a function or associated function: `std::fs::read(..)`. Written paths
    /// match when they end the canonical path and have at least `min_written` segments
    /// (`fs::read` yes, a bare `read` no, `tokio::fs::read` never).
    Path {
        canonical: Vec<String>,
        min_written: usize,
    },
    /// A call of anything under a module: `ureq::get(..)`, `reqwest::blocking::Client::new()`.
    /// A shortened path (`blocking::get`, after a `use reqwest::blocking` the item cannot
    /// see) matches only when its next segment is one of `items`: a user's own module
    /// named `blocking` is not reqwest's.
    Module {
        prefix: Vec<String>,
        min_written: usize,
        items: &'static [&'static str],
    },
    /// A method call, recognised by its name and the shape of the call. `paths` are the
    /// methods it stands for (`std::sync::mpsc::Receiver::recv`), so that an `allow` rule
    /// can name one by its path.
    Method {
        name: String,
        shape: Shape,
        paths: Vec<Vec<String>>,
    },
}

/// The call shapes that make an ambiguous method name a blocking call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shape {
    /// The name alone is unambiguous: `.block_on(..)`, `.blocking_recv()`,
    /// `.to_socket_addrs()`.
    Always,
    /// Any call that is not awaited (the `.method` rules of a crate's policy).
    NotAwaited,
    /// Exactly this many arguments, and the result is used as a value: not awaited, not
    /// handed to a call or macro (a future could be), not bound to a name awaited later.
    /// `handle.join()` is std's thread join; `parts.join(",")` is not.
    Arity(usize),
    /// One `&mut` argument, result used as a value: diesel's sync `RunQueryDsl`.
    MutRefArg,
    /// The receiver chain starts at a constructor of this std type:
    /// `Command::new("ls").arg("-l").output()`, or a local bound to one.
    OnOrigin(Origin),
    /// A lock guard: flagged only when bound with `let` and still alive at a later
    /// `.await` in the same block (see `locks.rs`).
    GuardAcrossAwait,
}

/// A std value whose methods block, tracked from its constructor to the method call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Origin {
    Command,
    Stdin,
    OpenOptions,
}

/// Constructors that give a receiver chain its [`Origin`], matched like [`Pattern::Path`].
pub(super) const ORIGINS: &[(&str, usize, Origin)] = &[
    ("std::process::Command::new", 2, Origin::Command),
    ("std::io::stdin", 2, Origin::Stdin),
    ("std::fs::OpenOptions::new", 2, Origin::OpenOptions),
    ("std::fs::File::options", 2, Origin::OpenOptions),
];

/// One blocking call and the message that teaches its fix.
#[derive(Clone, Debug)]
pub(super) struct Entry {
    pub(super) pattern: Pattern,
    /// The call as the message names it: "`std::fs::read_to_string`".
    pub(super) what: String,
    /// Why it is a problem: "blocks the executor thread".
    pub(super) why: String,
    /// The fix: "use `tokio::fs::read_to_string(..).await`, or ...".
    pub(super) instead: String,
}

impl Entry {
    /// The message of a call matched by its full path, or by the name and shape of a
    /// method call. A shape match says how to silence it when the method is not the
    /// blocking one: a macro cannot see the receiver's type.
    pub(super) fn message(&self) -> String {
        let message = format!("{} {}; {}", self.what, self.why, self.instead);
        match &self.pattern {
            Pattern::Method {
                name,
                shape: Shape::Arity(_) | Shape::MutRefArg,
                paths,
            } => {
                let owner = paths.first().and_then(|path| path.first());
                let owner = owner.map_or("std", String::as_str);
                format!(
                    "{message} (matched by name: if this `.{name}` is not {owner}'s, add \
                     `allow(.{name})` to the attribute)"
                )
            }
            _ => message,
        }
    }

    /// The message of a call matched by a shortened path (`fs::read`, `File::open`),
    /// which may name the user's own item.
    pub(super) fn message_for_shortened(&self, written: &str) -> String {
        let owner = match &self.pattern {
            Pattern::Path { canonical, .. } => canonical.first(),
            Pattern::Module { prefix, .. } => prefix.first(),
            Pattern::Method { .. } => None,
        };
        let owner = owner.map_or("std", String::as_str);
        format!(
            "{} (`{written}` was read as {owner}'s: if it is your own, write its path \
             from `crate::`)",
            self.message()
        )
    }
}

/// How well a written path matched a [`Pattern::Path`] or [`Pattern::Module`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PathMatch {
    /// Written in full (`std::fs::read`), or resolved through a `use` the item contains:
    /// certainly the blocking function.
    Full,
    /// A shortened path (`fs::read`, `File::open`): blocking unless awaited, because
    /// tokio has async functions of the same names.
    Shortened,
}

/// A user rule: a path (`db::query_sync`) or a method name (`.query_sync`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Rule {
    Path(Vec<String>),
    Method(String),
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Path(segments) => f.write_str(&segments.join("::")),
            Rule::Method(name) => write!(f, ".{name}"),
        }
    }
}

/// The blocking calls one item is checked against.
#[derive(Clone, Debug)]
pub(super) struct BlockingCatalogue {
    entries: Vec<Entry>,
    /// Calls whose closure arguments run off the executor thread, so blocking there is
    /// the fix: `spawn_blocking`, `block_in_place`, and a crate's own wrappers.
    offloads: Vec<Rule>,
}

fn split(path: &str) -> Vec<String> {
    path.split("::").map(str::to_owned).collect()
}

const SPAWN_BLOCKING: &str = "or move the work into `tokio::task::spawn_blocking`";

impl BlockingCatalogue {
    /// The built-in table (REFERENCE.md §A).
    #[allow(clippy::too_many_lines)] // one table, read top to bottom
    pub(super) fn builtin() -> Self {
        let mut entries = Vec::new();
        let blocks = "blocks the executor thread";
        let mut path = |canonical: &str, min_written: usize, why: &str, instead: String| {
            entries.push(Entry {
                pattern: Pattern::Path {
                    canonical: split(canonical),
                    min_written,
                },
                what: format!("`{canonical}`"),
                why: why.to_owned(),
                instead,
            });
        };

        // sleep and threads
        for name in ["sleep", "sleep_ms"] {
            path(
                &format!("std::thread::{name}"),
                2,
                blocks,
                "use `tokio::time::sleep(..).await`".to_owned(),
            );
        }
        for name in ["park", "park_timeout"] {
            path(
                &format!("std::thread::{name}"),
                2,
                blocks,
                "wait on a `tokio::sync::Notify` with `.notified().await`".to_owned(),
            );
        }

        // files
        for name in [
            "read",
            "read_to_string",
            "write",
            "copy",
            "rename",
            "remove_file",
            "remove_dir",
            "remove_dir_all",
            "create_dir",
            "create_dir_all",
            "metadata",
            "symlink_metadata",
            "read_dir",
            "read_link",
            "canonicalize",
            "set_permissions",
            "try_exists",
            "hard_link",
        ] {
            path(
                &format!("std::fs::{name}"),
                2,
                blocks,
                format!("use `tokio::fs::{name}(..).await`, {SPAWN_BLOCKING}"),
            );
        }
        path(
            "std::fs::exists",
            2,
            blocks,
            format!("use `tokio::fs::try_exists(..).await`, {SPAWN_BLOCKING}"),
        );
        for name in ["open", "create", "create_new"] {
            path(
                &format!("std::fs::File::{name}"),
                2,
                blocks,
                format!(
                    "use `tokio::fs::File::{name}(..).await` with `AsyncReadExt`/`AsyncWriteExt`, \
                     {SPAWN_BLOCKING}"
                ),
            );
        }
        path(
            "std::io::copy",
            2,
            blocks,
            format!("use `tokio::io::copy(..).await`, {SPAWN_BLOCKING}"),
        );
        path(
            "std::io::read_to_string",
            2,
            blocks,
            format!("use `tokio::io::AsyncReadExt::read_to_string(..).await`, {SPAWN_BLOCKING}"),
        );

        // network
        for (canonical, instead) in [
            (
                "std::net::TcpStream::connect",
                "tokio::net::TcpStream::connect(..).await",
            ),
            (
                "std::net::TcpStream::connect_timeout",
                "tokio::time::timeout(d, tokio::net::TcpStream::connect(..)).await",
            ),
            (
                "std::net::TcpListener::bind",
                "tokio::net::TcpListener::bind(..).await",
            ),
            (
                "std::net::UdpSocket::bind",
                "tokio::net::UdpSocket::bind(..).await",
            ),
            (
                "std::os::unix::net::UnixStream::connect",
                "tokio::net::UnixStream::connect(..).await",
            ),
        ] {
            path(canonical, 2, blocks, format!("use `{instead}`"));
        }

        // tokio's own, and other executors
        path(
            "futures::executor::block_on",
            1,
            "blocks the executor thread until the future completes, and can hang the runtime \
             when that future needs this thread",
            "`.await` the future instead".to_owned(),
        );
        path(
            "futures::executor::block_on_stream",
            2,
            blocks,
            "poll the stream with `StreamExt::next(..).await` instead".to_owned(),
        );
        path(
            "pollster::block_on",
            2,
            blocks,
            "`.await` the future instead".to_owned(),
        );

        // databases
        path(
            "postgres::Client::connect",
            3,
            "is the blocking `postgres` client: it runs its own runtime and blocks the \
             executor thread",
            "use `tokio_postgres::connect(..).await`".to_owned(),
        );
        for name in ["open", "open_in_memory", "open_with_flags"] {
            path(
                &format!("rusqlite::Connection::{name}"),
                2,
                "is the blocking `rusqlite` client and blocks the executor thread",
                format!("use `tokio_rusqlite::Connection::{name}(..).await`, {SPAWN_BLOCKING}"),
            );
        }

        let mut module = |prefix: &str,
                          min_written: usize,
                          items: &'static [&'static str],
                          why: &str,
                          instead: &str| {
            entries.push(Entry {
                pattern: Pattern::Module {
                    prefix: split(prefix),
                    min_written,
                    items,
                },
                what: format!("`{prefix}`"),
                why: why.to_owned(),
                instead: instead.to_owned(),
            });
        };
        module(
            "reqwest::blocking",
            2,
            &[
                "get",
                "Client",
                "ClientBuilder",
                "Request",
                "RequestBuilder",
                "Response",
            ],
            "is a blocking HTTP client: it blocks the executor thread and panics when used \
             inside a tokio runtime",
            "use `reqwest::Client` with `.send().await`",
        );
        module(
            "ureq",
            1,
            &[],
            "is a blocking HTTP client and blocks the executor thread",
            "use `reqwest::Client` with `.send().await`, or move the request into \
             `tokio::task::spawn_blocking`",
        );

        let mut method =
            |name: &str, owners: &[&str], shape: Shape, what: &str, why: &str, instead: &str| {
                entries.push(Entry {
                    pattern: Pattern::Method {
                        name: name.to_owned(),
                        shape,
                        paths: owners
                            .iter()
                            .map(|owner| split(&format!("{owner}::{name}")))
                            .collect(),
                    },
                    what: what.to_owned(),
                    why: why.to_owned(),
                    instead: instead.to_owned(),
                });
            };

        // A child spawned from a std `Command`: before the generic `.wait()` below, so
        // the message names the exact method.
        for name in ["wait", "wait_with_output"] {
            method(
                name,
                &["std::process::Child"],
                Shape::OnOrigin(Origin::Command),
                &format!("`std::process::Child::{name}`"),
                "blocks the executor thread until the child process exits",
                &format!("use `tokio::process::Command` and `.{name}().await` on its child"),
            );
        }

        // std sync waits
        method(
            "recv",
            &["std::sync::mpsc::Receiver"],
            Shape::Arity(0),
            "`.recv()` that is not awaited (std `mpsc::Receiver::recv`)",
            blocks,
            "use `tokio::sync::mpsc` and `.recv().await`, or receive from a std channel \
             inside `tokio::task::spawn_blocking`",
        );
        method(
            "recv_timeout",
            &["std::sync::mpsc::Receiver"],
            Shape::Arity(1),
            "`.recv_timeout(..)` (std `mpsc::Receiver::recv_timeout`)",
            blocks,
            "use `tokio::sync::mpsc` and `tokio::time::timeout(d, rx.recv()).await`",
        );
        method(
            "join",
            &["std::thread::JoinHandle", "std::thread::ScopedJoinHandle"],
            Shape::Arity(0),
            "`.join()` with no arguments and not awaited (std `thread::JoinHandle::join`)",
            "blocks the executor thread until the thread ends",
            "run the work with `tokio::task::spawn_blocking` and `.await` its handle",
        );
        method(
            "wait",
            &["std::sync::Barrier", "std::process::Child"],
            Shape::Arity(0),
            "`.wait()` that is not awaited (std `Barrier::wait` or `process::Child::wait`)",
            blocks,
            "use `tokio::sync::Barrier` or `tokio::process::Child` and `.wait().await`",
        );
        for name in ["wait", "wait_while", "wait_timeout", "wait_timeout_ms"] {
            let arity = if name == "wait" { 1 } else { 2 };
            method(
                name,
                &["std::sync::Condvar"],
                Shape::Arity(arity),
                &format!("`.{name}(..)` on a guard (std `Condvar::{name}`)"),
                blocks,
                "use `tokio::sync::Notify` and `.notified().await`",
            );
        }
        method(
            "wait_timeout_while",
            &["std::sync::Condvar"],
            Shape::Arity(3),
            "`.wait_timeout_while(..)` (std `Condvar::wait_timeout_while`)",
            blocks,
            "use `tokio::sync::Notify` and `tokio::time::timeout(d, notify.notified()).await`",
        );

        // processes
        for name in ["output", "status"] {
            method(
                name,
                &["std::process::Command"],
                Shape::OnOrigin(Origin::Command),
                &format!("`std::process::Command::{name}`"),
                "blocks the executor thread until the child process exits",
                &format!("use `tokio::process::Command` and `.{name}().await`"),
            );
        }
        method(
            "wait_with_output",
            &["std::process::Child"],
            Shape::Arity(0),
            "`.wait_with_output()` (std `process::Child::wait_with_output`)",
            "blocks the executor thread until the child process exits",
            "use `tokio::process::Child` and `.wait_with_output().await`",
        );

        // files opened through OpenOptions
        method(
            "open",
            &["std::fs::OpenOptions"],
            Shape::OnOrigin(Origin::OpenOptions),
            "`std::fs::OpenOptions::open`",
            blocks,
            "use `tokio::fs::OpenOptions` and `.open(..).await`, or move the work into \
             `tokio::task::spawn_blocking`",
        );

        // stdin
        for name in [
            "read_line",
            "lines",
            "read_to_string",
            "read_to_end",
            "read",
            "read_exact",
            "bytes",
        ] {
            method(
                name,
                &["std::io::Stdin", "std::io::StdinLock"],
                Shape::OnOrigin(Origin::Stdin),
                &format!("reading `std::io::stdin()` with `.{name}(..)`"),
                "blocks the executor thread until the user types",
                "use `tokio::io::stdin()` in a `tokio::io::BufReader` with \
                 `AsyncBufReadExt::read_line(..).await`, or read stdin on a dedicated thread",
            );
        }

        // network, by method
        method(
            "to_socket_addrs",
            &["std::net::ToSocketAddrs"],
            Shape::Always,
            "`.to_socket_addrs()` (std `ToSocketAddrs`)",
            "resolves names with blocking DNS on the executor thread",
            "use `tokio::net::lookup_host(..).await`",
        );
        method(
            "accept",
            &["std::net::TcpListener", "std::os::unix::net::UnixListener"],
            Shape::Arity(0),
            "`.accept()` that is not awaited (std `TcpListener::accept`)",
            blocks,
            "use `tokio::net::TcpListener` and `.accept().await`",
        );

        // tokio's own blocking entry points
        method(
            "block_on",
            &["tokio::runtime::Runtime", "tokio::runtime::Handle"],
            Shape::Always,
            "`.block_on(..)` (tokio `Runtime::block_on` / `Handle::block_on`)",
            "panics inside a runtime (\"Cannot start a runtime from within a runtime\") and \
             would block the executor thread",
            "`.await` the future instead",
        );
        for name in [
            "blocking_recv",
            "blocking_recv_many",
            "blocking_send",
            "blocking_lock",
            "blocking_read",
            "blocking_write",
            "blocking_lock_owned",
            "blocking_acquire",
            "blocking_acquire_many",
            "blocking_acquire_owned",
            "blocking_acquire_many_owned",
        ] {
            let plain = &name["blocking_".len()..];
            let owner = match plain {
                "recv" | "recv_many" => "tokio::sync::mpsc::Receiver",
                "send" => "tokio::sync::mpsc::Sender",
                "lock" | "lock_owned" => "tokio::sync::Mutex",
                "read" | "write" => "tokio::sync::RwLock",
                _ => "tokio::sync::Semaphore",
            };
            method(
                name,
                &[owner],
                Shape::Always,
                &format!("`.{name}(..)` (tokio)"),
                "panics when called inside a tokio runtime and would block the executor thread",
                &format!("use `.{plain}(..).await`"),
            );
        }

        // databases, by method
        for name in ["get_connection", "get_connection_with_timeout"] {
            let arity = usize::from(name != "get_connection");
            method(
                name,
                &["redis::Client"],
                Shape::Arity(arity),
                &format!("`.{name}(..)` (`redis::Client::{name}`)"),
                "opens a blocking redis connection on the executor thread",
                "use `redis::aio` with `.get_multiplexed_async_connection().await`",
            );
        }
        for name in ["load", "get_result", "get_results", "execute", "first"] {
            method(
                name,
                &["diesel::RunQueryDsl"],
                Shape::MutRefArg,
                &format!("`.{name}(&mut conn)` that is not awaited (diesel's sync `RunQueryDsl`)"),
                "runs a blocking query on the executor thread",
                "use `diesel_async::RunQueryDsl` with `.await`, or run the query inside \
                 `tokio::task::spawn_blocking`",
            );
        }

        // lock guards held across an await
        for (name, ty) in [("lock", "Mutex"), ("read", "RwLock"), ("write", "RwLock")] {
            method(
                name,
                &[&format!("std::sync::{ty}"), &format!("parking_lot::{ty}")],
                Shape::GuardAcrossAwait,
                &format!("a std/parking_lot `{ty}` guard (`.{name}()`)"),
                "",
                "",
            );
        }

        BlockingCatalogue {
            entries,
            offloads: vec![
                Rule::Method("spawn_blocking".to_owned()),
                Rule::Method("block_in_place".to_owned()),
            ],
        }
    }

    /// Every entry, in table order.
    #[cfg(test)]
    pub(super) fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Declares a crate's own offload wrapper (`asyncify(|| ..)`, `.interact(|conn| ..)`).
    pub(super) fn offload(&mut self, rule: &Rule) {
        self.offloads.push(rule.clone());
    }

    /// Whether a path call runs its closure arguments off the executor thread. A
    /// `.name` rule matches functions of that name on any path too.
    pub(super) fn is_offload_call(&self, candidates: &[Vec<String>]) -> bool {
        self.offloads.iter().any(|rule| match rule {
            Rule::Method(name) => candidates
                .iter()
                .any(|written| written.last() == Some(name)),
            Rule::Path(path) => candidates
                .iter()
                .any(|written| match_path(written, path, path.len().min(2)).is_some()),
        })
    }

    /// Whether a method runs its closure arguments off the executor thread.
    pub(super) fn is_offload_method(&self, method: &str) -> bool {
        self.offloads
            .iter()
            .any(|rule| matches!(rule, Rule::Method(name) if name == method))
    }

    /// Adds a crate's own blocking call. `source` says where the rule comes from, so the
    /// message can say who denied it.
    pub(super) fn deny(&mut self, rule: &Rule, instead: &str, source: &str) {
        let pattern = match rule {
            Rule::Path(segments) => Pattern::Path {
                canonical: segments.clone(),
                min_written: segments.len().min(2),
            },
            Rule::Method(name) => Pattern::Method {
                name: name.clone(),
                shape: Shape::NotAwaited,
                paths: Vec::new(),
            },
        };
        let what = match rule {
            Rule::Path(_) => format!("`{rule}`"),
            Rule::Method(_) => format!("`{rule}(..)`"),
        };
        // User rules come first so they win over a built-in entry of the same name.
        self.entries.insert(
            0,
            Entry {
                pattern,
                what,
                why: format!("is denied by {source}"),
                instead: instead.to_owned(),
            },
        );
    }

    /// Removes the entries a rule names. Returns whether any matched, so a typo in an
    /// allow rule is an error instead of a silent no-op.
    pub(super) fn allow(&mut self, rule: &Rule) -> bool {
        let before = self.entries.len();
        self.entries.retain(|entry| !allows(rule, &entry.pattern));
        self.entries.len() != before
    }

    /// The entry for a call of one of the candidate paths (the written path and what the
    /// item's `use` items resolve it to).
    pub(super) fn path_call(&self, candidates: &[Vec<String>]) -> Option<(&Entry, PathMatch)> {
        let mut shortened = None;
        for entry in &self.entries {
            for written in candidates {
                let found = match &entry.pattern {
                    Pattern::Path {
                        canonical,
                        min_written,
                    } => match_path(written, canonical, *min_written),
                    Pattern::Module {
                        prefix,
                        min_written,
                        items,
                    } => match_module(written, prefix, *min_written, items),
                    Pattern::Method { .. } => None,
                };
                match found {
                    Some(PathMatch::Full) => return Some((entry, PathMatch::Full)),
                    Some(PathMatch::Shortened) if shortened.is_none() => {
                        shortened = Some((entry, PathMatch::Shortened));
                    }
                    _ => {}
                }
            }
        }
        shortened
    }

    /// The entries for a method name, in table order.
    pub(super) fn methods<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries.iter().filter(
            move |entry| matches!(&entry.pattern, Pattern::Method { name: n, .. } if n == name),
        )
    }

    /// The guard entry for a lock method, unless allowed.
    pub(super) fn guard(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|entry| {
            matches!(
                &entry.pattern,
                Pattern::Method { name: n, shape: Shape::GuardAcrossAwait, .. } if n == name
            )
        })
    }
}

fn allows(rule: &Rule, pattern: &Pattern) -> bool {
    match (rule, pattern) {
        (Rule::Path(allowed), Pattern::Path { canonical, .. }) => canonical.ends_with(allowed),
        (Rule::Path(allowed), Pattern::Module { prefix, .. }) => {
            prefix.ends_with(allowed) || allowed.starts_with(prefix)
        }
        (Rule::Path(allowed), Pattern::Method { paths, .. }) => {
            paths.iter().any(|path| path.ends_with(allowed))
        }
        (Rule::Method(allowed), Pattern::Method { name, .. }) => allowed == name,
        _ => false,
    }
}

pub(super) fn match_path(
    written: &[String],
    canonical: &[String],
    min_written: usize,
) -> Option<PathMatch> {
    if written.ends_with(canonical) {
        Some(PathMatch::Full)
    } else if written.len() >= min_written && canonical.ends_with(written) {
        Some(PathMatch::Shortened)
    } else {
        None
    }
}

fn match_module(
    written: &[String],
    prefix: &[String],
    min_written: usize,
    items: &[&str],
) -> Option<PathMatch> {
    if written.len() > prefix.len() && written.starts_with(prefix) {
        return Some(PathMatch::Full);
    }
    // `blocking::get` written after `use reqwest::blocking` outside the item: the path
    // starts with a tail of the prefix, followed by one of the module's own items.
    (1..prefix.len())
        .map(|tail| &prefix[prefix.len() - tail..])
        .any(|tail| {
            written.len() > tail.len()
                && written.len() >= min_written
                && written.starts_with(tail)
                && (items.is_empty() || items.contains(&written[tail.len()].as_str()))
        })
        .then_some(PathMatch::Shortened)
}
