//! A file's text skimmed before it is lexed: what no rule reads is blanked out, and every
//! other token keeps its line and column, so every report is the same. Two texts come
//! out: doc comments replaced byte for byte by spaces (newlines kept: the same byte
//! offsets; spans index it, deferred bodies are read from it), and the text to lex,
//! where what is blanked is dropped but for its newlines and what keeps the columns of
//! the rest of its last line ([`Skimmed::for_lexing`]).
//!
//! - **Doc comments.** They are a third of tokio's source, and each one costs: the
//!   lexer turns `/// text` into `#[doc = "text"]` (an escaped, allocated string
//!   literal), syn parses that attribute and frees it again.
//! - **Self-contained sync fn bodies** (no `async` and no `fn` inside, no inner
//!   attribute, ASCII text): most sync fns are never reached from async code, and then
//!   nothing in their bodies can show in a report (see [`crate::deferred`]). The parser
//!   sees `fn f() {   }`; the body's text is parsed only when the call graph reaches
//!   the fn.
//! - **The rules of `macro_rules!` definitions** outside fn bodies: the checker reads
//!   no macro definition (only the input of macros called in item position).
//!
//! ```text
//! /// Reads the config.            →  (an empty line)
//! fn load() -> Config {            →  fn load() -> Config {
//!     parse(read(PATH))            →  (an empty line)
//! }                                →  }
//! ```
//!
//! Finding comments and bodies needs a lexer's view of strings (`"//"` is not a
//! comment, `"}"` no brace), raw strings (`r#"…"#`), byte and C strings, char literals
//! (`'"'`, `'{'`) as opposed to lifetimes (`'a`), and nested block comments. A text this
//! scan cannot follow (an unterminated string or comment) is left as it is: the parser
//! then reports it as before.

use std::ops::Range;

/// A file's text with what no rule reads blanked out.
#[derive(Debug, Default)]
pub(crate) struct Skimmed {
    /// The text without its doc comments, when it has any: the same bytes, lines and
    /// columns otherwise (what spans index, and what a deferred body is read from).
    pub(crate) without_docs: Option<String>,
    /// The text to lex, when anything was blanked: without its doc comments,
    /// self-contained sync fn bodies and `macro_rules!` definitions (their delimiters
    /// kept), and shorter: a blanked line keeps only its newline, the last line of a
    /// blanked range as many spaces as it had chars (what follows on it keeps its
    /// column), and a range that ends a line leaves nothing. Every token left keeps its
    /// line and column, but not its byte offset: spans' byte offsets are taken from
    /// lines and columns ([`crate::diagnostic::with_lines`]). The lexer then does not
    /// walk the blanked text a char at a time.
    pub(crate) for_lexing: Option<String>,
    /// The byte offset of the `{` of each blanked body, in order (and of the opening
    /// delimiter of each blanked `macro_rules!` definition).
    pub(crate) bodies: Vec<usize>,
}

/// What a scan found: the doc comments, and the insides of the blanked bodies.
struct Scan {
    docs: Vec<Range<usize>>,
    bodies: Vec<Range<usize>>,
}

impl Scan {
    /// The inside of each body: its delimiters stay.
    fn insides(&self) -> Vec<Range<usize>> {
        self.bodies
            .iter()
            .map(|body| body.start + 1..body.end - 1)
            .collect()
    }
}

/// Skims `text`: `None` when it cannot be scanned (then it is parsed as it is).
///
/// A block doc comment with non-ASCII text is kept: spaces in place of its multi-byte
/// characters would move the columns (counted in characters) of the tokens after it on
/// its last line. A line comment runs to the end of its line, so nothing after it moves.
pub(crate) fn skim(text: &str) -> Option<Skimmed> {
    let scan = scan(text)?;
    let without_docs = (!scan.docs.is_empty()).then(|| blank(text.as_bytes().to_vec(), &scan.docs));
    let mut removed: Vec<Range<usize>> = scan.docs.iter().cloned().chain(scan.insides()).collect();
    removed.sort_by_key(|range| range.start);
    let for_lexing = (!removed.is_empty()).then(|| shorten(text, &removed));
    Some(Skimmed {
        without_docs,
        for_lexing,
        bodies: scan.bodies.iter().map(|body| body.start).collect(),
    })
}

fn scan(text: &str) -> Option<Scan> {
    let mut docs = Vec::new();
    let mut bodies = BodyFinder::default();
    let mut pieces = Pieces {
        text,
        at: shebang_end(text),
        unterminated: false,
    };
    for (piece, range) in pieces.by_ref() {
        match piece {
            Piece::Comment { doc: true }
                if text[range.clone()].is_ascii() || text.as_bytes()[range.start + 1] == b'/' =>
            {
                docs.push(range);
            }
            Piece::Comment { .. } => {}
            _ => bodies.piece(piece, range, text),
        }
    }
    if pieces.unterminated {
        return None;
    }
    Some(Scan {
        docs,
        bodies: bodies.found,
    })
}

/// `bytes` with each range's bytes but newlines replaced by spaces. Only whole comments
/// and ASCII bodies are replaced (line comments end at a newline, so a multi-byte
/// character is replaced whole): the text is still UTF-8.
fn blank(mut bytes: Vec<u8>, ranges: &[Range<usize>]) -> String {
    for range in ranges {
        for byte in &mut bytes[range.clone()] {
            if !matches!(byte, b'\n' | b'\r') {
                *byte = b' ';
            }
        }
    }
    String::from_utf8(bytes).unwrap_or_default()
}

/// `text` without the `removed` ranges (in order; one inside another counts once), each
/// leaving its newlines and, on its last line, as many spaces as it had chars there,
/// unless it ends the line. See [`Skimmed::for_lexing`].
fn shorten(text: &str, removed: &[Range<usize>]) -> String {
    let mut out = String::with_capacity(text.len() / 2);
    let mut at = 0;
    for range in removed {
        if range.start < at {
            continue;
        }
        out.push_str(&text[at..range.start]);
        let removed = &text[range.clone()];
        let last_line = match removed.rfind('\n') {
            Some(newline) => {
                let newlines = removed.bytes().filter(|&byte| byte == b'\n').count();
                out.extend(std::iter::repeat_n('\n', newlines));
                &removed[newline + 1..]
            }
            None => removed,
        };
        let rest = &text[range.end..];
        if !(rest.is_empty() || rest.starts_with('\n') || rest.starts_with("\r\n")) {
            out.extend(std::iter::repeat_n(' ', last_line.chars().count()));
        }
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

/// What the scan tells apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Piece {
    Comment {
        doc: bool,
    },
    /// A string, raw string, byte string or char literal.
    Literal,
    /// `'a`, `'static`, a label.
    Lifetime,
    /// An identifier, keyword or number.
    Ident,
    Punct(u8),
}

/// The pieces of a text, whitespace skipped.
struct Pieces<'t> {
    text: &'t str,
    at: usize,
    /// The scan stopped at an unterminated string or comment.
    unterminated: bool,
}

impl Iterator for Pieces<'_> {
    type Item = (Piece, Range<usize>);

    fn next(&mut self) -> Option<(Piece, Range<usize>)> {
        let (text, bytes) = (self.text, self.text.as_bytes());
        let start = self.at
            + bytes[self.at..]
                .iter()
                .take_while(|byte| byte.is_ascii_whitespace())
                .count();
        let &first = bytes.get(start)?;
        let piece = match first {
            b'/' if bytes.get(start + 1) == Some(&b'/') => {
                let third = bytes.get(start + 2).copied();
                let doc = third == Some(b'!')
                    || (third == Some(b'/') && bytes.get(start + 3) != Some(&b'/'));
                Some((Piece::Comment { doc }, memchr_newline(bytes, start)))
            }
            b'/' if bytes.get(start + 1) == Some(&b'*') => {
                let third = bytes.get(start + 2).copied();
                let fourth = bytes.get(start + 3).copied();
                // `/**/` and `/***…` are plain comments.
                let doc = third == Some(b'!')
                    || (third == Some(b'*') && !matches!(fourth, Some(b'*' | b'/')));
                block_comment_end(bytes, start).map(|end| (Piece::Comment { doc }, end))
            }
            b'"' => string_end(bytes, start + 1).map(|end| (Piece::Literal, end)),
            b'\'' => quote_end(text, start),
            byte if is_ident_byte(byte) => {
                let end = ident_end(bytes, start);
                match &text[start..end] {
                    "r" | "br" | "cr" => raw_string_end(bytes, end).map(|after| {
                        if after == end {
                            raw_ident_end(bytes, end)
                        } else {
                            (Piece::Literal, after)
                        }
                    }),
                    _ => Some((Piece::Ident, end)),
                }
            }
            byte => Some((Piece::Punct(byte), start + 1)),
        };
        let Some((piece, end)) = piece else {
            self.unterminated = true;
            self.at = bytes.len();
            return None;
        };
        self.at = end;
        Some((piece, start..end))
    }
}

/// After an `r` ending at `from`: `r#name` is one identifier (not the keyword `name`).
fn raw_ident_end(bytes: &[u8], from: usize) -> (Piece, usize) {
    if bytes.get(from) == Some(&b'#')
        && bytes.get(from + 1).is_some_and(|&byte| is_ident_byte(byte))
    {
        (Piece::Ident, ident_end(bytes, from + 1))
    } else {
        (Piece::Ident, from)
    }
}

/// Finds the self-contained bodies of sync fns outside fn bodies (a fn item inside a
/// body is looked at with that body).
#[derive(Default)]
struct BodyFinder {
    /// Open delimiters.
    depth: usize,
    /// `async`, then only `unsafe`, `safe`, `extern` or an ABI string so far.
    async_run: bool,
    /// Just after `fn`: whether it was async. The next piece must be the fn's name
    /// (`fn(u8)` is a type).
    after_fn: Option<bool>,
    header: Option<Header>,
    body: Option<OpenBody>,
    /// How much of `macro_rules! name` was just seen (0 to 3).
    macro_rules: u8,
    /// The previous piece outside bodies: `->` is no closing angle bracket.
    previous: Option<(Piece, usize)>,
    found: Vec<Range<usize>>,
}

/// A fn's signature being read: its body is the first `{` at its level outside angle
/// brackets (`-> Foo<{ N }>` is a const argument), unless a `;` ends it first.
struct Header {
    depth: usize,
    is_async: bool,
    angles: usize,
}

struct OpenBody {
    /// The depth inside its braces.
    depth: usize,
    start: usize,
    kind: BodyKind,
    /// No `async` or `fn` seen inside, and no inner attribute.
    contained: bool,
    first: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    SyncFn,
    /// Kept: its body is read with its file.
    AsyncFn,
    /// The rules of a `macro_rules!` definition outside fn bodies: no rule reads them,
    /// whatever is inside.
    MacroRules,
}

impl BodyFinder {
    fn piece(&mut self, piece: Piece, range: Range<usize>, text: &str) {
        if self.body.is_some() {
            self.in_body(piece, range, text);
            return;
        }
        let previous = self.previous.replace((piece, range.end));
        // `macro_rules! name { .. }`
        let word = (piece == Piece::Ident).then(|| &text[range.clone()]);
        self.macro_rules = match (self.macro_rules, piece, word) {
            (_, _, Some("macro_rules")) => 1,
            (1, Piece::Punct(b'!'), _) => 2,
            (2, Piece::Ident, _) => 3,
            (3, Piece::Punct(b'(' | b'[' | b'{'), _) => {
                self.depth += 1;
                self.body = Some(OpenBody {
                    depth: self.depth,
                    start: range.start,
                    kind: BodyKind::MacroRules,
                    contained: true,
                    first: true,
                });
                self.macro_rules = 0;
                return;
            }
            _ => 0,
        };
        if let Some(is_async) = self.after_fn.take() {
            if piece == Piece::Ident {
                self.header = Some(Header {
                    depth: self.depth,
                    is_async,
                    angles: 0,
                });
                return;
            }
        }
        if word == Some("fn") {
            self.after_fn = Some(std::mem::take(&mut self.async_run));
            return;
        }
        self.async_run = match word {
            Some("async") => true,
            Some("unsafe" | "safe" | "extern") => self.async_run,
            None if piece == Piece::Literal => self.async_run,
            _ => false,
        };
        let at_header = self
            .header
            .as_ref()
            .is_some_and(|header| header.depth == self.depth);
        match piece {
            Piece::Punct(b'{')
                if at_header
                    && self
                        .header
                        .as_ref()
                        .is_some_and(|header| header.angles == 0) =>
            {
                let header = self.header.take();
                self.depth += 1;
                self.body = Some(OpenBody {
                    depth: self.depth,
                    start: range.start,
                    kind: if header.is_some_and(|header| header.is_async) {
                        BodyKind::AsyncFn
                    } else {
                        BodyKind::SyncFn
                    },
                    contained: true,
                    first: true,
                });
            }
            Piece::Punct(b'(' | b'[' | b'{') => self.depth += 1,
            Piece::Punct(b')' | b']' | b'}') => {
                self.depth = self.depth.saturating_sub(1);
                if self
                    .header
                    .as_ref()
                    .is_some_and(|header| header.depth > self.depth)
                {
                    self.header = None;
                }
            }
            Piece::Punct(b';') if at_header => self.header = None,
            Piece::Punct(b'<') if at_header => {
                if let Some(header) = &mut self.header {
                    header.angles += 1;
                }
            }
            Piece::Punct(b'>') if at_header => {
                let arrow = previous == Some((Piece::Punct(b'-'), range.start));
                if let Some(header) = &mut self.header {
                    if !arrow {
                        header.angles = header.angles.saturating_sub(1);
                    }
                }
            }
            _ => {}
        }
    }

    /// A piece inside the body being read, up to its closing delimiter.
    fn in_body(&mut self, piece: Piece, range: Range<usize>, text: &str) {
        let Some(body) = &mut self.body else { return };
        let rules = body.kind == BodyKind::MacroRules;
        if std::mem::take(&mut body.first) && piece == Piece::Punct(b'#') {
            body.contained = rules;
        }
        match piece {
            Piece::Ident if matches!(&text[range.clone()], "async" | "fn") => {
                body.contained = rules;
            }
            Piece::Punct(b'(' | b'[' | b'{') => self.depth += 1,
            Piece::Punct(b')' | b']' | b'}') => {
                if self.depth == body.depth {
                    let whole = body.start..range.end;
                    let kept = body.kind == BodyKind::AsyncFn;
                    if body.contained && !kept && text[whole.clone()].is_ascii() {
                        self.found.push(whole);
                    }
                    self.body = None;
                }
                self.depth = self.depth.saturating_sub(1);
            }
            _ => {}
        }
    }
}

/// A first line `#!…` that is not an inner attribute `#![…]` is not Rust.
fn shebang_end(text: &str) -> usize {
    match text.strip_prefix("#!") {
        Some(rest) if !rest.trim_start().starts_with('[') => memchr_newline(text.as_bytes(), 0),
        _ => 0,
    }
}

/// The index of the newline ending the line at `from` (or the text's end).
fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&byte| byte == b'\n')
        .map_or(bytes.len(), |offset| from + offset)
}

/// Just past the `*/` closing the block comment at `start`, counting nested ones.
fn block_comment_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut at = start;
    while at + 1 < bytes.len() {
        match (bytes[at], bytes[at + 1]) {
            (b'/', b'*') => {
                depth += 1;
                at += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                at += 2;
                if depth == 0 {
                    return Some(at);
                }
            }
            _ => at += 1,
        }
    }
    None
}

/// Just past the `"` closing a string whose text starts at `from`.
fn string_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            b'"' => return Some(at + 1),
            _ => at += 1,
        }
    }
    None
}

/// After an `r`, `br` or `cr` ending at `from`: past the raw string it opens (`r"…"`,
/// `r#"…"#`), or `from` itself when it opens none (`r#ident`, a variable `r`); `None`
/// for an unterminated raw string.
fn raw_string_end(bytes: &[u8], from: usize) -> Option<usize> {
    let hashes = bytes[from..]
        .iter()
        .take_while(|&&byte| byte == b'#')
        .count();
    if bytes.get(from + hashes) != Some(&b'"') {
        return Some(from);
    }
    let mut at = from + hashes + 1;
    while at < bytes.len() {
        if bytes[at] == b'"'
            && bytes[at + 1..]
                .iter()
                .take(hashes)
                .filter(|&&byte| byte == b'#')
                .count()
                == hashes
        {
            return Some(at + 1 + hashes);
        }
        at += 1;
    }
    None
}

/// A char literal (`'x'`, `'\n'`, `'\u{1F600}'`, `'é'`) or a lifetime or label (`'a`,
/// `'static`), and where it ends.
fn quote_end(text: &str, start: usize) -> Option<(Piece, usize)> {
    let bytes = text.as_bytes();
    if bytes.get(start + 1) == Some(&b'\\') {
        // The escaped character, then up to the closing quote (`\u{..}` is longer).
        let closing = bytes
            .get(start + 3..)?
            .iter()
            .position(|&byte| byte == b'\'')?;
        return Some((Piece::Literal, start + 3 + closing + 1));
    }
    let next = text.get(start + 1..)?.chars().next()?;
    let after = start + 1 + next.len_utf8();
    if bytes.get(after) == Some(&b'\'') {
        Some((Piece::Literal, after + 1))
    } else {
        Some((Piece::Lifetime, ident_end(bytes, start + 1)))
    }
}

/// Identifier and number characters (non-ASCII ones only occur in identifiers
/// outside strings and comments).
fn is_ident_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80
}

fn ident_end(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .position(|&byte| !is_ident_byte(byte))
        .map_or(bytes.len(), |offset| start + offset)
}

#[cfg(test)]
mod tests {
    use super::{blank, scan, skim};

    fn blank_doc_comments(text: &str) -> Option<String> {
        skim(text).and_then(|skimmed| skimmed.without_docs)
    }

    /// The text with its self-contained sync fn bodies blanked in place (what the text
    /// to lex keeps of it, every kept char in its place), or `None`.
    fn without_bodies(text: &str) -> Option<String> {
        let scan = scan(text)?;
        if scan.bodies.is_empty() {
            return None;
        }
        let without = blank(text.as_bytes().to_vec(), &scan.insides());
        for body in &scan.bodies {
            assert!(matches!(&without[body.start..=body.start], "{" | "(" | "["));
        }
        assert_places_kept(text, skim(text)?.for_lexing.as_deref()?);
        Some(without)
    }

    /// Every char of `lexed` but whitespace is the char at the same line and column of
    /// `text`, and `lexed` has as many lines.
    fn assert_places_kept(text: &str, lexed: &str) {
        let lines: Vec<Vec<char>> = text
            .split('\n')
            .map(|line| line.chars().collect())
            .collect();
        assert_eq!(
            lexed.split('\n').count(),
            lines.len(),
            "lines must not move"
        );
        for (line, kept) in lexed.split('\n').enumerate() {
            for (column, char) in kept.chars().enumerate() {
                if !char.is_whitespace() {
                    assert_eq!(
                        lines[line].get(column),
                        Some(&char),
                        "{lexed:?} at {line}:{column}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_text_to_lex_is_shorter_and_keeps_every_token_in_its_place() {
        let text = "/// One.\n/// Two é.\nfn f(x: u8) -> u8 {\n    g(x)\n        + h(x)\n}   fn k() { l() } m!();\n/** a\n b */ struct S;\r\n";
        let lexed = skim(text).unwrap().for_lexing.unwrap();
        assert_places_kept(text, &lexed);
        assert_eq!(
            lexed,
            "\n\nfn f(x: u8) -> u8 {\n\n\n}   fn k() {     } m!();\n\n      struct S;\r\n"
        );
    }

    #[test]
    fn sync_fn_bodies_become_spaces_between_their_braces() {
        let text = "fn f(x: u8) -> u8 {\n    g(x)\n}\nimpl S {\n    pub fn m(&self) { h() }\n}\n";
        assert_eq!(
            without_bodies(text).unwrap(),
            "fn f(x: u8) -> u8 {\n        \n}\nimpl S {\n    pub fn m(&self) {     }\n}\n"
        );
    }

    #[test]
    fn bodies_that_are_not_self_contained_stay() {
        for text in [
            // async fns, in every qualifier order
            "async fn f() { g() }",
            "pub(crate) async unsafe fn f() { g() }",
            "async extern \"C\" fn f() { g() }",
            "const async fn f() { g() }",
            // an async block or closure inside, a nested fn, a fn pointer
            "fn f() { spawn(async { g() }) }",
            "fn f() { let c = async || g(); }",
            "fn f() { fn inner() {} inner() }",
            "fn f() { let p: fn() = g; }",
            // an inner attribute, non-ASCII text
            "fn f() { #![allow(unused)] g() }",
            "fn f() { g(\"é\") }",
            // declarations
            "trait T { fn f(&self); }",
            "extern \"C\" { fn f(); }",
        ] {
            assert_eq!(without_bodies(text), None, "{text}");
        }
    }

    #[test]
    fn a_signature_ends_at_its_bodys_brace() {
        // Angle brackets and arrows, a const argument in braces, a where clause.
        let text = "fn f<T: Fn() -> u8>(t: T) -> Foo<{ N }> where T: Clone { t() }";
        let without = without_bodies(text).unwrap();
        assert!(without.starts_with("fn f<T: Fn() -> u8>(t: T) -> Foo<{ N }> where T: Clone {"));
        assert!(without.ends_with("{     }"));
        // Braces in strings and char literals are not the body's end.
        let text = "fn f() { g(\"}\", '}', '{') }\nfn h() { i() }";
        assert_eq!(
            without_bodies(text).unwrap(),
            format!(
                "fn f() {{{}}}\nfn h() {{{}}}",
                " ".repeat(18),
                " ".repeat(5)
            )
        );
    }

    #[test]
    fn macro_rules_definitions_outside_fn_bodies_become_spaces() {
        let text = "macro_rules! m {\n    ($e:expr) => { fn f() { $e } };\n}\nmacro_rules! n ( () => {} );";
        assert_eq!(
            without_bodies(text).unwrap(),
            format!(
                "macro_rules! m {{\n{}\n}}\nmacro_rules! n ({});",
                " ".repeat("    ($e:expr) => { fn f() { $e } };".len()),
                " ".repeat(" () => {} ".len())
            )
        );
        // Inside an async fn's body it stays: the body is read whole.
        assert_eq!(
            without_bodies("async fn f() { macro_rules! m { () => {} } }"),
            None
        );
    }

    #[test]
    fn fns_inside_bodies_and_item_macros() {
        // A nested fn is read with the body it is in (an async fn's, here: kept).
        assert_eq!(without_bodies("async fn f() { fn g() { h() } }"), None);
        // Items in an item macro (tokio's `cfg_rt! { .. }`) are items.
        assert_eq!(
            without_bodies("cfg_rt! { pub fn f() { g() } }").unwrap(),
            "cfg_rt! { pub fn f() {     } }"
        );
        // `r#fn` is an identifier, `'fn` no keyword either.
        assert!(without_bodies("fn f() { r#fn() }").is_some());
    }

    /// The blanked text, with `·` for each blanked byte's space so a test shows where.
    fn blanked(text: &str) -> String {
        let out = blank_doc_comments(text).unwrap_or_else(|| text.to_owned());
        assert_eq!(out.len(), text.len(), "byte offsets must not move");
        assert_eq!(
            out.matches('\n').count(),
            text.matches('\n').count(),
            "lines must not move"
        );
        out
    }

    #[test]
    fn line_doc_comments_become_spaces() {
        let text = "/// Reads.\n//! Inner.\nfn f() {}\n";
        assert_eq!(blanked(text), "          \n          \nfn f() {}\n");
    }

    #[test]
    fn plain_comments_stay() {
        for text in [
            "// plain\nfn f() {}",
            "//// four slashes are plain\nfn f() {}",
            "/* plain */ fn f() {}",
            "/**/ fn f() {}",
            "/*** three stars are plain */ fn f() {}",
        ] {
            assert_eq!(blank_doc_comments(text), None, "{text}");
        }
    }

    #[test]
    fn block_doc_comments_keep_their_newlines_and_following_columns() {
        let text = "/** a\n * b */ fn f() {}\n/*! c */";
        assert_eq!(blanked(text), "     \n        fn f() {}\n        ");
    }

    #[test]
    fn nested_block_comments_end_at_their_own_close() {
        let text = "/** a /* b */ c */ fn f() {}";
        assert_eq!(blanked(text), format!("{} fn f() {{}}", " ".repeat(18)));
        // A plain comment holding `///` is not a doc comment.
        assert_eq!(blank_doc_comments("/* x /// y */ fn f() {}"), None);
    }

    #[test]
    fn non_ascii_block_doc_comments_are_kept() {
        assert_eq!(blank_doc_comments("/** é */ fn f() {}"), None);
        // A line doc comment ends at its newline: blanked, the text stays UTF-8.
        assert_eq!(blanked("/// é\nfn f() {}"), "      \nfn f() {}");
    }

    #[test]
    fn comment_markers_inside_literals_are_not_comments() {
        for text in [
            r#"const A: &str = "/// not a doc";"#,
            r#"const A: &str = "\" /// still a string";"#,
            r##"const A: &str = r#"" /// raw "# ;"##,
            r#"const A: &str = r"\"; // plain"#,
            r#"const A: &[u8] = br"/** raw bytes */";"#,
            r#"const A: &[u8] = b"/// bytes";"#,
            "const A: char = '\"'; const B: &str = \"/// in a string\";",
            r"const A: char = '\''; // plain",
            r"const A: char = '\\'; // plain",
            r"const A: char = '\u{1F600}'; // plain",
        ] {
            assert_eq!(blank_doc_comments(text), None, "{text}");
        }
    }

    #[test]
    fn lifetimes_are_not_char_literals() {
        // Were `'a` read as the start of a char literal, the scan would lose its place
        // and miss the doc comment.
        let text = "fn f<'a>(x: &'a str) -> &'a str { x }\n/// doc\nfn g() {}";
        assert_eq!(
            blanked(text),
            "fn f<'a>(x: &'a str) -> &'a str { x }\n       \nfn g() {}"
        );
        let text = "fn f() { 'outer: loop { break 'outer; } }\n/// doc\n";
        assert!(blanked(text).ends_with("}\n       \n"));
    }

    #[test]
    fn char_literals_of_quote_characters_do_not_open_strings() {
        let text = "const Q: char = '\"';\n/// doc\nfn f() {}";
        assert_eq!(blanked(text), "const Q: char = '\"';\n       \nfn f() {}");
        let text = "const Q: u8 = b'\"';\n/// doc\n";
        assert_eq!(blanked(text), "const Q: u8 = b'\"';\n       \n");
    }

    #[test]
    fn raw_identifiers_are_not_raw_strings() {
        let text = "fn r#match() {}\n/// doc\nfn g() {}";
        assert_eq!(blanked(text), "fn r#match() {}\n       \nfn g() {}");
    }

    #[test]
    fn doc_comments_after_code_and_in_macros_are_blanked() {
        let text = "struct S {\n    a: u8, /// of b\n    b: u8,\n}\nm! { /// in a macro\n x }";
        assert_eq!(
            blanked(text),
            format!(
                "struct S {{\n    a: u8,{}\n    b: u8,\n}}\nm! {{{}\n x }}",
                " ".repeat(" /// of b".len()),
                " ".repeat(" /// in a macro".len())
            )
        );
    }

    #[test]
    fn crlf_line_endings_are_kept() {
        assert_eq!(
            blanked("/// doc\r\nfn f() {}\r\n"),
            "       \r\nfn f() {}\r\n"
        );
    }

    #[test]
    fn a_shebang_line_is_skipped_and_an_inner_attribute_is_not() {
        let text = "#!/usr/bin/env run-cargo-script // x\n/// doc\nfn main() {}";
        assert_eq!(
            blanked(text),
            "#!/usr/bin/env run-cargo-script // x\n       \nfn main() {}"
        );
        let text = "#![allow(dead_code)] /// doc\n";
        assert_eq!(blanked(text), "#![allow(dead_code)]        \n");
    }

    #[test]
    fn an_unterminated_string_or_comment_leaves_the_text_alone() {
        for text in [
            "/// doc\nconst A: &str = \"open",
            "/// doc\n/* open",
            "/// doc\nconst A: &str = r#\"open\"",
        ] {
            assert_eq!(blank_doc_comments(text), None, "{text}");
        }
    }

    #[test]
    fn blanked_text_parses_to_the_same_code_with_the_same_spans() {
        let text = "//! Crate docs.\n\n/// A fn.\n/// ```\n/// let s = \"x\";\n/// ```\n\
                    pub async fn f<'a>(s: &'a str) -> usize {\n    /** inner */\n    \
                    let n = s.len(); // plain\n    n + '\\''.len_utf8()\n}\n";
        let blanked = blanked(text);
        let original: syn::File = syn::parse_str(text).unwrap();
        let without: syn::File = syn::parse_str(&blanked).unwrap();
        let code = |file: &syn::File| {
            let mut file = file.clone();
            file.attrs.clear();
            for item in &mut file.items {
                if let syn::Item::Fn(function) = item {
                    function.attrs.clear();
                    for stmt in &mut function.block.stmts {
                        if let syn::Stmt::Local(local) = stmt {
                            local.attrs.clear();
                        }
                    }
                }
            }
            quote::ToTokens::to_token_stream(&file).to_string()
        };
        assert_eq!(code(&original), code(&without));
        let syn::Item::Fn(function) = &without.items[0] else {
            panic!("a fn");
        };
        let span = function.sig.ident.span();
        assert_eq!((span.start().line, span.start().column), (7, 13));
        assert_eq!(&text[span.byte_range()], "f");
    }
}
