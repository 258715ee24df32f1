//! The private build: `cargo check` with this binary as `RUSTC_WRAPPER`, which adds
//! `--emit=mir` (and the flags for spans and full paths) to each crate's checked compile
//! (not to one cargo links to run at build time) and notes where rustc ran, then runs
//! rustc, through the user's own wrapper if they have one.

use std::ffi::OsString;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

/// Set for cargo's rustc invocations: this binary is then the wrapper.
pub(crate) const WRAPPER: &str = "ASYNC_HYGIENE_PRECISE_WRAPPER";
/// The user's own `RUSTC_WRAPPER`, which the wrapper runs rustc through.
const CHAIN: &str = "ASYNC_HYGIENE_PRECISE_CHAIN";
/// Beside each `.mir`: where rustc ran and whether the package was asked for.
const NOTE: &str = "precise";

/// Wrapper mode: `$0 rustc ARGS..`, when cargo runs this binary as `RUSTC_WRAPPER`.
pub(crate) fn wrapper_main() -> Option<ExitCode> {
    std::env::var_os(WRAPPER)?;
    let mut args = std::env::args_os().skip(1);
    let Some(rustc) = args.next() else {
        eprintln!("error: {WRAPPER} is set but no compiler was given");
        return Some(ExitCode::from(2));
    };
    let mut args: Vec<OsString> = args.collect();
    let mut command = match std::env::var_os(CHAIN).filter(|chain| !chain.is_empty()) {
        Some(chain) => {
            let mut command = Command::new(chain);
            command.arg(&rustc);
            command
        }
        None => Command::new(&rustc),
    };
    let unit = crate_compile(&args);
    let package = package(
        &std::env::var("CARGO_PKG_VERSION").unwrap_or_default(),
        &args,
    );
    if unit.is_some() {
        args.extend(
            [
                "--emit=mir",
                "-Zmir-include-spans=on",
                "-Ztrim-diagnostic-paths=false",
                "-Zno-codegen",
            ]
            .map(OsString::from),
        );
        command.env("RUSTC_BOOTSTRAP", "1");
    }
    let status = match command.args(&args).status() {
        Ok(status) => status,
        Err(error) => {
            eprintln!("error: cannot run {}: {error}", rustc.to_string_lossy());
            return Some(ExitCode::from(2));
        }
    };
    if let (true, Some(note)) = (status.success(), unit) {
        let cwd = std::env::current_dir().unwrap_or_default();
        let primary = std::env::var_os("CARGO_PRIMARY_PACKAGE").is_some();
        let externs = externs(&args).join(" ");
        let text = format!(
            "{}\n{}\n{package}\n{externs}\n",
            u8::from(primary),
            cwd.display()
        );
        if let Err(error) = std::fs::write(&note, text) {
            eprintln!("error: cannot write {}: {error}", note.display());
            return Some(ExitCode::from(2));
        }
    }
    Some(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::from(1),
    })
}

/// A crate's own compile as cargo runs it for `cargo check` (`--crate-name`, an
/// `--emit` with `metadata` and without `link`, an `--out-dir`), not a build script's
/// probe (those run with the build script's environment, `CARGO_CFG_*` included): the
/// note file to write beside its MIR.
fn crate_compile(args: &[OsString]) -> Option<PathBuf> {
    if std::env::var_os("CARGO_CFG_TARGET_OS").is_some() {
        return None;
    }
    let args: Vec<&str> = args.iter().filter_map(|arg| arg.to_str()).collect();
    let value = |flag: &str| {
        args.iter().enumerate().find_map(|(at, arg)| {
            arg.strip_prefix(&format!("{flag}="))
                .or_else(|| (*arg == flag).then(|| args.get(at + 1).copied()).flatten())
        })
    };
    let name = value("--crate-name")?;
    let emit = value("--emit")?;
    // A compile that links is one `cargo check` builds to run at build time (a proc
    // macro, a build script's dependency, `syn` under a derive): its code never runs in
    // the async code checked, and its MIR would be a third of all the text written.
    if !emit.split(',').any(|kind| kind == "metadata") || emit.split(',').any(|kind| kind == "link")
    {
        return None;
    }
    let out_dir = value("--out-dir")?;
    let extra = args
        .iter()
        .enumerate()
        .find_map(|(at, arg)| {
            let option = if *arg == "-C" {
                *args.get(at + 1)?
            } else {
                arg.strip_prefix("-C")?
            };
            option.strip_prefix("extra-filename=")
        })
        .unwrap_or("");
    Some(Path::new(out_dir).join(format!("{name}{extra}.{NOTE}")))
}

/// The crates a compile is given (`--extern name=DIR/libglob-HASH.rmeta`), by their file
/// stem (`glob-HASH`, the stem of their `.mir`): which of two versions of a crate in the
/// build this one can name.
fn externs(args: &[OsString]) -> Vec<String> {
    let args: Vec<&str> = args.iter().filter_map(|arg| arg.to_str()).collect();
    let mut found = Vec::new();
    for (at, arg) in args.iter().enumerate() {
        let value = match arg.strip_prefix("--extern=") {
            Some(value) => value,
            None if *arg == "--extern" => match args.get(at + 1) {
                Some(value) => value,
                None => continue,
            },
            None => continue,
        };
        let Some((_, path)) = value.split_once('=') else {
            continue;
        };
        if let Some(stem) = artifact_stem(Path::new(path)) {
            let stem = stem.to_owned();
            if !found.contains(&stem) {
                found.push(stem);
            }
        }
    }
    found
}

/// The name and hash cargo gives a crate's outputs (`glob-HASH` for
/// `deps/libglob-HASH.rmeta`, its `.d` and, in the private build, its `.mir`).
pub(crate) fn artifact_stem(artifact: &Path) -> Option<&str> {
    let stem = artifact.file_stem()?.to_str()?;
    Some(stem.strip_prefix("lib").unwrap_or(stem))
}

/// The package's version and features, as cargo gives them to rustc
/// (`CARGO_PKG_VERSION`, `--cfg feature="…"`): `1.49.0 fs,net,rt`.
fn package(version: &str, args: &[OsString]) -> String {
    let mut features: Vec<&str> = args
        .windows(2)
        .filter(|pair| pair[0] == "--cfg")
        .filter_map(|pair| pair[1].to_str()?.strip_prefix("feature=\""))
        .map(|feature| feature.trim_end_matches('"'))
        .collect();
    features.sort_unstable();
    format!("{version} {}", features.join(","))
}

/// What cargo's selection flags ask for.
#[derive(Clone, Debug, Default)]
pub(crate) struct Selection {
    pub(crate) packages: Vec<String>,
    pub(crate) features: Vec<String>,
    pub(crate) all_features: bool,
    pub(crate) no_default_features: bool,
    pub(crate) lib: bool,
    pub(crate) target: Option<String>,
}

/// One crate compiled: its MIR file and note.
#[derive(Clone, Debug)]
pub(crate) struct Unit {
    pub(crate) crate_name: String,
    pub(crate) mir: PathBuf,
    pub(crate) cwd: PathBuf,
    pub(crate) primary: bool,
    /// Its package's version and features.
    pub(crate) package: String,
    /// The file stems of the crates it was given (`--extern`); empty when its note was
    /// written without them.
    pub(crate) externs: Vec<String>,
}

/// Why the private build gave nothing to read.
pub(crate) enum BuildError {
    /// cargo failed: its errors are already on stderr.
    Failed,
    Io(String),
}

/// Runs the private build of the workspace at `root` and lists what it compiled, with
/// the version of the rustc cargo ran (`rustc -vV`, as cargo keeps it).
pub(crate) fn build(
    root: &Path,
    selection: &Selection,
) -> Result<(Vec<Unit>, Option<String>), BuildError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = root.join("Cargo.toml");
    let target_dir = cargo_metadata::MetadataCommand::new()
        .cargo_path(&cargo)
        .manifest_path(&manifest)
        .no_deps()
        .exec()
        .map(|metadata| metadata.target_directory.into_std_path_buf())
        .map_err(|error| BuildError::Io(format!("cargo metadata: {error}")))?
        .join("async-hygiene-precise");
    let me = std::env::current_exe()
        .map_err(|error| BuildError::Io(format!("cannot find this program: {error}")))?;
    let mut command = Command::new(&cargo);
    command
        .arg("check")
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--message-format=json-render-diagnostics")
        .env("CARGO_TARGET_DIR", &target_dir)
        .env("RUSTC_WRAPPER", &me)
        .env(WRAPPER, "1")
        .env(CHAIN, user_wrapper(root, &me).unwrap_or_default())
        .stdout(Stdio::piped());
    for package in &selection.packages {
        command.args(["-p", package]);
    }
    for features in &selection.features {
        command.args(["--features", features]);
    }
    if selection.all_features {
        command.arg("--all-features");
    }
    if selection.no_default_features {
        command.arg("--no-default-features");
    }
    command.arg(if selection.lib {
        "--lib"
    } else {
        "--all-targets"
    });
    if let Some(target) = &selection.target {
        command.args(["--target", target]);
    }
    let mut child = command
        .spawn()
        .map_err(|error| BuildError::Io(format!("cannot run cargo: {error}")))?;
    let mut units = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for line in std::io::BufReader::new(stdout).lines() {
            let line = line.map_err(|error| BuildError::Io(format!("cargo's output: {error}")))?;
            let Ok(message) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            if message["reason"] != "compiler-artifact" {
                continue;
            }
            let Some(files) = message["filenames"].as_array() else {
                continue;
            };
            if linked(files) {
                continue;
            }
            for file in files.iter().filter_map(|file| file.as_str()) {
                if let Some(unit) = unit_of(Path::new(file))? {
                    units.push(unit);
                }
            }
        }
    }
    let status = child
        .wait()
        .map_err(|error| BuildError::Io(format!("cargo: {error}")))?;
    if !status.success() {
        return Err(BuildError::Failed);
    }
    Ok((units, cargos_rustc(&target_dir)))
}

/// Whether cargo linked the unit whose artifacts are `files` (an `.rlib` beside its
/// `.rmeta`): one built to run at build time, for which the wrapper wrote no MIR.
fn linked(files: &[serde_json::Value]) -> bool {
    files
        .iter()
        .filter_map(serde_json::Value::as_str)
        .any(|file| {
            Path::new(file)
                .extension()
                .is_some_and(|extension| extension == "rlib")
        })
}

/// The `rustc -vV` cargo ran for a build into `target_dir`, from the file where cargo
/// keeps it (`.rustc_info.json`): the toolchain cargo chose, at no process's cost.
fn cargos_rustc(target_dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(target_dir.join(".rustc_info.json")).ok()?;
    let info: serde_json::Value = serde_json::from_str(&text).ok()?;
    info["outputs"]
        .as_object()?
        .values()
        .filter_map(|output| output["stdout"].as_str())
        .find(|stdout| stdout.starts_with("rustc ") && stdout.contains("\ncommit-hash: "))
        .map(|stdout| stdout.trim().to_owned())
}

/// The unit of an `.rmeta` cargo reports: `deps/libglob-HASH.rmeta` →
/// `deps/glob-HASH.mir` and its note.
fn unit_of(rmeta: &Path) -> Result<Option<Unit>, BuildError> {
    if rmeta
        .extension()
        .is_none_or(|extension| extension != "rmeta")
    {
        return Ok(None);
    }
    let Some(stem) = artifact_stem(rmeta) else {
        return Ok(None);
    };
    let dir = rmeta.parent().unwrap_or(Path::new("."));
    let note_path = dir.join(format!("{stem}.{NOTE}"));
    let Ok(note) = std::fs::read_to_string(&note_path) else {
        // Built by another wrapper (the user's cache): not ours to read.
        return Err(BuildError::Io(format!(
            "{} has no MIR note: remove {} and run again",
            rmeta.display(),
            dir.display()
        )));
    };
    let mut lines = note.lines();
    let primary = lines.next() == Some("1");
    let cwd = PathBuf::from(lines.next().unwrap_or_default());
    let package = lines.next().unwrap_or_default().to_owned();
    let externs = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let crate_name = stem
        .rsplit_once('-')
        .map_or(stem, |(name, _)| name)
        .to_owned();
    Ok(Some(Unit {
        crate_name,
        mir: dir.join(format!("{stem}.mir")),
        cwd,
        primary,
        package,
        externs,
    }))
}

/// The user's `RUSTC_WRAPPER` (environment, then `build.rustc-wrapper` in the cargo
/// configuration files cargo reads for `root`), unless it is this program.
fn user_wrapper(root: &Path, me: &Path) -> Option<OsString> {
    let from_env = ["RUSTC_WRAPPER", "CARGO_BUILD_RUSTC_WRAPPER"]
        .into_iter()
        .find_map(|name| std::env::var_os(name).filter(|value| !value.is_empty()));
    let wrapper = from_env.or_else(|| {
        let home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
        let configs = root
            .ancestors()
            .map(|dir| dir.join(".cargo"))
            .chain(home)
            .flat_map(|dir| [dir.join("config.toml"), dir.join("config")]);
        configs
            .filter_map(|path| std::fs::read_to_string(path).ok())
            .find_map(|text| config_wrapper(&text))
            .map(OsString::from)
    })?;
    (Path::new(&wrapper) != me).then_some(wrapper)
}

/// `rustc-wrapper = "sccache"` under `[build]`.
fn config_wrapper(text: &str) -> Option<String> {
    let mut in_build = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_build = line == "[build]";
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if (in_build && key == "rustc-wrapper") || key == "build.rustc-wrapper" {
            return Some(value.trim().trim_matches('"').to_owned());
        }
    }
    None
}

/// `rustc -vV`, for an error about a MIR text this version wrote.
pub(crate) fn rustc_version() -> String {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    Command::new(rustc)
        .arg("-vV")
        .output()
        .ok()
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .and_then(|text| text.lines().next().map(str::to_owned))
        .unwrap_or_else(|| "an unknown rustc".to_owned())
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;
    use std::path::Path;

    use super::{cargos_rustc, config_wrapper, crate_compile, externs, linked, package};

    /// The crates a compile is given, by the stems of their files, in both spellings of
    /// the flag, a renamed one and a `noprelude:` one included.
    #[test]
    fn the_crates_a_compile_is_given_are_noted_by_file_stem() {
        let args: Vec<OsString> = [
            "--crate-name",
            "app",
            "--extern",
            "reqwest=/t/debug/deps/libreqwest-4f46e3140e757329.rmeta",
            "--extern=old=/t/debug/deps/libreqwest-44e7cb6d3376ba5b.rmeta",
            "--extern",
            "noprelude:alloc=/t/debug/deps/liballoc-0123.rlib",
            "--extern",
            "proc_macro",
            "-L",
            "dependency=/t/debug/deps",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        assert_eq!(
            externs(&args),
            [
                "reqwest-4f46e3140e757329",
                "reqwest-44e7cb6d3376ba5b",
                "alloc-0123"
            ]
        );
    }

    #[test]
    fn a_linked_unit_is_not_read() {
        let files = |names: &[&str]| -> Vec<serde_json::Value> {
            names.iter().map(|name| serde_json::json!(name)).collect()
        };
        assert!(linked(&files(&[
            "/t/debug/deps/libsyn-36ae099d035b6c01.rlib",
            "/t/debug/deps/libsyn-36ae099d035b6c01.rmeta",
        ])));
        assert!(!linked(&files(&[
            "/t/debug/deps/libsyn-c4d5531f894a3559.rmeta"
        ])));
    }

    #[test]
    fn only_the_crates_cargo_check_checks_get_mir() {
        let args = |emit: &str| {
            [
                "--crate-name",
                "syn",
                emit,
                "-C",
                "extra-filename=-36ae099d035b6c01",
                "--out-dir",
                "/t/debug/deps",
            ]
            .map(OsString::from)
        };
        assert_eq!(
            crate_compile(&args("--emit=dep-info,metadata")).as_deref(),
            Some(Path::new("/t/debug/deps/syn-36ae099d035b6c01.precise"))
        );
        // Built to run at build time, under a proc macro: no MIR.
        assert_eq!(crate_compile(&args("--emit=dep-info,metadata,link")), None);
        assert_eq!(crate_compile(&args("--emit=dep-info,link")), None);
    }

    #[test]
    fn the_rustc_cargo_ran() {
        let dir = std::env::temp_dir().join(format!("precise-rustc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(".rustc_info.json"),
            r#"{"rustc_fingerprint":1,"outputs":{
                "1":{"success":true,"status":"","code":0,"stdout":"___\nlib___.rlib\n","stderr":""},
                "2":{"success":true,"status":"","code":0,"stdout":"rustc 1.95.0 (59807616e 2026-04-14)\nbinary: rustc\ncommit-hash: 59807616e\n","stderr":""}},
                "successes":{}}"#,
        )
        .unwrap();
        let found = cargos_rustc(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            found.as_deref(),
            Some("rustc 1.95.0 (59807616e 2026-04-14)\nbinary: rustc\ncommit-hash: 59807616e")
        );
    }

    #[test]
    fn a_package_is_its_version_and_features() {
        let args = [
            "--crate-name",
            "tokio",
            "--cfg",
            "feature=\"rt\"",
            "--cfg",
            "feature=\"fs\"",
            "--cfg",
            "tokio_unstable",
        ]
        .map(std::ffi::OsString::from);
        assert_eq!(package("1.49.0", &args), "1.49.0 fs,rt");
    }

    #[test]
    fn the_users_wrapper_from_a_config_file() {
        assert_eq!(
            config_wrapper("[net]\nretry = 2\n[build]\nrustc-wrapper = \"sccache\"\n"),
            Some("sccache".into())
        );
        assert_eq!(config_wrapper("[alias]\nb = \"build\"\n"), None);
    }
}
