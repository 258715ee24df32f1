//! `cpu-bound`: a known CPU-heavy call (password hashing, image processing, whole-buffer
//! compression, the crate's `[cpu_bound.deny]`) in async code, directly or through the
//! crate's own sync fns.
//!
//! The catalogue is `async-hygiene-analysis`'s `cpu_bound`, matched by the blocking scan
//! (the same offload contexts, name resolution and import-aware matching) on every async
//! context: [`super::blocking::check_async`] with [`Lint::CpuBound`], run by
//! [`crate::collect`]. The calls through sync fns come from [`crate::graph`], which
//! carries each sync fn's first CPU-heavy call to its async callers as it does
//! `blocking`'s; the report of such a call is worded here.
//!
//! [`Lint::CpuBound`]: async_hygiene_analysis::findings::Lint::CpuBound

use crate::rules::blocking::Wording;
use crate::rules::code::{Code, Doc, Rule};

pub(crate) static RULE: Rule = Rule {
    code: Code::CPU_BOUND,
    summary: "a known CPU-heavy call in async code holds the executor thread, directly or \
              through the crate's own sync functions",
    doc: Doc {
        what_it_does: "
Reports a call known to compute for long in async code (an async fn's body, an `async`
block or an async closure):

- password hashing and key derivation: `bcrypt::hash`/`verify`/`hash_with_result`,
  argon2's `hash_password`/`verify_password` (`PasswordHasher`/`PasswordVerifier`),
  `argon2::hash_encoded`, `scrypt::scrypt`, `pbkdf2::pbkdf2*`, `ring::pbkdf2`;
- images: `image::open`, `image::load_from_memory`, `ImageReader::decode`,
  `image::imageops::resize`, `DynamicImage::resize*`/`thumbnail*`/`write_to`;
- whole-buffer compression: `zstd::encode_all`/`decode_all`, `zstd::bulk`,
  `brotli::BrotliCompress`/`BrotliDecompress`, reading a `flate2` or `brotli` codec to
  the end or writing a whole buffer into one;
- the crate's own entries of `[cpu_bound.deny]` in `async-hygiene.toml`.

A path counts only when the code can name the library: written from its crate
(`bcrypt::hash(..)`) or imported (`use bcrypt::hash;`). A bare `hash(..)` of your own is
never bcrypt's, and a method is guessed by its name and argument count only where its
crate or trait is imported (`.hash_password(..)` with `argon2` or `PasswordHasher` in a
`use`). Cheap digests (SHA-2, BLAKE3, MD5 over a buffer) are not reported, nor is work
in the closures of `spawn_blocking`, `block_in_place`, `std::thread::spawn`/`scope`,
`rayon::spawn`, `actix_web::web::block`, any `spawn_blocking_*` wrapper
(`spawn_blocking_with_tracing`) or `[no_blocking.offload]`, nor in a sync fn only sync
code calls, nor in test code (`#[cfg(test)]` items, `#[test]`/`#[tokio::test]` fns,
files of `tests/` and `benches/`): a test's runtime serves no one else. Work inside a
rayon parallel iterator is still reported: the async caller waits on its thread until
the pool is done.

It also follows the crate's own sync fns: a call from async code to a sync fn that makes
such a call (itself or through other sync fns of the workspace) is reported at the call,
with the chain down to the heavy call. An `#[offload]` fn is awaited, so its callers are
not reported.
",
        precise: Some(
            "
The catalogue is matched on the path rustc resolved: a re-export under another name, a
codec or hasher whose type comes from a helper fn, directly or through your packages'
sync fns; a call inside a dependency is not followed. Each package's `[cpu_bound]` lists
apply to the reports in its own code. A call the default mode reports keeps its one
report.
",
        ),
        why_is_this_bad: "
An async runtime runs many tasks on a few threads, and a task only gives its thread back
at an `.await`. A computation has none: while a bcrypt hash at cost 12 runs (about
250 ms), every other task on that worker waits, whatever its own work, and a few logins
at once stall a whole service. Making the fn `async` does not help: the work is the
same, only somewhere else it stops blocking the tasks sharing the thread.
",
        example: "
```rust
async fn register(form: Form) -> Result<User, Error> {
    let hash = bcrypt::hash(&form.password, 12)?; // ~250 ms on the executor thread
    save(form.name, hash).await
}

async fn upload(bytes: Bytes) -> Result<(), Error> {
    let thumb = make_thumbnail(&bytes)?; // a sync fn of the crate: `image::load_from_memory`
    store(thumb).await
}
```
",
        use_instead: "
```rust
async fn register(form: Form) -> Result<User, Error> {
    let password = form.password.clone();
    let hash = tokio::task::spawn_blocking(move || bcrypt::hash(password, 12)).await??;
    save(form.name, hash).await
}

#[async_hygiene::offload]
fn make_thumbnail(bytes: Bytes) -> Result<Vec<u8>, Error> {
    // unchanged: the body now runs on tokio's blocking pool, and callers `.await` it
}
```

`#[offload]` on the crate's sync fn makes it an `async fn` whose body runs on the
blocking pool; `tokio::task::spawn_blocking` does the same for one call. For data
parallelism (many images, many chunks), use rayon inside that one blocking task.
",
        how_to_allow: "
One library call for the whole crate: `[cpu_bound.allow]` in `async-hygiene.toml`, with
the reason (`\"bcrypt::hash\" = \"cost 4 in this test server\"`); the crate's own heavy
calls: `[cpu_bound.deny]` (`\"render::rasterize\" = \"run it with #[offload]\"`,
or `\".score_all\" = \"..\"` for a method). A wrapper of the crate that runs its closure
off the executor: `[no_blocking.offload]`, which both rules read. The whole rule:
`cpu-bound = \"allow\"` (or `\"deny\"`) in the `[lints]` table.
",
    },
};

/// The report of a call from async code into the crate's sync fns that ends in a
/// CPU-heavy call.
pub(crate) const THROUGH_SYNC_FNS: Wording = Wording {
    code: Code::CPU_BOUND,
    effect: "runs CPU-heavy work on the executor thread",
    verb: "computes",
    finish: |diagnostic, chain| {
        let (first, _) = chain.ends();
        diagnostic
            .with_note(chain.leaf.message.clone())
            .with_help(format!(
                "run `{first}` off the executor: `#[offload]` (`async_hygiene::offload`) on \
                 it, or `tokio::task::spawn_blocking(move || {first}(..)).await`; for data \
                 parallelism, rayon inside that blocking task"
            ))
    },
};
