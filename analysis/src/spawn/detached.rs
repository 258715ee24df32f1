//! `detached-spawn`: a task whose `JoinHandle` is dropped where it is spawned.

use quote::ToTokens;
use syn::visit::{self, Visit};
use syn::{Block, Expr, Local, Pat, Signature, Stmt};

use super::{spawn_call, unresolved, Resolver, SpawnCall};
use crate::blocking::Imports;
use crate::findings::{Finding, Lint, Location};
use crate::syntax::peel;

/// The tokio spawns of a fn body whose `JoinHandle` is dropped at once: an expression
/// statement `tokio::spawn(..);`, `let _ = tokio::spawn(..);`, `drop(tokio::spawn(..))`.
/// A handle bound to a name (also `_h`, alive to the end of its scope), awaited,
/// aborted, returned, passed on or stored is kept, and not reported. Nested fn items and
/// macro inputs are not read.
#[must_use]
pub fn detached_spawns(sig: &Signature, block: &Block, imports: &Imports) -> Vec<Finding> {
    detached_spawns_resolved(sig, block, imports, &unresolved)
}

/// [`detached_spawns`] with the compiler's resolution of the calls it knows
/// (`check --precise`): a call it resolves to a spawn that returns the task's
/// `JoinHandle` (`handle.spawn(..)`, a spawn through a re-export or a fn of the crate
/// that returns the handle) counts; one it resolves elsewhere does not. A `JoinSet`'s
/// `spawn` keeps its task in the set and is never detached.
#[must_use]
pub fn detached_spawns_resolved(
    sig: &Signature,
    block: &Block,
    imports: &Imports,
    resolve: Resolver<'_>,
) -> Vec<Finding> {
    let mut imports = imports.clone();
    imports.add_signature(sig);
    imports.add_body(block);
    let mut finder = Detached {
        imports: &imports,
        resolve,
        findings: Vec::new(),
    };
    finder.visit_block(block);
    finder.findings
}

struct Detached<'a> {
    imports: &'a Imports,
    resolve: Resolver<'a>,
    findings: Vec<Finding>,
}

impl Detached<'_> {
    /// Reports `expr` when it is a spawn whose handle is dropped here.
    fn dropped(&mut self, expr: &Expr, how: &str) {
        let expr = peel(expr);
        let no_sets = std::collections::HashMap::new();
        let Some(SpawnCall::Task(written)) = spawn_call(expr, self.imports, &no_sets, self.resolve)
        else {
            return;
        };
        let at = match expr {
            Expr::Call(call) => Location::of(&call.func),
            Expr::MethodCall(call) => {
                let mut tokens = call.receiver.to_token_stream();
                call.dot_token.to_tokens(&mut tokens);
                call.method.to_tokens(&mut tokens);
                Location::of(&tokens)
            }
            Expr::Macro(mac) => Location::of(&mac.mac.path),
            _ => return,
        };
        let finding = Finding::new(
            Lint::DetachedSpawn,
            at,
            format!(
                "the `JoinHandle` of `{written}` is dropped {how}: a panic in the task goes \
                 unnoticed, and nothing here can wait for the task or stop it"
            ),
            "track it: put `#[async_hygiene::background]` on the spawned async fn, or spawn \
             with `async_hygiene::registry::spawn(\"name\", future)`; \
             `async_hygiene::shutdown(deadline).await` then waits for it and reports panics. \
             Or keep the handle and await or abort it"
                .to_owned(),
        );
        self.findings.push(finding);
    }

    /// `drop(x)` with `drop` std's (not a local or an imported namesake).
    fn is_drop(&self, func: &Expr) -> bool {
        let Expr::Path(path) = peel(func) else {
            return false;
        };
        if path.qself.is_some() {
            return false;
        }
        let resolved = self.imports.resolve(&path.path);
        resolved.iter().any(|candidate| {
            let candidate: Vec<&str> = candidate.iter().map(String::as_str).collect();
            matches!(
                candidate.as_slice(),
                ["drop"] | ["std" | "core", "mem", "drop"]
            )
        }) && !(path.path.is_ident("drop") && (self.imports.is_local("drop")))
    }
}

impl<'ast> Visit<'ast> for Detached<'_> {
    fn visit_stmt(&mut self, stmt: &'ast Stmt) {
        match stmt {
            Stmt::Expr(expr, Some(_)) => self.dropped(expr, "at once"),
            Stmt::Local(Local {
                pat: Pat::Wild(_),
                init: Some(init),
                ..
            }) => self.dropped(&init.expr, "by `let _ =`"),
            Stmt::Macro(mac)
                if mac.semi_token.is_some()
                    && (self.resolve)(&super::macro_location(mac)).is_some() =>
            {
                self.dropped(&super::macro_expr(mac), "at once");
            }
            _ => {}
        }
        visit::visit_stmt(self, stmt);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if call.args.len() == 1 && self.is_drop(&call.func) {
            self.dropped(&call.args[0], "by `drop`");
        }
        visit::visit_expr_call(self, call);
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}
