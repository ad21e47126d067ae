//! Why untrusted input could not be read as a credential: [`ParseError`], and the errors of the
//! token and QR forms it wraps (defined here, below the forms, and re-exported by
//! [`crate::token`] and [`crate::qr`]).

use super::Format;
use crate::jcs::JsonError;
use crate::model::ModelError;
use crate::proof::ProofError;

/// Why input could not be parsed as a credential of any form: the verdict is `malformed`, and
/// the text (which names the field, part or position) is the reason the reader sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The document is not strict JSON, or is too large.
    #[error(transparent)]
    Json(#[from] JsonError),
    /// The document's proof (or proof set) is missing or malformed, or cannot be canonicalized.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// A member of the document is missing or wrong.
    #[error(transparent)]
    Field(#[from] ModelError),
    /// The `vc+jwt` token is malformed.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The QR text, its payload, or the image of a QR code is malformed.
    #[error(transparent)]
    Qr(#[from] QrError),
    /// The input is none of the forms.
    #[error("input is not a JSON document, a token, a QR text or a PNG/JPEG image of a QR code")]
    UnknownForm,
}

impl ParseError {
    /// The form the input was being read as.
    pub fn format(&self) -> Format {
        match self {
            ParseError::Json(_) | ParseError::Proof(_) | ParseError::Field(_) => Format::Document,
            ParseError::UnknownForm => Format::Document,
            ParseError::Token(_) => Format::Token,
            ParseError::Qr(_) => Format::Qr,
        }
    }

    /// The field or position the error is at, when it names one (`issuer.id`, a QR payload
    /// offset).
    pub fn field(&self) -> Option<&str> {
        match self {
            ParseError::Field(ModelError::Field { field, .. })
            | ParseError::Proof(ProofError::Field(ModelError::Field { field, .. })) => {
                Some(field.as_str())
            }
            ParseError::Qr(QrError::Payload { at, .. }) => Some(at.as_str()),
            _ => None,
        }
    }
}

/// Why a token cannot be read. Always names the part or claim.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// The compact serialization is broken.
    #[error("token: {0}")]
    Syntax(String),
    /// A header parameter is missing or not acceptable.
    #[error("token header: {0}")]
    Header(String),
    /// A payload claim is missing or not acceptable.
    #[error("token payload: {0}")]
    Payload(String),
}

/// Errors of the QR form.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum QrError {
    /// The text is not a skillcert QR URL.
    #[error("QR text: {0}")]
    Text(String),
    /// The payload is malformed; names where.
    #[error("QR payload: {at}: {reason}")]
    Payload {
        /// Field or position.
        at: String,
        /// What is wrong.
        reason: String,
    },
    /// The QR code could not be built.
    #[error("QR code: {0}")]
    Encode(String),
    /// An image could not be read as a QR code.
    #[error("image: {0}")]
    Image(String),
}
