//! Doc comments blanked out of a file's text before it is lexed.
//!
//! No rule reads documentation, yet doc comments are a third of tokio's source, and
//! each one costs: the lexer turns `/// text` into `#[doc = "text"]` (an escaped,
//! allocated string literal), syn parses that attribute and frees it again. Replacing
//! a doc comment's bytes with spaces (newlines kept) leaves every other token at the
//! same line, column and byte offset, so every report is the same:
//!
//! ```text
//! /// Reads the config.            →                               (spaces)
//! fn load() -> Config { .. }       →  fn load() -> Config { .. }
//! ```
//!
//! Finding comments needs a lexer's view of strings (`"//"` is not a comment), raw
//! strings (`r#"…"#`), byte and C strings, char literals (`'"'`) as opposed to lifetimes
//! (`'a`), and nested block comments. A text this scan cannot follow (an unterminated
//! string or comment) is left as it is: the parser then reports it as before.

/// `text` with its doc comments (`///`, `//!`, `/** */`, `/*! */`) replaced by spaces,
/// or `None` when it has none or cannot be scanned.
///
/// A block doc comment with non-ASCII text is kept: spaces in place of its multi-byte
/// characters would move the columns (counted in characters) of the tokens after it on
/// its last line. A line comment runs to the end of its line, so nothing after it moves.
pub(crate) fn blank_doc_comments(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut doc_ranges = Vec::new();
    let mut at = shebang_end(text);
    while at < bytes.len() {
        at = match bytes[at] {
            b'/' if bytes.get(at + 1) == Some(&b'/') => {
                let end = memchr_newline(bytes, at);
                let third = bytes.get(at + 2).copied();
                let is_doc = third == Some(b'!')
                    || (third == Some(b'/') && bytes.get(at + 3) != Some(&b'/'));
                if is_doc {
                    doc_ranges.push(at..end);
                }
                end
            }
            b'/' if bytes.get(at + 1) == Some(&b'*') => {
                let end = block_comment_end(bytes, at)?;
                let third = bytes.get(at + 2).copied();
                let fourth = bytes.get(at + 3).copied();
                // `/**/` and `/***…` are plain comments.
                let is_doc = third == Some(b'!')
                    || (third == Some(b'*') && !matches!(fourth, Some(b'*' | b'/')));
                if is_doc && text[at..end].is_ascii() {
                    doc_ranges.push(at..end);
                }
                end
            }
            b'"' => string_end(bytes, at + 1)?,
            b'\'' => quote_end(text, at)?,
            byte if is_ident_byte(byte) => {
                let end = ident_end(bytes, at);
                match &text[at..end] {
                    "r" | "br" | "cr" => raw_string_end(bytes, end)?,
                    _ => end,
                }
            }
            _ => at + 1,
        };
    }
    if doc_ranges.is_empty() {
        return None;
    }
    let mut blanked = bytes.to_vec();
    for range in doc_ranges {
        for byte in &mut blanked[range] {
            if !matches!(byte, b'\n' | b'\r') {
                *byte = b' ';
            }
        }
    }
    // Only whole comments were replaced, each by ASCII spaces (line comments end at a
    // newline, so a multi-byte character is replaced whole): the text is still UTF-8.
    String::from_utf8(blanked).ok()
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

/// Past a char literal (`'x'`, `'\n'`, `'\u{1F600}'`, `'é'`) or, for a lifetime or
/// label (`'a`, `'static`), past its quote (the name is scanned as an identifier).
fn quote_end(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    if bytes.get(start + 1) == Some(&b'\\') {
        // The escaped character, then up to the closing quote (`\u{..}` is longer).
        let closing = bytes
            .get(start + 3..)?
            .iter()
            .position(|&byte| byte == b'\'')?;
        return Some(start + 3 + closing + 1);
    }
    let next = text.get(start + 1..)?.chars().next()?;
    let after = start + 1 + next.len_utf8();
    if bytes.get(after) == Some(&b'\'') {
        Some(after + 1)
    } else {
        Some(start + 1)
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
    use super::blank_doc_comments;

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
