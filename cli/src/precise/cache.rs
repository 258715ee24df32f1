//! Dependencies read once: the fns of a dependency's MIR (every header, and each body
//! a run needed), kept beside its `.mir` under the crate's identity, so a later run
//! reads only the MIR of the packages asked for.
//!
//! The identity is the crate's name, version and features (as cargo gave them to
//! rustc), the rustc that wrote the MIR (`rustc -vV`), the file cargo named for them
//! (its name carries cargo's hash of the package, its features, profile and
//! dependencies), the MIR file's length and modification time, and this reader's own
//! version. A cache whose identity differs in any part, or that does not parse, is not
//! used; a body the cache does not hold is read from the MIR.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::mir::{Body, Call, Kind, Saved, Span};

/// Bumped when what the cache holds, or how the MIR is read into it, changes.
const FORMAT: u32 = 4;

/// Where a crate's cache is: `deps/glob-HASH.mir` → `deps/glob-HASH.hygiene-cache`.
pub(crate) fn path(mir: &Path) -> PathBuf {
    mir.with_extension("hygiene-cache")
}

/// The identity a cache must carry to be used for `mir`; `None` when the MIR file
/// cannot be examined (nothing is then read from or written to a cache).
pub(crate) fn identity(mir: &Path, name: &str, package: &str, rustc: &str) -> Option<Value> {
    let metadata = std::fs::metadata(mir).ok()?;
    let modified = metadata
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some(json!({
        "format": FORMAT,
        "checker": env!("CARGO_PKG_VERSION"),
        "crate": name,
        "package": package,
        "rustc": rustc,
        "file": mir.file_name()?.to_str()?,
        "len": metadata.len(),
        "modified": [modified.as_secs(), modified.subsec_nanos()],
    }))
}

/// The headers of every fn, and the bodies read, when the cache's identity is
/// `identity` and it parses.
pub(crate) fn read(mir: &Path, identity: &Value) -> Option<(Vec<Body>, Vec<Option<Body>>)> {
    let text = std::fs::read_to_string(path(mir)).ok()?;
    let value: Value = serde_json::from_str(&text).ok()?;
    if value.get("identity")? != identity {
        return None;
    }
    let items = value.get("items")?.as_array()?;
    let mut headers = Vec::with_capacity(items.len());
    let mut bodies = Vec::with_capacity(items.len());
    for item in items {
        let [header, body] = item.as_array()?.as_slice() else {
            return None;
        };
        headers.push(body_from(header)?);
        bodies.push(if body.is_null() {
            None
        } else {
            Some(body_from(body)?)
        });
    }
    Some((headers, bodies))
}

/// Writes the cache, through a file renamed into place so that a reader never sees
/// half of it. A cache that cannot be written is only a slower next run.
pub(crate) fn write(mir: &Path, identity: &Value, headers: &[Body], bodies: &[Option<&Body>]) {
    let items: Vec<Value> = headers
        .iter()
        .zip(bodies)
        .map(|(header, body)| json!([body_to(header), body.map_or(Value::Null, body_to)]))
        .collect();
    let value = json!({ "identity": identity, "items": items });
    let path = path(mir);
    let partial = path.with_extension(format!("hygiene-cache.{}", std::process::id()));
    if std::fs::write(&partial, value.to_string()).is_ok()
        && std::fs::rename(&partial, &path).is_err()
    {
        let _ = std::fs::remove_file(&partial);
    }
}

fn span_to(span: Option<&Span>) -> Value {
    span.map_or(Value::Null, |span| {
        json!([
            span.file,
            span.line,
            span.column,
            span.end_line,
            span.end_column
        ])
    })
}

/// A value that is neither a span nor `null`.
struct Malformed;

/// `Ok(None)` for `null`.
fn span_from(value: &Value) -> Result<Option<Span>, Malformed> {
    if value.is_null() {
        return Ok(None);
    }
    let span = || {
        let [file, line, column, end_line, end_column] = value.as_array()?.as_slice() else {
            return None;
        };
        let number = |value: &Value| value.as_u64().and_then(|n| usize::try_from(n).ok());
        Some(Span {
            file: file.as_str()?.to_owned(),
            line: number(line)?,
            column: number(column)?,
            end_line: number(end_line)?,
            end_column: number(end_column)?,
        })
    };
    span().map(Some).ok_or(Malformed)
}

fn strings(value: &Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|item| item.as_str().map(str::to_owned))
        .collect()
}

fn body_to(body: &Body) -> Value {
    let kind = match &body.kind {
        Kind::Plain => json!("plain"),
        Kind::AsyncBody => json!("async"),
        Kind::Closure(closure) => json!({ "closure": closure }),
    };
    let calls: Vec<Value> = body
        .calls
        .iter()
        .map(|call| {
            json!([
                call.callee,
                call.args,
                span_to(call.span.as_ref()),
                call.makes_future
            ])
        })
        .collect();
    let saved: Vec<Value> = body
        .saved
        .iter()
        .map(|saved| {
            let binding = saved.binding.as_ref().map_or(Value::Null, |(name, span)| {
                json!([name, span_to(span.as_ref())])
            });
            json!([
                saved.variant,
                saved.field,
                saved.ty,
                binding,
                span_to(saved.assigned.as_ref())
            ])
        })
        .collect();
    let suspensions: Vec<Value> = body
        .suspensions
        .iter()
        .map(|(variant, span)| json!([variant, span_to(Some(span))]))
        .collect();
    json!({
        "name": body.name,
        "kind": kind,
        "first_param": body.first_param,
        "anonymous": body.anonymous,
        "span": span_to(body.span.as_ref()),
        "calls": calls,
        "closures": body.closures,
        "call_closures": body.call_closures,
        "polled": body.polled,
        "saved": saved,
        "suspensions": suspensions,
    })
}

fn body_from(value: &Value) -> Option<Body> {
    let number = |value: &Value| value.as_u64().and_then(|n| usize::try_from(n).ok());
    let kind = match value.get("kind")? {
        Value::String(kind) if kind == "plain" => Kind::Plain,
        Value::String(kind) if kind == "async" => Kind::AsyncBody,
        kind => Kind::Closure(kind.get("closure")?.as_str()?.to_owned()),
    };
    let first_param = match value.get("first_param")? {
        Value::Null => None,
        param => Some(param.as_str()?.to_owned()),
    };
    let calls = value
        .get("calls")?
        .as_array()?
        .iter()
        .map(|call| {
            let [callee, args, span, makes_future] = call.as_array()?.as_slice() else {
                return None;
            };
            Some(Call {
                callee: callee.as_str()?.to_owned(),
                args: args.as_str()?.to_owned(),
                span: span_from(span).ok()?,
                makes_future: makes_future.as_bool()?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let call_closures = value
        .get("call_closures")?
        .as_array()?
        .iter()
        .map(strings)
        .collect::<Option<Vec<_>>>()?;
    let saved = value
        .get("saved")?
        .as_array()?
        .iter()
        .map(|saved| {
            let [variant, field, ty, binding, assigned] = saved.as_array()?.as_slice() else {
                return None;
            };
            let binding = if binding.is_null() {
                None
            } else {
                let [name, span] = binding.as_array()?.as_slice() else {
                    return None;
                };
                Some((name.as_str()?.to_owned(), span_from(span).ok()?))
            };
            Some(Saved {
                variant: number(variant)?,
                field: number(field)?,
                ty: ty.as_str()?.to_owned(),
                binding,
                assigned: span_from(assigned).ok()?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let suspensions = value
        .get("suspensions")?
        .as_array()?
        .iter()
        .map(|suspension| {
            let [variant, span] = suspension.as_array()?.as_slice() else {
                return None;
            };
            Some((number(variant)?, span_from(span).ok()??))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Body {
        name: value.get("name")?.as_str()?.to_owned(),
        kind,
        first_param,
        anonymous: strings(value.get("anonymous")?)?,
        span: span_from(value.get("span")?).ok()?,
        calls,
        closures: strings(value.get("closures")?)?,
        call_closures,
        polled: strings(value.get("polled")?)?,
        saved,
        suspensions,
    })
}

#[cfg(test)]
mod tests {
    use super::{body_from, body_to};
    use crate::precise::mir;

    #[test]
    fn bodies_round_trip() {
        let mut bodies =
            mir::parse(include_str!("../../tests/fixtures/mir/precise_fixture.mir")).unwrap();
        bodies.extend(mir::parse(include_str!("../../tests/fixtures/mir/glob_next.mir")).unwrap());
        assert!(bodies.iter().any(|body| !body.saved.is_empty()));
        assert!(bodies
            .iter()
            .any(|body| matches!(body.kind, mir::Kind::Closure(_))));
        for body in &bodies {
            assert_eq!(body_from(&body_to(body)).as_ref(), Some(body));
        }
        assert_eq!(body_from(&serde_json::json!({ "name": "f" })), None);
    }
}
