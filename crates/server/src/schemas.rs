//! Schemas of what the HTTP service's routes take in (request bodies, uploads, documents other
//! standards define), for the OpenAPI document: the handlers name them in their
//! `#[utoipa::path]` attributes and [`super::openapi`] gathers them. Kept apart from the
//! handlers and the document so that neither depends on the other.

use super::i18n::Lang;
use serde_json::Value;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, ObjectBuilder, Ref, Schema, Type,
};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

/// Most certificates in one batch request.
pub const MAX_BATCH: usize = 1000;

/// Longest reason of a status change, in characters (the issuer's database's rule).
pub use skillcert_store::issuer_db::MAX_REASON_CHARS;

/// The issuance request's JSON Schema (draft 2020-12, which OpenAPI 3.1 speaks).
pub(super) const ISSUANCE_REQUEST_SCHEMA: &str =
    include_str!("../../../schemas/issuance-request.schema.json");

/// The JSON body of `POST /api/v1/verify`: a credential document, or the input wrapped.
#[derive(ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum VerifyRequest {
    /// A signed credential document.
    Document(super::bodies::CredentialDocument),
    /// A token, QR text or document as a string.
    Input(InputBody),
}

/// `{"input": "<token, QR text or document>"}`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InputBody {
    /// A token, QR text or document.
    pub input: String,
}

/// A token, QR text or document as text.
#[derive(ToSchema)]
#[schema(value_type = String)]
pub struct TextInput(pub String);

/// One line of a batch's answer: what `POST /api/v1/verify` answers for that line's input
/// alone (a report, a malformed input's report, or an error body).
#[derive(serde::Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code, reason = "describes answers in the document; never built")]
pub enum BatchLine {
    /// A report (status 200 on the single route).
    Report(skillcert::verify::Report),
    /// Not a certificate (422 on the single route).
    Malformed(super::bodies::MalformedReport),
    /// An error body (400, 413, 503 on the single route).
    Error(super::bodies::ErrorBody),
}

/// Raw bytes of a file.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Binary(pub Vec<u8>);

/// The multipart body of `POST /api/v1/verify/image`.
#[derive(ToSchema)]
pub struct ImageUpload {
    /// The photo (PNG or JPEG; the first file field is taken when none is named `image`).
    #[schema(value_type = String, format = Binary)]
    pub image: Vec<u8>,
}

/// The multipart body of the upload form (`POST /verify/image`).
#[derive(ToSchema)]
pub struct ImageForm {
    /// The photo (PNG or JPEG).
    #[schema(value_type = String, format = Binary)]
    pub image: Vec<u8>,
    /// Page language.
    pub lang: Option<Lang>,
}

/// The body of `POST /api/v1/admin/certificates`: the issuance request's JSON Schema.
pub struct IssuanceRequestSchema;

impl PartialSchema for IssuanceRequestSchema {
    fn schema() -> RefOr<Schema> {
        Ref::from_schema_name("IssuanceRequest").into()
    }
}

impl ToSchema for IssuanceRequestSchema {}

/// The body of a batch: 1 to [`MAX_BATCH`] issuance requests.
pub struct BatchRequest;

impl PartialSchema for BatchRequest {
    fn schema() -> RefOr<Schema> {
        ArrayBuilder::new()
            .items(Ref::from_schema_name("IssuanceRequest"))
            .min_items(Some(1))
            .max_items(Some(MAX_BATCH))
            .into()
    }
}

impl ToSchema for BatchRequest {}

/// `{"reason": …, "public_reason": …}` with the reason required (revoke, suspend).
pub struct ReasonRequired;
/// `{"reason": …}` with the reason optional.
pub struct ReasonOptional;

fn reason_body(required: bool) -> RefOr<Schema> {
    let mut o = ObjectBuilder::new()
        .property(
            "reason",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(MAX_REASON_CHARS))
                .description(Some("why (recorded in the certificate's history)")),
        )
        .additional_properties(Some(AdditionalProperties::FreeForm(false)));
    if required {
        o = o.required("reason").property(
            "public_reason",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(MAX_REASON_CHARS))
                .description(Some(
                    "optional: the reason shown to whoever verifies the certificate \
                     (`reason` stays internal)",
                )),
        );
    }
    o.into()
}

impl PartialSchema for ReasonRequired {
    fn schema() -> RefOr<Schema> {
        reason_body(true)
    }
}
impl ToSchema for ReasonRequired {}

impl PartialSchema for ReasonOptional {
    fn schema() -> RefOr<Schema> {
        reason_body(false)
    }
}
impl ToSchema for ReasonOptional {}

/// The issuer's DID document (W3C DID Core 1.0, `Multikey` verification methods).
#[derive(ToSchema)]
#[schema(value_type = Object)]
pub struct DidDocument(pub Value);

/// The issuer's keys as a JWK set (RFC 7517; OKP Ed25519 keys, `kid` = verification method).
#[derive(ToSchema)]
#[schema(value_type = Object)]
pub struct JwkSet(pub Value);

/// A skillcert trust list (see `keys/README.md`) holding this issuer and its keys.
#[derive(ToSchema)]
#[schema(value_type = Object)]
pub struct TrustListDocument(pub Value);

/// A signed `BitstringStatusListCredential` (W3C Bitstring Status List 1.0).
#[derive(ToSchema)]
#[schema(value_type = Object)]
pub struct StatusListDocument(pub Value);

/// An OpenAPI 3.1 document.
#[derive(ToSchema)]
#[schema(value_type = Object)]
pub struct OpenApiDocument(pub Value);

/// A portal's signed receipt for a bundle (`SkillcertReportReceipt`).
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI document only")]
pub struct ReceiptDocument {
    /// `SkillcertReportReceipt`.
    #[schema(rename = "type")]
    kind: String,
    /// 1.
    version: u32,
    /// The portal's `did:key`.
    portal: String,
    /// The issuer whose bundle it was.
    issuer: String,
    /// Hex SHA-256 of the bundle.
    bundle: String,
    /// When the portal stored it.
    received: String,
    /// Each item of the bundle: its key and digest.
    items: Vec<ReceiptEntry>,
    /// `eddsa-jcs-2022` Data Integrity proof by the portal's key.
    #[schema(value_type = Object)]
    proof: Value,
}

/// One item a receipt names.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI document only")]
pub struct ReceiptEntry {
    /// `certificate:<id>` or `status:<seq>`.
    item: String,
    /// Hex SHA-256 of the item's JCS form.
    digest: String,
}

/// The register query with the ID number in the body (`POST /api/v1/query`).
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI document only")]
pub struct QueryRequest {
    /// Certificate number.
    number: String,
    /// Holder name.
    name: String,
    /// National ID number, checked against the register's keyed hash.
    id: Option<String>,
}

/// The online ID check's question.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI document only")]
pub struct HolderCheckRequest {
    /// The certificate: its id (`urn:uuid:…`) or number.
    certificate: String,
    /// The ID number to check (white space ignored).
    id_number: String,
}

/// The online ID check's answer: the same shape for match, no match and unknown certificate.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI document only")]
pub struct HolderCheckAnswer {
    /// Whether the ID number is the one the certificate was issued under.
    r#match: bool,
}

/// The register's answer to a query.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI document only")]
pub struct QueryAnswer {
    /// The certificates with this number and holder name.
    found: Vec<FoundCertificate>,
}

/// A certificate the register holds.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema for the OpenAPI document only")]
pub struct FoundCertificate {
    /// The issuer's id.
    issuer: String,
    /// The issuer's name in the portal's trust list.
    issuer_name: Option<String>,
    /// The latest record the issuer reported (id, number, holder, program, level, dates, key,
    /// document digest, status entries).
    #[schema(value_type = Object)]
    record: Value,
    /// Reported status changes, oldest first.
    #[schema(value_type = Vec<Object>)]
    status_changes: Vec<Value>,
    /// When the register first received it.
    first_reported: String,
    /// `active`, `revoked`, `suspended` or `status_unknown` (the issuer's status list and the
    /// reported changes together).
    current_status: String,
    /// Why the status could not be confirmed, if it could not.
    status_notes: Vec<String>,
}
