//! Reading a sync fn's body that was left unread while its file was collected
//! ([`DeferredBody`]): parsed from its text, on any thread, when async code reaches the
//! fn, with its spans moved to their place in the file.

use std::path::Path;
use std::sync::Arc;

use async_hygiene_analysis::findings::Lint;
use syn::{Attribute, Block, Signature};

use crate::calls::{body_uses, collect_calls};
use crate::diagnostic::{self, Diagnostic, Location};
use crate::facts::{DeferredBody, FnBody, FnFacts};
use crate::precise::spawns;
use crate::rules::blocking::BlockingCall;
use crate::rules::{detached_spawn, unbounded_spawn, unparsed_file};
use crate::scope::ScopeRules;

impl FnFacts {
    /// Reads a deferred body (on any thread: its text is parsed again here).
    pub(crate) fn read_body(&self, file: &Arc<Path>) {
        if let Some(deferred) = &self.deferred {
            self.body.get_or_init(|| deferred.read(file));
        }
    }
}

impl DeferredBody {
    fn read(&self, file: &Arc<Path>) -> FnBody {
        let text = &self.text[self.range.clone()];
        diagnostic::with_lines(&self.text, self.range.clone(), || self.parse(text, file))
    }

    fn parse(&self, text: &str, file: &Arc<Path>) -> FnBody {
        let body = match syn::parse::Parser::parse_str(fn_parts, text) {
            Ok((sig, block)) => {
                let mut body = sync_body(&sig, &block, &self.rules, file);
                for call in &mut body.calls {
                    self.place(&mut call.location);
                }
                for leaf in [&mut body.blocking, &mut body.cpu_bound]
                    .into_iter()
                    .flatten()
                {
                    self.place(&mut leaf.location);
                }
                body
            }
            // A body the skim blanked was never parsed: it may not parse.
            Err(error) => {
                let mut location = Location::of(file, error.span());
                self.place(&mut location);
                FnBody {
                    unparsed: Some(unparsed_file::does_not_parse("fn", location, &error)),
                    ..FnBody::default()
                }
            }
        };
        // The spans of the fn's text are resolved: free this thread's copy of it.
        proc_macro2::extra::invalidate_current_thread_spans();
        body
    }

    /// The reports of the rules that read every fn (`unbounded-spawn`, `detached-spawn`)
    /// in a deferred body whose text names a spawn or a join: parsed now, on the
    /// collecting thread. A body that does not parse is reported when the graph reads it.
    pub(crate) fn spawn_reports(
        &self,
        file: &Arc<Path>,
        bounded: &dyn Fn(&str) -> bool,
    ) -> Vec<Diagnostic> {
        const NAMES: [&str; 5] = ["spawn", "join_all", "Futures", "_concurrent", "buffer"];
        let text = &self.text[self.range.clone()];
        // With `--precise`, a spawn may be named otherwise (an alias, a fn of the crate):
        // the compiler's facts say whether one of its lines holds one.
        if !NAMES.iter().any(|name| text.contains(name))
            && !spawns::any_within(file, || self.line..=self.line + text.matches('\n').count())
        {
            return Vec::new();
        }
        let mut reports = diagnostic::with_lines(&self.text, self.range.clone(), || {
            // The file's spans are still in use: its parse frees them with these.
            match syn::parse::Parser::parse_str(fn_parts, text) {
                Ok((sig, block)) => {
                    let at = (self.line, self.column);
                    let mut reports =
                        unbounded_spawn::check(&self.rules, &sig, &block, file, bounded, at);
                    reports.extend(detached_spawn::check(&self.rules, &sig, &block, file, at));
                    reports
                }
                Err(_) => Vec::new(),
            }
        });
        for report in &mut reports {
            self.place(&mut report.primary);
            for label in &mut report.secondary {
                self.place(&mut label.location);
            }
        }
        reports
    }

    /// A location in the fn's text, moved to its place in the file.
    fn place(&self, location: &mut Location) {
        if location.line_start == 1 {
            location.column_start += self.column;
        }
        if location.line_end == 1 {
            location.column_end += self.column;
        }
        location.line_start += self.line - 1;
        location.line_end += self.line - 1;
        location.bytes =
            location.bytes.start + self.range.start..location.bytes.end + self.range.start;
    }
}

/// A fn from its first token after the attributes (`pub`, `default`, its signature)
/// through its body; inner attributes of the body are skipped as `ItemFn`'s parser
/// takes them.
fn fn_parts(input: syn::parse::ParseStream<'_>) -> syn::Result<(Signature, Block)> {
    input.parse::<syn::Visibility>()?;
    input.parse::<Option<syn::Token![default]>>()?;
    let sig: Signature = input.parse()?;
    let content;
    let brace_token = syn::braced!(content in input);
    content.call(Attribute::parse_inner)?;
    let stmts = content.call(Block::parse_within)?;
    Ok((sig, Block { brace_token, stmts }))
}

/// A sync fn's body facts: its first blocking and CPU-heavy calls (what its callers
/// inherit), its calls, its `use` items.
pub(crate) fn sync_body(
    sig: &Signature,
    block: &Block,
    rules: &ScopeRules,
    file: &Arc<Path>,
) -> FnBody {
    let blocking = BlockingCall::first(rules, Lint::Blocking, sig, block, file);
    let cpu_bound = BlockingCall::first(rules, Lint::CpuBound, sig, block, file);
    let (calls, nested) = collect_calls(sig, block, rules, file, false);
    debug_assert!(nested.is_empty(), "a self-contained body has no fn items");
    FnBody {
        blocking,
        cpu_bound,
        calls,
        uses: body_uses(block),
        unparsed: None,
    }
}
