//! The blocking-API table: which calls block an executor thread, why, and what to use
//! instead. [`BUILTIN`] is the table as data, one row per API; a [`BlockingCatalogue`] is
//! that table plus a crate's own rules (`deny` extends it, `allow` shrinks it, `offload`
//! names the calls whose closures run off the executor), per attribute or from
//! `async-hygiene.toml`.

use std::borrow::Cow;
use std::sync::OnceLock;

use crate::findings::Lint;
use crate::policy::{Policy, PolicyRule, Rule};

/// How a row recognises a call. The rules see tokens, not types, so every pattern is
/// about the path as written or the shape of the call.
#[derive(Clone, Copy, Debug)]
pub enum ApiPattern {
    /// A call of a function or associated function, or a full path used as a value:
    /// `std::fs::read(..)`, `.map(std::fs::read)`. A written path matches when it ends
    /// the canonical path and has at least `min_written` segments (`fs::read` yes, a
    /// bare `read` no, `tokio::fs::read` never).
    Path {
        /// `std::fs::read_to_string`.
        canonical: &'static str,
        /// The fewest segments a shortened path needs (`fs::read`: 2).
        min_written: usize,
        /// A distinctive name (`sleep`, `read_dir`, not `read`): a bare call of it whose
        /// result is consumed (tokio's namesakes return futures) is std's unless the
        /// scope defines or imports it, when the imports in view are partial
        /// ([`Imports::complete`](super::Imports::complete) is false).
        bare: bool,
    },
    /// A call of anything under a module: `ureq::get(..)`, `reqwest::blocking::Client::new()`.
    /// A shortened path (`blocking::get`, after a `use reqwest::blocking` out of sight)
    /// matches only when its next segment is one of `items`: a user's own module named
    /// `blocking` is not reqwest's.
    Module {
        /// `reqwest::blocking`.
        prefix: &'static str,
        /// The fewest segments a shortened path needs.
        min_written: usize,
        /// The module's items a shortened path may name (empty: any).
        items: &'static [&'static str],
    },
    /// A method call, recognised by its name and the shape of the call.
    Method {
        /// `recv`.
        name: &'static str,
        /// The call shape that makes the name the blocking method.
        shape: Shape,
        /// The types whose method it stands for (`std::sync::mpsc::Receiver`), so that
        /// an `allow` rule can name one by its path (`mpsc::Receiver::recv`).
        owners: &'static [&'static str],
        /// Whose method the name was read as, for the note of a name match: "if this
        /// `.recv` is not {owner}'s".
        owner: &'static str,
    },
}

/// The call shapes that make an ambiguous method name a blocking call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// The name alone is unambiguous: `.block_on(..)`, `.blocking_recv()`.
    Always,
    /// The name is unambiguous when called without arguments: std's `.to_socket_addrs()`
    /// takes none; tokio's sealed trait and look-alikes take one.
    NoArgs,
    /// Any call that is not awaited (the `.method` rules of a crate's policy).
    NotAwaited,
    /// Exactly this many arguments, and the result is used as a value: not awaited, not
    /// handed to a call or macro (a future could be), not bound to a name awaited later.
    /// `handle.join()` is std's thread join; `parts.join(",")` is not.
    Arity(usize),
    /// One `&mut` argument, result used as a value: diesel's sync `RunQueryDsl`.
    MutRefArg,
    /// The receiver chain starts at a constructor of this std type
    /// (`Command::new("ls").arg("-l").output()`), or at a local bound to one.
    OnOrigin(Origin),
    /// A lock guard: reported only when bound with `let` and still alive at a later
    /// `.await` in the same block, or a temporary of a scrutinee whose body awaits
    /// (see `locks.rs`).
    GuardAcrossAwait,
    /// A name only guessed when the scope imports from one of `crates` (`use
    /// argon2::..`) or imports one of `traits` by name (`PasswordHasher`): exactly
    /// `arity` arguments, not awaited.
    Imported {
        /// `argon2`, `image`.
        crates: &'static [&'static str],
        /// `PasswordHasher`.
        traits: &'static [&'static str],
        /// The method's argument count.
        arity: usize,
    },
}

/// A value whose methods block, tracked from its constructor to the method call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `std::process::Command::new(..)`.
    Command,
    /// `std::io::stdin()`.
    Stdin,
    /// `std::fs::OpenOptions::new()`.
    OpenOptions,
    /// A sync channel's `(sender, receiver)` pair: std `mpsc::channel()`, crossbeam,
    /// flume, kanal. Its second name is a [`Origin::SyncReceiver`].
    SyncChannel,
    /// The receiver of a sync channel: iterating it blocks.
    SyncReceiver,
    /// A `std::path::Path` or `PathBuf` (`Path::new(..)`, a parameter typed `&Path`):
    /// its file-system methods (`exists`, `metadata`, ..) block.
    Path,
    /// A socket address value (`SocketAddr`, `(IpAddr, u16)`): binding to it resolves no
    /// name.
    Address,
    /// A buffer in memory (`Vec<u8>`, a `Cursor`, a byte slice): copying from or into it
    /// does no I/O.
    Memory,
    /// A `RefCell` (`&RefCell<T>`, `Rc<RefCell<T>>`, `RefCell::new(..)`): its
    /// `.borrow()`/`.borrow_mut()` return a borrow guard.
    RefCell,
    /// A parameter of a generic reader or writer type (`impl Read`, `R: Write`,
    /// `&mut dyn BufRead`, `Box<dyn Read>`): what it reads or writes is its caller's
    /// choice, a file or a buffer in memory, which syntax cannot see.
    CallerChosen,
    /// A `std::fs::File`, or a `BufReader`/`BufWriter`/`LineWriter` over one, known by
    /// its declared type (a parameter, a typed `let`, a field of `self`): its reads,
    /// writes and flushes block.
    File,
    /// A redis command or pipeline (`redis::cmd(..)`, `redis::pipe()`): its `query` is
    /// the sync one (the async one is `query_async`).
    RedisCommand,
    /// A whole-stream compressor or decompressor (`flate2::read::GzDecoder::new(..)`,
    /// `brotli::Decompressor::new(..)`), or an image reader
    /// (`image::ImageReader::open(..)`): reading it to the end, writing a whole buffer
    /// into it, or decoding the image runs the codec over the whole input.
    Codec,
}

/// A constructor that gives a value its [`Origin`], matched like [`ApiPattern::Path`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct OriginConstructor {
    pub(crate) canonical: &'static str,
    pub(crate) min_written: usize,
    /// The constructor's argument count when the path alone is ambiguous: std's
    /// `mpsc::channel()` takes none, tokio's `mpsc::channel(8)` a capacity.
    pub(crate) arity: Option<usize>,
    pub(crate) origin: Origin,
}

const fn origin(
    canonical: &'static str,
    min_written: usize,
    arity: Option<usize>,
    origin: Origin,
) -> OriginConstructor {
    OriginConstructor {
        canonical,
        min_written,
        arity,
        origin,
    }
}

/// A codec's constructor, matched only in full ([`Origin::Codec`]).
macro_rules! codec {
    ($canonical:literal) => {
        origin($canonical, usize::MAX, None, Origin::Codec)
    };
}

/// Constructors that give a receiver chain or a local its [`Origin`].
pub(crate) const ORIGINS: &[OriginConstructor] = &[
    origin("std::process::Command::new", 2, None, Origin::Command),
    origin("std::io::stdin", 2, None, Origin::Stdin),
    origin("std::fs::OpenOptions::new", 2, None, Origin::OpenOptions),
    origin("std::fs::File::options", 2, None, Origin::OpenOptions),
    origin("std::sync::mpsc::channel", 2, Some(0), Origin::SyncChannel),
    origin(
        "std::sync::mpsc::sync_channel",
        2,
        None,
        Origin::SyncChannel,
    ),
    origin("crossbeam_channel::unbounded", 2, None, Origin::SyncChannel),
    origin("crossbeam_channel::bounded", 2, None, Origin::SyncChannel),
    origin(
        "crossbeam::channel::unbounded",
        2,
        None,
        Origin::SyncChannel,
    ),
    origin("crossbeam::channel::bounded", 2, None, Origin::SyncChannel),
    origin("flume::unbounded", 2, None, Origin::SyncChannel),
    origin("flume::bounded", 2, None, Origin::SyncChannel),
    origin("kanal::unbounded", 2, None, Origin::SyncChannel),
    origin("kanal::bounded", 2, None, Origin::SyncChannel),
    origin("std::path::Path::new", 2, None, Origin::Path),
    origin("std::path::PathBuf::from", 2, None, Origin::Path),
    origin("std::path::PathBuf::new", 2, None, Origin::Path),
    origin("std::cell::RefCell::new", 2, None, Origin::RefCell),
    origin("redis::cmd", 2, None, Origin::RedisCommand),
    origin("redis::pipe", 2, None, Origin::RedisCommand),
    origin("redis::Cmd::new", 3, None, Origin::RedisCommand),
    origin("redis::Pipeline::new", 3, None, Origin::RedisCommand),
    // Only a full or imported path: a `GzDecoder` of the crate's own is not flate2's.
    codec!("flate2::read::GzDecoder::new"),
    codec!("flate2::read::MultiGzDecoder::new"),
    codec!("flate2::read::ZlibDecoder::new"),
    codec!("flate2::read::DeflateDecoder::new"),
    codec!("flate2::read::GzEncoder::new"),
    codec!("flate2::read::ZlibEncoder::new"),
    codec!("flate2::read::DeflateEncoder::new"),
    codec!("flate2::bufread::GzDecoder::new"),
    codec!("flate2::bufread::MultiGzDecoder::new"),
    codec!("flate2::bufread::ZlibDecoder::new"),
    codec!("flate2::bufread::DeflateDecoder::new"),
    codec!("flate2::write::GzEncoder::new"),
    codec!("flate2::write::ZlibEncoder::new"),
    codec!("flate2::write::DeflateEncoder::new"),
    codec!("brotli::Decompressor::new"),
    codec!("brotli::CompressorReader::new"),
    codec!("brotli::CompressorWriter::new"),
    codec!("image::ImageReader::new"),
    codec!("image::ImageReader::open"),
    codec!("image::io::Reader::new"),
    codec!("image::io::Reader::open"),
];

/// One row of the table: a blocking API and the message that teaches its fix.
#[derive(Clone, Copy, Debug)]
pub struct BlockingApi {
    /// How a call is recognised.
    pub pattern: ApiPattern,
    /// The call as the message names it: "`std::fs::read_to_string`".
    pub what: &'static str,
    /// Why it is a problem: "blocks the executor thread".
    pub why: &'static str,
    /// The fix: "use `tokio::fs::read_to_string(..).await`, or ...".
    pub instead: &'static str,
}

const BLOCKS: &str = "blocks the executor thread";
const WAITS_FOR_CHILD: &str = "blocks the executor thread until the child process exits";
const TOKIO_PANICS: &str =
    "panics when called inside a tokio runtime and would block the executor thread";

pub(crate) const fn path(
    canonical: &'static str,
    what: &'static str,
    bare: bool,
    why: &'static str,
    instead: &'static str,
) -> BlockingApi {
    BlockingApi {
        pattern: ApiPattern::Path {
            canonical,
            min_written: 2,
            bare,
        },
        what,
        why,
        instead,
    }
}

pub(crate) const fn method(
    name: &'static str,
    owners: &'static [&'static str],
    owner: &'static str,
    shape: Shape,
    what: &'static str,
    why: &'static str,
    instead: &'static str,
) -> BlockingApi {
    BlockingApi {
        pattern: ApiPattern::Method {
            name,
            shape,
            owners,
            owner,
        },
        what,
        why,
        instead,
    }
}

/// A `std::fs` function and its `tokio::fs` namesake.
macro_rules! fs_fn {
    ($name:literal, bare: $bare:literal) => {
        path(
            concat!("std::fs::", $name),
            concat!("`std::fs::", $name, "`"),
            $bare,
            BLOCKS,
            concat!(
                "use `tokio::fs::",
                $name,
                "(..).await`, or move the work into `tokio::task::spawn_blocking`"
            ),
        )
    };
}

/// `std::fs::File::{open, create, create_new}`.
macro_rules! file_fn {
    ($name:literal) => {
        path(
            concat!("std::fs::File::", $name),
            concat!("`std::fs::File::", $name, "`"),
            false,
            BLOCKS,
            concat!(
                "use `tokio::fs::File::",
                $name,
                "(..).await` with `AsyncReadExt`/`AsyncWriteExt`, or move the work into \
                 `tokio::task::spawn_blocking`"
            ),
        )
    };
}

/// An `fs_err` function: `std::fs`'s twin with better errors, as blocking.
macro_rules! fs_err_fn {
    ($name:literal) => {
        path(
            concat!("fs_err::", $name),
            concat!("`fs_err::", $name, "`"),
            false,
            BLOCKS,
            concat!(
                "use `fs_err::tokio::",
                $name,
                "(..).await` (`fs-err`'s `tokio` feature) or `tokio::fs::",
                $name,
                "(..).await`, or move the work into `tokio::task::spawn_blocking`"
            ),
        )
    };
}

/// `fs_err::File::{open, create, create_new}`.
macro_rules! fs_err_file_fn {
    ($name:literal) => {
        BlockingApi {
            pattern: ApiPattern::Path {
                canonical: concat!("fs_err::File::", $name),
                min_written: 3,
                bare: false,
            },
            what: concat!("`fs_err::File::", $name, "`"),
            why: BLOCKS,
            instead: concat!(
                "use `fs_err::tokio::File::",
                $name,
                "(..).await` (`fs-err`'s `tokio` feature) or `tokio::fs::File::",
                $name,
                "(..).await`, or move the work into `tokio::task::spawn_blocking`"
            ),
        }
    };
}

/// A read, write or flush of a std `File` (or a buffer over one) whose type is declared.
macro_rules! file_io {
    ($name:literal, $instead:literal) => {
        method(
            $name,
            &["std::fs::File"],
            "std",
            Shape::OnOrigin(Origin::File),
            concat!("`.", $name, "(..)` on a std `File`"),
            BLOCKS,
            concat!(
                "use `tokio::fs::File` with `",
                $instead,
                "(..).await`, or move the work into `tokio::task::spawn_blocking`"
            ),
        )
    };
}

/// A `std::path::Path` method that asks the file system, on a receiver visibly a `Path`
/// or `PathBuf`.
macro_rules! path_method {
    ($name:literal, $instead:literal) => {
        method(
            $name,
            &["std::path::Path"],
            "std",
            Shape::OnOrigin(Origin::Path),
            concat!("`std::path::Path::", $name, "`"),
            BLOCKS,
            concat!(
                "use `",
                $instead,
                "`, or move the work into `tokio::task::spawn_blocking`"
            ),
        )
    };
}

/// A function of a sync crate, written from the crate's name (`walkdir::WalkDir::new`,
/// or a name a `use` of the crate resolves), with its async replacement.
const fn sync_crate(
    canonical: &'static str,
    min_written: usize,
    what: &'static str,
    why: &'static str,
    instead: &'static str,
) -> BlockingApi {
    BlockingApi {
        pattern: ApiPattern::Path {
            canonical,
            min_written,
            bare: false,
        },
        what,
        why,
        instead,
    }
}

const WALKS: &str = "blocks the executor thread at every step of its walk of the file system";
const WALK_INSTEAD: &str = "use `tokio::fs::read_dir(..).await` level by level (or the \
    `async-walkdir` crate), or run the walk inside `tokio::task::spawn_blocking`";
const TEMPFILE_INSTEAD: &str = "run it inside `tokio::task::spawn_blocking`, or use `tokio::fs` \
    under `std::env::temp_dir()`";
const FS_EXTRA_INSTEAD: &str = "run it inside `tokio::task::spawn_blocking`";
const LETTRE_WHY: &str = "blocks the executor thread: lettre's sync SMTP transport sends with \
    blocking I/O";
const LETTRE_INSTEAD: &str = "use `lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>` and \
    `.send(..).await`";

/// A std path whose tokio replacement is `$instead(..).await`.
macro_rules! net_fn {
    ($canonical:literal, $instead:literal) => {
        path(
            $canonical,
            concat!("`", $canonical, "`"),
            false,
            BLOCKS,
            concat!("use `", $instead, "`"),
        )
    };
}

/// tokio's `blocking_*` methods, which panic inside a runtime.
macro_rules! tokio_blocking {
    ($plain:literal, $owner:literal) => {
        method(
            concat!("blocking_", $plain),
            &[$owner],
            "tokio",
            Shape::Always,
            concat!("`.blocking_", $plain, "(..)` (tokio)"),
            TOKIO_PANICS,
            concat!("use `.", $plain, "(..).await`"),
        )
    };
}

/// Reading `std::io::stdin()`.
macro_rules! stdin_read {
    ($name:literal) => {
        method(
            $name,
            &["std::io::Stdin", "std::io::StdinLock"],
            "std",
            Shape::OnOrigin(Origin::Stdin),
            concat!("reading `std::io::stdin()` with `.", $name, "(..)`"),
            "blocks the executor thread until the user types",
            "use `tokio::io::stdin()` in a `tokio::io::BufReader` with \
             `AsyncBufReadExt::read_line(..).await`, or read stdin on a dedicated thread",
        )
    };
}

/// `Condvar::wait*`: the guard is an argument.
macro_rules! condvar_wait {
    ($name:literal, $arity:literal) => {
        method(
            $name,
            &["std::sync::Condvar"],
            "std",
            Shape::Arity($arity),
            concat!("`.", $name, "(..)` on a guard (std `Condvar::", $name, "`)"),
            BLOCKS,
            "use `tokio::sync::Notify` and `.notified().await`",
        )
    };
}

/// diesel's sync `RunQueryDsl` methods: one `&mut conn` argument.
macro_rules! diesel_query {
    ($name:literal) => {
        method(
            $name,
            &["diesel::RunQueryDsl"],
            "diesel",
            Shape::MutRefArg,
            concat!(
                "`.",
                $name,
                "(&mut conn)` that is not awaited (diesel's sync `RunQueryDsl`)"
            ),
            "runs a blocking query on the executor thread",
            "use `diesel_async::RunQueryDsl` with `.await`, or run the query inside \
             `tokio::task::spawn_blocking`",
        )
    };
}

/// A std/`parking_lot` lock whose guard must not live across an `.await`.
macro_rules! guard {
    ($name:literal, $ty:literal) => {
        method(
            $name,
            &[concat!("std::sync::", $ty), concat!("parking_lot::", $ty)],
            "std",
            Shape::GuardAcrossAwait,
            concat!("a std/parking_lot `", $ty, "` guard (`.", $name, "()`)"),
            "",
            "",
        )
    };
}

/// The sync channels' receiver types: `recv` blocks, iterating blocks.
pub(crate) const SYNC_RECEIVERS: &[&str] = &[
    "crossbeam::channel::Receiver",
    "std::sync::mpsc::Receiver",
    "crossbeam_channel::Receiver",
    "flume::Receiver",
    "kanal::Receiver",
];

const ITERATE_RECEIVER: &str = "use `tokio::sync::mpsc` and `while let Some(item) = \
    rx.recv().await`, or drain the channel inside `tokio::task::spawn_blocking`";

/// The built-in table (REFERENCE.md §A), in matching order: where two rows match one
/// call, the first names it.
#[rustfmt::skip]
pub const BUILTIN: &[BlockingApi] = &[
    // sleep and threads
    path("std::thread::sleep", "`std::thread::sleep`", true, BLOCKS, "use `tokio::time::sleep(..).await`"),
    path("std::thread::sleep_ms", "`std::thread::sleep_ms`", true, BLOCKS, "use `tokio::time::sleep(..).await`"),
    path("std::thread::park", "`std::thread::park`", false, BLOCKS, "wait on a `tokio::sync::Notify` with `.notified().await`"),
    path("std::thread::park_timeout", "`std::thread::park_timeout`", true, BLOCKS, "wait on a `tokio::sync::Notify` with `.notified().await`"),
    // files
    fs_fn!("read", bare: false),
    fs_fn!("read_to_string", bare: true),
    fs_fn!("write", bare: false),
    fs_fn!("copy", bare: false),
    fs_fn!("rename", bare: false),
    fs_fn!("remove_file", bare: true),
    fs_fn!("remove_dir", bare: true),
    fs_fn!("remove_dir_all", bare: true),
    fs_fn!("create_dir", bare: true),
    fs_fn!("create_dir_all", bare: true),
    fs_fn!("metadata", bare: false),
    fs_fn!("symlink_metadata", bare: true),
    fs_fn!("read_dir", bare: true),
    fs_fn!("read_link", bare: true),
    fs_fn!("canonicalize", bare: true),
    fs_fn!("set_permissions", bare: true),
    fs_fn!("try_exists", bare: false),
    fs_fn!("hard_link", bare: true),
    path("std::fs::exists", "`std::fs::exists`", false, BLOCKS, "use `tokio::fs::try_exists(..).await`, or move the work into `tokio::task::spawn_blocking`"),
    file_fn!("open"),
    file_fn!("create"),
    file_fn!("create_new"),
    path("std::io::copy", "`std::io::copy`", false, BLOCKS, "use `tokio::io::copy(..).await`, or move the work into `tokio::task::spawn_blocking`"),
    path("std::io::read_to_string", "`std::io::read_to_string`", false, BLOCKS, "use `tokio::io::AsyncReadExt::read_to_string(..).await`, or move the work into `tokio::task::spawn_blocking`"),
    // network
    net_fn!("std::net::TcpStream::connect", "tokio::net::TcpStream::connect(..).await"),
    net_fn!("std::net::TcpStream::connect_timeout", "tokio::time::timeout(d, tokio::net::TcpStream::connect(..)).await"),
    net_fn!("std::net::TcpListener::bind", "tokio::net::TcpListener::bind(..).await"),
    net_fn!("std::net::UdpSocket::bind", "tokio::net::UdpSocket::bind(..).await"),
    net_fn!("std::os::unix::net::UnixStream::connect", "tokio::net::UnixStream::connect(..).await"),
    // other executors
    BlockingApi {
        pattern: ApiPattern::Path { canonical: "futures::executor::block_on", min_written: 1, bare: false },
        what: "`futures::executor::block_on`",
        why: "blocks the executor thread until the future completes, and can hang the runtime \
              when that future needs this thread",
        instead: "`.await` the future instead",
    },
    path("futures::executor::block_on_stream", "`futures::executor::block_on_stream`", false, BLOCKS, "poll the stream with `StreamExt::next(..).await` instead"),
    path("pollster::block_on", "`pollster::block_on`", false, BLOCKS, "`.await` the future instead"),
    // `fs_err`, `std::fs`'s drop-in twin: after the std rows, so a shortened `fs::read`
    // is named as std's
    fs_err_fn!("read"),
    fs_err_fn!("read_to_string"),
    fs_err_fn!("write"),
    fs_err_fn!("copy"),
    fs_err_fn!("rename"),
    fs_err_fn!("remove_file"),
    fs_err_fn!("remove_dir"),
    fs_err_fn!("remove_dir_all"),
    fs_err_fn!("create_dir"),
    fs_err_fn!("create_dir_all"),
    fs_err_fn!("metadata"),
    fs_err_fn!("symlink_metadata"),
    fs_err_fn!("read_dir"),
    fs_err_fn!("read_link"),
    fs_err_fn!("canonicalize"),
    fs_err_fn!("set_permissions"),
    fs_err_fn!("hard_link"),
    path("fs_err::exists", "`fs_err::exists`", false, BLOCKS, "use `tokio::fs::try_exists(..).await`, or move the work into `tokio::task::spawn_blocking`"),
    fs_err_file_fn!("open"),
    fs_err_file_fn!("create"),
    fs_err_file_fn!("create_new"),
    // `std::path::Path` methods that ask the file system
    path_method!("canonicalize", "tokio::fs::canonicalize(..).await"),
    path_method!("exists", "tokio::fs::try_exists(..).await"),
    path_method!("try_exists", "tokio::fs::try_exists(..).await"),
    path_method!("is_file", "tokio::fs::metadata(..).await?.is_file()"),
    path_method!("is_dir", "tokio::fs::metadata(..).await?.is_dir()"),
    path_method!("is_symlink", "tokio::fs::symlink_metadata(..).await?.is_symlink()"),
    path_method!("metadata", "tokio::fs::metadata(..).await"),
    path_method!("symlink_metadata", "tokio::fs::symlink_metadata(..).await"),
    path_method!("read_dir", "tokio::fs::read_dir(..).await"),
    path_method!("read_link", "tokio::fs::read_link(..).await"),
    // reads and writes of a std `File` whose type is declared
    file_io!("read", "AsyncReadExt::read"),
    file_io!("read_exact", "AsyncReadExt::read_exact"),
    file_io!("read_to_end", "AsyncReadExt::read_to_end"),
    file_io!("read_to_string", "AsyncReadExt::read_to_string"),
    file_io!("read_line", "AsyncBufReadExt::read_line"),
    file_io!("write", "AsyncWriteExt::write"),
    file_io!("write_all", "AsyncWriteExt::write_all"),
    file_io!("flush", "AsyncWriteExt::flush"),
    file_io!("sync_all", "File::sync_all"),
    file_io!("sync_data", "File::sync_data"),
    file_io!("set_len", "File::set_len"),
    // sync file-system crates
    sync_crate("walkdir::WalkDir::new", 3, "`walkdir::WalkDir`", WALKS, WALK_INSTEAD),
    sync_crate("glob::glob", 2, "`glob::glob`", WALKS, WALK_INSTEAD),
    sync_crate("glob::glob_with", 2, "`glob::glob_with`", WALKS, WALK_INSTEAD),
    sync_crate("tempfile::tempfile", 2, "`tempfile::tempfile`", BLOCKS, TEMPFILE_INSTEAD),
    sync_crate("tempfile::tempfile_in", 2, "`tempfile::tempfile_in`", BLOCKS, TEMPFILE_INSTEAD),
    sync_crate("tempfile::tempdir", 2, "`tempfile::tempdir`", BLOCKS, TEMPFILE_INSTEAD),
    sync_crate("tempfile::tempdir_in", 2, "`tempfile::tempdir_in`", BLOCKS, TEMPFILE_INSTEAD),
    sync_crate("tempfile::NamedTempFile::new", 3, "`tempfile::NamedTempFile::new`", BLOCKS, TEMPFILE_INSTEAD),
    sync_crate("tempfile::NamedTempFile::new_in", 3, "`tempfile::NamedTempFile::new_in`", BLOCKS, TEMPFILE_INSTEAD),
    sync_crate("tempfile::TempDir::new", 3, "`tempfile::TempDir::new`", BLOCKS, TEMPFILE_INSTEAD),
    sync_crate("tempfile::TempDir::new_in", 3, "`tempfile::TempDir::new_in`", BLOCKS, TEMPFILE_INSTEAD),
    sync_crate("fs_extra::dir::copy", 3, "`fs_extra::dir::copy`", BLOCKS, FS_EXTRA_INSTEAD),
    sync_crate("fs_extra::dir::move_dir", 3, "`fs_extra::dir::move_dir`", BLOCKS, FS_EXTRA_INSTEAD),
    sync_crate("fs_extra::dir::remove", 3, "`fs_extra::dir::remove`", BLOCKS, FS_EXTRA_INSTEAD),
    sync_crate("fs_extra::dir::create", 3, "`fs_extra::dir::create`", BLOCKS, FS_EXTRA_INSTEAD),
    sync_crate("fs_extra::dir::create_all", 3, "`fs_extra::dir::create_all`", BLOCKS, FS_EXTRA_INSTEAD),
    sync_crate("fs_extra::dir::get_size", 3, "`fs_extra::dir::get_size`", BLOCKS, FS_EXTRA_INSTEAD),
    sync_crate("fs_extra::dir::get_dir_content", 3, "`fs_extra::dir::get_dir_content`", BLOCKS, FS_EXTRA_INSTEAD),
    sync_crate("fs_extra::file::copy", 3, "`fs_extra::file::copy`", BLOCKS, FS_EXTRA_INSTEAD),
    sync_crate("fs_extra::file::move_file", 3, "`fs_extra::file::move_file`", BLOCKS, FS_EXTRA_INSTEAD),
    sync_crate("fs_extra::file::remove", 3, "`fs_extra::file::remove`", BLOCKS, FS_EXTRA_INSTEAD),
    sync_crate("fs_extra::file::read_to_string", 3, "`fs_extra::file::read_to_string`", BLOCKS, FS_EXTRA_INSTEAD),
    sync_crate("fs_extra::file::write_all", 3, "`fs_extra::file::write_all`", BLOCKS, FS_EXTRA_INSTEAD),
    sync_crate("fs_extra::copy_items", 2, "`fs_extra::copy_items`", BLOCKS, FS_EXTRA_INSTEAD),
    sync_crate("fs_extra::move_items", 2, "`fs_extra::move_items`", BLOCKS, FS_EXTRA_INSTEAD),
    sync_crate("fs_extra::remove_items", 2, "`fs_extra::remove_items`", BLOCKS, FS_EXTRA_INSTEAD),
    // sync clients
    sync_crate("mysql::Pool::new", 3, "`mysql::Pool::new`", "blocks the executor thread: `mysql` is a blocking client", "use `mysql_async::Pool::new(..)` and `.get_conn().await`"),
    sync_crate("mysql::Conn::new", 3, "`mysql::Conn::new`", "blocks the executor thread: `mysql` is a blocking client", "use `mysql_async::Conn::new(..).await`"),
    sync_crate("ssh2::Session::new", 3, "`ssh2::Session`", "blocks the executor thread: `ssh2` (libssh2) is a blocking client, from its handshake to its channels", "use an async SSH client (`russh`, `async-ssh2-tokio`), or run the session inside `tokio::task::spawn_blocking`"),
    sync_crate("git2::Repository::open", 3, "`git2::Repository::open`", "blocks the executor thread: `git2` (libgit2) is a blocking API", "run the repository work inside `tokio::task::spawn_blocking`"),
    sync_crate("git2::Repository::init", 3, "`git2::Repository::init`", "blocks the executor thread: `git2` (libgit2) is a blocking API", "run the repository work inside `tokio::task::spawn_blocking`"),
    sync_crate("git2::Repository::clone", 3, "`git2::Repository::clone`", "blocks the executor thread: `git2` (libgit2) is a blocking API", "run the repository work inside `tokio::task::spawn_blocking`"),
    sync_crate("git2::Repository::discover", 3, "`git2::Repository::discover`", "blocks the executor thread: `git2` (libgit2) is a blocking API", "run the repository work inside `tokio::task::spawn_blocking`"),
    sync_crate("git2::Repository::open_bare", 3, "`git2::Repository::open_bare`", "blocks the executor thread: `git2` (libgit2) is a blocking API", "run the repository work inside `tokio::task::spawn_blocking`"),
    sync_crate("lettre::SmtpTransport::relay", 3, "`lettre::SmtpTransport`", LETTRE_WHY, LETTRE_INSTEAD),
    sync_crate("lettre::SmtpTransport::starttls_relay", 3, "`lettre::SmtpTransport`", LETTRE_WHY, LETTRE_INSTEAD),
    sync_crate("lettre::SmtpTransport::builder_dangerous", 3, "`lettre::SmtpTransport`", LETTRE_WHY, LETTRE_INSTEAD),
    sync_crate("lettre::SmtpTransport::unencrypted_localhost", 3, "`lettre::SmtpTransport`", LETTRE_WHY, LETTRE_INSTEAD),
    sync_crate("lettre::SmtpTransport::from_url", 3, "`lettre::SmtpTransport`", LETTRE_WHY, LETTRE_INSTEAD),
    // databases
    BlockingApi {
        pattern: ApiPattern::Path { canonical: "postgres::Client::connect", min_written: 3, bare: false },
        what: "`postgres::Client::connect`",
        why: "is the blocking `postgres` client: it runs its own runtime and blocks the \
              executor thread",
        instead: "use `tokio_postgres::connect(..).await`",
    },
    path("rusqlite::Connection::open", "`rusqlite::Connection::open`", false, "is the blocking `rusqlite` client and blocks the executor thread", "use `tokio_rusqlite::Connection::open(..).await`, or move the work into `tokio::task::spawn_blocking`"),
    path("rusqlite::Connection::open_in_memory", "`rusqlite::Connection::open_in_memory`", false, "is the blocking `rusqlite` client and blocks the executor thread", "use `tokio_rusqlite::Connection::open_in_memory(..).await`, or move the work into `tokio::task::spawn_blocking`"),
    path("rusqlite::Connection::open_with_flags", "`rusqlite::Connection::open_with_flags`", false, "is the blocking `rusqlite` client and blocks the executor thread", "use `tokio_rusqlite::Connection::open_with_flags(..).await`, or move the work into `tokio::task::spawn_blocking`"),
    // blocking HTTP clients
    BlockingApi {
        pattern: ApiPattern::Module {
            prefix: "reqwest::blocking",
            min_written: 2,
            items: &["get", "Client", "ClientBuilder", "Request", "RequestBuilder", "Response"],
        },
        what: "`reqwest::blocking`",
        why: "is a blocking HTTP client: it blocks the executor thread and panics when used \
              inside a tokio runtime",
        instead: "use `reqwest::Client` with `.send().await`",
    },
    BlockingApi {
        pattern: ApiPattern::Module { prefix: "ureq", min_written: 1, items: &[] },
        what: "`ureq`",
        why: "is a blocking HTTP client and blocks the executor thread",
        instead: "use `reqwest::Client` with `.send().await`, or move the request into \
                  `tokio::task::spawn_blocking`",
    },
    // A child spawned from a std `Command`: before the generic `.wait()` below, so the
    // message names the exact method.
    method("wait", &["std::process::Child"], "std", Shape::OnOrigin(Origin::Command), "`std::process::Child::wait`", WAITS_FOR_CHILD, "use `tokio::process::Command` and `.wait().await` on its child"),
    method("wait_with_output", &["std::process::Child"], "std", Shape::OnOrigin(Origin::Command), "`std::process::Child::wait_with_output`", WAITS_FOR_CHILD, "use `tokio::process::Command` and `.wait_with_output().await` on its child"),
    // sync waits
    method("recv", SYNC_RECEIVERS, "a sync channel receiver", Shape::Arity(0), "`.recv()` that is not awaited (a sync channel receiver's `recv`)", BLOCKS, "use `tokio::sync::mpsc` and `.recv().await`, or receive from a sync channel inside `tokio::task::spawn_blocking`"),
    method("recv_timeout", SYNC_RECEIVERS, "a sync channel receiver", Shape::Arity(1), "`.recv_timeout(..)` (a sync channel receiver's `recv_timeout`)", BLOCKS, "use `tokio::sync::mpsc` and `tokio::time::timeout(d, rx.recv()).await`"),
    method("iter", SYNC_RECEIVERS, "a sync channel receiver", Shape::OnOrigin(Origin::SyncReceiver), "iterating a sync channel receiver (`.iter()`)", "blocks the executor thread at every item, until every sender is gone", ITERATE_RECEIVER),
    method("into_iter", SYNC_RECEIVERS, "a sync channel receiver", Shape::OnOrigin(Origin::SyncReceiver), "iterating a sync channel receiver (`for .. in rx`, `.into_iter()`)", "blocks the executor thread at every item, until every sender is gone", ITERATE_RECEIVER),
    method("join", &["std::thread::JoinHandle", "std::thread::ScopedJoinHandle"], "std", Shape::Arity(0), "`.join()` with no arguments and not awaited (std `thread::JoinHandle::join`)", "blocks the executor thread until the thread ends", "run the work with `tokio::task::spawn_blocking` and `.await` its handle"),
    method("wait", &["std::sync::Barrier", "std::process::Child"], "std", Shape::Arity(0), "`.wait()` that is not awaited (std `Barrier::wait` or `process::Child::wait`)", BLOCKS, "use `tokio::sync::Barrier` or `tokio::process::Child` and `.wait().await`"),
    condvar_wait!("wait", 1),
    condvar_wait!("wait_while", 2),
    condvar_wait!("wait_timeout", 2),
    condvar_wait!("wait_timeout_ms", 2),
    method("wait_timeout_while", &["std::sync::Condvar"], "std", Shape::Arity(3), "`.wait_timeout_while(..)` (std `Condvar::wait_timeout_while`)", BLOCKS, "use `tokio::sync::Notify` and `tokio::time::timeout(d, notify.notified()).await`"),
    // processes
    method("output", &["std::process::Command"], "std", Shape::OnOrigin(Origin::Command), "`std::process::Command::output`", WAITS_FOR_CHILD, "use `tokio::process::Command` and `.output().await`"),
    method("status", &["std::process::Command"], "std", Shape::OnOrigin(Origin::Command), "`std::process::Command::status`", WAITS_FOR_CHILD, "use `tokio::process::Command` and `.status().await`"),
    method("wait_with_output", &["std::process::Child"], "std", Shape::Arity(0), "`.wait_with_output()` (std `process::Child::wait_with_output`)", WAITS_FOR_CHILD, "use `tokio::process::Child` and `.wait_with_output().await`"),
    // files opened through OpenOptions
    method("open", &["std::fs::OpenOptions"], "std", Shape::OnOrigin(Origin::OpenOptions), "`std::fs::OpenOptions::open`", BLOCKS, "use `tokio::fs::OpenOptions` and `.open(..).await`, or move the work into `tokio::task::spawn_blocking`"),
    // stdin
    stdin_read!("read_line"),
    stdin_read!("lines"),
    stdin_read!("read_to_string"),
    stdin_read!("read_to_end"),
    stdin_read!("read"),
    stdin_read!("read_exact"),
    stdin_read!("bytes"),
    // network, by method
    method("to_socket_addrs", &["std::net::ToSocketAddrs"], "std", Shape::NoArgs, "`.to_socket_addrs()` (std `ToSocketAddrs`)", "resolves names with blocking DNS on the executor thread", "use `tokio::net::lookup_host(..).await`"),
    method("accept", &["std::net::TcpListener", "std::os::unix::net::UnixListener"], "std", Shape::Arity(0), "`.accept()` that is not awaited (std `TcpListener::accept`)", BLOCKS, "use `tokio::net::TcpListener` and `.accept().await`"),
    // tokio's own blocking entry points
    method("block_on", &["tokio::runtime::Runtime", "tokio::runtime::Handle"], "tokio", Shape::Always, "`.block_on(..)` (tokio `Runtime::block_on` / `Handle::block_on`)", "panics inside a runtime (\"Cannot start a runtime from within a runtime\") and would block the executor thread", "`.await` the future instead"),
    tokio_blocking!("recv", "tokio::sync::mpsc::Receiver"),
    tokio_blocking!("recv_many", "tokio::sync::mpsc::Receiver"),
    tokio_blocking!("send", "tokio::sync::mpsc::Sender"),
    tokio_blocking!("lock", "tokio::sync::Mutex"),
    tokio_blocking!("read", "tokio::sync::RwLock"),
    tokio_blocking!("write", "tokio::sync::RwLock"),
    tokio_blocking!("lock_owned", "tokio::sync::Mutex"),
    tokio_blocking!("acquire", "tokio::sync::Semaphore"),
    tokio_blocking!("acquire_many", "tokio::sync::Semaphore"),
    tokio_blocking!("acquire_owned", "tokio::sync::Semaphore"),
    tokio_blocking!("acquire_many_owned", "tokio::sync::Semaphore"),
    // databases, by method
    method("get_connection", &["redis::Client"], "redis", Shape::Arity(0), "`.get_connection(..)` (`redis::Client::get_connection`)", "opens a blocking redis connection on the executor thread", "use `redis::aio` with `.get_multiplexed_async_connection().await`"),
    method("get_connection_with_timeout", &["redis::Client"], "redis", Shape::Arity(1), "`.get_connection_with_timeout(..)` (`redis::Client::get_connection_with_timeout`)", "opens a blocking redis connection on the executor thread", "use `redis::aio` with `.get_multiplexed_async_connection().await`"),
    method("query", &["redis::Cmd", "redis::Pipeline"], "redis", Shape::OnOrigin(Origin::RedisCommand), "`.query(&mut con)` on a redis command (redis's sync `Cmd::query`)", "runs a blocking redis command on the executor thread", "use a `redis::aio` connection and `.query_async(&mut con).await`"),
    diesel_query!("load"),
    diesel_query!("get_result"),
    diesel_query!("get_results"),
    diesel_query!("execute"),
    diesel_query!("first"),
    // lock guards held across an await
    guard!("lock", "Mutex"),
    guard!("read", "RwLock"),
    guard!("write", "RwLock"),
    method("borrow", &["std::cell::RefCell"], "std", Shape::GuardAcrossAwait, "a `RefCell` borrow (`.borrow()`)", "", ""),
    method("borrow_mut", &["std::cell::RefCell"], "std", Shape::GuardAcrossAwait, "a `RefCell` borrow (`.borrow_mut()`)", "", ""),
];

/// A row of a [`BlockingCatalogue`]: a built-in [`BlockingApi`] or a crate's `deny`
/// rule, with its paths split into segments once.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) pattern: Pattern,
    pub(crate) what: Cow<'static, str>,
    pub(crate) why: Cow<'static, str>,
    pub(crate) instead: Cow<'static, str>,
}

/// The calls whose arguments can show that they return at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CallKind {
    /// `std::net::{TcpListener, UdpSocket}::bind`: waits for no peer, so only a name to
    /// resolve can block it.
    Bind,
    /// `std::io::copy`: blocks only on the I/O of its reader and writer.
    IoCopy,
}

impl Entry {
    /// Which of the [`CallKind`]s a path row is.
    pub(crate) fn call_kind(&self) -> Option<CallKind> {
        let Pattern::Path { canonical, .. } = &self.pattern else {
            return None;
        };
        match canonical.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            ["std", "net", "TcpListener" | "UdpSocket", "bind"] => Some(CallKind::Bind),
            ["std", "io", "copy"] => Some(CallKind::IoCopy),
            _ => None,
        }
    }

    /// Whether a method row stands for a std `Condvar` wait, whose first argument is the
    /// guard: a call whose first argument is visibly something else is not it.
    pub(crate) fn takes_a_guard(&self) -> bool {
        matches!(&self.pattern, Pattern::Method { paths, .. }
            if paths.iter().any(|path| path.iter().any(|segment| segment == "Condvar")))
    }
}

#[derive(Clone, Debug)]
pub(crate) enum Pattern {
    Path {
        canonical: Vec<String>,
        min_written: usize,
        bare: bool,
    },
    Module {
        prefix: Vec<String>,
        min_written: usize,
        items: &'static [&'static str],
    },
    Method {
        name: String,
        shape: Shape,
        paths: Vec<Vec<String>>,
        owner: Cow<'static, str>,
    },
}

/// A table in matching form.
pub(crate) fn compile(table: &[BlockingApi]) -> Vec<Entry> {
    table.iter().map(Entry::from).collect()
}

fn split(path: &str) -> Vec<String> {
    path.split("::").map(str::to_owned).collect()
}

/// The paths of [`ORIGINS`] in matching form, made once per process (a receiver chain's
/// origin is looked up for every `let` a scan reads).
pub(crate) fn origin_paths() -> &'static [Vec<String>] {
    static PATHS: OnceLock<Vec<Vec<String>>> = OnceLock::new();
    PATHS.get_or_init(|| {
        ORIGINS
            .iter()
            .map(|constructor| split(constructor.canonical))
            .collect()
    })
}

impl From<&BlockingApi> for Entry {
    fn from(api: &BlockingApi) -> Self {
        let pattern = match api.pattern {
            ApiPattern::Path {
                canonical,
                min_written,
                bare,
            } => Pattern::Path {
                canonical: split(canonical),
                min_written,
                bare,
            },
            ApiPattern::Module {
                prefix,
                min_written,
                items,
            } => Pattern::Module {
                prefix: split(prefix),
                min_written,
                items,
            },
            ApiPattern::Method {
                name,
                shape,
                owners,
                owner,
            } => Pattern::Method {
                name: name.to_owned(),
                shape,
                paths: owners
                    .iter()
                    .map(|owner| split(&format!("{owner}::{name}")))
                    .collect(),
                owner: Cow::Borrowed(owner),
            },
        };
        Entry {
            pattern,
            what: Cow::Borrowed(api.what),
            why: Cow::Borrowed(api.why),
            instead: Cow::Borrowed(api.instead),
        }
    }
}

impl Entry {
    /// What and why: "`std::fs::read` blocks the executor thread".
    pub(crate) fn message(&self) -> String {
        format!("{} {}", self.what, self.why)
    }

    /// The note of a method matched by its name and shape: a call the rules cannot see
    /// the receiver's type of, with how to silence it.
    pub(crate) fn name_match_note(&self) -> Option<String> {
        match &self.pattern {
            Pattern::Method {
                name,
                shape: Shape::Arity(_) | Shape::MutRefArg,
                owner,
                ..
            } => Some(format!(
                "matched by name: if this `.{name}` is not {owner}'s, add `allow(.{name})` to \
                 the attribute"
            )),
            _ => None,
        }
    }

    /// The note of a call matched by a shortened path (`fs::read`, `File::open`) or a
    /// bare name (`sleep`), which may name the user's own item.
    pub(crate) fn shortened_path_note(&self, written: &str) -> String {
        let owner = match &self.pattern {
            Pattern::Path { canonical, .. } => canonical.first(),
            Pattern::Module { prefix, .. } => prefix.first(),
            Pattern::Method { .. } => None,
        };
        let owner = owner.map_or("std", String::as_str);
        format!(
            "`{written}` was read as {owner}'s: if it is your own, write its path from `crate::`"
        )
    }
}

/// How well a written path matched a path or module row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PathMatch {
    /// Written in full (`std::fs::read`), or resolved through a `use` in view:
    /// certainly the blocking function.
    Full,
    /// A shortened path (`fs::read`, `File::open`): blocking unless awaited, because
    /// tokio has async functions of the same names.
    Shortened,
    /// A bare distinctive name (`sleep`, `read_dir`) no import in view explains:
    /// blocking when its result is consumed as a value.
    Bare,
}

/// The blocking calls one item (or one crate, for the checker) is checked against: the
/// built-in [`BUILTIN`] table with a policy applied.
///
/// ```
/// use async_hygiene_analysis::blocking::BlockingCatalogue;
/// use async_hygiene_analysis::policy::Rule;
///
/// let mut catalogue = BlockingCatalogue::builtin();
/// catalogue.deny(&"db::query_sync".parse::<Rule>().unwrap(), "use `db::query(..).await`", "this crate's policy");
/// assert!(catalogue.allow(&"std::fs::metadata".parse::<Rule>().unwrap()));
/// assert!(!catalogue.allow(&"std::fs::not_a_thing".parse::<Rule>().unwrap()), "nothing to allow");
/// ```
#[derive(Clone, Debug)]
pub struct BlockingCatalogue {
    /// A crate's `deny` rules, the latest first: they win over a built-in row of the
    /// same name.
    denied: Vec<Entry>,
    /// [`BUILTIN`] in matching form, made once per process: a compiler runs the macro
    /// once per annotated item, and each run starts from this table.
    builtin: &'static [Entry],
    /// The built-in rows an `allow` removed, by index.
    allowed: Vec<bool>,
    /// Calls whose closure arguments run off the executor thread, so blocking there is
    /// the fix: `spawn_blocking`, `block_in_place`, and a crate's own wrappers.
    offloads: Vec<Rule>,
    /// Name prefixes of calls that run their closure arguments off the executor
    /// (`spawn_blocking_with_tracing`): none for [`BUILTIN`].
    offload_prefixes: Vec<&'static str>,
    /// The rule its findings break: [`Lint::Blocking`] for [`BUILTIN`], another for a
    /// table of another rule scanned the same way (`cpu_bound`).
    lint: Lint,
}

impl Default for BlockingCatalogue {
    fn default() -> Self {
        BlockingCatalogue::builtin()
    }
}

impl BlockingCatalogue {
    /// The built-in table.
    #[must_use]
    pub fn builtin() -> Self {
        static COMPILED: OnceLock<Vec<Entry>> = OnceLock::new();
        let builtin = COMPILED.get_or_init(|| compile(BUILTIN));
        BlockingCatalogue::of_table(builtin, Lint::Blocking)
    }

    /// A catalogue of another rule's table, matched by the same scan, with the same
    /// offload calls; its findings are `lint`'s.
    pub(crate) fn of_table(builtin: &'static [Entry], lint: Lint) -> Self {
        BlockingCatalogue {
            lint,
            offload_prefixes: Vec::new(),
            denied: Vec::new(),
            builtin,
            allowed: vec![false; builtin.len()],
            offloads: vec![
                Rule::Method("spawn_blocking".to_owned()),
                Rule::Method("block_in_place".to_owned()),
            ],
        }
    }

    /// The rule its findings break.
    #[must_use]
    pub fn lint(&self) -> Lint {
        self.lint
    }

    /// Applies a policy's `deny`, `offload` and `allow` rules, in that order. `source`
    /// names the policy in messages ("this crate's `async-hygiene.toml`"). Returns the
    /// `allow` rules that matched nothing: a typo there must be an error, not a no-op.
    pub fn apply<'p>(&mut self, policy: &'p Policy, source: &str) -> Vec<&'p PolicyRule> {
        self.apply_rules([&policy.deny, &policy.offload, &policy.allow], source)
    }

    /// Applies `deny`, `offload` and `allow` rules, in that order; returns the `allow`
    /// rules that matched nothing.
    pub(crate) fn apply_rules<'p>(
        &mut self,
        [deny, offload, allow]: [&'p [PolicyRule]; 3],
        source: &str,
    ) -> Vec<&'p PolicyRule> {
        for rule in deny {
            self.deny(&rule.rule, &rule.text, source);
        }
        for rule in offload {
            self.offload(&rule.rule);
        }
        allow
            .iter()
            .filter(|rule| !self.allow(&rule.rule))
            .collect()
    }

    /// Declares a crate's own offload wrapper (`asyncify(|| ..)`, `.interact(|conn| ..)`).
    pub fn offload(&mut self, rule: &Rule) {
        self.offloads.push(rule.clone());
    }

    /// Declares every call whose name starts with `prefix` an offload call.
    pub(crate) fn offload_prefix(&mut self, prefix: &'static str) {
        self.offload_prefixes.push(prefix);
    }

    fn has_offload_prefix(&self, name: &str) -> bool {
        self.offload_prefixes
            .iter()
            .any(|prefix| name.starts_with(prefix))
    }

    /// Adds a crate's own blocking call. `source` says where the rule comes from, so the
    /// message can say who denied it.
    pub fn deny(&mut self, rule: &Rule, instead: &str, source: &str) {
        let pattern = match rule {
            Rule::Path(segments) => Pattern::Path {
                canonical: segments.clone(),
                min_written: segments.len().min(2),
                bare: false,
            },
            Rule::Method(name) => Pattern::Method {
                name: name.clone(),
                shape: Shape::NotAwaited,
                paths: Vec::new(),
                owner: Cow::Borrowed("std"),
            },
        };
        let what = match rule {
            Rule::Path(_) => format!("`{rule}`"),
            Rule::Method(_) => format!("`{rule}(..)`"),
        };
        // User rules come first so they win over a built-in entry of the same name.
        self.denied.insert(
            0,
            Entry {
                pattern,
                what: Cow::Owned(what),
                why: Cow::Owned(format!("is denied by {source}")),
                instead: Cow::Owned(instead.to_owned()),
            },
        );
    }

    /// Removes the entries a rule names. Returns whether any matched, so a typo in an
    /// allow rule is an error instead of a silent no-op.
    pub fn allow(&mut self, rule: &Rule) -> bool {
        let denied = self.denied.len();
        self.denied.retain(|entry| !allows(rule, &entry.pattern));
        let mut matched = self.denied.len() != denied;
        for (entry, allowed) in self.builtin.iter().zip(&mut self.allowed) {
            if !*allowed && allows(rule, &entry.pattern) {
                *allowed = true;
                matched = true;
            }
        }
        matched
    }

    /// Every entry in matching order: the crate's deny rules, then the built-in rows
    /// not allowed.
    pub(crate) fn entries(&self) -> impl Iterator<Item = &Entry> + '_ {
        let builtin = self
            .builtin
            .iter()
            .zip(&self.allowed)
            .filter(|(_, allowed)| !**allowed)
            .map(|(entry, _)| entry);
        self.denied.iter().chain(builtin)
    }

    /// Whether a path call runs its closure arguments off the executor thread. A
    /// `.name` rule matches functions of that name on any path too.
    pub(crate) fn is_offload_call(&self, candidates: &[Vec<String>]) -> bool {
        let prefixed = candidates.iter().any(|written| {
            written
                .last()
                .is_some_and(|name| self.has_offload_prefix(name))
        });
        prefixed
            || self.offloads.iter().any(|rule| match rule {
                Rule::Method(name) => candidates
                    .iter()
                    .any(|written| written.last() == Some(name)),
                Rule::Path(path) => candidates
                    .iter()
                    .any(|written| match_path(written, path, path.len().min(2)).is_some()),
            })
    }

    /// Whether a method runs its closure arguments off the executor thread.
    pub(crate) fn is_offload_method(&self, method: &str) -> bool {
        self.has_offload_prefix(method)
            || self
                .offloads
                .iter()
                .any(|rule| matches!(rule, Rule::Method(name) if name == method))
    }

    /// The entry for a call of one of the candidate paths (the written path and what the
    /// `use` items in view resolve it to). `bare_names`: whether a single-segment path
    /// may be a distinctive std name (the imports in view are partial).
    pub(crate) fn path_call(
        &self,
        candidates: &[Vec<String>],
        bare_names: bool,
    ) -> Option<(&Entry, PathMatch)> {
        let mut guess = None;
        for entry in self.entries() {
            for written in candidates {
                let found = match &entry.pattern {
                    Pattern::Path {
                        canonical,
                        min_written,
                        bare,
                    } => match_path(written, canonical, *min_written).or_else(|| {
                        (bare_names && *bare && written.len() == 1 && canonical.ends_with(written))
                            .then_some(PathMatch::Bare)
                    }),
                    Pattern::Module {
                        prefix,
                        min_written,
                        items,
                    } => match_module(written, prefix, *min_written, items),
                    Pattern::Method { .. } => None,
                };
                match found {
                    Some(PathMatch::Full) => return Some((entry, PathMatch::Full)),
                    Some(found) if guess.is_none() => guess = Some((entry, found)),
                    _ => {}
                }
            }
        }
        guess
    }

    /// The entries for a method name, in table order.
    pub(crate) fn methods<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries().filter(
            move |entry| matches!(&entry.pattern, Pattern::Method { name: n, .. } if n == name),
        )
    }

    /// The guard entry for a lock method, unless allowed.
    pub(crate) fn guard(&self, name: &str) -> Option<&Entry> {
        self.entries().find(|entry| {
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

pub(crate) fn match_path(
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
    // `blocking::get` written after `use reqwest::blocking` out of sight: the path
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
