//! The plan of a fn in plain text: what `cargo async-hygiene explain FILE:FN` prints, and
//! what a user needs when a fn did not speed up.
//!
//! Input: the plan of
//!
//! ```text
//! 3  async fn pair(a: &Api) -> (u8, u8) {
//! 4      let x = a.one().await;
//! 5      let y = a.two(x).await;
//! 6      let x = a.three().await;
//! 7      let z = a.four(x).await;
//! 8      (y, z)
//! 9  }
//! ```
//!
//! Output:
//!
//! ```text
//! `fn pair`: 4 awaits in sequence; `#[concurrent]` runs them in 2 steps
//!
//! block at line 3
//!   line 4: let x = a.one().await;
//!       joins (awaits); `x` is renamed in the moved code (line 6 shadows it)
//!   line 5: let y = a.two(x).await;
//!       joins (awaits); after line 4: uses `x`
//!   …
//!   line 8: (y, z)
//!       stays: not a `let`: …
//!   run at lines 4-7: 4 awaits as written, 2 steps joined
//!     schedule (by line): join(4 → 5, 6 → 7)
//! ```

use std::fmt::Write as _;

use proc_macro2::Span;

use super::plan::{BlockPlan, Role, Run};
use super::schedule::Schedule;
use super::FnPlan;

/// Where a span is in the source, for a caller that has the file (the checker, with
/// proc-macro2's `span-locations` feature: `span.start().line` and `span.source_text()`).
pub trait Source {
    /// The 1-based line the span starts on.
    fn line(&self, span: Span) -> Option<usize>;
    /// The source text of the span.
    fn text(&self, span: Span) -> Option<String>;
}

/// The longest statement text shown on one line.
const WIDTH: usize = 80;

pub(super) fn explain(plan: &FnPlan, source: &dyn Source) -> String {
    let mut out = String::new();
    let name = &plan.name;
    let _ = match (plan.summary(), plan.annotated) {
        (Some(summary), false) => writeln!(out, "`fn {name}`: {summary}"),
        (Some(summary), true) => writeln!(
            out,
            "`fn {name}` has `#[concurrent]`: it joins {} in sequence into {}",
            count(summary.awaits, "await"),
            count(summary.steps, "step")
        ),
        (None, false) => writeln!(
            out,
            "`fn {name}`: nothing to join (`#[concurrent]` would leave it as written)"
        ),
        (None, true) => writeln!(
            out,
            "`fn {name}` has `#[concurrent]`, which leaves it as written: nothing to join"
        ),
    };
    for block in &plan.blocks {
        // Blocks without a `let` have nothing to explain.
        if block
            .statements
            .iter()
            .all(|statement| statement.binds.is_empty())
            && block.runs.is_empty()
        {
            continue;
        }
        out.push('\n');
        explain_block(&mut out, block, source);
    }
    out
}

fn at(source: &dyn Source, span: Span, index: usize) -> String {
    source.line(span).map_or_else(
        || format!("statement {index}"),
        |line| format!("line {line}"),
    )
}

fn explain_block(out: &mut String, block: &BlockPlan, source: &dyn Source) {
    match source.line(block.span) {
        Some(line) => {
            let _ = writeln!(out, "block at line {line}");
        }
        None => out.push_str("block\n"),
    }
    let label = |index: usize| at(source, block.statements[index].span, index);
    for (index, statement) in block.statements.iter().enumerate() {
        let text = source
            .text(statement.span)
            .and_then(|text| text.lines().next().map(str::trim).map(str::to_owned))
            .unwrap_or_default();
        let text = if text.chars().count() > WIDTH {
            let cut: String = text.chars().take(WIDTH - 1).collect();
            format!("{cut}…")
        } else {
            text
        };
        let heading = format!("  {}: {text}", label(index));
        out.push_str(heading.trim_end());
        out.push('\n');
        let why = match &statement.role {
            Role::Stays(stay) => format!("stays: {}", stay.reason),
            Role::Moves(movable) => {
                let run = block.run_of(index);
                let mut why = String::from(match run {
                    Some(run) if run.is_concurrent() && movable.awaits => "joins (awaits)",
                    Some(run) if run.is_concurrent() => "moves (no await: costs nothing)",
                    _ if movable.awaits => "could move (awaits), but its run has nothing to join",
                    _ => "could move (no await), but its run has nothing to join",
                });
                if let Some(run) = run {
                    for rename in run.renames.iter().filter(|rename| rename.binder == index) {
                        let shadower = run
                            .statements
                            .iter()
                            .find(|&&later| {
                                later > index
                                    && block.statements[later]
                                        .binds
                                        .iter()
                                        .any(|binding| binding.ident == rename.name)
                            })
                            .map_or_else(String::new, |&later| {
                                format!(" ({} shadows it)", label(later))
                            });
                        let _ = write!(
                            why,
                            "; `{}` is renamed in the moved code{shadower}",
                            rename.name
                        );
                    }
                    let mut waits: Vec<String> = run
                        .edges
                        .iter()
                        .filter(|edge| edge.later == index)
                        .map(|edge| format!("after {}: {}", label(edge.earlier), edge.reason))
                        .collect();
                    waits.dedup();
                    for wait in waits {
                        let _ = write!(why, "; {wait}");
                    }
                }
                why
            }
        };
        let _ = writeln!(out, "      {why}");
    }
    for run in &block.runs {
        explain_run(out, block, run, source);
    }
}

fn explain_run(out: &mut String, block: &BlockPlan, run: &Run, source: &dyn Source) {
    let by_line = run
        .statements
        .first()
        .is_some_and(|&index| source.line(block.statements[index].span).is_some());
    let unit = if by_line { "line" } else { "statement" };
    let lines: Vec<String> = run
        .statements
        .iter()
        .map(|&index| {
            source
                .line(block.statements[index].span)
                .unwrap_or(index)
                .to_string()
        })
        .collect();
    let range = match (lines.first(), lines.last()) {
        (Some(first), Some(last)) if first != last => format!("{unit}s {first}-{last}"),
        (Some(first), _) => format!("{unit} {first}"),
        _ => return,
    };
    if run.is_concurrent() {
        let _ = writeln!(
            out,
            "  run at {range}: {} as written, {} joined",
            count(run.awaits(), "await"),
            count(run.steps(), "step")
        );
        let _ = writeln!(
            out,
            "    schedule (by {unit}): {}",
            render(&run.schedule, &lines)
        );
    } else {
        let _ = writeln!(
            out,
            "  run at {range}: nothing to join, runs as written ({})",
            count(run.awaits(), "await")
        );
    }
}

/// `1 await`, `2 awaits`.
fn count(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// `join(4 → 5, 6 → 7)`: `→` one after the other, `join(…)` concurrently.
fn render(schedule: &Schedule, lines: &[String]) -> String {
    match schedule {
        Schedule::Leaf(node) => lines.get(*node).cloned().unwrap_or_default(),
        Schedule::Series(steps) => steps
            .iter()
            .map(|step| render(step, lines))
            .collect::<Vec<_>>()
            .join(" → "),
        Schedule::Parallel(branches) => format!(
            "join({})",
            branches
                .iter()
                .map(|branch| render(branch, lines))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

pub(super) fn summary_text(awaits: usize, steps_joined: usize) -> String {
    format!(
        "{} in sequence; `#[concurrent]` runs them in {}",
        count(awaits, "await"),
        count(steps_joined, "step")
    )
}
