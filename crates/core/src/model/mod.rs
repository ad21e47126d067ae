//! The certificate model: the claims of one vocational skill certificate, and their W3C VC 2.0 /
//! Open Badges 3.0 `OpenBadgeCredential` document form.
//!
//! [`Claims`] is the single source of truth. [`Claims::to_document`] builds the unsigned JSON
//! credential deterministically, and [`Claims::from_document`] accepts a document only when
//! rebuilding it from the extracted claims gives the same JSON back, so every form of one
//! certificate (document, token, QR) carries exactly the same claims.

pub mod address;
mod document;
pub mod holder_id;
pub mod levels;
pub mod number;
pub mod reference;
mod same;
mod status_ref;
pub mod text;
mod time;

pub use levels::{Framework, LevelInfo};
pub use time::{add_years, end_of_day_years, now_secs};

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

/// The VC 2.0 base context.
pub const VC_V2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
/// The Open Badges 3.0 context.
pub const OB_V3_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
/// Longest holder name, program name, issuer name (in characters).
pub const MAX_NAME_CHARS: usize = 200;
/// Longest program code.
pub const MAX_CODE_CHARS: usize = 64;

/// A claim is missing, of the wrong type, or out of range. Always names the field.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ModelError {
    /// The field is missing or wrong.
    #[error("{field}: {reason}")]
    Field {
        /// JSON path of the field (`credentialSubject.achievement.name`).
        field: String,
        /// What is wrong.
        reason: String,
    },
}

pub(crate) fn field_err(field: impl Into<String>, reason: impl Into<String>) -> ModelError {
    ModelError::Field {
        field: field.into(),
        reason: reason.into(),
    }
}

/// The issuing body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerProfile {
    /// `did:web:…` or `did:key:…`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Home page / base URL (`https://…`), if any.
    pub url: Option<String>,
}

/// The certificate holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// Display name in any script, NFC-normalised.
    pub name: String,
    /// Optional Latin-script form.
    pub name_latin: Option<String>,
    /// The national ID bound as an Open Badges salted hash: only in the holder's own copy
    /// (random salt), or in certificates issued before IDs left the public forms (salt = the
    /// credential's UUID: searchable, read but never written).
    pub id_binding: Option<IdBinding>,
}

/// An `IdentityObject` of type `nationalIdentityNumber`: `identityHash` = SHA-256(ID ‖ salt as
/// 32 lower-case hex digits), as Open Badges 3.0 defines a salted hash.
#[derive(Clone, PartialEq, Eq)]
pub struct IdBinding {
    /// SHA-256 of the normalised ID and the salt's hex form.
    pub hash: [u8; 32],
    /// The salt: 128 random bits in a holder's copy; the credential's UUID in the legacy form.
    pub salt: [u8; 16],
}

impl std::fmt::Debug for IdBinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The hash and its salt together give the ID back to anyone who tries ~10^9 guesses.
        f.write_str("IdBinding(redacted)")
    }
}

impl IdBinding {
    /// The binding of `national_id` under `salt`.
    pub fn new(national_id: &str, salt: [u8; 16]) -> IdBinding {
        IdBinding {
            hash: hash_national_id(national_id, &hex::encode(salt)),
            salt,
        }
    }

    /// A binding under a fresh random 128-bit salt (a holder's copy).
    pub fn random(national_id: &str) -> IdBinding {
        let mut salt = [0u8; 16];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut salt);
        IdBinding::new(national_id, salt)
    }

    /// The legacy binding, salted with the credential's own UUID: searchable by anyone who has
    /// the certificate. Only for reading and testing what was issued before; never issued now.
    pub fn legacy(national_id: &str, credential: &Uuid) -> IdBinding {
        IdBinding::new(national_id, *credential.as_bytes())
    }

    /// Whether the salt is the credential's own UUID (the legacy, searchable form).
    pub fn is_legacy(&self, credential: &Uuid) -> bool {
        self.salt == *credential.as_bytes()
    }

    /// Whether `national_id` is the bound ID (compared in constant time).
    pub fn matches(&self, national_id: &str) -> bool {
        let mine = hash_national_id(national_id, &hex::encode(self.salt));
        crate::keys::ct_eq(&mine, &self.hash)
    }
}

/// The program (an Open Badges `Achievement`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// Program name.
    pub name: String,
    /// Program code (`6-18-01-01`, `IWT`), if the program has one.
    pub code: Option<String>,
}

/// The level reached, within a framework.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    /// The framework.
    pub framework: Framework,
    /// The level's value in that framework.
    pub value: String,
}

impl Level {
    /// Looks the level up in its framework.
    pub fn info(&self) -> Option<&'static LevelInfo> {
        self.framework.level(&self.value).map(|(_, l)| l)
    }
}

/// What a status entry is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusPurpose {
    /// Final.
    Revocation,
    /// Can be lifted.
    Suspension,
}

impl StatusPurpose {
    /// `revocation` / `suspension`.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusPurpose::Revocation => "revocation",
            StatusPurpose::Suspension => "suspension",
        }
    }
    /// Parses `revocation` / `suspension`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "revocation" => Some(StatusPurpose::Revocation),
            "suspension" => Some(StatusPurpose::Suspension),
            _ => None,
        }
    }
}

/// A `BitstringStatusListEntry`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatusRef {
    /// Revocation or suspension.
    pub purpose: StatusPurpose,
    /// URL of the status list credential.
    pub list_url: String,
    /// Bit index in the list (0 = left-most bit).
    pub index: u32,
}

/// Everything one certificate says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// Unique id (`urn:uuid:` form in documents).
    pub id: Uuid,
    /// Issuing body.
    pub issuer: IssuerProfile,
    /// Holder.
    pub holder: Holder,
    /// Program.
    pub program: Program,
    /// Level reached.
    pub level: Level,
    /// Start of validity (whole seconds, UTC).
    pub valid_from: DateTime<Utc>,
    /// End of validity, if any.
    pub valid_until: Option<DateTime<Utc>>,
    /// Revocation / suspension entries.
    pub status: Vec<StatusRef>,
    /// The certificate number ([`number`]): `credentialSubject.licenseNumber` in the document.
    pub number: Option<String>,
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses an XSD `dateTimeStamp` (RFC 3339 with a time zone).
pub fn parse_time(field: &str, s: &str) -> Result<DateTime<Utc>, ModelError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            field_err(
                field,
                format!("not an RFC 3339 date-time with time zone: {e}"),
            )
        })
}

/// Unix seconds to a time; `None` when out of range.
pub fn time_from_unix(secs: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(secs, 0).single()
}

/// NFC-normalises and checks a display string (non-empty, no control characters, bounded).
pub fn normalize_text(field: &str, s: &str, max_chars: usize) -> Result<String, ModelError> {
    let n: String = s.trim().nfc().collect();
    if n.is_empty() {
        return Err(field_err(field, "must not be empty"));
    }
    if n.chars().count() > max_chars {
        return Err(field_err(
            field,
            format!("longer than {max_chars} characters"),
        ));
    }
    if n.chars().any(|c| c.is_control()) {
        return Err(field_err(field, "contains control characters"));
    }
    Ok(n)
}

/// Checks a program code: 1–64 of `A-Z a-z 0-9 . _ -`.
pub fn check_code(field: &str, s: &str) -> Result<(), ModelError> {
    let ok = !s.is_empty()
        && s.len() <= MAX_CODE_CHARS
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(field_err(
            field,
            "must be 1-64 characters of A-Z a-z 0-9 . _ -",
        ))
    }
}

/// An ID number as people type it, in the form it is recorded and hashed in: white space
/// removed, upper case (a resident ID may end in `x`). For lookups only: what is recorded is
/// checked first ([`holder_id::check_holder_id`]).
pub fn normalise_holder_id(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// SHA-256(normalised national ID ‖ salt). The ID is trimmed and upper-cased (Chinese IDs may
/// end in `X`).
pub fn hash_national_id(national_id: &str, salt: &str) -> [u8; 32] {
    let norm = national_id.trim().to_uppercase();
    let mut h = Sha256::new();
    h.update(norm.as_bytes());
    h.update(salt.as_bytes());
    h.finalize().into()
}

/// The value at a JSON pointer made of plain member names and array indexes (the constant
/// paths of [`Claims::from_document`]): what `Value::pointer` finds, without its allocations.
fn at<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('/').skip(1).try_fold(doc, |v, k| match v {
        Value::Object(o) => o.get(k),
        Value::Array(a) => k.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

impl Claims {
    /// The `urn:uuid:` id.
    pub fn id_urn(&self) -> String {
        format!("urn:uuid:{}", self.id)
    }

    /// Whether `presented` says what these recorded claims say: the same claims, or a holder's
    /// copy of them (the same claims plus the ID under a salt of its own, which the issuer
    /// never records in the claims).
    pub fn same_as_recorded(&self, presented: &Claims) -> bool {
        match &presented.holder.id_binding {
            Some(b) if !b.is_legacy(&presented.id) && self.holder.id_binding.is_none() => {
                let mut public = presented.clone();
                public.holder.id_binding = None;
                *self == public
            }
            _ => self == presented,
        }
    }

    /// Checks every claim (lengths, normalisation, level in framework, dates in order).
    pub fn validate(&self) -> Result<(), ModelError> {
        let nfc = |field: &str, s: &str| -> Result<(), ModelError> {
            if normalize_text(field, s, MAX_NAME_CHARS)? != s {
                return Err(field_err(field, "must be trimmed and NFC-normalised"));
            }
            Ok(())
        };
        nfc("issuer.name", &self.issuer.name)?;
        if !(self.issuer.id.starts_with("did:") && self.issuer.id.len() <= 512) {
            return Err(field_err("issuer.id", "must be a DID"));
        }
        if let Some(u) = &self.issuer.url {
            if !u.starts_with("https://") && !u.starts_with("http://") {
                return Err(field_err("issuer.url", "must be an http(s) URL"));
            }
        }
        nfc("holder.name", &self.holder.name)?;
        if let Some(l) = &self.holder.name_latin {
            nfc("holder.name_latin", l)?;
        }
        nfc("program.name", &self.program.name)?;
        if let Some(code) = &self.program.code {
            check_code("program.code", code)?;
        }
        if self.level.info().is_none() {
            return Err(field_err(
                "level.value",
                format!(
                    "{:?} is not a level of framework {}",
                    self.level.value, self.level.framework
                ),
            ));
        }
        if let Some(u) = self.valid_until {
            if u <= self.valid_from {
                return Err(field_err("validUntil", "must be later than validFrom"));
            }
        }
        if let Some(n) = &self.number {
            number::check_number(
                "credentialSubject.licenseNumber",
                n,
                self.level.framework,
                &self.level.value,
                &self.valid_from,
            )?;
        }
        Ok(())
    }

    /// Extracts the claims of a skillcert document (with or without `proof`). Refuses any
    /// document that is not exactly what [`Claims::to_document`] would build from its claims.
    pub fn from_document(doc: &Value) -> Result<Claims, ModelError> {
        let o = doc
            .as_object()
            .ok_or_else(|| field_err("$", "must be a JSON object"))?;
        let s = |path: &str| -> Result<&str, ModelError> {
            at(doc, path).and_then(Value::as_str).ok_or_else(|| {
                field_err(
                    path.trim_start_matches('/').replace('/', "."),
                    "missing or not a string",
                )
            })
        };
        let id_text = s("/id")?;
        let id = id_text
            .strip_prefix("urn:uuid:")
            .and_then(|u| Uuid::parse_str(u).ok())
            .ok_or_else(|| field_err("id", "must be urn:uuid:<uuid>"))?;
        let issuer = IssuerProfile {
            id: s("/issuer/id")?.to_owned(),
            name: s("/issuer/name")?.to_owned(),
            url: at(doc, "/issuer/url")
                .and_then(Value::as_str)
                .map(str::to_owned),
        };
        let mut holder = Holder {
            name: String::new(),
            name_latin: None,
            id_binding: None,
        };
        let idents = at(doc, "/credentialSubject/identifier")
            .and_then(Value::as_array)
            .ok_or_else(|| field_err("credentialSubject.identifier", "missing or not an array"))?;
        for (i, ident) in idents.iter().enumerate() {
            // Named in errors only: not written out unless needed.
            let field = format_args!("credentialSubject.identifier[{i}]");
            let kind = ident.get("identityType").and_then(Value::as_str);
            let val = ident
                .get("identityHash")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    field_err(format!("{field}.identityHash"), "missing or not a string")
                })?;
            match kind {
                Some("name") => holder.name = val.to_owned(),
                Some("ext:nameLatin") => holder.name_latin = Some(val.to_owned()),
                Some("nationalIdentityNumber") => {
                    let hex = val.strip_prefix("sha256$").ok_or_else(|| {
                        field_err(format!("{field}.identityHash"), "must be sha256$<hex>")
                    })?;
                    let mut hash = [0u8; 32];
                    hex::decode_to_slice(hex, &mut hash).map_err(|_| {
                        field_err(format!("{field}.identityHash"), "expected 64 hex digits")
                    })?;
                    let mut salt = [0u8; 16];
                    let salt_text = ident.get("salt").and_then(Value::as_str).unwrap_or("");
                    hex::decode_to_slice(salt_text, &mut salt).map_err(|_| {
                        field_err(format!("{field}.salt"), "expected 32 hex digits")
                    })?;
                    holder.id_binding = Some(IdBinding { hash, salt });
                }
                _ => {
                    return Err(field_err(
                        format!("{field}.identityType"),
                        "unsupported identity type",
                    ))
                }
            }
        }
        let program = Program {
            name: s("/credentialSubject/achievement/name")?.to_owned(),
            code: match at(doc, "/credentialSubject/achievement/humanCode") {
                None => None,
                Some(Value::String(c)) => Some(c.clone()),
                Some(_) => {
                    return Err(field_err(
                        "credentialSubject.achievement.humanCode",
                        "must be a string",
                    ))
                }
            },
        };
        let rd = s("/credentialSubject/result/0/resultDescription")?;
        let framework = rd
            .strip_prefix("urn:skillcert:framework:")
            .and_then(Framework::from_id)
            .ok_or_else(|| {
                field_err(
                    "credentialSubject.result[0].resultDescription",
                    "unknown framework",
                )
            })?;
        let level = Level {
            framework,
            value: s("/credentialSubject/result/0/value")?.to_owned(),
        };
        let valid_from = parse_time("validFrom", s("/validFrom")?)?;
        let valid_until = match o.get("validUntil") {
            None => None,
            Some(v) => Some(parse_time(
                "validUntil",
                v.as_str()
                    .ok_or_else(|| field_err("validUntil", "must be a string"))?,
            )?),
        };
        let status = match o.get("credentialStatus") {
            None => vec![],
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, e)| StatusRef::from_json(&format!("credentialStatus[{i}]"), e))
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(field_err("credentialStatus", "must be an array")),
        };
        let number = match at(doc, "/credentialSubject/licenseNumber") {
            None => None,
            Some(Value::String(n)) => Some(n.clone()),
            Some(_) => {
                return Err(field_err(
                    "credentialSubject.licenseNumber",
                    "must be a string",
                ))
            }
        };
        let claims = Claims {
            id,
            issuer,
            holder,
            program,
            level,
            valid_from,
            valid_until,
            status,
            number,
        };
        claims.validate()?;
        // The document minus its `proof` must be exactly what the claims build.
        if !claims.matches_document(o) {
            return Err(field_err(
                "$",
                "document is not in skillcert's canonical certificate shape",
            ));
        }
        Ok(claims)
    }
}

#[cfg(test)]
pub(crate) mod tests;
