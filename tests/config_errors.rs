//! Config table test: every `tests/config/bad-*.yml` must fail to load with exactly the
//! text in the matching `.err` file (`UPDATE_GOLDEN=1` rewrites them for review), and
//! every example config must load.

use std::path::Path;

use contact_center_exporter::config;

#[test]
fn bad_configs_give_exact_errors() {
    let dir = Path::new("tests/config");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "yml")
                && p.file_name().unwrap().to_string_lossy().starts_with("bad-")
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 15,
        "expected the bad-config table, found {}",
        files.len()
    );
    let update = std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    let mut failures = Vec::new();
    for f in files {
        let err = match config::load(&f) {
            Ok(_) => {
                failures.push(format!("{} loaded but must fail", f.display()));
                continue;
            }
            Err(e) => e.to_string(),
        };
        let want_path = f.with_extension("err");
        if update {
            std::fs::write(&want_path, format!("{err}\n")).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&want_path).unwrap_or_default();
        if want.trim_end() != err {
            failures.push(format!(
                "{}:\n  want: {}\n  got:  {err}",
                f.display(),
                want.trim_end()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_example_config_loads() {
    let mut n = 0;
    for e in std::fs::read_dir("examples").unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "yml") {
            // Examples reference secret files under /etc; point them at test files.
            let text = std::fs::read_to_string(&p).unwrap();
            let dir = tempfile::tempdir().unwrap();
            let text = rewrite_secret_paths(&text, dir.path());
            let c =
                config::parse(&text, &p.display().to_string()).unwrap_or_else(|e| panic!("{e}"));
            assert!(!c.sources.is_empty(), "{} has no sources", p.display());
            n += 1;
        }
    }
    assert!(n >= 1);
}

/// Replaces every `*_file: /etc/...` path with a temp file holding a dummy secret (or,
/// for Voximplant's credentials_file, the test fixture).
fn rewrite_secret_paths(text: &str, dir: &Path) -> String {
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some((key, value)) = trimmed.split_once(": ") {
            if key.ends_with("_file")
                && key != "ca_file"
                && !key.starts_with('#')
                && value.starts_with('/')
            {
                let target = dir.join(format!("secret-{i}"));
                if key == "credentials_file" {
                    std::fs::copy("tests/fixtures/voximplant/credentials.json", &target)
                        .expect("voximplant credentials fixture");
                } else {
                    std::fs::write(&target, "dummy-secret\n").unwrap();
                }
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
                let indent = &line[..line.len() - trimmed.len()];
                out.push_str(&format!("{indent}{key}: {}\n", target.display()));
                continue;
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}
