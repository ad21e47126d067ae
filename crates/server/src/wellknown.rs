//! Public key material and status: `/.well-known/did.json`, `/.well-known/jwks.json`,
//! `/trust.json`, `/status/{list}`, `/healthz`.

use super::bodies::{to_json, ErrorBody, HealthBody};
use super::errors::{blocking, ApiError};
use super::openapi::responses::NotModified;
use super::schemas::{DidDocument, JwkSet, StatusListDocument, TrustListDocument};
use super::state::{AppState, Site};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use skillcert::issuer::Issuer;
use skillcert::keys;

/// Longest time a cache may keep a status list (seconds), whatever its freshness limit.
pub const MAX_STATUS_CACHE_SECS: u64 = 300;

/// The DID document of a `did:web` issuer: every key as a `Multikey` verification method;
/// `assertionMethod` lists the keys not marked compromised.
pub fn did_document(issuer: &Issuer) -> Option<Value> {
    let c = issuer.config();
    if !c.id.starts_with("did:web:") {
        return None;
    }
    let methods: Vec<Value> = c
        .keys
        .iter()
        .map(|k| {
            json!({
                "id": k.id,
                "type": "Multikey",
                "controller": c.id,
                "publicKeyMultibase": k.public_key_multibase,
            })
        })
        .collect();
    let assertion: Vec<&str> = c
        .keys
        .iter()
        .filter(|k| k.compromised_from.is_none())
        .map(|k| k.id.as_str())
        .collect();
    Some(json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": c.id,
        "verificationMethod": methods,
        "assertionMethod": assertion,
    }))
}

/// The JWK set: every key as an OKP Ed25519 JWK whose `kid` is its verification method id.
pub fn jwks(issuer: &Issuer) -> Value {
    let keys: Vec<Value> = issuer
        .config()
        .keys
        .iter()
        .filter_map(|k| {
            let pk = keys::parse_public_multibase(&k.public_key_multibase).ok()?;
            let mut jwk = keys::public_jwk(&pk);
            let o = jwk.as_object_mut()?;
            o.insert("kid".into(), k.id.clone().into());
            o.insert("alg".into(), "EdDSA".into());
            o.insert("use".into(), "sig".into());
            Some(jwk)
        })
        .collect();
    json!({ "keys": keys })
}

/// A JSON response with a strong ETag and a cache lifetime; `304` when `If-None-Match` matches.
pub fn cached_json(
    headers: &HeaderMap,
    body: String,
    content_type: &'static str,
    max_age: u64,
) -> Response {
    let etag = format!(
        "\"{}\"",
        hex::encode(&Sha256::digest(body.as_bytes())[..16])
    );
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        // Weak comparison (RFC 9110 13.1.2): a `W/` prefix does not matter.
        .is_some_and(|v| {
            v.split(',').any(|t| {
                let t = t.trim();
                t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag
            })
        });
    let mut r = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        body.into_response()
    };
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
        h.insert(header::CACHE_CONTROL, v);
    }
    r
}

/// `GET /.well-known/did.json`.
#[utoipa::path(get, path = "/.well-known/did.json", tag = "keys",
    summary = "The did:web document of the issuer",
    params(("If-None-Match" = Option<String>, Header, description = "an ETag of an earlier answer")),
    responses(
        (status = 200, description = "DID document", body = DidDocument, content_type = "application/did+json", headers(("ETag" = String), ("Cache-Control" = String))),
        NotModified,
        (status = 404, description = "not a did:web issuer", body = ErrorBody),
    ))]
pub async fn did_json(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let doc = did_document(&state.issuer_site()?.issuer()).ok_or_else(|| {
        ApiError::NotFound("this issuer is a did:key issuer: it has no did:web document".into())
    })?;
    Ok(cached_json(
        &headers,
        doc.to_string(),
        "application/did+json",
        300,
    ))
}

/// `GET /.well-known/jwks.json`.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "keys",
    summary = "The issuer's keys as a JWK set (kid = verification method)",
    params(("If-None-Match" = Option<String>, Header, description = "an ETag of an earlier answer")),
    responses(
        (status = 200, description = "JWK set", body = JwkSet, content_type = "application/jwk-set+json", headers(("ETag" = String), ("Cache-Control" = String))),
        NotModified,
    ))]
pub async fn jwks_json(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    Ok(cached_json(
        &headers,
        jwks(&state.issuer_site()?.issuer()).to_string(),
        "application/jwk-set+json",
        300,
    ))
}

/// `GET /trust.json`.
#[utoipa::path(get, path = "/trust.json", tag = "keys",
    summary = "A trust list holding this issuer and its keys",
    params(("If-None-Match" = Option<String>, Header, description = "an ETag of an earlier answer")),
    responses(
        (status = 200, description = "trust list", body = TrustListDocument, headers(("ETag" = String), ("Cache-Control" = String))),
        NotModified,
    ))]
pub async fn trust_json(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let body = match &state.site {
        Site::Issuer { backend, .. } => backend.issuer().trust_list().to_json_pretty(),
        Site::Portal(p) => p.trust_json(),
    };
    cached_json(&headers, body, "application/json", 300)
}

/// `GET /status/{list}`: the signed status list credential.
#[utoipa::path(get, path = "/status/{list}", tag = "status",
    summary = "A signed status list credential (Bitstring Status List)",
    params(
        ("list" = String, Path, pattern = "^[0-9]{1,9}(\\.json)?$", description = "the list's number, optionally with .json"),
        ("If-None-Match" = Option<String>, Header, description = "an ETag of an earlier answer"),
    ),
    responses(
        (status = 200, description = "the list", body = StatusListDocument, content_type = "application/vc+json", headers(("ETag" = String), ("Cache-Control" = String))),
        NotModified,
        (status = 404, description = "no such list", body = ErrorBody),
    ))]
pub async fn status_list(
    State(state): State<AppState>,
    headers: HeaderMap,
    list: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(list) = list?;
    let name = list.strip_suffix(".json").unwrap_or(&list);
    let n: u32 = name
        .parse()
        .ok()
        .filter(|_| name.len() <= 9 && name.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| ApiError::NotFound("status lists are numbered: /status/1".into()))?;
    let backend = state.issuer_site()?.clone();
    let (body, ttl) = blocking(move || backend.status_list(n)).await?;
    Ok(cached_json(
        &headers,
        body,
        "application/vc+json",
        ttl.min(MAX_STATUS_CACHE_SECS),
    ))
}

/// `GET /healthz`.
#[utoipa::path(get, path = "/healthz", tag = "ops",
    summary = "Liveness: the process answers (see /readyz for whether it can issue)",
    responses((status = 200, description = "ok", body = HealthBody)))]
pub async fn healthz(State(state): State<AppState>) -> Response {
    // A portal names the authorities of its lists instead of an issuer.
    let who = match &state.site {
        Site::Issuer { backend, .. } => backend.issuer().config().id.clone(),
        Site::Portal(p) => p
            .feeds()
            .iter()
            .filter_map(|f| f.current())
            .filter_map(|s| s.list().authority.as_ref().map(|a| a.id.clone()))
            .collect::<Vec<_>>()
            .join(" "),
    };
    let mut r = to_json(&HealthBody {
        status: "ok",
        issuer: who,
        version: env!("CARGO_PKG_VERSION"),
    })
    .into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}
