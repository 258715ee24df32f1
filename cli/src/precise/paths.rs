//! Paths and types as rustc prints them in MIR: a callee split into its parts with the
//! generic arguments dropped, a type into its path and arguments; a callee's generic
//! arguments, a text with type parameters replaced by types, and an impl's self type
//! (as written) matched against a type as printed.

use quote::ToTokens;

use super::mir::{
    behind_references, closure_type, find_depth_zero, matching as closing, split_depth_zero,
    with_depth,
};

/// A callee as printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Callee {
    /// `std::fs::read_to_string`, `glob::Pattern::new`, `fill_todo`: segments without
    /// generic arguments.
    Path(Vec<String>),
    /// `<glob::Paths as std::iter::Iterator>::count`.
    Qualified {
        /// As printed, generic arguments kept: `std::io::BufReader<std::fs::File>`.
        self_ty: String,
        trait_path: Vec<String>,
        method: String,
    },
}

impl Callee {
    pub(crate) fn parse(text: &str) -> Option<Callee> {
        if let Some(rest) = text.strip_prefix('<') {
            let close = closing(text)?;
            let inner = &rest[..close - 1];
            let method = text[close + 1..].strip_prefix("::")?;
            let method = strip_generics(method).join("::");
            if let Some((self_ty, trait_path)) = split_as(inner) {
                return Some(Callee::Qualified {
                    self_ty: self_ty.to_owned(),
                    trait_path: strip_generics(trait_path),
                    method,
                });
            }
            let mut segments = strip_generics(inner);
            segments.push(method);
            return Some(Callee::Path(segments));
        }
        let segments = strip_generics(text);
        (!segments.is_empty()).then_some(Callee::Path(segments))
    }

    /// As the chain prints it.
    pub(crate) fn shown(&self) -> String {
        match self {
            Callee::Path(segments) => segments.join("::"),
            Callee::Qualified {
                self_ty,
                trait_path,
                method,
            } => format!("<{self_ty} as {}>::{method}", trait_path.join("::")),
        }
    }
}

/// `A as B` at the top level of a qualified path's brackets.
fn split_as(inner: &str) -> Option<(&str, &str)> {
    let at = find_depth_zero(inner, " as ")?;
    Some((&inner[..at], &inner[at + 4..]))
}

/// `std::sync::Mutex::<u32>::lock` → `[std, sync, Mutex, lock]`.
pub(crate) fn strip_generics(path: &str) -> Vec<String> {
    let mut plain = String::new();
    let mut depth = 0usize;
    let bytes = path.as_bytes();
    for (at, c) in path.char_indices() {
        match c {
            '<' => depth += 1,
            '>' if at > 0 && bytes[at - 1] == b'-' => {}
            '>' => depth = depth.saturating_sub(1),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    plain
        .split("::")
        .map(str::trim)
        .filter(|segment| !segment.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A type's path and type arguments (lifetimes dropped), references and `mut`
/// stripped: `&mut std::io::BufReader<std::fs::File>` → (`[std, io, BufReader]`,
/// `[std::fs::File]`). `None` for slices, tuples, closures, `dyn` and `impl` types.
pub(crate) fn type_path(ty: &str) -> Option<(Vec<String>, Vec<String>)> {
    let mut ty = ty.trim();
    while let Some(rest) = ty.strip_prefix('&') {
        ty = rest.trim_start();
        if ty.starts_with('\'') {
            ty = ty.split_once(' ')?.1;
        }
        ty = ty.strip_prefix("mut ").unwrap_or(ty);
    }
    if ty.starts_with(['[', '(', '{', '*']) || ty.starts_with("dyn ") || ty.starts_with("impl ") {
        return None;
    }
    let (path, args) = match ty.find('<') {
        Some(open) => {
            let close = open + closing(&ty[open..])?;
            let args = split_depth_zero(&ty[open + 1..close], ',')
                .into_iter()
                .filter(|arg| !arg.starts_with('\''))
                .map(str::to_owned)
                .collect();
            (&ty[..open], args)
        }
        None => (ty, Vec::new()),
    };
    let segments: Vec<String> = path
        .trim_end_matches("::")
        .split("::")
        .map(str::to_owned)
        .collect();
    Some((segments, args))
}

/// A path's segments, each with its generic arguments (lifetimes dropped):
/// `Wrapper::<std::fs::File>::go::<u8>` → `[(Wrapper, [std::fs::File]), (go, [u8])]`;
/// `agen<std::fs::File>` (as an async body names its fn) → `[(agen, [std::fs::File])]`.
pub(crate) fn segments_with_args(path: &str) -> Option<Vec<(String, Vec<String>)>> {
    let mut segments: Vec<(String, Vec<String>)> = Vec::new();
    let mut start = 0;
    let mut chars = with_depth(path).peekable();
    while let Some((at, c, before, _)) = chars.next() {
        if before != 0 {
            continue;
        }
        if c == '<' {
            let close = at + closing(&path[at..])?;
            let args = split_depth_zero(&path[at + 1..close], ',')
                .into_iter()
                .filter(|arg| !arg.starts_with('\''))
                .map(str::to_owned)
                .collect();
            let name = path[start..at].trim_end_matches("::").trim();
            if name.is_empty() {
                segments.last_mut()?.1 = args;
            } else {
                segments.push((name.to_owned(), args));
            }
            while chars.peek().is_some_and(|(next, ..)| *next <= close) {
                chars.next();
            }
            start = close + 1;
        } else if c == ':' && path[at..].starts_with("::") {
            let name = path[start..at].trim();
            if !name.is_empty() {
                segments.push((name.to_owned(), Vec::new()));
            }
            chars.next();
            start = at + 2;
        }
    }
    let name = path[start..].trim();
    if !name.is_empty() {
        segments.push((name.to_owned(), Vec::new()));
    }
    (!segments.is_empty()).then_some(segments)
}

/// `<SELF as TRAIT<ARGS>>::method::<METHOD_ARGS>`: the self type, the trait's arguments
/// and the method's.
pub(crate) fn qualified_args(callee: &str) -> Option<(String, Vec<String>, Vec<String>)> {
    let rest = callee.strip_prefix('<')?;
    let close = closing(callee)?;
    let (self_ty, trait_text) = split_as(&rest[..close - 1])?;
    let (_, trait_args) = type_path(trait_text)?;
    let method = segments_with_args(callee[close + 1..].strip_prefix("::")?)?;
    let [(_, method_args)] = method.as_slice() else {
        return None;
    };
    Some((self_ty.to_owned(), trait_args, method_args.clone()))
}

/// Type parameters named in `text` (as printed in MIR) replaced by types: `R` →
/// `std::fs::File` in `<R as std::io::Read>::read`. A name is replaced where it stands
/// for a type: not inside a closure's name or a string, not as a segment of a longer
/// path, not as a lifetime. Anonymous parameters (`impl Read`) are replaced where the
/// whole text of one stands.
pub(crate) fn substitute(text: &str, env: &[(String, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    each_name(text, |piece| match piece {
        Piece::Verbatim(verbatim) | Piece::First(verbatim) => out.push_str(verbatim),
        Piece::Name(name) => match env.iter().find(|(param, _)| param == name) {
            Some((_, ty)) => out.push_str(ty),
            None => out.push_str(name),
        },
    });
    out
}

/// A type printed in one crate's MIR as another crate's MIR prints it: the paths of the
/// first crate's own items, which it prints without a crate name (`generics::Wrapper`,
/// `Config`), get it (`precise_fixture::generics::Wrapper`). A path is another crate's
/// when it starts with a name `extern` says is a crate.
pub(crate) fn qualify(text: &str, krate: &str, extern_crate: impl Fn(&str) -> bool) -> String {
    const NOT_PATHS: &[&str] = &[
        "fn", "dyn", "impl", "mut", "const", "as", "unsafe", "extern", "for", "Self", "bool",
        "char", "str", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64",
        "i128", "isize", "f16", "f32", "f64", "f128",
    ];
    let mut out = String::with_capacity(text.len());
    each_name(text, |piece| match piece {
        Piece::Verbatim(verbatim) => out.push_str(verbatim),
        Piece::Name(name) | Piece::First(name) => {
            let local =
                !NOT_PATHS.contains(&name) && !extern_crate(name) && !name.starts_with("impl ");
            if local {
                out.push_str(krate);
                out.push_str("::");
            }
            out.push_str(name);
        }
    });
    out
}

/// Whether `text` names any of `params` where a type stands (as [`substitute`] finds
/// them).
pub(crate) fn mentions(text: &str, params: &[String]) -> bool {
    let mut found = false;
    each_name(text, |piece| {
        if let Piece::Name(name) = piece {
            found |= params.iter().any(|param| param == name);
        }
    });
    found
}

enum Piece<'a> {
    Verbatim(&'a str),
    /// An identifier standing alone, or an anonymous parameter's whole text.
    Name(&'a str),
    /// The first segment of a longer path: `generics` in `generics::Wrapper`.
    First(&'a str),
}

/// The fn a call through `Fn`, `FnMut` or `FnOnce` runs when the callee's type is a fn
/// item: `<fn() -> usize {helper} as std::ops::FnOnce<()>>::call_once` → `helper` (as
/// printed, generic arguments kept). `None` for closures and fn pointers.
pub(crate) fn fn_item_called(callee: &str) -> Option<String> {
    let ty = fn_trait_self(callee)?;
    if !(ty.starts_with("fn(") || ty.starts_with("unsafe fn(")) {
        return None;
    }
    let inner = ty.strip_suffix('}')?;
    let open = with_depth(inner)
        .filter(|(_, c, before, _)| *c == '{' && *before == 0)
        .last()?
        .0;
    Some(inner[open + 1..].to_owned())
}

/// The closure a call through `Fn`, `FnMut` or `FnOnce` runs:
/// `<&mut {closure@src/lib.rs:3:9: 3:11} as std::ops::FnMut<()>>::call_mut` →
/// `{closure@src/lib.rs:3:9: 3:11}`.
pub(crate) fn closure_called(callee: &str) -> Option<String> {
    closure_type(fn_trait_self(callee)?).map(str::to_owned)
}

/// The type whose `Fn`, `FnMut` or `FnOnce` method a call is, behind references.
fn fn_trait_self(callee: &str) -> Option<&str> {
    let rest = callee.strip_prefix('<')?;
    let close = closing(callee)?;
    let (self_ty, trait_text) = split_as(&rest[..close - 1])?;
    let trait_path = strip_generics(trait_text).join("::");
    let method = callee[close + 1..].strip_prefix("::")?;
    let known = matches!(
        (trait_path.as_str(), method),
        ("std::ops::Fn", "call")
            | ("std::ops::FnMut", "call_mut")
            | ("std::ops::FnOnce", "call_once")
    );
    known.then(|| behind_references(self_ty))
}

/// How an async fn's future type starts: `{async fn body of f<R>()}`.
const ASYNC_BODY: &str = "{async fn body of ";

/// `text` cut into the names that may be type parameters and the rest.
fn each_name<'a>(text: &'a str, mut piece: impl FnMut(Piece<'a>)) {
    let bytes = text.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut at = 0;
    let mut verbatim = 0;
    while at < text.len() {
        let rest = &text[at..];
        let skip = if rest.starts_with(ASYNC_BODY) {
            ASYNC_BODY.len()
        } else if rest.starts_with("{closure@") {
            closing(rest).map_or(rest.len(), |end| end + 1)
        } else if let Some(string) = rest.strip_prefix('"') {
            let mut end = 1;
            let mut escaped = false;
            for (offset, c) in string.char_indices() {
                end = offset + 1 + c.len_utf8();
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => break,
                    _ => escaped = false,
                }
            }
            end
        } else {
            0
        };
        if skip > 0 {
            at += skip;
            continue;
        }
        let starts_word = at == 0 || !ident(bytes[at - 1]) && bytes[at - 1] != b'\'';
        if starts_word && rest.starts_with("impl ") {
            // An anonymous parameter: its text runs to the end of its type.
            let end = with_depth(rest)
                .find(|(offset, c, before, _)| {
                    let arrow = *c == '>' && rest[..*offset].ends_with(['-', '=']);
                    *before == 0
                        && !arrow
                        && (matches!(c, ',' | ')' | ']' | '>' | '}' | ';')
                            || rest[*offset..].starts_with(" as "))
                })
                .map_or(rest.len(), |(offset, ..)| offset);
            piece(Piece::Verbatim(&text[verbatim..at]));
            piece(Piece::Name(&rest[..end]));
            at += end;
            verbatim = at;
            continue;
        }
        if starts_word && ident(bytes[at]) && !bytes[at].is_ascii_digit() {
            let len = rest.bytes().take_while(|b| ident(*b)).count();
            if !text[..at].ends_with("::") {
                piece(Piece::Verbatim(&text[verbatim..at]));
                if rest[len..].starts_with("::") {
                    piece(Piece::First(&rest[..len]));
                } else {
                    piece(Piece::Name(&rest[..len]));
                }
                verbatim = at + len;
            }
            at += len;
            continue;
        }
        at += rest.chars().next().map_or(1, char::len_utf8);
    }
    piece(Piece::Verbatim(&text[verbatim..]));
}

/// Matches a type as written in an impl's header (`Wrapper<T>`, `&'a mut IoRead<R>`)
/// against a type as printed (`Wrapper<std::fs::File>`), binding `params` in `env`.
/// `false` when they do not match or a parameter cannot be bound exactly; a part of the
/// pattern that names no parameter binds nothing and is not compared further.
pub(crate) fn unify(
    pattern: &syn::Type,
    printed: &str,
    params: &[String],
    env: &mut Vec<(String, String)>,
) -> bool {
    let printed = printed.trim();
    let names_params = || {
        let written = pattern.to_token_stream().to_string();
        params.iter().any(|param| {
            written
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|word| word == param)
        })
    };
    match pattern {
        syn::Type::Paren(inner) => unify(&inner.elem, printed, params, env),
        syn::Type::Group(inner) => unify(&inner.elem, printed, params, env),
        syn::Type::Reference(reference) => {
            let Some(mut rest) = printed.strip_prefix('&') else {
                return false;
            };
            rest = rest.trim_start();
            if rest.starts_with('\'') {
                let Some((_, after)) = rest.split_once(' ') else {
                    return false;
                };
                rest = after;
            }
            match (reference.mutability.is_some(), rest.strip_prefix("mut ")) {
                (true, Some(inner)) => unify(&reference.elem, inner, params, env),
                (false, None) => unify(&reference.elem, rest, params, env),
                _ => false,
            }
        }
        syn::Type::Path(path) if path.qself.is_none() => {
            if let Some(ident) = path.path.get_ident() {
                let name = ident.to_string();
                if params.contains(&name) {
                    if let Some((_, bound)) = env.iter().find(|(param, _)| *param == name) {
                        return bound == printed;
                    }
                    env.push((name, printed.to_owned()));
                    return true;
                }
            }
            if !names_params() {
                return true;
            }
            let (Some(last), Some((segments, args))) =
                (path.path.segments.last(), type_path(printed))
            else {
                return false;
            };
            if segments.last().is_none_or(|name| last.ident != name) {
                return false;
            }
            let written: Vec<&syn::Type> = match &last.arguments {
                syn::PathArguments::AngleBracketed(bracketed) => bracketed
                    .args
                    .iter()
                    .filter_map(|arg| match arg {
                        syn::GenericArgument::Type(ty) => Some(ty),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let all_types = match &last.arguments {
                syn::PathArguments::AngleBracketed(bracketed) => bracketed.args.iter().all(|arg| {
                    matches!(
                        arg,
                        syn::GenericArgument::Type(_) | syn::GenericArgument::Lifetime(_)
                    )
                }),
                syn::PathArguments::None => true,
                syn::PathArguments::Parenthesized(_) => false,
            };
            all_types
                && written.len() == args.len()
                && written
                    .iter()
                    .zip(&args)
                    .all(|(written, printed)| unify(written, printed, params, env))
        }
        syn::Type::Slice(slice) => match printed
            .strip_prefix('[')
            .and_then(|inner| inner.strip_suffix(']'))
        {
            Some(inner) => unify(&slice.elem, inner, params, env),
            None => false,
        },
        _ => !names_params(),
    }
}

#[cfg(test)]
mod tests {
    use super::{
        fn_item_called, mentions, qualified_args, qualify, segments_with_args, strip_generics,
        substitute, type_path, unify, Callee,
    };

    #[test]
    fn callees_lose_their_generic_arguments() {
        assert_eq!(
            Callee::parse("std::sync::Mutex::<u32>::lock"),
            Some(Callee::Path(vec![
                "std".into(),
                "sync".into(),
                "Mutex".into(),
                "lock".into()
            ]))
        );
        assert_eq!(
            Callee::parse("<glob::Paths as std::iter::Iterator>::count"),
            Some(Callee::Qualified {
                self_ty: "glob::Paths".into(),
                trait_path: vec!["std".into(), "iter".into(), "Iterator".into()],
                method: "count".into(),
            })
        );
        let Some(Callee::Qualified {
            self_ty,
            trait_path,
            ..
        }) = Callee::parse("<{closure@src/lib.rs:81:15: 81:17} as std::ops::Fn<()>>::call")
        else {
            panic!()
        };
        assert_eq!(self_ty, "{closure@src/lib.rs:81:15: 81:17}");
        assert_eq!(trait_path.join("::"), "std::ops::Fn");
        assert_eq!(
            strip_generics("std::result::Result::<std::vec::Vec<u8>, E>::map::<usize, F>"),
            ["std", "result", "Result", "map"]
        );
    }

    #[test]
    fn types_split_into_path_and_arguments() {
        let (path, args) = type_path("&mut std::io::BufReader<std::fs::File>").unwrap();
        assert_eq!(path.join("::"), "std::io::BufReader");
        assert_eq!(args, ["std::fs::File"]);
        let (path, args) = type_path("std::sync::MutexGuard<'_, u32>").unwrap();
        assert_eq!(path.join("::"), "std::sync::MutexGuard");
        assert_eq!(args, ["u32"]);
        assert_eq!(type_path("&[u8]"), None);
    }

    #[test]
    fn generic_arguments_by_segment() {
        let segments = segments_with_args("Wrapper::<std::fs::File>::go::<u8>").unwrap();
        assert_eq!(
            segments,
            [
                ("Wrapper".to_owned(), vec!["std::fs::File".to_owned()]),
                ("go".to_owned(), vec!["u8".to_owned()])
            ]
        );
        let segments = segments_with_args("count2::<u8, std::io::BufReader<&[u8]>>").unwrap();
        assert_eq!(segments[0].1, ["u8", "std::io::BufReader<&[u8]>"]);
        let segments = segments_with_args("serde_json::from_reader::<std::fs::File, T>").unwrap();
        assert_eq!(segments.len(), 2);
        assert_eq!(segments[1].1, ["std::fs::File", "T"]);
        assert_eq!(
            segments_with_args("agen<std::fs::File>").unwrap(),
            [("agen".to_owned(), vec!["std::fs::File".to_owned()])]
        );
        assert_eq!(
            segments_with_args("run::<fn() -> usize {helper}>").unwrap()[0].1,
            ["fn() -> usize {helper}"]
        );
        let (self_ty, trait_args, method_args) =
            qualified_args("<Wrapper<std::fs::File> as Load<u8>>::load::<'_, i32>").unwrap();
        assert_eq!(self_ty, "Wrapper<std::fs::File>");
        assert_eq!(trait_args, ["u8"]);
        assert_eq!(method_args, ["i32"]);
    }

    #[test]
    fn type_parameters_are_replaced_where_they_stand_for_types() {
        let env = vec![
            ("R".to_owned(), "std::fs::File".to_owned()),
            (
                "impl FnOnce() -> usize".to_owned(),
                "{closure@src/lib.rs:3:9: 3:11}".to_owned(),
            ),
        ];
        assert_eq!(
            substitute("<R as std::io::Read>::read", &env),
            "<std::fs::File as std::io::Read>::read"
        );
        assert_eq!(
            substitute("count::<&mut R>", &env),
            "count::<&mut std::fs::File>"
        );
        // A segment, a lifetime, a string and a closure's file are not parameters.
        assert_eq!(substitute("R::new", &env), "R::new");
        assert_eq!(substitute("a::R::new", &env), "a::R::new");
        assert_eq!(substitute("&'R u8", &env), "&'R u8");
        assert_eq!(substitute("const \"R\"", &env), "const \"R\"");
        assert_eq!(
            substitute("{closure@src/R.rs:1:1: 1:2}", &env),
            "{closure@src/R.rs:1:1: 1:2}"
        );
        assert_eq!(substitute("Error", &env), "Error");
        assert_eq!(
            substitute(
                "<impl FnOnce() -> usize as std::ops::FnOnce<()>>::call_once",
                &env
            ),
            "<{closure@src/lib.rs:3:9: 3:11} as std::ops::FnOnce<()>>::call_once"
        );
        // Another anonymous parameter is not this one.
        assert_eq!(
            substitute(
                "<impl FnOnce() -> usize + Send as std::ops::FnOnce<()>>::call_once",
                &env
            ),
            "<impl FnOnce() -> usize + Send as std::ops::FnOnce<()>>::call_once"
        );
        assert!(mentions("std::vec::Vec<T>", &["T".to_owned()]));
        assert!(!mentions("<Self as Load>::load", &[]));
        assert!(!mentions("std::vec::Vec<u8>", &["T".to_owned()]));
    }

    #[test]
    fn fn_items_called_through_the_fn_traits() {
        assert_eq!(
            fn_item_called("<fn() -> usize {helper} as std::ops::FnOnce<()>>::call_once")
                .as_deref(),
            Some("helper")
        );
        assert_eq!(
            fn_item_called(
                "<&fn(&str) -> std::io::Result<String> {std::fs::read_to_string::<&str>} as \
                 std::ops::Fn<(&str,)>>::call"
            )
            .as_deref(),
            Some("std::fs::read_to_string::<&str>")
        );
        // Closures and fn pointers name no fn.
        assert_eq!(
            fn_item_called("<{closure@src/lib.rs:1:2: 1:4} as std::ops::FnOnce<()>>::call_once"),
            None
        );
        assert_eq!(
            fn_item_called("<fn() -> usize as std::ops::FnOnce<()>>::call_once"),
            None
        );
        assert_eq!(
            fn_item_called("<fn() -> usize {helper} as Other>::call_once"),
            None
        );
    }

    #[test]
    fn types_printed_in_one_crate_are_qualified_for_another() {
        let known = |name: &str| ["std", "serde_json"].contains(&name);
        let qualify = |text: &str| qualify(text, "app", known);
        assert_eq!(
            qualify("generics::Wrapper<std::fs::File>"),
            "app::generics::Wrapper<std::fs::File>"
        );
        assert_eq!(qualify("&mut Config"), "&mut app::Config");
        assert_eq!(
            qualify("serde_json::Deserializer<read::IoRead<&[u8]>>"),
            "serde_json::Deserializer<app::read::IoRead<&[u8]>>"
        );
        assert_eq!(
            qualify("(u8, &'a str, [i32; 4])"),
            "(u8, &'a str, [i32; 4])"
        );
        assert_eq!(
            qualify("{closure@src/lib.rs:1:2: 1:4}"),
            "{closure@src/lib.rs:1:2: 1:4}"
        );
        assert_eq!(
            qualify("{async fn body of fetch<Config>()}"),
            "{async fn body of app::fetch<app::Config>()}"
        );
        assert_eq!(
            qualify("fn() -> usize {helper}"),
            "fn() -> usize {app::helper}"
        );
    }

    #[test]
    fn impl_self_types_bind_their_parameters() {
        let params = ["T".to_owned(), "R".to_owned()];
        let bind = |written: &str, printed: &str| {
            let pattern: syn::Type = syn::parse_str(written).unwrap();
            let mut env = Vec::new();
            unify(&pattern, printed, &params, &mut env).then_some(env)
        };
        assert_eq!(
            bind("Wrapper<T>", "Wrapper<std::fs::File>").unwrap(),
            [("T".to_owned(), "std::fs::File".to_owned())]
        );
        assert_eq!(
            bind(
                "&'a mut IoRead<R>",
                "&mut serde_json::read::IoRead<std::io::Cursor<std::vec::Vec<u8>>>"
            )
            .unwrap(),
            [(
                "R".to_owned(),
                "std::io::Cursor<std::vec::Vec<u8>>".to_owned()
            )]
        );
        assert_eq!(bind("Pair<T, T>", "Pair<u8, u16>"), None);
        assert_eq!(bind("Wrapper<T>", "Other<u8>"), None);
        assert_eq!(bind("&mut Wrapper<T>", "&Wrapper<u8>"), None);
        assert_eq!(bind("[T]", "[u8]").unwrap()[0].1, "u8");
        assert_eq!(bind("Plain", "Plain").unwrap(), []);
    }
}
