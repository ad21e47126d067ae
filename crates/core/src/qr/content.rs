//! What a QR body holds ([`QrContent`]) and its fixed bounds: the data that the body's field
//! list (`body`) reads and writes and that [`format`](super::format) encodes, signs and decodes.
//! Both depend on this module; it depends on neither.

use crate::model::Claims;
use chrono::{DateTime, Utc};

/// Format version byte.
pub const VERSION: u8 = 1;
/// Largest number of status entries.
pub const MAX_STATUS: usize = 8;
/// Longest validity expressed in whole years.
pub const MAX_YEARS: u64 = 100;

/// What the QR carries besides the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrContent {
    /// Every claim of the certificate.
    pub claims: Claims,
    /// The verification method that signed it.
    pub key_id: String,
    /// When it was signed (whole seconds).
    pub signed_at: DateTime<Utc>,
}
