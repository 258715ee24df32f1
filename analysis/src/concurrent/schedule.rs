//! The dependency graph of one run of movable statements, and its schedule as nested
//! series and parallel compositions, which is exactly what nested joins can express.
//!
//! Nodes are numbered in source order, and every edge points forward (a statement only
//! depends on earlier ones), so source order is a topological order. That makes the
//! series split easy to find: in a series composition `A ; B` every node of `A` comes
//! before every node of `B` in any topological order, so `A` is a prefix of the source.

/// Statements (by position in their run) and the order they must keep.
#[derive(Debug)]
pub struct DependencyGraph {
    /// `before[a][b]`: `a` must finish before `b` starts (transitively closed).
    before: Vec<Vec<bool>>,
    /// Whether the node suspends; a node that does not costs no time.
    awaits: Vec<bool>,
    /// Longest path from a source of the whole run: the layer of each node in the
    /// fallback for parts that are not series-parallel.
    depth: Vec<usize>,
}

impl DependencyGraph {
    /// `edges` are `(earlier, later)` pairs with `earlier < later`.
    pub fn new(awaits: Vec<bool>, edges: impl IntoIterator<Item = (usize, usize)>) -> Self {
        let len = awaits.len();
        let mut before = vec![vec![false; len]; len];
        for (earlier, later) in edges {
            if earlier < later && later < len {
                before[earlier][later] = true;
            }
        }
        // Edges point forward, so one backward sweep closes the relation.
        for node in (0..len).rev() {
            for next in node + 1..len {
                if before[node][next] {
                    let (head, tail) = before.split_at_mut(next);
                    for (reach, &via) in head[node].iter_mut().zip(tail[0].iter()) {
                        *reach |= via;
                    }
                }
            }
        }
        let mut depth = vec![0_usize; len];
        for later in 0..len {
            for earlier in 0..later {
                if before[earlier][later] {
                    depth[later] = depth[later].max(depth[earlier] + 1);
                }
            }
        }
        Self {
            before,
            awaits,
            depth,
        }
    }

    /// The number of statements.
    #[must_use]
    pub fn len(&self) -> usize {
        self.awaits.len()
    }

    /// Whether the run has no statement.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.awaits.is_empty()
    }

    fn ordered(&self, a: usize, b: usize) -> bool {
        self.before[a][b] || self.before[b][a]
    }

    fn has_successor_in(&self, node: usize, nodes: &[usize]) -> bool {
        nodes.iter().any(|&other| self.before[node][other])
    }

    fn has_predecessor_in(&self, node: usize, nodes: &[usize]) -> bool {
        nodes.iter().any(|&other| self.before[other][node])
    }
}

/// How a run of statements executes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// One statement, by its position in the run.
    Leaf(usize),
    /// One after the other, in this order.
    Series(Vec<Schedule>),
    /// Concurrently, in one join; children in source order.
    Parallel(Vec<Schedule>),
}

impl Schedule {
    /// The pairs of nodes that run concurrently: in different children of one join.
    #[must_use]
    pub fn concurrent_pairs(&self) -> Vec<(usize, usize)> {
        let mut pairs = Vec::new();
        self.collect_pairs(&mut pairs);
        pairs
    }

    fn collect_pairs(&self, pairs: &mut Vec<(usize, usize)>) {
        match self {
            Schedule::Leaf(_) => {}
            Schedule::Series(children) => {
                for child in children {
                    child.collect_pairs(pairs);
                }
            }
            Schedule::Parallel(children) => {
                let nodes: Vec<Vec<usize>> = children.iter().map(Schedule::nodes).collect();
                for (at, one) in nodes.iter().enumerate() {
                    for other in &nodes[at + 1..] {
                        for &a in one {
                            pairs.extend(other.iter().map(|&b| (a, b)));
                        }
                    }
                }
                for child in children {
                    child.collect_pairs(pairs);
                }
            }
        }
    }

    /// The nodes of this schedule, in source order.
    #[must_use]
    pub fn nodes(&self) -> Vec<usize> {
        let mut nodes = Vec::new();
        self.collect_nodes(&mut nodes);
        nodes.sort_unstable();
        nodes
    }

    fn collect_nodes(&self, nodes: &mut Vec<usize>) {
        match self {
            Schedule::Leaf(node) => nodes.push(*node),
            Schedule::Series(children) | Schedule::Parallel(children) => {
                for child in children {
                    child.collect_nodes(nodes);
                }
            }
        }
    }

    fn first(&self) -> usize {
        self.nodes().first().copied().unwrap_or(usize::MAX)
    }

    /// Whether running this schedule joins anything.
    pub fn is_concurrent(&self) -> bool {
        match self {
            Schedule::Leaf(_) => false,
            Schedule::Parallel(_) => true,
            Schedule::Series(children) => children.iter().any(Schedule::is_concurrent),
        }
    }

    fn series(mut children: Vec<Schedule>) -> Schedule {
        if children.len() == 1 {
            return children.pop().unwrap_or(Schedule::Series(Vec::new()));
        }
        let flat = children
            .into_iter()
            .flat_map(|child| match child {
                Schedule::Series(inner) => inner,
                other => vec![other],
            })
            .collect();
        Schedule::Series(flat)
    }
}

/// Schedules every node of `graph`.
///
/// Zero-cost nodes (no `.await`) move out of the graph first, since leaving them in could
/// turn a series-parallel graph into an "N" for no gain: to the front if something
/// depends on them or if they come before every await of the run (so
/// `let start = Instant::now();` still starts the clock first), else to the back, after
/// what they read. The rest is split into series and parallel parts recursively; a part
/// that is neither (it contains an "N") runs layer by layer.
pub fn schedule(graph: &DependencyGraph) -> Schedule {
    let first_await = graph.awaits.iter().position(|&awaits| awaits);
    let mut core: Vec<usize> = (0..graph.len()).collect();
    let mut head = Vec::new();
    let mut tail = Vec::new();
    let hoist = |core: &mut Vec<usize>, head: &mut Vec<usize>| loop {
        let source = core.iter().position(|&node| {
            !graph.awaits[node]
                && !graph.has_predecessor_in(node, core)
                && (graph.has_successor_in(node, core) || first_await.is_none_or(|at| node < at))
        });
        let Some(position) = source else { break };
        head.push(core.remove(position));
    };
    hoist(&mut core, &mut head);
    loop {
        let sink = core
            .iter()
            .rposition(|&node| !graph.awaits[node] && !graph.has_successor_in(node, &core));
        let Some(position) = sink else { break };
        tail.push(core.remove(position));
    }
    tail.reverse();
    let mut parts: Vec<Schedule> = head.into_iter().map(Schedule::Leaf).collect();
    if !core.is_empty() {
        parts.push(decompose(graph, &core));
    }
    parts.extend(tail.into_iter().map(Schedule::Leaf));
    Schedule::series(parts)
}

/// Input: nodes in source order. Output: a series-parallel schedule of them.
fn decompose(graph: &DependencyGraph, nodes: &[usize]) -> Schedule {
    if let [node] = nodes {
        return Schedule::Leaf(*node);
    }
    let components = components(graph, nodes);
    if components.len() > 1 {
        let children = components
            .iter()
            .map(|component| decompose(graph, component))
            .collect();
        return parallel(graph, children);
    }
    // The shortest prefix that precedes everything after it.
    let split = (1..nodes.len()).find(|&at| {
        nodes[..at]
            .iter()
            .all(|&early| nodes[at..].iter().all(|&late| graph.before[early][late]))
    });
    if let Some(at) = split {
        return Schedule::series(vec![
            decompose(graph, &nodes[..at]),
            decompose(graph, &nodes[at..]),
        ]);
    }
    layered(graph, nodes)
}

/// Maximal groups of `nodes` with no order between groups, in source order.
fn components(graph: &DependencyGraph, nodes: &[usize]) -> Vec<Vec<usize>> {
    fn root(group_of: &mut [usize], mut at: usize) -> usize {
        while group_of[at] != at {
            group_of[at] = group_of[group_of[at]];
            at = group_of[at];
        }
        at
    }
    let mut group_of: Vec<usize> = (0..nodes.len()).collect();
    for a in 0..nodes.len() {
        for b in a + 1..nodes.len() {
            if graph.ordered(nodes[a], nodes[b]) {
                let (ra, rb) = (root(&mut group_of, a), root(&mut group_of, b));
                group_of[ra.max(rb)] = ra.min(rb);
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut slot_of_root = vec![usize::MAX; nodes.len()];
    for (at, &node) in nodes.iter().enumerate() {
        let group = root(&mut group_of, at);
        if slot_of_root[group] == usize::MAX {
            slot_of_root[group] = groups.len();
            groups.push(Vec::new());
        }
        groups[slot_of_root[group]].push(node);
    }
    groups
}

/// A part that is not series-parallel: run it layer by layer, each layer one join.
///
/// The layer of a node is its depth in the whole run, not in this part. Then every part
/// of the schedule, and so the whole, is never slower than layering the whole run by
/// depth, whatever the durations: in a series split all depths of the first part lie
/// below those of the second, and a parallel split costs the maximum of its parts, which
/// is at most the layered sum. (Depth within the part could beat that for some
/// durations and lose for others: with unknown durations, the bound wins.)
fn layered(graph: &DependencyGraph, nodes: &[usize]) -> Schedule {
    let mut depths: Vec<usize> = nodes.iter().map(|&node| graph.depth[node]).collect();
    depths.sort_unstable();
    depths.dedup();
    let steps = depths
        .into_iter()
        .map(|layer| {
            let members: Vec<Schedule> = nodes
                .iter()
                .filter(|&&node| graph.depth[node] == layer)
                .map(|&node| Schedule::Leaf(node))
                .collect();
            parallel(graph, members)
        })
        .collect();
    Schedule::series(steps)
}

/// Joins only what suspends: children that never await run first, in source order,
/// since they are independent of the rest and cost nothing.
fn parallel(graph: &DependencyGraph, mut children: Vec<Schedule>) -> Schedule {
    children.sort_by_key(Schedule::first);
    let (waiting, instant): (Vec<Schedule>, Vec<Schedule>) = children
        .into_iter()
        .partition(|child| child.nodes().iter().any(|&node| graph.awaits[node]));
    let mut steps = instant;
    match waiting.len() {
        0 => {}
        1 => steps.extend(waiting),
        _ => steps.push(Schedule::Parallel(waiting)),
    }
    Schedule::series(steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Schedule::{Leaf, Parallel, Series};

    fn plan(awaits: &[bool], edges: &[(usize, usize)]) -> Schedule {
        schedule(&DependencyGraph::new(
            awaits.to_vec(),
            edges.iter().copied(),
        ))
    }

    #[test]
    fn independent_awaits_join() {
        assert_eq!(
            plan(&[true; 3], &[]),
            Parallel(vec![Leaf(0), Leaf(1), Leaf(2)])
        );
    }

    #[test]
    fn chains_stay_in_series_inside_the_join() {
        // 0 -> 2, 1 independent (source order interleaves the two chains).
        assert_eq!(
            plan(&[true; 3], &[(0, 2)]),
            Parallel(vec![Series(vec![Leaf(0), Leaf(2)]), Leaf(1)])
        );
    }

    #[test]
    fn zero_cost_nodes_move_to_the_edges() {
        // 0: url (zero cost), 1 and 2 await and use it, 3 (zero cost) uses both.
        assert_eq!(
            plan(
                &[false, true, true, false],
                &[(0, 1), (0, 2), (1, 3), (2, 3)]
            ),
            Series(vec![Leaf(0), Parallel(vec![Leaf(1), Leaf(2)]), Leaf(3)])
        );
    }

    #[test]
    fn a_leading_zero_cost_node_stays_in_front() {
        // 0: `let start = Instant::now();`, then two awaits, then 3 reads 1 and 2.
        assert_eq!(
            plan(&[false, true, true, false], &[(1, 3), (2, 3)]),
            Series(vec![Leaf(0), Parallel(vec![Leaf(1), Leaf(2)]), Leaf(3)])
        );
    }

    #[test]
    fn an_n_shape_falls_back_to_layers() {
        // 0 -> 2, 0 -> 3, 1 -> 2: the "N" of Valdes, Tarjan and Lawler.
        assert_eq!(
            plan(&[true; 4], &[(0, 2), (0, 3), (1, 2)]),
            Series(vec![
                Parallel(vec![Leaf(0), Leaf(1)]),
                Parallel(vec![Leaf(2), Leaf(3)])
            ])
        );
    }

    #[test]
    fn applicative_do_example_reaches_the_critical_path() {
        // x0 <- f0; x1 <- f1 x0; x2 <- f2; x3 <- f3 x0 x2  (REFERENCE.md §B).
        // Its closure is an N as well (0->1, 0->3, 2->3), so layers: {0, 2}, {1, 3}.
        assert_eq!(
            plan(&[true; 4], &[(0, 1), (0, 3), (2, 3)]),
            Series(vec![
                Parallel(vec![Leaf(0), Leaf(2)]),
                Parallel(vec![Leaf(1), Leaf(3)])
            ])
        );
    }

    #[test]
    fn nothing_to_join_is_not_concurrent() {
        assert!(!plan(&[true, false, true], &[(0, 1), (1, 2)]).is_concurrent());
        assert!(!plan(&[false, false, true], &[]).is_concurrent());
    }
}
