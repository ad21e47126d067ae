//! The three forms of one certificate (document, token, QR text, QR image) give the same
//! verdict and the same claims; any changed byte of a token or QR text is refused (malformed,
//! bad_signature, or untrusted_issuer when the change hits the issuer or key id); the
//! reference certificate fits a version 15-M QR code.

use crate::common;

use skillcert::qr::{self, format};
use skillcert::verify::{Format, Verdict};
use skillcert_qrimage::parse_bytes;
use skillcert_qrimage::render;

#[test]
fn all_forms_give_the_same_verdict_and_claims() {
    let (_dir, issuer, issued) = common::reference();
    let png = render::to_png(&issued.qr_text, 8).unwrap();
    let doc = serde_json::to_vec(&issued.document).unwrap();
    let forms: [(&[u8], Format); 4] = [
        (&doc, Format::Document),
        (issued.token.as_bytes(), Format::Token),
        (issued.qr_text.as_bytes(), Format::Qr),
        (&png, Format::Qr),
    ];
    for (set, want) in [(false, Verdict::Valid), (true, Verdict::Revoked)] {
        let v = common::verifier(&issuer, set);
        for (bytes, format) in &forms {
            let u = parse_bytes(bytes).unwrap_or_else(|r| panic!("{format:?}: {r:?}"));
            assert_eq!(u.format(), *format);
            assert_eq!(u.claims(), Some(&issued.claims), "{format:?}");
            let report = v.check(u);
            assert_eq!(report.verdict, want, "{format:?}: {:?}", report.checks);
            assert_eq!(report.format, *format);
        }
    }
    // Without status lists every form is status_unknown (fail closed), not valid.
    let strict = skillcert::verify::Verifier::builder(issuer.trust_list())
        .build()
        .unwrap();
    for (bytes, format) in &forms {
        let r = strict.check(parse_bytes(bytes).unwrap());
        assert_eq!(r.verdict, Verdict::StatusUnknown, "{format:?}");
    }
}

#[test]
fn server_route_form_parses() {
    let (_dir, issuer, issued) = common::reference();
    let (_, digits) = qr::split_qr_text(&issued.qr_text).unwrap();
    let text = format!("{}/V/{}", issuer.public_url(), digits);
    let u = parse_bytes(text.as_bytes()).unwrap();
    assert_eq!(u.claims(), Some(&issued.claims));
    let lower = issued.qr_text.to_ascii_lowercase().replace("/v/", "/V/");
    assert!(parse_bytes(lower.as_bytes()).is_ok());
}

fn alphabet_swap(c: u8, alphabet: &[u8]) -> u8 {
    let i = alphabet.iter().position(|a| *a == c).unwrap();
    alphabet[(i + 7) % alphabet.len()]
}

#[test]
fn any_changed_character_of_a_qr_text_is_refused() {
    let (_dir, issuer, issued) = common::reference();
    let v = common::verifier(&issuer, false);
    let (prefix, _) = qr::split_qr_text(&issued.qr_text).unwrap();
    let t = issued.qr_text.as_bytes();
    for i in prefix.len()..t.len() {
        let mut m = t.to_vec();
        m[i] = alphabet_swap(m[i], b"0123456789");
        let verdict = match parse_bytes(&m) {
            Ok(u) => v.check(u).verdict,
            Err(e) => skillcert::verify::Report::from(e).verdict,
        };
        assert!(
            matches!(
                verdict,
                Verdict::Malformed | Verdict::BadSignature | Verdict::UntrustedIssuer
            ),
            "digit {i}: {verdict}"
        );
    }
}

#[test]
fn any_changed_character_of_a_token_is_refused() {
    let (_dir, issuer, issued) = common::reference();
    let v = common::verifier(&issuer, false);
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let t = issued.token.as_bytes();
    let mut counts = [0usize; 3];
    for i in 0..t.len() {
        if t[i] == b'.' {
            continue;
        }
        let mut m = t.to_vec();
        m[i] = alphabet_swap(m[i], alphabet);
        let verdict = match parse_bytes(&m) {
            Ok(u) => v.check(u).verdict,
            Err(e) => skillcert::verify::Report::from(e).verdict,
        };
        match verdict {
            Verdict::Malformed => counts[0] += 1,
            Verdict::BadSignature => counts[1] += 1,
            // The change hit the issuer id or the kid: no trusted key names it.
            Verdict::UntrustedIssuer => counts[2] += 1,
            other => panic!("character {i}: {other}"),
        }
    }
    println!(
        "token tampering: {} malformed, {} bad_signature, {} untrusted_issuer",
        counts[0], counts[1], counts[2]
    );
}

#[test]
fn reference_certificate_with_its_number_fits_version_13_m() {
    let (_dir, issuer, issued) = common::reference();
    let d = qr::parse_qr_text(&issued.qr_text).unwrap();
    assert_eq!(d.content.claims, issued.claims);
    assert_eq!(
        d.content.claims.number.as_deref(),
        Some(skillcert::model::reference::REFERENCE_NUMBER)
    );
    assert_eq!(d.content.key_id, issuer.verification_method());
    let budget = format::budget(&d.content).unwrap();
    let body: usize = budget.iter().map(|(_, n)| n).sum();
    assert_eq!(body, d.body.len());
    let (prefix, digits) = qr::split_qr_text(&issued.qr_text).unwrap();
    let version = render::version(&issued.qr_text).unwrap();
    println!("byte budget of the reference certificate:");
    for (part, n) in &budget {
        println!("  {part:<24} {n:>4}");
    }
    println!("  {:<24} {:>4}", "signature", 64);
    println!(
        "payload {} bytes -> {} digits; prefix {:?} ({} chars); QR version {version} at M",
        body + 64,
        digits.len(),
        prefix,
        prefix.len()
    );
    let capacity = qrcode::bits::Bits::new(qrcode::Version::Normal(version))
        .max_len(qrcode::EcLevel::M)
        .unwrap();
    let used = 4 + 11 + prefix.len() / 2 * 11 + prefix.len() % 2 * 6;
    let used = used + 4 + 12 + digits.len() / 3 * 10 + [0, 4, 7][digits.len() % 3];
    println!("QR data bits used {used} of {capacity} (version {version}-M)");
    assert!(used <= capacity);
    // The product's goal: version 13 or lower at M, reached before numbers existed and kept with them.
    assert!(version <= 13, "version {version}");
}

/// The key window is judged at the same signing time in every form, with the same verdict;
/// only the named source differs (docs/FORMAT.md §10).
#[test]
fn key_window_verdicts_do_not_depend_on_the_form() {
    use skillcert::model::format_time;
    use skillcert::verify::Verifier;
    let (_dir, issuer, issued) = common::reference();
    let doc = serde_json::to_vec(&issued.document).unwrap();
    let forms: [(&[u8], &str); 3] = [
        (&doc, "the proof's created"),
        (issued.token.as_bytes(), "the token's iat"),
        (issued.qr_text.as_bytes(), "the QR code's signing time"),
    ];
    let signed = parse_bytes(&doc).unwrap().signed_at().unwrap();
    for (bytes, _) in &forms {
        assert_eq!(parse_bytes(bytes).unwrap().signed_at(), Some(signed));
    }
    type Change = fn(&mut skillcert::trust::TrustedKey, chrono::DateTime<chrono::Utc>);
    let cases: [(&str, Change); 3] = [
        ("was not yet valid at signing time", |k, t| {
            k.valid_from = Some(t + chrono::Duration::seconds(1))
        }),
        ("was retired at", |k, t| k.valid_until = Some(t)),
        ("grace window", |k, t| {
            k.compromised_from = Some(t + chrono::Duration::days(1))
        }),
    ];
    for (rule, change) in cases {
        let mut trust = issuer.trust_list();
        change(&mut trust.issuers[0].keys[0], signed);
        let v = Verifier::builder(trust)
            .status_source(std::sync::Arc::new(common::FixedStatus(false)))
            .build()
            .unwrap();
        for (bytes, source) in &forms {
            let r = v.check(parse_bytes(bytes).unwrap());
            assert_eq!(
                r.verdict,
                Verdict::UntrustedIssuer,
                "{source}: {:?}",
                r.checks
            );
            let w = &r
                .checks
                .iter()
                .find(|c| c.name == skillcert::verify::CheckName::KeyWindow)
                .unwrap()
                .reason;
            let at = format!("signing time {} from {source}", format_time(&signed));
            assert!(w.contains(rule) && w.contains(&at), "{rule}, {source}: {w}");
        }
    }
}
