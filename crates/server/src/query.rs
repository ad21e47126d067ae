//! The national-style query over a portal's register: `GET /api/v1/query?number=&name=`,
//! `POST /api/v1/query` (JSON; the only way to give an ID number to the API), the page
//! `GET /query` and its form, `POST /query` (zh/en, no JavaScript).
//!
//! The query never enumerates: number and name are both required, and "no such certificate",
//! "the name does not match" and "the ID does not match" get the same 404 answer, sent
//! [`ANSWER_TIME`] after the request arrived whatever the outcome. An ID number travels in a
//! body only: a URL with `id` is refused before anything is looked up (and the ID is never
//! echoed). Each client (an IPv4 address, an IPv6 /64) is rate-limited
//! ([`super::rate_limit`]: 429 with `Retry-After` beyond its share).

use super::bodies::ErrorBody;
use super::errors::{blocking, ApiError};
use super::i18n::Lang;
use super::openapi::responses::{QueryPageLimited, RegisterQueryAnswers};
use super::query_page::QueryParams;
use super::register_api::json;
use super::state::AppState;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use skillcert_store::register::Found;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

/// Every answer that looked something up is sent this long after the request arrived, so
/// found, not found and "the ID does not match" take the same time.
pub const ANSWER_TIME: Duration = Duration::from_millis(50);
/// Largest query body (JSON or form).
pub const MAX_BODY: usize = 2 << 10;

/// Why a URL's `id` is refused (the value is never echoed).
const ID_BY_POST: &str =
    "id: an ID number is taken by POST only (POST /api/v1/query, or the /query form), never in a URL";

/// Reads `number`, `name`, `id` and `lang` from a query string or a form body.
fn parse_pairs(bytes: &[u8]) -> QueryParams {
    let mut q = QueryParams::default();
    for (k, v) in form_urlencoded::parse(bytes) {
        let slot = match &*k {
            "number" => &mut q.number,
            "name" => &mut q.name,
            "id" => &mut q.id,
            "lang" => &mut q.lang,
            _ => continue,
        };
        *slot = Some(v.into_owned());
    }
    q
}

/// A URL's parameters: an `id` with a value is refused.
fn parse_url(raw: Option<&str>) -> Result<QueryParams, ApiError> {
    let q = parse_pairs(raw.unwrap_or("").as_bytes());
    if q.id.as_deref().is_some_and(|i| !i.trim().is_empty()) {
        return Err(ApiError::BadRequest(ID_BY_POST.into()));
    }
    Ok(q)
}

/// `{"number", "name", "id"?}`; errors name the member and never echo a value.
fn parse_json(body: &[u8]) -> Result<QueryParams, ApiError> {
    let bad = |what: &str| ApiError::BadRequest(format!("body: {what}"));
    let v: serde_json::Value = serde_json::from_slice(body)
        .map_err(|_| bad("a JSON object {\"number\", \"name\", \"id\"?} of strings"))?;
    let obj = v
        .as_object()
        .ok_or_else(|| bad("a JSON object {\"number\", \"name\", \"id\"?} of strings"))?;
    let mut q = QueryParams::default();
    for (k, v) in obj {
        let slot = match k.as_str() {
            "number" => &mut q.number,
            "name" => &mut q.name,
            "id" => &mut q.id,
            _ => return Err(bad("members are number, name and id")),
        };
        match v {
            serde_json::Value::String(s) => *slot = Some(s.clone()),
            serde_json::Value::Null => {}
            _ => return Err(ApiError::BadRequest(format!("{k}: a string"))),
        }
    }
    Ok(q)
}

/// Runs a query for `client`, rate-limited, answered at [`ANSWER_TIME`]: the found
/// certificates with their current status.
async fn run_query(
    state: &AppState,
    client: Option<IpAddr>,
    q: &QueryParams,
) -> Result<Vec<serde_json::Value>, ApiError> {
    let start = Instant::now();
    let portal = state.portal_site()?.clone();
    let client = client.unwrap_or(IpAddr::from([0, 0, 0, 0]));
    if let Err(wait) = portal.limiter().check(client, start) {
        return Err(ApiError::TooManyRequests(wait.as_secs().max(1)));
    }
    let given = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
    let (Some(number), Some(name)) = (given(&q.number), given(&q.name)) else {
        return Err(ApiError::BadRequest(
            "give both number and name (and optionally id)".into(),
        ));
    };
    let id = given(&q.id);
    let found = blocking(move || {
        let reg = portal
            .register()
            .ok_or_else(|| ApiError::NotFound("this portal keeps no register".into()))?;
        let found = reg
            .register
            .query(&number, &name, id.as_deref(), &|i, n| {
                portal.owns_number(i, n)
            })
            .map_err(|e| match e {
                skillcert_store::register::DbError::Unavailable(why) => {
                    tracing::warn!(reason = %why, "register: no database answers the query");
                    ApiError::Unavailable("the register cannot be read now: try again later".into())
                }
                e => ApiError::Internal(e.to_string()),
            })?;
        Ok(found.into_iter().map(|f| with_status(&portal, f)).collect())
    })
    .await;
    tokio::time::sleep_until(tokio::time::Instant::from_std(start + ANSWER_TIME)).await;
    found
}

/// The one answer for every kind of "not found".
const NOT_FOUND: &str =
    "no certificate with this number and holder name (and ID number, if given) is in the register";

/// The API's answer to a query.
async fn answer_api(
    state: &AppState,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: &HeaderMap,
    q: &QueryParams,
) -> Result<Response, ApiError> {
    let client = super::client_ip::of(&state.trusted_proxies, peer, headers);
    let found = run_query(state, client, q).await?;
    if found.is_empty() {
        return Err(ApiError::NotFound(NOT_FOUND.into()));
    }
    let mut r = json(StatusCode::OK, &serde_json::json!({"found": found}));
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// `GET /api/v1/query?number=&name=`.
#[utoipa::path(get, path = "/api/v1/query", tag = "register",
    summary = "The national-style query: a certificate by number and holder name (an ID number only by POST)",
    params(
        ("number" = String, Query, description = "certificate number"),
        ("name" = String, Query, description = "holder name"),
    ),
    responses(
        RegisterQueryAnswers,
        (status = 400, description = "number or name missing, or an `id` in the URL (refused: POST it)", body = ErrorBody),
        (status = 404, description = "no such certificate, or the name does not match (one answer for all), or no register here", body = ErrorBody),
    ))]
pub async fn query_api(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = parse_url(raw.as_deref())?;
    answer_api(&state, peer, &headers, &q).await
}

/// `POST /api/v1/query`.
#[utoipa::path(post, path = "/api/v1/query", tag = "register",
    summary = "The national-style query with the ID number in the body",
    request_body(content = super::schemas::QueryRequest, content_type = "application/json"),
    responses(
        RegisterQueryAnswers,
        (status = 400, description = "not {number, name, id?} of strings, or number or name missing", body = ErrorBody),
        (status = 404, description = "no such certificate, or the name or ID does not match (one answer for all), or no register here", body = ErrorBody),
    ))]
pub async fn query_api_post(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let q = parse_json(&body)?;
    answer_api(&state, peer, &headers, &q).await
}

/// The page for `q`, with the results when number or name was given.
async fn answer_page(
    state: &AppState,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: &HeaderMap,
    q: &QueryParams,
) -> Result<Response, ApiError> {
    state.portal_site()?;
    let lang = Lang::negotiate(q.lang.as_deref(), headers);
    let client = super::client_ip::of(&state.trusted_proxies, peer, headers);
    let asked = q.number.as_deref().is_some_and(|n| !n.trim().is_empty())
        || q.name.as_deref().is_some_and(|n| !n.trim().is_empty());
    let (status, found) = if asked {
        match run_query(state, client, q).await {
            Ok(f) if f.is_empty() => (StatusCode::NOT_FOUND, Some(f)),
            Ok(f) => (StatusCode::OK, Some(f)),
            Err(ApiError::BadRequest(_)) => (StatusCode::BAD_REQUEST, Some(Vec::new())),
            Err(e) => return Err(e),
        }
    } else {
        (StatusCode::OK, None)
    };
    let html = super::query_page::render_page(lang, q, found.as_deref());
    let mut r = (status, html).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// `GET /query`: the form, and the answer when number and name are given in the URL.
#[utoipa::path(get, path = "/query", tag = "register",
    summary = "The query page (zh/en, no JavaScript)",
    params(
        ("number" = Option<String>, Query, description = "certificate number"),
        ("name" = Option<String>, Query, description = "holder name"),
        ("lang" = Option<String>, Query, description = "zh or en"),
    ),
    responses(
        (status = 200, description = "the form, and what was found", body = String, content_type = "text/html"),
        (status = 400, description = "number or name missing (HTML), or an `id` in the URL (JSON; refused: the form posts it)",
            content((String = "text/html"), (ErrorBody = "application/json"))),
        (status = 404, description = "nothing found (the page says so; HTML), or no register here (JSON)",
            content((String = "text/html"), (ErrorBody = "application/json"))),
        QueryPageLimited,
    ))]
pub async fn query_page(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = parse_url(raw.as_deref())?;
    answer_page(&state, peer, &headers, &q).await
}

/// `POST /query`: the page's form.
#[utoipa::path(post, path = "/query", tag = "register",
    summary = "The query page's form (number, name, optional ID number; an HTML answer)",
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "number=…&name=…[&id=…][&lang=zh|en]"),
    responses(
        (status = 200, description = "what was found", body = String, content_type = "text/html"),
        (status = 400, description = "number or name missing", body = String, content_type = "text/html"),
        (status = 404, description = "nothing found (the page says so; HTML), or no register here (JSON)",
            content((String = "text/html"), (ErrorBody = "application/json"))),
        QueryPageLimited,
    ))]
pub async fn query_form(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let q = parse_pairs(&body);
    answer_page(&state, peer, &headers, &q).await
}

/// A found certificate with its current status from its issuer's status lists.
fn with_status(portal: &super::portal::Portal, f: Found) -> serde_json::Value {
    use skillcert::verify::StatusSource;
    let now = chrono::Utc::now();
    let mut state = "active".to_owned();
    let mut why = Vec::new();
    for e in &f.record.status {
        let purpose = match e.purpose.as_str() {
            "revocation" => skillcert::model::StatusPurpose::Revocation,
            _ => skillcert::model::StatusPurpose::Suspension,
        };
        let entry = skillcert::model::StatusRef {
            purpose,
            list_url: e.list.clone(),
            index: u32::try_from(e.index).unwrap_or(u32::MAX),
        };
        match portal.status_source().status(&entry, &f.issuer, now) {
            Ok(b) if b.stale => {
                state = "status_unknown".into();
                why.push(format!("{} is past its freshness limit", b.source));
            }
            Ok(b) if b.set => {
                if state != "status_unknown" && state != "revoked" {
                    state = match purpose {
                        skillcert::model::StatusPurpose::Revocation => "revoked".into(),
                        skillcert::model::StatusPurpose::Suspension => "suspended".into(),
                    };
                }
            }
            Ok(_) => {}
            Err(e) => {
                state = "status_unknown".into();
                why.push(e.to_string());
            }
        }
    }
    // What the issuer reported counts too: a reported revocation is final even while a cached
    // list does not show it yet, and a suspension stands until a reinstatement is reported.
    let reported = reported_state(&f.changes);
    let rank = |s: &str| match s {
        "revoked" => 3,
        "suspended" => 2,
        "status_unknown" => 1,
        _ => 0,
    };
    if let Some(r) = reported.filter(|r| rank(r) > rank(&state)) {
        state = r.to_owned();
    }
    let issuer_name = portal
        .verifier()
        .trust()
        .sources()
        .iter()
        .find_map(|s| s.list().issuer(&f.issuer).map(|i| i.name.clone()));
    serde_json::json!({
        "issuer": f.issuer, "issuer_name": issuer_name, "record": f.record,
        "status_changes": f.changes, "first_reported": f.first_reported,
        "current_status": state, "status_notes": why,
    })
}

/// The state the reported changes leave a certificate in (`None`: no change reported, or
/// the last suspension was lifted).
fn reported_state(changes: &[skillcert::reporting::ReportedStatusChange]) -> Option<&'static str> {
    if changes.iter().any(|c| c.change == "revoke") {
        return Some("revoked");
    }
    let mut last = None;
    for c in changes {
        match c.change.as_str() {
            "suspend" => last = Some("suspended"),
            "reinstate" => last = None,
            _ => {}
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_in_a_url_is_refused_without_echo_and_an_empty_one_is_ignored() {
        let e = parse_url(Some("number=S1&name=x&id=330602199001011231")).unwrap_err();
        assert!(!e.to_string().contains("3306"), "{e}");
        assert!(e.to_string().contains("POST"), "{e}");
        let q = parse_url(Some("number=S1&name=%E7%8E%8B&id=")).unwrap();
        assert_eq!(q.name.as_deref(), Some("王"));
        assert!(parse_url(None).unwrap().number.is_none());
    }

    #[test]
    fn json_bodies_are_strings_and_errors_never_echo_a_value() {
        let q = parse_json(br#"{"number":"S1","name":"x","id":"330602199001011231"}"#).unwrap();
        assert_eq!(q.id.as_deref(), Some("330602199001011231"));
        for body in [
            &br#"{"number":"S1","name":"x","id":330602199001011231}"#[..],
            br#"{"number":"S1","name":"x","ident":"330602199001011231"}"#,
            br#"["330602199001011231"]"#,
            br#"330602199001011231"#,
        ] {
            let e = parse_json(body).unwrap_err().to_string();
            assert!(!e.contains("3306"), "{e}");
        }
    }
}
