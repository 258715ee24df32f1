//! The calls a fn's body makes, outside offload contexts, with what syntax shows of each
//! receiver's type.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Block, Expr, FnArg, Item, Local, Macro, Pat, ReturnType, Signature, Stmt, Type};

use async_hygiene_analysis::blocking::{Imports, ESCAPE_HATCH};
use async_hygiene_analysis::findings::Lint;
use async_hygiene_analysis::syntax::tokens_mention;

use crate::diagnostic::Location;
use crate::facts::{CallSite, Callee, TypeGuess};
use crate::scope::ScopeRules;

/// The calls a fn's body makes, and the fn items declared in it.
pub(crate) fn collect_calls(
    sig: &Signature,
    block: &Block,
    rules: &ScopeRules,
    file: &Arc<Path>,
    is_async: bool,
) -> (Vec<CallSite>, Vec<syn::ItemFn>) {
    let mut calls = CallCollector {
        rules,
        path: file,
        in_async: is_async,
        types: HashMap::new(),
        calls: Vec::new(),
        nested: Vec::new(),
        awaiting: false,
        in_cpu_offload: false,
    };
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(_) => {
                calls
                    .types
                    .insert("self".to_owned(), TypeGuess::Named(vec!["Self".to_owned()]));
            }
            FnArg::Typed(typed) => {
                if let Pat::Ident(name) = &*typed.pat {
                    calls
                        .types
                        .insert(name.ident.to_string(), type_guess(&typed.ty));
                }
            }
        }
    }
    calls.stmts(&block.stmts);
    (calls.calls, calls.nested)
}

/// The `use` items of a body, when it has any.
pub(crate) fn body_uses(block: &Block) -> Option<Imports> {
    block
        .stmts
        .iter()
        .any(|stmt| matches!(stmt, Stmt::Item(Item::Use(_))))
        .then(|| {
            let mut uses = Imports::default();
            uses.add_body(block);
            uses
        })
}

/// The last segment of a type's path, through references: `&mut db::Db<T>` → `Db`.
pub(crate) fn type_name(ty: &Type) -> Option<String> {
    match type_guess(ty) {
        TypeGuess::Named(path) => path.last().cloned(),
        _ => None,
    }
}

/// Smart pointers whose methods are their target's (auto-deref).
const WRAPPERS: &[&str] = &["Box", "Arc", "Rc", "Pin"];

/// What a written type says about values of it.
fn type_guess(ty: &Type) -> TypeGuess {
    match ty {
        Type::Reference(reference) => type_guess(&reference.elem),
        Type::Paren(inner) => type_guess(&inner.elem),
        Type::Group(inner) => type_guess(&inner.elem),
        Type::Path(path) if path.qself.is_none() => {
            let segments: Vec<String> = path
                .path
                .segments
                .iter()
                .map(|segment| segment.ident.to_string())
                .collect();
            let last = path.path.segments.last();
            if let Some(last) = last {
                if WRAPPERS.contains(&last.ident.to_string().as_str()) {
                    if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                        if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                            return type_guess(inner);
                        }
                    }
                }
            }
            TypeGuess::Named(segments)
        }
        _ => TypeGuess::Foreign,
    }
}

/// `-> Result<Self, E>` → `Self`; `-> Db` → `Db`.
pub(crate) fn return_type(output: &ReturnType) -> Option<Vec<String>> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    let mut ty = &**ty;
    loop {
        let Type::Path(path) = ty else { return None };
        let last = path.path.segments.last()?;
        let name = last.ident.to_string();
        if matches!(name.as_str(), "Result" | "Option" | "Box" | "Arc" | "Rc") {
            if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                    ty = inner;
                    continue;
                }
            }
        }
        return Some(
            path.path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect(),
        );
    }
}

fn path_segments(path: &syn::Path) -> Vec<String> {
    let mut segments: Vec<String> = path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    if path.leading_colon.is_some() {
        segments.insert(0, String::new());
    }
    segments
}

/// Walks a fn body for the calls it makes, outside offload contexts.
struct CallCollector<'r> {
    rules: &'r ScopeRules,
    path: &'r Arc<Path>,
    in_async: bool,
    /// Locals whose type syntax shows: parameters, `let x: T`, `let x = T::new(..)`.
    types: HashMap<String, TypeGuess>,
    calls: Vec<CallSite>,
    /// Fn items declared in the body: fns of their own.
    nested: Vec<syn::ItemFn>,
    /// The next call visited is the operand of an `.await`.
    awaiting: bool,
    /// Inside the closure of an offload only `cpu-bound` knows.
    in_cpu_offload: bool,
}

impl CallCollector<'_> {
    fn stmts(&mut self, stmts: &[Stmt]) {
        for (index, stmt) in stmts.iter().enumerate() {
            match stmt {
                Stmt::Local(local) => self.local(local, &stmts[index + 1..]),
                Stmt::Item(Item::Fn(function)) => self.nested.push(function.clone()),
                Stmt::Item(_) => {}
                Stmt::Expr(expr, _) => self.visit_expr(expr),
                Stmt::Macro(stmt_macro) => self.mac(&stmt_macro.mac),
            }
        }
    }

    fn local(&mut self, local: &Local, rest: &[Stmt]) {
        let Some(init) = &local.init else { return };
        let (name, declared) = match &local.pat {
            Pat::Type(typed) => match &*typed.pat {
                Pat::Ident(name) => (Some(name.ident.to_string()), Some(type_guess(&typed.ty))),
                _ => (None, None),
            },
            Pat::Ident(name) => (Some(name.ident.to_string()), None),
            _ => (None, None),
        };
        if let Some(name) = &name {
            match declared.or_else(|| self.guess(&init.expr)) {
                Some(guess) => self.types.insert(name.clone(), guess),
                None => self.types.remove(name),
            };
            // A closure stored and never mentioned again never runs.
            if matches!(&*init.expr, Expr::Closure(_)) && !mentions(rest, name) {
                return;
            }
        }
        self.visit_expr(&init.expr);
        if let Some((_, diverge)) = &init.diverge {
            self.visit_expr(diverge);
        }
    }

    /// The type of an expression, where syntax shows it.
    fn guess(&self, expr: &Expr) -> Option<TypeGuess> {
        match expr {
            Expr::Path(path) => {
                let ident = path.path.get_ident()?.to_string();
                self.types.get(&ident).cloned()
            }
            Expr::Call(call) => match &*call.func {
                Expr::Path(func) if func.qself.is_none() && func.path.segments.len() >= 2 => {
                    Some(TypeGuess::ReturnOf(path_segments(&func.path)))
                }
                _ => None,
            },
            Expr::Struct(expr_struct) if expr_struct.qself.is_none() => {
                Some(TypeGuess::Named(path_segments(&expr_struct.path)))
            }
            Expr::Lit(_) | Expr::Macro(_) | Expr::Array(_) | Expr::Tuple(_) | Expr::Range(_) => {
                Some(TypeGuess::Foreign)
            }
            Expr::Try(inner) => self.guess(&inner.expr),
            Expr::Await(inner) => self.guess(&inner.base),
            Expr::Paren(inner) => self.guess(&inner.expr),
            Expr::Reference(inner) => self.guess(&inner.expr),
            Expr::Group(inner) => self.guess(&inner.expr),
            _ => None,
        }
    }

    fn record(&mut self, callee: Callee, written: String, location: Location, awaited: bool) {
        self.calls.push(CallSite {
            callee,
            location,
            written,
            in_async: self.in_async,
            awaited,
            in_cpu_offload: self.in_cpu_offload,
        });
    }

    /// Macro operands that parse as expressions or statements are code (`println!`,
    /// `vec!`, `assert!`); the rest cannot be seen. `allow_blocking!` is the escape
    /// hatch.
    fn mac(&mut self, mac: &Macro) {
        if is_escape_hatch(mac) || is_token_macro(mac) {
            return;
        }
        let tokens = mac.tokens.clone();
        if let Ok(operands) = syn::parse::Parser::parse2(
            Punctuated::<Expr, syn::Token![,]>::parse_terminated,
            tokens.clone(),
        ) {
            for operand in &operands {
                self.visit_expr(operand);
            }
        } else if let Ok(stmts) = syn::parse::Parser::parse2(Block::parse_within, tokens) {
            // Items written inside a macro's input are its input, not the crate's fns.
            let nested = self.nested.len();
            self.stmts(&stmts);
            self.nested.truncate(nested);
        }
    }

    /// Returns `true` when the call runs its closures off the executor: then only its
    /// other arguments are this fn's code.
    fn call(&mut self, call: &syn::ExprCall, whole: &Expr) -> bool {
        let awaited = std::mem::take(&mut self.awaiting);
        if self.rules.runs_off_executor(whole) {
            self.offloaded_args(call.args.iter());
            return true;
        }
        if let Expr::Path(func) = &*call.func {
            if func.qself.is_none() {
                let segments = path_segments(&func.path);
                let written = segments.join("::");
                let location = call_location(self.path, whole, call.paren_token.span.close());
                self.record(Callee::Path(segments), written, location, awaited);
            }
        }
        let cpu_offload = self.rules.runs_off_executor_for(Lint::CpuBound, whole);
        self.cpu_offload_args(cpu_offload, call.args.iter())
    }

    fn method_call(&mut self, call: &syn::ExprMethodCall, whole: &Expr) -> bool {
        let awaited = std::mem::take(&mut self.awaiting);
        if self.rules.runs_off_executor(whole) {
            self.visit_expr(&call.receiver);
            self.offloaded_args(call.args.iter());
            return true;
        }
        let receiver = self.guess(&call.receiver);
        let name = call.method.to_string();
        self.record(
            Callee::Method {
                name: name.clone(),
                receiver,
            },
            format!(".{name}"),
            call_location(self.path, whole, call.paren_token.span.close()),
            awaited,
        );
        let cpu_offload = self.rules.runs_off_executor_for(Lint::CpuBound, whole);
        if cpu_offload {
            self.visit_expr(&call.receiver);
        }
        self.cpu_offload_args(cpu_offload, call.args.iter())
    }

    /// The arguments of a call that runs CPU work off the executor though `blocking` does
    /// not count it as an offload: its closures' calls are marked. Returns whether the
    /// call is one (then its arguments are visited here).
    fn cpu_offload_args<'e>(
        &mut self,
        cpu_offload: bool,
        args: impl Iterator<Item = &'e Expr>,
    ) -> bool {
        if !cpu_offload {
            return false;
        }
        for arg in args {
            let closure = async_hygiene_analysis::blocking::offloaded_closure(arg).is_some();
            let marked = self.in_cpu_offload || closure;
            let was = std::mem::replace(&mut self.in_cpu_offload, marked);
            self.visit_expr(arg);
            self.in_cpu_offload = was;
        }
        true
    }

    /// The arguments of an offload call other than its closures.
    fn offloaded_args<'e>(&mut self, args: impl Iterator<Item = &'e Expr>) {
        for arg in args {
            if async_hygiene_analysis::blocking::offloaded_closure(arg).is_none() {
                self.visit_expr(arg);
            }
        }
    }

    fn in_async_context(&mut self, expr: &Expr) {
        let was = std::mem::replace(&mut self.in_async, true);
        visit::visit_expr(self, expr);
        self.in_async = was;
    }
}

/// A call's location (`f(..)`, `x.f(..)`), from its first token to its closing
/// parenthesis `close`: the range `whole.span()` gives, without printing the call to
/// tokens to find its ends (calls are the most frequent expression the checker records).
fn call_location(path: &Arc<Path>, whole: &Expr, close: Span) -> Location {
    match first_token(whole) {
        Some(first) => Location::spanning(path, first, close),
        None => Location::of(path, whole.span()),
    }
}

/// The span of an expression's first token, for the shapes a call's callee or receiver
/// usually has (paths, calls, fields, `?`, `.await`, indexing, parentheses); `None` for
/// the rest, and for anything with attributes (printed first).
fn first_token(expr: &Expr) -> Option<Span> {
    match expr {
        Expr::Call(call) if call.attrs.is_empty() => first_token(&call.func),
        Expr::MethodCall(call) if call.attrs.is_empty() => first_token(&call.receiver),
        Expr::Field(field) if field.attrs.is_empty() => first_token(&field.base),
        Expr::Try(inner) if inner.attrs.is_empty() => first_token(&inner.expr),
        Expr::Await(inner) if inner.attrs.is_empty() => first_token(&inner.base),
        Expr::Index(index) if index.attrs.is_empty() => first_token(&index.expr),
        Expr::Paren(paren) if paren.attrs.is_empty() => Some(paren.paren_token.span.open()),
        Expr::Path(path) if path.attrs.is_empty() && path.qself.is_none() => {
            match &path.path.leading_colon {
                Some(colon) => Some(colon.spans[0]),
                None => Some(path.path.segments.first()?.ident.span()),
            }
        }
        _ => None,
    }
}

/// `allow_blocking!(..)`: its operand is not checked.
fn is_escape_hatch(mac: &Macro) -> bool {
    mac.path
        .segments
        .last()
        .is_some_and(|segment| segment.ident == ESCAPE_HATCH)
}

/// Macros whose input is code as data (`quote!`, `parse_quote!`): it does not run here.
fn is_token_macro(mac: &Macro) -> bool {
    mac.path.segments.last().is_some_and(|segment| {
        [
            "quote",
            "quote_spanned",
            "parse_quote",
            "parse_quote_spanned",
        ]
        .iter()
        .any(|name| segment.ident == name)
    })
}

fn peel_parens(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(inner) => peel_parens(&inner.expr),
        Expr::Group(inner) => peel_parens(&inner.expr),
        _ => expr,
    }
}

/// Whether any of `stmts` mentions `name` (as a path, or in a macro's tokens).
fn mentions(stmts: &[Stmt], name: &str) -> bool {
    struct Mention<'n> {
        name: &'n str,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Mention<'_> {
        fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
            if ident == self.name {
                self.found = true;
            }
        }
        fn visit_macro(&mut self, mac: &'ast Macro) {
            self.found |= tokens_mention(mac.tokens.clone(), self.name);
            visit::visit_macro(self, mac);
        }
    }
    let mut finder = Mention { name, found: false };
    for stmt in stmts {
        finder.visit_stmt(stmt);
    }
    finder.found
}

impl<'ast> Visit<'ast> for CallCollector<'_> {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        if !matches!(expr, Expr::Call(_) | Expr::MethodCall(_)) {
            // Only the call directly under `.await` (through parentheses) is awaited.
            let awaited = matches!(expr, Expr::Await(_));
            self.awaiting = false;
            if let Expr::Await(inner) = expr {
                self.awaiting = awaited;
                self.visit_expr(peel_parens(&inner.base));
                return;
            }
        }
        match expr {
            Expr::Call(call) => {
                if !self.call(call, expr) {
                    visit::visit_expr(self, expr);
                }
            }
            Expr::MethodCall(call) => {
                if !self.method_call(call, expr) {
                    visit::visit_expr(self, expr);
                }
            }
            Expr::Async(_) => self.in_async_context(expr),
            Expr::Closure(closure) if closure.asyncness.is_some() => self.in_async_context(expr),
            Expr::Macro(expr_macro) => self.mac(&expr_macro.mac),
            _ => visit::visit_expr(self, expr),
        }
    }

    fn visit_block(&mut self, block: &'ast Block) {
        self.stmts(&block.stmts);
    }

    fn visit_item(&mut self, item: &'ast Item) {
        if let Item::Fn(function) = item {
            self.nested.push(function.clone());
        }
    }

    fn visit_macro(&mut self, mac: &'ast Macro) {
        self.mac(mac);
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use syn::spanned::Spanned;
    use syn::visit::{self, Visit};
    use syn::Expr;

    use super::call_location;
    use crate::diagnostic::Location;

    /// `call_location` finds the same range as printing the call and joining its ends.
    #[test]
    fn call_locations_are_the_calls_whole_range() {
        struct Calls<'p> {
            path: &'p Arc<Path>,
            checked: usize,
        }
        impl<'ast> Visit<'ast> for Calls<'_> {
            fn visit_expr(&mut self, expr: &'ast Expr) {
                let close = match expr {
                    Expr::Call(call) => Some(call.paren_token.span.close()),
                    Expr::MethodCall(call) => Some(call.paren_token.span.close()),
                    _ => None,
                };
                if let Some(close) = close {
                    assert_eq!(
                        call_location(self.path, expr, close),
                        Location::of(self.path, expr.span()),
                        "{}",
                        quote::ToTokens::to_token_stream(expr)
                    );
                    self.checked += 1;
                }
                visit::visit_expr(self, expr);
            }
        }
        let file: syn::File = syn::parse_str(
            "fn f() {\n    a::b(1);\n    ::std::fs::read(p)?;\n    x.y[0].z().await.w(2);\n    \
             (g)(h);\n    Vec::<u8>::new();\n    #[allow(unused)] i(j);\n    (|| 1)();\n    \
             <T as U>::v();\n}",
        )
        .unwrap();
        let path: Arc<Path> = Arc::from(Path::new("f.rs"));
        let mut calls = Calls {
            path: &path,
            checked: 0,
        };
        calls.visit_file(&file);
        assert_eq!(calls.checked, 9);
    }
}
