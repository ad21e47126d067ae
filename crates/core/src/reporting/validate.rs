//! What a reported item may hold, checked as issuance checks it, before anything is stored:
//! a UUID credential id, names with the character rules of [`crate::model::text`], bounded
//! lengths, known enumerations, times within bounds, and a number inside the sender's number
//! space ([`in_sender_space`]). The message names the item and the member.

use super::{Item, ReportError, ReportedCertificate, ReportedStatusChange};
use crate::model::{self, number, MAX_CODE_CHARS, MAX_NAME_CHARS};
use crate::trust::TrustedIssuer;
use chrono::{DateTime, Duration, TimeZone, Utc};

/// Earliest time a reported item may carry.
fn earliest() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// How far ahead of the portal's clock a signing or change time may be.
pub const CLOCK_SKEW: Duration = Duration::minutes(10);
/// Longest validity a record may state (`validUntil - validFrom`).
pub const MAX_VALIDITY_YEARS: i64 = 100;
/// Most status entries of one record.
pub const MAX_STATUS_ENTRIES: usize = 8;
/// Longest URL or key id in a record.
pub const MAX_URL_CHARS: usize = 2048;

fn malformed(name: &str, member: &str, why: impl std::fmt::Display) -> ReportError {
    ReportError::Malformed(format!("{name}: {member}: {why}"))
}

/// `urn:uuid:` and a UUID in its canonical lower-case form.
fn check_credential_id(name: &str, id: &str) -> Result<(), ReportError> {
    let uuid = id
        .strip_prefix("urn:uuid:")
        .and_then(|u| uuid::Uuid::parse_str(u).ok());
    match uuid {
        Some(u) if id == format!("urn:uuid:{u}") => Ok(()),
        _ => Err(malformed(
            name,
            "credentialId",
            "must be urn:uuid: and a lower-case hyphenated UUID",
        )),
    }
}

/// A name: what issuance accepts (non-empty, NFC, bounded, no control, bidi or invisible
/// format characters).
fn check_name(name: &str, member: &str, s: &str) -> Result<(), ReportError> {
    let n = model::normalize_text(member, s, MAX_NAME_CHARS)
        .map_err(|e| ReportError::Malformed(format!("{name}: {e}")))?;
    if n != s {
        return Err(malformed(
            name,
            member,
            "not in its normalised form (NFC, trimmed)",
        ));
    }
    model::text::check_name_chars(member, s)
        .map_err(|e| ReportError::Malformed(format!("{name}: {e}")))
}

fn check_time(
    name: &str,
    member: &str,
    t: &DateTime<Utc>,
    latest: DateTime<Utc>,
) -> Result<(), ReportError> {
    if *t < earliest() || *t > latest {
        return Err(malformed(
            name,
            member,
            format!(
                "{} is outside 2000-01-01 .. {}",
                model::format_time(t),
                model::format_time(&latest)
            ),
        ));
    }
    Ok(())
}

/// A bounded string of printable ASCII (URLs, key ids).
fn check_ascii(name: &str, member: &str, s: &str) -> Result<(), ReportError> {
    if s.is_empty() || s.len() > MAX_URL_CHARS || !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(malformed(
            name,
            member,
            format!("1-{MAX_URL_CHARS} printable ASCII characters"),
        ));
    }
    Ok(())
}

fn check_record(
    name: &str,
    r: &ReportedCertificate,
    now: DateTime<Utc>,
) -> Result<(), ReportError> {
    check_credential_id(name, &r.credential_id)?;
    if let Some(n) = &r.number {
        if number::NationalNumber::parse(n).is_none() {
            number::check_general("number", n)
                .map_err(|e| ReportError::Malformed(format!("{name}: {e}")))?;
        }
    }
    check_name(name, "holderName", &r.holder_name)?;
    check_name(name, "program", &r.program)?;
    if let Some(c) = &r.program_code {
        model::check_code("programCode", c)
            .map_err(|e| ReportError::Malformed(format!("{name}: {e}")))?;
    }
    check_ascii(name, "framework", &r.framework)?;
    if r.level.is_empty() || r.level.chars().count() > MAX_CODE_CHARS {
        return Err(malformed(name, "level", "1-64 characters"));
    }
    check_name(name, "level", &r.level)?;
    let latest = now + CLOCK_SKEW;
    check_time(name, "issued", &r.issued, latest)?;
    check_time(
        name,
        "validFrom",
        &r.valid_from,
        latest + Duration::days(366),
    )?;
    if let Some(u) = &r.valid_until {
        let max = r.valid_from + Duration::days(366 * MAX_VALIDITY_YEARS);
        if *u <= r.valid_from || *u > max {
            return Err(malformed(
                name,
                "validUntil",
                format!("after validFrom, within {MAX_VALIDITY_YEARS} years"),
            ));
        }
    }
    check_ascii(name, "signingKey", &r.signing_key)?;
    let hex64 = r.document_sha256.len() == 64
        && r.document_sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !hex64 {
        return Err(malformed(
            name,
            "documentSha256",
            "64 lower-case hex digits",
        ));
    }
    if r.status.len() > MAX_STATUS_ENTRIES {
        return Err(malformed(
            name,
            "status",
            format!("at most {MAX_STATUS_ENTRIES} entries"),
        ));
    }
    for (j, e) in r.status.iter().enumerate() {
        if !matches!(e.purpose.as_str(), "revocation" | "suspension") {
            return Err(malformed(
                name,
                &format!("status[{j}].purpose"),
                "revocation or suspension",
            ));
        }
        let url = e.list.starts_with("https://") || e.list.starts_with("http://");
        if !url {
            return Err(malformed(
                name,
                &format!("status[{j}].list"),
                "an http(s) URL",
            ));
        }
        check_ascii(name, &format!("status[{j}].list"), &e.list)?;
        if e.index > u64::from(u32::MAX) {
            return Err(malformed(name, &format!("status[{j}].index"), "below 2^32"));
        }
    }
    Ok(())
}

fn check_change(
    name: &str,
    c: &ReportedStatusChange,
    now: DateTime<Utc>,
) -> Result<(), ReportError> {
    check_credential_id(name, &c.credential_id)?;
    if !matches!(c.change.as_str(), "revoke" | "suspend" | "reinstate") {
        return Err(malformed(name, "change", "revoke, suspend or reinstate"));
    }
    if c.seq > i64::MAX as u64 {
        return Err(malformed(name, "seq", "below 2^63"));
    }
    check_time(name, "at", &c.at, now + CLOCK_SKEW)
}

/// Checks item `i` of a bundle received at `now`.
pub(super) fn check_item(i: usize, item: &Item, now: DateTime<Utc>) -> Result<(), ReportError> {
    let name = format!("items[{i}]");
    match item {
        Item::Certificate(r) => check_record(&name, r, now),
        Item::Status(c) => check_change(&name, c, now),
    }
}

/// Whether the sender `entry` may report `number`: a national number inside one of its
/// national prefixes, a general-form one inside one of its general prefixes. An entry with no
/// number space may report unnumbered records only.
pub(super) fn in_sender_space(
    entry: &TrustedIssuer,
    number: Option<&str>,
) -> Result<(), ReportError> {
    let Some(n) = number else {
        return Ok(());
    };
    if number::in_number_space(&entry.numbers, n) {
        return Ok(());
    }
    let space = if entry.numbers.is_empty() {
        "none (the authority gives it with `authority accredit --numbers`)".to_owned()
    } else {
        entry.numbers.join(", ")
    };
    Err(ReportError::OutOfScope(format!(
        "number {n} is outside the number space of issuer {} ({space})",
        entry.id
    )))
}

/// The few members of a bundle needed to know who claims to have signed it.
#[derive(serde::Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    issuer: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    proof: ProofHead<'a>,
}

#[derive(serde::Deserialize)]
struct ProofHead<'a> {
    #[serde(rename = "verificationMethod", borrow)]
    verification_method: std::borrow::Cow<'a, str>,
}

/// Most JSON values a bundle may hold: [`super::MAX_ITEMS`] records of about 40 values each,
/// with room. Bounds the tree a bundle naming a real key can make the portal build.
pub const MAX_BUNDLE_VALUES: usize = 200_000;

/// An upper bound on the JSON values in `bytes`, counted without parsing: every value but a
/// container's first is preceded by a comma, and every container opens with a bracket.
fn values_upper_bound(bytes: &[u8]) -> usize {
    let (mut n, mut in_string, mut escaped) = (1usize, false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b',' | b'[' | b'{' => n += 1,
            _ => {}
        }
    }
    n
}

/// Before a bundle is parsed into a tree: one pass over its bytes, allocating nothing for its
/// items, reads its issuer and its proof's key, and refuses a bundle whose signer no list in
/// force at `now` names. What an anonymous sender can make the portal build is then bounded
/// by this scan; a bundle naming a real key is checked whole (under the server's permits).
pub(super) fn check_envelope(
    bytes: &[u8],
    trust: &crate::trust::TrustStore,
    now: DateTime<Utc>,
) -> Result<(), ReportError> {
    let values = values_upper_bound(bytes);
    if values > MAX_BUNDLE_VALUES {
        return Err(ReportError::Malformed(format!(
            "about {values} JSON values; a bundle holds at most {MAX_BUNDLE_VALUES}"
        )));
    }
    let e: Envelope<'_> = serde_json::from_slice(bytes).map_err(|e| {
        ReportError::Malformed(format!(
            "not a bundle (issuer and a proof with a verificationMethod): {e}"
        ))
    })?;
    trust
        .find(&e.issuer, &e.proof.verification_method, now)
        .map(|_| ())
        .map_err(|e| ReportError::Untrusted(e.to_string()))
}

/// A well-formed record of certificate `id` numbered `number` for `name`: the tests' sample
/// (of this module and of the register's suite in `skillcert-store`, through feature
/// `test-support`).
#[cfg(any(test, feature = "test-support"))]
pub fn sample_record(id: &str, number: &str, name: &str) -> ReportedCertificate {
    ReportedCertificate {
        credential_id: id.into(),
        number: Some(number.into()),
        holder_name: name.into(),
        holder_id: None,
        holder_id_nonce: None,
        holder_id_mac: None,
        holder_id_hash: None,
        program: "数控车工".into(),
        program_code: Some("6-18-01-01".into()),
        framework: "cn-nvq".into(),
        level: "3".into(),
        issued: model::now_secs(),
        valid_from: model::now_secs(),
        valid_until: None,
        signing_key: "did:web:x#key-1".into(),
        document_sha256: "ab".repeat(32),
        status: vec![super::StatusEntry {
            purpose: "revocation".into(),
            list: "https://x/status/1".into(),
            index: 7,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_3_values_are_counted_outside_strings() {
        assert_eq!(values_upper_bound(br#"0"#), 1);
        assert_eq!(values_upper_bound(br#"[0,0,0]"#), 4);
        assert_eq!(values_upper_bound(br#"{"a,[{":"\",[,{"}"#), 2);
        assert!(values_upper_bound(br#"{"a":[1,2],"b":{"c":3}}"#) >= 6);
    }

    fn record() -> ReportedCertificate {
        sample_record(
            "urn:uuid:6d1a3a9e-4a8b-4a41-9d25-2a8f5f0e0b11",
            "S000133060200263000002",
            "王晓明",
        )
    }

    #[test]
    fn finding_2_reported_fields_are_checked_as_issuance_checks_them() {
        let now = model::now_secs();
        check_item(0, &Item::Certificate(Box::new(record())), now).unwrap();
        type Edit = fn(&mut ReportedCertificate);
        let cases: &[(&str, Edit)] = &[
            ("credentialId", |r| {
                r.credential_id = "urn:uuid:not-a-uuid".into()
            }),
            ("credentialId", |r| {
                r.credential_id = "urn:uuid:6D1A3A9E-4A8B-4A41-9D25-2A8F5F0E0B11".into()
            }),
            ("holderName", |r| r.holder_name = "王\u{202E}晓明".into()),
            ("holderName", |r| r.holder_name = "王\u{200B}晓明".into()),
            ("holderName", |r| r.holder_name = "王".repeat(300_000)),
            ("holderName", |r| r.holder_name = String::new()),
            ("program", |r| r.program = "a\nb".into()),
            ("number", |r| r.number = Some("=HYPERLINK(\"x\")".into())),
            ("issued", |r| {
                r.issued = Utc.with_ymd_and_hms(9999, 1, 1, 0, 0, 0).unwrap()
            }),
            ("issued", |r| {
                r.issued = Utc.with_ymd_and_hms(1999, 1, 1, 0, 0, 0).unwrap()
            }),
            ("validUntil", |r| r.valid_until = Some(r.valid_from)),
            ("documentSha256", |r| r.document_sha256 = "xyz".into()),
            ("purpose", |r| r.status[0].purpose = "whatever".into()),
            ("list", |r| r.status[0].list = "javascript:alert(1)".into()),
            ("index", |r| r.status[0].index = 1 << 40),
            ("programCode", |r| {
                r.program_code = Some("=cmd|' /C calc'!A0".into())
            }),
        ];
        for (member, edit) in cases {
            let mut r = record();
            edit(&mut r);
            let e = check_item(3, &Item::Certificate(Box::new(r)), now).unwrap_err();
            let e = e.to_string();
            assert!(
                e.contains("items[3]") && e.contains(member),
                "{member}: {e}"
            );
        }
    }

    #[test]
    fn finding_2_status_changes_are_known_words_at_sane_times() {
        let now = model::now_secs();
        let ok = ReportedStatusChange {
            credential_id: "urn:uuid:6d1a3a9e-4a8b-4a41-9d25-2a8f5f0e0b11".into(),
            change: "revoke".into(),
            at: now,
            seq: 1,
        };
        check_item(0, &Item::Status(ok.clone()), now).unwrap();
        let mut bad = ok.clone();
        bad.change = "obliterate".into();
        assert!(check_item(0, &Item::Status(bad), now).is_err());
        let mut bad = ok.clone();
        bad.at = Utc.with_ymd_and_hms(9999, 1, 1, 0, 0, 0).unwrap();
        assert!(check_item(0, &Item::Status(bad), now)
            .unwrap_err()
            .to_string()
            .contains("at"));
        let mut bad = ok;
        bad.credential_id = "S000133060200263000002".into();
        assert!(check_item(0, &Item::Status(bad), now).is_err());
    }

    #[test]
    fn finding_1_a_number_must_be_in_the_senders_space() {
        let mut e = TrustedIssuer {
            id: "did:web:weld".into(),
            numbers: vec!["S000133070100".into(), "WELD-".into()],
            ..TrustedIssuer::default()
        };
        assert!(in_sender_space(&e, Some("S000133070100263000001")).is_ok());
        assert!(in_sender_space(&e, Some("WELD-2026-000001")).is_ok());
        assert!(in_sender_space(&e, None).is_ok());
        let err = in_sender_space(&e, Some("S000133060200263000002"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("outside the number space of issuer did:web:weld"),
            "{err}"
        );
        e.numbers.clear();
        assert!(in_sender_space(&e, Some("WELD-2026-000001")).is_err());
    }
}
