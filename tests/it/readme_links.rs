//! The front door stays a front door: `README.md` is short, the READMEs name one repository
//! URL (the `repository` of the root `Cargo.toml`), and every relative link in the READMEs
//! and `docs/*.md` leads to a file that exists.

use std::fs;
use std::path::{Path, PathBuf};

/// The longest `README.md` may be, in lines: the reference belongs in rustdoc.
const README_MAX_LINES: usize = 300;

/// Hosts whose URLs are repository URLs whatever their path.
const FORGES: &[&str] = &[
    "github.com",
    "gitlab.com",
    "codeberg.org",
    "bitbucket.org",
    "sr.ht",
    "git.sr.ht",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The text outside fenced code blocks, line by line with 1-based numbers; inline code
/// spans are blanked, so `[x](y)` written as code is not a link.
fn prose_lines(text: &str) -> Vec<(usize, String)> {
    let mut in_fence = false;
    let mut lines = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if !in_fence {
            let mut prose = String::new();
            for (part, piece) in line.split('`').enumerate() {
                if part % 2 == 0 {
                    prose.push_str(piece);
                } else {
                    prose.push_str(&" ".repeat(piece.len() + 2));
                }
            }
            lines.push((index + 1, prose));
        }
    }
    lines
}

/// The targets of inline links `[text](target)` and reference definitions `[x]: target`.
fn link_targets(line: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let end = after.find(')').unwrap_or(after.len());
        targets.push(after[..end].trim().to_owned());
        rest = &after[end..];
    }
    let trimmed = line.trim_start();
    if trimmed.starts_with('[') {
        if let Some(at) = trimmed.find("]: ") {
            targets.push(trimmed[at + 3..].trim().to_owned());
        }
    }
    targets
        .into_iter()
        .map(|target| {
            let target = target.trim_start_matches('<').trim_end_matches('>');
            // A title after the target: `[x](path "title")`.
            target.split_whitespace().next().unwrap_or("").to_owned()
        })
        .collect()
}

/// Every `http(s)://` URL in a text, code blocks included (a `git = "…"` or an install
/// command names the repository too).
fn urls(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("http") {
            let candidate = &rest[at..];
            let scheme = ["https://", "http://"]
                .into_iter()
                .find(|scheme| candidate.starts_with(scheme));
            let Some(scheme) = scheme else {
                rest = &candidate[4..];
                continue;
            };
            let end = candidate
                .char_indices()
                .skip(scheme.len())
                .find(|&(_, c)| c.is_whitespace() || "\"'`<>()[]{},;".contains(c))
                .map_or(candidate.len(), |(end, _)| end);
            let url = candidate[..end].trim_end_matches(['.', ':']);
            found.push((index + 1, url.to_owned()));
            rest = &candidate[end..];
        }
    }
    found
}

fn host(url: &str) -> &str {
    let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    without_scheme.split(['/', '?', '#']).next().unwrap_or("")
}

/// The repository URLs of `text` other than `repository`: URLs on a code forge, on the
/// repository's own host, or on a reserved placeholder domain.
fn foreign_repository_urls(text: &str, repository: &str) -> Vec<(usize, String)> {
    let own_host = host(repository);
    urls(text)
        .into_iter()
        .filter(|(_, url)| {
            let url_host = host(url);
            let placeholder = url_host.ends_with(".invalid")
                || url_host.ends_with(".example")
                || ["example.com", "example.org", "example.net"].contains(&url_host);
            let names_a_repository = FORGES
                .iter()
                .any(|forge| url_host == *forge || url_host.ends_with(&format!(".{forge}")))
                || url_host == own_host
                || placeholder;
            names_a_repository && url.trim_end_matches('/') != repository.trim_end_matches('/')
        })
        .collect()
}

/// Relative links of `file` whose target does not exist.
fn broken_links(file: &Path) -> Vec<String> {
    let text = read(file);
    let directory = file.parent().expect("a file has a directory");
    let mut broken = Vec::new();
    for (line, prose) in prose_lines(&text) {
        for target in link_targets(&prose) {
            let is_external = target.contains("://") || target.starts_with("mailto:");
            if target.is_empty() || is_external || target.starts_with('#') {
                continue;
            }
            let path = target.split(['#', '?']).next().unwrap_or("");
            if !directory.join(path).exists() {
                broken.push(format!("{}:{line}: `{target}`", file.display()));
            }
        }
    }
    broken
}

fn markdown_files() -> Vec<PathBuf> {
    let root = root();
    let mut files = vec![root.join("README.md"), root.join("cli/README.md")];
    let mut docs: Vec<PathBuf> = fs::read_dir(root.join("docs"))
        .expect("docs/ exists")
        .map(|entry| entry.expect("a readable docs/ entry").path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

#[test]
fn readme_is_a_front_door_not_a_manual() {
    let lines = read(&root().join("README.md")).lines().count();
    assert!(
        lines <= README_MAX_LINES,
        "README.md has {lines} lines, more than {README_MAX_LINES}: move reference material \
         into src/docs/*.md (rustdoc) and figures into docs/"
    );
}

#[test]
fn readmes_name_only_the_manifest_repository() {
    let repository = env!("CARGO_PKG_REPOSITORY");
    assert!(
        !repository.is_empty(),
        "the root Cargo.toml names no repository"
    );
    let root = root();
    let mut foreign = Vec::new();
    for file in [root.join("README.md"), root.join("cli/README.md")] {
        for (line, url) in foreign_repository_urls(&read(&file), repository) {
            foreign.push(format!("{}:{line}: {url}", file.display()));
        }
    }
    assert!(
        foreign.is_empty(),
        "repository URLs other than the `repository` of Cargo.toml ({repository}):\n{}",
        foreign.join("\n")
    );
}

#[test]
fn relative_links_lead_to_files() {
    let broken: Vec<String> = markdown_files()
        .iter()
        .flat_map(|file| broken_links(file))
        .collect();
    assert!(
        broken.is_empty(),
        "relative links to files that do not exist:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_checks_see_what_they_look_for() {
    let repository = "https://example.invalid/async-hygiene";
    let text = "\
see [the guide](docs/guide.md#start) and [x](https://docs.rs/x)\n\
`[not a link](nowhere.md)`\n\
```toml\n\
a = { git = \"https://example.invalid/other\" }\n\
```\n\
[ref]: <cli/README.md>\n\
clone https://github.com/someone/async-hygiene.git or https://example.invalid/async-hygiene.\n";
    let targets: Vec<String> = prose_lines(text)
        .iter()
        .flat_map(|(_, line)| link_targets(line))
        .collect();
    assert_eq!(
        targets,
        ["docs/guide.md#start", "https://docs.rs/x", "cli/README.md"]
    );
    let foreign: Vec<String> = foreign_repository_urls(text, repository)
        .into_iter()
        .map(|(line, url)| format!("{line}: {url}"))
        .collect();
    assert_eq!(
        foreign,
        [
            "4: https://example.invalid/other",
            "7: https://github.com/someone/async-hygiene.git"
        ]
    );
}
