//! The crate's `async-hygiene.toml`, as every attribute reads it: found next to the
//! crate's `Cargo.toml` (`CARGO_MANIFEST_DIR`), a malformed file reported as one error,
//! and a tracking item so that cargo rebuilds the crate when the file changes.

use std::path::Path;

use async_hygiene_analysis::policy::{self, LoadedPolicy, Policy};
use syn::Item;

use crate::private::Private;

/// The file of the crate being compiled, if it has one.
pub(crate) fn load() -> Option<LoadedPolicy> {
    std::env::var_os("CARGO_MANIFEST_DIR").and_then(|dir| policy::load_from(Path::new(&dir)))
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
