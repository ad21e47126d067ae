//! `/api/v1/openapi.json` is a real OpenAPI 3 document describing exactly the router's routes,
//! and every answer of those routes: real requests of every route (verdicts of each kind,
//! admin answers, errors) are sent, and each answer's status, content type and every JSON
//! field must be described by the document for that route (see `server_openapi/schema.rs`).

mod schema;

use crate::server_support::*;
use schema::{check, without_indexes};

use serde_json::Value;
use skillcert_server::ROUTES;

fn resolve<'a>(doc: &'a Value, r: &str) -> Option<&'a Value> {
    doc.pointer(r.strip_prefix('#')?)
}

fn walk_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            if let Some(Value::String(r)) = o.get("$ref") {
                out.push(r.clone());
            }
            o.values().for_each(|x| walk_refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| walk_refs(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn openapi_document_matches_the_router() {
    let f = fixture();
    let r = send(&f.state, req("GET", "/api/v1/openapi.json", None, "")).await;
    assert_eq!(r.status, 200);
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    let paths = doc["paths"].as_object().unwrap();

    // Every route is documented, with its method.
    for (method, path) in ROUTES {
        let op = &paths
            .get(*path)
            .unwrap_or_else(|| panic!("{path} not in the OpenAPI document"))
            [method.to_ascii_lowercase()];
        assert!(op.is_object(), "{method} {path} not documented");
        let responses = op["responses"].as_object().expect("responses");
        assert!(!responses.is_empty());
        for (code, resp) in responses {
            assert!(
                code.len() == 3 && code.parse::<u16>().is_ok(),
                "{path}: {code}"
            );
            assert!(
                resp["description"].is_string(),
                "{path} {code}: description"
            );
        }
        // Path parameters are declared.
        for seg in path.split('/').filter(|s| s.starts_with('{')) {
            let name = seg.trim_matches(|c| c == '{' || c == '}');
            assert!(
                op["parameters"].as_array().is_some_and(|ps| ps
                    .iter()
                    .any(|p| p["name"] == name && p["in"] == "path" && p["required"] == true)),
                "{path}: parameter {name} not declared"
            );
        }
        // Admin routes declare the bearer security scheme.
        if path.starts_with("/api/v1/admin") {
            assert_eq!(op["security"][0]["bearer"], serde_json::json!([]), "{path}");
            assert!(op["responses"]["401"].is_object(), "{path}: 401");
        }
    }
    // And nothing else is documented.
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            assert!(
                ROUTES
                    .iter()
                    .any(|(m, p)| p == path && m.eq_ignore_ascii_case(method)),
                "{method} {path} documented but not routed"
            );
        }
    }
    // Every $ref resolves.
    let mut refs = Vec::new();
    walk_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        assert!(resolve(&doc, &r).is_some(), "{r} does not resolve");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

/// The issuance request in the document is the JSON Schema file itself, not a copy of it.
#[tokio::test]
async fn issuance_request_is_the_json_schema_file() {
    let f = fixture();
    let doc = send(&f.state, req("GET", "/api/v1/openapi.json", None, ""))
        .await
        .json();
    let file: Value = serde_json::from_slice(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../schemas/issuance-request.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let ours = &doc["components"]["schemas"]["IssuanceRequest"];
    for k in ["description", "required", "additionalProperties", "not"] {
        assert_eq!(ours[k], file[k], "IssuanceRequest.{k}");
    }
    let names = |v: &Value| {
        v["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(names(ours), names(&file));
    assert_eq!(ours["properties"]["level"], file["properties"]["level"]);
    let issue = &doc["paths"]["/api/v1/admin/certificates"]["post"]["requestBody"]["content"];
    assert_eq!(
        issue["application/json"]["schema"]["$ref"],
        "#/components/schemas/IssuanceRequest"
    );
}

#[tokio::test]
async fn every_listed_route_is_routed() {
    let f = fixture();
    for (method, path) in ROUTES {
        let uri = path
            .replace("{payload}", "X")
            .replace("{list}", "1")
            .replace("{id}", "urn:uuid:00000000-0000-4000-8000-000000000000");
        let r = send(&f.state, req(method, &uri, None, "")).await;
        // Reached a handler: never the router's own 404/405 (those say "no such route").
        assert_ne!(r.status, 405, "{method} {path}");
        if r.status == 404 {
            assert_ne!(r.json()["message"], "no such route", "{method} {path}");
        }
        assert!(r.status.as_u16() < 500, "{method} {path}: {}", r.status);
    }
}

/// The route template of ROUTES a request goes to (literal segments win over `{param}`s).
fn route_of(method: &str, path: &str) -> &'static str {
    let segs: Vec<&str> = path.split('/').collect();
    let mut best: Option<(usize, &'static str)> = None;
    for (m, t) in ROUTES {
        let ts: Vec<&str> = t.split('/').collect();
        if *m != method || ts.len() != segs.len() {
            continue;
        }
        let fits = ts
            .iter()
            .zip(&segs)
            .all(|(t, s)| t.starts_with('{') || t == s);
        let literal = ts.iter().filter(|t| !t.starts_with('{')).count();
        if fits && !matches!(best, Some((l, _)) if l >= literal) {
            best = Some((literal, t));
        }
    }
    best.unwrap_or_else(|| panic!("{method} {path}: no route"))
        .1
}

/// Sends requests and checks each answer against the document: the status is documented for
/// the route, the content type is documented for the status, and a JSON body is described
/// field by field.
struct Described {
    doc: Value,
    state: skillcert_server::AppState,
    seen: std::collections::BTreeSet<(String, &'static str)>,
    /// Problems, array indexes left out (`$.checks[].name`): each is reported once.
    problems: std::collections::BTreeSet<String>,
}

impl Described {
    async fn send(&mut self, r: axum::http::Request<axum::body::Body>) -> Resp {
        let method = r.method().as_str().to_owned();
        let path = r.uri().path().to_owned();
        let route = route_of(&method, &path);
        let resp = send(&self.state, r).await;
        self.seen.insert((method.clone(), route));
        let what = format!("{method} {route} -> {}", resp.status.as_u16());
        let op = &self.doc["paths"][route][method.to_ascii_lowercase()];
        let documented = &op["responses"][resp.status.as_str()];
        if !documented.is_object() {
            self.problems
                .insert(format!("{what}: status not documented"));
            return resp;
        }
        if resp.body.is_empty() {
            return resp;
        }
        let ct = resp
            .content_type()
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let Some(schema) = documented["content"][&ct].get("schema") else {
            self.problems
                .insert(format!("{what}: content type {ct} not documented"));
            return resp;
        };
        // A JSON body is one value; an NDJSON body one value a line, each of the schema.
        let values: Vec<Value> = if ct == "application/json" || ct.ends_with("+json") {
            vec![resp.json()]
        } else if ct == "application/x-ndjson" {
            let text = resp.text();
            text.lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect()
        } else {
            Vec::new()
        };
        for v in values {
            let problems = check(&self.doc, schema, &v, "$");
            self.problems.extend(
                problems
                    .into_iter()
                    .map(|p| format!("{what}: {}", without_indexes(&p))),
            );
        }
        resp
    }
}

fn with(
    mut r: axum::http::Request<axum::body::Body>,
    name: &'static str,
    value: &str,
) -> axum::http::Request<axum::body::Body> {
    r.headers_mut().insert(name, value.parse().unwrap());
    r
}

/// A certificate issued through the admin API (status 201 checked by the caller's `send`).
async fn issue_via_api(d: &mut Described, body: Value) -> Value {
    let r = d
        .send(admin("POST", "/api/v1/admin/certificates", Some(body)))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

/// Verifies a token through the JSON API; returns the verdict.
async fn verdict_of(d: &mut Described, token: &str) -> String {
    let r = d
        .send(req(
            "POST",
            "/api/v1/verify",
            Some("text/plain"),
            token.to_owned(),
        ))
        .await;
    r.json()["verdict"].as_str().unwrap_or("").to_owned()
}

#[tokio::test]
async fn every_field_of_real_answers_is_described() {
    let f = fixture();
    let doc = send(&f.state, req("GET", "/api/v1/openapi.json", None, "")).await;
    let mut d = Described {
        doc: doc.json(),
        state: f.state.clone(),
        seen: Default::default(),
        problems: Default::default(),
    };
    verify_answers(&mut d).await;
    page_answers(&mut d).await;
    admin_answers(&mut d).await;
    key_and_ops_answers(&mut d).await;
    register_answers(&mut d).await;
    holder_check_answers(&mut d).await;

    assert!(d.problems.is_empty(), "{:#?}", d.problems);
    // A route added without a request here fails: its answers would go unchecked.
    for (m, p) in ROUTES {
        assert!(
            d.seen.contains(&(m.to_string(), *p)),
            "{m} {p}: no answer of it is checked here: add a request"
        );
    }
}

async fn verify_answers(d: &mut Described) {
    let valid = issue_via_api(d, request_json("王晓明")).await;
    let token = valid["token"].as_str().unwrap().to_owned();
    let mut verdicts = std::collections::BTreeSet::new();
    verdicts.insert(verdict_of(d, &token).await);
    // Expired and not yet valid.
    let mut old = request_json("李娜");
    old["valid_from"] = "2001-01-01T00:00:00Z".into();
    old["valid_until"] = "2002-01-01T00:00:00Z".into();
    let t = issue_via_api(d, old).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    verdicts.insert(verdict_of(d, &t).await);
    let mut later = request_json("赵强");
    later["valid_from"] = "2099-01-01T00:00:00Z".into();
    let t = issue_via_api(d, later).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    verdicts.insert(verdict_of(d, &t).await);
    verdicts.extend(altered_and_foreign(d, &valid).await);
    // Not a certificate (422), and errors.
    let r = d
        .send(req("POST", "/api/v1/verify", Some("text/plain"), "garbage"))
        .await;
    verdicts.insert(r.json()["verdict"].as_str().unwrap().to_owned());
    d.send(req("POST", "/api/v1/verify", Some("text/plain"), ""))
        .await;
    d.send(req(
        "POST",
        "/api/v1/verify",
        Some("application/xml"),
        "<x/>",
    ))
    .await;
    d.send(req("POST", "/api/v1/verify", Some("application/json"), "{"))
        .await;
    // The batch route: every answer line described (a report, a malformed report, an error).
    let lines = format!("{token}\ngarbage\n\n");
    d.send(req(
        "POST",
        "/api/v1/verify/batch",
        Some("text/plain"),
        lines,
    ))
    .await;
    d.send(req("POST", "/api/v1/verify/batch", Some("text/plain"), ""))
        .await;
    d.send(req(
        "POST",
        "/api/v1/verify/batch",
        Some("application/json"),
        "{}",
    ))
    .await;
    // Photos: a QR code, and none.
    let png = skillcert_qrimage::render::to_png(valid["qr_text"].as_str().unwrap(), 6).unwrap();
    d.send(req("POST", "/api/v1/verify/image", Some("image/png"), png))
        .await;
    let (ct, body) = multipart("image", "blank.png", "image/png", &blank_png());
    d.send(req("POST", "/api/v1/verify/image", Some(&ct), body))
        .await;
    d.send(req("POST", "/api/v1/verify/image", Some("text/plain"), "x"))
        .await;
    for v in [
        "valid",
        "expired",
        "not_yet_valid",
        "bad_signature",
        "untrusted_issuer",
        "malformed",
    ] {
        assert!(verdicts.contains(v), "{v} not seen: {verdicts:?}");
    }
}

/// The verdicts of an altered document and of another issuer's token.
async fn altered_and_foreign(d: &mut Described, valid: &Value) -> Vec<String> {
    let mut verdicts = Vec::new();
    // Altered: a bad signature.
    let mut doc = valid["document"].clone();
    doc["credentialSubject"]["result"][0]["value"] = "1".into();
    let r = d
        .send(req(
            "POST",
            "/api/v1/verify",
            Some("application/json"),
            doc.to_string(),
        ))
        .await;
    verdicts.push(r.json()["verdict"].as_str().unwrap().to_owned());
    // Another issuer.
    let dir = tempfile::tempdir().unwrap();
    let other = skillcert::issuer::Issuer::init(dir.path(), "Other", Some("https://other.example"))
        .unwrap();
    let (_, c) = skillcert::request::IssuanceRequest::from_value(request_json("李娜")).unwrap();
    let foreign = other.issue_unregistered(&c).unwrap().token;
    let body = serde_json::json!({ "input": foreign }).to_string();
    let r = d
        .send(req(
            "POST",
            "/api/v1/verify",
            Some("application/json"),
            body,
        ))
        .await;
    verdicts.push(r.json()["verdict"].as_str().unwrap().to_owned());
    verdicts
}

async fn page_answers(d: &mut Described) {
    let i = issue(&d.state, "王晓明");
    let qr = skillcert_server::ROUTES[1].1.replace(
        "{payload}",
        skillcert::qr::split_qr_text(&i.qr_text).unwrap().1,
    );
    d.send(req("GET", "/?lang=en", None, "")).await;
    d.send(req("GET", &qr, None, "")).await;
    d.send(with(req("GET", &qr, None, ""), "accept", "text/html"))
        .await;
    d.send(req("GET", "/V/12345", None, "")).await;
    d.send(with(
        req("GET", "/V/12345", None, ""),
        "accept",
        "text/html",
    ))
    .await;
    d.send(req("GET", &format!("/V/{}", "1".repeat(9000)), None, ""))
        .await;
    let form = format!("input={}&lang=en", i.token);
    d.send(req(
        "POST",
        "/verify",
        Some("application/x-www-form-urlencoded"),
        form,
    ))
    .await;
    d.send(req("POST", "/verify", Some("text/plain"), "x"))
        .await;
    let (ct, body) = multipart("image", "blank.png", "image/png", &blank_png());
    d.send(req("POST", "/verify/image", Some(&ct), body)).await;
}

async fn admin_answers(d: &mut Described) {
    let issued = issue_via_api(d, request_json("王晓明")).await;
    let id = issued["credential_id"].as_str().unwrap().to_owned();
    let base = "/api/v1/admin/certificates";
    let batch = serde_json::json!([request_json("甲"), request_json("乙")]);
    let r = d
        .send(admin("POST", &format!("{base}/batch"), Some(batch)))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let mut bad = request_json("丙");
    bad["level"]["value"] = "9".into();
    d.send(admin("POST", base, Some(bad))).await;
    d.send(req("POST", base, Some("application/json"), "{}"))
        .await;
    d.send(admin("GET", &format!("{base}/{id}"), None)).await;
    let pdf = d
        .send(admin("GET", &format!("{base}/{id}/pdf"), None))
        .await;
    assert_eq!(pdf.status, 200, "{}", pdf.text());
    d.send(admin(
        "GET",
        &format!("{base}/urn:uuid:00000000-0000-4000-8000-000000000000/pdf"),
        None,
    ))
    .await;
    d.send(admin("GET", &format!("{base}/not-an-id"), None))
        .await;
    d.send(admin(
        "GET",
        &format!("{base}/urn:uuid:00000000-0000-4000-8000-000000000000"),
        None,
    ))
    .await;
    let why = Some(serde_json::json!({"reason": "test"}));
    let r = d
        .send(admin("POST", &format!("{base}/{id}/suspend"), why.clone()))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    d.send(admin("POST", &format!("{base}/{id}/reinstate"), None))
        .await;
    d.send(admin("POST", &format!("{base}/{id}/revoke"), why.clone()))
        .await;
    d.send(admin("POST", &format!("{base}/{id}/revoke"), why))
        .await;
    d.send(admin("POST", &format!("{base}/{id}/suspend"), None))
        .await;
    // Revoked and suspended verdicts.
    let token = issued["token"].as_str().unwrap().to_owned();
    assert_eq!(verdict_of(d, &token).await, "revoked");
}

async fn key_and_ops_answers(d: &mut Described) {
    for path in [
        "/status/1",
        "/status/1.json",
        "/status/x",
        "/status/999",
        "/.well-known/did.json",
        "/.well-known/jwks.json",
        "/trust.json",
        "/healthz",
        "/readyz",
        "/api/v1/openapi.json",
    ] {
        let r = d.send(req("GET", path, None, "")).await;
        if let Some(etag) = r.headers.get("etag") {
            let etag = etag.to_str().unwrap().to_owned();
            d.send(with(req("GET", path, None, ""), "if-none-match", &etag))
                .await;
        }
    }
}

/// The online ID check: match, no match and an unknown certificate answer alike (200,
/// `{"match"}`); a bad body is a 400 that does not echo it; the page's form answers HTML.
async fn holder_check_answers(d: &mut Described) {
    let i = issue(&d.state, "王晓明");
    let id = i.claims.id_urn();
    let mut shapes = Vec::new();
    for (cert, number, want) in [
        (id.as_str(), "330602199001011231", true),
        (id.as_str(), "330602199001011248", false),
        ("S000199990000000000001", "330602199001011231", false),
    ] {
        let body = serde_json::json!({"certificate": cert, "id_number": number}).to_string();
        let r = d
            .send(req(
                "POST",
                "/api/v1/holder-check",
                Some("application/json"),
                body,
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json(), serde_json::json!({ "match": want }));
        shapes.push(
            r.json()
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect::<Vec<_>>(),
        );
    }
    assert!(shapes.windows(2).all(|w| w[0] == w[1]));
    let r = d
        .send(req(
            "POST",
            "/api/v1/holder-check",
            Some("application/json"),
            r#"{"certificate": "S1", "id_number": 330602199001011231}"#,
        ))
        .await;
    assert_eq!(r.status, 400);
    assert!(!r.text().contains("330602199001011231"), "{}", r.text());
    let form = format!("certificate={id}&id_number=330602199001011231&lang=en");
    let r = d
        .send(req(
            "POST",
            "/holder-check",
            Some("application/x-www-form-urlencoded"),
            form,
        ))
        .await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("data-match=\"true\""), "{}", r.text());
}

/// The register's routes on an issuer's site (which keeps no register): 404s, described.
/// (Their answers on a portal are checked by `tests/slow/register_e2e.rs`.)
async fn register_answers(d: &mut Described) {
    let r = d
        .send(req(
            "POST",
            "/api/v1/register/bundles",
            Some("application/json"),
            "{}",
        ))
        .await;
    assert_eq!(r.status, 404);
    let r = d
        .send(req("GET", "/api/v1/query?number=S1&name=x", None, ""))
        .await;
    assert_eq!(r.status, 404);
    let r = d.send(req("GET", "/query", None, "")).await;
    assert_eq!(r.status, 404);
    let r = d
        .send(req(
            "POST",
            "/api/v1/query",
            Some("application/json"),
            r#"{"number":"S1","name":"x","id":"330602199001011231"}"#,
        ))
        .await;
    assert_eq!(r.status, 404);
    let r = d
        .send(req(
            "POST",
            "/query",
            Some("application/x-www-form-urlencoded"),
            "number=S1&name=x&id=330602199001011231",
        ))
        .await;
    assert_eq!(r.status, 404);
    // An ID in a URL is refused before anything is looked up, and not echoed.
    let r = d
        .send(req(
            "GET",
            "/api/v1/query?number=S1&name=x&id=330602199001011231",
            None,
            "",
        ))
        .await;
    assert_eq!(r.status, 400);
    assert!(!r.text().contains("330602"), "{}", r.text());
}
