//! Where a module's file is, as rustc decides it: `mod name;` in `dir/name.rs` or
//! `dir/name/mod.rs`, or where `#[path]` says.

use std::path::{Path, PathBuf};

use syn::{Attribute, Expr};

use crate::facts::FileKey;

/// The directory of the file's `mod x;` children.
pub(crate) fn module_dir(key: &FileKey) -> PathBuf {
    let parent = key.path.parent().unwrap_or(Path::new("")).to_path_buf();
    if key.owns_dir {
        parent
    } else {
        let stem = key.path.file_stem().unwrap_or_default();
        parent.join(stem)
    }
}

/// The file of `mod name;`: `#[path]` relative to the file's directory (inside an
/// inline module: to that module's directory), else `dir/name.rs` or
/// `dir/name/mod.rs`.
pub(crate) fn module_file(
    key: &FileKey,
    name: &str,
    path_attr: Option<&str>,
    dir: &Path,
    top_level: bool,
) -> Option<FileKey> {
    if let Some(path_attr) = path_attr {
        let base = if top_level {
            key.path.parent().unwrap_or(Path::new("")).to_path_buf()
        } else {
            dir.to_path_buf()
        };
        let path = base.join(path_attr);
        return path.is_file().then_some(FileKey {
            path,
            owns_dir: true,
        });
    }
    candidate_files(name, dir)
        .into_iter()
        .find(|(path, _)| path.is_file())
        .map(|(path, owns_dir)| FileKey { path, owns_dir })
}

/// `dir/name.rs` (children in `dir/name/`) and `dir/name/mod.rs` (owns `dir/name/`); a
/// raw identifier's file drops the `r#` (`mod r#match;` is `match.rs`), as rustc's does.
pub(crate) fn candidate_files(name: &str, dir: &Path) -> [(PathBuf, bool); 2] {
    let name = file_name(name);
    [
        (dir.join(format!("{name}.rs")), false),
        (dir.join(name).join("mod.rs"), true),
    ]
}

/// A module's name as its file and directory spell it: `mod r#type;` is `type.rs`.
pub(crate) fn file_name(module: &str) -> &str {
    module.strip_prefix("r#").unwrap_or(module)
}

pub(crate) fn path_attribute(attrs: &[Attribute]) -> Option<String> {
    attrs.iter().find_map(|attr| {
        let syn::Meta::NameValue(meta) = &attr.meta else {
            return None;
        };
        if !meta.path.is_ident("path") {
            return None;
        }
        match &meta.value {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) => Some(text.value()),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::candidate_files;

    #[test]
    fn a_raw_module_name_is_looked_for_without_its_prefix() {
        assert_eq!(
            candidate_files("r#match", Path::new("src/grpc")),
            [
                (PathBuf::from("src/grpc/match.rs"), false),
                (PathBuf::from("src/grpc/match/mod.rs"), true),
            ]
        );
    }
}
