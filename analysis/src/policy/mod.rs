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
//!
//! [cpu_bound.deny]            # the checker's `cpu-bound`: same grammar
//! "render::rasterize" = "run it with `#[offload]` or on rayon"
//!
//! [cpu_bound.allow]
//! "flate2::read::GzDecoder::new" = "only small, bounded payloads are decoded here"
//!
//! [concurrent.guards]          # values held for their lifetime: `#[concurrent]` keeps
//! ".get" = "deadpool: the pooled connection is held as long as the binding"  # them in place
//! "pool::checkout" = "a checked-out connection"
//!
//! [lock_across_await.guards]   # types whose values must not be held across an `.await`
//! "r2d2::PooledConnection" = "r2d2 blocks the thread that waits for a connection"
//!
//! [lints]                      # the checker's levels; the attributes always deny
//! blocking = "deny"
//! lock-across-await = "deny"
//! sequential-awaits = "warn"
//! ```
//!
//! The same rules can be written on an item, `#[no_blocking(deny(..), allow(..),
//! offload(..))]`: [`AttributePolicy`] parses them.
//!
//! The format is the subset of TOML shown above (tables, `key = "value"` with basic or
//! literal strings, `#` comments), parsed here to keep dependencies out of every build.
//! The file is ours: the checker reports any other table (with the tables it has, and
//! the one meant when the name is close), since a misspelt table would otherwise turn
//! its configuration off without a word. The attributes read their own tables only
//! ([`Reader::Attributes`]): `[lints]` and a table no attribute reads are the checker's
//! to report, once, not once for every annotated item of a build.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use syn::parse::Parser;

use crate::findings::{Lint, Location};

mod attribute;

pub use self::attribute::{AttributePolicy, ATTRIBUTE_FORMS};

/// The policy file's name.
pub const FILE_NAME: &str = "async-hygiene.toml";

/// A rule of a policy: a path (`db::query_sync`) or a method name (`.query_sync`).
///
/// ```
/// use async_hygiene_analysis::policy::Rule;
///
/// assert_eq!("db::query_sync".parse(), Ok(Rule::Path(vec!["db".into(), "query_sync".into()])));
/// assert_eq!(".fetch_sync".parse(), Ok(Rule::Method("fetch_sync".into())));
/// assert_eq!(Rule::Method("fetch_sync".into()).to_string(), ".fetch_sync");
/// assert!("1x".parse::<Rule>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// A function or associated function, by its path segments.
    Path(Vec<String>),
    /// A method, by its name.
    Method(String),
}

impl Rule {
    /// The rule a parsed path names.
    #[must_use]
    pub fn from_path(path: &syn::Path) -> Rule {
        Rule::Path(
            path.segments
                .iter()
                .map(|segment| segment.ident.to_string())
                .collect(),
        )
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Path(segments) => f.write_str(&segments.join("::")),
            Rule::Method(name) => write!(f, ".{name}"),
        }
    }
}

/// A string that is neither a path nor a `.method`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotARule;

impl FromStr for Rule {
    type Err = NotARule;

    fn from_str(text: &str) -> Result<Rule, NotARule> {
        let text = text.trim();
        if let Some(method) = text.strip_prefix('.') {
            let ident: syn::Ident = syn::parse_str(method).map_err(|_| NotARule)?;
            return Ok(Rule::Method(ident.to_string()));
        }
        let path = syn::Path::parse_mod_style
            .parse_str(text)
            .map_err(|_| NotARule)?;
        Ok(Rule::from_path(&path))
    }
}

/// One rule of a policy, with where it is written for error messages.
#[derive(Clone, Debug)]
pub struct PolicyRule {
    /// What the rule names.
    pub rule: Rule,
    /// `deny`: the replacement text. `allow` and `offload`: the reason (empty when none
    /// is given).
    pub text: String,
    /// The line in the file (1-based); 0 for a rule written in an attribute.
    pub line: usize,
    /// The rule's tokens in an attribute; `None` in the file.
    pub location: Option<Location>,
}

/// A call of `[concurrent.guards]`: its value is held for as long as its binding lives.
/// Plain data (no span: the file has no tokens), so a checker can share it across threads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Guard {
    /// What the rule names.
    pub rule: Rule,
    /// Why the value is a guard (never empty).
    pub reason: String,
    /// The line in the file (1-based).
    pub line: usize,
}

/// How a rule's findings are reported by the checker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Not reported.
    Allow,
    /// Reported; the exit status stays 0 (unless `--deny warnings`).
    Warn,
    /// Reported; the exit status is 1.
    Deny,
}

impl Level {
    /// `allow`, `warn` or `deny`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }
}

/// The `[lints]` table: a level per [`Lint`]. The attributes ignore it (a macro's
/// finding is always an error); the checker reports by it.
///
/// ```
/// use async_hygiene_analysis::findings::Lint;
/// use async_hygiene_analysis::policy::{self, Level};
///
/// let policy = policy::parse("[lints]\nsequential-awaits = \"deny\"\nblocking = 'warn'\n").unwrap();
/// assert_eq!(policy.lints.level(Lint::SequentialAwaits), Level::Deny);
/// assert_eq!(policy.lints.level(Lint::Blocking), Level::Warn);
/// assert_eq!(policy.lints.level(Lint::LockAcrossAwait), Level::Deny, "the default");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lints {
    levels: [Level; Lint::ALL.len()],
}

/// The level of a rule when `[lints]` says nothing: the one table of default levels, read
/// by [`Lints::default`] and by the checker's rule registry. It lives here, beside the
/// `[lints]` reader, because the attributes' policy (this crate) cannot reach the checker.
///
/// ```
/// use async_hygiene_analysis::findings::Lint;
/// use async_hygiene_analysis::policy::{default_level, Level};
///
/// assert_eq!(default_level(Lint::SequentialAwaits), Level::Warn);
/// ```
#[must_use]
pub const fn default_level(lint: Lint) -> Level {
    match lint {
        Lint::Blocking | Lint::LockAcrossAwait => Level::Deny,
        Lint::SequentialAwaits | Lint::CpuBound | Lint::UnboundedSpawn => Level::Warn,
        Lint::DetachedSpawn => Level::Allow,
    }
}

impl Default for Lints {
    /// Each rule at its [`default_level`].
    fn default() -> Self {
        Lints {
            levels: Lint::ALL.map(default_level),
        }
    }
}

impl Lints {
    /// The level of a rule.
    #[must_use]
    pub fn level(&self, lint: Lint) -> Level {
        self.levels[Self::index(lint)]
    }

    /// Sets the level of a rule (`--deny warnings` and the like).
    pub fn set(&mut self, lint: Lint, level: Level) {
        self.levels[Self::index(lint)] = level;
    }

    fn index(lint: Lint) -> usize {
        Lint::ALL
            .iter()
            .position(|candidate| *candidate == lint)
            .unwrap_or_default()
    }
}

/// A crate's policy: its own blocking calls, the built-in ones it allows, its offload
/// wrappers, its own guard-returning calls, and the checker's lint levels.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// `[no_blocking.deny]`: blocking calls of the crate's own, with what to use instead.
    pub deny: Vec<PolicyRule>,
    /// `[no_blocking.allow]`: built-in entries that do not apply, with the reason.
    pub allow: Vec<PolicyRule>,
    /// `[no_blocking.offload]`: calls whose closure arguments run off the executor.
    pub offload: Vec<PolicyRule>,
    /// `[concurrent.guards]`: calls whose value is held for its lifetime (a pooled
    /// connection, a permit, a lease), with the reason. `#[concurrent]` keeps a `let`
    /// of such a value where it is written, as it does `.lock()` and `.acquire()`.
    pub guards: Vec<Guard>,
    /// `[lock_across_await.guards]`: types whose values must not be held across an
    /// `.await` (a lock's guard of the crate's own, a sync pool's connection), by path,
    /// with the reason. The checker's precise mode finds them among the locals a
    /// coroutine saves across an `.await`.
    pub lock_guards: Vec<PolicyRule>,
    /// `[cpu_bound.deny]`: CPU-heavy calls of the crate's own, with what to do instead.
    pub cpu_bound_deny: Vec<PolicyRule>,
    /// `[cpu_bound.allow]`: built-in CPU-heavy entries that do not apply, with the reason.
    pub cpu_bound_allow: Vec<PolicyRule>,
    /// `[lints]`.
    pub lints: Lints,
}

/// A problem in the file, at a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    /// The line (1-based).
    pub line: usize,
    /// What is wrong there.
    pub message: String,
}

/// `LINE: what is wrong`.
impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.line, self.message)
    }
}

/// The file as found: its path (the attributes make cargo track it, even when it is
/// malformed: fixing it must trigger a rebuild) and its policy or the first problem
/// (`path:LINE: what is wrong`, or `path: cannot be read: ..`).
#[derive(Clone, Debug)]
pub struct LoadedPolicy {
    /// `dir/async-hygiene.toml`.
    pub path: PathBuf,
    /// The policy, or the first problem.
    pub policy: Result<Policy, String>,
}

/// Who reads the file, and so what of it is validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    /// The checker: every table, `[lints]` too; any other table is an error.
    Checker,
    /// An attribute: `[no_blocking.*]` and `[concurrent.*]`, and a misspelling of one of
    /// those; `[lints]` and other tables are left to the checker.
    Attributes,
}

/// The tables of the file, in the order the documentation lists them.
const TABLES: [&str; 5] = [
    "no_blocking.deny",
    "no_blocking.allow",
    "no_blocking.offload",
    "concurrent.guards",
    "lints",
];

/// Reads `dir/async-hygiene.toml`, if there is one, as the checker does.
#[must_use]
pub fn load_from(dir: &Path) -> Option<LoadedPolicy> {
    load_for(dir, Reader::Checker)
}

/// Reads `dir/async-hygiene.toml`, if there is one, as `reader` does.
#[must_use]
pub fn load_for(dir: &Path, reader: Reader) -> Option<LoadedPolicy> {
    let path = dir.join(FILE_NAME);
    if !path.is_file() {
        return None;
    }
    let policy = match std::fs::read_to_string(&path) {
        Ok(text) => parse_for(&text, reader).map_err(|error| format!("{}:{error}", path.display())),
        Err(error) => Err(format!("{}: cannot be read: {error}", path.display())),
    };
    Some(LoadedPolicy { path, policy })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Table {
    Deny,
    Allow,
    Offload,
    Guards,
    LockGuards,
    CpuBoundDeny,
    CpuBoundAllow,
    Lints,
    /// A table the file does not have.
    Unknown,
    /// A table this reader skips, or keys before any table.
    Other,
}

/// Parses the file's text, as the checker does.
pub fn parse(text: &str) -> Result<Policy, PolicyError> {
    parse_for(text, Reader::Checker)
}

/// Parses the file's text, as `reader` does.
pub fn parse_for(text: &str, reader: Reader) -> Result<Policy, PolicyError> {
    let mut policy = Policy::default();
    let mut table = Table::Other;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let error = |message: String| PolicyError { line, message };
        let content = raw.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if let Some(header) = content.strip_prefix('[') {
            let header = strip_comment(header);
            let Some(name) = header.strip_suffix(']') else {
                return Err(error("a table header must end with `]`".to_owned()));
            };
            let name = name.trim();
            table = match (Table::named(name).map_err(error)?, reader) {
                (Table::Unknown, Reader::Checker) => return Err(error(unknown_table(name))),
                // A misspelling of an attribute's table turns that attribute's
                // configuration off: the attributes report it too.
                (Table::Unknown, Reader::Attributes)
                    if closest_table(name).is_some_and(|table| table != "lints") =>
                {
                    return Err(error(unknown_table(name)));
                }
                (Table::Unknown | Table::Lints | Table::LockGuards, Reader::Attributes) => {
                    Table::Other
                }
                (table, _) => table,
            };
            continue;
        }
        if table == Table::Other {
            continue;
        }
        let (key, rest) = if table == Table::Lints {
            parse_bare_key(content).or_else(|| parse_string(content))
        } else {
            parse_string(content)
        }
        .ok_or_else(|| {
            error(if table == Table::Lints {
                "expected `lint = \"level\"`".to_owned()
            } else {
                "expected `\"path\" = \"text\"` (a quoted path or `.method`)".to_owned()
            })
        })?;
        let Some(rest) = rest.trim_start().strip_prefix('=') else {
            return Err(error("expected `=` after the key".to_owned()));
        };
        let (value, rest) = parse_string(rest.trim_start())
            .ok_or_else(|| error("the value must be a quoted string".to_owned()))?;
        let rest = rest.trim();
        if !(rest.is_empty() || rest.starts_with('#')) {
            return Err(error(format!("unexpected `{rest}` after the value")));
        }
        if table == Table::Lints {
            let (rule, level) = lint_level(&key, &value).map_err(error)?;
            policy.lints.set(rule, level);
            continue;
        }
        let Ok(rule) = key.parse::<Rule>() else {
            return Err(error(format!(
                "`{key}` is neither a path (`db::query_sync`) nor a method (`.fetch_sync`)"
            )));
        };
        table.check(&key, &rule, &value).map_err(error)?;
        if table == Table::Guards {
            policy.guards.push(Guard {
                rule,
                reason: value,
                line,
            });
            continue;
        }
        let entry = PolicyRule {
            rule,
            text: value,
            line,
            location: None,
        };
        match table {
            Table::Deny => policy.deny.push(entry),
            Table::Allow => policy.allow.push(entry),
            Table::Offload => policy.offload.push(entry),
            Table::CpuBoundDeny => policy.cpu_bound_deny.push(entry),
            Table::CpuBoundAllow => policy.cpu_bound_allow.push(entry),
            Table::LockGuards => policy.lock_guards.push(entry),
            Table::Lints | Table::Guards | Table::Unknown | Table::Other => {}
        }
    }
    Ok(policy)
}

impl Table {
    /// What an entry of this table needs: a text for `deny` and the guards, a type's path
    /// for `[lock_across_await.guards]`.
    fn check(self, key: &str, rule: &Rule, value: &str) -> Result<(), String> {
        let empty = value.trim().is_empty();
        match self {
            Table::Deny | Table::CpuBoundDeny if empty => Err(format!(
                "the replacement text for `{key}` is empty: say what to use instead"
            )),
            Table::Guards if empty => Err(format!(
                "the reason for `{key}` is empty: say what the value holds while it lives"
            )),
            Table::LockGuards if matches!(rule, Rule::Method(_)) => Err(format!(
                "`{key}` is a method: `[lock_across_await.guards]` names types, by their \
                 path (`pool::Lease`)"
            )),
            Table::LockGuards if empty => Err(format!(
                "the reason for `{key}` is empty: say why its value must not be held across \
                 an `.await`"
            )),
            _ => Ok(()),
        }
    }

    /// The table a header names; an unknown table of ours is an error.
    fn named(name: &str) -> Result<Table, String> {
        Ok(match name {
            "no_blocking.deny" => Table::Deny,
            "no_blocking.allow" => Table::Allow,
            "no_blocking.offload" => Table::Offload,
            "concurrent.guards" => Table::Guards,
            "cpu_bound.deny" => Table::CpuBoundDeny,
            "cpu_bound.allow" => Table::CpuBoundAllow,
            "lock_across_await.guards" => Table::LockGuards,
            "lints" => Table::Lints,
            _ if name == "no_blocking" || name.starts_with("no_blocking.") => {
                return Err(format!(
                    "unknown table `[{name}]`; `no_blocking` reads \
                     `[no_blocking.deny]`, `[no_blocking.allow]` and `[no_blocking.offload]`"
                ));
            }
            _ if name == "cpu_bound" || name.starts_with("cpu_bound.") => {
                return Err(format!(
                    "unknown table `[{name}]`; `cpu-bound` reads `[cpu_bound.deny]` and \
                     `[cpu_bound.allow]`"
                ));
            }
            _ if name == "lock_across_await" || name.starts_with("lock_across_await.") => {
                return Err(format!(
                    "unknown table `[{name}]`; `lock-across-await` reads \
                     `[lock_across_await.guards]`"
                ));
            }
            _ if name == "concurrent" || name.starts_with("concurrent.") => {
                return Err(format!(
                    "unknown table `[{name}]`; `concurrent` reads `[concurrent.guards]`"
                ));
            }
            _ => Table::Unknown,
        })
    }
}

/// The error for a table the file does not have.
fn unknown_table(name: &str) -> String {
    let known: Vec<String> = TABLES.iter().map(|table| format!("`[{table}]`")).collect();
    let (last, first) = known.split_last().unwrap_or((&known[0], &[]));
    let listed = format!("{} and {last}", first.join(", "));
    match closest_table(name) {
        Some(table) => {
            format!("unknown table `[{name}]`: did you mean `[{table}]`? {FILE_NAME} has {listed}")
        }
        None => format!(
            "unknown table `[{name}]`; {FILE_NAME} has {listed} (it is async-hygiene's \
             alone: another tool's settings go in that tool's file)"
        ),
    }
}

/// The table `name` most likely misspells: within two edits (a letter added, dropped,
/// changed, or two swapped letters count one each), case aside.
fn closest_table(name: &str) -> Option<&'static str> {
    let name = name.to_ascii_lowercase();
    TABLES
        .iter()
        .map(|table| (edit_distance(&name, table), *table))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, table)| table)
}

/// Optimal string alignment distance between `a` and `b`, by chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // rows[i][j]: the distance between a[..i] and b[..j].
    let mut rows = vec![vec![0; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    rows[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let changed = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + changed);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

/// A `[lints]` entry: `lint = "level"`.
fn lint_level(key: &str, value: &str) -> Result<(Lint, Level), String> {
    let Some(rule) = Lint::from_code(key) else {
        return Err(format!(
            "unknown lint `{key}`; `[lints]` sets `blocking`, `lock-across-await`, \
             `sequential-awaits` and `cpu-bound`"
        ));
    };
    let level = match value {
        "allow" => Level::Allow,
        "warn" => Level::Warn,
        "deny" => Level::Deny,
        _ => {
            return Err(format!(
                "`{value}` is not a level: write \"allow\", \"warn\" or \"deny\""
            ))
        }
    };
    Ok((rule, level))
}

fn strip_comment(text: &str) -> &str {
    text.split('#').next().unwrap_or(text).trim()
}

/// A bare TOML key (`lock-across-await`) at the start of `text`, and what follows it.
fn parse_bare_key(text: &str) -> Option<(String, &str)> {
    let end = text
        .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '-' || ch == '_'))
        .unwrap_or(text.len());
    (end > 0).then(|| (text[..end].to_owned(), &text[end..]))
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

#[cfg(test)]
mod tests {
    use super::{Level, Lint};

    /// The file is ours: the checker reports a table it does not have, with the tables
    /// it has and the one meant; the attributes leave `[lints]` and tables no attribute
    /// reads to the checker, and report a misspelling of their own.
    #[test]
    fn unknown_tables() {
        use super::{parse_for, Reader};
        let listed = "async-hygiene.toml has `[no_blocking.deny]`, `[no_blocking.allow]`, \
                      `[no_blocking.offload]`, `[concurrent.guards]` and `[lints]`";
        for (text, error) in [
            (
                "[lint]\nblocking = \"warn\"\n",
                format!("1: unknown table `[lint]`: did you mean `[lints]`? {listed}"),
            ),
            (
                "[no_blocking.deny]\n\".q\" = \"x\"\n[LINTS]\n",
                format!("3: unknown table `[LINTS]`: did you mean `[lints]`? {listed}"),
            ),
            (
                "[no_blockign.deny]\n",
                format!(
                    "1: unknown table `[no_blockign.deny]`: did you mean \
                     `[no_blocking.deny]`? {listed}"
                ),
            ),
            (
                "[tokio]\nworker_threads = \"4\"\n",
                format!(
                    "1: unknown table `[tokio]`; {listed} (it is async-hygiene's alone: \
                     another tool's settings go in that tool's file)"
                ),
            ),
        ] {
            let message = parse_for(text, Reader::Checker)
                .expect_err(text)
                .to_string();
            assert_eq!(message, error);
        }
        // The attributes: the checker's table and others' are not theirs to judge.
        for text in [
            "[lints]\nblocking = \"loud\"\n",
            "[lint]\nblocking = \"warn\"\n",
            "[tokio]\nworker_threads = 4\n",
        ] {
            let policy = parse_for(text, Reader::Attributes).expect(text);
            assert_eq!(policy.lints.level(Lint::Blocking), Level::Deny, "{text}");
        }
        let message = parse_for("[no_blocking.alow]\n", Reader::Attributes)
            .expect_err("a misspelt table of theirs")
            .to_string();
        assert!(
            message.starts_with("1: unknown table `[no_blocking.alow]`"),
            "{message}"
        );
        let message = parse_for("[concurent.guards]\n", Reader::Attributes)
            .expect_err("a misspelt table of theirs")
            .to_string();
        assert!(
            message.contains("did you mean `[concurrent.guards]`?"),
            "{message}"
        );
        // The checker still reports a bad level in its table.
        assert!(parse_for("[lints]\nblocking = \"loud\"\n", Reader::Checker).is_err());
    }

    #[test]
    fn config_file_format() {
        let text = r#"
    # the crate's own sync wrappers
    [no_blocking.deny]
    "db::query_sync" = "use `db::query(..).await`"   # trailing comment
    ".fetch_sync" = 'use `.fetch().await`'

    [no_blocking.allow]
    "std::fs::metadata" = "local disk, measured"

    [no_blocking.offload]
    "crate::pool::run_sync" = "runs on the blocking pool"
    ".interact" = "deadpool's blocking-pool hand-off"
    "#;
        let parsed = super::parse(text).expect("valid config");
        assert_eq!(parsed.deny.len(), 2);
        assert_eq!(parsed.deny[0].text, "use `db::query(..).await`");
        assert_eq!(parsed.deny[1].line, 5);
        assert_eq!(parsed.allow.len(), 1);
        assert_eq!(parsed.offload.len(), 2);

        for (text, error) in [
            (
                "[no_blocking.deny]\ndb::query = \"x\"",
                "2: expected `\"path\" = \"text\"`",
            ),
            ("[no_blocking.deny]\n\"db::q\" \"x\"", "2: expected `=`"),
            (
                "[no_blocking.deny]\n\"db::q\" = x",
                "2: the value must be a quoted string",
            ),
            (
                "[no_blocking.deny]\n\"db::q\" = \"\"",
                "2: the replacement text",
            ),
            ("\n\n[no_blocking.forbid]", "3: unknown table"),
            ("[no_blocking.allow]\n\"1x\" = \"\"", "2: `1x` is neither"),
        ] {
            let message = super::parse(text).expect_err(text).to_string();
            assert!(
                message.starts_with(error),
                "{message:?} should start with {error:?}"
            );
        }
    }

    #[test]
    fn lock_guards_are_types_with_a_reason() {
        let policy = super::parse(
            "[lock_across_await.guards]\n\"r2d2::PooledConnection\" = \"r2d2 blocks the waiting thread\"\n",
        )
        .expect("valid lock guards");
        assert_eq!(
            policy.lock_guards[0].rule.to_string(),
            "r2d2::PooledConnection"
        );
        assert_eq!(policy.lock_guards[0].text, "r2d2 blocks the waiting thread");
        for (text, error) in [
            (
                "[lock_across_await.guards]\n\".get\" = \"x\"",
                "2: `.get` is a method",
            ),
            (
                "[lock_across_await.guards]\n\"pool::Lease\" = \"\"",
                "2: the reason for `pool::Lease` is empty",
            ),
            (
                "[lock_across_await.guard]",
                "1: unknown table `[lock_across_await.guard]`; `lock-across-await` reads",
            ),
        ] {
            let message = super::parse(text).expect_err(text).to_string();
            assert!(message.starts_with(error), "{message}");
        }
        // The attributes skip the table.
        let policy = super::parse_for(
            "[lock_across_await.guards]\n\".get\" = \"x\"",
            super::Reader::Attributes,
        )
        .expect("the attributes skip it");
        assert!(policy.lock_guards.is_empty());
    }

    #[test]
    fn concurrent_guards() {
        let policy = super::parse(
            "[concurrent.guards]\n\
             \".get\" = \"deadpool: the pooled connection is held as long as the binding\"\n\
             'pool::checkout' = \"a leased connection\"  # comment\n\
             [no_blocking.deny]\n\"db::q\" = \"db::query\"\n",
        )
        .expect("valid guards");
        let guards: Vec<_> = policy
            .guards
            .iter()
            .map(|guard| (guard.rule.to_string(), guard.line))
            .collect();
        assert_eq!(
            guards,
            [(".get".to_owned(), 2), ("pool::checkout".to_owned(), 3)]
        );
        assert_eq!(policy.guards[1].reason, "a leased connection");
        assert_eq!(
            policy.deny.len(),
            1,
            "the guards table ends at the next header"
        );
        for (text, error) in [
            (
                "[concurrent.guards]\n\".get\" = \"  \"",
                "2: the reason for `.get` is empty",
            ),
            (
                "[concurrent.guard]",
                "1: unknown table `[concurrent.guard]`",
            ),
            ("\n[concurrent]", "2: unknown table `[concurrent]`"),
            (
                "[concurrent.guards]\n\"get(\" = \"x\"",
                "2: `get(` is neither",
            ),
        ] {
            let message = super::parse(text).expect_err(text).to_string();
            assert!(
                message.starts_with(error),
                "{message:?} should start with {error:?}"
            );
        }
    }

    #[test]
    fn lint_levels() {
        let policy = super::parse(
            "[lints]\nblocking = \"warn\"  # for now\n\"sequential-awaits\" = 'allow'\n",
        )
        .expect("valid lints");
        assert_eq!(policy.lints.level(Lint::Blocking), Level::Warn);
        assert_eq!(policy.lints.level(Lint::LockAcrossAwait), Level::Deny);
        assert_eq!(policy.lints.level(Lint::SequentialAwaits), Level::Allow);
        for (text, error) in [
            (
                "[lints]\nblocking-calls = \"deny\"",
                "2: unknown lint `blocking-calls`",
            ),
            (
                "[lints]\nblocking = \"forbid\"",
                "2: `forbid` is not a level",
            ),
            (
                "[lints]\nblocking = deny",
                "2: the value must be a quoted string",
            ),
            ("[lints]\n= \"deny\"", "2: expected `lint = \"level\"`"),
        ] {
            let message = super::parse(text).expect_err(text).to_string();
            assert!(
                message.starts_with(error),
                "{message:?} should start with {error:?}"
            );
        }
    }
}
