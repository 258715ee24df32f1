//! `cargo async-hygiene`: the whole crate checked with `#[no_blocking]`'s rules, without
//! annotations, and blocking found through the crate's own sync functions.
//!
//! ```text
//! cargo async-hygiene check [PATH | --manifest-path PATH] [--message-format human|json|sarif] [--deny warnings] [--fix]
//!                           [--precise [-p SPEC] [--features ..] [--all-features] [--no-default-features] [--lib] [--target T]]
//! cargo async-hygiene explain RULE | FILE:FN | FILE:LINE
//! ```
//!
//! Exit status: 0 when nothing is reported at deny level, 1 when something is, 2 on a
//! usage or I/O error.
//!
//! Layout: [`workspace`]/[`manifest`] find the crate roots; [`sources`] parses every file
//! in parallel and [`collect`] reduces each to its [`facts`] ([`modules`] finds the files
//! of `mod x;`, [`calls`] a body's calls), running the rules that need no other file;
//! [`deferred`] reads the sync bodies left unread until async code reaches them;
//! [`rules`] holds one file per rule and their registry; [`scope`] what the rules see in
//! a package and a scope; [`graph`] resolves calls and carries blocking from sync
//! helpers to async callers; [`check`] puts it together; [`render`] prints it.

mod calls;
mod check;
mod collect;
mod deferred;
mod diagnostic;
mod explain;
mod facts;
mod fix;
mod graph;
mod locate;
mod manifest;
mod modules;
mod owner;
mod precise;
mod render;
mod resolve;
mod rules;
mod scope;
mod skim;
mod sources;
mod verify;
mod workspace;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use rayon::prelude::*;

use crate::workspace::{Discovery, TargetKind};

#[derive(Parser, Debug)]
#[command(
    name = "cargo-async-hygiene",
    bin_name = "cargo async-hygiene",
    version,
    about = "Checks a whole crate for blocking calls in async code (also through its own sync \
             functions), lock guards held across awaits, and awaits that could run concurrently."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check a package or workspace (default: the current directory).
    Check(CheckArgs),
    /// Print a rule's documentation (`explain blocking`), or `#[concurrent]`'s plan for
    /// one fn: `FILE:FN`, `FILE:Type::method` or `FILE:LINE`.
    Explain {
        /// A rule (`blocking`, `sequential-awaits`, ..), or a fn:
        /// `src/lib.rs:load_dashboard`, `src/lib.rs:Service::load` or `src/lib.rs:42`.
        selector: String,
    },
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// A package or workspace: its directory (or one below it: the nearest `Cargo.toml`
    /// above is found, as cargo finds it) or its `Cargo.toml`; or one `.rs` file, checked
    /// within its package (default: the current directory).
    #[arg(conflicts_with = "manifest_path")]
    path: Option<PathBuf>,
    /// Path to the `Cargo.toml` of the package or workspace to check.
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// How to print the reports.
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    message_format: MessageFormat,
    /// `--deny warnings`: report warnings as errors (exit status 1).
    #[arg(long, value_name = "warnings")]
    deny: Vec<DenyWhat>,
    /// Insert `#[concurrent]` where `sequential-awaits` says it is safe, build the changed
    /// packages with `cargo check --all-targets`, revert what does not build, and print
    /// each change.
    #[arg(long)]
    fix: bool,
    /// Read the `Cargo.toml` files directly instead of running `cargo metadata` (and run
    /// no cargo at all: `--fix` then leaves building its changes to you).
    #[arg(long)]
    no_metadata: bool,
    /// Check the library targets only, the code `cargo clippy` checks without
    /// `--all-targets` (the default is every target: lib, bins, examples, tests, benches).
    #[arg(long)]
    lib: bool,
    #[command(flatten)]
    precise: precise::PreciseArgs,
}

impl CheckArgs {
    /// The target kinds to check; empty for every target. Only `--lib` narrows them: a
    /// library calls no other target, while a bin's or a test's calls reach into the
    /// libraries, which would then have to be read without being reported.
    fn kinds(&self) -> Vec<TargetKind> {
        if self.lib {
            vec![TargetKind::Lib]
        } else {
            Vec::new()
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum MessageFormat {
    /// rustc-style snippets.
    Human,
    /// One cargo `compiler-message` JSON object a line (rust-analyzer reads these).
    Json,
    /// One SARIF 2.1.0 log (code-scanning uploads).
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum DenyWhat {
    Warnings,
}

fn main() -> ExitCode {
    if let Some(status) = precise::wrapper::wrapper_main() {
        return status;
    }
    // `cargo async-hygiene check` runs `cargo-async-hygiene async-hygiene check`.
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|arg| arg == "async-hygiene") {
        args.remove(1);
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    match cli.command {
        Command::Check(args) => run_check(&args),
        Command::Explain { selector } => match explain_rule_or_fn(&selector) {
            Ok(plan) => {
                print!("{plan}");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::from(2)
            }
        },
    }
}

/// `explain RULE` prints the rule's documentation; `explain FILE:…` the plan of a fn.
/// A selector with no `:` outside a rule's `async-hygiene::` prefix names a rule.
fn explain_rule_or_fn(selector: &str) -> Result<String, String> {
    if let Some(rule) = rules::named(selector) {
        return Ok(format!("{}\n", rule.markdown()));
    }
    if selector.starts_with("async-hygiene::") || !selector.contains(':') {
        let known: Vec<&str> = rules::RULES.iter().map(|rule| rule.code.name()).collect();
        return Err(format!(
            "`{selector}` is not a rule; the rules are {}. To explain a fn's plan, name it \
             as FILE:FN or FILE:LINE, e.g. src/lib.rs:load or src/lib.rs:42",
            known.join(", ")
        ));
    }
    explain::explain(selector)
}

fn run_check(args: &CheckArgs) -> ExitCode {
    let started = std::time::Instant::now();
    let discovery = if args.no_metadata {
        Discovery::Manifests
    } else {
        Discovery::Cargo
    };
    let deny_warnings = args.deny.contains(&DenyWhat::Warnings);
    let mut precise = precise::Precise::new(&args.precise, args.lib, deny_warnings);
    let check = |compiler: Option<&mut dyn check::Compiler>| {
        let request = locate::locate(args.path.as_deref(), args.manifest_path.as_deref())?;
        locate::check(&request, discovery, &args.kinds(), deny_warnings, compiler)
    };
    // With `--fix`, the compiler builds the code as fixed.
    let first = match (&mut precise, args.fix) {
        (Some(precise), false) => Some(precise as &mut dyn check::Compiler),
        _ => None,
    };
    let (mut checked, mut scope) = match check(first) {
        Ok(checked) => checked,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    if args.fix {
        let changed = match fix::run(&checked, !args.no_metadata) {
            Ok(changed) => changed,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(2);
            }
        };
        // The reports of the edited files, at their lines after the edits.
        if changed || precise.is_some() {
            let compiler = precise
                .as_mut()
                .map(|precise| precise as &mut dyn check::Compiler);
            (checked, scope) = match check(compiler) {
                Ok(checked) => checked,
                Err(error) => {
                    eprintln!("error: {error}");
                    return ExitCode::from(2);
                }
            };
        }
    }
    let root = &checked.workspace.root;
    // Each report is drawn on its own (in parallel), then written in order.
    let sources = render::Sources::of(&checked.diagnostics);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match args.message_format {
        MessageFormat::Human => {
            let styled = std::io::stdout().is_terminal();
            let drawn: Vec<String> = checked
                .diagnostics
                .par_iter()
                .map(|diagnostic| render::human(diagnostic, root, &sources, styled))
                .collect();
            drawn
                .iter()
                .try_for_each(|drawn| writeln!(out, "{drawn}\n"))
        }
        MessageFormat::Json => {
            let lines: Vec<String> = checked
                .diagnostics
                .par_iter()
                .map(|diagnostic| {
                    let origin = checked
                        .owners
                        .origin(&checked.workspace, &diagnostic.primary.file);
                    render::json(diagnostic, root, origin.as_ref(), &sources).to_string()
                })
                .collect();
            lines.iter().try_for_each(|line| writeln!(out, "{line}"))
        }
        MessageFormat::Sarif => {
            let log = render::sarif(&checked.diagnostics, root);
            writeln!(out, "{log:#}")
        }
    };
    if let Err(error) = written.and_then(|()| out.flush()) {
        eprintln!("error: cannot write the report: {error}");
        return ExitCode::from(2);
    }
    if let Some(scope) = &scope {
        eprintln!("note: {scope}");
    }
    eprintln!(
        "async-hygiene: {} ({:.2} s)",
        checked.summary(),
        started.elapsed().as_secs_f64()
    );
    if checked.failed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
