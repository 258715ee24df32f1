//! The statement marker `#[concurrent::barrier]`: where syn puts a statement's outer
//! attributes, and taking them off (the attribute removes the marker; the plan records
//! that the statement was marked).

use syn::{Attribute, Expr, Stmt};

/// Is this attribute the statement marker `#[concurrent::barrier]`?
#[must_use]
pub fn is_marker(attr: &Attribute) -> bool {
    let segments: Vec<String> = attr
        .path()
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    segments == ["concurrent", "barrier"]
}

/// The attributes of an expression, where outer attributes of a statement land.
pub fn expr_attrs_mut(expr: &mut Expr) -> Option<&mut Vec<Attribute>> {
    Some(match expr {
        Expr::Array(e) => &mut e.attrs,
        Expr::Assign(e) => &mut e.attrs,
        Expr::Async(e) => &mut e.attrs,
        Expr::Await(e) => &mut e.attrs,
        Expr::Binary(e) => &mut e.attrs,
        Expr::Block(e) => &mut e.attrs,
        Expr::Break(e) => &mut e.attrs,
        Expr::Call(e) => &mut e.attrs,
        Expr::Cast(e) => &mut e.attrs,
        Expr::Closure(e) => &mut e.attrs,
        Expr::Const(e) => &mut e.attrs,
        Expr::Continue(e) => &mut e.attrs,
        Expr::Field(e) => &mut e.attrs,
        Expr::ForLoop(e) => &mut e.attrs,
        Expr::Group(e) => &mut e.attrs,
        Expr::If(e) => &mut e.attrs,
        Expr::Index(e) => &mut e.attrs,
        Expr::Infer(e) => &mut e.attrs,
        Expr::Let(e) => &mut e.attrs,
        Expr::Lit(e) => &mut e.attrs,
        Expr::Loop(e) => &mut e.attrs,
        Expr::Macro(e) => &mut e.attrs,
        Expr::Match(e) => &mut e.attrs,
        Expr::MethodCall(e) => &mut e.attrs,
        Expr::Paren(e) => &mut e.attrs,
        Expr::Path(e) => &mut e.attrs,
        Expr::Range(e) => &mut e.attrs,
        Expr::RawAddr(e) => &mut e.attrs,
        Expr::Reference(e) => &mut e.attrs,
        Expr::Repeat(e) => &mut e.attrs,
        Expr::Return(e) => &mut e.attrs,
        Expr::Struct(e) => &mut e.attrs,
        Expr::Try(e) => &mut e.attrs,
        Expr::TryBlock(e) => &mut e.attrs,
        Expr::Tuple(e) => &mut e.attrs,
        Expr::Unary(e) => &mut e.attrs,
        Expr::Unsafe(e) => &mut e.attrs,
        Expr::While(e) => &mut e.attrs,
        Expr::Yield(e) => &mut e.attrs,
        _ => return None,
    })
}

/// Removes markers from `attrs`; returns the removed ones.
pub fn take_markers(attrs: &mut Vec<Attribute>) -> Vec<Attribute> {
    let (markers, kept): (Vec<Attribute>, Vec<Attribute>) =
        std::mem::take(attrs).into_iter().partition(is_marker);
    *attrs = kept;
    markers
}

/// Removes the markers written before a statement, wherever syn put them.
pub fn take_statement_markers(stmt: &mut Stmt) -> Vec<Attribute> {
    match stmt {
        Stmt::Local(local) => take_markers(&mut local.attrs),
        Stmt::Macro(mac) => take_markers(&mut mac.attrs),
        Stmt::Expr(expr, _) => take_leading_markers(expr),
        Stmt::Item(_) => Vec::new(),
    }
}

/// syn keeps the outer attributes of an expression statement on the whole postfix
/// expression, but on the left operand of a binary one (`#[a] x += 1`).
fn take_leading_markers(expr: &mut Expr) -> Vec<Attribute> {
    let found = expr_attrs_mut(expr).map(take_markers).unwrap_or_default();
    if !found.is_empty() {
        return found;
    }
    match expr {
        Expr::Binary(binary) => take_leading_markers(&mut binary.left),
        Expr::Assign(assign) => take_leading_markers(&mut assign.left),
        Expr::Cast(cast) => take_leading_markers(&mut cast.expr),
        Expr::Range(range) => range
            .start
            .as_mut()
            .map(|start| take_leading_markers(start))
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Puts statement markers back (on the statement's own attributes) after a pass that
/// must not see them.
pub fn restore_statement_markers(stmt: &mut Stmt, markers: Vec<Attribute>) {
    let attrs = match stmt {
        Stmt::Local(local) => Some(&mut local.attrs),
        Stmt::Macro(mac) => Some(&mut mac.attrs),
        Stmt::Expr(expr, _) => expr_attrs_mut(expr),
        Stmt::Item(_) => None,
    };
    if let Some(attrs) = attrs {
        attrs.splice(0..0, markers);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_markers_are_found_where_syn_puts_them() {
        for source in [
            "#[concurrent::barrier] let b = fetch(2).await;",
            "#[concurrent::barrier] store.put(7).await;",
            "#[concurrent::barrier] a += f().await;",
            "#[concurrent::barrier] log!(x);",
        ] {
            let mut stmt: Stmt = syn::parse_str(source).expect("statement parses");
            let markers = take_statement_markers(&mut stmt);
            assert_eq!(markers.len(), 1, "{source}");
            restore_statement_markers(&mut stmt, markers);
            assert_eq!(take_statement_markers(&mut stmt).len(), 1, "{source}");
        }
    }
}
