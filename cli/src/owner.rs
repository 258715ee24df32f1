//! The target a file belongs to: the one whose module tree (its crate root and the
//! `mod` declarations followed from it) contains the file, as cargo's JSON messages name
//! the target a compiler message came from.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::facts::FileKey;
use crate::render::Origin;
use crate::sources::ParsedFile;
use crate::workspace::{TargetKind, Workspace};

/// For each parsed file, its package and the index of its target in the package's list.
#[derive(Debug, Default)]
pub(crate) struct Owners {
    of: HashMap<PathBuf, (usize, usize)>,
}

impl Owners {
    /// Walks each target's module tree through the parsed files. A file several
    /// targets reach (a module a bin declares again with `#[path]`, a shared test
    /// helper) belongs to the one cargo compiles first: the lib, then the bins, then
    /// the others in the package's order (cargo metadata's), which is also the order a
    /// compiler message about the file would come in.
    pub(crate) fn of(workspace: &Workspace, parsed: &[ParsedFile]) -> Owners {
        let files: HashMap<(&FileKey, usize), &ParsedFile> = parsed
            .iter()
            .map(|file| ((&file.key, file.package), file))
            .collect();
        let mut of = HashMap::new();
        for (package_index, package) in workspace.packages.iter().enumerate() {
            let mut order: Vec<usize> = (0..package.targets.len()).collect();
            order.sort_by_key(|&index| match package.targets[index].kind {
                TargetKind::Lib => 0,
                TargetKind::Bin => 1,
                TargetKind::Example | TargetKind::Test | TargetKind::Bench => 2,
            });
            for target_index in order {
                let root = FileKey {
                    path: package.targets[target_index].src_path.clone(),
                    owns_dir: true,
                };
                let mut seen = HashSet::new();
                let mut stack = vec![root];
                while let Some(key) = stack.pop() {
                    let Some(file) = files.get(&(&key, package_index)) else {
                        continue;
                    };
                    if !seen.insert(key.clone()) {
                        continue;
                    }
                    of.entry(key.path.clone())
                        .or_insert((package_index, target_index));
                    stack.extend(file.facts.scopes.iter().flat_map(|scope| {
                        scope
                            .child_files
                            .iter()
                            .filter_map(|(_, child)| child.clone())
                    }));
                }
            }
        }
        Owners { of }
    }

    /// The package and target index of `file`, when a target reaches it.
    pub(crate) fn get(&self, file: &Path) -> Option<(usize, usize)> {
        self.of.get(file).copied()
    }

    /// The package and target of `file`, as a JSON message names them; `None` for a
    /// file in no target (`async-hygiene.toml`).
    pub(crate) fn origin<'w>(&self, workspace: &'w Workspace, file: &Path) -> Option<Origin<'w>> {
        let (package, target) = self.get(file)?;
        let package = &workspace.packages[package];
        Some(Origin {
            package,
            target: &package.targets[target],
        })
    }
}
