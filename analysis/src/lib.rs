//! The rules of async-hygiene, as plain functions over `syn` types, shared by the
//! attributes (`async-hygiene-macros`) and the whole-crate checker (`cargo-async-hygiene`).
//! One set of rules: a rule fixed here is fixed for both, with the same messages.
//!
//! Callers turn the typed results into what they print: the macros into spanned
//! `compile_error!`s, the checker into rustc-style diagnostics with file, line and column.
//!
//! | module | what it decides |
//! |---|---|
//! | [`shape`] | what shape the attributes above left a fn in (plain `async fn`, `#[async_trait]` boxed body: a tail `Box::pin(async { .. })`, `#[tokio::main]`/`#[tokio::test]` entry, sync fn with or without an async block, not a fn) and where its async body is: [`shape::classify`], [`shape::fn_shape`] |
//! | [`blocking`] | which calls in async code block the thread: the catalogue, the scanner, guards held across `.await`, import resolution; typed findings |
//! | [`cpu_bound`] | which calls in async code compute for long (password hashing, image processing, whole-buffer compression): a catalogue the blocking scan matches |
//! | [`policy`] | `async-hygiene.toml`: the crate's deny/allow/offload lists and lint levels |
//! | [`findings`] | what a check reports: rule code ([`findings::Lint`]), location, message, fix, notes, labels |
//! | [`syntax`] | small questions about syntax every rule asks (`peel`, `tokens_mention`) |
//! | [`spawn`] | spawned work: fan-out with nothing that caps it, tasks whose `JoinHandle` is dropped at once |
//! | [`concurrent`] | `#[concurrent]`'s plan: use/def facts, the dependency graph, the schedule, and why each statement that did not move stayed |

pub mod blocking;
pub mod concurrent;
pub mod cpu_bound;
pub mod findings;
pub mod policy;
pub mod shape;
pub mod spawn;
pub mod syntax;
