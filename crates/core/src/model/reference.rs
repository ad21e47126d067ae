//! The reference certificate (`testdata/reference/reference-certificate.json`) as [`Claims`]:
//! what every size and speed figure is measured on.

use super::{
    field_err, parse_time, Claims, Framework, Holder, IssuerProfile, Level, ModelError, Program,
    StatusPurpose, StatusRef,
};
use serde_json::Value;
use uuid::Uuid;

/// The fixed id used for the reference certificate.
pub const REFERENCE_ID: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
/// The reference certificate's number: national form, organisation 0001, province 33 (Zhejiang),
/// site 060200, year 26, level 2, serial 000042.
pub const REFERENCE_NUMBER: &str = "S000133060200262000042";

/// Claims of the reference certificate JSON. The issuer is `did:web` of its base URL; the
/// certificate gets one revocation and one suspension entry at the worst-case (largest) indices
/// of lists of 131,072 entries, `{base_url}/status/1` and `{base_url}/status/2`.
pub fn reference_claims(json: &[u8]) -> Result<Claims, ModelError> {
    let v: Value =
        crate::jcs::parse_strict(json, 1 << 16).map_err(|e| field_err("$", e.to_string()))?;
    let s = |p: &str| {
        v.pointer(p)
            .and_then(Value::as_str)
            .ok_or_else(|| field_err(p, "missing or not a string"))
    };
    let base = s("/issuer/base_url")?.trim_end_matches('/').to_owned();
    let host = base.trim_start_matches("https://");
    let id = Uuid::parse_str(REFERENCE_ID).expect("valid uuid");
    let framework = Framework::from_id(s("/level/framework")?)
        .ok_or_else(|| field_err("/level/framework", "unknown framework"))?;
    let claims = Claims {
        id,
        issuer: IssuerProfile {
            id: format!("did:web:{host}"),
            name: s("/issuer/name")?.to_owned(),
            url: Some(base.clone()),
        },
        holder: Holder {
            name: s("/holder/name")?.to_owned(),
            name_latin: Some(s("/holder/name_latin")?.to_owned()),
            // The public forms carry nothing derived from the ID (docs/PRIVACY.md).
            id_binding: None,
        },
        program: Program {
            name: s("/program/name")?.to_owned(),
            code: Some(s("/program/code")?.to_owned()),
        },
        level: Level {
            framework,
            value: s("/level/value")?.to_owned(),
        },
        valid_from: parse_time("valid_from", s("/valid_from")?)?,
        valid_until: Some(parse_time("valid_until", s("/valid_until")?)?),
        status: vec![
            StatusRef {
                purpose: StatusPurpose::Revocation,
                list_url: format!("{base}/status/1"),
                index: 131_071,
            },
            StatusRef {
                purpose: StatusPurpose::Suspension,
                list_url: format!("{base}/status/2"),
                index: 131_070,
            },
        ],
        number: Some(REFERENCE_NUMBER.to_owned()),
    };
    claims.validate()?;
    Ok(claims)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reference_certificate_parses() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/reference/reference-certificate.json"
        );
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let c = super::reference_claims(&bytes).unwrap();
        assert_eq!(c.holder.name, "王晓明");
        assert_eq!(c.issuer.id, "did:web:verify.skills.example.cn");
        assert_eq!(
            super::super::Claims::from_document(&c.to_document()).unwrap(),
            c
        );
    }
}
