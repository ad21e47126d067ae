//! The public JSON API: `POST /api/v1/verify` and `POST /api/v1/verify/image`.
//!
//! Both answer the `verify --json` object with status 200 for every verdict of a readable
//! certificate, and 422 (the same object, plus `error` and `message`) for input that is not a
//! certificate at all (`malformed`).

use super::bodies::{to_json, ErrorBody, MalformedReport};
use super::errors::{blocking, content_type, parse_json, ApiError};
use super::openapi::responses::VerifyAnswers;
use super::schemas::{Binary, ImageUpload, TextInput, VerifyRequest};
use super::state::{AppState, Site};
use axum::body::Bytes;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use skillcert::verify::{Rejected, Report, Verdict, VerifiedCredential, MAX_DOCUMENT};
use std::time::Duration;

/// Largest body of `POST /api/v1/verify`: a document plus JSON wrapping.
pub const MAX_VERIFY_BODY: usize = MAX_DOCUMENT + (16 << 10);
/// Largest photo accepted (8 MiB).
pub const MAX_IMAGE_BODY: usize = 8 << 20;
/// Inputs up to this size are verified on the request's own task; larger ones (documents) on
/// the blocking pool. Images never run on the request's task.
const INLINE_LIMIT: usize = 16 << 10;
/// How long an image upload waits for a free decoder before the answer is 503.
pub const IMAGE_WAIT: Duration = Duration::from_secs(5);

/// Verifies input bytes of any form with the service's verifier, counting the verdict.
///
/// Images are read on the blocking pool under one of the service's image permits. The permit
/// is moved into the decoding closure, so it is given back only when the decode has really
/// stopped: a request that times out or whose client goes away does not let another decode
/// start beside one still running. Every decode is bounded by the reader's
/// [`Budget`](skillcert_qrimage::read::Budget), so a permit is never held for long.
pub async fn verify_bytes(state: &AppState, bytes: Vec<u8>) -> Result<Report, ApiError> {
    let image = skillcert::qr::looks_like_image(&bytes);
    let rdfc = !image && mentions_rdfc(&bytes);
    // A portal may fetch status lists over the network, and a JSON-LD document costs more
    // than a token: never on the async workers.
    let report = if !image
        && !rdfc
        && bytes.len() <= INLINE_LIMIT
        && matches!(&state.site, Site::Issuer { backend, .. } if backend.verifies_inline())
    {
        check(state, &bytes)
    } else {
        let permit = if image {
            Some(image_permit(state).await?)
        } else if rdfc {
            Some(rdfc_permit(state).await?)
        } else {
            None
        };
        let st = state.clone();
        let job = move || {
            let report = check(&st, &bytes);
            drop(permit);
            Ok::<_, ApiError>(report)
        };
        if rdfc {
            super::costly::run(job).await?
        } else {
            blocking(job).await?
        }
    };
    state.metrics.verdict(report.verdict);
    Ok(report)
}

/// Verifies the payload of a QR code opened at `/V/{payload}`: on an issuer's site as the
/// issuer's own QR text; on a portal as any accredited issuer's, without the check that the
/// QR points to the issuer's own address (the reader opened the portal on purpose).
pub async fn verify_qr_payload(state: &AppState, payload: &str) -> Result<Report, ApiError> {
    let portal = match &state.site {
        Site::Issuer { backend, .. } => {
            let text = super::backend::qr_text_for(&backend.issuer(), payload);
            return verify_bytes(state, text.into_bytes()).await;
        }
        Site::Portal(portal) => portal,
    };
    let text = format!("{}/V/{payload}", portal.public_url());
    let verifier = portal.verifier();
    let report = blocking(move || {
        let r = match skillcert_qrimage::parse_bytes(text.as_bytes()) {
            Ok(u) => verifier.check(u.without_qr_address()),
            Err(e) => Report::from(e),
        };
        Ok::<_, ApiError>(r)
    })
    .await?;
    state.metrics.verdict(report.verdict);
    Ok(report)
}

/// Whether `bytes` name the `eddsa-rdfc-2022` cryptosuite (a document whose check expands and
/// canonicalizes JSON-LD: the costly kind).
pub(crate) fn mentions_rdfc(bytes: &[u8]) -> bool {
    let needle = skillcert::proof::RDFC_CRYPTOSUITE.as_bytes();
    bytes.windows(needle.len()).any(|w| w == needle)
}

/// One of the service's JSON-LD permits ([`AppState::rdfc_permits`]), waiting at most
/// [`IMAGE_WAIT`] for it (then 503).
pub(crate) async fn rdfc_permit(
    state: &AppState,
) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
    let busy = "every document verifier is busy: try again shortly";
    super::errors::permit(state.rdfc_permits.clone(), IMAGE_WAIT, busy).await
}

/// One of the service's image decoders, waiting at most [`IMAGE_WAIT`] for it (then 503).
async fn image_permit(state: &AppState) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
    let busy = "every image decoder is busy: try again shortly";
    super::errors::permit(state.image_permits.clone(), IMAGE_WAIT, busy).await
}

fn check(state: &AppState, bytes: &[u8]) -> Report {
    skillcert_qrimage::verify_bytes(&state.verifier(), bytes)
        .map_or_else(Rejected::into_report, VerifiedCredential::into_report)
}

/// The JSON response for a report: 200, or 422 for `malformed` (the report plus `error` and
/// `message`).
pub fn report_response(report: Report) -> Response {
    let (status, body) = report_json(report);
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The status and JSON body of [`report_response`].
pub fn report_json(report: Report) -> (StatusCode, String) {
    if report.verdict == Verdict::Malformed {
        let message = report
            .failure_reasons()
            .first()
            .copied()
            .unwrap_or("not a certificate")
            .to_owned();
        let body = MalformedReport {
            report,
            error: "malformed",
            message,
        };
        (StatusCode::UNPROCESSABLE_ENTITY, to_json(&body))
    } else {
        (StatusCode::OK, to_json(&report))
    }
}

/// The input in a verify request body.
///
/// - `application/json`: a credential document, or `{"input": "<token, QR text or document>"}`;
/// - `text/plain`: the token, QR text or document itself.
pub fn verify_input(headers: &HeaderMap, body: &[u8]) -> Result<Vec<u8>, ApiError> {
    input_of(content_type(headers).as_deref(), body)
}

/// [`verify_input`] for the content type's essence `ct`.
pub(crate) fn input_of(ct: Option<&str>, body: &[u8]) -> Result<Vec<u8>, ApiError> {
    match ct {
        Some("application/json") => {
            let v = parse_json(body, MAX_VERIFY_BODY)?;
            match &v {
                Value::Object(o) if o.len() == 1 && o.contains_key("input") => match &o["input"] {
                    Value::String(s) => Ok(s.as_bytes().to_vec()),
                    _ => Err(ApiError::Unprocessable("input: must be a string".into())),
                },
                Value::Object(_) => Ok(body.to_vec()),
                _ => Err(ApiError::Unprocessable(
                    "$: send a credential document or {\"input\": \"...\"}".into(),
                )),
            }
        }
        Some("text/plain") => {
            if std::str::from_utf8(body).is_err() {
                return Err(ApiError::BadRequest("the text body is not UTF-8".into()));
            }
            Ok(body.to_vec())
        }
        _ => Err(ApiError::UnsupportedMediaType(
            "send application/json (a document or {\"input\": ...}) or text/plain (a token or QR text)"
                .into(),
        )),
    }
}

/// `POST /api/v1/verify`.
#[utoipa::path(post, path = "/api/v1/verify", tag = "verify",
    summary = "Verify a document, token or QR text",
    request_body(content(
        (VerifyRequest = "application/json"),
        (TextInput = "text/plain"),
    )),
    responses(VerifyAnswers))]
pub async fn verify(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body?;
    let input = nonempty_input(content_type(&headers).as_deref(), &body)?;
    tracing::debug!(input_len = input.len(), "verify");
    Ok(report_response(verify_bytes(&state, input).await?))
}

/// The input of a verify body of content type `ct` ([`input_of`]), refusing an empty one.
pub(crate) fn nonempty_input(ct: Option<&str>, body: &[u8]) -> Result<Vec<u8>, ApiError> {
    let input = input_of(ct, body)?;
    if skillcert::input::trim_ascii(&input).is_empty() {
        return Err(ApiError::BadRequest("the input is empty".into()));
    }
    Ok(input)
}

/// Reads the photo of a multipart upload: the field `image` (or the first file field), and an
/// optional `lang` field.
pub async fn read_image_field(mut mp: Multipart) -> Result<(Vec<u8>, Option<String>), ApiError> {
    let mut image = None;
    let mut lang = None;
    let mut fields = 0;
    while let Some(field) = mp.next_field().await? {
        fields += 1;
        if fields > 8 {
            return Err(ApiError::BadRequest("too many multipart fields".into()));
        }
        let name = field.name().unwrap_or("").to_owned();
        let is_file = field.file_name().is_some();
        if name == "lang" {
            let t = field.text().await?;
            lang = Some(t.chars().take(16).collect());
        } else if image.is_none() && (name == "image" || is_file) {
            image = Some(field.bytes().await?.to_vec());
        }
    }
    match image {
        Some(b) if !b.is_empty() => Ok((b, lang)),
        _ => Err(ApiError::BadRequest(
            "no image: send the photo in the multipart field \"image\"".into(),
        )),
    }
}

/// `POST /api/v1/verify/image`: multipart (`image` field) or a raw `image/png` / `image/jpeg`
/// body.
#[utoipa::path(post, path = "/api/v1/verify/image", tag = "verify",
    summary = "Verify a photo of a certificate's QR code",
    request_body(content(
        (ImageUpload = "multipart/form-data"),
        (Binary = "image/png"),
        (Binary = "image/jpeg"),
    )),
    responses(
        VerifyAnswers,
        (status = 503, description = "every image decoder is busy: try again shortly", body = ErrorBody),
    ))]
pub async fn verify_image(
    State(state): State<AppState>,
    headers: HeaderMap,
    req: axum::extract::Request,
) -> Result<Response, ApiError> {
    use axum::extract::FromRequest;
    let ct = content_type(&headers);
    let bytes = match ct.as_deref() {
        Some("multipart/form-data") => {
            let mp: Result<Multipart, MultipartRejection> =
                Multipart::from_request(req, &state).await;
            read_image_field(mp?).await?.0
        }
        Some("image/png" | "image/jpeg") => {
            let b: Result<Bytes, BytesRejection> = Bytes::from_request(req, &state).await;
            b?.to_vec()
        }
        _ => return Err(ApiError::UnsupportedMediaType(
            "send multipart/form-data with an \"image\" field, or an image/png or image/jpeg body"
                .into(),
        )),
    };
    if bytes.is_empty() {
        return Err(ApiError::BadRequest("the image is empty".into()));
    }
    tracing::debug!(image_len = bytes.len(), "verify image");
    Ok(report_response(verify_bytes(&state, bytes).await?))
}
