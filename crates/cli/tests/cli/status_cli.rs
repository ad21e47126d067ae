//! Every status verdict through the CLI, offline (`--status FILE`) and online (a local HTTP
//! server serving the exported lists), plus the issuer's database commands' refusals.

use assert_cmd::Command;
use serde_json::Value;
use skillcert::issuer::Issuer;
use skillcert::model::StatusPurpose;
use skillcert::status::credential::build_signed;
use skillcert_store::issuer_db::IssuerDb;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A tiny HTTP/1.1 server: `GET /status/{n}` answers the bytes stored under `n`, reusable for
/// 5 minutes (`Cache-Control: public, max-age=300`).
struct Server {
    port: u16,
    files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    hits: Arc<AtomicUsize>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let files: Arc<Mutex<HashMap<String, Vec<u8>>>> = Arc::default();
        let hits = Arc::new(AtomicUsize::new(0));
        let (f, h) = (files.clone(), hits.clone());
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
                h.fetch_add(1, Ordering::SeqCst);
                let req = String::from_utf8_lossy(&buf);
                let path = req.split_whitespace().nth(1).unwrap_or("").to_owned();
                let body = path
                    .strip_prefix("/status/")
                    .and_then(|n| f.lock().unwrap().get(n).cloned());
                let resp = match body {
                    Some(b) => {
                        let mut r = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/vc+ld+json\r\nCache-Control: public, max-age=300\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            b.len()
                        )
                        .into_bytes();
                        r.extend_from_slice(&b);
                        r
                    }
                    None => {
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .to_vec()
                    }
                };
                let _ = s.write_all(&resp);
            }
        });
        Server { port, files, hits }
    }

    fn serve_dir(&self, dir: &Path) {
        let mut m = self.files.lock().unwrap();
        for e in crate::read_dir(dir) {
            let p = e.unwrap().path();
            let n = p.file_stem().unwrap().to_string_lossy().to_string();
            m.insert(n, crate::read_file(&p));
        }
    }
}

fn cmd(data: &Path) -> Command {
    let mut c = Command::cargo_bin("skillcert").unwrap();
    c.arg("--data-dir").arg(data).env("USER", "tester");
    c
}

/// An issuer at `base_url` with three certificates: valid, revoked, suspended.
struct Fixture {
    _tmp: tempfile::TempDir,
    data: PathBuf,
    lists: PathBuf,
    docs: [PathBuf; 3],
    ids: [String; 3],
}

fn fixture(base_url: &str) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    cmd(&data)
        .args([
            "init",
            "--name",
            "Status Test Centre",
            "--base-url",
            base_url,
        ])
        .assert()
        .success();
    let out = tmp.path().join("out");
    let mut docs = Vec::new();
    let mut ids = Vec::new();
    for name in ["Valid", "Revoked", "Suspended"] {
        let o = cmd(&data)
            .args([
                "--json",
                "issue",
                "--holder",
                name,
                "--program",
                "Welder",
                "--level",
                "3",
            ])
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success());
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        ids.push(v["credential_id"].as_str().unwrap().to_owned());
        docs.push(PathBuf::from(v["files"]["document"].as_str().unwrap()));
    }
    // The bare UUID is accepted as well as the urn:uuid: form.
    cmd(&data)
        .args([
            "revoke",
            ids[1].trim_start_matches("urn:uuid:"),
            "--reason",
            "fraud",
        ])
        .assert()
        .success();
    cmd(&data)
        .args(["suspend", &ids[2], "--reason", "under review"])
        .assert()
        .success();
    let lists = tmp.path().join("lists");
    cmd(&data)
        .args(["status", "export", "--out"])
        .arg(&lists)
        .assert()
        .success();
    Fixture {
        _tmp: tmp,
        data,
        lists,
        docs: docs.try_into().unwrap(),
        ids: ids.try_into().unwrap(),
    }
}

fn status_files(dir: &Path) -> Vec<String> {
    let mut v = Vec::new();
    for e in crate::read_dir(dir) {
        v.push("--status".to_owned());
        v.push(e.unwrap().path().display().to_string());
    }
    v
}

/// Runs `verify --json` and gives (exit code, verdict, report).
/// Verifies as an auditor would: from its own (issuer-less) data dir, trusting the issuer's
/// exported trust list, so status comes only from `--status` files or HTTP.
fn verify(data: &Path, doc: &Path, extra: &[String]) -> (i32, String, Value) {
    let parent = data.parent().unwrap();
    let trust = parent.join("trust.json");
    if !trust.exists() {
        cmd(data)
            .args(["trust", "export", "--out"])
            .arg(&trust)
            .assert()
            .success();
    }
    let auditor = parent.join("auditor");
    std::fs::create_dir_all(&auditor).unwrap();
    let mut args = vec!["--trust".to_owned(), trust.display().to_string()];
    args.extend(extra.iter().cloned());
    verify_in(&auditor, doc, &args)
}

/// Verifies with the data dir `dir` (its own issuer and registry, when it has one).
fn verify_in(dir: &Path, doc: &Path, extra: &[String]) -> (i32, String, Value) {
    let o = cmd(dir)
        .args(["--json", "verify"])
        .arg(doc)
        .args(extra)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)));
    (
        o.status.code().unwrap(),
        v["verdict"].as_str().unwrap().to_owned(),
        v,
    )
}

#[test]
fn offline_verdicts() {
    let f = fixture("https://verify.example.cn");
    let mut files = status_files(&f.lists);
    files.push("--offline".into());
    let expect = [(0, "valid"), (1, "revoked"), (1, "suspended")];
    for (doc, (code, verdict)) in f.docs.iter().zip(expect) {
        let (c, v, _) = verify(&f.data, doc, &files);
        assert_eq!((c, v.as_str()), (code, verdict), "{}", doc.display());
    }
    // The issuer's own data dir needs no lists: its database is the authority, offline.
    for (doc, (code, verdict)) in f.docs.iter().zip(expect) {
        let (c, v, r) = verify_in(&f.data, doc, &["--offline".into()]);
        assert_eq!((c, v.as_str()), (code, verdict), "{}", doc.display());
        assert!(
            r["checks"].to_string().contains("issuer's database list"),
            "{r}"
        );
    }
    // Offline without lists: status_unknown, never valid.
    let (c, v, r) = verify(&f.data, &f.docs[0], &["--offline".into()]);
    assert_eq!((c, v.as_str()), (1, "status_unknown"));
    assert!(r["checks"].to_string().contains("offline"));
    // Reinstating lifts the suspension once the list is exported again.
    cmd(&f.data)
        .args(["reinstate", &f.ids[2]])
        .assert()
        .success();
    cmd(&f.data)
        .args(["status", "export", "--out"])
        .arg(&f.lists)
        .assert()
        .success();
    let (c, v, _) = verify(&f.data, &f.docs[2], &files);
    assert_eq!((c, v.as_str()), (0, "valid"));
}

#[test]
fn online_verdicts_and_cache() {
    let server = Server::start();
    let f = fixture(&format!("http://127.0.0.1:{}", server.port));
    server.serve_dir(&f.lists);
    let expect = [(0, "valid"), (1, "revoked"), (1, "suspended")];
    for (doc, (code, verdict)) in f.docs.iter().zip(expect) {
        let (c, v, _) = verify(&f.data, doc, &[]);
        assert_eq!((c, v.as_str()), (code, verdict), "{}", doc.display());
    }
    // Two lists fetched once each; every later check (within max-age) came from the on-disk
    // cache.
    assert_eq!(server.hits.load(Ordering::SeqCst), 2);
    let (c, v, _) = verify(&f.data, &f.docs[1], &[]);
    assert_eq!((c, v.as_str()), (1, "revoked"));
    assert_eq!(server.hits.load(Ordering::SeqCst), 2);
    // --offline ignores the network (and the cache): unknown.
    let (_, v, _) = verify(&f.data, &f.docs[0], &["--offline".into()]);
    assert_eq!(v, "status_unknown");
}

#[test]
fn unreachable_list_is_status_unknown() {
    // Nothing listens on this port (bound, then closed).
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let f = fixture(&format!("http://127.0.0.1:{port}"));
    let (c, v, r) = verify(&f.data, &f.docs[0], &[]);
    assert_eq!((c, v.as_str()), (1, "status_unknown"));
    assert!(
        r["checks"].to_string().contains("could not be fetched"),
        "{r}"
    );
    // A server that answers 404.
    let server = Server::start();
    let f = fixture(&format!("http://127.0.0.1:{}", server.port));
    let (_, v, _) = verify(&f.data, &f.docs[1], &[]);
    assert_eq!(v, "status_unknown");
}

fn write_stale_lists(f: &Fixture, out: &Path) {
    // A one-minute freshness limit, and lists signed two minutes ago (after the key's
    // validFrom, so only their age is wrong).
    let cfg_path = f.data.join("config.json");
    let mut cfg: Value = serde_json::from_slice(&crate::read_file(&cfg_path)).unwrap();
    cfg["statusTtlSecs"] = 60.into();
    std::fs::write(&cfg_path, cfg.to_string()).unwrap();
    let issuer = Issuer::open(&f.data).unwrap();
    let reg = IssuerDb::open(&f.data).unwrap();
    std::fs::create_dir_all(out).unwrap();
    let past = skillcert::issuer::now_secs() - chrono::Duration::seconds(120);
    // The key must have been in its signing life when the old lists were signed.
    let cfg_path = f.data.join("config.json");
    let mut cfg: Value = serde_json::from_slice(&crate::read_file(&cfg_path)).unwrap();
    cfg["keys"][0]["validFrom"] = Value::String(skillcert::model::format_time(
        &(past - chrono::Duration::seconds(3600)),
    ));
    std::fs::write(&cfg_path, cfg.to_string()).unwrap();
    for l in reg.lists().unwrap() {
        let (p, bits) = reg.list_status_bits(l.number).unwrap();
        let doc = build_signed(&issuer, l.number, p, &bits, past).unwrap();
        std::fs::write(out.join(format!("{}.json", l.number)), doc.to_string()).unwrap();
    }
}

#[test]
fn stale_lists_offline_and_online() {
    let server = Server::start();
    let f = fixture(&format!("http://127.0.0.1:{}", server.port));
    let stale = f.lists.parent().unwrap().join("stale");
    write_stale_lists(&f, &stale);
    let files = status_files(&stale);
    let (c, v, r) = verify(&f.data, &f.docs[0], &files);
    assert_eq!((c, v.as_str()), (1, "status_unknown"));
    assert!(r["checks"].to_string().contains("freshness"), "{r}");
    let mut accept = files.clone();
    accept.push("--accept-stale".into());
    let (c, v, r) = verify(&f.data, &f.docs[0], &accept);
    assert_eq!((c, v.as_str()), (0, "valid"));
    assert!(
        r["notes"].to_string().contains("STALE STATUS ACCEPTED"),
        "{r}"
    );
    // A stale list still reports a revocation.
    let (_, v, _) = verify(&f.data, &f.docs[1], &accept);
    assert_eq!(v, "revoked");
    // Online: the server only has stale lists.
    server.serve_dir(&stale);
    let (_, v, _) = verify(&f.data, &f.docs[0], &[]);
    assert_eq!(v, "status_unknown");
    let (c, v, r) = verify(&f.data, &f.docs[0], &["--accept-stale".into()]);
    assert_eq!((c, v.as_str()), (0, "valid"));
    assert!(r["notes"].to_string().contains("STALE"));
}

#[test]
fn forged_or_untrusted_lists_are_status_unknown() {
    let server = Server::start();
    let base = format!("http://127.0.0.1:{}", server.port);
    let f = fixture(&base);
    // A forger with the same did:web id and key id but another key signs lists that hide the
    // revocation.
    let evil_dir = tempfile::tempdir().unwrap();
    let evil = Issuer::init(evil_dir.path(), "Forger", Some(&base)).unwrap();
    let forged = f.lists.parent().unwrap().join("forged");
    std::fs::create_dir_all(&forged).unwrap();
    let reg = IssuerDb::open(&f.data).unwrap();
    for l in reg.lists().unwrap() {
        let bits = skillcert::status::Bitstring::zeros(l.size as usize);
        let doc = build_signed(
            &evil,
            l.number,
            l.purpose,
            &bits,
            skillcert::issuer::now_secs(),
        )
        .unwrap();
        std::fs::write(forged.join(format!("{}.json", l.number)), doc.to_string()).unwrap();
    }
    let (c, v, r) = verify(&f.data, &f.docs[1], &status_files(&forged));
    assert_eq!((c, v.as_str()), (1, "status_unknown"));
    assert!(r["checks"].to_string().contains("does not verify"), "{r}");
    server.serve_dir(&forged);
    let (_, v, _) = verify(&f.data, &f.docs[1], &[]);
    assert_eq!(v, "status_unknown");
    // A genuine list edited to clear the revocation bit.
    let rev_list = reg
        .lists()
        .unwrap()
        .into_iter()
        .find(|l| l.purpose == StatusPurpose::Revocation)
        .unwrap();
    let p = f.lists.join(format!("{}.json", rev_list.number));
    let mut doc: Value = serde_json::from_slice(&crate::read_file(&p)).unwrap();
    doc["credentialSubject"]["encodedList"] =
        Value::String(skillcert::status::Bitstring::zeros(131_072).encode());
    std::fs::write(&p, doc.to_string()).unwrap();
    let (_, v, _) = verify(&f.data, &f.docs[1], &status_files(&f.lists));
    assert_eq!(v, "status_unknown");
    // A verifier whose trust list does not hold this issuer: untrusted_issuer, whatever the lists.
    let trust = evil_dir.path().join("trust.json");
    std::fs::write(&trust, evil.trust_list().to_json_pretty()).unwrap();
    let mut args = status_files(&forged);
    args.extend(["--trust".into(), trust.display().to_string()]);
    let (_, v, _) = verify_in(evil_dir.path(), &f.docs[0], &args);
    assert_ne!(v, "valid");
}

#[test]
fn registry_commands_refuse_clearly() {
    let f = fixture("https://verify.example.cn");
    let o = cmd(&f.data).args(["reinstate", &f.ids[1]]).assert().code(1);
    let err = String::from_utf8_lossy(&o.get_output().stderr).to_string();
    assert!(err.contains("revoked; revocation is final"), "{err}");
    let o = cmd(&f.data)
        .args(["reinstate", "urn:uuid:00000000-0000-4000-8000-000000000000"])
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&o.get_output().stderr).to_string();
    assert!(err.contains("no such certificate"), "{err}");
    cmd(&f.data).args(["reinstate", &f.ids[0]]).assert().code(1);
    cmd(&f.data)
        .args(["suspend", "not an id!"])
        .assert()
        .code(2);
    // A word could be a certificate number: looked up, and not found.
    cmd(&f.data).args(["suspend", "not-an-id"]).assert().code(1);
    cmd(&f.data).args(["revoke", &f.ids[0]]).assert().code(2); // --reason is required
                                                               // History: every change with who, when, why.
    let o = cmd(&f.data)
        .args(["--json", "history", &f.ids[2]])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let actions: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["issue", "sign", "suspend"]);
    assert_eq!(v["events"][2]["actor"], "cli:tester");
    assert_eq!(v["events"][2]["reason"], "under review");
    assert_eq!(v["certificate"]["status"], "suspended");
    let o = cmd(&f.data).args(["history", &f.ids[1]]).output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("revoke") && text.contains("fraud"), "{text}");
}

#[test]
fn http_source_falls_back_to_stale_cache_only_as_stale() {
    use skillcert::verify::StatusSource;
    use skillcert_online::HttpStatusSource;
    let server = Server::start();
    let f = fixture(&format!("http://127.0.0.1:{}", server.port));
    server.serve_dir(&f.lists);
    let issuer = Issuer::open(&f.data).unwrap();
    let reg = IssuerDb::open(&f.data).unwrap();
    let rec = reg.get(&f.ids[1]).unwrap();
    let entry = skillcert::model::StatusRef {
        purpose: StatusPurpose::Revocation,
        list_url: format!(
            "http://127.0.0.1:{}/status/{}",
            server.port, rec.revocation.0
        ),
        index: rec.revocation.1,
    };
    let cache = f.data.join("test-cache");
    let src = HttpStatusSource::new(Arc::new(issuer.trust_list()), Some(cache.clone()));
    let now = skillcert::issuer::now_secs();
    let bit = src.status(&entry, &issuer.config().id, now).unwrap();
    assert!(bit.set && !bit.stale);
    // The server loses its lists; two days later the cached copy is past its freshness limit:
    // a fresh source (new process) reads it from disk, fails to refetch, and says it is stale.
    server.files.lock().unwrap().clear();
    let later = now + chrono::Duration::days(2);
    let src2 = HttpStatusSource::new(Arc::new(issuer.trust_list()), Some(cache));
    let bit = src2.status(&entry, &issuer.config().id, later).unwrap();
    assert!(bit.set && bit.stale, "{bit:?}");
    // Without a cache: unknown.
    let src3 = HttpStatusSource::new(Arc::new(issuer.trust_list()), None);
    assert!(src3.status(&entry, &issuer.config().id, later).is_err());
}
