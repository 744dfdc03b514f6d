//! `--web.config.file` through the real binary: TLS (plain HTTP refused), basic auth with
//! bcrypt hashes, required client certificates, and re-reading the file on change.
//! Certificates are generated per test run with the `openssl` CLI.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{http_request, tools_required, Exporter};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate, in `dir`.
fn make_pki(dir: &Path) -> bool {
    if Command::new("openssl").arg("version").output().is_err() {
        assert!(!tools_required(), "openssl is not installed");
        return false;
    }
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "2",
            "-subj",
            "/CN=test-ca",
        ],
    );
    issue(
        dir,
        "server",
        "/CN=127.0.0.1",
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    );
    issue(
        dir,
        "client",
        "/CN=prometheus",
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n",
    );
    true
}

/// `{name}.key` and `{name}.crt` for `subject`, signed by the CA in `dir`, with the
/// X.509 extensions `ext`.
fn issue(dir: &Path, name: &str, subject: &str, ext: &str) {
    let (key, csr, crt, extfile) = (
        format!("{name}.key"),
        format!("{name}.csr"),
        format!("{name}.crt"),
        format!("{name}.ext"),
    );
    std::fs::write(dir.join(&extfile), ext).unwrap();
    openssl(
        dir,
        &[
            "req", "-newkey", "rsa:2048", "-nodes", "-keyout", &key, "-out", &csr, "-subj", subject,
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            &crt,
            "-days",
            "2",
            "-extfile",
            &extfile,
        ],
    );
}

fn client(dir: &Path, with_identity: bool) -> reqwest::blocking::Client {
    let ca = reqwest::Certificate::from_pem(&std::fs::read(dir.join("ca.crt")).unwrap()).unwrap();
    let mut b = reqwest::blocking::Client::builder()
        .add_root_certificate(ca)
        .timeout(Duration::from_secs(10));
    if with_identity {
        let mut pem = std::fs::read(dir.join("client.crt")).unwrap();
        pem.extend(std::fs::read(dir.join("client.key")).unwrap());
        b = b.identity(reqwest::Identity::from_pem(&pem).unwrap());
    }
    b.build().unwrap()
}

fn start(web_config: &Path) -> Exporter {
    let wc = web_config.to_str().unwrap().to_string();
    Exporter::demo(&["--demo.interval", "1s", "--web.config.file", &wc])
}

fn write(path: &PathBuf, text: &str) {
    std::fs::write(path, text).unwrap();
}

#[test]
fn tls_basic_auth_and_reload_of_the_web_config() {
    let dir = tempfile::tempdir().unwrap();
    if !make_pki(dir.path()) {
        return;
    }
    let hash = bcrypt::hash("right-password", 4).unwrap();
    let wc = dir.path().join("web.yml");
    write(&wc, &format!("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  prometheus: {hash}\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n"));
    let e = start(&wc);
    let url = format!("https://127.0.0.1:{}/metrics", e.addr.port());

    // Plain HTTP gets no HTTP answer from a TLS port.
    assert!(http_request(e.addr, "GET", "/metrics", &[]).is_none_or(|(status, _, _)| status != 200));

    let c = client(dir.path(), false);
    assert_eq!(c.get(&url).send().unwrap().status(), 401);
    assert_eq!(status_as(&c, &url, "wrong"), 401);
    assert_eq!(
        c.get(&url)
            .basic_auth("nobody", Some("right-password"))
            .send()
            .unwrap()
            .status(),
        401
    );
    let ok = c
        .get(&url)
        .basic_auth("prometheus", Some("right-password"))
        .send()
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["x-frame-options"], "deny");
    assert!(ok.text().unwrap().contains("contact_center_source_up"));

    // The file is re-read on change: a new password works, the old one stops working.
    std::thread::sleep(Duration::from_millis(1100)); // a new mtime on coarse filesystems
    let hash2 = bcrypt::hash("new-password", 4).unwrap();
    write(&wc, &format!("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  prometheus: {hash2}\n"));
    let c = client(dir.path(), false);
    assert_eq!(status_as(&c, &url, "new-password"), 200);
    assert_eq!(status_as(&c, &url, "right-password"), 401);

    // A broken file is logged and the previous one stays.
    std::thread::sleep(Duration::from_millis(1100));
    write(&wc, "tls_server_config: [\n");
    let c = client(dir.path(), false);
    assert_eq!(status_as(&c, &url, "new-password"), 200);
    assert!(e
        .log_lines()
        .iter()
        .any(|l| l.contains("web config reload failed")));
    assert!(e.log_lines().iter().all(|l| !l.contains("new-password")));
}

#[test]
fn client_certificate_required_when_configured() {
    let dir = tempfile::tempdir().unwrap();
    if !make_pki(dir.path()) {
        return;
    }
    let wc = dir.path().join("web.yml");
    write(&wc, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n  min_version: TLS12\n");
    let e = start(&wc);
    let url = format!("https://127.0.0.1:{}/-/healthy", e.addr.port());
    assert!(
        client(dir.path(), false).get(&url).send().is_err(),
        "no client certificate must fail the handshake"
    );
    assert_eq!(
        client(dir.path(), true).get(&url).send().unwrap().status(),
        200
    );
}

#[test]
fn an_invalid_web_config_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let wc = dir.path().join("web.yml");
    write(&wc, "basic_auth_users:\n  prometheus: not-a-hash\n");
    let out = Command::new(common::binary())
        .args([
            "--demo",
            "--web.listen-address",
            "127.0.0.1:0",
            "--web.config.file",
        ])
        .arg(&wc)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("basic_auth_users.prometheus: not a bcrypt hash"),
        "{err}"
    );
}

/// The status of `url` fetched with user `prometheus` and `password`.
fn status_as(c: &reqwest::blocking::Client, url: &str, password: &str) -> reqwest::StatusCode {
    c.get(url)
        .basic_auth("prometheus", Some(password))
        .send()
        .unwrap()
        .status()
}
