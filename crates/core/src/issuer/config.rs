//! `config.json` of an issuer's data dir: profile, keys (public halves), numbering, printing.

use crate::model::number::NumberingScheme;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One issuer key as recorded in `config.json` (public material only).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct KeyRecord {
    /// Verification method id.
    pub id: String,
    /// Secret key file, relative to the data dir. A retired key's file is destroyed by
    /// `key rotate` unless kept with `--keep-retired`; the record (and so the public key) stays.
    pub file: String,
    /// Multikey public key.
    pub public_key_multibase: String,
    /// Start of signing life.
    pub valid_from: DateTime<Utc>,
    /// End of signing life (set when rotated out).
    pub valid_until: Option<DateTime<Utc>>,
    /// Compromised from (set by an operator).
    pub compromised_from: Option<DateTime<Utc>>,
}

/// `config.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct IssuerConfig {
    /// Format version (1).
    pub version: u32,
    /// Issuer DID.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Public base URL (`https://verify.example.cn`), if the issuer has one.
    pub base_url: Option<String>,
    /// Every key ever used, oldest first.
    pub keys: Vec<KeyRecord>,
    /// The key that signs now.
    pub active_key: String,
    /// Freshness limit of status list credentials, seconds.
    pub status_ttl_secs: u64,
    /// The Data Integrity cryptosuites an issued document's proof set carries, in order
    /// (`eddsa-jcs-2022`, `eddsa-rdfc-2022`; both by default, either may be left out).
    #[serde(default = "default_proofs")]
    pub proofs: Vec<String>,
    /// How certificates are numbered (default: the general form with prefix `SC`).
    #[serde(default)]
    pub numbering: NumberingScheme,
    /// How certificates are printed.
    #[serde(default)]
    pub print: PrintConfig,
}

/// How the holder's ID number is printed on the certificate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdPrint {
    /// In full (the national rule for the 职业技能等级证书).
    #[default]
    Full,
    /// Masked: the first 6 and last 4 characters, the rest as `*`.
    Masked,
}

/// `print` in `config.json`: what the printed certificate carries besides the claims.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PrintConfig {
    /// Full or masked ID number.
    #[serde(default)]
    pub id_number: IdPrint,
    /// The seal: a transparent PNG printed over the organisation's name (path relative to the
    /// data dir, or absolute).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal: Option<String>,
    /// The logo (PNG), printed in the header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    /// The evaluation organisation's filed name (评价机构), when it differs from the issuer name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
}

/// Both cryptosuites, JCS first.
pub(super) fn default_proofs() -> Vec<String> {
    crate::proof::Cryptosuite::ALL
        .iter()
        .map(|c| c.name().to_owned())
        .collect()
}
