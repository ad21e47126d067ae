//! Chinese and English for the web pages: choosing the language (`?lang=` first, then
//! `Accept-Language` with q-values; Chinese when neither says) and the words.

use axum::http::{header, HeaderMap};
use skillcert::verify::Verdict;

/// A page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum Lang {
    /// 简体中文.
    Zh,
    /// English.
    En,
}

impl Lang {
    /// BCP 47 tag for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The code used in `?lang=`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The other language (for the switch).
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// The language's own name.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Zh => "中文",
            Lang::En => "English",
        }
    }

    fn from_code(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s == "zh" || s.starts_with("zh-") {
            Some(Lang::Zh)
        } else if s == "en" || s.starts_with("en-") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The language for a request: `?lang=zh|en` wins, then the best of `Accept-Language`
    /// (highest q, first listed on ties), then Chinese.
    pub fn negotiate(query_lang: Option<&str>, headers: &HeaderMap) -> Lang {
        if let Some(l) = query_lang.and_then(Lang::from_code) {
            return l;
        }
        let Some(al) = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
        else {
            return Lang::Zh;
        };
        let mut best: Option<(f32, Lang)> = None;
        for part in al.split(',').take(32) {
            let mut it = part.split(';');
            let tag = it.next().unwrap_or("");
            let q = it
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(l) = Lang::from_code(tag) {
                if q > 0.0 && !matches!(best, Some((bq, _)) if q <= bq) {
                    best = Some((q, l));
                }
            }
        }
        best.map_or(Lang::Zh, |(_, l)| l)
    }
}

/// The colour of a verdict banner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Genuine and in force.
    Green,
    /// Not to be relied on, may change (suspended, expired, not yet valid, status unknown).
    Amber,
    /// Not genuine or withdrawn.
    Red,
}

impl Tone {
    /// The CSS class.
    pub fn class(self) -> &'static str {
        match self {
            Tone::Green => "green",
            Tone::Amber => "amber",
            Tone::Red => "red",
        }
    }
}

/// The tone of a verdict.
pub fn tone(v: Verdict) -> Tone {
    match v {
        Verdict::Valid => Tone::Green,
        Verdict::Suspended | Verdict::Expired | Verdict::NotYetValid | Verdict::StatusUnknown => {
            Tone::Amber
        }
        Verdict::Revoked
        | Verdict::BadSignature
        | Verdict::UntrustedIssuer
        | Verdict::Malformed => Tone::Red,
    }
}

/// The verdict's headline and one-line explanation.
pub fn verdict_text(v: Verdict, l: Lang) -> (&'static str, &'static str) {
    match (v, l) {
        (Verdict::Valid, Lang::Zh) => ("证书有效", "该证书真实，由受信任的发证机构签发，目前有效。"),
        (Verdict::Valid, Lang::En) => ("Valid certificate", "This certificate is genuine, issued by a trusted issuer, and in force."),
        (Verdict::Revoked, Lang::Zh) => ("证书已撤销", "发证机构已撤销该证书，不能再作为资格证明。"),
        (Verdict::Revoked, Lang::En) => ("Certificate revoked", "The issuer has revoked this certificate; it no longer proves the qualification."),
        (Verdict::Suspended, Lang::Zh) => ("证书已暂停", "发证机构已暂停该证书，暂停期间不能作为资格证明。"),
        (Verdict::Suspended, Lang::En) => ("Certificate suspended", "The issuer has suspended this certificate; while suspended it does not prove the qualification."),
        (Verdict::Expired, Lang::Zh) => ("证书已过期", "该证书真实，但已超过有效期。"),
        (Verdict::Expired, Lang::En) => ("Certificate expired", "This certificate is genuine but past its end of validity."),
        (Verdict::NotYetValid, Lang::Zh) => ("证书尚未生效", "该证书真实，但尚未到生效日期。"),
        (Verdict::NotYetValid, Lang::En) => ("Not yet valid", "This certificate is genuine but its validity has not started."),
        (Verdict::UntrustedIssuer, Lang::Zh) => ("发证机构不受信任", "该证书不是由受信任的发证机构的有效密钥签发的。"),
        (Verdict::UntrustedIssuer, Lang::En) => ("Not from a trusted issuer", "This certificate was not signed by a valid key of a trusted issuer."),
        (Verdict::BadSignature, Lang::Zh) => ("签名无效", "签名不匹配：证书内容被篡改或不是该机构签发。"),
        (Verdict::BadSignature, Lang::En) => ("Signature invalid", "The signature does not match: the certificate was altered or not signed by this issuer."),
        (Verdict::Malformed, Lang::Zh) => ("无法识别的证书", "无法读取这份证书：它不是有效的证书文件、令牌或二维码。"),
        (Verdict::Malformed, Lang::En) => ("Not a readable certificate", "This is not a certificate document, token or QR code that can be read."),
        (Verdict::StatusUnknown, Lang::Zh) => ("状态未知", "证书签名真实，但目前无法确认其是否被撤销或暂停。"),
        (Verdict::StatusUnknown, Lang::En) => ("Status unknown", "The signature is genuine, but whether it was revoked or suspended cannot be confirmed now."),
    }
}

/// Words of the pages.
#[derive(Debug, Clone, Copy)]
pub struct Words {
    /// Site title.
    pub site: &'static str,
    /// "Holder".
    pub holder: &'static str,
    /// "Program".
    pub program: &'static str,
    /// "Level".
    pub level: &'static str,
    /// "Issuer".
    pub issuer: &'static str,
    /// "Valid from".
    pub valid_from: &'static str,
    /// "Valid until".
    pub valid_until: &'static str,
    /// "No expiry".
    pub no_expiry: &'static str,
    /// "Certificate id".
    pub cert_id: &'static str,
    /// Row label: certificate number.
    pub cert_number: &'static str,
    /// The label of the verification page's ID card check.
    pub id_check: &'static str,
    /// Its button.
    pub id_check_button: &'static str,
    /// What it does and does not tell.
    pub id_check_note: &'static str,
    /// The answer: it matches.
    pub id_match: &'static str,
    /// The answer: it does not (or no such certificate).
    pub id_no_match: &'static str,
    /// "Accredited by" (the scheme's authority).
    pub accredited_by: &'static str,
    /// "Why".
    pub why: &'static str,
    /// "All checks".
    pub checks: &'static str,
    /// "Verify another".
    pub another: &'static str,
    /// Home heading.
    pub home_title: &'static str,
    /// Home intro.
    pub home_intro: &'static str,
    /// Paste label.
    pub paste: &'static str,
    /// Upload label.
    pub upload: &'static str,
    /// Button.
    pub verify: &'static str,
    /// "Notes".
    pub notes: &'static str,
    /// Framework label.
    pub framework: &'static str,
}

/// The words in a language.
pub fn words(l: Lang) -> &'static Words {
    const ZH: Words = Words {
        site: "职业技能证书查验",
        holder: "持证人",
        program: "职业（工种）",
        level: "等级",
        issuer: "发证机构",
        valid_from: "生效日期",
        valid_until: "有效期至",
        no_expiry: "长期有效",
        cert_id: "证书标识",
        cert_number: "证书编号",
        id_check: "核对身份证件号码",
        id_check_button: "核对",
        id_check_note: "仅回答是否一致；号码不会显示、不会保存在网址或日志中。",
        id_match: "一致：该证件号码与此证书的持证人相符。",
        id_no_match: "不一致：该证件号码与此证书不符（或未找到此证书）。",
        accredited_by: "认可机构",
        why: "原因",
        checks: "全部检查项",
        another: "查验其他证书",
        home_title: "查验职业技能证书",
        home_intro: "用手机相机扫描证书上的二维码即可查验。也可以在此粘贴证书令牌或二维码内容，或上传证书照片。",
        paste: "粘贴令牌、二维码内容或证书 JSON",
        upload: "上传证书二维码照片",
        verify: "查验",
        notes: "注意",
        framework: "等级体系",
    };
    const EN: Words = Words {
        site: "Skill certificate verification",
        holder: "Holder",
        program: "Program",
        level: "Level",
        issuer: "Issuer",
        valid_from: "Valid from",
        valid_until: "Valid until",
        no_expiry: "No expiry",
        cert_id: "Certificate id",
        cert_number: "Certificate number",
        id_check: "Check an ID card",
        id_check_button: "Check",
        id_check_note: "Answers match or no match only; the number is never shown, and never kept in a URL or a log.",
        id_match: "Match: this ID number is the holder's of this certificate.",
        id_no_match: "No match: this ID number is not the one of this certificate (or there is no such certificate).",
        accredited_by: "Accredited by",
        why: "Why",
        checks: "All checks",
        another: "Verify another certificate",
        home_title: "Verify a skill certificate",
        home_intro: "Scan the QR code on the certificate with a phone camera. Or paste the certificate's token or QR text here, or upload a photo of the certificate.",
        paste: "Paste a token, QR text or certificate JSON",
        upload: "Upload a photo of the certificate's QR code",
        verify: "Verify",
        notes: "Notes",
        framework: "Framework",
    };
    match l {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn al(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn negotiation() {
        assert_eq!(Lang::negotiate(None, &HeaderMap::new()), Lang::Zh);
        assert_eq!(Lang::negotiate(None, &al("en-US,en;q=0.9")), Lang::En);
        assert_eq!(
            Lang::negotiate(None, &al("zh-CN,zh;q=0.9,en;q=0.8")),
            Lang::Zh
        );
        assert_eq!(
            Lang::negotiate(None, &al("fr;q=1, en;q=0.5, zh;q=0.7")),
            Lang::Zh
        );
        assert_eq!(Lang::negotiate(None, &al("de")), Lang::Zh);
        assert_eq!(Lang::negotiate(Some("en"), &al("zh-CN")), Lang::En);
        assert_eq!(Lang::negotiate(Some("xx"), &al("en")), Lang::En);
        assert_eq!(Lang::negotiate(None, &al("zh;q=0, en;q=0.1")), Lang::En);
    }

    #[test]
    fn every_verdict_has_words_and_a_tone() {
        for v in Verdict::ALL {
            for l in [Lang::Zh, Lang::En] {
                let (h, e) = verdict_text(v, l);
                assert!(!h.is_empty() && !e.is_empty());
            }
        }
        assert_eq!(tone(Verdict::Valid), Tone::Green);
        assert_eq!(tone(Verdict::Revoked), Tone::Red);
        assert_eq!(tone(Verdict::Suspended), Tone::Amber);
        assert_eq!(tone(Verdict::StatusUnknown), Tone::Amber);
        assert_eq!(tone(Verdict::UntrustedIssuer), Tone::Red);
    }
}
