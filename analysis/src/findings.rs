//! What a check reports: a [`Finding`] with a rule code, where it points, what is wrong,
//! the fix, and secondary [`Label`]s. Callers render it: the macros as one spanned
//! `compile_error!` per finding (its [`Display`](fmt::Display) text), the checker as a
//! rustc-style diagnostic (headline, labels, `help:`, `note:`).
//!
//! A finding holds `proc_macro2` spans, which are neither `Send` nor `Sync`: a caller
//! that parses files on several threads turns each finding into its own form (file,
//! line and column, read with proc-macro2's `span-locations`) on the thread that parsed
//! the file.

use std::fmt;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;

/// The rule a finding breaks: its stable code and the key of its level in the
/// `[lints]` table of `async-hygiene.toml` (see [`crate::policy::Lints`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lint {
    /// A call that blocks the thread, in async code (or, for a caller building a call
    /// graph, in sync code: see [`crate::blocking::Context`]).
    Blocking,
    /// A std or `parking_lot` lock guard still alive at an `.await`.
    LockAcrossAwait,
    /// Sequential awaits that `#[concurrent]` would join (the checker's rule).
    SequentialAwaits,
    /// A known CPU-heavy call (password hashing, image processing, whole-buffer
    /// compression) in async code (the checker's rule).
    CpuBound,
    /// Fan-out proportional to the input with nothing that caps it (the checker's rule).
    UnboundedSpawn,
    /// A spawned task whose `JoinHandle` is dropped at once (the checker's rule).
    DetachedSpawn,
}

impl Lint {
    /// Every rule, in the order the `[lints]` table documents them.
    pub const ALL: [Lint; 6] = [
        Lint::Blocking,
        Lint::LockAcrossAwait,
        Lint::SequentialAwaits,
        Lint::CpuBound,
        Lint::UnboundedSpawn,
        Lint::DetachedSpawn,
    ];

    /// The stable code: `blocking`, `lock-across-await`, `sequential-awaits`,
    /// `cpu-bound`.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Lint::Blocking => "blocking",
            Lint::LockAcrossAwait => "lock-across-await",
            Lint::SequentialAwaits => "sequential-awaits",
            Lint::CpuBound => "cpu-bound",
            Lint::UnboundedSpawn => "unbounded-spawn",
            Lint::DetachedSpawn => "detached-spawn",
        }
    }

    /// The rule of a code, as written in `[lints]`.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Lint> {
        Lint::ALL.into_iter().find(|lint| lint.code() == code)
    }
}

impl fmt::Display for Lint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Where a finding or label points: the spans of the first and the last token of the
/// code. A proc macro cannot join spans on stable, but an error spanned on both ends
/// still underlines the whole range; a caller with proc-macro2's `span-locations` reads
/// line and column from `first.start()` and `last.end()`.
#[derive(Clone, Copy, Debug)]
pub struct Location {
    /// The span of the first token.
    pub first: Span,
    /// The span of the last token (the same as `first` for a single token).
    pub last: Span,
}

impl Location {
    /// The range of a piece of syntax.
    pub fn of(tokens: &impl ToTokens) -> Location {
        let mut trees = tokens.to_token_stream().into_iter();
        let first = trees
            .next()
            .map_or_else(Span::call_site, |tree| tree.span());
        let last = trees.last().map_or(first, |tree| tree.span());
        Location { first, last }
    }

    /// One token's location.
    #[must_use]
    pub fn at(span: Span) -> Location {
        Location {
            first: span,
            last: span,
        }
    }

    /// The range as one span where the spans can be joined (outside a proc macro, or
    /// on a compiler that supports it), else the first token's.
    #[must_use]
    pub fn span(&self) -> Span {
        self.first.join(self.last).unwrap_or(self.first)
    }

    /// Two tokens carrying the range's ends, for `syn::Error::new_spanned`, which
    /// underlines from its input's first token to its last.
    #[must_use]
    pub fn tokens(&self) -> TokenStream {
        let first = proc_macro2::Ident::new("first", self.first);
        let last = proc_macro2::Ident::new("last", self.last);
        quote::quote!(#first #last)
    }
}

/// A secondary place a finding points at: the `.await` a guard is held across.
#[derive(Clone, Debug)]
pub struct Label {
    /// Where.
    pub location: Location,
    /// What is there, as a sentence fragment: "`guard` is still held at this `.await`".
    pub message: String,
}

/// One problem found in the code.
///
/// ```
/// use async_hygiene_analysis::blocking::{scan_block, BlockingCatalogue, Context, Imports};
/// use async_hygiene_analysis::findings::Lint;
///
/// let body: syn::Block = syn::parse_quote!({ std::thread::sleep(d); });
/// let findings = scan_block(&body, Context::Async, &BlockingCatalogue::builtin(), &Imports::default());
/// assert_eq!(findings[0].lint, Lint::Blocking);
/// assert_eq!(findings[0].message, "`std::thread::sleep` blocks the executor thread");
/// assert_eq!(findings[0].help, "use `tokio::time::sleep(..).await`");
/// assert_eq!(findings[0].api.as_deref(), Some("`std::thread::sleep`"));
/// assert_eq!(
///     findings[0].to_string(),
///     "`std::thread::sleep` blocks the executor thread; use `tokio::time::sleep(..).await`",
/// );
/// ```
#[derive(Clone, Debug)]
pub struct Finding {
    /// The rule.
    pub lint: Lint,
    /// The code at fault (the call, the lock, ...).
    pub location: Location,
    /// What is wrong and why: "`std::fs::read` blocks the executor thread".
    pub message: String,
    /// The API at fault, as the message names it: "`std::fs::read`", "`ureq`" (a
    /// `blocking` finding's, from its catalogue row; `None` for the other rules). A
    /// caller that names the call elsewhere (the checker's call chains) reads it here.
    pub api: Option<String>,
    /// The fix: "use `tokio::fs::read(..).await`, or ...".
    pub help: String,
    /// How to tell the check it guessed wrong, when it matched by a name or a shortened
    /// path it cannot resolve: "`fs::read` was read as std's: if it is your own, write
    /// its path from `crate::`".
    pub notes: Vec<String>,
    /// Other places that explain the finding.
    pub labels: Vec<Label>,
}

impl Finding {
    pub(crate) fn new(lint: Lint, location: Location, message: String, help: String) -> Self {
        Finding {
            lint,
            location,
            message,
            api: None,
            help,
            notes: Vec::new(),
            labels: Vec::new(),
        }
    }
}

/// The one-line form the attributes emit: `message; help (note) (note)`.
impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if !self.help.is_empty() {
            write!(f, "; {}", self.help)?;
        }
        for note in &self.notes {
            write!(f, " ({note})")?;
        }
        Ok(())
    }
}
