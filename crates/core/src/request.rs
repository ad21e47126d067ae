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

/// What the printed certificate carries besides the claims. Never signed into the certificate;
/// kept in the issuer's database so that the same page can be printed again.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct PrintExtras {
    /// ID type as printed (`居民身份证` when a national ID is given and no type is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_type: Option<String>,
    /// The ID number as printed: in full or masked, as the issuer chose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    /// 工种/职业方向 (printed as `--` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_type: Option<String>,
    /// The holder's photo (a PNG or JPEG file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<String>,
}

/// Longest ID type or 工种 text.
pub const MAX_PRINT_CHARS: usize = 64;

impl PrintExtras {
    /// Checks and normalises the texts (`id_type`, `work_type`); names the field.
    pub fn checked(mut self) -> Result<PrintExtras, ModelError> {
        for (field, v) in [
            ("id_type", &mut self.id_type),
            ("work_type", &mut self.work_type),
        ] {
            if let Some(s) = v.take() {
                let n = normalize_text(field, &s, MAX_PRINT_CHARS)?;
                crate::model::text::check_name_chars(field, &n)?;
                *v = Some(n);
            }
        }
        if let Some(p) = &self.photo {
            if p.is_empty() || p.chars().count() > 1000 || p.chars().any(char::is_control) {
                return Err(field_err(
                    "photo",
                    "must be a file path of 1-1000 characters",
                ));
            }
        }
        Ok(self)
    }

    /// The ID number as printed: in full, or masked. An 18-character ID (GB 11643 form) keeps
    /// its 6-digit region code and 3-digit sequence; the birth date and the check character are
    /// hidden, because the check character is a function of the hidden digits (shown, it would
    /// cut the guesses for them elevenfold). Other IDs keep their first 6 and last 4
    /// characters; IDs of 10 characters or fewer are hidden whole.
    pub fn print_id(national_id: &str, masked: bool) -> String {
        let id: Vec<char> = national_id.trim().to_uppercase().chars().collect();
        if masked && id.len() == 18 {
            return id
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if i < 6 || (14..17).contains(&i) {
                        *c
                    } else {
                        '*'
                    }
                })
                .collect();
        }
        if !masked || id.len() <= 10 {
            return if masked {
                "*".repeat(id.len())
            } else {
                id.into_iter().collect()
            };
        }
        id.iter()
            .enumerate()
            .map(|(i, c)| if i < 6 || i >= id.len() - 4 { *c } else { '*' })
            .collect()
    }
}

/// The holder as submitted.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct HolderRequest {
    /// Display name, any script.
    pub name: String,
    /// Latin-script form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_latin: Option<String>,
    /// The holder's ID number: never put on the public forms (only the issuer's database, the
    /// register it reports to, and the holder's own copy carry it; see docs/PRIVACY.md).
    /// Checked by its type's rules ([`crate::model::holder_id`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national_id: Option<String>,
    /// The type of the ID (as printed: `居民身份证`, `护照`, …; default 居民身份证).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_type: Option<String>,
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
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "integral_years"
    )]
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
    /// The ID's type as printed (`护照`, …), NFC, checked like a name; `None`: 居民身份证.
    pub id_type: Option<String>,
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

/// Reads `valid_years` as JSON Schema's `integer` does: any number with a zero fractional part
/// (`5` and `5.0` alike).
fn integral_years<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    let v = match (n.as_u64(), n.as_f64()) {
        (Some(u), _) => u32::try_from(u).ok(),
        (None, Some(f)) if f.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&f) => {
            Some(f as u32)
        }
        _ => None,
    };
    v.map(Some).ok_or_else(|| {
        serde::de::Error::custom(format!("valid_years: {n} is not a non-negative integer"))
    })
}

/// Whether `s` has the shape of the schema's `dateTimeStamp`:
/// `YYYY-MM-DDThh:mm:ss[.f+](Z|±hh:mm)` with every field in range (calendar validity is left to
/// the date parser, as to the schema's `format: date-time`).
pub fn is_date_time_stamp(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |i: usize, max: u32| -> bool {
        b.len() >= i + 2
            && b[i].is_ascii_digit()
            && b[i + 1].is_ascii_digit()
            && u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0') <= max
    };
    let nonzero = |i: usize| b[i] != b'0' || b[i + 1] != b'0';
    if !(b.len() >= 20
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && num(5, 12)
        && nonzero(5)
        && b[7] == b'-'
        && num(8, 31)
        && nonzero(8)
        && b[10] == b'T'
        && num(11, 23)
        && b[13] == b':'
        && num(14, 59)
        && b[16] == b':'
        && num(17, 59))
    {
        return false;
    }
    let mut i = 19;
    if b[i] == b'.' {
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return false;
        }
        i += 1 + digits;
    }
    match &b[i..] {
        [b'Z'] => true,
        [sign, _, _, b':', _, _] if *sign == b'+' || *sign == b'-' => {
            num(i + 1, 23) && num(i + 4, 59)
        }
        _ => false,
    }
}

fn request_time(field: &str, s: &str) -> Result<DateTime<Utc>, ModelError> {
    if !is_date_time_stamp(s) {
        return Err(field_err(
            field,
            "must be a date-time such as 2026-01-01T00:00:00Z (time zone required)",
        ));
    }
    parse_time(field, s)
}

/// A display text as submitted: at most [`MAX_NAME_CHARS`] characters, no control characters
/// anywhere (also before trimming), none of the characters [`crate::model::text`] refuses in a
/// name, then trimmed and NFC-normalised.
pub fn request_text(field: &str, s: &str) -> Result<String, ModelError> {
    if s.chars().count() > MAX_NAME_CHARS {
        return Err(field_err(
            field,
            format!("longer than {MAX_NAME_CHARS} characters"),
        ));
    }
    if s.chars().any(char::is_control) {
        return Err(field_err(field, "contains control characters"));
    }
    // Bidi controls, invisible format characters, line separators (issue 10, finding 8).
    crate::model::text::check_name_chars(field, s)?;
    normalize_text(field, s, MAX_NAME_CHARS)
}

/// Explicit `null` members are refused (the schema allows no nulls); names the member.
fn refuse_nulls(v: &Value) -> Result<(), ModelError> {
    let mut stack = vec![(String::new(), v)];
    while let Some((path, v)) = stack.pop() {
        if let Value::Object(o) = v {
            for (k, x) in o {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if x.is_null() {
                    return Err(field_err(p, "must not be null (leave the member out)"));
                }
                stack.push((p, x));
            }
        }
    }
    Ok(())
}

/// Checks an ID number by the rules of its type (`id_type` as printed; none: 居民身份证, by
/// GB 11643) and returns it normalised.
pub fn check_national_id(
    field: &str,
    id_type: Option<&str>,
    s: &str,
) -> Result<String, ModelError> {
    let kind = crate::model::holder_id::IdKind::from_type_text(id_type);
    let today = chrono::Utc::now().date_naive();
    crate::model::holder_id::check_holder_id(field, kind, s, today)
}

impl IssuanceRequest {
    /// Parses a JSON request (size-limited, strict) and checks it.
    pub fn parse(bytes: &[u8]) -> Result<(IssuanceRequest, CheckedRequest), ModelError> {
        let v = jcs::parse_strict(bytes, MAX_REQUEST).map_err(|e| field_err("$", e.to_string()))?;
        Self::from_value(v)
    }

    /// Checks a request already read as JSON.
    pub fn from_value(v: Value) -> Result<(IssuanceRequest, CheckedRequest), ModelError> {
        refuse_nulls(&v)?;
        let req: IssuanceRequest =
            serde_json::from_value(v).map_err(|e| field_err("$", e.to_string()))?;
        let checked = req.check()?;
        Ok((req, checked))
    }

    /// Checks every field; errors name the field.
    pub fn check(&self) -> Result<CheckedRequest, ModelError> {
        let holder_name = request_text("holder.name", &self.holder.name)?;
        let holder_latin = self
            .holder
            .name_latin
            .as_deref()
            .map(|s| request_text("holder.name_latin", s))
            .transpose()?;
        let national_id = self
            .holder
            .national_id
            .as_deref()
            .map(|s| check_national_id("holder.national_id", self.holder.id_type.as_deref(), s))
            .transpose()?;
        let id_type = self
            .holder
            .id_type
            .as_deref()
            .map(|s| {
                let n = normalize_text("holder.id_type", s, MAX_PRINT_CHARS)?;
                crate::model::text::check_name_chars("holder.id_type", &n)?;
                Ok::<_, ModelError>(n)
            })
            .transpose()?;
        let program_name = request_text("program.name", &self.program.name)?;
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
            .map(|s| request_time("valid_from", s))
            .transpose()?;
        let validity = match (&self.valid_until, self.valid_years) {
            (Some(_), Some(_)) => {
                return Err(field_err(
                    "valid_until",
                    "give valid_until or valid_years, not both",
                ))
            }
            (Some(u), None) => {
                let u = request_time("valid_until", u)?;
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
            id_type,
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
