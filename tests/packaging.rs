//! What the packages ship, checked without building them: the man page and shell
//! completions are exactly what the clap definition generates, the systemd unit passes
//! `systemd-analyze verify` and the hardening target, and the Kubernetes manifests parse
//! and agree with the exporter's defaults.
//!
//! `UPDATE_GOLDEN=1 cargo test --test packaging` regenerates `packaging/man/` and
//! `packaging/completions/` from `src/cli.rs`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use clap_mangen::roff::{bold, italic, roman, Roff};
use contact_center_exporter::cli::{Cli, DEFAULT_PORT};
use serde_yaml_ng::Value;

const BIN: &str = "contact-center-exporter";
const UNIT: &str = "packaging/systemd/contact-center-exporter.service";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The clap command as packaged: the plain crate version (the `--version` text carries
/// the git revision, which would change the generated files on every commit).
fn command() -> clap::Command {
    contact_center_exporter::cli::command().version(env!("CARGO_PKG_VERSION"))
}

/// FILES, SIGNALS, ENDPOINTS and SEE ALSO, which clap does not know about.
fn extra_sections() -> Roff {
    let mut r = Roff::new();
    let item = |r: &mut Roff, term: Vec<clap_mangen::roff::Inline>, text: &str| {
        r.control("TP", []);
        r.text(term);
        r.text([roman(text)]);
    };
    r.control("SH", ["FILES"]);
    item(
        &mut r,
        vec![italic(
            "/etc/contact-center-exporter/contact-center-exporter.yml",
        )],
        "The configuration file used by the systemd unit (a commented example).",
    );
    item(
        &mut r,
        vec![italic("/etc/default/contact-center-exporter")],
        "Environment for the systemd unit: CONTACT_CENTER_EXPORTER_* variables and ARGS, extra flags.",
    );
    item(
        &mut r,
        vec![italic("/etc/contact-center-exporter/credentials/")],
        "Secret files, readable by root only; systemd passes each file NAME to the service as $CREDENTIALS_DIRECTORY/secret_NAME (LoadCredential=).",
    );
    item(
        &mut r,
        vec![italic("/usr/share/contact-center-exporter/")],
        "Grafana dashboards and Prometheus alerting rules.",
    );
    r.control("SH", ["SIGNALS"]);
    item(
        &mut r,
        vec![bold("SIGHUP")],
        "Reload the configuration (as POST /-/reload does). A configuration that does not load is logged and the previous one stays in force.",
    );
    item(
        &mut r,
        vec![bold("SIGTERM"), roman(", "), bold("SIGINT")],
        "Stop gracefully.",
    );
    r.control("SH", ["HTTP ENDPOINTS"]);
    for (path, what) in [
        ("/", "Landing page with the state of every source."),
        (
            "/metrics",
            "The metrics (path set by --web.telemetry-path).",
        ),
        ("/-/healthy", "200 while serving."),
        (
            "/-/ready",
            "200 once every source has finished its first poll.",
        ),
        ("/-/reload", "POST: reload the configuration."),
    ] {
        item(&mut r, vec![bold(path)], what);
    }
    r.control("SH", ["EXIT STATUS"]);
    r.text([roman(
        "0 after a graceful stop, a valid --config.check, or a --probe where every source is up; 1 when the configuration is invalid, the listen address cannot be bound, or --probe found a source down; 2 on a usage error (an unknown flag or a bad flag value).",
    )]);
    r.control("SH", ["SEE ALSO"]);
    r.text([
        bold("prometheus"),
        roman("(1), "),
        bold("systemd.exec"),
        roman("(5), "),
        bold("systemd-creds"),
        roman("(1)"),
    ]);
    r
}

fn man_page() -> String {
    let mut page = Vec::new();
    clap_mangen::Man::new(command()).render(&mut page).unwrap();
    let page = String::from_utf8(page).unwrap();
    // Our sections go before VERSION; both renderings start with the same preamble
    // (two lines defining the apostrophe string), which the page needs only once.
    let extra = extra_sections().render();
    let extra: String = extra.split_inclusive('\n').skip(2).collect();
    let at = page.find(".SH VERSION").expect("a VERSION section");
    format!("{}{extra}{}", &page[..at], &page[at..])
}

fn completion(shell: clap_complete::Shell) -> String {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command(), BIN, &mut out);
    String::from_utf8(out).unwrap()
}

/// Every generated file: path in the repository → content.
fn generated() -> BTreeMap<&'static str, String> {
    use clap_complete::Shell;
    BTreeMap::from([
        ("packaging/man/contact-center-exporter.1", man_page()),
        (
            "packaging/completions/contact-center-exporter.bash",
            completion(Shell::Bash),
        ),
        (
            "packaging/completions/_contact-center-exporter",
            completion(Shell::Zsh),
        ),
        (
            "packaging/completions/contact-center-exporter.fish",
            completion(Shell::Fish),
        ),
    ])
}

#[test]
fn man_page_and_completions_match_the_cli() {
    let update = std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    let mut stale = Vec::new();
    for (path, want) in generated() {
        let path = root().join(path);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &want).unwrap();
            continue;
        }
        if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "generated files differ from src/cli.rs (run UPDATE_GOLDEN=1 cargo test --test packaging): {stale:?}"
    );
    // They are about this program and its real flags.
    let man = man_page();
    assert!(
        man.lines()
            .nth(2)
            .unwrap()
            .starts_with(".TH contact-center-exporter 1 "),
        "{man}"
    );
    assert_eq!(man.matches(".ds Aq").count(), 2, "one preamble");
    for flag in [
        "config.file",
        "config.check",
        "web.listen-address",
        "web.telemetry-path",
        "log.level",
        "demo",
    ] {
        assert!(
            man.contains(&format!("\\-\\-{}", flag.replace('-', "\\-"))),
            "man page lacks --{flag}"
        );
        assert!(
            completion(clap_complete::Shell::Bash).contains(&format!("--{flag}")),
            "bash completion lacks --{flag}"
        );
    }
    assert!(man.contains("CONTACT_CENTER_EXPORTER_WEB_LISTEN_ADDRESS"));
    assert!(man.contains(".SH SIGNALS"));
}

/// `systemd-analyze`, or None (a failure when the tools are required) when it is missing.
fn systemd_analyze() -> Option<PathBuf> {
    let found = Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            !common::tools_required(),
            "systemd-analyze is missing (install Debian's systemd package)"
        );
        eprintln!("systemd-analyze not installed; skipping");
        return None;
    }
    Some(PathBuf::from("systemd-analyze"))
}

#[test]
fn systemd_unit_verifies_and_meets_the_exposure_target() {
    let Some(analyze) = systemd_analyze() else {
        return;
    };
    let unit = std::fs::read_to_string(root().join(UNIT)).unwrap();
    // The unit's promises, stated in the issue.
    for line in [
        "Type=notify",
        "ExecStartPre=/usr/bin/contact-center-exporter --config.check",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "EnvironmentFile=-/etc/default/contact-center-exporter",
        "User=contact-center-exporter",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
        "SystemCallFilter=@system-service",
        "CapabilityBoundingSet=",
        "MemoryDenyWriteExecute=yes",
        "WatchdogSec=30s",
    ] {
        assert!(
            unit.lines().any(|l| l == line),
            "{UNIT} lacks the line {line:?}"
        );
    }
    assert!(unit.lines().any(|l| l.starts_with("LoadCredential=")));

    // verify needs the ExecStart binary to exist: check a copy that points at the binary
    // under test, under the same unit name.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("contact-center-exporter.service");
    std::fs::write(
        &copy,
        unit.replace(
            "/usr/bin/contact-center-exporter",
            &common::binary().display().to_string(),
        ),
    )
    .unwrap();
    let out = Command::new(&analyze)
        .args(["verify", "--man=no"])
        .arg(&copy)
        .output()
        .unwrap();
    let text = common::output_text(&out);
    assert!(
        out.status.success() && text.trim().is_empty(),
        "systemd-analyze verify: {text}"
    );

    let out = Command::new(&analyze)
        .args(["security", "--offline=true", "--no-pager"])
        .arg(root().join(UNIT))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let exposure: f64 = text
        .lines()
        .find_map(|l| l.split_once("Overall exposure level for contact-center-exporter.service: "))
        .and_then(|(_, rest)| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "no exposure level in:\n{text}{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    assert!(
        exposure <= 2.0,
        "exposure {exposure} > 2.0; the findings:\n{}",
        text.lines()
            .filter(|l| l.starts_with('✗'))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn debian_default_file_and_maintainer_scripts() {
    let default = std::fs::read_to_string(root().join("packaging/debian/default")).unwrap();
    // Every assignment names a real flag's variable, ARGS, or a proxy variable the
    // vendor HTTP client reads (docs/configuration.md, "Egress proxy").
    let cli = command();
    let vars: Vec<String> = cli
        .get_arguments()
        .filter_map(|a| a.get_env())
        .map(|e| e.to_string_lossy().into_owned())
        .collect();
    for line in default.lines().map(|l| l.trim_start_matches("# ").trim()) {
        if let Some((name, _)) = line.split_once('=') {
            if name.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                let proxy = ["HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"];
                assert!(
                    name == "ARGS" || proxy.contains(&name) || vars.iter().any(|v| v == name),
                    "packaging/debian/default names {name}, which is no flag's variable"
                );
            }
        }
    }
    // The Debian changelog's latest entry is this version (cargo-deb's package version is
    // the crate version plus revision 1).
    let changelog = std::fs::read_to_string(root().join("packaging/debian/changelog")).unwrap();
    let first = changelog.lines().next().unwrap_or("");
    let want = format!("contact-center-exporter ({}-1) ", env!("CARGO_PKG_VERSION"));
    assert!(
        first.starts_with(&want),
        "packaging/debian/changelog starts with {first:?}, not {want:?}: add an entry for this version"
    );
    let postinst = std::fs::read_to_string(root().join("packaging/debian/postinst")).unwrap();
    assert!(postinst.contains("adduser --system") && postinst.contains("#DEBHELPER#"));
    let postrm = std::fs::read_to_string(root().join("packaging/debian/postrm")).unwrap();
    assert!(postrm.contains("deluser --system") && postrm.contains("#DEBHELPER#"));
    for script in ["postinst", "postrm"] {
        let out = Command::new("sh")
            .arg("-n")
            .arg(root().join("packaging/debian").join(script))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{script}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Every document of every manifest under packaging/kubernetes/, by kind.
fn kubernetes_documents() -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let dir = root().join("packaging/kubernetes");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for doc in serde_yaml_ng::Deserializer::from_str(&text) {
            let v: Value = serde::Deserialize::deserialize(doc)
                .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            if v.is_null() {
                continue;
            }
            let kind = v["kind"]
                .as_str()
                .unwrap_or_else(|| panic!("{}: a document without kind", f.display()))
                .to_string();
            assert!(
                v["apiVersion"].as_str().is_some(),
                "{}: {kind} without apiVersion",
                f.display()
            );
            assert!(
                out.insert(kind.clone(), v).is_none(),
                "two {kind} documents"
            );
        }
    }
    out
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    let mut cur = v;
    for k in path {
        cur = &cur[*k];
    }
    cur.as_str()
        .unwrap_or_else(|| panic!("missing string at {}", path.join(".")))
}

#[test]
fn kubernetes_manifests_parse_and_agree() {
    let docs = kubernetes_documents();
    for kind in [
        "Deployment",
        "Service",
        "ServiceMonitor",
        "ConfigMap",
        "Secret",
    ] {
        assert!(
            docs.contains_key(kind),
            "no {kind} in packaging/kubernetes/"
        );
    }
    let deploy = &docs["Deployment"];
    let pod = &deploy["spec"]["template"];
    let labels = &pod["metadata"]["labels"];
    for (k, v) in deploy["spec"]["selector"]["matchLabels"]
        .as_mapping()
        .expect("selector.matchLabels")
    {
        assert_eq!(&labels[k], v, "the selector must match the pod labels");
    }
    // One replica: a second one would double every vendor API call.
    assert_eq!(deploy["spec"]["replicas"].as_u64(), Some(1));
    let containers = pod["spec"]["containers"].as_sequence().unwrap();
    assert_eq!(containers.len(), 1);
    let c = &containers[0];
    let args: Vec<&str> = c["args"]
        .as_sequence()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    // The args must parse with the real CLI.
    let parsed = <Cli as clap::Parser>::try_parse_from(std::iter::once(BIN).chain(args.clone()))
        .unwrap_or_else(|e| panic!("container args {args:?}: {e}"));
    let port: u16 = parsed
        .listen_addresses
        .first()
        .and_then(|a| a.rsplit(':').next()?.parse().ok())
        .unwrap();
    assert_eq!(port, DEFAULT_PORT);
    let ports = c["ports"].as_sequence().unwrap();
    assert_eq!(ports[0]["containerPort"].as_u64(), Some(port.into()));
    let port_name = str_at(&ports[0], &["name"]);
    for (probe, path) in [
        ("livenessProbe", "/-/healthy"),
        ("readinessProbe", "/-/ready"),
    ] {
        assert_eq!(str_at(c, &[probe, "httpGet", "path"]), path, "{probe}");
        let p = &c[probe]["httpGet"]["port"];
        assert!(
            p.as_str() == Some(port_name) || p.as_u64() == Some(port.into()),
            "{probe} port {p:?}"
        );
    }
    // Hardened container.
    let sc = &c["securityContext"];
    assert_eq!(sc["readOnlyRootFilesystem"].as_bool(), Some(true));
    assert_eq!(sc["allowPrivilegeEscalation"].as_bool(), Some(false));
    assert_eq!(sc["runAsNonRoot"].as_bool(), Some(true));
    assert_eq!(
        sc["capabilities"]["drop"][0].as_str(),
        Some("ALL"),
        "capabilities.drop"
    );

    // Volumes: config from the ConfigMap, secrets from the Secret, both read-only, and
    // the config's *_file paths point into the secret mount.
    let volumes = pod["spec"]["volumes"].as_sequence().unwrap();
    let mounts = c["volumeMounts"].as_sequence().unwrap();
    let mount_of = |volume_key: &str, name: &str| -> &Value {
        let vol = volumes
            .iter()
            .find(|v| {
                let src = &v[volume_key];
                src["name"].as_str() == Some(name) || src["secretName"].as_str() == Some(name)
            })
            .unwrap_or_else(|| panic!("no {volume_key} volume for {name}"));
        let vname = str_at(vol, &["name"]);
        mounts
            .iter()
            .find(|m| m["name"].as_str() == Some(vname))
            .unwrap_or_else(|| panic!("volume {vname} is not mounted"))
    };
    let cm = &docs["ConfigMap"];
    let secret = &docs["Secret"];
    let cm_mount = mount_of("configMap", str_at(cm, &["metadata", "name"]));
    let secret_mount = mount_of("secret", str_at(secret, &["metadata", "name"]));
    for m in [cm_mount, secret_mount] {
        assert_eq!(
            m["readOnly"].as_bool(),
            Some(true),
            "{m:?} must be read-only"
        );
    }
    let config_dir = str_at(cm_mount, &["mountPath"]);
    let secret_dir = str_at(secret_mount, &["mountPath"]);
    let config_file = Path::new(config_dir).join(
        cm["data"]
            .as_mapping()
            .unwrap()
            .keys()
            .next()
            .and_then(Value::as_str)
            .unwrap(),
    );
    assert_eq!(
        parsed.config_file, config_file,
        "--config.file must name the mounted ConfigMap key"
    );
    // The ConfigMap's config is valid once the Secret's keys are files.
    let yaml = cm["data"].as_mapping().unwrap().values().next().unwrap();
    let yaml = yaml.as_str().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let secret_keys: Vec<&str> = secret["stringData"]
        .as_mapping()
        .expect("Secret.stringData")
        .keys()
        .filter_map(Value::as_str)
        .collect();
    for k in &secret_keys {
        let f = tmp.path().join(k);
        std::fs::write(&f, "dummy-secret\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(
            yaml.contains(&format!("{secret_dir}/{k}")),
            "the config does not use the secret key {k}"
        );
    }
    let local = yaml.replace(secret_dir, &tmp.path().display().to_string());
    contact_center_exporter::config::parse(&local, "configmap.yml")
        .unwrap_or_else(|e| panic!("the ConfigMap's config: {e}"));

    // Service and ServiceMonitor reach the same port.
    let svc = &docs["Service"];
    let svc_port = &svc["spec"]["ports"][0];
    assert!(
        svc_port["targetPort"].as_str() == Some(port_name)
            || svc_port["targetPort"].as_u64() == Some(port.into())
    );
    for (k, v) in svc["spec"]["selector"].as_mapping().unwrap() {
        assert_eq!(&labels[k], v, "the Service selector must match the pods");
    }
    let sm = &docs["ServiceMonitor"];
    assert_eq!(str_at(sm, &["apiVersion"]), "monitoring.coreos.com/v1");
    let svc_labels = &svc["metadata"]["labels"];
    for (k, v) in sm["spec"]["selector"]["matchLabels"].as_mapping().unwrap() {
        assert_eq!(
            &svc_labels[k], v,
            "the ServiceMonitor must select the Service"
        );
    }
    let ep = &sm["spec"]["endpoints"][0];
    assert_eq!(ep["port"].as_str(), svc_port["name"].as_str());
    assert_eq!(str_at(ep, &["path"]), "/metrics");
}

/// The system calls a `SystemCallFilter=` list allows, expanded through the `@group`s
/// that `systemd-analyze syscall-filter` prints.
fn allowed_syscalls(analyze: &Path, filter_lines: &[&str]) -> std::collections::BTreeSet<String> {
    use std::collections::{BTreeMap as Map, BTreeSet as Set};
    let out = Command::new(analyze)
        .args(["syscall-filter", "--no-pager"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut groups: Map<String, Vec<String>> = Map::new();
    let mut current = None;
    for line in text.lines() {
        if line.starts_with('@') {
            let name = line.split_whitespace().next().unwrap().to_string();
            groups.entry(name.clone()).or_default();
            current = Some(name);
        } else if let (Some(g), l) = (&current, line.trim()) {
            if !l.is_empty() && !l.starts_with('#') {
                groups.get_mut(g).unwrap().push(l.to_string());
            }
        }
    }
    fn expand(name: &str, groups: &Map<String, Vec<String>>, out: &mut Set<String>) {
        match groups.get(name) {
            Some(members) => {
                for m in members {
                    expand(m, groups, out)
                }
            }
            None if !name.starts_with('@') => {
                out.insert(name.to_string());
            }
            None => panic!("unknown syscall group {name}"),
        }
    }
    let mut allowed = Set::new();
    for line in filter_lines {
        let (deny, list) = match line.strip_prefix('~') {
            Some(rest) => (true, rest),
            None => (false, *line),
        };
        let mut set = Set::new();
        for name in list.split_whitespace() {
            expand(name, &groups, &mut set);
        }
        if deny {
            allowed.retain(|s| !set.contains(s));
        } else {
            allowed.extend(set);
        }
    }
    allowed
}

/// Runs the exporter under strace through start, scrapes (plain and gzip), the landing
/// page, reloads by HTTP and SIGHUP, and a graceful stop, and checks that the unit's
/// SystemCallFilter= allows every system call it made: in demo mode (pollers,
/// simulator, HTTP server), and with a source that reaches its vendor through a
/// `proxy_url`. A dependency that starts using, say, io_uring fails here, not in
/// production.
#[test]
fn seccomp_filter_allows_every_syscall_the_exporter_makes() {
    let Some(analyze) = systemd_analyze() else {
        return;
    };
    if Command::new("strace").arg("-V").output().is_err() {
        assert!(
            !common::tools_required(),
            "strace is missing (install Debian's strace package)"
        );
        eprintln!("strace not installed; skipping");
        return;
    }
    let unit = std::fs::read_to_string(root().join(UNIT)).unwrap();
    let filter: Vec<&str> = unit
        .lines()
        .filter_map(|l| l.strip_prefix("SystemCallFilter="))
        .collect();
    let allowed = allowed_syscalls(&analyze, &filter);
    assert!(allowed.contains("read") && !allowed.contains("reboot"));

    let dir = tempfile::tempdir().unwrap();
    let mut used = traced_syscalls(
        &dir.path().join("demo"),
        &["--demo", "--demo.interval", "1s"],
    );
    // A source behind an egress proxy (the proxy answers as the vendor).
    let vendor = common::example::exotel_mock();
    let proxy = common::example::exotel_mock();
    let config = dir.path().join("proxy.yml");
    std::fs::write(
        &config,
        format!(
            "sources:\n{}",
            common::example::source_yaml(
                "proxied",
                &vendor,
                &format!("    proxy_url: http://ops:pw@{}\n", proxy.addr)
            )
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    used.extend(traced_syscalls(
        &dir.path().join("proxy"),
        &["--config.file", &config],
    ));
    assert!(
        !proxy.recorded().is_empty(),
        "the traced exporter never used its proxy"
    );
    assert!(
        vendor.recorded().is_empty(),
        "the traced exporter bypassed its proxy"
    );
    let denied: Vec<_> = used.iter().filter(|s| !allowed.contains(*s)).collect();
    assert!(
        denied.is_empty(),
        "SystemCallFilter= denies system calls the exporter makes: {denied:?}"
    );
}

/// The system calls the exporter run with `args` makes through start, scrapes, the
/// landing page, reloads and a graceful stop (traced into `trace`).
fn traced_syscalls(trace: &Path, args: &[&str]) -> std::collections::BTreeSet<String> {
    let port = common::free_port();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut strace = common::without_proxy_env(&mut Command::new("strace"))
        .args(["-f", "-qq", "-o"])
        .arg(trace)
        .arg(common::binary())
        .args(args)
        .arg("--web.enable-lifecycle")
        .arg("--web.listen-address")
        .arg(addr.to_string())
        .env_remove("NOTIFY_SOCKET")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let get = |path: &str, headers: &[(&str, &str)]| {
        common::http_request(addr, "GET", path, headers).map(|r| r.0)
    };
    while get("/-/ready", &[]) != Some(200) {
        assert!(
            std::time::Instant::now() < deadline,
            "the traced exporter never got ready"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(get("/metrics", &[]), Some(200));
    assert_eq!(get("/metrics", &[("Accept-Encoding", "gzip")]), Some(200));
    assert_eq!(get("/", &[]), Some(200));
    assert_eq!(
        common::http_request(addr, "POST", "/-/reload", &[]).map(|r| r.0),
        Some(200)
    );
    // The exporter's pid is the first one in the trace.
    let pid = std::fs::read_to_string(trace)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let kill = |sig: &str| {
        Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(&pid)
            .status()
            .unwrap()
    };
    kill("HUP");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    kill("TERM");
    let status = loop {
        if let Some(st) = strace.try_wait().unwrap() {
            break st;
        }
        if std::time::Instant::now() > deadline + std::time::Duration::from_secs(15) {
            let _ = strace.kill();
            panic!("the traced exporter did not stop");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success(), "strace/exporter exit: {status}");

    let text = std::fs::read_to_string(trace).unwrap();
    let mut used = std::collections::BTreeSet::new();
    let mut execs = 0;
    for line in text.lines() {
        // "<pid> name(args) = result", "<pid> <... name resumed>..." or signals.
        let Some(rest) = line.split_once(' ').map(|(_, r)| r.trim_start()) else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() || !rest[name.len()..].starts_with('(') {
            continue;
        }
        // The execve that starts the exporter happens before systemd applies the filter.
        if name == "execve" && execs == 0 {
            execs += 1;
            continue;
        }
        used.insert(name);
    }
    assert!(used.len() > 20, "too few system calls traced: {used:?}");
    used
}
