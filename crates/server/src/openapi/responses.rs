//! Responses several routes share, each described once: a type per response, or per group of
//! responses that always go together (`#[derive(IntoResponses)]`), which a handler's
//! `#[utoipa::path(responses(...))]` names beside its own `(status = …)` rows. They only
//! describe answers; no handler builds them (every error body is an [`ErrorBody`] made by
//! [`ApiError`](crate::errors::ApiError)).

#![allow(
    clippy::large_enum_variant,
    reason = "these types describe responses in the document; no value of them is ever built"
)]

use crate::bodies::{CertificateBody, ErrorBody, MalformedReport};
use crate::schemas::QueryAnswer;
use skillcert::verify::Report;
use utoipa::IntoResponses;

/// Every admin route: the request has no admin token, or the wrong one.
#[derive(IntoResponses)]
#[response(status = 401, description = "no or wrong admin token")]
pub struct AdminTokenRefused(pub ErrorBody);

/// A route that takes a JSON body was sent another content type.
#[derive(IntoResponses)]
#[response(status = 415, description = "not application/json")]
pub struct NotJson(pub ErrorBody);

/// The body is over the route's limit.
#[derive(IntoResponses)]
#[response(status = 413, description = "too large")]
pub struct TooLarge(pub ErrorBody);

/// The id in the path is neither a certificate id nor a certificate number.
#[derive(IntoResponses)]
#[response(status = 400, description = "bad id")]
pub struct BadId(pub ErrorBody);

/// No certificate of the issuer has the id (or number) in the path.
#[derive(IntoResponses)]
#[response(status = 404, description = "no such certificate")]
pub struct NoSuchCertificate(pub ErrorBody);

/// The cached documents (`did.json`, `jwks.json`, `trust.json`, status lists) answer a
/// request whose `If-None-Match` names the current ETag.
#[derive(IntoResponses)]
#[response(status = 304, description = "not modified (If-None-Match)")]
pub struct NotModified;

/// The issuance routes (one, batch) refuse a request before they check it.
#[derive(IntoResponses)]
pub enum IssuanceRefusals {
    /// Malformed JSON or `Idempotency-Key`.
    #[response(status = 400, description = "malformed JSON or Idempotency-Key")]
    BadRequest(ErrorBody),
    /// A request with the same `Idempotency-Key` is still being answered.
    #[response(
        status = 409,
        description = "a request with this Idempotency-Key is still being answered"
    )]
    KeyInFlight(ErrorBody),
}

/// The status changes (revoke, suspend, reinstate): the record afterwards, or why not (besides
/// [`NoSuchCertificate`] and [`NotJson`]).
#[derive(IntoResponses)]
pub enum StatusChangeAnswers {
    /// The certificate's record after the change.
    #[response(
        status = 200,
        description = "the certificate's record after the change"
    )]
    Changed(CertificateBody),
    /// The id or the body is not readable.
    #[response(status = 400, description = "bad id or body")]
    BadRequest(ErrorBody),
    /// The change conflicts with the record (revoked already, not suspended…).
    #[response(status = 409, description = "the change conflicts with the record")]
    Conflict(ErrorBody),
    /// The reason is missing or too long.
    #[response(status = 422, description = "reason missing or too long")]
    BadReason(ErrorBody),
    /// The issuer's database cannot be used.
    #[response(status = 503, description = "no issuer's database")]
    Unavailable(ErrorBody),
}

/// The verification API (text and image): the verdict, or why there is none.
#[derive(IntoResponses)]
pub enum VerifyAnswers {
    /// The report, whatever its verdict.
    #[response(
        status = 200,
        description = "the verdict (any verdict of a readable certificate)"
    )]
    Verdict(Report),
    /// The body cannot be read.
    #[response(
        status = 400,
        description = "unreadable body (malformed JSON, not UTF-8, empty)"
    )]
    Unreadable(ErrorBody),
    /// The body is over its limit.
    #[response(status = 413, description = "body too large")]
    TooLarge(ErrorBody),
    /// A content type the route does not take.
    #[response(status = 415, description = "wrong content type")]
    WrongType(ErrorBody),
    /// Input that is not a certificate at all.
    #[response(
        status = 422,
        description = "not a certificate: the report with verdict malformed, plus error and message"
    )]
    Malformed(MalformedReport),
}

/// The forms of the home page (paste, upload): the verification page.
#[derive(IntoResponses)]
#[response(status = 200, description = "the verdict", content_type = "text/html")]
pub struct VerdictPage(pub String);

/// The register's query API (GET, POST): what was found, or a client over its limit.
#[derive(IntoResponses)]
pub enum RegisterQueryAnswers {
    /// The certificates found, with their current status.
    #[response(
        status = 200,
        description = "what the register holds, with the current status"
    )]
    Found(QueryAnswer),
    /// The client asked too often.
    #[response(
        status = 429,
        description = "too many queries from this client (Retry-After)"
    )]
    TooMany(ErrorBody),
}

/// The register's query page (GET, POST): a client over its limit.
#[derive(IntoResponses)]
#[response(status = 429, description = "too many queries from this client")]
pub struct QueryPageLimited(pub ErrorBody);
