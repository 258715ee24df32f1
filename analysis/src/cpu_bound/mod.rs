//! CPU-heavy calls in async code: the catalogue of [`Lint::CpuBound`], scanned by the
//! blocking scan ([`crate::blocking::scan_block`]) with its offload contexts, its name
//! resolution and its import-aware matching. A call runs on the executor thread for as
//! long as it computes; the fix is to run it elsewhere (`#[offload]`, `spawn_blocking`,
//! rayon), never to make it async.
//!
//! Only what the calling code can name is matched: a path written from its crate
//! (`bcrypt::hash`), or a name a `use` in view resolves to one (`use bcrypt::hash;
//! hash(..)`). A bare `hash(..)` is never bcrypt's. Methods are guessed by name and
//! argument count only where the scope imports the crate or trait they belong to
//! (`.hash_password(..)` with `argon2` or `PasswordHasher` imported).
//!
//! ```
//! use async_hygiene_analysis::blocking::{scan_block, Context, Imports};
//! use async_hygiene_analysis::cpu_bound;
//! use async_hygiene_analysis::findings::Lint;
//!
//! let file: syn::File = syn::parse_quote! {
//!     use bcrypt::hash;
//!     async fn register(password: String) { let _ = hash(password, 12); }
//! };
//! let imports = Imports::module(&file.items);
//! let syn::Item::Fn(register) = &file.items[1] else { unreachable!() };
//! let findings = scan_block(&register.block, Context::Async, &cpu_bound::catalogue(), &imports);
//! assert_eq!(findings[0].lint, Lint::CpuBound);
//! assert!(findings[0].message.starts_with("`bcrypt::hash`"));
//! ```

mod catalogue;
#[cfg(test)]
mod tests;

use std::sync::OnceLock;

pub use self::catalogue::BUILTIN;
use crate::blocking::catalogue::{compile, Entry};
use crate::blocking::BlockingCatalogue;
use crate::findings::Lint;
use crate::policy::{Policy, PolicyRule, Rule};

/// The built-in CPU-heavy calls, with the blocking scan's offload calls
/// (`spawn_blocking`, `block_in_place`; thread spawns are always offloads) and, for CPU
/// work, the pool wrappers of web frameworks and crates: `actix_web::web::block`, and
/// any call named `spawn_blocking_*` (`spawn_blocking_with_tracing`, tokio's
/// `spawn_blocking_on`), whose closures run on a blocking pool.
#[must_use]
pub fn catalogue() -> BlockingCatalogue {
    static COMPILED: OnceLock<Vec<Entry>> = OnceLock::new();
    let table = COMPILED.get_or_init(|| compile(BUILTIN));
    let mut catalogue = BlockingCatalogue::of_table(table, Lint::CpuBound);
    catalogue.offload(&Rule::Path(
        ["actix_web", "web", "block"].map(str::to_owned).to_vec(),
    ));
    catalogue.offload_prefix("spawn_blocking");
    catalogue
}

/// Applies a policy to a `cpu-bound` catalogue: `[cpu_bound.deny]`, the crate's offload
/// wrappers (`[no_blocking.offload]`: their closures run off the executor for any work),
/// then `[cpu_bound.allow]`. Returns the `allow` rules that matched nothing.
pub fn apply<'p>(
    catalogue: &mut BlockingCatalogue,
    policy: &'p Policy,
    source: &str,
) -> Vec<&'p PolicyRule> {
    catalogue.apply_rules(
        [
            &policy.cpu_bound_deny,
            &policy.offload,
            &policy.cpu_bound_allow,
        ],
        source,
    )
}
