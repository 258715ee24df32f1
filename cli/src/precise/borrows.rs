//! How each statement of the user's async code uses its names, as the compiler resolved
//! it: read from the MIR of the packages checked, for `sequential-awaits`.
//!
//! In the MIR every use of a binding is a place (`_5`, or a coroutine's saved local
//! `(((*_26) as variant#3).0: &mut Client)`), which a `debug client => PLACE` line names,
//! in a context: `&mut PLACE` (a mutable borrow), `&PLACE` (a shared one), `copy`/`move`
//! (a read, a move, or a `&mut` passed on), or the left of `=` (a write). Temporaries
//! carry the binding they were made from: `_27 = copy client` (a `&mut Client`) is
//! judged where `_27` is used: `&(*_27)` is a shared reborrow, `Client::set(copy _27)`
//! hands the `&mut` on. Each use is kept with its span, so that the checker finds the
//! uses of each statement by the statement's lines and columns.
//!
//! A use is [`Use::exclusive`] when it borrows mutably, writes, moves out of a binding, or
//! passes on a `&mut` from it; every other use is a shared one. What this reader cannot
//! read as a place in a known context is no use: the plan then keeps the syntax's
//! verdict for that name ([`async_hygiene_analysis::concurrent::StatementUses`]).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_hygiene_analysis::concurrent::{CompilerUses, StatementUses};

use super::mir::{self, find_depth_zero, matching, Span};
use super::wrapper::Unit;

/// The compiler's uses of the statements of each file of the packages checked, by its
/// canonical path: found once per run, after the precise build ([`install`]), and read
/// by `sequential-awaits` through [`compiler_uses`].
pub(super) static USES: super::Later<HashMap<PathBuf, CompilerUses>> = super::Later::new();

/// Finds and keeps the uses of every statement in the async code of `units`' packages
/// (those asked for).
pub(crate) fn install(units: &[Unit]) {
    let mut files = super::Files::default();
    let mut by_file: HashMap<PathBuf, Vec<Use>> = HashMap::new();
    for unit in units.iter().filter(|unit| unit.primary) {
        let Ok(text) = std::fs::read_to_string(&unit.mir) else {
            continue;
        };
        let mut is_binding = |binding: &Binding| {
            written_binding(binding, &mut |span| {
                files.text_at(&unit.cwd.join(&span.file), span)
            })
        };
        for found in uses(&text, &mut is_binding) {
            if let Some(file) = files.canonical(&unit.cwd.join(&found.span.file)) {
                by_file.entry(file).or_default().push(found);
            }
        }
    }
    USES.set(
        by_file
            .into_iter()
            .map(|(file, uses)| (file, lookup(uses)))
            .collect(),
    );
}

/// With `--precise`, the compiler's uses of the statements of `file`, where it read them.
pub(crate) fn compiler_uses(file: &Path) -> Option<CompilerUses> {
    let uses = USES.get()?;
    uses.get(&super::canonical_checked(file)?).cloned()
}

/// One use of a user's binding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Use {
    pub(crate) span: Span,
    pub(crate) name: String,
    /// A mutable borrow, a write, a move, or a `&mut` passed on.
    pub(crate) exclusive: bool,
}

/// A body's `debug NAME => PLACE;`: a binding of the user's, where its value lives.
#[derive(Clone, Debug)]
pub(crate) struct Binding {
    pub(crate) name: String,
    pub(crate) place: String,
    pub(crate) span: Option<Span>,
}

/// The uses of every async body and closure of a MIR text. `is_binding` tells a user's binding from the
/// ones the compiler makes (`result` and `__awaitee` of an `.await`, `iter` of a `for`),
/// from its `debug` line: the name and the span rustc gives it.
pub(crate) fn uses(text: &str, is_binding: &mut dyn FnMut(&Binding) -> bool) -> Vec<Use> {
    let Ok(items) = mir::outline(text) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    // Async bodies and closures: a plain fn is an item of its own, never inside a
    // statement of async code.
    for item in items
        .into_iter()
        .filter(|item| item.header.kind != mir::Kind::Plain)
    {
        found.extend(Body::read(&text[item.lines], is_binding).uses());
    }
    found
}

/// A MIR line: the statement without its `;`, and the span of its `// scope N at SPAN`.
fn statement(line: &str) -> Option<(&str, Option<Span>)> {
    let trimmed = line.trim();
    let (statement, comment) = match trimmed.rfind(" // ") {
        Some(at) if trimmed[..at].trim_end().ends_with(';') => {
            (&trimmed[..at], Some(&trimmed[at + 4..]))
        }
        _ => (trimmed, None),
    };
    let statement = statement.trim_end().strip_suffix(';')?;
    let span = comment
        .and_then(|comment| comment.split_once(" at "))
        .and_then(|(_, at)| Span::parse(at));
    Some((statement, span))
}

/// `_12` when `text` is exactly a local.
fn bare_local(text: &str) -> Option<&str> {
    let digits = text.strip_prefix('_')?;
    (!digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit())).then_some(text)
}

/// The first local a place is rooted at: `_26` in `(((*_26) as variant#3).0: T)`.
fn root(place: &str) -> Option<&str> {
    let bytes = place.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'_'
            && bytes.get(at + 1).is_some_and(u8::is_ascii_digit)
            && (at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_'))
        {
            let end = bytes[at + 1..]
                .iter()
                .position(|byte| !byte.is_ascii_digit())
                .map_or(bytes.len(), |length| at + 1 + length);
            return Some(&place[at..end]);
        }
        at += 1;
    }
    None
}

/// The place at the start of `text`: a local, or a bracketed projection.
fn place_at(text: &str) -> Option<&str> {
    if text.starts_with('(') {
        let end = matching(text)?;
        return Some(&text[..=end]);
    }
    let end = text
        .char_indices()
        .skip(1)
        .find(|(_, c)| !c.is_ascii_digit())
        .map_or(text.len(), |(at, _)| at);
    bare_local(&text[..end])
}

/// How a place is used where it appears.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Context {
    BorrowMut,
    Borrow,
    Copy,
    Move,
}

/// Every place of a text in a context this reader knows, in order.
fn places(text: &str) -> Vec<(Context, &str)> {
    const CONTEXTS: [(&str, Context); 6] = [
        ("&raw mut ", Context::BorrowMut),
        ("&raw const ", Context::Borrow),
        ("&mut ", Context::BorrowMut),
        ("&", Context::Borrow),
        ("copy ", Context::Copy),
        ("move ", Context::Move),
    ];
    let mut found = Vec::new();
    let mut at = 0;
    while at < text.len() {
        let rest = &text[at..];
        let boundary = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let context = boundary
            .then(|| {
                CONTEXTS
                    .iter()
                    .find(|(keyword, _)| rest.starts_with(keyword))
            })
            .flatten();
        if let Some((keyword, context)) = context {
            if let Some(place) = place_at(&rest[keyword.len()..]) {
                found.push((*context, place));
                at += keyword.len() + place.len();
                continue;
            }
        }
        at += rest.chars().next().map_or(1, char::len_utf8);
    }
    found
}

/// The type of a place, when the text shows it: a local's declared type, a projection's
/// annotation (`(…: &mut Client)`), the pointee of a dereferenced local (`(*_28)`).
fn place_type<'t>(place: &str, locals: &'t HashMap<String, String>) -> Option<&'t str> {
    if let Some(local) = bare_local(place) {
        return locals.get(local).map(String::as_str);
    }
    if let Some(local) = place
        .strip_prefix("(*")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        let ty = locals.get(bare_local(local)?)?;
        return ty
            .strip_prefix("&mut ")
            .or_else(|| ty.strip_prefix('&'))
            .map(str::trim_start);
    }
    None
}

/// The annotation of a projection, `&mut Client` in `(…: &mut Client)`.
fn annotation(place: &str) -> Option<&str> {
    let inner = place.strip_prefix('(')?.strip_suffix(')')?;
    let mut last = None;
    let mut rest = inner;
    let mut offset = 0;
    while let Some(at) = find_depth_zero(rest, ": ") {
        last = Some(offset + at);
        offset += at + 2;
        rest = &inner[offset..];
    }
    last.map(|at| &inner[at + 2..])
}

fn carries_mut(ty: Option<&str>) -> bool {
    // A type the text does not show may hold a `&mut`.
    ty.is_none_or(|ty| ty.contains("&mut ") || ty.contains("&'_ mut ") || ty.contains(" mut "))
}

/// `PLACE = RVALUE`: the place and the value.
fn assignment(text: &str) -> Option<(&str, &str)> {
    let at = find_depth_zero(text, " = ")?;
    Some((&text[..at], &text[at + 3..]))
}

/// One body as this reader needs it.
struct Body<'t> {
    /// Each local's declared type.
    locals: HashMap<String, String>,
    /// The user's bindings.
    bindings: Vec<Binding>,
    /// The locals that are bindings of the user's whole.
    bound_locals: BTreeSet<String>,
    /// Each statement with a span: its text.
    statements: Vec<(&'t str, Span)>,
    /// What each temporary was made from: the bindings, and whether it may hold a `&mut`
    /// into one of them (then where it goes decides).
    temporaries: HashMap<&'t str, (BTreeSet<String>, bool)>,
}

impl<'t> Body<'t> {
    fn read(lines: &'t str, is_binding: &mut dyn FnMut(&Binding) -> bool) -> Body<'t> {
        let mut body = Body {
            locals: HashMap::new(),
            bindings: Vec::new(),
            bound_locals: BTreeSet::new(),
            statements: Vec::new(),
            temporaries: HashMap::new(),
        };
        for line in lines.lines() {
            let Some((text, span)) = statement(line) else {
                continue;
            };
            if let Some(declared) = text
                .strip_prefix("let mut ")
                .or_else(|| text.strip_prefix("let "))
            {
                if let Some((local, ty)) = declared.split_once(": ") {
                    body.locals.insert(local.to_owned(), ty.to_owned());
                }
            } else if let Some((name, place)) = text
                .strip_prefix("debug ")
                .and_then(|rest| rest.split_once(" => "))
            {
                body.bindings.push(Binding {
                    name: name.to_owned(),
                    place: place.to_owned(),
                    span,
                });
            } else if let Some(span) = span {
                body.statements.push((text, span));
            }
        }
        body.bindings.retain(|binding| is_binding(binding));
        body.bound_locals = body
            .bindings
            .iter()
            .filter_map(|binding| bare_local(&binding.place).map(str::to_owned))
            .collect();
        body.trace_temporaries();
        body
    }

    /// The user's bindings a place is, or is a projection of.
    fn named(&self, place: &str) -> BTreeSet<String> {
        let root = root(place);
        self.bindings
            .iter()
            .filter(|binding| match bare_local(&binding.place) {
                Some(local) => root == Some(local),
                None => place.contains(binding.place.as_str()),
            })
            .map(|binding| binding.name.clone())
            .collect()
    }

    /// A temporary's root local: the bindings it was made from, and whether it may hold
    /// a `&mut` into them.
    fn through(&self, place: &str) -> (BTreeSet<String>, bool) {
        root(place)
            .filter(|root| !self.bound_locals.contains(*root))
            .and_then(|root| self.temporaries.get(root).cloned())
            .unwrap_or_default()
    }

    /// `_T = …` (not a call), `_T` no binding of the user's: the temporary.
    fn temporary(&self, lhs: Option<&'t str>, rhs: &str) -> Option<&'t str> {
        lhs.and_then(bare_local)
            .filter(|local| !self.bound_locals.contains(*local) && !is_call(rhs))
    }

    fn place_type<'a>(&'a self, place: &'a str) -> Option<&'a str> {
        place_type(place, &self.locals).or_else(|| annotation(place))
    }

    /// Follows each temporary back to the bindings it was made from, over the body's
    /// blocks in any order.
    fn trace_temporaries(&mut self) {
        for _ in 0..4 {
            let mut changed = false;
            for &(text, _) in &self.statements {
                let Some((lhs, rhs)) = assignment(text) else {
                    continue;
                };
                let Some(temporary) = self.temporary(Some(lhs), rhs) else {
                    continue;
                };
                let mut names = BTreeSet::new();
                let mut holds_mut = false;
                for (context, place) in places(rhs) {
                    let direct = self.named(place);
                    let (via, via_mut) = self.through(place);
                    holds_mut |= match context {
                        Context::BorrowMut => true,
                        Context::Borrow => false,
                        Context::Copy | Context::Move => {
                            (!direct.is_empty() && carries_mut(self.place_type(place))) || via_mut
                        }
                    };
                    names.extend(direct);
                    names.extend(via);
                }
                if names.is_empty() {
                    continue;
                }
                let entry = self.temporaries.entry(temporary).or_default();
                let before = (entry.0.len(), entry.1);
                entry.0.extend(names);
                entry.1 |= holds_mut;
                changed |= before != (entry.0.len(), entry.1);
            }
            if !changed {
                break;
            }
        }
    }

    /// Every use, with its span.
    fn uses(&self) -> Vec<Use> {
        let mut found = Vec::new();
        let mut push = |bindings: BTreeSet<String>, exclusive: bool, span: &Span| {
            for name in bindings {
                found.push(Use {
                    span: span.clone(),
                    name,
                    exclusive,
                });
            }
        };
        for (text, span) in &self.statements {
            let (lhs, rhs) = match assignment(text) {
                Some((lhs, rhs)) => (Some(lhs), rhs),
                None => (None, *text),
            };
            // Into a temporary, a copy or move of a `&mut` is judged where it goes.
            let into_temporary = self.temporary(lhs, rhs).is_some();
            // A write of a place (a binding's value, a field through a reference), and
            // a drop: exclusive.
            let written = lhs.filter(|_| !into_temporary).or_else(|| {
                rhs.strip_prefix("drop(")
                    .and_then(|rest| rest.split_once(") -> "))
                    .map(|(dropped, _)| dropped)
            });
            // A temporary itself is no binding; a place through it is.
            let written = written.filter(|place| {
                bare_local(place).is_none_or(|local| self.bound_locals.contains(local))
            });
            if let Some(place) = written {
                let mut bindings = self.named(place);
                bindings.extend(self.through(place).0);
                push(bindings, true, span);
            }
            for (context, place) in places(rhs) {
                let ty = self.place_type(place);
                let (via, via_mut) = self.through(place);
                let shared_reference =
                    ty.is_some_and(|ty| ty.starts_with('&') && !ty.starts_with("&mut "));
                let (direct_exclusive, via_exclusive) = match context {
                    Context::BorrowMut => (true, true),
                    Context::Borrow => (false, false),
                    // A `&mut` copied into a temporary is judged where that goes.
                    Context::Copy => (
                        !into_temporary && carries_mut(ty) && !shared_reference,
                        !into_temporary && via_mut,
                    ),
                    // A value moved out of a binding, wherever it goes.
                    Context::Move => (
                        !(shared_reference || into_temporary && carries_mut(ty)),
                        !into_temporary && via_mut,
                    ),
                };
                push(self.named(place), direct_exclusive, span);
                push(via, via_exclusive, span);
            }
        }
        found
    }
}

/// A call terminator's value: `f(ARGS) -> [return: …]`.
fn is_call(rhs: &str) -> bool {
    rhs.contains(") -> [") || rhs.contains(") -> unwind")
}

/// The compiler's uses of the statements of one file: those whose spans lie inside a
/// statement's lines and columns.
pub(crate) fn lookup(mut uses: Vec<Use>) -> CompilerUses {
    let at = |single: &Use| (single.span.line, single.span.column);
    uses.sort_by_key(at);
    let uses = Arc::new(uses);
    Arc::new(move |stmt: &syn::Stmt| {
        let span = syn::spanned::Spanned::span(stmt);
        let (start, end) = (span.start(), span.end());
        // proc-macro2 counts columns from 0, rustc from 1.
        let from = (start.line, start.column + 1);
        let to = (end.line, end.column + 1);
        let first = uses.partition_point(|single| at(single) < from);
        let mut found = StatementUses::default();
        for single in uses[first..]
            .iter()
            .take_while(|single| at(single) <= to)
            .filter(|single| (single.span.end_line, single.span.end_column) <= to)
        {
            found.used.insert(single.name.clone());
            if single.exclusive {
                found.exclusive.insert(single.name.clone());
            }
        }
        (!found.used.is_empty()).then_some(found)
    })
}

/// Whether a `debug` line names a binding the user wrote: the source text at its span
/// is the name (`client`, `mut count`, `&self`).
pub(crate) fn written_binding(
    binding: &Binding,
    text_at: &mut dyn FnMut(&Span) -> Option<String>,
) -> bool {
    let Some(span) = &binding.span else {
        return false;
    };
    if binding.name.starts_with("__") {
        return false;
    }
    text_at(span).is_some_and(|text| {
        let text = text.trim();
        text == binding.name
            || text
                .strip_suffix(binding.name.as_str())
                .is_some_and(|before| {
                    matches!(before.trim_end(), "mut" | "ref" | "ref mut" | "&" | "&mut")
                })
    })
}

#[cfg(test)]
mod tests {
    use super::{Binding, Body, Use};

    /// Lines of the MIR of `precise_borrows`'s `mut_shared` (`client.set(1).await`, then
    /// `client.get(2).await`, on a `client: &mut Client`) and of `shared_then_move`
    /// (`consume(client)` on a `client: Client`), as rustc 1.95 prints them.
    const MUT_SHARED: &str = "
    debug client => ((*_26).0: &mut Client); // in scope 0 at src/lib.rs:44:25: 44:31
    let mut _4: {async fn body of Client::set()}; // in scope 0 at src/lib.rs:45:13: 45:26
    let mut _14: &Client;                // in scope 0 at src/lib.rs:46:13: 46:19
    let mut _27: &mut Client;            // in scope 0 at src/lib.rs:44:53: 48:2
    let mut _28: &mut Client;            // in scope 0 at src/lib.rs:44:53: 48:2
    scope 1 {
        debug client => (((*_26) as variant#3).0: &mut Client); // in scope 1 at src/lib.rs:44:25: 44:31
        scope 2 {
            debug a => (((*_26) as variant#4).0: u32); // in scope 2 at src/lib.rs:45:9: 45:10
            scope 6 {
                debug __awaitee => (((*_26) as variant#4).1: {async fn body of Client::get()}); // in scope 6 at src/lib.rs:46:13: 46:32
                let _20: u32;            // in scope 6 at src/lib.rs:46:13: 46:32
                scope 7 {
                    debug result => _20; // in scope 7 at src/lib.rs:46:13: 46:32
                }
            }
        }
    }

    bb1: {
        (((*_26) as variant#3).0: &mut Client) = move ((*_26).0: &mut Client); // scope 0 at src/lib.rs:44:25: 44:31
        _27 = copy (((*_26) as variant#3).0: &mut Client); // scope 1 at src/lib.rs:45:13: 45:19
        _4 = Client::set(copy _27, const 1_u32) -> [return: bb2, unwind: bb22]; // scope 1 at src/lib.rs:45:13: 45:26
    }

    bb10: {
        _28 = copy (((*_26) as variant#3).0: &mut Client); // scope 2 at src/lib.rs:46:13: 46:19
        _14 = &(*_28);                   // scope 2 at src/lib.rs:46:13: 46:19
        _13 = Client::get(move _14, const 2_u32) -> [return: bb11, unwind: bb22]; // scope 2 at src/lib.rs:46:13: 46:26
    }
";

    const SHARED_THEN_MOVE: &str = "
    debug client => ((*_27).0: Client);  // in scope 0 at src/lib.rs:67:31: 67:37
    let mut _14: {async fn body of consume()}; // in scope 0 at src/lib.rs:69:13: 69:28
    let mut _15: Client;                 // in scope 0 at src/lib.rs:69:21: 69:27
    scope 1 {
        debug client => (((*_27) as variant#4).0: Client); // in scope 1 at src/lib.rs:67:31: 67:37
    }

    bb10: {
        _15 = move (((*_27) as variant#4).0: Client); // scope 2 at src/lib.rs:69:21: 69:27
        _14 = consume(move _15) -> [return: bb11, unwind: bb22]; // scope 2 at src/lib.rs:69:13: 69:28
    }
";

    /// The exclusive and shared uses of `client` on each line.
    fn uses_of_client(uses: &[Use]) -> Vec<(usize, usize, bool)> {
        let mut found: Vec<(usize, usize, bool)> = uses
            .iter()
            .filter(|used| used.name == "client")
            .map(|used| (used.span.line, used.span.end_column, used.exclusive))
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    #[test]
    fn a_mut_passed_on_is_exclusive_a_shared_reborrow_is_not() {
        // The compiler's names (`__awaitee`, the `.await`'s `result`) are not the user's:
        // their spans are not their names.
        let mut is_binding = |binding: &Binding| {
            binding
                .span
                .as_ref()
                .is_some_and(|span| span.end_column - span.column == binding.name.chars().count())
        };
        let body = Body::read(MUT_SHARED, &mut is_binding);
        let names: Vec<&str> = body
            .bindings
            .iter()
            .map(|binding| binding.name.as_str())
            .collect();
        assert_eq!(names, ["client", "client", "a"]);
        let uses = body.uses();
        assert_eq!(
            uses_of_client(&uses),
            [
                // The parameter moved into the coroutine's state: a write.
                (44, 31, true),
                // `client.set(1)`: the `&mut` copied out, then passed on.
                (45, 19, false),
                (45, 26, true),
                // `client.get(2)`: copied out, then reborrowed shared.
                (46, 19, false),
                (46, 26, false),
            ]
        );
        // `consume(client)`: a move out of the binding (the temporary it moved to, passed
        // on, is the value, no longer the binding).
        let moved = Body::read(SHARED_THEN_MOVE, &mut is_binding).uses();
        assert_eq!(uses_of_client(&moved), [(69, 27, true), (69, 28, false)]);
    }
}
