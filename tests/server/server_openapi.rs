//! `/api/v1/openapi.json` is a real OpenAPI 3 document describing exactly the router's routes.

use crate::server_support::*;
use serde_json::Value;
use skillcert::server::ROUTES;

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
