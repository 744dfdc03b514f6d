//! The README's metric reference and the code name the same metrics, and the README
//! shows the two commands a new user runs.

use std::collections::BTreeSet;

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
fn readme_documents_every_metric_and_no_other() {
    let code = std::fs::read_to_string("src/metrics.rs").unwrap();
    let readme = std::fs::read_to_string("README.md").unwrap();
    let in_code: BTreeSet<String> = metric_names(&code)
        .into_iter()
        .filter(|n| n.len() > "contact_center_".len())
        .collect();
    // Metric names in README tables: `name` in the first column.
    let in_readme: BTreeSet<String> = readme
        .lines()
        .filter(|l| l.starts_with("| `contact_center_"))
        .flat_map(|l| metric_names(l.split('|').nth(1).unwrap_or("")))
        .collect();
    let missing: Vec<_> = in_code.difference(&in_readme).collect();
    let unknown: Vec<_> = in_readme.difference(&in_code).collect();
    assert!(
        missing.is_empty(),
        "metrics in src/metrics.rs missing from the README tables: {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "README documents metrics the code does not have: {unknown:?}"
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
