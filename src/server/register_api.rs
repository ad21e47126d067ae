//! A portal's register over HTTP: `POST /api/v1/register/bundles` (signed bundles from
//! accredited issuers, answered with the portal's signed receipt) and the national-style query,
//! `GET /api/v1/query?number=&name=[&id=]` and its page `GET /query` (zh/en, no JavaScript).
//!
//! The query never enumerates: number and name are both required, and "no such certificate",
//! "the name does not match" and "the ID does not match" get the same 404 answer. Each client
//! address is rate-limited ([`super::rate_limit`]: 429 with `Retry-After` beyond its share).

use super::bodies::ErrorBody;
use super::errors::{blocking, ApiError};
use super::i18n::Lang;
pub use super::query_page::QueryParams;
use super::state::AppState;
use crate::register::{Found, IngestError};
use crate::reporting::{verify_bundle, ReportError};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

fn json(status: StatusCode, v: &serde_json::Value) -> Response {
    let mut r = (status, v.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// `POST /api/v1/register/bundles`.
#[utoipa::path(post, path = "/api/v1/register/bundles", tag = "register",
    summary = "A portal's register: a bundle of certificate records and status changes signed by an accredited issuer",
    request_body(content = Object, content_type = "application/json", description = "a SkillcertReportBundle with an eddsa-jcs-2022 proof by the issuer's key"),
    responses(
        (status = 200, description = "stored (or held already): the portal's signed receipt", body = super::schemas::ReceiptDocument),
        (status = 400, description = "not a bundle; the message names the member", body = ErrorBody),
        (status = 403, description = "not from a key of an issuer the portal's trust lists accredit, or the signature does not verify", body = ErrorBody),
        (status = 404, description = "this site keeps no register", body = ErrorBody),
        (status = 413, description = "too large", body = ErrorBody),
        (status = 422, description = "a record outside the issuer's scope or accreditation, or a status change of an unknown certificate; nothing was stored", body = ErrorBody),
    ))]
pub async fn post_bundle(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let portal = state
        .portal
        .clone()
        .ok_or_else(|| ApiError::NotFound("this site keeps no register".into()))?;
    if portal.register().is_none() {
        return Err(ApiError::NotFound("this portal keeps no register".into()));
    }
    let receipt = blocking(move || {
        let now = chrono::Utc::now();
        let verifier = portal.verifier();
        let bundle = verify_bundle(&body, verifier.trust(), now).map_err(|e| match e {
            ReportError::Malformed(_) => ApiError::BadRequest(e.to_string()),
            ReportError::Untrusted(_) => ApiError::Forbidden(e.to_string()),
            _ => ApiError::Unprocessable(e.to_string()),
        })?;
        let reg = portal
            .register()
            .ok_or_else(|| ApiError::NotFound("this portal keeps no register".into()))?;
        reg.register
            .ingest(&bundle, &reg.signer(), crate::model::now_secs())
            .map_err(|e| match e {
                IngestError::UnknownCertificate { .. } => ApiError::Unprocessable(e.to_string()),
                other => ApiError::Internal(other.to_string()),
            })
    })
    .await?;
    Ok(json(StatusCode::OK, &receipt))
}

/// Runs a query for `client`, rate-limited: the found certificates with their current status.
async fn run_query(
    state: &AppState,
    client: Option<IpAddr>,
    q: &QueryParams,
) -> Result<Vec<serde_json::Value>, ApiError> {
    let portal = state
        .portal
        .clone()
        .ok_or_else(|| ApiError::NotFound("this site keeps no register".into()))?;
    let client = client.unwrap_or(IpAddr::from([0, 0, 0, 0]));
    if let Err(wait) = portal.limiter().check(client, Instant::now()) {
        return Err(ApiError::TooManyRequests(wait.as_secs().max(1)));
    }
    let given = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
    let (Some(number), Some(name)) = (given(&q.number), given(&q.name)) else {
        return Err(ApiError::BadRequest(
            "give both number and name (and optionally id)".into(),
        ));
    };
    let id = q.id.clone().filter(|i| !i.trim().is_empty());
    blocking(move || {
        let reg = portal
            .register()
            .ok_or_else(|| ApiError::NotFound("this portal keeps no register".into()))?;
        let found = reg
            .register
            .query(&number, &name, id.as_deref())
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok(found.into_iter().map(|f| with_status(&portal, f)).collect())
    })
    .await
}

/// A found certificate with its current status from its issuer's status lists.
fn with_status(portal: &super::portal::Portal, f: Found) -> serde_json::Value {
    use crate::verify::StatusSource;
    let now = chrono::Utc::now();
    let mut state = "active".to_owned();
    let mut why = Vec::new();
    for e in &f.record.status {
        let purpose = match e.purpose.as_str() {
            "revocation" => crate::model::StatusPurpose::Revocation,
            _ => crate::model::StatusPurpose::Suspension,
        };
        let entry = crate::model::StatusRef {
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
                        crate::model::StatusPurpose::Revocation => "revoked".into(),
                        crate::model::StatusPurpose::Suspension => "suspended".into(),
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
fn reported_state(changes: &[crate::reporting::StatusChange]) -> Option<&'static str> {
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

/// The one answer for every kind of "not found".
const NOT_FOUND: &str =
    "no certificate with this number and holder name (and ID number, if given) is in the register";

/// `GET /api/v1/query?number=&name=[&id=]`.
#[utoipa::path(get, path = "/api/v1/query", tag = "register",
    summary = "The national-style query: a certificate by number and holder name (and ID number)",
    params(
        ("number" = String, Query, description = "certificate number"),
        ("name" = String, Query, description = "holder name"),
        ("id" = Option<String>, Query, description = "national ID number, checked against the salted hash"),
    ),
    responses(
        (status = 200, description = "what the register holds, with the current status", body = super::schemas::QueryAnswer),
        (status = 400, description = "number or name missing", body = ErrorBody),
        (status = 404, description = "no such certificate, or the name or ID does not match (one answer for all), or no register here", body = ErrorBody),
        (status = 429, description = "too many queries from this client (Retry-After)", body = ErrorBody),
    ))]
pub async fn query_api(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    q: Query<QueryParams>,
) -> Result<Response, ApiError> {
    let client = peer.map(|Extension(ConnectInfo(a))| a.ip());
    let found = run_query(&state, client, &q).await?;
    if found.is_empty() {
        return Err(ApiError::NotFound(NOT_FOUND.into()));
    }
    let mut r = json(StatusCode::OK, &serde_json::json!({"found": found}));
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// `GET /query`: the form, and the answer when number and name are given.
#[utoipa::path(get, path = "/query", tag = "register",
    summary = "The query page (zh/en, no JavaScript)",
    params(
        ("number" = Option<String>, Query, description = "certificate number"),
        ("name" = Option<String>, Query, description = "holder name"),
        ("id" = Option<String>, Query, description = "national ID number (optional)"),
        ("lang" = Option<String>, Query, description = "zh or en"),
    ),
    responses(
        (status = 200, description = "the form, and what was found", body = String, content_type = "text/html"),
        (status = 400, description = "number or name missing", body = String, content_type = "text/html"),
        (status = 404, description = "nothing found (the page says so; HTML), or no register here (JSON)",
            content((String = "text/html"), (ErrorBody = "application/json"))),
        (status = 429, description = "too many queries from this client", body = ErrorBody),
    ))]
pub async fn query_page(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    q: Query<QueryParams>,
) -> Result<Response, ApiError> {
    if state.portal.is_none() {
        return Err(ApiError::NotFound("this site keeps no register".into()));
    }
    let lang = Lang::negotiate(q.lang.as_deref(), &headers);
    let client = peer.map(|Extension(ConnectInfo(a))| a.ip());
    let asked = q.number.as_deref().is_some_and(|n| !n.trim().is_empty())
        || q.name.as_deref().is_some_and(|n| !n.trim().is_empty());
    let (status, found) = if asked {
        match run_query(&state, client, &q).await {
            Ok(f) if f.is_empty() => (StatusCode::NOT_FOUND, Some(f)),
            Ok(f) => (StatusCode::OK, Some(f)),
            Err(ApiError::BadRequest(_)) => (StatusCode::BAD_REQUEST, Some(Vec::new())),
            Err(e) => return Err(e),
        }
    } else {
        (StatusCode::OK, None)
    };
    let html = super::query_page::render_page(lang, &q, found.as_deref());
    let mut r = (status, html).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}
