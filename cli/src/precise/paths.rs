//! Paths and types as rustc prints them in MIR: a callee split into its parts with the
//! generic arguments dropped, a type into its path and arguments.

use super::mir::{find_depth_zero, matching as closing, split_depth_zero};

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

#[cfg(test)]
mod tests {
    use super::{strip_generics, type_path, Callee};

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
}
