//! `check`: discover the crates, parse every file in parallel (each file's own reports
//! found there), build the call graph, add the reports it finds, apply the levels.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::ops::Range;
use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::facts::FileKey;
use crate::graph::CallGraph;
use crate::manifest;
use crate::owner::Owners;
use crate::resolve::Root;
use crate::rules::{Code, Level, RULES};
use crate::scope::CrateRules;
use crate::sources::{self, ParsedFile};
use crate::workspace::{self, Discovery, Package, Target, TargetKind, Workspace};

/// What a run found.
pub(crate) struct Checked {
    pub(crate) workspace: Workspace,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// For each diagnostic, the package of its file (its level came from there).
    pub(crate) packages: Vec<Option<usize>>,
    /// The target of each parsed file.
    pub(crate) owners: Owners,
    pub(crate) files: usize,
}

/// Paths in notes print relative to the checked directory `root`, as spans do.
pub(crate) fn relative_notes(diagnostics: &mut [Diagnostic], root: &Path) {
    let prefix = format!("{}/", root.display());
    for diagnostic in diagnostics {
        for note in &mut diagnostic.notes {
            if note.contains(&prefix) {
                *note = note.replace(&prefix, "");
            }
        }
    }
}

/// A check that also asks the compiler (precise mode): its build runs once the
/// directory is known and before the files are parsed, so that the one parse and its
/// rules see what the compiler found; its reports are put in at the end.
pub(crate) trait Compiler {
    /// Builds `root`, running `discover` (the workspace's discovery) meanwhile; returns
    /// the workspace.
    fn build(
        &mut self,
        root: &Path,
        discover: &mut dyn FnMut() -> Result<Workspace, String>,
    ) -> Result<Workspace, String>;
    /// Puts the compiler's reports in `checked`.
    fn apply(&mut self, checked: &mut Checked) -> Result<(), String>;
}

/// Checks the package or workspace at `path` (a directory with a `Cargo.toml`, or a
/// single `.rs` file checked as a crate root).
pub(crate) fn check(
    path: &Path,
    discovery: Discovery,
    kinds: &[TargetKind],
    deny_warnings: bool,
    mut compiler: Option<&mut dyn Compiler>,
) -> Result<Checked, String> {
    let (workspace, early) = match compiler.as_deref_mut() {
        Some(compiler) => {
            let root = if path.is_file() {
                path.parent().unwrap_or(Path::new("/")).to_path_buf()
            } else {
                workspace::root(path)?
            };
            let mut discover = || {
                if path.is_file() {
                    single_file(path)
                } else {
                    discover(path, discovery, kinds, false).map(|(found, _)| found)
                }
            };
            (compiler.build(&root, &mut discover)?, None)
        }
        None if path.is_file() => (single_file(path)?, None),
        None => discover(path, discovery, kinds, true)?,
    };
    let Parsed {
        rules,
        mut diagnostics,
        files: parsed,
    } = parse_workspace(&workspace, early);
    let graph = CallGraph::build(&parsed, &graph_roots(&workspace, &parsed));
    // A body read on demand that does not parse is reported with its file's.
    let file_diagnostics: Vec<Diagnostic> = parsed
        .iter()
        .flat_map(|file| {
            let unparsed = file
                .facts
                .fns
                .iter()
                .filter_map(|function| function.unparsed());
            file.facts.diagnostics.iter().chain(unparsed).cloned()
        })
        .collect();
    // A call the scanner already reports (a std name the crate also defines) is
    // reported once, by the scanner.
    let found: HashSet<(Code, &Path, Range<usize>)> = file_diagnostics
        .iter()
        .map(|found| {
            (
                found.code,
                &*found.primary.file,
                found.primary.bytes.clone(),
            )
        })
        .collect();
    let chain_reports: Vec<Diagnostic> = graph
        .reports(&workspace.root)
        .into_iter()
        .filter(|report| {
            !found.contains(&(
                report.code,
                &*report.primary.file,
                report.primary.bytes.clone(),
            ))
        })
        .collect();
    diagnostics.extend(file_diagnostics);
    diagnostics.extend(chain_reports);
    relative_notes(&mut diagnostics, &workspace.root);
    let (diagnostics, packages) = apply_levels(diagnostics, &parsed, &rules, deny_warnings);
    let files = parsed.len();
    let owners = Owners::of(&workspace, &parsed);
    // The call graph and every file's facts are not needed again and the process ends
    // soon: freeing them piece by piece would cost as much as building the graph.
    std::mem::forget(graph);
    std::mem::forget(parsed);
    let mut checked = Checked {
        workspace,
        diagnostics,
        packages,
        owners,
        files,
    };
    if let Some(compiler) = compiler {
        compiler.apply(&mut checked)?;
    }
    Ok(checked)
}

/// The crate root of each target whose root file was parsed, with the workspace libs it
/// can name: its package's lib (for the other targets of the package) and the libs of
/// the packages it depends on, under the names its code uses.
fn graph_roots(workspace: &Workspace, parsed: &[ParsedFile]) -> Vec<Root> {
    // A file's first position, as a search in order finds it.
    let mut positions: HashMap<&Path, usize> = HashMap::new();
    for (index, file) in parsed.iter().enumerate() {
        positions.entry(&file.key.path).or_insert(index);
    }
    let rooted: Vec<(&Package, &Target, usize)> = workspace
        .packages
        .iter()
        .flat_map(|package| package.targets.iter().map(move |target| (package, target)))
        .filter_map(|(package, target)| {
            let file = *positions.get(target.src_path.as_path())?;
            Some((package, target, file))
        })
        .collect();
    let libs: HashMap<&str, (usize, &Target)> = rooted
        .iter()
        .enumerate()
        .filter(|(_, (_, target, _))| target.kind == TargetKind::Lib)
        .map(|(index, (package, target, _))| (package.name.as_str(), (index, *target)))
        .collect();
    rooted
        .iter()
        .map(|(package, target, file)| {
            let own_lib = libs
                .get(package.name.as_str())
                .filter(|_| target.kind != TargetKind::Lib)
                .map(|(index, lib)| (lib.crate_name.clone(), *index));
            let dependencies = package
                .dependencies_of(target.kind)
                .filter_map(|dependency| {
                    let (index, lib) = libs.get(dependency.package.as_str())?;
                    let name = dependency
                        .rename
                        .as_ref()
                        .map_or_else(|| lib.crate_name.clone(), |rename| rename.replace('-', "_"));
                    Some((name, *index))
                });
            Root {
                file: *file,
                crates: own_lib.into_iter().chain(dependencies).collect(),
            }
        })
        .collect()
}

/// The packages' rules (and the problems of their `async-hygiene.toml`) and their
/// parsed files.
struct Parsed {
    rules: Vec<CrateRules>,
    diagnostics: Vec<Diagnostic>,
    files: Vec<ParsedFile>,
}

/// A parse made while cargo was asked for the packages: of the packages the manifests
/// describe ([`discover`]).
struct EarlyParse {
    guess: Workspace,
    files: Vec<ParsedFile>,
}

/// Loads each package's rules and parses the files of every target, keeping from an
/// early parse the files of each package with the same directory and crate roots there:
/// what it parsed is what this parse would (a file's facts depend on its package's rules
/// and its path, and the files of a package are those its roots reach).
fn parse_workspace(workspace: &Workspace, early: Option<EarlyParse>) -> Parsed {
    let mut diagnostics = Vec::new();
    let rules: Vec<CrateRules> = workspace
        .packages
        .iter()
        .map(|package| {
            let (rules, problems) = CrateRules::load(&package.manifest_dir);
            diagnostics.extend(problems);
            rules
        })
        .collect();
    // For each package of the early parse, the same package here (by directory and
    // crate roots; the order of the two lists may differ).
    let moved: Vec<Option<usize>> = early.as_ref().map_or_else(Vec::new, |early| {
        early
            .guess
            .packages
            .iter()
            .map(|guess| {
                workspace
                    .packages
                    .iter()
                    .position(|package| parse_inputs(package) == parse_inputs(guess))
            })
            .collect()
    });
    let parsed_early: Vec<bool> = (0..workspace.packages.len())
        .map(|index| moved.contains(&Some(index)))
        .collect();
    let mut roots = Vec::new();
    for (index, package) in workspace.packages.iter().enumerate() {
        if parsed_early[index] {
            continue;
        }
        for target in &package.targets {
            roots.push((
                FileKey {
                    path: target.src_path.clone(),
                    owns_dir: true,
                },
                index,
            ));
        }
    }
    let mut parsed = sources::parse_all(roots, &rules);
    if let Some(early) = early {
        let kept = early.files.into_iter().filter_map(|mut file| {
            file.package = moved.get(file.package).copied().flatten()?;
            Some(file)
        });
        parsed.extend(kept);
        sources::sort(&mut parsed);
    }
    Parsed {
        rules,
        diagnostics,
        files: parsed,
    }
}

/// What a package's parse depends on: its directory (its rules) and its crate roots.
fn parse_inputs(package: &Package) -> (&Path, BTreeSet<&Path>) {
    let roots = package
        .targets
        .iter()
        .map(|target| target.src_path.as_path())
        .collect();
    (&package.manifest_dir, roots)
}

/// The packages of the directory `path`, and a parse made while cargo was asked for
/// them.
///
/// `cargo metadata` costs a process start, a noticeable part of a whole check
/// (`docs/benchmarks.md`). Meanwhile the manifests are read ([`crate::manifest`]) and the crates they
/// describe are parsed; [`parse_workspace`] keeps what fits cargo's list (cargo's list is
/// the workspace).
/// The workspace at `path` with the targets of `kinds` (all when empty).
fn discover(
    path: &Path,
    discovery: Discovery,
    kinds: &[TargetKind],
    early: bool,
) -> Result<(Workspace, Option<EarlyParse>), String> {
    let root = workspace::root(path)?;
    let from_manifests = || {
        manifest::read_workspace(&root).map(|mut guess| {
            guess.keep_targets(kinds);
            guess
        })
    };
    if discovery == Discovery::Manifests {
        return Ok((from_manifests()?, None));
    }
    let from_cargo = || {
        workspace::from_cargo_metadata(&root).map(|mut found| {
            found.keep_targets(kinds);
            found
        })
    };
    if !early {
        return Ok((from_cargo().map_or_else(from_manifests, Ok)?, None));
    }
    std::thread::scope(|scope| {
        let cargo = scope.spawn(from_cargo);
        let early = from_manifests().map(|guess| {
            let Parsed { files, .. } = parse_workspace(&guess, None);
            EarlyParse { guess, files }
        });
        match (cargo.join().ok().flatten(), early) {
            (Some(found), early) => Ok((found, early.ok())),
            // Without cargo the manifests are the answer, and their parse the parse.
            (None, Ok(early)) => Ok((early.guess.clone(), Some(early))),
            (None, Err(error)) => Err(error),
        }
    })
}

/// Levels from each package's `[lints]`, `--deny warnings`, then sorted and deduplicated
/// (a file in two crate roots is reported once).
fn apply_levels(
    diagnostics: Vec<Diagnostic>,
    parsed: &[ParsedFile],
    rules: &[CrateRules],
    deny_warnings: bool,
) -> (Vec<Diagnostic>, Vec<Option<usize>>) {
    // A file's package: the first parsed copy's, as a search in order finds it.
    let mut packages: HashMap<&Path, usize> = HashMap::new();
    for file in parsed {
        packages.entry(&*file.facts.path).or_insert(file.package);
    }
    let package_of = |diagnostic: &Diagnostic| packages.get(&*diagnostic.primary.file).copied();
    let mut kept: Vec<(Diagnostic, Option<usize>)> = diagnostics
        .into_iter()
        .filter_map(|mut diagnostic| {
            let package = package_of(&diagnostic);
            let level = match package {
                Some(package) => rules[package].level(diagnostic.code)?,
                None => diagnostic.code.default_level()?,
            };
            diagnostic.level = if deny_warnings { Level::Error } else { level };
            Some((diagnostic, package))
        })
        .collect();
    kept.sort_by(|a, b| a.0.sort_key().cmp(&b.0.sort_key()));
    let mut seen = HashSet::new();
    kept.retain(|(diagnostic, _)| {
        seen.insert((
            diagnostic.code,
            diagnostic.primary.clone(),
            diagnostic.message.clone(),
        ))
    });
    kept.into_iter().unzip()
}

/// A lone `.rs` file: a crate root of its own, in a package named after it.
fn single_file(path: &Path) -> Result<Workspace, String> {
    let path = path
        .canonicalize()
        .map_err(|error| format!("{}: {error}", path.display()))?;
    let dir = path.parent().unwrap_or(Path::new("/")).to_path_buf();
    let name = path
        .file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or("main")
        .to_owned();
    Ok(Workspace {
        root: dir.clone(),
        packages: vec![Package {
            name: name.clone(),
            version: "0.0.0".to_owned(),
            manifest_dir: dir,
            targets: vec![Target::new(&name, TargetKind::Bin, path, "2021")],
            dependencies: Vec::new(),
        }],
    })
}

impl Checked {
    /// Drops the reports at these indices (fixed ones).
    pub(crate) fn remove(&mut self, indices: impl Iterator<Item = usize>) {
        let gone: HashSet<usize> = indices.collect();
        let mut index = 0;
        self.diagnostics.retain(|_| {
            index += 1;
            !gone.contains(&(index - 1))
        });
        let mut index = 0;
        self.packages.retain(|_| {
            index += 1;
            !gone.contains(&(index - 1))
        });
    }

    /// Whether any report is at deny level.
    pub(crate) fn failed(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|diagnostic| diagnostic.level == Level::Error)
    }

    /// `3 errors, 1 warning (blocking: 2, lock-across-await: 1, sequential-awaits: 1)`.
    pub(crate) fn summary(&self) -> String {
        let errors = self
            .diagnostics
            .iter()
            .filter(|d| d.level == Level::Error)
            .count();
        let warnings = self.diagnostics.len() - errors;
        let by_code: Vec<String> = RULES
            .iter()
            .filter_map(|rule| {
                let count = self
                    .diagnostics
                    .iter()
                    .filter(|d| d.code == rule.code)
                    .count();
                (count > 0).then(|| format!("{}: {count}", rule.code))
            })
            .collect();
        let plural = |count: usize, word: &str| {
            if count == 1 {
                format!("{count} {word}")
            } else {
                format!("{count} {word}s")
            }
        };
        let mut summary = format!(
            "{}, {} in {}",
            plural(errors, "error"),
            plural(warnings, "warning"),
            plural(self.files, "file")
        );
        if !by_code.is_empty() {
            let _ = write!(summary, " ({})", by_code.join(", "));
        }
        summary
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    /// The files of a parse, as everything after sees them.
    fn summary(parsed: &Parsed) -> Vec<(PathBuf, bool, usize, usize, usize)> {
        parsed
            .files
            .iter()
            .map(|file| {
                (
                    file.key.path.clone(),
                    file.key.owns_dir,
                    file.package,
                    file.facts.fns.len(),
                    file.facts.diagnostics.len(),
                )
            })
            .collect()
    }

    /// A parse made before cargo listed the packages is kept for each package cargo
    /// lists with the same directory and crate roots, whatever its place in the list;
    /// a package cargo lists otherwise is parsed again: the result is what a parse of
    /// cargo's list gives.
    #[test]
    fn an_early_parse_is_kept_where_it_fits_the_packages_cargo_lists() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/workspace");
        let guess = manifest::read_workspace(&root.canonicalize().unwrap()).unwrap();
        assert_eq!(guess.packages.len(), 2);
        let early = || EarlyParse {
            guess: guess.clone(),
            files: parse_workspace(&guess, None).files,
        };
        // Cargo lists the same packages the other way round.
        let mut found = guess.clone();
        found.packages.reverse();
        let fresh = summary(&parse_workspace(&found, None));
        assert!(fresh.iter().any(|file| file.2 == 0) && fresh.iter().any(|file| file.2 == 1));
        assert_eq!(summary(&parse_workspace(&found, Some(early()))), fresh);
        // And one of them with a crate root the manifests did not show.
        let mut extra = found.packages[1].targets[0].clone();
        extra.src_path = root
            .join("crates/storage/src/backend/mod.rs")
            .canonicalize()
            .unwrap();
        found.packages[0].targets.push(extra);
        let fresh = summary(&parse_workspace(&found, None));
        assert_eq!(summary(&parse_workspace(&found, Some(early()))), fresh);
    }
}
