//! What the syntax of an argument shows about its value, where that settles whether a
//! call blocks: an address literal resolves no name, a `Duration` is not a guard, a
//! buffer in memory does no I/O. Each test is conservative: a shape it does not know is
//! no evidence, and the call is judged as before.

use std::net::{IpAddr, SocketAddr};

use syn::{Expr, Lit, Type};

use super::catalogue::Origin;
use crate::syntax::{last_segment, peel};

/// `"127.0.0.1:8080"`, `"[::1]:80"`: a socket address written as a string literal.
fn is_address_text(text: &str) -> bool {
    text.parse::<SocketAddr>().is_ok()
}

/// The host part of a `format!` string (`"127.0.0.1:{port}"`, `"[::1]:{}"`) is an IP
/// literal, and the rest is only the port.
fn is_address_format(text: &str) -> bool {
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let Some((host, port)) = rest.split_once(']') else {
            return false;
        };
        let Some(port) = port.strip_prefix(':') else {
            return false;
        };
        (host, port)
    } else {
        let Some((host, port)) = text.rsplit_once(':') else {
            return false;
        };
        (host, port)
    };
    let port_is_placeholder =
        port.starts_with('{') && port.ends_with('}') && !port[1..].contains('{');
    host.parse::<IpAddr>().is_ok() && (port_is_placeholder || port.parse::<u16>().is_ok())
}

fn string_literal(expr: &Expr) -> Option<String> {
    match peel(expr) {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Str(text) => Some(text.value()),
            _ => None,
        },
        _ => None,
    }
}

/// An address whose host is a literal IP, in the shapes `ToSocketAddrs` takes:
/// `"1.1.1.1:53"`, `("1.1.1.1", 53)`, `("127.0.0.1", port)`, `format!("127.0.0.1:{port}")`
/// (and `&format!(..)`, `.as_str()`), and arrays or slices of address literals. Such an
/// address is parsed, never looked up: no DNS. A host name (`"localhost:80"`,
/// `("example.com", 443)`) is none of these.
pub(crate) fn is_literal_ip_address(expr: &Expr) -> bool {
    match peel(expr) {
        Expr::Lit(_) => string_literal(expr).is_some_and(|text| is_address_text(&text)),
        Expr::Tuple(tuple) if tuple.elems.len() == 2 => {
            string_literal(&tuple.elems[0]).is_some_and(|host| host.parse::<IpAddr>().is_ok())
        }
        Expr::Array(array) => {
            !array.elems.is_empty() && array.elems.iter().all(is_literal_ip_address)
        }
        // `&addresses[..]`
        Expr::Index(index) if matches!(&*index.index, Expr::Range(_)) => {
            is_literal_ip_address(&index.expr)
        }
        Expr::Macro(mac) if last_segment(&mac.mac.path) == "format" => {
            let first = mac.mac.tokens.clone().into_iter().next();
            match first {
                Some(proc_macro2::TokenTree::Literal(literal)) => {
                    let lit = Lit::new(literal);
                    matches!(&lit, Lit::Str(text) if is_address_format(&text.value()))
                }
                _ => false,
            }
        }
        Expr::MethodCall(call)
            if call.args.is_empty()
                && matches!(
                    call.method.to_string().as_str(),
                    "as_str" | "as_ref" | "to_string" | "to_owned"
                ) =>
        {
            is_literal_ip_address(&call.receiver)
        }
        _ => false,
    }
}

/// Whether `expr` names a local that `local` gives `origin`.
fn is_local_of(expr: &Expr, local: &dyn Fn(&str) -> Option<Origin>, origin: Origin) -> bool {
    matches!(peel(expr), Expr::Path(path)
        if path.path.get_ident().is_some_and(|name| local(&name.to_string()) == Some(origin)))
}

/// Methods that take a `Result`/`Option` to its value.
const UNWRAPS: &[&str] = &["unwrap", "expect", "unwrap_or", "unwrap_or_else"];

/// Whether the path names a socket address type (`SocketAddr`, `std::net::SocketAddrV4`).
fn is_address_type_name(name: &str) -> bool {
    matches!(name, "SocketAddr" | "SocketAddrV4" | "SocketAddrV6")
}

/// A socket address value, which `bind` takes as it is: a name `local` says is one, a
/// string literal parsed (`&"127.0.0.1:0".parse().unwrap()`, `.parse::<SocketAddr>()?`),
/// a `SocketAddr::new(..)`/`SocketAddr::from(..)`, or an `(ip, port)` tuple whose ip is
/// built from `Ipv4Addr`/`Ipv6Addr`/`IpAddr`.
pub(crate) fn is_address_value(expr: &Expr, local: &dyn Fn(&str) -> Option<Origin>) -> bool {
    match peel(expr) {
        Expr::Path(_) => is_local_of(expr, local, Origin::Address),
        Expr::Try(inner) => is_address_value(&inner.expr, local),
        Expr::MethodCall(call) if UNWRAPS.contains(&call.method.to_string().as_str()) => {
            is_address_value(&call.receiver, local)
        }
        // `"127.0.0.1:0".parse()` reaching `bind`: the only `FromStr` types `bind` takes
        // are the socket addresses (a `String` would not infer).
        Expr::MethodCall(call) if call.method == "parse" && call.args.is_empty() => {
            let typed = call.turbofish.as_ref().map(|turbofish| {
                turbofish.args.iter().any(|arg| {
                    matches!(arg, syn::GenericArgument::Type(Type::Path(ty))
                        if is_address_type_name(&last_segment(&ty.path)))
                })
            });
            typed.unwrap_or_else(|| string_literal(&call.receiver).is_some())
        }
        Expr::Call(call) => {
            let Expr::Path(func) = &*call.func else {
                return false;
            };
            let segments = &func.path.segments;
            segments.len() >= 2
                && is_address_type_name(&segments[segments.len() - 2].ident.to_string())
                && matches!(
                    last_segment(&func.path).as_str(),
                    "new" | "from" | "from_str"
                )
        }
        Expr::Tuple(tuple) if tuple.elems.len() == 2 => is_ip_value(&tuple.elems[0]),
        _ => false,
    }
}

/// `Ipv4Addr::LOCALHOST`, `Ipv4Addr::new(..)`, `IpAddr::V4(..)`, `IpAddr::from(..)`.
fn is_ip_value(expr: &Expr) -> bool {
    let path = match peel(expr) {
        Expr::Path(path) => &path.path,
        Expr::Call(call) => match &*call.func {
            Expr::Path(path) => &path.path,
            _ => return false,
        },
        _ => return false,
    };
    path.segments.len() >= 2
        && matches!(
            path.segments[path.segments.len() - 2]
                .ident
                .to_string()
                .as_str(),
            "Ipv4Addr" | "Ipv6Addr" | "IpAddr"
        )
}

/// A `Duration` written as one: `Duration::from_secs(1)`, `std::time::Duration::ZERO`,
/// `Duration::new(1, 0)`, or a number literal. No guard looks like this.
pub(crate) fn is_visibly_duration(expr: &Expr) -> bool {
    let path = match peel(expr) {
        Expr::Lit(_) | Expr::Closure(_) => return true,
        Expr::Path(path) => &path.path,
        Expr::Call(call) => match &*call.func {
            Expr::Path(path) => &path.path,
            _ => return false,
        },
        // `Duration::from_millis(10) * 2`
        Expr::Binary(binary) => return is_visibly_duration(&binary.left),
        _ => return false,
    };
    path.segments
        .iter()
        .rev()
        .skip(1)
        .any(|segment| segment.ident == "Duration")
}

/// An in-memory reader or writer for `std::io::copy`: `&mut &bytes[..]`,
/// `&mut bytes.as_slice()`, `&mut b"..".as_ref()`, a `Cursor`, `io::sink()`/`io::empty()`,
/// `&mut Vec::new()`, a decoder or encoder built over one of those
/// (`GzDecoder::new(&bytes[..])`), or a name `local` says is memory.
pub(crate) fn is_memory(expr: &Expr, local: &dyn Fn(&str) -> Option<Origin>) -> bool {
    match peel(expr) {
        Expr::Path(_) => is_local_of(expr, local, Origin::Memory),
        Expr::Index(index) => matches!(&*index.index, Expr::Range(_)),
        Expr::Lit(lit) => matches!(lit.lit, Lit::ByteStr(_)),
        Expr::Array(_) => true,
        Expr::Macro(mac) => last_segment(&mac.mac.path) == "vec",
        Expr::MethodCall(call) => match call.method.to_string().as_str() {
            // `Vec::as_slice`, `str::as_bytes`: slices, whatever the receiver.
            "as_slice" | "as_bytes" | "as_mut_slice" => true,
            "as_ref" | "as_mut" | "by_ref" | "unwrap" | "expect" => {
                is_memory(&call.receiver, local)
            }
            _ => false,
        },
        Expr::Call(call) => {
            let Expr::Path(func) = &*call.func else {
                return false;
            };
            let name = last_segment(&func.path);
            let segments = &func.path.segments;
            let owner = if segments.len() >= 2 {
                segments[segments.len() - 2].ident.to_string()
            } else {
                String::new()
            };
            match (owner.as_str(), name.as_str()) {
                ("Vec", "new" | "with_capacity" | "from") | ("Cursor", "new") => true,
                (_, "sink" | "empty") => call.args.is_empty(),
                // An encoder or decoder over memory: `GzDecoder::new(&bytes[..])`.
                (_, "new") if !call.args.is_empty() => is_memory(&call.args[0], local),
                _ => false,
            }
        }
        _ => false,
    }
}

/// A reader or writer [`is_memory`] accepts, or one its caller chooses: a parameter of
/// a generic reader or writer type ([`Origin::CallerChosen`]), or a decoder or encoder
/// built over one (`GzDecoder::new(reader)`).
pub(crate) fn is_memory_or_callers(expr: &Expr, local: &dyn Fn(&str) -> Option<Origin>) -> bool {
    if is_memory(expr, local) {
        return true;
    }
    match peel(expr) {
        Expr::Path(_) => is_local_of(expr, local, Origin::CallerChosen),
        Expr::MethodCall(call) if call.method == "by_ref" => {
            is_memory_or_callers(&call.receiver, local)
        }
        Expr::Call(call) => {
            matches!(&*call.func, Expr::Path(func) if last_segment(&func.path) == "new")
                && call
                    .args
                    .first()
                    .is_some_and(|inner| is_memory_or_callers(inner, local))
        }
        _ => false,
    }
}

/// Whether a parameter's type is a generic reader or writer: `impl Read`, `&mut impl
/// Write`, `&mut dyn BufRead`, `Box<dyn Read + Send>`, or one of the fn's type
/// parameters (`generics`) bounded by `Read`, `Write` or `BufRead`, inline or in its
/// `where` clause.
pub(crate) fn is_generic_io_type(ty: &Type, generics: &syn::Generics) -> bool {
    fn io_bound(bounds: &syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>) -> bool {
        bounds.iter().any(|bound| match bound {
            syn::TypeParamBound::Trait(bound) => matches!(
                last_segment(&bound.path).as_str(),
                "Read" | "Write" | "BufRead"
            ),
            _ => false,
        })
    }
    match crate::syntax::peel_type(ty) {
        Type::ImplTrait(implementing) => io_bound(&implementing.bounds),
        Type::TraitObject(object) => io_bound(&object.bounds),
        Type::Path(path) if path.qself.is_none() => {
            let Some(last) = path.path.segments.last() else {
                return false;
            };
            if path.path.segments.len() == 1 && last.ident == "Box" {
                return first_type_argument(last)
                    .is_some_and(|inner| is_generic_io_type(inner, generics));
            }
            let Some(name) = path.path.get_ident() else {
                return false;
            };
            let inline = generics
                .type_params()
                .any(|param| param.ident == *name && io_bound(&param.bounds));
            let in_where = generics.where_clause.iter().flat_map(|clause| &clause.predicates).any(|predicate| {
                matches!(predicate, syn::WherePredicate::Type(predicate)
                    if matches!(&predicate.bounded_ty, Type::Path(bounded) if bounded.path.is_ident(name))
                        && io_bound(&predicate.bounds))
            });
            inline || in_where
        }
        _ => false,
    }
}

/// The [`Origin`] a type gives a binding: `SocketAddr` and `(IpAddr, u16)` are
/// addresses, `Vec<u8>`/`Cursor<..>`/`&[u8]` memory, `RefCell<..>` (also inside `Rc`,
/// `&`) a cell. `Path`/`PathBuf` and `File` (also in a `BufReader`/`BufWriter`/
/// `LineWriter`) only when `is_std` says the written path resolves to std's
/// (`std::path::Path`, `std::fs::File`: `tokio::fs::File` is not).
pub(crate) fn type_origin(
    ty: &Type,
    is_std: &dyn Fn(&syn::Path, &[&str]) -> bool,
) -> Option<Origin> {
    match ty {
        Type::Reference(reference) => match &*reference.elem {
            Type::Slice(slice) if is_u8(&slice.elem) => Some(Origin::Memory),
            elem => type_origin(elem, is_std),
        },
        Type::Paren(inner) => type_origin(&inner.elem, is_std),
        Type::Group(inner) => type_origin(&inner.elem, is_std),
        Type::Tuple(tuple) if tuple.elems.len() == 2 => {
            let Type::Path(ip) = &tuple.elems[0] else {
                return None;
            };
            matches!(
                last_segment(&ip.path).as_str(),
                "IpAddr" | "Ipv4Addr" | "Ipv6Addr"
            )
            .then_some(Origin::Address)
        }
        Type::Path(ty) if ty.qself.is_none() => {
            let last = ty.path.segments.last()?;
            let name = last.ident.to_string();
            match name.as_str() {
                _ if is_address_type_name(&name) => Some(Origin::Address),
                "RefCell" => Some(Origin::RefCell),
                "Cursor" => Some(Origin::Memory),
                "Vec" if first_type_argument(last).is_some_and(is_u8) => Some(Origin::Memory),
                "Path" if is_std(&ty.path, &["std", "path", "Path"]) => Some(Origin::Path),
                "PathBuf" if is_std(&ty.path, &["std", "path", "PathBuf"]) => Some(Origin::Path),
                "File" if is_std(&ty.path, &["std", "fs", "File"]) => Some(Origin::File),
                // `BufWriter<File>`: its reads and writes reach the file.
                "BufReader" | "BufWriter" | "LineWriter" => first_type_argument(last)
                    .and_then(|inner| type_origin(inner, is_std))
                    .filter(|origin| *origin == Origin::File),
                // `Rc<RefCell<T>>`, `Box<Path>`: the pointer derefs to the cell.
                "Rc" | "Arc" | "Box" => first_type_argument(last)
                    .and_then(|inner| type_origin(inner, is_std))
                    .filter(|origin| matches!(origin, Origin::RefCell | Origin::Path)),
                _ => None,
            }
        }
        _ => None,
    }
}

fn first_type_argument(segment: &syn::PathSegment) -> Option<&Type> {
    let syn::PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        syn::GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

fn is_u8(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.path.is_ident("u8"))
}
