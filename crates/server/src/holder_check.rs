//! The online ID check: "is this ID number the one certificate N was issued under?"
//! `POST /api/v1/holder-check` (`{"certificate": ID_OR_NUMBER, "id_number": …}` →
//! `{"match": true|false}`) and the form under the verdict of the verification page
//! (`POST /holder-check`). On an issuer's site the issuer's database answers (keyed hash, or
//! the legacy hash of older certificates); on a portal, the register (by certificate number).
//!
//! The ID travels in the body only (never a URL, never a log line or an error message).
//! Match, no match and unknown certificate get the same status, the same body shape and the
//! same answer time ([`ANSWER_TIME`]). Guessing is bounded per certificate and per client
//! ([`super::rate_limit::HolderCheckLimits`], an IPv6 client counted by its /64).

use super::bodies::ErrorBody;
use super::errors::{blocking, ApiError};
use super::state::{AppState, Site};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

/// Every answer is sent this long after the request arrived, whatever the outcome.
pub const ANSWER_TIME: Duration = Duration::from_millis(250);
/// Largest request body.
pub const MAX_BODY: usize = 1 << 10;

/// What was asked: the certificate and the ID number. Never `Debug`-printed with the ID.
struct Asked {
    certificate: String,
    id_number: String,
}

impl std::fmt::Debug for Asked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Asked")
            .field("certificate", &self.certificate)
            .finish_non_exhaustive()
    }
}

/// Reads `{"certificate", "id_number"}`; errors name the member, never echo a value.
fn parse_json(body: &[u8]) -> Result<Asked, ApiError> {
    let bad = || {
        ApiError::BadRequest(
            "body: a JSON object {\"certificate\": string, \"id_number\": string}".into(),
        )
    };
    let v: serde_json::Value = serde_json::from_slice(body).map_err(|_| bad())?;
    let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
    match (text("certificate"), text("id_number")) {
        (Some(certificate), Some(id_number)) => checked(certificate, id_number),
        _ => Err(bad()),
    }
}

/// Reads the page's form (`certificate=…&id_number=…`).
fn parse_form(body: &[u8]) -> Result<Asked, ApiError> {
    let (mut certificate, mut id_number) = (None, None);
    for (k, v) in form_urlencoded::parse(body) {
        match &*k {
            "certificate" => certificate = Some(v.into_owned()),
            "id_number" => id_number = Some(v.into_owned()),
            _ => {}
        }
    }
    match (certificate, id_number) {
        (Some(c), Some(i)) => checked(c, i),
        _ => Err(ApiError::BadRequest(
            "form: certificate and id_number are needed".into(),
        )),
    }
}

fn checked(certificate: String, id_number: String) -> Result<Asked, ApiError> {
    if certificate.trim().is_empty() || certificate.len() > 128 {
        return Err(ApiError::BadRequest(
            "certificate: a certificate id or number (at most 128 characters)".into(),
        ));
    }
    if id_number.trim().is_empty() || id_number.len() > 64 {
        return Err(ApiError::BadRequest("id_number: 1-64 characters".into()));
    }
    Ok(Asked {
        certificate,
        id_number,
    })
}

/// Runs one check for `client`: rate limits, the answer, and the wait to [`ANSWER_TIME`].
async fn run(state: &AppState, client: Option<IpAddr>, asked: Asked) -> Result<bool, ApiError> {
    let start = Instant::now();
    let client = client.unwrap_or(IpAddr::from([0, 0, 0, 0]));
    state
        .holder_checks
        .admit(client, &asked.certificate, start)
        .map_err(|wait| ApiError::TooManyRequests(wait.as_secs().max(1)))?;
    let state2 = state.clone();
    let answer = blocking(move || answer(&state2, &asked)).await;
    tokio::time::sleep_until(tokio::time::Instant::from_std(start + ANSWER_TIME)).await;
    answer
}

/// The answer from the issuer's database or the portal's register.
fn answer(state: &AppState, asked: &Asked) -> Result<bool, ApiError> {
    let portal = match &state.site {
        Site::Issuer { backend, .. } => {
            let issuer = backend.issuer();
            return backend
                .registry()
                .holder_check(&issuer, &asked.certificate, &asked.id_number)
                .map_err(|e| {
                    if e.is_outage() {
                        tracing::warn!(reason = %e, "issuer's database: no answer to an ID check");
                        ApiError::Unavailable(
                            "the ID check cannot be answered now: try again later".into(),
                        )
                    } else {
                        ApiError::Internal(e.to_string())
                    }
                });
        }
        Site::Portal(portal) => portal,
    };
    let reg = portal
        .register()
        .ok_or_else(|| ApiError::NotFound("this site keeps no certificates".into()))?;
    reg.register
        .holder_check(&asked.certificate, &asked.id_number, &|i, n| {
            portal.owns_number(i, n)
        })
        .map_err(|e| match e {
            skillcert_store::register::DbError::Unavailable(why) => {
                tracing::warn!(reason = %why, "register: no database answers an ID check");
                ApiError::Unavailable("the ID check cannot be answered now: try again later".into())
            }
            e => ApiError::Internal(e.to_string()),
        })
}

fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `POST /api/v1/holder-check`.
#[utoipa::path(post, path = "/api/v1/holder-check", tag = "verification",
    summary = "Whether an ID number is the one a certificate was issued under (match / no match only)",
    request_body(content = super::schemas::HolderCheckRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "the answer; the same for an unknown certificate, after the same time", body = super::schemas::HolderCheckAnswer),
        (status = 400, description = "not {certificate, id_number}", body = ErrorBody),
        (status = 429, description = "too many checks of this certificate or by this client (Retry-After)", body = ErrorBody),
        (status = 503, description = "the database that holds the answer cannot be reached now", body = ErrorBody),
    ))]
pub async fn holder_check_api(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let client = super::client_ip::of(&state.trusted_proxies, peer, &headers);
    let asked = parse_json(&body)?;
    let matched = run(&state, client, asked).await?;
    let mut r = (
        StatusCode::OK,
        serde_json::json!({ "match": matched }).to_string(),
    )
        .into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(no_store(r))
}

/// `POST /holder-check`: the verification page's "check an ID card" form.
#[utoipa::path(post, path = "/holder-check", tag = "verification",
    summary = "The verification page's ID card check (form post; an HTML answer)",
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "certificate=…&id_number=…[&lang=zh|en]"),
    responses(
        (status = 200, description = "matches / does not match", body = String, content_type = "text/html"),
        (status = 400, description = "certificate or id_number missing", body = ErrorBody),
        (status = 429, description = "too many checks", body = ErrorBody),
    ))]
pub async fn holder_check_form(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let client = super::client_ip::of(&state.trusted_proxies, peer, &headers);
    let lang_param = form_urlencoded::parse(&body)
        .find(|(k, _)| k == "lang")
        .map(|(_, v)| v.into_owned());
    let lang = super::i18n::Lang::negotiate(lang_param.as_deref(), &headers);
    let asked = parse_form(&body)?;
    let matched = run(&state, client, asked).await?;
    let html = super::pages::holder_check_page(lang, matched);
    let mut r = (StatusCode::OK, html).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    Ok(no_store(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_never_echo_the_id() {
        for body in [
            &br#"{"certificate": "S1", "id_number": 330602199001011231}"#[..],
            br#"{"certificate": 1, "id_number": "330602199001011231"}"#,
            br#"330602199001011231"#,
        ] {
            let e = parse_json(body).unwrap_err().to_string();
            assert!(!e.contains("330602199001011231"), "{e}");
        }
        let a = parse_json(br#"{"certificate": "S1", "id_number": "330602199001011231"}"#);
        assert!(!format!("{:?}", a.unwrap()).contains("3306021990"));
    }
}
