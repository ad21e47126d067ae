//! Issue 10 (adversarial review), status and data-dir findings, through the `skillcert` binary:
//!
//! - 4: the status cache follows HTTP caching (`max-age`, `ETag` revalidation).
//! - 6: status URLs are fetched only for trusted, well-signed credentials, and only from an
//!   origin the trust list allows for the issuer.
//! - 8: `--status` files cannot hide what the issuer's own database knows; the data dir is
//!   private whatever the umask.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

fn cmd(data: &Path) -> Command {
    let mut c = Command::cargo_bin("skillcert").unwrap();
    c.arg("--data-dir")
        .arg(data)
        .env_remove("SKILLCERT_DATA_DIR")
        .env("USER", "tester");
    c
}

/// A loopback HTTP/1.1 server: `GET /status/{n}` answers the list stored under `n` with a
/// strong ETag (its content hash) and the configured `Cache-Control`; `If-None-Match` with
/// the current ETag gets `304`. It counts every request and the conditional ones.
struct Server {
    port: u16,
    state: Arc<Mutex<Served>>,
}

#[derive(Default)]
struct Served {
    lists: HashMap<String, Vec<u8>>,
    cache_control: Option<String>,
    requests: usize,
    conditional: usize,
}

fn etag_of(b: &[u8]) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    b.hash(&mut h);
    format!("\"{:016x}\"", h.finish())
}

impl Server {
    fn start(cache_control: Option<&str>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(Served {
            cache_control: cache_control.map(str::to_owned),
            ..Served::default()
        }));
        let st = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut s) = stream else { continue };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16_384 {
                    match s.read(&mut chunk) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let req = String::from_utf8_lossy(&buf).to_string();
                let _ = s.write_all(&st.lock().unwrap().answer(&req));
            }
        });
        Server { port, state }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn serve_dir(&self, dir: &Path) {
        let mut st = self.state.lock().unwrap();
        for e in crate::read_dir(dir) {
            let p = e.unwrap().path();
            let n = p.file_stem().unwrap().to_string_lossy().to_string();
            st.lists.insert(n, crate::read_file(&p));
        }
    }

    /// (requests, conditional requests) so far.
    fn counts(&self) -> (usize, usize) {
        let st = self.state.lock().unwrap();
        (st.requests, st.conditional)
    }
}

impl Served {
    fn answer(&mut self, req: &str) -> Vec<u8> {
        self.requests += 1;
        let lower = req.to_ascii_lowercase();
        let inm = lower
            .lines()
            .find_map(|l| l.strip_prefix("if-none-match:"))
            .map(|v| v.trim().to_owned());
        self.conditional += usize::from(inm.is_some());
        let path = req.split_whitespace().nth(1).unwrap_or("");
        let Some(body) = path
            .strip_prefix("/status/")
            .and_then(|n| self.lists.get(n))
        else {
            return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .to_vec();
        };
        let etag = etag_of(body);
        let mut head = format!("ETag: {etag}\r\nConnection: close\r\n");
        if let Some(cc) = &self.cache_control {
            head.push_str(&format!("Cache-Control: {cc}\r\n"));
        }
        if inm.as_deref() == Some(etag.as_str()) {
            return format!("HTTP/1.1 304 Not Modified\r\n{head}\r\n").into_bytes();
        }
        let mut r = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/vc+ld+json\r\n{head}Content-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        r.extend_from_slice(body);
        r
    }
}

/// An issuer at `base_url` in `tmp/data` with one certificate (its document path and id),
/// its exported lists in `tmp/lists` and its trust list in `tmp/trust.json`.
fn issuer_with_one(tmp: &Path, base_url: &str) -> (PathBuf, PathBuf, String) {
    let data = tmp.join("data");
    cmd(&data)
        .args([
            "init",
            "--name",
            "Hostile Test Centre",
            "--base-url",
            base_url,
        ])
        .assert()
        .success();
    let o = cmd(&data)
        .args(["--json", "issue", "--holder", "Wang", "--program", "Welder"])
        .args(["--level", "3", "--out"])
        .arg(tmp.join("out"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let doc = PathBuf::from(v["files"]["document"].as_str().unwrap());
    export(&data, &tmp.join("lists"));
    cmd(&data)
        .args(["trust", "export", "--out"])
        .arg(tmp.join("trust.json"))
        .assert()
        .success();
    (data, doc, v["credential_id"].as_str().unwrap().to_owned())
}

fn export(data: &Path, lists: &Path) {
    cmd(data)
        .args(["status", "export", "--out"])
        .arg(lists)
        .assert()
        .success();
}

/// `verify --json` in data dir `dir` with `args`: (verdict, report).
fn verify(dir: &Path, doc: &Path, args: &[&str]) -> (String, Value) {
    std::fs::create_dir_all(dir).unwrap();
    let o = cmd(dir)
        .args(["--json", "verify"])
        .arg(doc)
        .args(args)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)));
    (v["verdict"].as_str().unwrap().to_owned(), v)
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn finding_4_cli_revalidates_without_max_age() {
    // The server sends no Cache-Control: every run revalidates its cached copy with
    // If-None-Match, so a revocation shows at once.
    let server = Server::start(None);
    let tmp = tempfile::tempdir().unwrap();
    let (data, doc, id) = issuer_with_one(tmp.path(), &server.base());
    server.serve_dir(&tmp.path().join("lists"));
    let auditor = tmp.path().join("auditor");
    let trust = tmp.path().join("trust.json");
    let args = ["--trust", path_str(&trust)];
    assert_eq!(verify(&auditor, &doc, &args).0, "valid");
    let (n, _) = server.counts();
    assert!(n >= 1);
    // Unchanged: the next run asks again, conditionally, and the 304 keeps it valid.
    assert_eq!(verify(&auditor, &doc, &args).0, "valid");
    assert_eq!(server.counts(), (2 * n, n));
    // Revoked and re-exported on the server: the next run sees it.
    cmd(&data)
        .args(["revoke", &id, "--reason", "fraud"])
        .assert()
        .success();
    export(&data, &tmp.path().join("lists"));
    server.serve_dir(&tmp.path().join("lists"));
    assert_eq!(verify(&auditor, &doc, &args).0, "revoked");
}

#[test]
fn finding_6_untrusted_credential_makes_no_status_request() {
    let server = Server::start(Some("max-age=300"));
    let tmp = tempfile::tempdir().unwrap();
    let (_data, doc, _) = issuer_with_one(tmp.path(), &server.base());
    server.serve_dir(&tmp.path().join("lists"));
    // An auditor trusting someone else: untrusted_issuer, and no request.
    let other = tempfile::tempdir().unwrap();
    let (other_data, _, _) = issuer_with_one(other.path(), "https://other.example.cn");
    let _ = other_data;
    let other_trust = other.path().join("trust.json");
    let auditor = tmp.path().join("auditor");
    let (v, r) = verify(&auditor, &doc, &["--trust", path_str(&other_trust)]);
    assert_eq!(v, "untrusted_issuer");
    assert!(r["checks"].to_string().contains("not checked"), "{r}");
    assert_eq!(
        server.counts().0,
        0,
        "no request for an untrusted credential"
    );
    // A trusted issuer's credential, altered: bad_signature, and no request.
    let mut d: Value = serde_json::from_slice(&crate::read_file(&doc)).unwrap();
    d["validUntil"] = Value::String("2099-01-01T00:00:00Z".into());
    let altered = tmp.path().join("altered.json");
    std::fs::write(&altered, d.to_string()).unwrap();
    let trust = tmp.path().join("trust.json");
    let (v, _) = verify(&auditor, &altered, &["--trust", path_str(&trust)]);
    assert_eq!(v, "bad_signature");
    assert_eq!(
        server.counts().0,
        0,
        "no request for a badly signed credential"
    );
    // The genuine credential: the lists are fetched (the server works).
    let (v, _) = verify(&auditor, &doc, &["--trust", path_str(&trust)]);
    assert_eq!(v, "valid");
    assert!(server.counts().0 >= 1);
}

#[test]
fn finding_6_status_url_from_foreign_origin_is_status_unknown() {
    use skillcert::issuer::{now_secs, Issuer};
    let server = Server::start(Some("max-age=300"));
    let tmp = tempfile::tempdir().unwrap();
    // A trusted did:web issuer at https://verify.example.cn signs a credential whose status
    // entries point at another origin (here: the loopback server).
    let (data, doc, _) = issuer_with_one(tmp.path(), "https://verify.example.cn");
    server.serve_dir(&tmp.path().join("lists"));
    let issuer = Issuer::open(&data).unwrap();
    let mut d: Value = serde_json::from_slice(&crate::read_file(&doc)).unwrap();
    d.as_object_mut().unwrap().remove("proof");
    for s in d["credentialStatus"].as_array_mut().unwrap() {
        let url = s["statusListCredential"].as_str().unwrap().to_owned();
        let moved = url.replace("https://verify.example.cn", &server.base());
        s["statusListCredential"] = Value::String(moved);
    }
    let signed = skillcert::proof::sign(
        &d,
        issuer.signing_key(),
        issuer.verification_method(),
        &now_secs(),
    )
    .unwrap();
    let foreign = tmp.path().join("foreign.json");
    std::fs::write(&foreign, signed.to_string()).unwrap();
    let trust = tmp.path().join("trust.json");
    let auditor = tmp.path().join("auditor");
    let (v, r) = verify(&auditor, &foreign, &["--trust", path_str(&trust)]);
    assert_eq!(v, "status_unknown", "{r}");
    let checks = r["checks"].to_string();
    assert!(
        checks.contains("is not allowed for issuer did:web:verify.example.cn"),
        "{checks}"
    );
    assert_eq!(server.counts().0, 0, "no request to a foreign origin");
    // The trust list may allow that origin for the issuer: then it is fetched (and the
    // lists, signed by the issuer for its own URLs, do not count for these: still unknown).
    let mut t: Value = serde_json::from_slice(&crate::read_file(&trust)).unwrap();
    t["issuers"][0]["statusOrigins"] = serde_json::json!([server.base()]);
    let allowed = tmp.path().join("allowed.json");
    std::fs::write(&allowed, t.to_string()).unwrap();
    let (v, _) = verify(&auditor, &foreign, &["--trust", path_str(&allowed)]);
    assert_eq!(v, "status_unknown");
    assert!(server.counts().0 >= 1);
}

#[test]
fn finding_6_exported_trust_list_allows_the_issuers_own_status_origin() {
    // An issuer on plain http (a did:web whose implicit origin would be https): its exported
    // trust list names its base URL's origin, so online checks work out of the box.
    let server = Server::start(Some("max-age=300"));
    let tmp = tempfile::tempdir().unwrap();
    let (_data, doc, _) = issuer_with_one(tmp.path(), &server.base());
    server.serve_dir(&tmp.path().join("lists"));
    let trust = tmp.path().join("trust.json");
    let t: Value = serde_json::from_slice(&crate::read_file(&trust)).unwrap();
    assert_eq!(
        t["issuers"][0]["statusOrigins"],
        serde_json::json!([server.base()])
    );
    let auditor = tmp.path().join("auditor");
    assert_eq!(
        verify(&auditor, &doc, &["--trust", path_str(&trust)]).0,
        "valid"
    );
    // Without the member, that origin is not the issuer's: unknown, and no request.
    let mut t = t;
    t["issuers"][0]
        .as_object_mut()
        .unwrap()
        .remove("statusOrigins");
    let bare = tmp.path().join("bare.json");
    std::fs::write(&bare, t.to_string()).unwrap();
    let before = server.counts().0;
    let fresh = tmp.path().join("auditor2");
    let (v, r) = verify(&fresh, &doc, &["--trust", path_str(&bare)]);
    assert_eq!(v, "status_unknown", "{r}");
    assert_eq!(server.counts().0, before);
}

#[test]
fn finding_8_status_file_and_registry_more_severe_wins() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, doc, id) = issuer_with_one(tmp.path(), "https://verify.example.cn");
    // An old export (active), then a revocation in the issuer's database.
    cmd(&data)
        .args(["revoke", &id, "--reason", "fraud"])
        .assert()
        .success();
    let mut args = vec!["--offline".to_owned()];
    for e in crate::read_dir(tmp.path().join("lists")) {
        args.push("--status".into());
        args.push(e.unwrap().path().display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (v, r) = verify(&data, &doc, &args);
    assert_eq!(v, "revoked", "{r}");
    let checks = r["checks"].to_string();
    assert!(
        checks.contains(
            "the status file says active but the issuer's database says revoked; the more severe wins"
        ),
        "{checks}"
    );
    // Agreeing answers say so too.
    export(&data, &tmp.path().join("lists"));
    let (v, r) = verify(&data, &doc, &args);
    assert_eq!(v, "revoked");
    assert!(r["checks"].to_string().contains("agrees"), "{r}");
}

#[cfg(unix)]
#[test]
fn finding_8_data_dir_private_under_umask_000() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let bin = assert_cmd::cargo::cargo_bin("skillcert");
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"umask 000; exec "$0" "$@""#)
        .arg(&bin)
        .arg("--data-dir")
        .arg(&data)
        .args(["init", "--name", "Umask Centre"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Issue one certificate, also under umask 000, so the issuer's database has been written to.
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"umask 000; exec "$0" "$@""#)
        .arg(&bin)
        .arg("--data-dir")
        .arg(&data)
        .args([
            "issue",
            "--holder",
            "王晓明",
            "--program",
            "Welder",
            "--level",
            "3",
        ])
        .arg("--out")
        .arg(tmp.path().join("out"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "data dir");
    assert_eq!(mode(&data.join("keys")), 0o700, "keys dir");
    let mut files = 0;
    for dir in [data.clone(), data.join("keys")] {
        for e in crate::read_dir(&dir) {
            let p = e.unwrap().path();
            if p.is_file() {
                files += 1;
                assert_eq!(mode(&p), 0o600, "{}", p.display());
            }
        }
    }
    // config.json, registry.sqlite (and its WAL files), keys/key-1.secret at least.
    assert!(files >= 3, "{files}");
    assert_eq!(mode(&data.join("config.json")), 0o600);
}
