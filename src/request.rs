//! What an issuing body submits to issue one certificate: the claims before signing.
//! Its JSON Schema is `schemas/issuance-request.schema.json`; [`IssuanceRequest::parse`] accepts
//! and refuses the same requests as that schema (a test proves it), and names the field in
//! every refusal.

use crate::jcs;
use crate::model::{
    check_code, field_err, normalize_text, parse_time, Framework, ModelError, MAX_NAME_CHARS,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// Largest issuance request (16 KiB).
pub const MAX_REQUEST: usize = 16 << 10;
/// Longest validity in years.
pub const MAX_VALID_YEARS: u32 = 100;

/// The holder as submitted.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct HolderRequest {
    /// Display name, any script.
    pub name: String,
    /// Latin-script form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_latin: Option<String>,
    /// National ID: only its salted hash is put on the certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national_id: Option<String>,
}

/// The program as submitted.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct ProgramRequest {
    /// Program name.
    pub name: String,
    /// Program code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// The level as submitted.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LevelRequest {
    /// Framework id.
    pub framework: String,
    /// Level value in that framework.
    pub value: String,
}

/// One issuance request.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct IssuanceRequest {
    /// Holder.
    pub holder: HolderRequest,
    /// Program.
    pub program: ProgramRequest,
    /// Level.
    pub level: LevelRequest,
    /// Start of validity (default: now).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// End of validity (exclusive with `valid_years`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// Validity in years from `valid_from`; 0 = no expiry (default: the framework's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_years: Option<u32>,
    /// The certificate id to use (`urn:uuid:…`), for idempotent batch runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// A request after every check: ready to become claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRequest {
    /// NFC-normalised holder name.
    pub holder_name: String,
    /// NFC-normalised Latin name.
    pub holder_latin: Option<String>,
    /// Normalised national ID.
    pub national_id: Option<String>,
    /// Program name.
    pub program_name: String,
    /// Program code.
    pub program_code: Option<String>,
    /// Framework.
    pub framework: Framework,
    /// Level value.
    pub level: String,
    /// Start of validity.
    pub valid_from: Option<DateTime<Utc>>,
    /// End of validity, or years.
    pub validity: Validity,
    /// Fixed id.
    pub id: Option<Uuid>,
}

/// How long a certificate is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// The framework's default.
    Default,
    /// Whole years (0 = no expiry).
    Years(u32),
    /// Until this time.
    Until(DateTime<Utc>),
}

/// Checks a national ID: 4–32 ASCII letters and digits after trimming.
pub fn check_national_id(field: &str, s: &str) -> Result<String, ModelError> {
    let t = s.trim();
    if (4..=32).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(t.to_uppercase())
    } else {
        Err(field_err(field, "must be 4-32 ASCII letters and digits"))
    }
}

impl IssuanceRequest {
    /// Parses a JSON request (size-limited, strict) and checks it.
    pub fn parse(bytes: &[u8]) -> Result<(IssuanceRequest, CheckedRequest), ModelError> {
        let v = jcs::parse_strict(bytes, MAX_REQUEST).map_err(|e| field_err("$", e.to_string()))?;
        Self::from_value(v)
    }

    /// Checks a request already read as JSON.
    pub fn from_value(v: Value) -> Result<(IssuanceRequest, CheckedRequest), ModelError> {
        let req: IssuanceRequest =
            serde_json::from_value(v).map_err(|e| field_err("$", e.to_string()))?;
        let checked = req.check()?;
        Ok((req, checked))
    }

    /// Checks every field; errors name the field.
    pub fn check(&self) -> Result<CheckedRequest, ModelError> {
        let holder_name = normalize_text("holder.name", &self.holder.name, MAX_NAME_CHARS)?;
        let holder_latin = self
            .holder
            .name_latin
            .as_deref()
            .map(|s| normalize_text("holder.name_latin", s, MAX_NAME_CHARS))
            .transpose()?;
        let national_id = self
            .holder
            .national_id
            .as_deref()
            .map(|s| check_national_id("holder.national_id", s))
            .transpose()?;
        let program_name = normalize_text("program.name", &self.program.name, MAX_NAME_CHARS)?;
        if let Some(c) = &self.program.code {
            check_code("program.code", c)?;
        }
        let framework = Framework::from_id(&self.level.framework)
            .ok_or_else(|| field_err("level.framework", "must be one of cn-nvq, 1x, iiw, eqf"))?;
        if framework.level(&self.level.value).is_none() {
            let allowed: Vec<&str> = framework.levels().iter().map(|l| l.value).collect();
            return Err(field_err(
                "level.value",
                format!(
                    "{:?} is not a level of {}; allowed: {}",
                    self.level.value,
                    framework,
                    allowed.join(", ")
                ),
            ));
        }
        let valid_from = self
            .valid_from
            .as_deref()
            .map(|s| parse_time("valid_from", s))
            .transpose()?;
        let validity = match (&self.valid_until, self.valid_years) {
            (Some(_), Some(_)) => {
                return Err(field_err(
                    "valid_until",
                    "give valid_until or valid_years, not both",
                ))
            }
            (Some(u), None) => {
                let u = parse_time("valid_until", u)?;
                if let Some(f) = valid_from {
                    if u <= f {
                        return Err(field_err("valid_until", "must be later than valid_from"));
                    }
                }
                Validity::Until(u)
            }
            (None, Some(y)) if y > MAX_VALID_YEARS => {
                return Err(field_err(
                    "valid_years",
                    format!("must be 0-{MAX_VALID_YEARS}"),
                ))
            }
            (None, Some(y)) => Validity::Years(y),
            (None, None) => Validity::Default,
        };
        let id = self
            .id
            .as_deref()
            .map(|s| {
                s.strip_prefix("urn:uuid:")
                    .and_then(|u| Uuid::parse_str(u).ok())
                    .filter(|u| u.hyphenated().to_string() == s["urn:uuid:".len()..])
                    .ok_or_else(|| field_err("id", "must be urn:uuid:<lower-case hyphenated uuid>"))
            })
            .transpose()?;
        Ok(CheckedRequest {
            holder_name,
            holder_latin,
            national_id,
            program_name,
            program_code: self.program.code.clone(),
            framework,
            level: self.level.value.clone(),
            valid_from,
            validity,
            id,
        })
    }
}
