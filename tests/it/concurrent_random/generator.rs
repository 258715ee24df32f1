//! Writes `tests/it/concurrent_random.rs`: random dependency graphs as Rust source, each
//! compiled twice (as written and under `#[concurrent]`), with the expected timings
//! computed here, by an oracle that knows nothing of the macro's scheduler.
//!
//! Deterministic (a fixed seed and xorshift64*), so the committed file can be checked
//! for staleness: `cargo test --test it concurrent_random` regenerates it in memory and
//! fails if it differs; `ASYNC_HYGIENE_REGENERATE=1` writes it instead.
//!
//! What the oracle models is the documented contract:
//! - a `let` depends on the `let` that binds each name it uses;
//! - a binding that a later `let` of its run shadows is renamed in the moved code when a
//!   statement other than that shadowing `let` reads it; then the shadowing costs
//!   nothing. Otherwise (nothing reads it, or the binding read comes from before the run)
//!   a `let` that shadows a name waits for the earlier `let`s of its run that read or bind
//!   that name;
//! - an expression statement is a barrier: the runs on either side never overlap;
//! - so is a `let` that takes a lock or a permit (`lock.lock()`, `sem.acquire()`): it runs
//!   alone, after everything before it and before everything after it;
//! - a run whose graph is series-parallel takes exactly its critical path, and any run
//!   takes at most its layered bound (the sum over depths of the slowest node there);
//! - when a statement fails, the run returns its error after every statement before it
//!   in source order has finished (the earliest failure wins), and within the run's
//!   critical path.

use std::fmt::Write as _;

const SEED: u64 = 0x5EED_C0DE_2026_1124;
const CASES: usize = 120;

/// xorshift64*: enough randomness for shapes, and no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: usize) -> usize {
        usize::try_from(self.next() % bound as u64).unwrap_or(0)
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// No await: costs no time.
    Instant,
    Plain,
    /// Ends in `?` on an `io::Result`.
    Io,
    /// Ends in `?` on a `Result<_, StepError>`.
    Custom,
    /// Holds a `tokio::sync::Mutex` guard (or a `Semaphore` permit) for `ms`: a barrier.
    Lock,
}

struct Node {
    kind: Kind,
    ms: u64,
    /// Data dependencies: the nodes whose values this one reads.
    deps: Vec<usize>,
    /// Order-only edges from the shadowing rule: nodes that must finish first.
    after: Vec<usize>,
}

impl Node {
    fn random(rng: &mut Rng) -> Node {
        let kind = match rng.below(20) {
            0..=2 => Kind::Instant,
            3..=9 => Kind::Plain,
            10 => Kind::Lock,
            11..=15 => Kind::Io,
            _ => Kind::Custom,
        };
        let ms = if kind == Kind::Instant {
            0
        } else {
            10 * (1 + rng.next() % 10)
        };
        Node {
            kind,
            ms,
            deps: Vec::new(),
            after: Vec::new(),
        }
    }

    fn waits_for(&self) -> impl Iterator<Item = usize> + '_ {
        self.deps.iter().chain(&self.after).copied()
    }
}

/// Adds a random series-parallel structure over `count` new nodes; returns its sources
/// and sinks.
fn series_parallel(rng: &mut Rng, nodes: &mut Vec<Node>, count: usize) -> (Vec<usize>, Vec<usize>) {
    if count == 1 {
        nodes.push(Node::random(rng));
        return (vec![nodes.len() - 1], vec![nodes.len() - 1]);
    }
    let left = 1 + rng.below(count - 1);
    let (left_sources, left_sinks) = series_parallel(rng, nodes, left);
    let (right_sources, right_sinks) = series_parallel(rng, nodes, count - left);
    if rng.chance(50) {
        // Series: every source of the right part reads every sink of the left part.
        for &source in &right_sources {
            nodes[source].deps.extend(left_sinks.iter().copied());
        }
        (left_sources, right_sinks)
    } else {
        let sources = left_sources.into_iter().chain(right_sources).collect();
        let sinks = left_sinks.into_iter().chain(right_sinks).collect();
        (sources, sinks)
    }
}

/// Any DAG: each node reads each earlier node with some probability.
fn random_dag(rng: &mut Rng, count: usize) -> Vec<Node> {
    let mut nodes: Vec<Node> = (0..count).map(|_| Node::random(rng)).collect();
    for (later, node) in nodes.iter_mut().enumerate() {
        node.deps = (0..later).filter(|_| rng.chance(30)).collect();
    }
    nodes
}

/// Whether `from` must finish before `to` starts.
fn reaches(nodes: &[Node], from: usize, to: usize) -> bool {
    nodes[to]
        .waits_for()
        .any(|dep| dep == from || reaches(nodes, from, dep))
}

/// One generated case.
struct Case {
    body: String,
    series_parallel: bool,
    critical_path: u64,
    layered: u64,
    /// `(failing node, bounds of the elapsed time)`; only for series-parallel cases.
    failures: Vec<(usize, Option<(u64, u64)>)>,
    shadows: Shadows,
    /// Lock or permit nodes (barriers).
    locks: usize,
}

const BARRIER_MS: u64 = 5;

#[allow(clippy::too_many_lines)]
fn generate_case(rng: &mut Rng, index: usize) -> Case {
    let series_parallel = index % 4 != 3;
    let count = 3 + rng.below(6);
    let mut nodes = if series_parallel {
        let mut nodes = Vec::new();
        self::series_parallel(rng, &mut nodes, count);
        nodes
    } else {
        random_dag(rng, count)
    };
    for node in &mut nodes {
        node.deps.sort_unstable();
        node.deps.dedup();
    }
    // A random topological order: the source order the macro has to see through.
    let mut order: Vec<usize> = Vec::new();
    while order.len() < nodes.len() {
        let ready: Vec<usize> = (0..nodes.len())
            .filter(|id| {
                !order.contains(id) && nodes[*id].deps.iter().all(|dep| order.contains(dep))
            })
            .collect();
        order.push(ready[rng.below(ready.len())]);
    }
    // Runs: barriers after random positions, and a lock node alone in its own run. Each
    // boundary costs what separates the runs (a barrier's sleep; nothing for a lock node,
    // which is a run of its own).
    let mut runs: Vec<Vec<usize>> = vec![Vec::new()];
    let mut gaps: Vec<u64> = Vec::new();
    let mut barrier_after = vec![false; order.len()];
    for (position, &id) in order.iter().enumerate() {
        if nodes[id].kind == Kind::Lock {
            runs.push(vec![id]);
            runs.push(Vec::new());
            gaps.extend([0, 0]);
        } else if let Some(run) = runs.last_mut() {
            run.push(id);
        }
        if position + 1 < order.len() && rng.chance(8) {
            barrier_after[position] = true;
            runs.push(Vec::new());
            gaps.push(BARRIER_MS);
        }
    }
    let run_of = |id: usize| runs.iter().position(|run| run.contains(&id));
    // Names, shadowing where every use still resolves to its dependency.
    let mut name_of = vec![String::new(); nodes.len()];
    // Whether a node's binding was renamed when it was shadowed.
    let mut renamed = vec![false; nodes.len()];
    // `(name, current holder)`
    let mut scope: Vec<(String, usize)> = Vec::new();
    let mut shadows = Shadows::default();
    for (position, &id) in order.iter().enumerate() {
        let placed = &order[..position];
        let readers = |holder: usize, nodes: &[Node]| -> Vec<usize> {
            (0..nodes.len())
                .filter(|&user| user != id && nodes[user].deps.contains(&holder))
                .collect()
        };
        // The order-only edges the shadowing rule adds if `id` shadows `slot`'s name.
        let shadow_edges = |slot: usize, nodes: &[Node], renamed: &[bool]| -> Vec<usize> {
            let (name, holder) = &scope[slot];
            let same_run = run_of(*holder) == run_of(id);
            let holder_renamed = same_run && !readers(*holder, nodes).is_empty();
            placed
                .iter()
                .copied()
                .filter(|&earlier| run_of(earlier) == run_of(id) && nodes[id].kind != Kind::Lock)
                .filter(|&earlier| {
                    let binds_it = name_of[earlier] == *name
                        && !(if earlier == *holder {
                            holder_renamed
                        } else {
                            renamed[earlier]
                        });
                    let reads_it = nodes[earlier].deps.iter().any(|&read| {
                        name_of[read] == *name
                            && (run_of(read) != run_of(id)
                                || !(if read == *holder {
                                    holder_renamed
                                } else {
                                    renamed[read]
                                }))
                    });
                    binds_it || reads_it
                })
                .collect()
        };
        let candidates: Vec<usize> = (0..scope.len())
            .filter(|&slot| {
                let holder = scope[slot].1;
                // Everyone reading the current holder is placed already...
                let users_placed = readers(holder, &nodes)
                    .iter()
                    .all(|user| placed.contains(user));
                // ...and in series-parallel cases the shadowing rule adds no edge the
                // structure lacks.
                let implied = !series_parallel
                    || shadow_edges(slot, &nodes, &renamed)
                        .into_iter()
                        .all(|earlier| reaches(&nodes, earlier, id));
                users_placed && implied
            })
            .collect();
        // Shadowing across independent chains: a holder `id` does not depend on.
        let independent: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&slot| !reaches(&nodes, scope[slot].1, id))
            .collect();
        let pick = if !independent.is_empty() && rng.chance(40) {
            Some(independent[rng.below(independent.len())])
        } else if !candidates.is_empty() && rng.chance(35) {
            Some(candidates[rng.below(candidates.len())])
        } else {
            None
        };
        let name = if let Some(slot) = pick {
            let (name, holder) = scope[slot].clone();
            let edges = shadow_edges(slot, &nodes, &renamed);
            shadows.count(&nodes, holder, id, run_of(holder) == run_of(id));
            renamed[holder] = run_of(holder) == run_of(id) && !readers(holder, &nodes).is_empty();
            nodes[id].after.extend(edges);
            scope[slot].1 = id;
            name
        } else {
            let name = format!("v{id}");
            scope.push((name.clone(), id));
            name
        };
        name_of[id] = name;
    }
    let mut body = String::new();
    if order.iter().any(|&id| nodes[id].kind == Kind::Lock) {
        body.push_str("let lock = tokio::sync::Mutex::new(());\n");
        body.push_str("let sem = tokio::sync::Semaphore::new(1);\n");
    }
    for (position, &id) in order.iter().enumerate() {
        let node = &nodes[id];
        let inputs: Vec<&str> = node.deps.iter().map(|&dep| name_of[dep].as_str()).collect();
        let inputs = inputs.join(", ");
        let (name, ms) = (&name_of[id], node.ms);
        let _ = match node.kind {
            Kind::Instant => writeln!(body, "let {name} = mix({id}, &[{inputs}]);"),
            Kind::Plain => writeln!(body, "let {name} = plain({id}, {ms}, &[{inputs}]).await;"),
            Kind::Lock if id % 2 == 0 => writeln!(
                body,
                "let {name} = hold(lock.lock().await, {id}, {ms}, &[{inputs}]).await;"
            ),
            Kind::Lock => writeln!(
                body,
                "let {name} = hold(sem.acquire().await, {id}, {ms}, &[{inputs}]).await;"
            ),
            Kind::Io => writeln!(
                body,
                "let {name} = io_step({id}, {ms}, &[{inputs}], fail).await?;"
            ),
            Kind::Custom => writeln!(
                body,
                "let {name} = custom_step({id}, {ms}, &[{inputs}], fail).await?;"
            ),
        };
        if barrier_after[position] {
            let _ = writeln!(body, "barrier().await;");
        }
    }
    let mut finals: Vec<&str> = scope.iter().map(|(name, _)| name.as_str()).collect();
    finals.sort_unstable();
    let _ = write!(body, "Ok(mix(1000, &[{}]))", finals.join(", "));
    let gaps_total: u64 = gaps.iter().sum();
    let critical_path = runs
        .iter()
        .map(|run| {
            finish_times(&nodes, run)
                .values()
                .copied()
                .max()
                .unwrap_or(0)
        })
        .sum::<u64>()
        + gaps_total;
    let layered = runs
        .iter()
        .map(|run| layered_bound(&nodes, run))
        .sum::<u64>()
        + gaps_total;
    let failures = order
        .iter()
        .filter(|&&id| matches!(nodes[id].kind, Kind::Io | Kind::Custom))
        .map(|&id| {
            let elapsed = series_parallel.then(|| {
                // The runs before and what separates them; then, in the node's run, at
                // least until the node and every statement before it in source order
                // have finished (the earliest failure wins, so the join waits for them),
                // and at most the run's critical path.
                let mut elapsed = 0;
                for (index, run) in runs.iter().enumerate() {
                    let finish = finish_times(&nodes, run);
                    let whole = finish.values().copied().max().unwrap_or(0);
                    if finish.contains_key(&id) {
                        let position = |node: &usize| order.iter().position(|at| at == node);
                        let up_to_id = run
                            .iter()
                            .filter(|node| position(node) <= position(&id))
                            .filter_map(|node| finish.get(node).copied())
                            .max()
                            .unwrap_or(0);
                        return (elapsed + up_to_id, elapsed + whole);
                    }
                    elapsed += whole + gaps.get(index).copied().unwrap_or(0);
                }
                (elapsed, elapsed)
            });
            (id, elapsed)
        })
        .collect();
    Case {
        body,
        series_parallel,
        critical_path,
        layered,
        failures,
        shadows,
        locks: order
            .iter()
            .filter(|&&id| nodes[id].kind == Kind::Lock)
            .count(),
    }
}

/// What a case covers of the shadowing rule.
#[derive(Default, Clone, Copy)]
struct Shadows {
    /// Shadowings of a binding from the same run.
    in_run: usize,
    /// Of those, shadowings of a binding the shadowing `let` does not depend on (two
    /// independent chains sharing a name).
    across_chains: usize,
    /// Shadowings of a binding from an earlier run.
    across_runs: usize,
}

impl Shadows {
    fn count(&mut self, nodes: &[Node], holder: usize, id: usize, same_run: bool) {
        if !same_run {
            self.across_runs += 1;
        } else if reaches(nodes, holder, id) {
            self.in_run += 1;
        } else {
            self.in_run += 1;
            self.across_chains += 1;
        }
    }
}

/// When each node of `run` finishes if it starts as soon as what it waits for is done.
fn finish_times(nodes: &[Node], run: &[usize]) -> std::collections::HashMap<usize, u64> {
    let mut finish = std::collections::HashMap::new();
    for &id in run {
        let start = nodes[id]
            .waits_for()
            .filter_map(|dep| finish.get(&dep).copied())
            .max()
            .unwrap_or(0);
        finish.insert(id, start + nodes[id].ms);
    }
    finish
}

/// Sum over depths (within `run`) of the slowest node at that depth.
fn layered_bound(nodes: &[Node], run: &[usize]) -> u64 {
    let mut depth = std::collections::HashMap::new();
    for &id in run {
        let level = nodes[id]
            .waits_for()
            .filter_map(|dep| depth.get(&dep).map(|level: &usize| level + 1))
            .max()
            .unwrap_or(0);
        depth.insert(id, level);
    }
    let levels = depth
        .values()
        .copied()
        .max()
        .map_or(0, |deepest| deepest + 1);
    (0..levels)
        .map(|level| {
            run.iter()
                .filter(|id| depth[*id] == level)
                .map(|&id| nodes[id].ms)
                .max()
                .unwrap_or(0)
        })
        .sum()
}

const PRELUDE: &str = r#"//! GENERATED by `tests/it/concurrent_random/generator.rs`; do not edit. Regenerate with
//! `ASYNC_HYGIENE_REGENERATE=1 cargo test --test it concurrent_random`.
//!
//! Random dependency graphs, each as a function compiled twice: as written and under
//! `#[concurrent]`. On the paused clock, every result must be equal, and the elapsed
//! time must be the critical path (series-parallel cases) or at most the layered bound.

use std::future::Future;
use std::time::Duration;

use async_hygiene::concurrent;
use tokio::time::{sleep, Instant};

#[path = "concurrent_random/generator.rs"]
mod generator;

/// The `fail` argument that makes no step fail.
const NO_FAILURE: usize = usize::MAX;

#[derive(Debug, PartialEq)]
enum CaseError {
    Io(usize),
    Step(usize),
}

impl From<std::io::Error> for CaseError {
    fn from(error: std::io::Error) -> Self {
        CaseError::Io(error.to_string().parse().unwrap_or(usize::MAX))
    }
}

#[derive(Debug)]
struct StepError(usize);

impl From<StepError> for CaseError {
    fn from(error: StepError) -> Self {
        CaseError::Step(error.0)
    }
}

/// A value that depends on the node and on every input, in order.
fn mix(id: usize, inputs: &[u64]) -> u64 {
    inputs
        .iter()
        .fold(id as u64 + 1, |hash, input| hash.wrapping_mul(31).wrapping_add(*input))
}

async fn plain(id: usize, ms: u64, inputs: &[u64]) -> u64 {
    sleep(Duration::from_millis(ms)).await;
    mix(id, inputs)
}

async fn io_step(id: usize, ms: u64, inputs: &[u64], fail: usize) -> std::io::Result<u64> {
    sleep(Duration::from_millis(ms)).await;
    if fail == id {
        return Err(std::io::Error::other(id.to_string()));
    }
    Ok(mix(id, inputs))
}

async fn custom_step(id: usize, ms: u64, inputs: &[u64], fail: usize) -> Result<u64, StepError> {
    sleep(Duration::from_millis(ms)).await;
    if fail == id {
        return Err(StepError(id));
    }
    Ok(mix(id, inputs))
}

async fn barrier() {
    sleep(Duration::from_millis(BARRIER_MS)).await;
}

/// Holds `guard` (a mutex guard or a semaphore permit) for `ms`: the `let` that takes it
/// must stay a barrier, or the guard would be held while earlier awaits wait.
async fn hold<G>(guard: G, id: usize, ms: u64, inputs: &[u64]) -> u64 {
    sleep(Duration::from_millis(ms)).await;
    drop(guard);
    mix(id, inputs)
}

const BARRIER_MS: u64 = 5;

/// The same body as written and under `#[concurrent]`.
macro_rules! case {
    ($sequential:ident, $concurrent:ident, $fail:ident, $body:block) => {
        #[allow(unused_variables)]
        async fn $sequential($fail: usize) -> Result<u64, CaseError> $body
        #[allow(unused_variables)]
        #[concurrent]
        async fn $concurrent($fail: usize) -> Result<u64, CaseError> $body
    };
}

async fn timed<F: Future>(future: F) -> (F::Output, Duration) {
    let start = Instant::now();
    let output = future.await;
    (output, start.elapsed())
}

/// Runs one case as written and concurrently, and checks results and time.
async fn check<S, C>(name: &str, sequential: S, concurrent: C, expected: Expected)
where
    S: Future<Output = Result<u64, CaseError>>,
    C: Future<Output = Result<u64, CaseError>>,
{
    let (want, _) = timed(sequential).await;
    let (got, elapsed) = timed(concurrent).await;
    assert_eq!(got, want, "{name}: results differ");
    let elapsed = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
    match expected {
        Expected::Exactly(ms) => assert_eq!(elapsed, ms, "{name}: not the critical path"),
        Expected::Between(fastest, bound) => assert!(
            (fastest..=bound).contains(&elapsed),
            "{name}: {elapsed} ms outside [critical path {fastest}, layered bound {bound}]"
        ),
        Expected::Any => {}
    }
}

#[derive(Clone, Copy)]
enum Expected {
    Exactly(u64),
    Between(u64, u64),
    /// A failure in a graph that is not series-parallel: only the result is checked.
    Any,
}

#[test]
fn committed_file_is_fresh() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/concurrent_random.rs");
    let generated = generator::generate();
    if std::env::var_os("ASYNC_HYGIENE_REGENERATE").is_some() {
        std::fs::write(path, &generated).expect("tests/it/concurrent_random.rs is writable");
        return;
    }
    let committed = std::fs::read_to_string(path).expect("tests/it/concurrent_random.rs exists");
    assert!(
        committed == generated,
        "tests/it/concurrent_random.rs is stale: rerun with ASYNC_HYGIENE_REGENERATE=1"
    );
}
"#;

/// The whole test file, formatted by `rustfmt`.
pub(crate) fn generate() -> String {
    let mut rng = Rng(SEED);
    let mut cases = String::new();
    let mut covered = Shadows::default();
    let mut locks = 0;
    for index in 0..CASES {
        let case = generate_case(&mut rng, index);
        covered.in_run += case.shadows.in_run;
        covered.across_chains += case.shadows.across_chains;
        covered.across_runs += case.shadows.across_runs;
        locks += case.locks;
        let shape = if case.series_parallel {
            "series-parallel"
        } else {
            "any DAG"
        };
        let success = if case.series_parallel {
            format!("Expected::Exactly({})", case.critical_path)
        } else {
            format!(
                "Expected::Between({}, {})",
                case.critical_path, case.layered
            )
        };
        let mut checks = format!(
            "check(\"case {index}\", Box::pin(case_{index}(NO_FAILURE)), Box::pin(case_{index}_concurrent(NO_FAILURE)), {success}).await;\n"
        );
        for (node, elapsed) in case.failures {
            let expected = elapsed.map_or("Expected::Any".to_owned(), |(fastest, slowest)| {
                format!("Expected::Between({fastest}, {slowest})")
            });
            let _ = writeln!(
                checks,
                "check(\"case {index}, node {node} fails\", Box::pin(case_{index}({node})), Box::pin(case_{index}_concurrent({node})), {expected}).await;"
            );
        }
        let Shadows {
            in_run,
            across_chains,
            across_runs,
        } = case.shadows;
        let _ = writeln!(
            cases,
            "// case {index}: {shape}; critical path {} ms, layered bound {} ms; \
             shadowings in a run {in_run} ({across_chains} across independent chains), \
             across runs {across_runs}; lock nodes {}\n\
             case!(case_{index}, case_{index}_concurrent, fail, {{\n{}\n}});\n\n\
             #[tokio::test(start_paused = true)]\n\
             async fn case_{index}_matches() {{\n{checks}}}\n",
            case.critical_path, case.layered, case.locks, case.body
        );
    }
    // The generator must keep covering what the oracle models, whatever the seed.
    assert!(
        covered.across_chains >= 20 && covered.in_run >= 40 && covered.across_runs >= 5,
        "too few shadowings: {} in runs, {} across chains, {} across runs",
        covered.in_run,
        covered.across_chains,
        covered.across_runs
    );
    assert!(locks >= 20, "too few lock nodes: {locks}");
    let source = format!("{PRELUDE}\n{cases}");
    rustfmt(&source)
}

fn rustfmt(code: &str) -> String {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new(std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".into()))
        .args(["--edition", "2021", "--emit", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the `rustfmt` binary runs (rustup component add rustfmt)");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(code.as_bytes())
        .expect("rustfmt reads the generated file");
    let output = child.wait_with_output().expect("rustfmt finishes");
    assert!(
        output.status.success(),
        "rustfmt rejected the generated file"
    );
    String::from_utf8(output.stdout).expect("rustfmt writes UTF-8")
}
