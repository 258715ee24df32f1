//! Reads the MIR text rustc writes with `--emit=mir -Zmir-include-spans=on
//! -Ztrim-diagnostic-paths=false`: each fn's name and kind, its call terminators with
//! their callee paths and spans, the closures and async bodies it mentions, and (for a
//! coroutine's resume fn) the locals its layout saves across a suspension, with their
//! types, and where it suspends.
//!
//! The format is rustc's pretty-printer, documented as unstable. What this reader
//! relies on is checked as it reads: the header comment, each fn header, and a span on
//! every call. Anything else makes [`outline`] fail, so that another rustc's text is an
//! error and never a wrong report.

/// The first line of every MIR file this reader knows.
pub(crate) const HEADER: &str =
    "// WARNING: This output format is intended for human consumers only";

/// A source range as rustc prints it: `src/lib.rs:9:5: 9:29` (lines and columns from 1,
/// columns in chars). `file` is as rustc was given it: relative to the directory cargo
/// ran rustc in for workspace members, absolute for other packages.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Span {
    pub(crate) file: String,
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) end_line: usize,
    pub(crate) end_column: usize,
}

/// The byte offset in `line` (text from the start of a line) of its 1-based char
/// `column`; past the line's end, the length of `line`.
pub(crate) fn column_offset(line: &str, column: usize) -> usize {
    line.char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line.len(), |(offset, _)| offset)
}

impl Span {
    /// `FILE:L:C: L:C`.
    pub(crate) fn parse(text: &str) -> Option<Span> {
        let (start, end) = text.trim().rsplit_once(": ")?;
        let (end_line, end_column) = end.split_once(':')?;
        let mut start = start.rsplitn(3, ':');
        let column = start.next()?.parse().ok()?;
        let line = start.next()?.parse().ok()?;
        let file = start.next()?.to_owned();
        Some(Span {
            file,
            line,
            column,
            end_line: end_line.parse().ok()?,
            end_column: end_column.parse().ok()?,
        })
    }
}

/// What a MIR body is the body of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A fn, an impl's method, a const fn.
    Plain,
    /// The resume fn of an `async fn`'s, an `async` block's or an async closure's
    /// coroutine: `fn f::{closure#0}(_1: Pin<&mut {async fn body of f()}>, _2: &mut Context<'_>)`.
    AsyncBody,
    /// The body of the closure `{closure@FILE:L:C: L:C}`.
    Closure(String),
}

/// A call terminator: `_5 = path::to::f::<T>(copy _3) -> [return: bb2, unwind: bb17];`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Call {
    /// As printed, generic arguments included: `std::fs::read_to_string::<&str>`,
    /// `<glob::Paths as std::iter::Iterator>::count`.
    pub(crate) callee: String,
    /// The arguments as printed: `copy _1, const "127.0.0.1:0"`.
    pub(crate) args: String,
    /// `None` for code the compiler made (`// scope 0 at no-location`): a test
    /// harness's `main`.
    pub(crate) span: Option<Span>,
    /// Its value is an `async fn`'s future (`{async fn body of reqwest::Response::bytes()}`):
    /// the callee is an `async fn`, whichever of the fns its printed path may name.
    pub(crate) makes_future: bool,
}

/// A field of a coroutine's variant: a local saved across the suspension that variant
/// stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Saved {
    /// `3` in `variant#3`: the suspension point `variant - 3`.
    pub(crate) variant: usize,
    pub(crate) field: usize,
    /// `std::sync::MutexGuard<'_, u32>`.
    pub(crate) ty: String,
    /// The user's binding, when the local is one: its name and the span of its pattern.
    pub(crate) binding: Option<(String, Option<Span>)>,
    /// The first statement or call that writes the field.
    pub(crate) assigned: Option<Span>,
}

/// One fn's body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Body {
    /// The path rustc prints, relative to its crate: `read_config`,
    /// `<impl at src/lib.rs:36:1: 36:11>::read_to_string`, `count_logs::{closure#0}`.
    pub(crate) name: String,
    pub(crate) kind: Kind,
    /// The type of the first parameter (`&Paths` for a method taking `&self`).
    pub(crate) first_param: Option<String>,
    /// The types of its `impl Trait` parameters as printed (`impl FnOnce() -> usize`),
    /// in order: its anonymous type parameters, which rustc names by that text.
    pub(crate) anonymous: Vec<String>,
    /// Where the body is in the source: the span of its first scope.
    pub(crate) span: Option<Span>,
    pub(crate) calls: Vec<Call>,
    /// Every closure the body names (`{closure@FILE:L:C: L:C}`), its own excepted.
    pub(crate) closures: Vec<String>,
    /// The closures each call is given, by index into `calls`: a constant in its
    /// arguments, or held by a value it is given ([`given_closures`]).
    pub(crate) call_closures: Vec<Vec<String>>,
    /// The async fns whose bodies this one polls: `tokio::fs::read_to_string<&str>` in
    /// `{async fn body of tokio::fs::read_to_string<&str>()}`.
    pub(crate) polled: Vec<String>,
    pub(crate) saved: Vec<Saved>,
    /// Each suspension: the variant it leaves the coroutine in, and the `.await`'s span.
    pub(crate) suspensions: Vec<(usize, Span)>,
}

/// Why a text is not MIR this reader knows.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Unrecognised {
    pub(crate) line: usize,
    pub(crate) what: String,
}

/// A fn of a MIR file, its body not read yet.
#[derive(Clone, Debug)]
pub(crate) struct Item {
    /// Name, kind and first parameter; no calls.
    pub(crate) header: Body,
    /// The body's lines, between the header and the closing `}`.
    pub(crate) lines: std::ops::Range<usize>,
}

/// The fns of a `.mir` file, with their bodies' places: the whole file's layout is
/// checked, each body is read when it is needed ([`read_body`]).
pub(crate) fn outline(text: &str) -> Result<Vec<Item>, Unrecognised> {
    let unrecognised = |at: usize, what: String| Unrecognised {
        line: text[..at].matches('\n').count() + 1,
        what,
    };
    let Some(mut at) = text.strip_prefix(HEADER).map(|_| HEADER.len()) else {
        return Err(unrecognised(
            0,
            "the file does not start with rustc's MIR header".to_owned(),
        ));
    };
    let mut items = Vec::new();
    let mut ctfe = false;
    while at < text.len() {
        let end = text[at..]
            .find('\n')
            .map_or(text.len(), |newline| at + newline);
        let line = &text[at..end];
        let next = (end + 1).min(text.len());
        if line.is_empty() || line.starts_with("//") {
            if line == "// MIR FOR CTFE" {
                ctfe = true;
            }
            at = next;
            continue;
        }
        if line.ends_with("{}")
            || (line.starts_with("alloc") && line.ends_with(')'))
            || ((line.starts_with("const ") || line.starts_with("static ")) && line.ends_with(';'))
        {
            // An empty allocation, a fn pointer's, a constant's value.
            ctfe = false;
            at = next;
            continue;
        }
        if !line.ends_with('{') {
            return Err(unrecognised(
                at,
                format!("a line outside any body: `{line}`"),
            ));
        }
        // The body ends at the first `}` at the start of a line.
        let close = if text[next..].starts_with('}') {
            next
        } else {
            match text[next..].find("\n}") {
                Some(found) => next + found + 1,
                None => {
                    return Err(unrecognised(at, "the file ends inside a body".to_owned()));
                }
            }
        };
        if let Some(header) = line.strip_prefix("fn ") {
            if !std::mem::take(&mut ctfe) {
                let header = read_header(header).ok_or_else(|| {
                    unrecognised(
                        at,
                        format!("a fn header this reader does not know: `{line}`"),
                    )
                })?;
                items.push(Item {
                    header,
                    lines: next..close,
                });
            }
        } else {
            // consts, statics, promoteds, allocations: no runtime calls of their own.
            ctfe = false;
        }
        at = text[close..]
            .find('\n')
            .map_or(text.len(), |newline| close + newline + 1);
    }
    Ok(items)
}

/// An item's body, from its header and the lines [`outline`] found it on.
pub(crate) fn read_body(
    text: &str,
    header: &Body,
    lines: std::ops::Range<usize>,
) -> Result<Body, Unrecognised> {
    let mut body = header.clone();
    // Its locals whose type is an `async fn`'s future, as their `let`s declare them.
    let mut future_locals = Vec::new();
    let mut at = lines.start;
    for line in text[lines.clone()].split_inclusive('\n') {
        read_line(&mut body, &mut future_locals, line.trim_end()).map_err(|what| Unrecognised {
            line: text[..at].matches('\n').count() + 1,
            what,
        })?;
        at += line.len();
    }
    if !body.closures.is_empty() {
        given_closures(&text[lines], &mut body.call_closures);
    }
    Ok(body)
}

/// Reads a whole `.mir` file.
#[cfg(test)]
pub(crate) fn parse(text: &str) -> Result<Vec<Body>, Unrecognised> {
    outline(text)?
        .iter()
        .map(|item| read_body(text, &item.header, item.lines.clone()))
        .collect()
}

/// `NAME(PARAMS) -> RET {`.
fn read_header(header: &str) -> Option<Body> {
    let header = header.strip_suffix(" {")?;
    let open = depth_zero(header, |c| c == '(')?;
    let name = header[..open].to_owned();
    let close = open + matching(&header[open..])?;
    let params = &header[open + 1..close];
    let types: Vec<&str> = split_depth_zero(params, ',')
        .into_iter()
        .filter_map(|param| Some(param.split_once(": ")?.1.trim()))
        .collect();
    let first_param = types.first().map(|ty| (*ty).to_owned());
    let anonymous = types
        .iter()
        .map(|ty| {
            let mut ty = *ty;
            while let Some(rest) = ty.strip_prefix('&') {
                ty = rest.trim_start();
                if ty.starts_with('\'') {
                    ty = ty.split_once(' ').map_or("", |(_, rest)| rest);
                }
                ty = ty.strip_prefix("mut ").unwrap_or(ty);
            }
            ty
        })
        .filter(|ty| ty.starts_with("impl "))
        .map(str::to_owned)
        .collect();
    let kind = match &first_param {
        Some(ty) if ty.starts_with("std::pin::Pin<&mut {async") => Kind::AsyncBody,
        Some(ty) => {
            let bare = ty.trim_start_matches("&mut ").trim_start_matches('&');
            if bare.starts_with("{closure@") && bare.ends_with('}') {
                Kind::Closure(bare.to_owned())
            } else {
                Kind::Plain
            }
        }
        None => Kind::Plain,
    };
    Some(Body {
        name,
        kind,
        first_param,
        anonymous,
        span: None,
        calls: Vec::new(),
        closures: Vec::new(),
        call_closures: Vec::new(),
        polled: Vec::new(),
        saved: Vec::new(),
        suspensions: Vec::new(),
    })
}

/// One line of a body.
fn read_line(body: &mut Body, future_locals: &mut Vec<usize>, line: &str) -> Result<(), String> {
    let trimmed = line.trim_start();
    if trimmed.starts_with("//") || trimmed.is_empty() || trimmed.ends_with(": {") {
        return Ok(());
    }
    let (statement, comment) = split_comment(trimmed);
    let span = comment
        .and_then(|comment| comment.split_once(" at "))
        .and_then(|(_, at)| Span::parse(at));
    if body.span.is_none() && trimmed.starts_with("let ") {
        body.span.clone_from(&span);
    }
    if let Some((local, ty)) = declared(statement) {
        if ty.starts_with("{async fn body of ") {
            future_locals.extend(locals_in(local).first());
        }
    }
    for closure in closures_in(statement) {
        let own = matches!(&body.kind, Kind::Closure(own) if *own == closure);
        if !own && !body.closures.contains(&closure) {
            body.closures.push(closure);
        }
    }
    for saved in variant_fields(statement) {
        let (variant, field, ty) = saved;
        let known = body
            .saved
            .iter()
            .position(|known| known.variant == variant && known.field == field);
        let index = known.unwrap_or_else(|| {
            body.saved.push(Saved {
                variant,
                field,
                ty,
                binding: None,
                assigned: None,
            });
            body.saved.len() - 1
        });
        if let Some(name) = trimmed
            .strip_prefix("debug ")
            .and_then(|rest| rest.split_once(" => "))
            .map(|(name, _)| name)
        {
            body.saved[index].binding = Some((name.to_owned(), span.clone()));
        } else if statement.starts_with("(((*") && statement.contains(") = ") {
            let target_end = depth_zero(statement, |c| c == ' ').unwrap_or(0);
            let target = &statement[..target_end];
            if variant_fields(target).first().map(|(v, f, _)| (*v, *f)) == Some((variant, field))
                && body.saved[index].assigned.is_none()
            {
                body.saved[index].assigned.clone_from(&span);
            }
        }
    }
    if let Some(variant) = statement
        .strip_prefix("discriminant((*_")
        .and_then(|rest| rest.split_once(")) = "))
        .and_then(|(_, variant)| variant.parse::<usize>().ok())
    {
        if variant >= 3 {
            let span = span.ok_or("a suspension without a span")?;
            body.suspensions.push((variant, span));
        }
        return Ok(());
    }
    if let Some((callee, args)) = call_in(statement) {
        // `<{async fn body of f()} as Future>::poll`: an `.await` of `f(..)`.
        if callee.ends_with(" as std::future::Future>::poll") {
            for polled in async_bodies_in(&callee) {
                if !body.polled.contains(&polled) {
                    body.polled.push(polled);
                }
            }
        }
        let generated = comment.is_some_and(|comment| comment.ends_with(" at no-location"));
        if span.is_none() && !generated {
            return Err(format!("a call without a span: `{trimmed}`"));
        }
        // The closures the call's type arguments name are not its own: a call on a
        // `Result<Server<{closure@..}>>` is not given the closure.
        body.call_closures.push(closures_in(&args));
        let makes_future =
            destination(statement).is_some_and(|local| future_locals.contains(&local));
        body.calls.push(Call {
            callee,
            args,
            span,
            makes_future,
        });
    }
    Ok(())
}

/// `STATEMENT;   // scope N at SPAN` (the comment aligned with spaces): the statement
/// without its `;`, and the comment.
fn split_comment(trimmed: &str) -> (&str, Option<&str>) {
    let (statement, comment) = match trimmed.rfind(" // ") {
        Some(at) if trimmed[..at].trim_end().ends_with(';') => {
            (&trimmed[..at], Some(&trimmed[at + 4..]))
        }
        _ => (trimmed, None),
    };
    (statement.trim_end().trim_end_matches(';'), comment)
}

/// Whether a call (as printed) is one of std's that keep what they are given and never
/// call it: the constructors that wrap their argument (`Box::new`, `Box::pin`,
/// `Arc::new`, `Rc::new`, `Pin::new`, and the `new` of `Cell`, `RefCell`, `Mutex` and
/// `RwLock`), and `std::panic::set_hook`, which installs the hook a panic runs.
pub(crate) fn keeps(callee: &str) -> bool {
    const KEEPERS: [&str; 11] = [
        "std::boxed::Box::new",
        "std::boxed::Box::pin",
        "std::sync::Arc::new",
        "std::rc::Rc::new",
        "std::pin::Pin::new",
        "std::cell::Cell::new",
        "std::cell::RefCell::new",
        "std::sync::Mutex::new",
        "std::sync::RwLock::new",
        "alloc::boxed::Box::new",
        "std::panic::set_hook",
    ];
    KEEPERS.contains(&super::paths::strip_generics(callee).join("::").as_str())
}

/// A local's declaration (`let mut _44: {async fn body of f()}`): the local (`_44`) and
/// its type, as printed.
fn declared(statement: &str) -> Option<(&str, &str)> {
    statement
        .strip_prefix("let mut ")
        .or_else(|| statement.strip_prefix("let "))?
        .split_once(": ")
}

/// The local a statement writes (`_5` in `_5 = f(move _3) -> ..`), if it writes one.
fn destination(statement: &str) -> Option<usize> {
    let eq = find_depth_zero(statement, " = ")?;
    locals_in(&statement[..eq]).first().copied()
}

/// The locals a text reads (`_3` in `move _3 as Box<dyn Fn()>`, `(_0.1: u8)`), closure
/// names left out.
fn locals_in(text: &str) -> Vec<usize> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut at = 0;
    while at < bytes.len() {
        if text[at..].starts_with("{closure@") {
            at += matching(&text[at..]).map_or(text.len() - at, |end| end + 1);
            continue;
        }
        if bytes[at] == b'_' && (at == 0 || !ident(bytes[at - 1])) {
            let digits = bytes[at + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            let end = at + 1 + digits;
            if digits > 0 && !bytes.get(end).copied().is_some_and(ident) {
                if let Ok(local) = text[at + 1..end].parse() {
                    found.push(local);
                }
            }
            at = end;
            continue;
        }
        at += text[at..].chars().next().map_or(1, char::len_utf8);
    }
    found
}

/// Adds to each call's closures (`given`, by index into the body's calls) those held by
/// a value it is given. A closure's value is followed from where it is made (or a local
/// of its type is declared) through moves, copies, references, casts (the unsizing into
/// `Box<dyn Fn..>`), aggregates (a struct's field, a tuple, `Some(..)`, `Poll::Ready(..)`,
/// a closure capturing it) and std's wrapping constructors ([`keeps`]); a value written to `_0` is
/// returned, one written behind a reference is stored, and neither is given to a call.
/// Places are told apart by their local only (a field of a coroutine's saved state is
/// the whole state), which gives calls more closures, never fewer.
fn given_closures(lines: &str, given: &mut [Vec<String>]) {
    // Each statement that moves a value: the local written (none for a call whose
    // result is unused), what the value is made of, and, for a call, its index.
    struct Flow {
        dest: Option<usize>,
        /// The closures the value names (made there, a constant) and the locals it reads.
        named: Vec<String>,
        reads: Vec<usize>,
        call: Option<usize>,
        keeps: bool,
    }
    let mut flows = Vec::new();
    let mut held: std::collections::HashMap<usize, Vec<String>> = std::collections::HashMap::new();
    let mut calls = 0;
    for line in lines.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("//") || trimmed.starts_with("debug ") || trimmed.ends_with('{') {
            continue;
        }
        let (statement, _) = split_comment(trimmed);
        if statement.starts_with("let ") {
            // A local of a closure's type (or a reference to one) holds that closure;
            // one of a type that holds a closure (`Result<Server<{closure@..}>>`) is
            // followed from where its value comes from.
            if let Some((local, ty)) = declared(statement) {
                if let Some(closure) = closure_type(ty) {
                    if let Some(&local) = locals_in(local).first() {
                        held.entry(local).or_default().push(closure.to_owned());
                    }
                }
            }
            continue;
        }
        let called = call_in(statement);
        let dest = destination(statement);
        let mut value = match find_depth_zero(statement, " = ") {
            Some(eq) => &statement[eq + 3..],
            None => statement,
        };
        let call = called.as_ref().map(|_| {
            calls += 1;
            calls - 1
        });
        if call.is_some() {
            // Its arguments: the closures its type arguments name are not its own.
            if let (Some(open), Some(arrow)) =
                (depth_zero(value, |c| c == '('), value.rfind(") -> "))
            {
                value = value.get(open..=arrow).unwrap_or(value);
            }
        } else if dest.is_none() {
            continue;
        }
        let keeps = called.is_some_and(|(callee, _)| keeps(&callee));
        let (named, reads) = (closures_in(value), locals_in(value));
        if !named.is_empty() || !reads.is_empty() {
            flows.push(Flow {
                dest,
                named,
                reads,
                call,
                keeps,
            });
        }
    }
    loop {
        let mut changed = false;
        for flow in &flows {
            let mut closures = flow.named.clone();
            for local in &flow.reads {
                closures.extend(held.get(local).into_iter().flatten().cloned());
            }
            if closures.is_empty() {
                continue;
            }
            let mut into: Vec<&mut Vec<String>> = Vec::new();
            if let Some(call) = flow.call.and_then(|call| given.get_mut(call)) {
                into.push(call);
            }
            if let Some(dest) = flow.dest.filter(|_| flow.call.is_none() || flow.keeps) {
                into.push(held.entry(dest).or_default());
            }
            for list in into {
                for closure in &closures {
                    if !list.contains(closure) {
                        list.push(closure.clone());
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
}

/// The callee and arguments of a call terminator, `None` for any other statement and
/// for calls through a local (fn pointers, closures held in a local).
fn call_in(statement: &str) -> Option<(String, String)> {
    const NOT_CALLS: [&str; 6] = [
        "drop",
        "assert",
        "yield",
        "switchInt",
        "asm!",
        "falseUnwind",
    ];
    let arrow = statement.rfind(") -> ")?;
    let target = &statement[arrow + 5..];
    if !(target.starts_with("[return: ") || target.starts_with("unwind ")) {
        return None;
    }
    let call = &statement[..=arrow];
    // `DEST = CALLEE(ARGS)`: the first ` = ` outside brackets.
    let call = match find_depth_zero(call, " = ") {
        Some(at) => &call[at + 3..],
        None => call,
    };
    let open = depth_zero(call, |c| c == '(')?;
    let callee = call[..open].trim();
    if callee.is_empty()
        || NOT_CALLS.contains(&callee)
        || callee.starts_with("move ")
        || callee.starts_with("copy ")
        || callee.starts_with('_')
        || callee.starts_with('(')
    {
        return None;
    }
    let close = open + matching(&call[open..])?;
    Some((callee.to_owned(), call[open + 1..close].to_owned()))
}

/// A type without the references it is behind: `&mut {closure@..}` → `{closure@..}`.
pub(crate) fn behind_references(ty: &str) -> &str {
    let mut ty = ty.trim();
    while let Some(inner) = ty.strip_prefix('&') {
        ty = inner.trim_start();
        ty = ty.strip_prefix("mut ").unwrap_or(ty);
    }
    ty
}

/// The closure a type is, behind references: `&{closure@src/lib.rs:3:9: 3:11}` →
/// `{closure@src/lib.rs:3:9: 3:11}`; `None` for any other type.
pub(crate) fn closure_type(ty: &str) -> Option<&str> {
    let ty = behind_references(ty);
    (ty.starts_with("{closure@") && matching(ty) == Some(ty.len() - 1)).then_some(ty)
}

/// The closure types named in a text: `{closure@src/lib.rs:9:34: 9:41}`.
pub(crate) fn closures_in(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("{closure@") {
        let from = &rest[at..];
        match matching(from) {
            Some(end) => {
                let closure = from[..=end].to_owned();
                if !found.contains(&closure) {
                    found.push(closure);
                }
                rest = &from[end..];
            }
            None => break,
        }
    }
    found
}

/// The async fns of `{async fn body of PATH()}` in a text, as printed (`PATH`).
fn async_bodies_in(text: &str) -> Vec<String> {
    const OPEN: &str = "{async fn body of ";
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(OPEN) {
        let from = &rest[at..];
        let Some(end) = matching(from) else { break };
        let inner = &from[OPEN.len()..end];
        let path = inner.strip_suffix("()").unwrap_or(inner).to_owned();
        if !found.contains(&path) {
            found.push(path);
        }
        rest = &from[end..];
    }
    found
}

/// `(((*_22) as variant#3).0: std::sync::MutexGuard<'_, u32>)` in a text: variant,
/// field, type.
fn variant_fields(text: &str) -> Vec<(usize, usize, String)> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("(((*_") {
        let from = &rest[at..];
        let Some(end) = matching(from) else { break };
        let inner = &from[1..end];
        let parsed = inner.split_once(" as variant#").and_then(|(_, after)| {
            let (variant, after) = after.split_once(").")?;
            let (field, ty) = after.split_once(": ")?;
            Some((variant.parse().ok()?, field.parse().ok()?, ty.to_owned()))
        });
        if let Some(parsed) = parsed {
            found.push(parsed);
        }
        rest = &from[end..];
    }
    found
}

/// Each char of `text` with its offset and the bracket depth before and after it
/// (`->` and `=>` are arrows, not brackets).
pub(crate) fn with_depth(text: &str) -> impl Iterator<Item = (usize, char, usize, usize)> + '_ {
    let mut depth = 0usize;
    let mut previous = ' ';
    text.char_indices().map(move |(at, c)| {
        let before = depth;
        match c {
            '(' | '[' | '{' | '<' => depth += 1,
            '>' if previous == '-' || previous == '=' => {}
            ')' | ']' | '}' | '>' => depth = depth.saturating_sub(1),
            _ => {}
        }
        previous = c;
        (at, c, before, depth)
    })
}

/// The byte offset of the bracket closing the one `text` starts with.
pub(crate) fn matching(text: &str) -> Option<usize> {
    with_depth(text)
        .find(|(at, _, before, after)| *at > 0 && *before == 1 && *after == 0)
        .map(|(at, ..)| at)
}

/// The first char outside brackets for which `wanted` holds.
fn depth_zero(text: &str, wanted: impl Fn(char) -> bool) -> Option<usize> {
    with_depth(text)
        .find(|(_, c, before, _)| *before == 0 && wanted(*c))
        .map(|(at, ..)| at)
}

/// The first occurrence of `needle` outside brackets.
pub(crate) fn find_depth_zero(text: &str, needle: &str) -> Option<usize> {
    with_depth(text)
        .find(|(at, _, before, _)| *before == 0 && text[*at..].starts_with(needle))
        .map(|(at, ..)| at)
}

/// `text` split at `separator` outside brackets.
pub(crate) fn split_depth_zero(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(at) = depth_zero(rest, |c| c == separator) {
        parts.push(rest[..at].trim());
        rest = &rest[at + separator.len_utf8()..];
    }
    if !rest.trim().is_empty() {
        parts.push(rest.trim());
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::{parse, Kind, Span};

    const FIXTURE: &str = include_str!("../../tests/fixtures/mir/precise_fixture.mir");
    const GLOB: &str = include_str!("../../tests/fixtures/mir/glob_next.mir");
    const GENERICS: &str = include_str!("../../tests/fixtures/mir/generics.mir");
    const CLOSURES: &str = include_str!("../../tests/fixtures/mir/closures.mir");

    fn body<'a>(bodies: &'a [super::Body], name: &str) -> &'a super::Body {
        bodies
            .iter()
            .find(|body| body.name == name)
            .unwrap_or_else(|| panic!("no body `{name}`"))
    }

    #[test]
    fn spans_parse_with_and_without_absolute_paths() {
        assert_eq!(
            Span::parse("src/lib.rs:9:5: 9:29"),
            Some(Span {
                file: "src/lib.rs".into(),
                line: 9,
                column: 5,
                end_line: 9,
                end_column: 29
            })
        );
        assert_eq!(Span::parse("no-location"), None);
    }

    #[test]
    fn an_async_fn_body_its_calls_and_spans() {
        let bodies = parse(FIXTURE).unwrap();
        let helper = body(&bodies, "read_config");
        assert_eq!(helper.kind, Kind::Plain);
        assert_eq!(helper.calls[0].callee, "std::fs::read_to_string::<&str>");
        assert_eq!(helper.calls[0].span.as_ref().unwrap().line, 26);
        let async_body = body(&bodies, "load_config::{closure#0}");
        assert_eq!(async_body.kind, Kind::AsyncBody);
        assert_eq!(async_body.calls[0].callee, "read_config");
        // The fn that builds the future is plain and calls nothing of the body.
        assert_eq!(body(&bodies, "load_config").kind, Kind::Plain);
        let glob = body(&bodies, "count_logs::{closure#0}");
        assert_eq!(glob.calls[0].callee, "glob::glob");
        assert_eq!(glob.closures, ["{closure@src/lib.rs:12:34: 12:41}"]);
        let closure = body(&bodies, "count_logs::{closure#0}::{closure#0}");
        assert_eq!(
            closure.kind,
            Kind::Closure("{closure@src/lib.rs:12:34: 12:41}".into())
        );
        assert_eq!(
            closure.calls[0].callee,
            "<glob::Paths as std::iter::Iterator>::count"
        );
    }

    /// A call whose value is an `async fn`'s future is marked: `tokio::fs::read_to_string`
    /// makes the future `_5` (`{async fn body of ..}`), which `into_future` then takes.
    #[test]
    fn calls_that_make_an_async_fns_future_are_marked() {
        let bodies = parse(FIXTURE).unwrap();
        let load = body(&bodies, "load_async::{closure#0}");
        let makes: Vec<(&str, bool)> = load
            .calls
            .iter()
            .map(|call| (call.callee.as_str(), call.makes_future))
            .take(2)
            .collect();
        assert_eq!(
            makes,
            [
                ("tokio::fs::read_to_string::<&str>", true),
                (
                    "<{async fn body of tokio::fs::read_to_string<&str>()} as std::future::IntoFuture>::into_future",
                    true
                ),
            ]
        );
        let helper = body(&bodies, "read_config");
        assert!(helper.calls.iter().all(|call| !call.makes_future));
    }

    #[test]
    fn impl_methods_and_trait_calls_keep_their_paths() {
        let bodies = parse(FIXTURE).unwrap();
        assert!(bodies
            .iter()
            .any(|body| body.name == "<impl at src/lib.rs:39:1: 39:11>::read_to_string"));
        let memory = body(&bodies, "from_memory::{closure#0}");
        assert!(memory
            .calls
            .iter()
            .any(|call| call.callee == "<&[u8] as std::io::Read>::read_to_string"));
        let offloaded = body(&bodies, "load_offloaded::{closure#0}");
        let spawn = offloaded
            .calls
            .iter()
            .position(|call| call.callee.starts_with("tokio::task::spawn_blocking::<"))
            .unwrap();
        assert_eq!(
            offloaded.call_closures[spawn],
            ["{closure@src/lib.rs:31:33: 31:35}"]
        );
    }

    #[test]
    fn saved_locals_are_the_coroutine_layout() {
        let bodies = parse(FIXTURE).unwrap();
        let across = body(&bodies, "guard_across::{closure#0}");
        let guard = across
            .saved
            .iter()
            .find(|saved| saved.ty.starts_with("std::sync::MutexGuard<"))
            .unwrap();
        assert_eq!(guard.variant, 3);
        let (name, binding) = guard.binding.as_ref().unwrap();
        assert_eq!(name, "guard");
        assert_eq!(binding.as_ref().unwrap().line, 59);
        assert_eq!(guard.assigned.as_ref().unwrap().column, 21);
        assert_eq!(across.suspensions.len(), 1);
        assert_eq!(across.suspensions[0].0, 3);
        assert_eq!(across.suspensions[0].1.line, 61);
        let dropped = body(&bodies, "guard_dropped::{closure#0}");
        assert!(dropped
            .saved
            .iter()
            .all(|saved| !saved.ty.contains("MutexGuard")));
        let refcell = body(&bodies, "refcell_across::{closure#0}");
        assert!(refcell
            .saved
            .iter()
            .any(|saved| saved.ty == "std::cell::RefMut<'_, u8>"));
    }

    #[test]
    fn a_dependency_with_absolute_paths() {
        let bodies = parse(GLOB).unwrap();
        let next = bodies
            .iter()
            .find(|body| body.name.ends_with(">::next"))
            .unwrap();
        assert!(next.name.starts_with("<impl at /"));
        assert!(next.name.contains("glob-0.3.4/src/lib.rs:388:1: 388:24>"));
        assert!(next.calls.iter().any(|call| call.callee == "fill_todo"));
        let fill = body(&bodies, "fill_todo");
        assert!(fill
            .calls
            .iter()
            .any(|call| call.callee == "std::fs::read_dir::<&PathWrapper>"));
    }

    #[test]
    fn generic_calls_print_their_type_arguments() {
        let bodies = parse(GENERICS).unwrap();
        // A generic fn's header names its parameters' types, not its generics.
        let count = body(&bodies, "generics::count");
        assert_eq!(count.first_param.as_deref(), Some("R"));
        assert!(count.anonymous.is_empty());
        assert_eq!(count.calls[0].callee, "<R as std::io::Read>::read");
        // Anonymous parameters are named by their text, alike when written alike.
        assert_eq!(
            body(&bodies, "generics::two").anonymous,
            ["impl Read", "impl Read"]
        );
        let caller = body(&bodies, "generics::count_file::{closure#0}");
        assert!(caller
            .calls
            .iter()
            .any(|call| call.callee == "generics::count::<std::fs::File>"));
        let method = body(&bodies, "generics::filled_file::{closure#0}");
        assert!(method.calls.iter().any(
            |call| call.callee == "<generics::Wrapper<std::fs::File> as generics::Fill>::fill"
        ));
    }

    /// The calls of `body` given `closure`, by callee.
    fn given<'a>(body: &'a super::Body, closure: &str) -> Vec<&'a str> {
        body.calls
            .iter()
            .zip(&body.call_closures)
            .filter(|(_, closures)| closures.iter().any(|given| given == closure))
            .map(|(call, _)| call.callee.as_str())
            .collect()
    }

    #[test]
    fn a_closure_returned_is_given_to_no_call_but_a_wrapper() {
        let bodies = parse(CLOSURES).unwrap();
        // Made, boxed, unsized into `Box<dyn Fn..>` and returned.
        let handler = body(
            &bodies,
            "closures::<impl at src/closures.rs:66:1: 66:19>::handler",
        );
        let hook = "{closure@src/closures.rs:69:18: 69:29}";
        assert_eq!(handler.closures, [hook]);
        let calls = given(handler, hook);
        assert_eq!(
            calls,
            ["std::boxed::Box::<{closure@src/closures.rs:69:18: 69:29}>::new"]
        );
        assert!(calls.iter().all(|callee| super::keeps(callee)));
        // In an async body: boxed into a struct's field, returned through `Poll::Ready`.
        let parts = body(&bodies, "closures::parts::{closure#0}");
        let wait = "{closure@src/closures.rs:95:24: 95:31}";
        assert!(given(parts, wait).iter().all(|callee| super::keeps(callee)));
        // Called through a reference to the local that holds it, then returned.
        let keep = body(&bodies, "closures::nap_and_keep");
        assert_eq!(
            given(keep, "{closure@src/closures.rs:41:15: 41:17}"),
            ["<{closure@src/closures.rs:41:15: 41:17} as std::ops::Fn<()>>::call"]
        );
        // Handed to std's `map`; the `collect` of the `Map` whose type names it is not
        // given it.
        let sizes = body(&bodies, "closures::sizes::{closure#0}");
        let calls = given(sizes, "{closure@src/closures.rs:13:14: 13:20}");
        assert_eq!(calls.len(), 1);
        assert!(calls[0].ends_with(
            "as std::iter::Iterator>::map::<usize, {closure@src/closures.rs:13:14: 13:20}>"
        ));
    }

    #[test]
    fn keepers_are_stds_constructors_and_the_panic_hook() {
        assert!(super::keeps(
            "std::sync::Arc::<{closure@src/a.rs:1:1: 1:3}>::new"
        ));
        assert!(super::keeps("std::boxed::Box::<F>::pin"));
        assert!(super::keeps("std::panic::set_hook"));
        assert!(!super::keeps("std::thread::spawn::<F, T>"));
        assert!(!super::keeps("my::Box::new"));
    }

    #[test]
    fn another_format_is_an_error() {
        assert!(parse("fn main() -> () {\n}\n").is_err());
        let unknown = format!("{}\nsomething else\n", super::HEADER);
        assert_eq!(parse(&unknown).unwrap_err().line, 2);
        let no_span = format!(
            "{}\nfn f() -> () {{\n    bb0: {{\n        _0 = g() -> [return: bb1, unwind continue];\n    }}\n}}\n",
            super::HEADER
        );
        assert!(parse(&no_span).unwrap_err().what.contains("without a span"));
    }
}
