//! Reading `Cargo.toml` without cargo: the fallback when `cargo metadata` does not run, and the
//! early guess the check parses while it runs (see `check::discover`).
//!
//! It reads what locates crate roots and nothing else: `[package] name/version/edition`,
//! `[lib]`/`[[bin]]`/`[[example]]`/`[[test]]`/`[[bench]]` `name`/`path`, the
//! `auto*` switches, and `[workspace] members/exclude` (with `*` globs), then adds the
//! targets cargo discovers by convention (`src/lib.rs`, `src/main.rs`, `src/bin/*`,
//! `examples/*`, `tests/*`, `benches/*`); and the path dependencies of `[dependencies]`
//! and `[dev-dependencies]` (also under `[target.*]`, and through `workspace = true`),
//! which say what other packages of the workspace a target can name.

use std::path::{Path, PathBuf};

use toml::{Table, Value};

use crate::workspace::{Dependency, Package, Target, TargetKind, Workspace};

/// A manifest's `[name]` table, or its `[[name]]` entries.
fn tables<'t>(manifest: &'t Table, name: &str) -> Vec<&'t Table> {
    match manifest.get(name) {
        Some(Value::Table(table)) => vec![table],
        Some(Value::Array(entries)) => entries.iter().filter_map(Value::as_table).collect(),
        _ => Vec::new(),
    }
}

fn text<'t>(table: &'t Table, key: &str) -> Option<&'t str> {
    table.get(key).and_then(Value::as_str)
}

fn list<'t>(table: &'t Table, key: &str) -> Vec<&'t str> {
    table
        .get(key)
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The package or workspace at `root`.
pub(crate) fn read_workspace(root: &Path) -> Result<Workspace, String> {
    let tables = read(&root.join("Cargo.toml"))?;
    let inherited = tables
        .get("workspace")
        .and_then(Value::as_table)
        .and_then(|workspace| workspace.get("dependencies"))
        .and_then(Value::as_table);
    let mut packages = Vec::new();
    if let Some(package) = package_of(root, &tables, inherited) {
        packages.push(package);
    }
    if let Some(workspace) = tables.get("workspace").and_then(Value::as_table) {
        let excluded: Vec<PathBuf> = list(workspace, "exclude")
            .iter()
            .map(|dir| root.join(dir))
            .collect();
        for member in list(workspace, "members") {
            for dir in expand_glob(root, member) {
                if excluded.iter().any(|excluded| dir.starts_with(excluded)) || dir == root {
                    continue;
                }
                let member_tables = read(&dir.join("Cargo.toml"))?;
                if let Some(package) = package_of(&dir, &member_tables, inherited) {
                    packages.push(package);
                }
            }
        }
    }
    if packages.is_empty() {
        return Err(format!(
            "{}: neither a `[package]` nor `[workspace] members`",
            root.join("Cargo.toml").display()
        ));
    }
    Ok(Workspace {
        root: root.to_path_buf(),
        packages,
    })
}

/// Whether the package at `dir` can name the crate `name` in its library and binaries
/// as written: it is that package, or `[dependencies]` (or a `[target.*.dependencies]`)
/// has it under that name. Dev-dependencies do not count (`src/` cannot use them), nor a
/// renamed dependency (its path starts with the new name).
pub(crate) fn can_name(dir: &Path, name: &str) -> bool {
    let Ok(manifest) = read(&dir.join("Cargo.toml")) else {
        return false;
    };
    let is_package = manifest
        .get("package")
        .and_then(Value::as_table)
        .and_then(|package| text(package, "name"))
        == Some(name);
    let has = |table: &Table| {
        table
            .get("dependencies")
            .and_then(Value::as_table)
            .and_then(|dependencies| dependencies.get(name))
            .is_some_and(|dependency| {
                dependency
                    .as_table()
                    .and_then(|dependency| text(dependency, "package"))
                    .is_none_or(|package| package == name)
            })
    };
    let in_targets = manifest
        .get("target")
        .and_then(Value::as_table)
        .is_some_and(|targets| targets.values().filter_map(Value::as_table).any(has));
    is_package || has(&manifest) || in_targets
}

/// The build script of the package whose sources hold `dir` (the nearest directory up
/// with a `Cargo.toml` that has a `[package]`), as a path from the package's directory:
/// its `build = ".."`, or `build.rs` beside the manifest. `None` without one, or with
/// `build = false`.
pub(crate) fn build_script(dir: &Path) -> Option<PathBuf> {
    let (root, manifest) = dir.ancestors().find_map(|ancestor| {
        let manifest = read(&ancestor.join("Cargo.toml")).ok()?;
        manifest
            .contains_key("package")
            .then_some((ancestor, manifest))
    })?;
    let package = manifest.get("package").and_then(Value::as_table)?;
    match package.get("build") {
        Some(Value::String(path)) => Some(PathBuf::from(path)),
        Some(Value::Boolean(false)) => None,
        _ => root
            .join("build.rs")
            .is_file()
            .then(|| PathBuf::from("build.rs")),
    }
}

fn read(path: &Path) -> Result<Table, String> {
    let text =
        std::fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))?;
    text.parse::<Table>()
        .map_err(|error| format!("{}: {}", path.display(), error.message()))
}

/// `crates/*` → every directory under `crates` with a `Cargo.toml`.
fn expand_glob(root: &Path, member: &str) -> Vec<PathBuf> {
    let Some((prefix, _)) = member.split_once('*') else {
        return vec![root.join(member)];
    };
    let base = root.join(prefix.trim_end_matches('/'));
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&base)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|dir| dir.join("Cargo.toml").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// The path dependencies of a manifest: `[dependencies]` and `[dev-dependencies]`,
/// also target-specific ones, an entry with `workspace = true` read in the workspace's
/// `[workspace.dependencies]` (`inherited`). A dependency without a `path` is a
/// registry or git crate, not a package of the workspace, whatever its name.
fn path_dependencies(manifest: &Table, inherited: Option<&Table>) -> Vec<Dependency> {
    let mut sections: Vec<&Table> = vec![manifest];
    if let Some(targets) = manifest.get("target").and_then(Value::as_table) {
        sections.extend(targets.values().filter_map(Value::as_table));
    }
    let mut found = Vec::new();
    for section in sections {
        for (table, dev) in [("dependencies", false), ("dev-dependencies", true)] {
            let Some(entries) = section.get(table).and_then(Value::as_table) else {
                continue;
            };
            for (key, entry) in entries {
                let Some(entry) = entry.as_table() else {
                    continue;
                };
                let shared = if entry.get("workspace").and_then(Value::as_bool) == Some(true) {
                    inherited
                        .and_then(|inherited| inherited.get(key))
                        .and_then(Value::as_table)
                } else {
                    None
                };
                if !entry.contains_key("path") && !shared.is_some_and(|s| s.contains_key("path")) {
                    continue;
                }
                let package = text(entry, "package")
                    .or_else(|| shared.and_then(|shared| text(shared, "package")))
                    .unwrap_or(key);
                found.push(Dependency {
                    package: package.to_owned(),
                    rename: (package != key).then(|| key.clone()),
                    dev,
                });
            }
        }
    }
    found
}

fn package_of(dir: &Path, manifest: &Table, inherited: Option<&Table>) -> Option<Package> {
    let package = manifest.get("package").and_then(Value::as_table)?;
    let name = text(package, "name")?.to_owned();
    let version = text(package, "version").unwrap_or("0.0.0").to_owned();
    let edition = text(package, "edition").unwrap_or("2015").to_owned();
    let mut targets: Vec<Target> = Vec::new();
    let mut add = |target: Target| {
        if !targets
            .iter()
            .any(|known| known.src_path == target.src_path)
        {
            targets.push(target);
        }
    };

    // Explicit targets first: their names win over the conventional ones.
    let lib = manifest.get("lib").and_then(Value::as_table);
    let lib_path = lib
        .and_then(|lib| text(lib, "path"))
        .map_or_else(|| dir.join("src/lib.rs"), |path| dir.join(path));
    if lib.is_some() || lib_path.is_file() {
        // As cargo names it: the package's name with `-` as `_`, unless `[lib]` names it.
        let lib_name = lib
            .and_then(|lib| text(lib, "name"))
            .map_or_else(|| name.replace('-', "_"), str::to_owned);
        add(Target::new(&lib_name, TargetKind::Lib, lib_path, &edition));
    }
    let kinds = [
        ("bin", TargetKind::Bin, "src/bin", "autobins"),
        ("example", TargetKind::Example, "examples", "autoexamples"),
        ("test", TargetKind::Test, "tests", "autotests"),
        ("bench", TargetKind::Bench, "benches", "autobenches"),
    ];
    for (table_name, kind, conventional_dir, auto_key) in kinds {
        for table in tables(manifest, table_name) {
            let Some(target_name) = text(table, "name") else {
                continue;
            };
            let path = text(table, "path").map_or_else(
                || {
                    let single = dir.join(conventional_dir).join(format!("{target_name}.rs"));
                    if single.is_file() {
                        single
                    } else {
                        dir.join(conventional_dir).join(target_name).join("main.rs")
                    }
                },
                |path| dir.join(path),
            );
            add(Target::new(target_name, kind, path, &edition));
        }
        if package.get(auto_key).and_then(Value::as_bool) == Some(false) {
            continue;
        }
        if kind == TargetKind::Bin && dir.join("src/main.rs").is_file() {
            add(Target::new(&name, kind, dir.join("src/main.rs"), &edition));
        }
        for (target_name, path) in conventional_targets(&dir.join(conventional_dir)) {
            add(Target::new(&target_name, kind, path, &edition));
        }
    }
    Some(Package {
        name,
        version,
        manifest_dir: dir.to_path_buf(),
        targets,
        dependencies: path_dependencies(manifest, inherited),
    })
}

/// `dir/*.rs` and `dir/*/main.rs`, as cargo discovers them.
fn conventional_targets(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut found: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                let main = path.join("main.rs");
                let name = path.file_name()?.to_str()?.to_owned();
                main.is_file().then_some((name, main))
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                Some((path.file_stem()?.to_str()?.to_owned(), path))
            } else {
                None
            }
        })
        .collect();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A manifest's targets as the checker finds them without cargo: explicit ones,
    /// then the conventional ones unless an `auto*` switch is off.
    #[test]
    fn reads_targets_and_workspace_members() {
        let dir = std::env::temp_dir().join(format!("manifest-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::create_dir_all(dir.join("tests")).unwrap();
        std::fs::write(dir.join("src/lib.rs"), "").unwrap();
        std::fs::write(dir.join("tests/skipped.rs"), "").unwrap();
        let manifest: Table = r#"
[package]
name = "demo-app" # a comment
edition = "2021"
autotests = false

[[bin]]
name = "tool"
path = "src/tool.rs"

[workspace]
members = [
    "a",   # first
    "crates/*",
]
"#
        .parse()
        .unwrap();
        let package = package_of(&dir, &manifest, None).unwrap();
        let targets: Vec<(&str, TargetKind, PathBuf)> = package
            .targets
            .iter()
            .map(|target| {
                let path = target.src_path.strip_prefix(&dir).unwrap().to_path_buf();
                (target.name.as_str(), target.kind, path)
            })
            .collect();
        assert_eq!(
            targets,
            [
                ("demo_app", TargetKind::Lib, PathBuf::from("src/lib.rs")),
                ("tool", TargetKind::Bin, PathBuf::from("src/tool.rs")),
            ]
        );
        let workspace = manifest["workspace"].as_table().unwrap();
        assert_eq!(list(workspace, "members"), ["a", "crates/*"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The build script of the package a source directory is in: `build.rs` beside the
    /// nearest manifest with a `[package]` (a workspace's manifest above it is not one),
    /// the one `build = ".."` names, none with `build = false` or without the file.
    #[test]
    fn a_source_directory_finds_its_packages_build_script() {
        let root = std::env::temp_dir().join(format!("build-script-{}", std::process::id()));
        let member = root.join("member");
        let sources = member.join("src/server");
        std::fs::create_dir_all(&sources).unwrap();
        std::fs::write(
            root.join("Cargo.toml"),
            "[workspace]\nmembers = [\"member\"]\n",
        )
        .unwrap();
        std::fs::write(root.join("build.rs"), "fn main() {}").unwrap();
        let package = "[package]\nname = \"member\"\n";
        std::fs::write(member.join("Cargo.toml"), package).unwrap();
        assert_eq!(build_script(&sources), None);
        std::fs::write(member.join("build.rs"), "fn main() {}").unwrap();
        assert_eq!(build_script(&sources), Some(PathBuf::from("build.rs")));
        std::fs::write(
            member.join("Cargo.toml"),
            format!("{package}build = false\n"),
        )
        .unwrap();
        assert_eq!(build_script(&sources), None);
        let named = format!("{package}build = \"tools/gen.rs\"\n");
        std::fs::write(member.join("Cargo.toml"), named).unwrap();
        assert_eq!(build_script(&sources), Some(PathBuf::from("tools/gen.rs")));
        std::fs::remove_dir_all(&root).unwrap();
    }

    /// The workspace packages a manifest depends on: path dependencies (also inherited
    /// from `[workspace.dependencies]` and target-specific ones), with their renames; a
    /// registry crate is none of them, whatever its name.
    #[test]
    fn path_dependencies_are_the_workspace_packages_depended_on() {
        let manifest: Table = r#"
[dependencies]
store = { path = "../store" }
serde = "1"
common = { workspace = true }
tokio = { workspace = true }
db = { package = "store-sql", path = "../sql" }

[target.'cfg(unix)'.dependencies]
unix-only = { path = "../unix" }

[dev-dependencies]
fixtures = { path = "../fixtures" }
"#
        .parse()
        .unwrap();
        let inherited: Table = r#"
common = { path = "crates/common" }
tokio = { version = "1" }
"#
        .parse()
        .unwrap();
        let found: Vec<(String, Option<String>, bool)> =
            path_dependencies(&manifest, Some(&inherited))
                .into_iter()
                .map(|dependency| (dependency.package, dependency.rename, dependency.dev))
                .collect();
        let expected = [
            ("common", None, false),
            ("store-sql", Some("db"), false),
            ("store", None, false),
            ("fixtures", None, true),
            ("unix-only", None, false),
        ]
        .map(|(package, rename, dev)| (package.to_owned(), rename.map(str::to_owned), dev));
        assert_eq!(found, expected);
    }

    /// Only what `src/` can name as written: the package itself, a dependency (also a
    /// target-specific one) under its own name.
    #[test]
    fn a_package_can_name_its_dependencies_not_its_dev_dependencies() {
        let dir = std::env::temp_dir().join(format!("manifest-deps-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cases = [
            ("[dependencies]\nasync-hygiene = \"0.1\"\n", true),
            ("[dependencies.async-hygiene]\nversion = \"0.1\"\n", true),
            ("[dependencies]\nasync-hygiene.workspace = true\n", true),
            (
                "[target.'cfg(unix)'.dependencies]\nasync-hygiene = \"0.1\"\n",
                true,
            ),
            ("[package]\nname = \"async-hygiene\"\n", true),
            ("[dev-dependencies]\nasync-hygiene = \"0.1\"\n", false),
            (
                "[dependencies]\nah = { package = \"async-hygiene\", version = \"0.1\" }\n",
                false,
            ),
            ("[dependencies]\n# async-hygiene = \"0.1\"\n", false),
            ("[dependencies]\nasync-hygiene-runtime = \"0.1\"\n", false),
        ];
        for (manifest, expected) in cases {
            std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
            assert_eq!(can_name(&dir, "async-hygiene"), expected, "{manifest}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
