//! The display claims of a verified (or refused) credential.

use crate::model::{format_time, Claims, Framework};
use serde::Serialize;
use serde_json::Value;

/// The display claims of a credential (best effort for foreign credentials).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Summary {
    /// Credential id.
    pub credential_id: Option<String>,
    /// Issuer id.
    pub issuer: Option<String>,
    /// Issuer display name.
    pub issuer_name: Option<String>,
    /// Holder display name.
    pub holder: Option<String>,
    /// Holder name in Latin script.
    pub holder_latin: Option<String>,
    /// Program name.
    pub program: Option<String>,
    /// Program code.
    pub program_code: Option<String>,
    /// Certificate number (`credentialSubject.licenseNumber`).
    pub number: Option<String>,
    /// Level value.
    pub level: Option<String>,
    /// Level framework id.
    pub level_framework: Option<String>,
    /// Level name, Chinese.
    pub level_name_zh: Option<String>,
    /// Level name, English.
    pub level_name_en: Option<String>,
    /// Where the level sits in its framework.
    pub level_position: Option<String>,
    /// `validFrom`.
    pub valid_from: Option<String>,
    /// `validUntil`.
    pub valid_until: Option<String>,
}

impl Summary {
    /// The summary of well-formed skillcert claims.
    pub fn from_claims(c: &Claims) -> Summary {
        let f = c.level.framework;
        let info = c.level.info();
        Summary {
            credential_id: Some(c.id_urn()),
            issuer: Some(c.issuer.id.clone()),
            issuer_name: Some(c.issuer.name.clone()),
            holder: Some(c.holder.name.clone()),
            holder_latin: c.holder.name_latin.clone(),
            program: Some(c.program.name.clone()),
            program_code: c.program.code.clone(),
            number: c.number.clone(),
            level: Some(c.level.value.clone()),
            level_framework: Some(f.id().to_owned()),
            level_name_zh: info.map(|l| l.zh.to_owned()),
            level_name_en: info.map(|l| l.en.to_owned()),
            level_position: f.position_text(&c.level.value),
            valid_from: Some(format_time(&c.valid_from)),
            valid_until: c.valid_until.as_ref().map(format_time),
        }
    }

    /// Best-effort summary of any VC 2.0 JSON credential.
    pub fn from_json(doc: &Value) -> Summary {
        let s = |p: &str| doc.pointer(p).and_then(Value::as_str).map(str::to_owned);
        let issuer = s("/issuer").or_else(|| s("/issuer/id"));
        let mut sum = Summary {
            credential_id: s("/id"),
            issuer,
            issuer_name: s("/issuer/name"),
            program: s("/credentialSubject/achievement/name").or_else(|| s("/name")),
            program_code: s("/credentialSubject/achievement/humanCode"),
            number: s("/credentialSubject/licenseNumber"),
            level: s("/credentialSubject/result/0/value"),
            valid_from: s("/validFrom"),
            valid_until: s("/validUntil"),
            ..Summary::default()
        };
        if let Some(ids) = doc
            .pointer("/credentialSubject/identifier")
            .and_then(Value::as_array)
        {
            for i in ids {
                let v = i
                    .get("identityHash")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                match i.get("identityType").and_then(Value::as_str) {
                    Some("name") => sum.holder = v,
                    Some("ext:nameLatin") => sum.holder_latin = v,
                    _ => {}
                }
            }
        }
        if sum.holder.is_none() {
            sum.holder = s("/credentialSubject/id").or_else(|| s("/credentialSubject/name"));
        }
        if let Some(fw) = s("/credentialSubject/result/0/resultDescription").and_then(|r| {
            r.strip_prefix("urn:skillcert:framework:")
                .and_then(Framework::from_id)
        }) {
            sum.level_framework = Some(fw.id().to_owned());
            if let Some(lv) = &sum.level {
                if let Some((_, info)) = fw.level(lv) {
                    sum.level_name_zh = Some(info.zh.to_owned());
                    sum.level_name_en = Some(info.en.to_owned());
                    sum.level_position = fw.position_text(lv);
                }
            }
        }
        sum
    }
}
