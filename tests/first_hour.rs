//! The first hour of a new user, through the real binary: `--probe` tests credentials
//! before deploying, an empty config fails loudly, every config mistake comes in one
//! run, and the help, man page and README name every vendor of the registry.

mod common;

use std::process::Command;

use common::example::{exotel_mock, source_yaml};
use common::{binary, free_port, output_text, without_proxy_env, Mock, MockResponse};
use contact_center_exporter::sources::REGISTRY;

/// Runs the binary with `args` and `config` (written to a temp file as `--config.file`);
/// exit code and stdout + stderr.
fn run(config: &str, args: &[&str]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.yml");
    std::fs::write(&path, config).unwrap();
    let out = without_proxy_env(&mut Command::new(binary()))
        .arg("--config.file")
        .arg(&path)
        .args(args)
        .output()
        .unwrap();
    (out.status.code(), output_text(&out))
}

#[test]
fn probe_polls_every_source_once_and_says_which_are_down() {
    let good = exotel_mock();
    let unauthorized =
        Mock::start(|_| MockResponse::status(401, "{\"error\":\"bad credentials\"}"));
    // A port nobody listens on: connection refused.
    let refused = format!("http://127.0.0.1:{}", free_port());
    let config = format!(
        "sources:\n{}{}  - name: closed\n    vendor: exotel\n    base_url: {refused}\n    cc_id: 6\n    username: api\n    password: pw-Secret-4711\n    interval: 1s\n    timeout: 500ms\n",
        source_yaml("good", &good, ""),
        source_yaml("denied", &unauthorized, ""),
    );
    let (code, text) = run(&config, &["--probe"]);
    assert_eq!(code, Some(1), "{text}");
    let line = |name: &str| {
        text.lines()
            .rfind(|l| l.trim_start().starts_with(&format!("{name} (exotel): ")))
            .unwrap_or_else(|| panic!("no probe line for {name}: {text}"))
            .to_string()
    };
    assert_eq!(line("good"), line("good").replace("DOWN", ""), "{text}");
    assert!(line("good").contains(": up, 1 agents"), "{text}");
    let denied = line("denied");
    assert!(
        denied.contains("DOWN:") && denied.contains("HTTP 401"),
        "{text}"
    );
    // The same hint the log gives for a 401.
    assert!(denied.contains("(check"), "{text}");
    let closed = line("closed");
    assert!(
        closed.contains("DOWN:")
            && closed.contains("failed")
            && closed.ends_with(&format!(
                "({})",
                contact_center_exporter::http::CONNECT_HINT
            )),
        "{text}"
    );
    assert!(text.contains("2 of 3 source(s) down"), "{text}");
    assert!(
        !text.contains("pw-Secret-4711"),
        "a secret was printed: {text}"
    );
    // One poll per source, no more.
    assert_eq!(
        unauthorized.recorded().len(),
        1,
        "{:?}",
        unauthorized.recorded()
    );

    let (code, text) = run(
        &format!("sources:\n{}", source_yaml("good", &good, "")),
        &["--config.check", "--probe"],
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("good (exotel): up, 1 agents"), "{text}");
}

#[test]
fn an_empty_config_is_an_error_and_the_daemon_does_not_start() {
    for config in ["", "# nothing yet\n", "sources: []\n"] {
        let (code, text) = run(config, &["--config.check"]);
        assert_eq!(code, Some(1), "{config:?}: {text}");
        assert!(text.contains("no sources"), "{text}");
        let port = free_port();
        let (code, text) = run(
            config,
            &["--web.listen-address", &format!("127.0.0.1:{port}")],
        );
        assert_eq!(code, Some(1), "{config:?}: {text}");
        assert!(text.contains("no sources"), "{text}");
    }
}

#[test]
fn every_config_mistake_is_reported_in_one_run() {
    let (code, text) = run(
        &std::fs::read_to_string("tests/config/bad-many-mistakes.yml").unwrap(),
        &["--config.check"],
    );
    assert_eq!(code, Some(1), "{text}");
    for part in [
        "global.interval: \"60\" is not a duration",
        "e.g. `30s`, `5m`, `1h30m`",
        "sources[0].tennant: unknown field",
        "sources[0].token_file: cannot read",
        "did you mean `America/New_York`?",
    ] {
        assert!(text.contains(part), "missing {part:?} in {text}");
    }
}

#[test]
fn help_man_page_and_readme_name_every_vendor() {
    let out = Command::new(binary()).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout).to_string();
    let man = std::fs::read_to_string("packaging/man/contact-center-exporter.1")
        .unwrap()
        .replace("\\-", "-");
    let readme = std::fs::read_to_string("README.md").unwrap();
    let configuration = std::fs::read_to_string("docs/configuration.md").unwrap();
    for v in REGISTRY {
        assert!(
            help.contains(v.title()),
            "--help misses {}: {help}",
            v.title()
        );
        assert!(
            man.contains(v.title()),
            "the man page misses {} (regenerate it: UPDATE_GOLDEN=1 cargo test --test packaging)",
            v.title()
        );
        for needle in [
            format!("`{}`", v.as_str()),
            format!("(docs/vendors/{}.md)", v.as_str()),
        ] {
            assert!(readme.contains(&needle), "README.md misses {needle}");
        }
        assert!(
            std::path::Path::new(&format!("docs/vendors/{}.md", v.as_str())).exists(),
            "docs/vendors/{}.md is missing",
            v.as_str()
        );
        assert!(
            configuration.contains(&format!("`{}`", v.as_str())),
            "docs/configuration.md misses vendor `{}`",
            v.as_str()
        );
    }
}

/// The names of every test function in `dir` (recursively): `fn` after `#[test]`.
fn test_names(dir: &std::path::Path, out: &mut std::collections::BTreeSet<String>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            test_names(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            let mut after_test = false;
            for line in text.lines().map(str::trim_start) {
                if line.starts_with("#[test]") || line.starts_with("#[tokio::test") {
                    after_test = true;
                } else if after_test && line.starts_with("fn ") {
                    let name: String = line[3..]
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    out.insert(name);
                    after_test = false;
                }
            }
        }
    }
}

#[test]
fn vendor_pages_read_as_user_documentation() {
    let mut tests = std::collections::BTreeSet::new();
    test_names(std::path::Path::new("tests"), &mut tests);
    test_names(std::path::Path::new("src"), &mut tests);
    assert!(tests.len() > 100, "{}", tests.len());
    for v in REGISTRY {
        let path = format!("docs/vendors/{}.md", v.as_str());
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            let lower = line.to_ascii_lowercase();
            let issue_number = lower.contains("(issue ")
                || lower.contains("issue #")
                || lower
                    .split("issue ")
                    .skip(1)
                    .any(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
            assert!(!issue_number, "{path}:{}: cites an issue: {line}", i + 1);
            assert!(
                !lower.contains("the issue"),
                "{path}:{}: cites the issue tracker: {line}",
                i + 1
            );
            assert!(
                !lower.contains("not built yet"),
                "{path}:{}: stale: {line}",
                i + 1
            );
            for code in line.split('`').skip(1).step_by(2) {
                assert!(
                    !tests.contains(code)
                        && !code.starts_with("tests/")
                        && !code.starts_with("benches/"),
                    "{path}:{}: names a test ({code}); that belongs in docs/design.md",
                    i + 1
                );
            }
        }
    }
}

#[test]
fn the_status_page_doc_says_the_last_error_shows_the_url() {
    let doc = std::fs::read_to_string("docs/http-and-formats.md").unwrap();
    assert!(
        !doc.contains("so no base URL"),
        "stale: the last error names the URL"
    );
    assert!(doc.contains("it does show the base URL"));
}

#[test]
fn the_project_names_its_license_and_repository() {
    let license = std::fs::read_to_string("LICENSE").expect("a LICENSE file");
    assert!(license.contains("Apache License") && license.contains("Version 2.0"));
    let cargo = std::fs::read_to_string("Cargo.toml").unwrap();
    assert!(cargo.contains("license = \"Apache-2.0\""));
    assert!(cargo.contains(
        "repository = \"https://github.com/contact-center-exporter/contact-center-exporter\""
    ));
}
