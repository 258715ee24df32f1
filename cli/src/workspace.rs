//! Which crates to check: the targets (lib, bins, examples, tests, benches) of a package
//! or of every member of a workspace, as found by `cargo metadata --no-deps` (here) or by
//! reading the manifests themselves (the `manifest` module, which fills the same types):
//! a directory of sources needs no lockfile, network or build.

use std::path::{Path, PathBuf};

/// The packages found under the checked directory.
#[derive(Clone, Debug)]
pub(crate) struct Workspace {
    /// The directory paths are printed relative to.
    pub(crate) root: PathBuf,
    pub(crate) packages: Vec<Package>,
}

impl Workspace {
    /// Keeps the targets of the given kinds only; none given keeps them all (cargo's
    /// `--lib`, `--bins`, … against `--all-targets`).
    pub(crate) fn keep_targets(&mut self, kinds: &[TargetKind]) {
        if kinds.is_empty() {
            return;
        }
        for package in &mut self.packages {
            package
                .targets
                .retain(|target| kinds.contains(&target.kind));
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Package {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) manifest_dir: PathBuf,
    pub(crate) targets: Vec<Target>,
    /// Its dependencies on the other packages found (by path), as its manifest declares
    /// them: what its targets can name besides themselves.
    pub(crate) dependencies: Vec<Dependency>,
}

/// A package's dependency on a package of the workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Dependency {
    /// The package depended on.
    pub(crate) package: String,
    /// The name the dependent's code uses for it, when the manifest renames it
    /// (`db = { package = "store", .. }`).
    pub(crate) rename: Option<String>,
    /// Whether it is a `[dev-dependencies]` entry: tests, examples and benches see it,
    /// the lib and bins do not.
    pub(crate) dev: bool,
}

impl Package {
    /// The workspace packages the target `kind` of this package can name, with the names
    /// it uses for them: the normal dependencies, and the dev-dependencies for tests,
    /// examples and benches (build-dependencies are the build script's).
    pub(crate) fn dependencies_of(&self, kind: TargetKind) -> impl Iterator<Item = &Dependency> {
        let dev = matches!(
            kind,
            TargetKind::Test | TargetKind::Example | TargetKind::Bench
        );
        self.dependencies
            .iter()
            .filter(move |dependency| dev || !dependency.dev)
    }

    /// Cargo's package id, as its JSON messages carry it.
    pub(crate) fn id(&self) -> String {
        format!(
            "path+file://{}#{}@{}",
            self.manifest_dir.display(),
            self.name,
            self.version
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TargetKind {
    Lib,
    Bin,
    Example,
    Test,
    Bench,
}

impl TargetKind {
    /// As cargo's `target.kind` spells it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TargetKind::Lib => "lib",
            TargetKind::Bin => "bin",
            TargetKind::Example => "example",
            TargetKind::Test => "test",
            TargetKind::Bench => "bench",
        }
    }
}

/// One crate root.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    pub(crate) name: String,
    /// The name in paths: `-` becomes `_`.
    pub(crate) crate_name: String,
    pub(crate) kind: TargetKind,
    pub(crate) src_path: PathBuf,
    pub(crate) edition: String,
}

impl Target {
    pub(crate) fn new(name: &str, kind: TargetKind, src_path: PathBuf, edition: &str) -> Target {
        Target {
            name: name.to_owned(),
            crate_name: name.replace('-', "_"),
            kind,
            src_path,
            edition: edition.to_owned(),
        }
    }
}

/// How to find the packages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Discovery {
    /// `cargo metadata` if it works, else the manifests.
    Cargo,
    /// The manifests only.
    Manifests,
}

/// The canonical path of `dir`, which must hold a `Cargo.toml`.
pub(crate) fn root(dir: &Path) -> Result<PathBuf, String> {
    let manifest_path = dir.join("Cargo.toml");
    if !manifest_path.is_file() {
        return Err(format!(
            "{} has no `Cargo.toml`: give the directory of a package or workspace",
            dir.display()
        ));
    }
    dir.canonicalize()
        .map_err(|error| format!("{}: {error}", dir.display()))
}

/// `cargo metadata --no-deps`: resolves nothing, downloads nothing. `None` when cargo
/// is missing or refuses (the manifests are read instead).
pub(crate) fn from_cargo_metadata(root: &Path) -> Option<Workspace> {
    let metadata = cargo_metadata::MetadataCommand::new()
        .manifest_path(root.join("Cargo.toml"))
        .no_deps()
        .other_options(vec!["--offline".to_owned()])
        .exec()
        .ok()?;
    // Checking a member's directory checks that member, not its whole workspace.
    let in_root = |manifest: &Path| manifest.parent().is_some_and(|dir| dir.starts_with(root));
    let packages = metadata
        .packages
        .iter()
        .filter(|package| in_root(package.manifest_path.as_std_path()))
        .map(|package| {
            let dependencies = package
                .dependencies
                .iter()
                .filter_map(|dependency| {
                    use cargo_metadata::DependencyKind as K;
                    // A workspace package is a path dependency; a registry crate of the
                    // same name is not it.
                    dependency.path.as_ref()?;
                    let dev = match dependency.kind {
                        K::Normal => false,
                        K::Development => true,
                        _ => return None,
                    };
                    Some(Dependency {
                        package: dependency.name.clone(),
                        rename: dependency.rename.clone(),
                        dev,
                    })
                })
                .collect();
            let targets = package
                .targets
                .iter()
                .filter_map(|target| {
                    let kind = target.kind.iter().find_map(|kind| {
                        use cargo_metadata::TargetKind as K;
                        Some(match kind {
                            K::Lib
                            | K::RLib
                            | K::DyLib
                            | K::CDyLib
                            | K::StaticLib
                            | K::ProcMacro => TargetKind::Lib,
                            K::Bin => TargetKind::Bin,
                            K::Example => TargetKind::Example,
                            K::Test => TargetKind::Test,
                            K::Bench => TargetKind::Bench,
                            _ => return None,
                        })
                    })?;
                    Some(Target::new(
                        &target.name,
                        kind,
                        target.src_path.clone().into_std_path_buf(),
                        target.edition.as_str(),
                    ))
                })
                .collect();
            Package {
                name: package.name.to_string(),
                version: package.version.to_string(),
                manifest_dir: package
                    .manifest_path
                    .parent()
                    .map(|dir| dir.as_std_path().to_path_buf())
                    .unwrap_or_default(),
                targets,
                dependencies,
            }
        })
        .collect();
    Some(Workspace {
        root: root.to_path_buf(),
        packages,
    })
}
