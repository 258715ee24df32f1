//! The crate's `async-hygiene.toml`, as every attribute reads it: found next to the
//! crate's `Cargo.toml` (`CARGO_MANIFEST_DIR`), a malformed file reported as one error,
//! and a tracking item so that cargo rebuilds the crate when the file changes.

use std::path::Path;

use async_hygiene_analysis::policy::{self, LoadedPolicy, Policy, Reader};
use syn::{Block, Item, Signature, Stmt};

use crate::private::Private;
use crate::watchdog_hook;

/// The file of the crate being compiled, if it has one.
pub(crate) fn load() -> Option<LoadedPolicy> {
    std::env::var_os("CARGO_MANIFEST_DIR").and_then(|dir| load_in(Path::new(&dir)))
}

/// The file in `dir`, as the attributes read it: their own tables. `[lints]` is the
/// checker's, which reports a mistake there once; read here, the same error would
/// stop the build once for every annotated item.
fn load_in(dir: &Path) -> Option<LoadedPolicy> {
    policy::load_for(dir, Reader::Attributes)
}

/// The policy, or `None` with the problem pushed as an error (at the attribute: the file
/// has no tokens to point at; the message names the file and the line).
pub(crate) fn policy<'a>(
    loaded: &'a LoadedPolicy,
    errors: &mut Vec<syn::Error>,
) -> Option<&'a Policy> {
    match &loaded.policy {
        Ok(policy) => Some(policy),
        Err(message) => {
            errors.push(syn::Error::new(
                proc_macro2::Span::call_site(),
                format!("malformed {}: {message}", policy::FILE_NAME),
            ));
            None
        }
    }
}

/// `const _: &[u8] = include_bytes!("/abs/async-hygiene.toml");`: rustc records the
/// file as an input of the crate, so cargo rebuilds (and re-runs the attributes) when it
/// changes, even when it is malformed. The bytes are never used, so nothing reaches the
/// binary.
pub(crate) fn tracking_item(path: &Path) -> Option<Item> {
    let path = path.to_str()?;
    let private = Private::call_site();
    Some(syn::parse_quote! {
        const _: &[u8] = #private::core::include_bytes!(#path);
    })
}

/// Puts the tracking item first in the body of a fn an attribute has checked or
/// rewritten, inside the watchdog hook: the attribute below or above still finds the
/// plain body (`watchdog_hook::plain_body` reads a body that is exactly the watch call).
///
/// Input:  `{ watch_body!(.., body = { body }) }` (or `{ body }` where nothing is watched)
/// Output: `{ watch_body!(.., body = { T; body }) }` (or `{ T; body }`)
pub(crate) fn track_in_fn(sig: &Signature, block: &mut Block, tracking: &Item) {
    let mut plain = watchdog_hook::plain_body(block.clone());
    plain.stmts.insert(0, Stmt::Item(tracking.clone()));
    *block = watchdog_hook::instrument_body(sig, plain);
}

#[cfg(test)]
mod tests {
    /// A bad level in the checker's `[lints]` or a table no attribute reads does not
    /// stop the build; the attributes' own tables still apply.
    #[test]
    fn the_checker_table_is_left_to_the_checker() {
        let dir = std::env::temp_dir().join(format!("policy_file_lints_{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(
            dir.join(super::policy::FILE_NAME),
            "[lints]\nblocking = \"loud\"\n[lint]\nblocking = \"warn\"\n\
             [no_blocking.deny]\n\".query_sync\" = \"use `.query().await`\"\n",
        )
        .expect("write the file");
        let loaded = super::load_in(&dir).expect("the file is found");
        let policy = loaded.policy.as_ref().expect("no error for the attributes");
        assert_eq!(policy.deny.len(), 1);
        let mut errors = Vec::new();
        assert!(super::policy(&loaded, &mut errors).is_some());
        assert!(errors.is_empty());
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
