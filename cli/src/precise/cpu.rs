//! `cpu-bound` on the compiler's paths: a call in async code whose callee, as rustc
//! resolved it, is a row of the CPU-heavy catalogue (a re-export under another name, a
//! codec whose type the syntax cannot see), directly or through the checked packages'
//! own sync fns. Dependencies are not entered: a library's call of a codec is its
//! business until the catalogue names the library's own API. `[cpu_bound]`'s `deny` and
//! `allow` apply as in the default mode (a package's lists to the reports in its own code,
//! through whichever fns its calls lead to), and a closure handed to a blocking pool
//! (`spawn_blocking*`, `actix_web::web::block`, `[no_blocking.offload]`) runs off the
//! executor.
//!
//! The default mode's report of a call stays as it is; this adds the calls it cannot
//! name ([`known`] merges the two).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use async_hygiene_analysis::blocking::ApiPattern;
use async_hygiene_analysis::cpu_bound::BUILTIN;
use async_hygiene_analysis::policy::{self, Rule};

use super::graph::{Graph, Node};
use super::mir::Kind;
use super::paths::Callee;
use super::policy::{candidates, matches};
use super::Files;
use crate::diagnostic::{Diagnostic, Location};
use crate::rules::blocking::{BlockingCall, Chain};
use crate::rules::cpu_bound::THROUGH_SYNC_FNS;
use crate::rules::Code;

/// How deep a chain through the crate's own sync fns is followed.
const DEPTH: usize = 8;

/// One package's `[cpu_bound]` lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Lists {
    deny: Vec<(Rule, String)>,
    allow: Vec<Rule>,
}

impl Lists {
    /// The CPU-heavy API a call of `callee` is, if it is one.
    fn heavy(&self, callee: &Callee) -> Option<Heavy> {
        if self.allow.iter().any(|rule| matches(rule, callee)) {
            return None;
        }
        if let Some((rule, instead)) = self.deny.iter().find(|(rule, _)| matches(rule, callee)) {
            return Some(Heavy {
                api: format!("`{rule}`"),
                why: "is denied as CPU-heavy by this crate's `async-hygiene.toml`".to_owned(),
                instead: instead.clone(),
            });
        }
        catalogued(callee)
    }
}

/// What the rule needs beside the graph: each package's `[cpu_bound]` lists, which apply
/// to the reports in its own code as in the default mode, and the root that chains are
/// shown relative to.
#[derive(Clone, Default)]
pub(crate) struct Setup {
    /// Each package's directory, with its lists (an index into `lists`).
    packages: Vec<(PathBuf, usize)>,
    /// The distinct lists, the empty ones first: packages whose lists are alike share
    /// what is known of each sync fn.
    lists: Vec<Lists>,
    root: PathBuf,
}

impl Setup {
    /// The `[cpu_bound]` lists of the packages in these directories (a malformed file is
    /// the default mode's report already).
    pub(crate) fn load<'a>(root: &Path, dirs: impl Iterator<Item = &'a Path>) -> Setup {
        let mut setup = Setup {
            packages: Vec::new(),
            lists: vec![Lists::default()],
            root: root.to_path_buf(),
        };
        for dir in dirs {
            let lists = match policy::load_from(dir).map(|loaded| loaded.policy) {
                Some(Ok(policy)) => Lists {
                    deny: policy
                        .cpu_bound_deny
                        .into_iter()
                        .map(|rule| (rule.rule, rule.text))
                        .collect(),
                    allow: policy
                        .cpu_bound_allow
                        .into_iter()
                        .map(|rule| rule.rule)
                        .collect(),
                },
                _ => Lists::default(),
            };
            let index = setup
                .lists
                .iter()
                .position(|known| *known == lists)
                .unwrap_or_else(|| {
                    setup.lists.push(lists);
                    setup.lists.len() - 1
                });
            setup.packages.push((dir.to_path_buf(), index));
        }
        setup
    }

    /// The lists of the package that `file` is in (the innermost package directory
    /// around it); for a file in none (a module included by path), those of the package
    /// whose crate it was compiled in, whose directory is `crate_dir`.
    fn lists_of(&self, file: &Path, crate_dir: Option<&Path>) -> usize {
        let around = |path: &Path| {
            self.packages
                .iter()
                .filter(|(dir, _)| path.starts_with(dir))
                .max_by_key(|(dir, _)| dir.components().count())
                .map(|(_, lists)| *lists)
        };
        around(file)
            .or_else(|| crate_dir.and_then(around))
            .unwrap_or(0)
    }
}

/// A CPU-heavy API reached by a call.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Heavy {
    /// "`miniz_oxide::deflate::compress_to_vec`".
    api: String,
    why: String,
    instead: String,
}

/// The catalogue's row for a callee: a path row by its full path, a method row by its
/// owner (the trait, the type, or a codec's crate) and name.
fn catalogued(callee: &Callee) -> Option<Heavy> {
    let paths = candidates(callee);
    BUILTIN.iter().find_map(|row| {
        let hit = match row.pattern {
            ApiPattern::Path { canonical, .. } => {
                matches!(callee, Callee::Path(segments) if segments.join("::") == canonical)
            }
            ApiPattern::Module { prefix, .. } => matches!(callee, Callee::Path(segments)
                if segments.join("::").strip_prefix(prefix).is_some_and(|rest| rest.starts_with("::"))),
            ApiPattern::Method { name, owners, .. } => paths.iter().any(|path| {
                let Some((method, owner)) = path.split_last() else {
                    return false;
                };
                method == name
                    && owners.iter().any(|wanted| {
                        let wanted: Vec<&str> = wanted.split("::").collect();
                        owner.len() >= wanted.len()
                            && owner.iter().zip(&wanted).all(|(part, wanted)| part == wanted)
                    })
            }),
        };
        hit.then(|| Heavy {
            api: match row.pattern {
                ApiPattern::Method { .. } => format!("`{}`", callee.shown()),
                _ => row.what.to_owned(),
            },
            why: row.why.to_owned(),
            instead: row.instead.to_owned(),
        })
    })
}

/// Calls whose closures run on a blocking pool for CPU work too (beside the graph's
/// offload contexts).
pub(crate) fn pools(callee: &Callee) -> bool {
    let Callee::Path(segments) = callee else {
        return false;
    };
    segments.join("::") == "actix_web::web::block"
        || segments
            .last()
            .is_some_and(|last| last.starts_with("spawn_blocking"))
}

/// Why a sync fn of the checked packages is CPU-heavy: its call (by index) is a heavy
/// API, or leads to another such fn.
#[derive(Clone, Debug)]
enum Why {
    Direct { call: usize, heavy: Heavy },
    Via { call: usize, next: Node },
}

/// The rule over one run's graph.
pub(crate) struct CpuBound<'s> {
    setup: &'s Setup,
    /// Whether each sync fn computes, under each of the setup's lists.
    memo: HashMap<(usize, Node), Option<Why>>,
}

impl<'s> CpuBound<'s> {
    pub(crate) fn new(setup: &'s Setup) -> Self {
        CpuBound {
            setup,
            memo: HashMap::new(),
        }
    }

    /// The report at call `call` of `site` (async code), if it computes.
    pub(crate) fn report(
        &mut self,
        graph: &mut Graph,
        site: Node,
        call: usize,
        files: &mut Files,
    ) -> Option<Diagnostic> {
        let call_site = graph.body(site).calls[call].clone();
        let callee = Callee::parse(&call_site.callee)?;
        let span = call_site.span.clone()?;
        let location = files.location(&graph.file(site.0, &span), &span)?;
        if files.allowed(&location) {
            return None;
        }
        let crate_dir = files.canonical(&graph.crates[site.0].cwd);
        let lists = self.setup.lists_of(&location.file, crate_dir.as_deref());
        let mut diagnostic = if let Some(heavy) = self.setup.lists[lists].heavy(&callee) {
            Diagnostic::new(
                Code::CPU_BOUND,
                location,
                format!("{} {}", heavy.api, heavy.why),
            )
            .with_help(heavy.instead)
        } else {
            let first = self.first_heavy(graph, lists, site.0, &callee)?;
            self.through(graph, lists, &callee, first, location, files)?
        };
        diagnostic.notes.push(
            "found by `--precise` from rustc's MIR: the call as the compiler resolved it"
                .to_owned(),
        );
        Some(diagnostic)
    }

    /// The first sync fn of the checked packages that a call of `callee` runs and that
    /// computes (under the setup's `lists`).
    fn first_heavy(
        &mut self,
        graph: &mut Graph,
        lists: usize,
        krate: usize,
        callee: &Callee,
    ) -> Option<Node> {
        graph
            .resolve(krate, callee)
            .into_iter()
            .find(|target| self.computes(graph, lists, *target, 0).is_some())
    }

    /// Why a sync fn of the checked packages computes under the setup's `lists`, if it
    /// does.
    fn computes(
        &mut self,
        graph: &mut Graph,
        lists: usize,
        node: Node,
        depth: usize,
    ) -> Option<Why> {
        if let Some(known) = self.memo.get(&(lists, node)) {
            return known.clone();
        }
        if depth > DEPTH || !graph.crates[node.0].primary || graph.header(node).kind != Kind::Plain
        {
            return None;
        }
        // A cycle in progress computes only through another of its calls.
        self.memo.insert((lists, node), None);
        let mut why = None;
        for (at, call) in graph.body(node).calls.clone().iter().enumerate() {
            let Some(callee) = Callee::parse(&call.callee) else {
                continue;
            };
            if let Some(heavy) = self.setup.lists[lists].heavy(&callee) {
                why = Some(Why::Direct { call: at, heavy });
                break;
            }
            let next = graph
                .resolve(node.0, &callee)
                .into_iter()
                .find(|target| self.computes(graph, lists, *target, depth + 1).is_some());
            if let Some(next) = next {
                why = Some(Why::Via { call: at, next });
                break;
            }
        }
        self.memo.insert((lists, node), why.clone());
        why
    }

    /// The report of a call into the crate's sync fns that ends in a heavy call, in the
    /// default mode's words.
    fn through(
        &mut self,
        graph: &mut Graph,
        lists: usize,
        callee: &Callee,
        first: Node,
        location: Location,
        files: &mut Files,
    ) -> Option<Diagnostic> {
        let mut names = Vec::new();
        let mut locations = Vec::new();
        let mut node = first;
        let leaf = loop {
            let why = self.computes(graph, lists, node, 0)?;
            let call = match &why {
                Why::Direct { call, .. } | Why::Via { call, .. } => *call,
            };
            let span = graph.body(node).calls[call].span.clone()?;
            let at = files.location(&graph.file(node.0, &span), &span)?;
            names.push(graph.shown(node));
            match why {
                Why::Direct { heavy, .. } => {
                    break BlockingCall {
                        message: format!("{} {}", heavy.api, heavy.why),
                        help: heavy.instead,
                        api: heavy.api,
                        location: at,
                    };
                }
                Why::Via { next, .. } => {
                    locations.push(at);
                    node = next;
                }
            }
        };
        locations.push(leaf.location.clone());
        let chain = Chain {
            links: names
                .iter()
                .map(String::as_str)
                .zip(locations.iter())
                .collect(),
            leaf: &leaf,
        };
        let written = match callee {
            Callee::Path(segments) => segments.last().cloned().unwrap_or_default(),
            Callee::Qualified { method, .. } => method.clone(),
        };
        Some(chain.report(&THROUGH_SYNC_FNS, &written, location, &self.setup.root))
    }
}

/// Whether the default mode already reports the call of a precise `cpu-bound` report:
/// a report of the rule in the same file whose span overlaps it.
pub(crate) fn known(kept: &[(Diagnostic, Option<usize>)], report: &Diagnostic) -> bool {
    report.code == Code::CPU_BOUND
        && kept.iter().any(|(other, _)| {
            other.code == Code::CPU_BOUND
                && other.primary.file == report.primary.file
                && other.primary.bytes.start < report.primary.bytes.end
                && report.primary.bytes.start < other.primary.bytes.end
        })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{catalogued, Callee, Lists, Setup};

    #[test]
    fn a_file_takes_the_lists_of_its_innermost_package() {
        let denying = |path: &str| Lists {
            deny: vec![(path.parse().unwrap(), "instead".to_owned())],
            allow: Vec::new(),
        };
        let setup = Setup {
            packages: vec![
                ("/ws".into(), 1),
                ("/ws/inner".into(), 2),
                ("/ws/plain".into(), 0),
            ],
            lists: vec![Lists::default(), denying("outer::f"), denying("inner::f")],
            root: "/ws".into(),
        };
        assert_eq!(setup.lists_of(Path::new("/ws/inner/src/lib.rs"), None), 2);
        assert_eq!(setup.lists_of(Path::new("/ws/src/lib.rs"), None), 1);
        assert_eq!(setup.lists_of(Path::new("/ws/plain/src/lib.rs"), None), 0);
        assert_eq!(
            setup.lists_of(Path::new("/ws/innermost/src/lib.rs"), None),
            1
        );
        // A module included by path from outside every package: its crate's package.
        let generated = Path::new("/out/generated.rs");
        assert_eq!(setup.lists_of(generated, Some(Path::new("/ws/inner"))), 2);
        assert_eq!(setup.lists_of(generated, None), 0);
        let inner = Callee::parse("inner::f").unwrap();
        assert!(setup.lists[2].heavy(&inner).is_some());
        assert!(setup.lists[1].heavy(&inner).is_none());
    }

    #[test]
    fn the_catalogue_on_the_compilers_paths() {
        let heavy = |text: &str| catalogued(&Callee::parse(text).unwrap()).map(|heavy| heavy.api);
        assert_eq!(
            heavy("miniz_oxide::deflate::compress_to_vec").as_deref(),
            Some("`miniz_oxide::deflate::compress_to_vec`")
        );
        assert!(heavy("<flate2::read::GzDecoder<&[u8]> as std::io::Read>::read_to_end").is_some());
        assert!(heavy(
            "<argon2::Argon2<'_> as password_hash::PasswordHasher>::hash_password::<&str>"
        )
        .is_some());
        assert_eq!(heavy("<&[u8] as std::io::Read>::read_to_end"), None);
        assert_eq!(heavy("my_crate::codec::compress_to_vec"), None);
        assert_eq!(heavy("sha2::Sha256::digest"), None);
    }
}
