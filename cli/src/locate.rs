//! What `check` was asked to check, found as cargo finds a package: `check` in a
//! package's subdirectory checks the package (the nearest `Cargo.toml` above),
//! `--manifest-path` and a `Cargo.toml` argument name a manifest, and one `.rs` file is
//! checked within its crate.

use std::path::{Path, PathBuf};

use crate::check::{self, Checked};
use crate::workspace::{Discovery, TargetKind};

/// Where to run the check.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Request {
    /// A directory holding a `Cargo.toml` (a package or a workspace). `only`: the one
    /// file whose reports are printed (computed with the whole package's call graph).
    Package { dir: PathBuf, only: Option<PathBuf> },
    /// A `.rs` file in no package: a crate root of its own.
    LoneFile(PathBuf),
}

/// Resolves `check [PATH] [--manifest-path PATH]`.
pub(crate) fn locate(path: Option<&Path>, manifest_path: Option<&Path>) -> Result<Request, String> {
    if let Some(manifest) = manifest_path {
        if manifest.file_name().is_none_or(|name| name != "Cargo.toml") {
            return Err(format!(
                "--manifest-path `{}` is not a path to a `Cargo.toml` file",
                manifest.display()
            ));
        }
        return manifest_dir(manifest, "--manifest-path ");
    }
    let path = path.unwrap_or(Path::new("."));
    if !path.exists() {
        return Err(format!("`{}` does not exist", path.display()));
    }
    if path.is_dir() {
        let dir = canonical(path)?;
        let package = nearest_package(&dir).ok_or_else(|| {
            format!(
                "`{}` is in no package: neither it nor a directory above it has a \
                 `Cargo.toml`",
                path.display()
            )
        })?;
        return Ok(Request::Package {
            dir: package,
            only: None,
        });
    }
    if path.file_name().is_some_and(|name| name == "Cargo.toml") {
        return manifest_dir(path, "");
    }
    if path.extension().is_none_or(|extension| extension != "rs") {
        return Err(format!(
            "`{}` is neither a directory, a `Cargo.toml` nor a `.rs` file",
            path.display()
        ));
    }
    let file = canonical(path)?;
    let above = file.parent().and_then(nearest_package);
    Ok(match above {
        Some(dir) => Request::Package {
            dir,
            only: Some(file),
        },
        None => Request::LoneFile(file),
    })
}

/// Runs the check `request` asks for; with it, what the user must know about its scope.
pub(crate) fn check(
    request: &Request,
    discovery: Discovery,
    kinds: &[TargetKind],
    deny_warnings: bool,
    compiler: Option<&mut dyn check::Compiler>,
) -> Result<(Checked, Option<String>), String> {
    let (dir, file) = match request {
        Request::LoneFile(file) => {
            return Ok((
                check::check(file, discovery, kinds, deny_warnings, compiler)?,
                None,
            ));
        }
        Request::Package { dir, only: None } => {
            return Ok((
                check::check(dir, discovery, kinds, deny_warnings, compiler)?,
                None,
            ));
        }
        Request::Package {
            dir,
            only: Some(file),
        } => (dir, file),
    };
    let mut checked = check::check(dir, discovery, kinds, deny_warnings, compiler)?;
    let shown = crate::diagnostic::display_path(file, &checked.workspace.root);
    if checked.owners.get(file).is_none() {
        let alone = check::check(file, discovery, kinds, deny_warnings, None)?;
        let note = format!(
            "{} is in no target of the package at {}: it was checked as a crate of its              own, so the result is partial (calls into the rest of the package were not              followed)",
            file.display(),
            dir.display()
        );
        return Ok((alone, Some(note)));
    }
    // The file's reports, and those of the package's configuration (in no target).
    let elsewhere: Vec<usize> = checked
        .diagnostics
        .iter()
        .enumerate()
        .filter(|(_, diagnostic)| {
            let at = &*diagnostic.primary.file;
            at != file.as_path() && checked.owners.get(at).is_some()
        })
        .map(|(index, _)| index)
        .collect();
    let read = checked.files;
    checked.remove(elsewhere.into_iter());
    checked.files = 1;
    let note =
        format!("{shown} was checked within its package, with the call graph of its {read} files");
    Ok((checked, Some(note)))
}

/// The directory of a manifest that must exist.
fn manifest_dir(manifest: &Path, flag: &str) -> Result<Request, String> {
    if !manifest.is_file() {
        return Err(format!("{flag}`{}` does not exist", manifest.display()));
    }
    let manifest = canonical(manifest)?;
    let dir = manifest.parent().unwrap_or(Path::new("/")).to_path_buf();
    Ok(Request::Package { dir, only: None })
}

fn canonical(path: &Path) -> Result<PathBuf, String> {
    path.canonicalize()
        .map_err(|error| format!("{}: {error}", path.display()))
}

/// The nearest directory at or above `dir` with a `Cargo.toml`, as cargo looks for one.
fn nearest_package(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|dir| dir.join("Cargo.toml").is_file())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name)
            .canonicalize()
            .unwrap()
    }

    #[test]
    fn a_subdirectory_a_manifest_or_a_file_names_its_package() {
        let package = fixture("multi_module");
        let whole = Ok(Request::Package {
            dir: package.clone(),
            only: None,
        });
        assert_eq!(locate(Some(&package.join("src/net")), None), whole);
        assert_eq!(locate(Some(&package.join("Cargo.toml")), None), whole);
        assert_eq!(locate(None, Some(&package.join("Cargo.toml"))), whole);
        assert_eq!(
            locate(Some(&package.join("src/jobs.rs")), None),
            Ok(Request::Package {
                dir: package.clone(),
                only: Some(package.join("src/jobs.rs")),
            })
        );
    }

    #[test]
    fn a_missing_path_or_manifest_is_named_as_missing() {
        let missing = Path::new("/nonexistent/async-hygiene");
        assert_eq!(
            locate(Some(missing), None),
            Err("`/nonexistent/async-hygiene` does not exist".to_owned())
        );
        let manifest = missing.join("Cargo.toml");
        assert_eq!(
            locate(None, Some(&manifest)),
            Err(
                "--manifest-path `/nonexistent/async-hygiene/Cargo.toml` does not exist".to_owned()
            )
        );
        let not_a_manifest = fixture("multi_module").join("src/lib.rs");
        assert!(locate(None, Some(&not_a_manifest))
            .unwrap_err()
            .contains("is not a path to a `Cargo.toml` file"));
        let toml = fixture("lints").join("async-hygiene.toml");
        assert!(locate(Some(&toml), None)
            .unwrap_err()
            .contains("is neither a directory, a `Cargo.toml` nor a `.rs` file"));
    }
}
