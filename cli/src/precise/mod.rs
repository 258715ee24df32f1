//! `check --precise`: the compiler's own call resolution, through every dependency, on
//! the stable toolchain.
//!
//! 1. [`wrapper::build`] runs `cargo check` (the user's package selection, all targets by
//!    default) into `<target>/async-hygiene-precise`, so the user's own build cache is
//!    untouched, with this binary as `RUSTC_WRAPPER`. For each crate's compile the
//!    wrapper adds `--emit=mir` beside cargo's own `--emit=dep-info,metadata` (the MIR
//!    text lands beside the `.rmeta`) and runs rustc, through the user's own wrapper
//!    (sccache) when there is one. Build errors are cargo's, printed as cargo prints
//!    them; precise mode then ends with exit status 2.
//! 2. [`mir::outline`] and [`mir::read_body`] read each crate's MIR: fns, closures,
//!    async bodies, calls with their spans, coroutine layouts. A dependency's fns, once
//!    read, are kept in a [`cache`] beside its MIR under the crate's identity, so a later
//!    run reads only the MIR of the packages asked for.
//! 3. [`graph::Graph`] joins every crate's bodies into one call graph; reports come from
//!    the async bodies of the packages asked for: a call that reaches a blocking leaf
//!    ([`leaves`]), directly or through any crate, is a `blocking` report at that call
//!    with the chain; a lock guard or `RefCell` borrow in a coroutine's saved locals is a
//!    `lock-across-await` report; a CPU-heavy call reached through the packages' own
//!    fns is a `cpu-bound` report ([`cpu`]). Each package's own `async-hygiene.toml`
//!    applies to the reports in its code: one graph per distinct `[no_blocking]` policy.
//! 4. The default mode's check then parses the workspace once, with what the compiler
//!    found installed: `sequential-awaits` plans with how the compiler resolved each
//!    statement's borrows ([`borrows`]): two calls that only share-borrow a binding
//!    join, one that borrows it mutably keeps its order; the spawn rules take what each
//!    call is from the compiler ([`spawns`]). Its `blocking` and `lock-across-await`
//!    reports give way to the graph's ([`Precise`]); its other reports are kept. The
//!    build runs while cargo's metadata is read for the discovery.
//!
//! **Why `RUSTC_BOOTSTRAP=1` with `-Zmir-include-spans=on -Ztrim-diagnostic-paths=false`.**
//! Without them stable rustc prints MIR calls without spans and with paths trimmed to
//! the shortest unique name (`sleep(..)` for `std::thread::sleep`): a call could only be
//! placed by mapping it back onto the syntax, a guess of the kind this mode exists to
//! remove. With them every call carries its span and its full path. The variable is set
//! only in the environment of rustc's compile of each crate in the private build: never
//! in cargo's (so build scripts and their probes see the user's stable toolchain, and
//! nothing they detect changes), never in the user's own builds (the target directory
//! is private), and `#![feature]`s in the user's code still fail in their own build. The
//! flags change what rustc prints, not what it compiles. A fourth, `-Zno-codegen`,
//! keeps `--emit=mir` from running the code generation a check build otherwise skips
//! (rustc emits MIR on its codegen path: the mono-item collection and the LLVM IR of
//! every item, thrown away): the `.rmeta`, the dep-info and the MIR are the same
//! bytes without it. The cost: the MIR text is
//! rustc's unstable pretty-printing, so [`mir::outline`] checks what it relies on and
//! a text it does not recognise is an error naming the rustc version (`rustc -vV`),
//! never a report read from the wrong columns.

pub(crate) mod borrows;
mod cache;
mod cpu;
mod graph;
mod leaves;
mod mir;
mod paths;
mod policy;
pub(crate) mod spawns;
pub(crate) mod wrapper;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, LazyLock, Mutex, OnceLock, PoisonError};

use crate::check::Checked;
use crate::diagnostic::{shared_path, Diagnostic, Label, Location};
use crate::rules::{Code, Level};
use crate::scope::CrateRules;
use crate::workspace::{Package, TargetKind, Workspace};

use self::graph::{Crate, Graph, Node, Why};
use self::mir::{Kind, Span};
use self::wrapper::Selection;

/// Set, precise mode notes on stderr which dependencies' MIR it read.
const DEBUG: &str = "ASYNC_HYGIENE_PRECISE_DEBUG";

/// `check`'s flags for precise mode.
#[derive(clap::Args, Debug)]
pub(crate) struct PreciseArgs {
    /// Check with the compiler's own call resolution, through every dependency: builds
    /// with `cargo check` into `target/async-hygiene-precise` and reads rustc's MIR.
    #[arg(long)]
    precise: bool,
    /// With `--precise`: the packages to build (cargo's `-p`).
    #[arg(
        short = 'p',
        long = "package",
        value_name = "SPEC",
        requires = "precise"
    )]
    packages: Vec<String>,
    /// With `--precise`: features to activate (cargo's `--features`).
    #[arg(long, value_name = "FEATURES", requires = "precise")]
    features: Vec<String>,
    /// With `--precise`: activate all features.
    #[arg(long, requires = "precise")]
    all_features: bool,
    /// With `--precise`: do not activate the `default` feature.
    #[arg(long, requires = "precise")]
    no_default_features: bool,
    /// With `--precise`: build for this target triple.
    #[arg(long, value_name = "TRIPLE", requires = "precise")]
    target: Option<String>,
}

/// Precise mode in a run of `check`: the private build and the graph's reports, found
/// before the files are parsed (so that the spawn rules and `sequential-awaits` see
/// what the compiler found), then put in place of the default mode's `blocking` and
/// `lock-across-await` reports, at the levels of each package's `[lints]`.
pub(crate) struct Precise {
    selection: Selection,
    deny_warnings: bool,
    /// The graph's reports, found on a thread of their own while the files are parsed.
    found: Option<std::thread::JoinHandle<Result<Vec<Diagnostic>, String>>>,
    /// Each package's directory and rules, by its index in the workspace checked.
    dirs: Vec<PathBuf>,
    rules: Vec<CrateRules>,
    /// Which packages of the workspace checked were asked for (`-p`).
    asked: Vec<bool>,
}

impl Precise {
    /// With `--precise`, what it takes; without it, nothing. `lib`: `--lib`.
    pub(crate) fn new(args: &PreciseArgs, lib: bool, deny_warnings: bool) -> Option<Precise> {
        args.precise.then(|| Precise {
            selection: Selection {
                packages: args.packages.clone(),
                features: args.features.clone(),
                all_features: args.all_features,
                no_default_features: args.no_default_features,
                lib,
                target: args.target.clone(),
            },
            deny_warnings,
            found: None,
            dirs: Vec::new(),
            rules: Vec::new(),
            asked: Vec::new(),
        })
    }
}

impl crate::check::Compiler for Precise {
    fn build(
        &mut self,
        root: &Path,
        discover: &mut dyn FnMut() -> Result<Workspace, String>,
    ) -> Result<Workspace, String> {
        // cargo's metadata for the discovery runs while cargo builds.
        let (built, workspace) = std::thread::scope(|scope| {
            let built = scope.spawn(|| wrapper::build(root, &self.selection));
            let workspace = discover();
            let built = built
                .join()
                .unwrap_or_else(|_| Err(wrapper::BuildError::Io("the build panicked".into())));
            (built, workspace)
        });
        let (units, rustc) = built.map_err(|error| match error {
            wrapper::BuildError::Failed => {
                "`--precise` needs the code to build: cargo's errors are above (the default \
                 mode, without `--precise`, checks code that does not build)"
                    .to_owned()
            }
            wrapper::BuildError::Io(error) => error,
        })?;
        let mut workspace = workspace?;
        self.asked = narrow(&mut workspace, &self.selection);
        let mut seen = HashSet::new();
        let units: Vec<wrapper::Unit> = units
            .into_iter()
            .filter(|unit| seen.insert(unit.mir.clone()))
            .collect();
        self.dirs = workspace
            .packages
            .iter()
            .map(|package| package.manifest_dir.clone())
            .collect();
        self.rules = self
            .dirs
            .iter()
            .map(|dir| CrateRules::load(dir).0)
            .collect();
        let cpu = cpu::Setup::load(&workspace.root, self.dirs.iter().map(PathBuf::as_path));
        // The graph and the borrows are read while the files are parsed: the rules that
        // need them wait for them ([`Later`]).
        spawns::FACTS.expect();
        borrows::USES.expect();
        let dirs = self.dirs.clone();
        let started = std::time::Instant::now();
        let graph = std::thread::Builder::new()
            .name("precise".to_owned())
            .spawn(move || {
                let _settled = Settled;
                let (reports, borrows_done) = std::thread::scope(|scope| {
                    let borrows = scope.spawn(|| {
                        borrows::install(&units);
                        started.elapsed()
                    });
                    let reports = graph_reports(&units, &dirs, &cpu, rustc.as_ref());
                    (reports, borrows.join())
                });
                if let Ok(borrows_done) = borrows_done {
                    note_phases(
                        [
                            "the compiler's borrows (beside the graph)",
                            "the graph after them",
                        ],
                        started,
                        borrows_done,
                    );
                }
                reports
            })
            .map_err(|error| format!("cannot start a thread: {error}"))?;
        self.found = Some(graph);
        Ok(workspace)
    }

    fn apply(&mut self, checked: &mut Checked) -> Result<(), String> {
        let mut kept: Vec<(Diagnostic, Option<usize>)> = checked
            .diagnostics
            .drain(..)
            .zip(checked.packages.drain(..))
            .filter(|(diagnostic, package)| {
                !matches!(diagnostic.code, Code::BLOCKING | Code::LOCK_ACROSS_AWAIT)
                    && package.is_none_or(|package| self.asked[package])
            })
            .collect();
        let found = match self.found.take().map(std::thread::JoinHandle::join) {
            Some(Ok(found)) => found?,
            Some(Err(_)) => return Err("precise mode panicked".to_owned()),
            None => Vec::new(),
        };
        let mut shown = HashSet::new();
        for (mut report, package) in found.into_iter().map(|report| {
            let package = package_of(&self.dirs, &report.primary.file);
            (report, package)
        }) {
            let level = match package {
                Some(package) => self.rules[package].level(report.code),
                None => report.code.default_level(),
            };
            let Some(level) = level else { continue };
            if cpu::known(&kept, &report) {
                continue;
            }
            report.level = if self.deny_warnings {
                Level::Error
            } else {
                level
            };
            if shown.insert((report.primary.clone(), report.message.clone())) {
                kept.push((report, package));
            }
        }
        kept.sort_by(|a, b| a.0.sort_key().cmp(&b.0.sort_key()));
        (checked.diagnostics, checked.packages) = kept.into_iter().unzip();
        Ok(())
    }
}

/// A value precise mode finds on a thread of its own, which the default check's rules
/// read: once [`Later::expect`]ed, [`Later::get`] waits for it (or for its thread to
/// end without it); never expected, there is none.
pub(crate) struct Later<T> {
    value: OnceLock<T>,
    pending: Mutex<bool>,
    settled: Condvar,
}

impl<T> Later<T> {
    pub(crate) const fn new() -> Later<T> {
        Later {
            value: OnceLock::new(),
            pending: Mutex::new(false),
            settled: Condvar::new(),
        }
    }

    /// Says the value is on its way: readers wait for it from now on.
    fn expect(&self) {
        *self.pending.lock().unwrap_or_else(PoisonError::into_inner) = true;
    }

    /// Sets the value (the first one set stays) and wakes the readers.
    pub(crate) fn set(&self, value: T) {
        let _ = self.value.set(value);
        self.settle();
    }

    /// No value is coming (its thread ended): wakes the readers.
    fn settle(&self) {
        *self.pending.lock().unwrap_or_else(PoisonError::into_inner) = false;
        self.settled.notify_all();
    }

    /// The value, once it is there; `None` when none is coming.
    pub(crate) fn get(&self) -> Option<&T> {
        if let Some(value) = self.value.get() {
            return Some(value);
        }
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        while *pending && self.value.get().is_none() {
            pending = self
                .settled
                .wait(pending)
                .unwrap_or_else(PoisonError::into_inner);
        }
        self.value.get()
    }
}

/// The canonical path of a file the default check reads, as the compiler's facts are
/// kept ([`spawns`], [`borrows`]): resolved once per run, not once per fn of the file
/// that looks its facts up.
fn canonical_checked(file: &Path) -> Option<PathBuf> {
    static KNOWN: LazyLock<Mutex<HashMap<PathBuf, Option<PathBuf>>>> =
        LazyLock::new(Mutex::default);
    KNOWN
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(file.to_path_buf())
        .or_insert_with(|| file.canonicalize().ok())
        .clone()
}

/// Settles what the graph's thread finds when it ends, however it ends, so that no
/// reader waits for ever.
struct Settled;

impl Drop for Settled {
    fn drop(&mut self) {
        spawns::FACTS.settle();
        borrows::USES.settle();
    }
}

/// With [`DEBUG`] set, notes the time of two phases: from `started` to `split`, then
/// from there to now.
fn note_phases(names: [&str; 2], started: std::time::Instant, split: std::time::Duration) {
    if std::env::var_os(DEBUG).is_some() {
        eprintln!(
            "note: precise: {} {:.2} s, {} {:.2} s",
            names[0],
            split.as_secs_f64(),
            names[1],
            started.elapsed().saturating_sub(split).as_secs_f64()
        );
    }
}

/// With `-p`, narrows `workspace` to the packages asked for, as cargo builds them, and
/// the workspace's libs they depend on (their lib targets only, for the calls into
/// them); returns which of the packages kept were asked for. A spec is a package's name,
/// or its name and version (`name@1.2.3`).
fn narrow(workspace: &mut Workspace, selection: &Selection) -> Vec<bool> {
    let is_asked = |package: &Package| {
        selection.packages.is_empty()
            || selection.packages.iter().any(|spec| {
                spec.split_once('@')
                    .map_or(spec == &package.name, |(name, version)| {
                        name == package.name && version == package.version
                    })
            })
    };
    let mut kept: Vec<bool> = workspace.packages.iter().map(is_asked).collect();
    // The workspace's packages the kept ones depend on, to a fixed point.
    let mut grown = true;
    while grown {
        grown = false;
        for at in 0..workspace.packages.len() {
            if kept[at] {
                continue;
            }
            let name = &workspace.packages[at].name;
            let needed = workspace.packages.iter().zip(&kept).any(|(package, kept)| {
                *kept
                    && package
                        .dependencies
                        .iter()
                        .any(|dependency| &dependency.package == name)
            });
            if needed {
                kept[at] = true;
                grown = true;
            }
        }
    }
    let mut asked = Vec::new();
    let mut at = 0;
    workspace.packages.retain_mut(|package| {
        let keep = kept[at];
        at += 1;
        if keep {
            let wanted = is_asked(package);
            if !wanted {
                package
                    .targets
                    .retain(|target| target.kind == TargetKind::Lib);
            }
            asked.push(wanted);
        }
        keep
    });
    asked
}

/// The package of a file: the innermost package directory it is in.
fn package_of(dirs: &[PathBuf], file: &Path) -> Option<usize> {
    dirs.iter()
        .enumerate()
        .filter(|(_, dir)| file.starts_with(dir))
        .max_by_key(|(_, dir)| dir.components().count())
        .map(|(at, _)| at)
}

/// The graph's reports. Each package's `[no_blocking]` lists apply to the reports in its
/// code: the graph is walked once for each distinct policy.
fn graph_reports(
    units: &[wrapper::Unit],
    dirs: &[PathBuf],
    cpu: &cpu::Setup,
    rustc: Option<&String>,
) -> Result<Vec<Diagnostic>, String> {
    let policies: Vec<policy::Policy> = dirs.iter().map(|dir| policy::Policy::load(dir)).collect();
    let mut distinct: Vec<&policy::Policy> = Vec::new();
    for policy in &policies {
        if !distinct.contains(&policy) {
            distinct.push(policy);
        }
    }
    let mut reports = Vec::new();
    for (run_index, policy) in distinct.into_iter().enumerate() {
        let crates = units
            .iter()
            .map(|unit| {
                Crate::new(
                    unit.crate_name.clone(),
                    unit.cwd.clone(),
                    unit.primary,
                    unit.package.clone(),
                    unit.mir.clone(),
                )
                .with_externs(unit.externs.clone())
            })
            .collect();
        let found = run(crates, policy.clone(), cpu.clone(), rustc.cloned())?;
        // A report in no package's directory (a module included by path) is the first
        // walk's.
        reports.extend(found.into_iter().filter(|report| {
            package_of(dirs, &report.primary.file)
                .map_or(run_index == 0, |at| policies[at] == *policy)
        }));
    }
    Ok(reports)
}

/// The graph's reports, on a thread with room for deep chains; the caches of the
/// dependencies read are written after.
fn run(
    crates: Vec<Crate>,
    policy: policy::Policy,
    cpu: cpu::Setup,
    rustc: Option<String>,
) -> Result<Vec<Diagnostic>, String> {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            let lock_guards = policy.clone();
            let mut graph = Graph::new(crates, policy);
            if let Some(rustc) = rustc {
                graph.set_rustc(rustc);
            }
            // The facts first: the default check's spawn rules wait for them.
            let started = std::time::Instant::now();
            spawns::install(&graph);
            let installed = started.elapsed();
            let reports = reports(&mut graph, &lock_guards, &cpu);
            note_phases(["spawn facts", "reports"], started, installed);
            if let Some(error) = graph.error() {
                return Err(error);
            }
            graph.write_caches();
            if std::env::var_os(DEBUG).is_some() {
                let (read, cached) = graph.reads();
                eprintln!(
                    "note: precise: read the MIR of {} dependencies ({}); {cached} from their cache",
                    read.len(),
                    read.join(", ")
                );
            }
            Ok(reports)
        })
        .map_err(|error| format!("cannot start a thread: {error}"))?
        .join()
        .map_err(|_| "precise mode panicked".to_owned())?
}

/// Every report from the packages asked for (`policy`: the types it names guards).
fn reports(graph: &mut Graph, policy: &policy::Policy, cpu: &cpu::Setup) -> Vec<Diagnostic> {
    let mut files = Files::default();
    let mut reports = Vec::new();
    let primary: Vec<usize> = (0..graph.crates.len())
        .filter(|krate| graph.crates[*krate].primary)
        .collect();
    let roots: Vec<Node> = primary
        .into_iter()
        .flat_map(|krate| {
            graph
                .headers(krate)
                .enumerate()
                .filter(|(_, body)| body.kind == Kind::AsyncBody)
                .map(move |(body, _)| (krate, body))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut cpu_bound = cpu::CpuBound::new(cpu);
    for root in roots {
        reports.extend(guards(graph, root, policy, &mut files));
        // Less the closures handed to a blocking pool, which may compute.
        for site in sites(graph, root, &cpu::pools) {
            for call in 0..graph.body(site).calls.len() {
                reports.extend(cpu_bound.report(graph, site, call, &mut files));
            }
        }
        for site in sites(graph, root, &|_| false) {
            for call in 0..graph.body(site).calls.len() {
                if let Some(why) = graph.call_blocks(site, call) {
                    if let Some(report) = blocking(graph, site, call, why, &mut files) {
                        reports.push(report);
                    }
                }
            }
        }
    }
    reports
}

/// The async body and the closures it makes (and does not offload, nor hand to a call
/// `handed` names): the user's async code, each of whose calls is a place to report.
fn sites(graph: &mut Graph, root: Node, handed: &dyn Fn(&paths::Callee) -> bool) -> Vec<Node> {
    let mut sites = vec![root];
    let mut at = 0;
    while at < sites.len() {
        let body = graph.body(sites[at]);
        let handed_off: Vec<String> = body
            .calls
            .iter()
            .zip(&body.call_closures)
            .filter(|(call, _)| {
                paths::Callee::parse(&call.callee).is_some_and(|callee| handed(&callee))
            })
            .flat_map(|(_, closures)| closures.iter().cloned())
            .collect();
        for closure in graph.own_closures(sites[at]) {
            let Kind::Closure(name) = &graph.header(closure).kind else {
                continue;
            };
            if !sites.contains(&closure) && !handed_off.contains(name) {
                sites.push(closure);
            }
        }
        at += 1;
    }
    sites
}

/// The label on the call and the help of a report through its callee: a sync fn, the
/// future of a generic `async fn` with the call's types (`with_types`), or the future of
/// a dependency's `async fn`.
fn through_label_and_help(shown_callee: &str, awaited: bool, with_types: bool) -> (String, String) {
    match (awaited, with_types) {
        (true, true) => (
            format!(
                "the future of `{shown_callee}` blocks when awaited, with the types given here"
            ),
            format!(
                "give `{shown_callee}` types whose work does not block (an async reader or \
                 implementation), or move the blocking call in its body into \
                 `tokio::task::spawn_blocking`"
            ),
        ),
        (true, false) => (
            format!("the future of `{shown_callee}` blocks when awaited"),
            format!(
                "`{shown_callee}` is async but blocks inside: use an async replacement, or \
                 await it on a blocking thread: `let handle = \
                 tokio::runtime::Handle::current(); tokio::task::spawn_blocking(move || \
                 handle.block_on(..)).await`"
            ),
        ),
        (false, _) => (
            format!("`{shown_callee}` is sync and blocks"),
            format!(
                "run it off the executor: `tokio::task::spawn_blocking(move || ..).await`, or \
                 use an async replacement for `{shown_callee}`"
            ),
        ),
    }
}

/// A `blocking` report at a call in the user's async code.
fn blocking(
    graph: &mut Graph,
    site: Node,
    call: usize,
    why: Why,
    files: &mut Files,
) -> Option<Diagnostic> {
    let call_site = graph.body(site).calls[call].clone();
    let shown_callee = paths::Callee::parse(&call_site.callee)?.shown();
    let call_span = call_site.span.clone()?;
    let location = files.location(&graph.file(site.0, &call_span), &call_span)?;
    if files.allowed(&location) {
        return None;
    }
    // The body of an `async fn` the call makes the future of: a generic one's with the
    // call's types, or a dependency's.
    let awaited =
        matches!(why, Why::Via { next, .. } if graph.header(next).kind == Kind::AsyncBody);
    let with_types = matches!(why, Why::Via { next, .. } if graph::is_instance(next));
    let mut links = Vec::new();
    let mut through = Vec::new();
    let mut current = why;
    let mut node = site;
    let mut last_span = Some(call_span);
    let leaf = loop {
        match current {
            Why::Direct { call, leaf } => {
                if node != site {
                    last_span.clone_from(&graph.body(node).calls[call].span);
                    link(graph, node, last_span.as_ref(), &mut links, &mut through);
                }
                break leaf;
            }
            Why::Via { call, next } => {
                if node != site {
                    let span = call
                        .and_then(|call| graph.body(node).calls[call].span.clone())
                        .or_else(|| graph.body(node).span.clone());
                    link(graph, node, span.as_ref(), &mut links, &mut through);
                }
                node = next;
                current = graph.blocks(next)?;
            }
        }
    };
    links.push(leaf.what.clone());
    let mut diagnostic = if node == site {
        Diagnostic::new(
            Code::BLOCKING,
            location,
            format!("{} {}", leaf.what, leaf.why),
        )
        .with_help(leaf.instead.clone())
    } else {
        let through = if through.is_empty() {
            String::new()
        } else {
            format!(
                " (through {})",
                through
                    .iter()
                    .map(|name| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let (label, help) = through_label_and_help(&shown_callee, awaited, with_types);
        let mut diagnostic = Diagnostic::new(
            Code::BLOCKING,
            location,
            format!(
                "`{shown_callee}` blocks the executor thread: it calls {}{through}",
                leaf.what
            ),
        )
        .with_label(label)
        .with_note(format!("call chain: {}", links.join(" → ")))
        .with_note(format!("{} {}; {}", leaf.what, leaf.why, leaf.instead))
        .with_help(help);
        if let (true, Some(span)) = (graph.crates[node.0].primary, &last_span) {
            if let Some(location) = files.location(&graph.file(node.0, span), span) {
                diagnostic.secondary.push(Label {
                    location,
                    text: format!("{} blocks here", leaf.what),
                });
            }
        }
        diagnostic
    };
    diagnostic.notes.push(
        "found by `--precise` from rustc's MIR: the call as the compiler resolved it".to_owned(),
    );
    Some(diagnostic)
}

/// One link of a chain: "`fn` at `FILE:LINE`"; every fn after the first is also one the
/// call goes through.
fn link(
    graph: &Graph,
    node: Node,
    span: Option<&Span>,
    links: &mut Vec<String>,
    through: &mut Vec<String>,
) {
    let at = span
        .map(|span| format!(" at {}", short(graph, node, span)))
        .unwrap_or_default();
    links.push(format!("`{}`{at}", graph.shown(node)));
    if links.len() > 1 {
        through.push(graph.shown(node));
    }
}

/// Guard types whose value must not live across an `.await`, and the lock's name.
fn guard_kind(ty: &str) -> Option<(&'static str, bool)> {
    let (path, _) = paths::type_path(ty)?;
    let first = path.first()?.as_str();
    let last = path.last()?.as_str();
    if first == "std" && path.get(1).is_some_and(|module| module == "cell") {
        return matches!(last, "Ref" | "RefMut").then_some(("RefCell", true));
    }
    if !matches!(first, "std" | "parking_lot" | "lock_api" | "spin") {
        return None;
    }
    match last {
        "MutexGuard" | "MappedMutexGuard" | "ReentrantMutexGuard" => Some(("Mutex", false)),
        "RwLockReadGuard"
        | "RwLockWriteGuard"
        | "RwLockUpgradableReadGuard"
        | "MappedRwLockReadGuard"
        | "MappedRwLockWriteGuard" => Some(("RwLock", false)),
        _ => None,
    }
}

/// What a saved local is, when it must not be held across an `.await`.
enum Held<'p> {
    /// A lock's guard (std, `parking_lot`, `spin`; the lock's name), or a `RefCell`'s borrow.
    Lock(&'static str, bool),
    /// A type the policy names, with the reason.
    Named(&'p str),
}

/// `lock-across-await` reports from one coroutine's saved locals (`policy`: the types
/// it names guards).
fn guards(
    graph: &Graph,
    root: Node,
    policy: &policy::Policy,
    files: &mut Files,
) -> Vec<Diagnostic> {
    let body = graph.body(root);
    let mut reports = Vec::new();
    for saved in &body.saved {
        let held = match guard_kind(&saved.ty) {
            Some((lock, cell)) => Held::Lock(lock, cell),
            None => match policy.lock_guard(&saved.ty) {
                Some((_, reason)) => Held::Named(reason),
                None => continue,
            },
        };
        let Some(suspension) = body
            .suspensions
            .iter()
            .find(|(variant, _)| *variant == saved.variant)
            .map(|(_, span)| span)
        else {
            continue;
        };
        let binding = saved.binding.as_ref();
        let Some(span) = saved
            .assigned
            .as_ref()
            .or_else(|| binding.and_then(|(_, span)| span.as_ref()))
        else {
            continue;
        };
        let Some(location) = files.location(&graph.file(root.0, span), span) else {
            continue;
        };
        if files.allowed(&location) {
            continue;
        }
        let holder = match binding {
            Some((name, _)) => format!("`{name}`"),
            None => "the guard".to_owned(),
        };
        let bound = match binding {
            Some((name, _)) => format!(" bound to `{name}`"),
            None => String::new(),
        };
        let (what, consequence, instead) = match held {
            Held::Lock(_, true) => (
                format!("a `RefCell` borrow (`{}`)", saved.ty),
                "while the task is suspended, any other borrow of the cell panics".to_owned(),
                "end the borrow's scope before awaiting with an inner block".to_owned(),
            ),
            Held::Lock(lock, false) => (
                format!("a std/parking_lot `{lock}` guard (`{}`)", saved.ty),
                "while the task is suspended, every other task that takes this lock blocks \
                 its executor thread (or deadlocks)"
                    .to_owned(),
                format!(
                    "end the guard's scope before awaiting with an inner block, or use \
                     `tokio::sync::{lock}` and `.await` its lock"
                ),
            ),
            Held::Named(reason) => (
                format!(
                    "a guard that this crate's `async-hygiene.toml` names (`{}`)",
                    saved.ty
                ),
                format!("its `[lock_across_await.guards]` says: {reason}"),
                "end the guard's scope before awaiting with an inner block".to_owned(),
            ),
        };
        let mut diagnostic = Diagnostic::new(
            Code::LOCK_ACROSS_AWAIT,
            location,
            format!("{what}{bound} is still alive at a later `.await`: {consequence}"),
        )
        .with_help(instead)
        .with_note(
            "found by `--precise` from the coroutine's layout: rustc saves this value across \
             the `.await`"
                .to_owned(),
        );
        if let Some(location) = files.location(&graph.file(root.0, suspension), suspension) {
            diagnostic.secondary.push(Label {
                location,
                text: format!("{holder} is still held here, across this `.await`"),
            });
        }
        reports.push(diagnostic);
    }
    reports
}

/// `glob-0.3.4/src/lib.rs:903`, or a path relative to the checked directory.
fn short(graph: &Graph, node: Node, span: &Span) -> String {
    let path = graph.file(node.0, span);
    let components: Vec<String> = path
        .components()
        .map(|component| component.as_os_str().to_string_lossy().into_owned())
        .collect();
    let shown = match components
        .iter()
        .position(|component| component.starts_with("index.crates.io-"))
    {
        Some(at) => components[at + 1..].join("/"),
        None if graph.crates[node.0].primary => span.file.clone(),
        None => path.display().to_string(),
    };
    format!("{shown}:{}", span.line)
}

/// A file's text and the byte offset of each of its lines.
type Source = (Arc<str>, Arc<[usize]>);

/// Source files, read once, for byte offsets and `allow_blocking!`.
#[derive(Default)]
struct Files {
    /// Each path as spans give it, canonical.
    canonical: HashMap<PathBuf, Option<PathBuf>>,
    /// Each file's text and the byte offset of each of its lines.
    texts: HashMap<PathBuf, Option<Source>>,
}

impl Files {
    fn source(&mut self, path: &Path) -> Option<Source> {
        self.texts
            .entry(path.to_path_buf())
            .or_insert_with(|| {
                let text: Arc<str> = Arc::from(std::fs::read_to_string(path).ok()?);
                let starts = std::iter::once(0)
                    .chain(text.match_indices('\n').map(|(newline, _)| newline + 1))
                    .collect();
                Some((text, starts))
            })
            .clone()
    }

    fn text(&mut self, path: &Path) -> Option<Arc<str>> {
        self.source(path).map(|(text, _)| text)
    }

    /// `path` canonical, asked of the file system once per path (spans name few files).
    fn canonical(&mut self, path: &Path) -> Option<PathBuf> {
        self.canonical
            .entry(path.to_path_buf())
            .or_insert_with(|| path.canonicalize().ok())
            .clone()
    }

    /// A span as the checker's [`Location`], with byte offsets from the file's text.
    fn location(&mut self, path: &Path, span: &Span) -> Option<Location> {
        let path = self.canonical(path)?;
        let (text, starts) = self.source(&path)?;
        let byte = |line: usize, column: usize| -> Option<usize> {
            let start = *starts.get(line.checked_sub(1)?)?;
            Some(start + mir::column_offset(&text[start..], column))
        };
        let bytes = byte(span.line, span.column)?..byte(span.end_line, span.end_column)?;
        Some(Location {
            file: shared_path(path),
            line_start: span.line,
            column_start: span.column,
            line_end: span.end_line,
            column_end: span.end_column,
            bytes,
        })
    }

    /// The source text at a span.
    fn text_at(&mut self, path: &Path, span: &Span) -> Option<String> {
        let location = self.location(path, span)?;
        let text = self.text(&location.file)?;
        text.get(location.bytes).map(str::to_owned)
    }

    /// Whether the location is inside an `allow_blocking!(..)`.
    fn allowed(&mut self, location: &Location) -> bool {
        let Some(text) = self.text(&location.file) else {
            return false;
        };
        let before = &text[..location.bytes.start.min(text.len())];
        let Some(open) = before.rfind("allow_blocking!") else {
            return false;
        };
        let mut depth = 0usize;
        for (at, c) in text[open..].char_indices() {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return open + at >= location.bytes.end;
                    }
                }
                _ => {}
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::guard_kind;

    #[test]
    fn guards_by_type() {
        assert_eq!(
            guard_kind("std::sync::MutexGuard<'_, u32>"),
            Some(("Mutex", false))
        );
        assert_eq!(
            guard_kind("std::cell::RefMut<'_, u8>"),
            Some(("RefCell", true))
        );
        assert_eq!(guard_kind("tokio::sync::MutexGuard<'_, u32>"), None);
        assert_eq!(guard_kind("std::sync::Arc<std::sync::Mutex<u32>>"), None);
    }
}
