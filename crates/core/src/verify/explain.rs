//! What a verdict means, in words for the person who reads it (an employer, not an engineer):
//! the `message_zh` / `message_en` of every [`Report`](super::Report), shown on the
//! verification page and by the command line. The verdict words themselves do not change; the
//! checks keep their technical reasons (the page folds them away).
//!
//! Dates are calendar dates in China Standard Time (UTC+08:00), the time zone of the issuers
//! this product serves (docs/FORMAT.md, "Dates people read"): `2027年3月2日` and
//! `2 March 2027`.

use super::{CheckName, StatusChange, Verdict};
use chrono::{DateTime, Datelike, FixedOffset, Offset, Utc};

/// China Standard Time, the zone in which dates are shown.
fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

/// `2027年3月2日` (the date in China Standard Time).
pub fn date_zh(t: &DateTime<Utc>) -> String {
    let d = t.with_timezone(&cst());
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// `2 March 2027` (the date in China Standard Time).
pub fn date_en(t: &DateTime<Utc>) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let d = t.with_timezone(&cst());
    let month = MONTHS.get(d.month0() as usize).copied().unwrap_or("");
    format!("{} {month} {}", d.day(), d.year())
}

/// Which check decided an `untrusted_issuer` verdict: each has its own explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UntrustedWhy {
    /// The issuer is not on the trust list.
    Issuer,
    /// The key was not valid for signing at the signing time (retired, compromised).
    KeyWindow,
    /// The issuer's own database never recorded the certificate.
    IssuerDb,
    /// Under a scheme: the issuer was not accredited for this certificate (outside its scope,
    /// or signed outside its accreditation or while it was suspended).
    Accreditation,
}

impl UntrustedWhy {
    /// The explanation owed when `check` decided an `untrusted_issuer` verdict (`None`: a
    /// check that never leads to it).
    pub(super) fn of(check: CheckName) -> Option<UntrustedWhy> {
        match check {
            CheckName::Issuer => Some(UntrustedWhy::Issuer),
            CheckName::KeyWindow => Some(UntrustedWhy::KeyWindow),
            CheckName::Registry => Some(UntrustedWhy::IssuerDb),
            CheckName::Accreditation => Some(UntrustedWhy::Accreditation),
            _ => None,
        }
    }
}

/// What the explanation of a verdict may mention.
#[derive(Debug, Clone, Default)]
pub(super) struct Facts {
    /// The revocation or suspension that decided the verdict, when the source knows it.
    pub(super) change: Option<StatusChange>,
    /// `validFrom`.
    pub(super) valid_from: Option<DateTime<Utc>>,
    /// `validUntil`.
    pub(super) valid_until: Option<DateTime<Utc>>,
    /// For `untrusted_issuer`: which check decided it.
    pub(super) untrusted: Option<UntrustedWhy>,
}

/// The explanation of `verdict` in Chinese and in English.
pub(super) fn explain(verdict: Verdict, f: &Facts) -> (String, String) {
    match verdict {
        Verdict::Valid => valid(f),
        Verdict::Revoked | Verdict::Suspended => status_change(verdict, f),
        Verdict::Expired => match &f.valid_until {
            Some(t) => (
                format!("该证书的有效期已于 {} 结束，不能再作为资格证明。", date_zh(t)),
                format!(
                    "This certificate's validity ended on {}; it no longer proves the qualification.",
                    date_en(t)
                ),
            ),
            None => fixed("该证书已超过有效期。", "This certificate is past its end of validity."),
        },
        Verdict::NotYetValid => match &f.valid_from {
            Some(t) => (
                format!("该证书自 {} 起生效，目前尚未生效。", date_zh(t)),
                format!("This certificate takes effect on {}; it is not in force yet.", date_en(t)),
            ),
            None => fixed("该证书尚未生效。", "This certificate is not in force yet."),
        },
        Verdict::UntrustedIssuer => untrusted(f.untrusted),
        Verdict::BadSignature => fixed(
            "证书内容与发证机构的签名不符：证书被改动过，或并非由该机构签发。请勿采信。",
            "The certificate does not match the issuer's signature: it was altered, or not issued \
             by this issuer. Do not rely on it.",
        ),
        Verdict::Malformed => fixed(
            "无法识别：这不是可以读取的证书文件、令牌或二维码。",
            "This is not a certificate document, token or QR code that can be read.",
        ),
        Verdict::StatusUnknown => fixed(
            "证书签名真实，但目前无法确认它是否已被撤销或暂停（无法取得发证机构的状态信息）。请稍后再试，或向发证机构核实。",
            "The signature is genuine, but whether the certificate was revoked or suspended \
             cannot be confirmed now (the issuer's status information could not be had). Try \
             again later or ask the issuer.",
        ),
    }
}

fn fixed(zh: &str, en: &str) -> (String, String) {
    (zh.to_owned(), en.to_owned())
}

fn valid(f: &Facts) -> (String, String) {
    match &f.valid_until {
        Some(t) => (
            format!(
                "证书真实有效：由受信任的发证机构签发，未被撤销或暂停，有效期至 {}。",
                date_zh(t)
            ),
            format!(
                "Genuine and in force: issued by a trusted issuer, not revoked or suspended, \
                 valid until {}.",
                date_en(t)
            ),
        ),
        None => fixed(
            "证书真实有效：由受信任的发证机构签发，未被撤销或暂停，长期有效。",
            "Genuine and in force: issued by a trusted issuer, not revoked or suspended, with no \
             end date.",
        ),
    }
}

fn status_change(verdict: Verdict, f: &Facts) -> (String, String) {
    let revoked = verdict == Verdict::Revoked;
    let (act_zh, act_en) = if revoked {
        ("撤销", "Revoked")
    } else {
        ("暂停", "Suspended")
    };
    let (mut zh, mut en) = match f.change.as_ref().map(|c| c.at) {
        Some(at) => (
            format!("该证书已于 {} 被发证机构{act_zh}", date_zh(&at)),
            format!("{act_en} by the issuer on {}", date_en(&at)),
        ),
        None => (
            format!("该证书已被发证机构{act_zh}"),
            format!("{act_en} by the issuer"),
        ),
    };
    if revoked {
        zh.push_str("，不能再作为资格证明。");
        en.push_str("; it no longer proves the qualification.");
    } else {
        zh.push_str("，暂停期间不能作为资格证明。");
        en.push_str("; while suspended it does not prove the qualification.");
    }
    if let Some(r) = f.change.as_ref().and_then(|c| c.public_reason.as_deref()) {
        zh.push_str(&format!("发证机构说明：{r}"));
        en.push_str(&format!(" The issuer's note: {r}"));
    }
    (zh, en)
}

fn untrusted(why: Option<UntrustedWhy>) -> (String, String) {
    match why {
        Some(UntrustedWhy::IssuerDb) => fixed(
            "发证机构没有签发这份证书的记录：它自称来自该机构，但该机构的登记中没有它。请勿采信。",
            "The issuer has no record of issuing this certificate: it claims to come from this \
             issuer, but the issuer's register does not hold it. Do not rely on it.",
        ),
        Some(UntrustedWhy::KeyWindow) => fixed(
            "签发这份证书所用的密钥在签发时已不再有效（已停用或已泄露），因此不能确认它来自发证机构。请勿采信。",
            "The key that signed this certificate was no longer valid when it signed (retired or \
             compromised), so it cannot be shown to come from the issuer. Do not rely on it.",
        ),
        Some(UntrustedWhy::Accreditation) => fixed(
            "发证机构未获主管机构认可签发这份证书（超出其备案的职业、等级范围，或签发时不在认可期内、认可已暂停）。请勿采信。",
            "The issuer was not accredited by the scheme's authority to issue this certificate \
             (outside the occupations or levels it is accredited for, or signed outside its \
             accreditation or while it was suspended). Do not rely on it.",
        ),
        Some(UntrustedWhy::Issuer) | None => fixed(
            "这份证书不是由本查验服务信任的发证机构签发的，无法确认其真实性。",
            "This certificate was not issued by an issuer this verifier trusts, so it cannot be \
             shown to be genuine.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse_time;

    fn t(s: &str) -> DateTime<Utc> {
        parse_time("t", s).unwrap()
    }

    #[test]
    fn dates_are_china_calendar_dates() {
        // 17:00 UTC on 1 March is already 2 March in Beijing.
        let at = t("2027-03-01T17:00:00Z");
        assert_eq!(date_zh(&at), "2027年3月2日");
        assert_eq!(date_en(&at), "2 March 2027");
        assert_eq!(date_en(&t("2031-12-02T15:59:59Z")), "2 December 2031");
    }

    #[test]
    fn a_revocation_says_when_and_the_published_reason() {
        let f = Facts {
            change: Some(StatusChange {
                at: t("2027-03-02T02:00:00Z"),
                public_reason: Some("考核舞弊".into()),
            }),
            ..Facts::default()
        };
        let (zh, en) = explain(Verdict::Revoked, &f);
        assert!(
            zh.starts_with("该证书已于 2027年3月2日 被发证机构撤销"),
            "{zh}"
        );
        assert!(zh.ends_with("发证机构说明：考核舞弊"), "{zh}");
        assert!(
            en.starts_with("Revoked by the issuer on 2 March 2027"),
            "{en}"
        );
        assert!(en.ends_with("The issuer's note: 考核舞弊"), "{en}");
        let (zh, en) = explain(Verdict::Suspended, &Facts::default());
        assert!(zh.starts_with("该证书已被发证机构暂停，"), "{zh}");
        assert!(en.starts_with("Suspended by the issuer;"), "{en}");
    }

    #[test]
    fn every_verdict_is_explained_without_check_jargon() {
        let f = Facts {
            valid_from: Some(t("2026-12-02T00:00:00Z")),
            valid_until: Some(t("2031-12-02T15:59:59Z")),
            ..Facts::default()
        };
        for v in Verdict::ALL {
            let (zh, en) = explain(v, &f);
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{v}: {zh}"
            );
            assert!(!en.is_empty() && en.is_ascii(), "{v}: {en}");
            for jargon in [
                "bit",
                "issuer's database list",
                "status list",
                "urn:",
                "did:",
            ] {
                assert!(!en.contains(jargon), "{v}: {en}");
            }
        }
        assert!(explain(Verdict::Expired, &f).1.contains("2 December 2031"));
        assert!(explain(Verdict::NotYetValid, &f)
            .0
            .contains("2026年12月2日"));
        assert_ne!(
            untrusted(Some(UntrustedWhy::IssuerDb)),
            untrusted(Some(UntrustedWhy::Issuer))
        );
    }
}
