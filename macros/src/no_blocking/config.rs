//! The crate-wide policy: `async-hygiene.toml` next to the crate's `Cargo.toml`.
//!
//! ```toml
//! [no_blocking.deny]
//! "db::query_sync" = "use `db::query(..).await`"
//! ".fetch_sync" = "use `.fetch().await`"
//!
//! [no_blocking.allow]
//! "std::fs::metadata" = "stat of a local file, measured well under a millisecond"
//!
//! [no_blocking.offload]
//! "crate::pool::run_sync" = "runs its closure on the blocking pool"
//! ```
//!
//! The format is the subset of TOML shown above (tables, `"key" = "value"` with basic or
//! literal strings, `#` comments), parsed here to keep dependencies out of every build.
//! Tables other than `[no_blocking.*]` belong to other tools and are skipped.

use std::path::{Path, PathBuf};

use super::catalogue::Rule;

pub(super) const FILE_NAME: &str = "async-hygiene.toml";

/// One rule of the file, with its line for error messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct ConfigRule {
    pub(super) rule: Rule,
    pub(super) text: String,
    pub(super) line: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct CrateConfig {
    pub(super) deny: Vec<ConfigRule>,
    pub(super) allow: Vec<ConfigRule>,
    pub(super) offload: Vec<ConfigRule>,
}

/// The file as found: its path (so the expansion can make cargo track it, even when it
/// is malformed: fixing it must trigger a rebuild) and its rules or the first problem.
pub(super) struct LoadedConfig {
    pub(super) path: PathBuf,
    pub(super) config: Result<CrateConfig, String>,
}

/// Reads `$CARGO_MANIFEST_DIR/async-hygiene.toml`, if there is one.
pub(super) fn load() -> Option<LoadedConfig> {
    load_from(Path::new(&std::env::var_os("CARGO_MANIFEST_DIR")?))
}

/// Reads `dir/async-hygiene.toml`, if there is one.
pub(super) fn load_from(dir: &Path) -> Option<LoadedConfig> {
    let path = dir.join(FILE_NAME);
    if !path.is_file() {
        return None;
    }
    let config = match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text).map_err(|error| format!("{}:{error}", path.display())),
        Err(error) => Err(format!("{}: cannot be read: {error}", path.display())),
    };
    Some(LoadedConfig { path, config })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Table {
    Deny,
    Allow,
    Offload,
    /// Another tool's table, or keys before any table.
    Other,
}

/// Parses the file's text. An error reads `LINE: what is wrong`.
pub(super) fn parse(text: &str) -> Result<CrateConfig, String> {
    let mut config = CrateConfig::default();
    let mut table = Table::Other;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if let Some(header) = content.strip_prefix('[') {
            let header = strip_comment(header);
            let Some(name) = header.strip_suffix(']') else {
                return Err(format!("{line}: a table header must end with `]`"));
            };
            let name = name.trim();
            table = match name {
                "no_blocking.deny" => Table::Deny,
                "no_blocking.allow" => Table::Allow,
                "no_blocking.offload" => Table::Offload,
                _ if name == "no_blocking" || name.starts_with("no_blocking.") => {
                    return Err(format!(
                        "{line}: unknown table `[{name}]`; `no_blocking` reads \
                         `[no_blocking.deny]`, `[no_blocking.allow]` and `[no_blocking.offload]`"
                    ));
                }
                _ => Table::Other,
            };
            continue;
        }
        if table == Table::Other {
            continue;
        }
        let (key, rest) = parse_string(content).ok_or_else(|| {
            format!("{line}: expected `\"path\" = \"text\"` (a quoted path or `.method`)")
        })?;
        let Some(rest) = rest.trim_start().strip_prefix('=') else {
            return Err(format!("{line}: expected `=` after the key"));
        };
        let (value, rest) = parse_string(rest.trim_start())
            .ok_or_else(|| format!("{line}: the value must be a quoted string"))?;
        let rest = rest.trim();
        if !(rest.is_empty() || rest.starts_with('#')) {
            return Err(format!("{line}: unexpected `{rest}` after the value"));
        }
        let Some(rule) = super::args::parse_rule(&key) else {
            return Err(format!(
                "{line}: `{key}` is neither a path (`db::query_sync`) nor a method (`.fetch_sync`)"
            ));
        };
        if table == Table::Deny && value.trim().is_empty() {
            return Err(format!(
                "{line}: the replacement text for `{key}` is empty: say what to use instead"
            ));
        }
        let entry = ConfigRule {
            rule,
            text: value,
            line,
        };
        match table {
            Table::Deny => config.deny.push(entry),
            Table::Allow => config.allow.push(entry),
            Table::Offload => config.offload.push(entry),
            Table::Other => {}
        }
    }
    Ok(config)
}

fn strip_comment(text: &str) -> &str {
    text.split('#').next().unwrap_or(text).trim()
}

/// A TOML basic (`"..."`, with `\\ \" \n \t` escapes) or literal (`'...'`) string at the
/// start of `text`, and what follows it.
fn parse_string(text: &str) -> Option<(String, &str)> {
    let mut chars = text.char_indices();
    let (_, quote) = chars.next()?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let mut value = String::new();
    while let Some((index, ch)) = chars.next() {
        match ch {
            _ if ch == quote => return Some((value, &text[index + 1..])),
            '\\' if quote == '"' => match chars.next()?.1 {
                '\\' => value.push('\\'),
                '"' => value.push('"'),
                'n' => value.push('\n'),
                't' => value.push('\t'),
                _ => return None,
            },
            _ => value.push(ch),
        }
    }
    None
}
