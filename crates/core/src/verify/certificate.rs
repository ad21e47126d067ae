//! Only certificates are certificates: a credential verifies as a skill certificate only when it
//! is an Open Badges 3.0 `OpenBadgeCredential` (or its alias `AchievementCredential`) whose
//! `credentialSubject` is an `AchievementSubject`. Anything else the issuer signed (its status
//! list credentials, a raw VC from the generic issuing path) is `malformed` as a certificate,
//! however good its signature.

use serde_json::Value;

/// The credential types that make a certificate (OB 3.0 defines both names).
pub(crate) const CERTIFICATE_TYPES: [&str; 2] = ["OpenBadgeCredential", "AchievementCredential"];
/// The subject type of a certificate.
pub(crate) const SUBJECT_TYPE: &str = "AchievementSubject";

fn types(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}

/// Why the credential `doc` (a document, or a token's payload) is not a skill certificate;
/// `None` when it is one.
pub fn certificate_problem(doc: &Value) -> Option<String> {
    let t = types(doc.get("type"));
    if !t.iter().any(|x| CERTIFICATE_TYPES.contains(x)) {
        return Some(format!(
            "not a certificate: type must include OpenBadgeCredential (or AchievementCredential), \
             but is [{}]",
            t.join(", ")
        ));
    }
    match doc.get("credentialSubject") {
        Some(Value::Object(s)) if types(s.get("type")).contains(&SUBJECT_TYPE) => None,
        Some(Value::Object(s)) => Some(format!(
            "not a certificate: credentialSubject.type must include AchievementSubject, but is \
             [{}]",
            types(s.get("type")).join(", ")
        )),
        Some(_) => Some(
            "not a certificate: credentialSubject must be one AchievementSubject object".into(),
        ),
        None => Some("not a certificate: credentialSubject is missing".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_achievement_credentials_about_achievement_subjects() {
        let ok = json!({"type": ["VerifiableCredential", "OpenBadgeCredential"],
            "credentialSubject": {"type": ["AchievementSubject"]}});
        assert_eq!(certificate_problem(&ok), None);
        let alias = json!({"type": ["VerifiableCredential", "AchievementCredential"],
            "credentialSubject": {"type": "AchievementSubject"}});
        assert_eq!(certificate_problem(&alias), None);
        let list = json!({"type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "credentialSubject": {"type": "BitstringStatusList"}});
        let e = certificate_problem(&list).unwrap();
        assert!(e.contains("BitstringStatusListCredential"), "{e}");
        let wrong_subject = json!({"type": ["VerifiableCredential", "OpenBadgeCredential"],
            "credentialSubject": {"type": "Person"}});
        assert!(certificate_problem(&wrong_subject)
            .unwrap()
            .contains("AchievementSubject"));
        let two = json!({"type": ["OpenBadgeCredential"],
            "credentialSubject": [{"type": "AchievementSubject"}]});
        assert!(certificate_problem(&two).is_some());
    }
}
