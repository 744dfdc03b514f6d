//! The metrics reference (docs/metrics.md) and the code name the same metrics, the README
//! shows the two commands a new user runs and links every page under docs/, and every
//! relative link in the documentation resolves.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

fn metric_names(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("contact_center_") {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        out.insert(tail[..end].to_string());
        rest = &tail[end..];
    }
    out
}

#[test]
fn metrics_reference_documents_every_metric_and_no_other() {
    let code = std::fs::read_to_string("src/metrics.rs").unwrap();
    let reference = std::fs::read_to_string("docs/metrics.md").unwrap();
    let in_code: BTreeSet<String> = metric_names(&code)
        .into_iter()
        .filter(|n| n.len() > "contact_center_".len())
        .collect();
    // Metric names in the reference's tables: `name` in the first column.
    let in_reference: BTreeSet<String> = reference
        .lines()
        .filter(|l| l.starts_with("| `contact_center_"))
        .flat_map(|l| metric_names(l.split('|').nth(1).unwrap_or("")))
        .collect();
    let missing: Vec<_> = in_code.difference(&in_reference).collect();
    let unknown: Vec<_> = in_reference.difference(&in_code).collect();
    assert!(
        missing.is_empty(),
        "metrics in src/metrics.rs missing from the tables of docs/metrics.md: {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "docs/metrics.md documents metrics the code does not have: {unknown:?}"
    );
}

#[test]
fn readme_shows_demo_and_test_commands() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    assert!(readme.contains("cargo run --release -- --demo"));
    assert!(readme.contains("scripts/test-all.sh"));
    let ci = std::fs::read_to_string(".ci/run").unwrap();
    assert!(ci.contains("scripts/test-all.sh"));
}

/// Every `.md` file under `dir`, recursively, sorted.
fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The lines of a markdown text outside fenced code blocks, with their numbers (1-based).
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut fence = false;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fence = !fence;
        } else if !fence {
            out.push((i + 1, line));
        }
    }
    out
}

/// Targets of inline links `[text](target)` outside fenced code blocks, with line numbers.
fn link_targets(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in prose_lines(text) {
        let mut rest = line;
        while let Some(i) = rest.find("](") {
            let tail = &rest[i + 2..];
            let Some(end) = tail.find(')') else { break };
            let target = tail[..end].split_whitespace().next().unwrap_or("");
            out.push((n, target.trim_matches(|c| c == '<' || c == '>').to_string()));
            rest = &tail[end..];
        }
    }
    out
}

/// GitHub's anchor of a heading: lower case; only alphanumerics, spaces, `-` and `_`
/// kept; spaces become `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of every heading of a markdown text; a repeated slug gets `-1`, `-2`, ….
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = BTreeSet::new();
    for (_, line) in prose_lines(text) {
        let hashes = line.len() - line.trim_start_matches('#').len();
        if !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let base = slug(line[hashes..].trim_end_matches('#'));
        let n = seen.entry(base.clone()).or_insert(0);
        out.insert(if *n == 0 {
            base.clone()
        } else {
            format!("{base}-{n}")
        });
        *n += 1;
    }
    out
}

#[test]
fn readme_is_the_front_door() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    assert!(
        readme.len() <= 30_000,
        "README.md is {} bytes; keep it at most 30,000 and move reference text to docs/",
        readme.len()
    );
    let linked: BTreeSet<String> = link_targets(&readme)
        .into_iter()
        .map(|(_, t)| t.split('#').next().unwrap_or("").to_string())
        .collect();
    let unlinked: Vec<String> = markdown_files(Path::new("docs"))
        .iter()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .filter(|p| !linked.contains(p))
        .collect();
    assert!(
        unlinked.is_empty(),
        "pages under docs/ that README.md does not link: {unlinked:?}"
    );
}

#[test]
fn every_relative_link_resolves() {
    let mut files: Vec<PathBuf> = ["README.md", "CHANGELOG.md", "BENCHMARKS.md"]
        .iter()
        .map(PathBuf::from)
        .collect();
    files.extend(
        std::fs::read_dir("alerts")
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "md")),
    );
    files.extend(markdown_files(Path::new("docs")));

    let mut failures = Vec::new();
    for file in &files {
        let text =
            std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let dir = file.parent().unwrap_or(Path::new(""));
        for (line, target) in link_targets(&text) {
            if ["http:", "https:", "mailto:"]
                .iter()
                .any(|s| target.starts_with(s))
            {
                continue;
            }
            let (path, anchor) = match target.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (target.as_str(), None),
            };
            let at = format!("{}:{line}: ({target})", file.display());
            let linked = if path.is_empty() {
                file.clone()
            } else {
                dir.join(path)
            };
            if path.is_empty() && anchor.is_none() {
                failures.push(format!("{at}: empty link"));
                continue;
            }
            if !linked.exists() {
                failures.push(format!("{at}: {} does not exist", linked.display()));
                continue;
            }
            let Some(anchor) = anchor else { continue };
            if linked.extension().is_some_and(|e| e == "md") {
                let linked_text = std::fs::read_to_string(&linked).unwrap();
                if !anchors(&linked_text).contains(anchor) {
                    failures.push(format!(
                        "{at}: no heading with anchor #{anchor} in {}",
                        linked.display()
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "broken relative links:\n{}",
        failures.join("\n")
    );
}

#[test]
fn slugs_follow_github() {
    assert_eq!(slug("Failure behaviour"), "failure-behaviour");
    assert_eq!(
        slug("TLS and basic auth: `--web.config.file`"),
        "tls-and-basic-auth---webconfigfile"
    );
    assert_eq!(
        slug("`sources[]` — keys of every vendor"),
        "sources--keys-of-every-vendor"
    );
    assert_eq!(
        slug("Secrets with `LoadCredential=`"),
        "secrets-with-loadcredential"
    );
    let a = anchors("# Tests\n```\n# not a heading\n```\n## Tests\n### Tests\n");
    assert_eq!(
        a,
        ["tests", "tests-1", "tests-2"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
}
