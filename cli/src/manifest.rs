//! Reading `Cargo.toml` without cargo: the fallback when `cargo metadata` does not run, and the
//! early guess the check parses while it runs (see `check::discover`).
//!
//! It reads what locates crate roots and nothing else: `[package] name/version/edition`,
//! `[lib]`/`[[bin]]`/`[[example]]`/`[[test]]`/`[[bench]]` `name`/`path`, the
//! `auto*` switches, and `[workspace] members/exclude` (with `*` globs), then adds the
//! targets cargo discovers by convention (`src/lib.rs`, `src/main.rs`, `src/bin/*`,
//! `examples/*`, `tests/*`, `benches/*`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::workspace::{Package, Target, TargetKind, Workspace};

/// One `[table]` or `[[array]]` entry: its keys with their string, bool or string-array
/// values.
#[derive(Debug, Default)]
struct Table {
    name: String,
    values: HashMap<String, Value>,
}

#[derive(Debug)]
enum Value {
    Text(String),
    Bool(bool),
    List(Vec<String>),
    Other,
}

impl Table {
    fn text(&self, key: &str) -> Option<&str> {
        match self.values.get(key) {
            Some(Value::Text(text)) => Some(text),
            _ => None,
        }
    }

    fn list(&self, key: &str) -> &[String] {
        match self.values.get(key) {
            Some(Value::List(list)) => list,
            _ => &[],
        }
    }

    fn flag(&self, key: &str) -> Option<bool> {
        match self.values.get(key) {
            Some(Value::Bool(flag)) => Some(*flag),
            _ => None,
        }
    }
}

/// The tables of a manifest, in order.
fn parse(text: &str) -> Vec<Table> {
    let mut tables = vec![Table::default()];
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let line = strip_comment(line).trim();
        if line.is_empty() {
            continue;
        }
        if let Some(header) = line.strip_prefix('[') {
            let name = header.trim_start_matches('[').trim_end_matches(']').trim();
            tables.push(Table {
                name: name.to_owned(),
                values: HashMap::new(),
            });
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let mut value = value.trim().to_owned();
        // A multi-line array: read on to its closing bracket.
        if value.starts_with('[') {
            while !value.contains(']') {
                let Some(next) = lines.next() else { break };
                value.push_str(strip_comment(next));
            }
        }
        let parsed = parse_value(&value);
        if let Some(table) = tables.last_mut() {
            table
                .values
                .insert(key.trim().trim_matches('"').to_owned(), parsed);
        }
    }
    tables
}

fn strip_comment(line: &str) -> &str {
    // A `#` inside a string is rare in the keys read here; paths with `#` are not.
    let mut in_string = false;
    for (index, ch) in line.char_indices() {
        match ch {
            '"' | '\'' => in_string = !in_string,
            '#' if !in_string => return &line[..index],
            _ => {}
        }
    }
    line
}

fn parse_value(value: &str) -> Value {
    let value = value.trim();
    if let Some(text) = unquote(value) {
        return Value::Text(text);
    }
    match value {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        _ => {}
    }
    if let Some(inner) = value.strip_prefix('[').and_then(|v| v.split(']').next()) {
        return Value::List(
            inner
                .split(',')
                .filter_map(|item| unquote(item.trim()))
                .collect(),
        );
    }
    Value::Other
}

fn unquote(text: &str) -> Option<String> {
    let quote = text.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = text[1..].split(quote).next()?;
    Some(inner.to_owned())
}

/// The package or workspace at `root`.
pub(crate) fn read_workspace(root: &Path) -> Result<Workspace, String> {
    let tables = read(&root.join("Cargo.toml"))?;
    let mut packages = Vec::new();
    if let Some(package) = package_of(root, &tables) {
        packages.push(package);
    }
    if let Some(workspace) = tables.iter().find(|table| table.name == "workspace") {
        let excluded: Vec<PathBuf> = workspace
            .list("exclude")
            .iter()
            .map(|dir| root.join(dir))
            .collect();
        for member in workspace.list("members") {
            for dir in expand_glob(root, member) {
                if excluded.iter().any(|excluded| dir.starts_with(excluded)) || dir == root {
                    continue;
                }
                let member_tables = read(&dir.join("Cargo.toml"))?;
                if let Some(package) = package_of(&dir, &member_tables) {
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

fn read(path: &Path) -> Result<Vec<Table>, String> {
    std::fs::read_to_string(path)
        .map(|text| parse(&text))
        .map_err(|error| format!("{}: {error}", path.display()))
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

fn package_of(dir: &Path, tables: &[Table]) -> Option<Package> {
    let package = tables.iter().find(|table| table.name == "package")?;
    let name = package.text("name")?.to_owned();
    let version = package.text("version").unwrap_or("0.0.0").to_owned();
    let edition = package.text("edition").unwrap_or("2015").to_owned();
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
    let lib = tables.iter().find(|table| table.name == "lib");
    let lib_path = lib
        .and_then(|lib| lib.text("path"))
        .map_or_else(|| dir.join("src/lib.rs"), |path| dir.join(path));
    if lib.is_some() || lib_path.is_file() {
        let lib_name = lib.and_then(|lib| lib.text("name")).unwrap_or(&name);
        add(Target::new(lib_name, TargetKind::Lib, lib_path, &edition));
    }
    let kinds = [
        ("bin", TargetKind::Bin, "src/bin", "autobins"),
        ("example", TargetKind::Example, "examples", "autoexamples"),
        ("test", TargetKind::Test, "tests", "autotests"),
        ("bench", TargetKind::Bench, "benches", "autobenches"),
    ];
    for (table_name, kind, conventional_dir, auto_key) in kinds {
        for table in tables.iter().filter(|table| table.name == table_name) {
            let Some(target_name) = table.text("name") else {
                continue;
            };
            let path = table.text("path").map_or_else(
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
        if package.flag(auto_key) == Some(false) {
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

    #[test]
    fn reads_tables_keys_and_multiline_arrays() {
        let tables = parse(
            r#"
[package]
name = "demo" # a comment
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
"#,
        );
        let package = tables.iter().find(|t| t.name == "package").unwrap();
        assert_eq!(package.text("name"), Some("demo"));
        assert_eq!(package.flag("autotests"), Some(false));
        let bin = tables.iter().find(|t| t.name == "bin").unwrap();
        assert_eq!(bin.text("path"), Some("src/tool.rs"));
        let workspace = tables.iter().find(|t| t.name == "workspace").unwrap();
        assert_eq!(workspace.list("members"), ["a", "crates/*"]);
    }
}
