//! Schemes (issue 14): authority-signed trust lists with scopes. Every rule of docs/CONTRACT.md
//! "Schemes and accreditation" is checked on all three forms of real certificates: wrong
//! anchor, tampered list, stale list, out-of-scope framework / program / level, accreditation
//! not yet started, ended, suspended before and after the signing time, two schemes at once,
//! and an unsigned list given without an anchor working as before.

use crate::common::FixedStatus;
use chrono::{DateTime, Duration, Utc};
use skillcert::authority::{Authority, Grant};
use skillcert::issuer::{Issued, Issuer};
use skillcert::model::{reference::reference_claims, Framework, Level};
use skillcert::trust::{Scope, TrustAnchor, TrustSource, TrustStore};
use skillcert::verify::{CheckName, Report, Verdict, Verifier};
use std::sync::Arc;

/// Day 0 of the tests (the issuers' keys are valid from their creation, just before).
static T0: std::sync::LazyLock<DateTime<Utc>> =
    std::sync::LazyLock::new(|| skillcert::issuer::now_secs() + Duration::minutes(1));

/// Day `d` (days after day 0).
fn at(d: i64) -> DateTime<Utc> {
    *T0 + Duration::days(d)
}

/// When the certificates are signed, and when they are checked.
const SIGNED: i64 = 5;
const NOW: i64 = 30;

struct World {
    _dirs: Vec<tempfile::TempDir>,
    cnc: Issuer,
    weld: Issuer,
    authority: Authority,
}

fn world() -> World {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let cnc = Issuer::init(dirs[0].path(), "CNC Centre", Some("https://cnc.example.cn")).unwrap();
    let weld = Issuer::init(
        dirs[1].path(),
        "Welding Institute",
        Some("https://weld.example.cn"),
    )
    .unwrap();
    let authority = Authority::init(dirs[2].path(), "浙江省人社厅", None, "test").unwrap();
    World {
        _dirs: dirs,
        cnc,
        weld,
        authority,
    }
}

/// A certificate of `issuer` for `program` at `level`, signed at `signed`.
fn certificate(issuer: &Issuer, program: &str, fw: Framework, level: &str, signed: i64) -> Issued {
    let bytes = crate::common::read_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/reference/reference-certificate.json"
    ));
    let mut c = reference_claims(&bytes).unwrap();
    c.id = uuid::Uuid::new_v4();
    c.issuer = issuer.profile();
    c.number = None;
    c.program.code = Some(program.into());
    c.level = Level {
        framework: fw,
        value: level.into(),
    };
    c.valid_from = at(signed);
    c.valid_until = Some(at(signed) + Duration::days(5 * 365));
    c.status = vec![];
    issuer.sign_all(c, at(signed)).unwrap()
}

fn grant(frameworks: &[&str], programs: &[&str], levels: Option<&[&str]>) -> Grant {
    let v = |x: &[&str]| Some(x.iter().map(|s| s.to_string()).collect());
    Grant {
        scope: Scope {
            frameworks: v(frameworks),
            programs: v(programs),
            levels: levels.and_then(v),
        },
        from: Some(at(0)),
        until: None,
        numbers: None,
    }
}

/// The authority's list published at `published`, as bytes.
fn publish(a: &Authority, published: i64, days: u32) -> Vec<u8> {
    serde_json::to_vec(&a.publish(at(published), days, "test").unwrap()).unwrap()
}

fn verifier(store: TrustStore) -> Verifier {
    Verifier::builder(store)
        .status_source(Arc::new(FixedStatus(false)))
        .at_time(at(NOW))
        .allow_empty_trust_list()
        .build()
        .unwrap()
}

/// The verdicts of the three forms, which must agree; returns the token's report.
fn check(v: &Verifier, issued: &Issued) -> Report {
    let forms = [
        serde_json::to_vec(&issued.document).unwrap(),
        issued.token.clone().into_bytes(),
        issued.qr_text.clone().into_bytes(),
    ];
    let reports: Vec<Report> = forms
        .iter()
        .map(|b| {
            skillcert_qrimage::verify_bytes(v, b)
                .map_or_else(|r| r.into_report(), |v| v.into_report())
        })
        .collect();
    for r in &reports[1..] {
        assert_eq!(
            r.verdict, reports[0].verdict,
            "forms disagree: {:?}",
            r.checks
        );
    }
    reports.into_iter().nth(1).unwrap()
}

fn failed(r: &Report) -> String {
    r.failure_reasons().join(" | ")
}

fn scheme(a: &Authority, published: i64) -> TrustStore {
    TrustSource::anchored(&publish(a, published, 7), &a.anchor(), "scheme.json")
        .unwrap()
        .into()
}

#[test]
fn in_scope_certificates_are_valid_and_name_the_authority() {
    let mut w = world();
    let cnc_grant = grant(&["cn-nvq"], &["6-18-01-01"], Some(&["3", "4"]));
    w.authority
        .accredit(&w.cnc.trust_list(), &cnc_grant, "test")
        .unwrap();
    let v = verifier(scheme(&w.authority, 29));
    let r = check(
        &v,
        &certificate(&w.cnc, "6-18-01-01", Framework::CnNvq, "3", SIGNED),
    );
    assert_eq!(r.verdict, Verdict::Valid, "{}", failed(&r));
    let by = r.accredited_by.expect("accredited_by");
    assert_eq!(by.authority_name, "浙江省人社厅");
    assert_eq!(
        by.scope,
        "frameworks cn-nvq; programs 6-18-01-01; levels 3, 4"
    );
    assert!(r.checks.iter().any(|c| c.name == CheckName::Accreditation));
}

#[test]
fn out_of_scope_framework_program_level_are_untrusted_with_the_rule() {
    let mut w = world();
    let g = grant(&["cn-nvq"], &["6-18-01-01"], Some(&["3", "4"]));
    w.authority
        .accredit(&w.cnc.trust_list(), &g, "test")
        .unwrap();
    let v = verifier(scheme(&w.authority, 29));
    for (program, fw, level, why) in [
        (
            "6-25-04-08",
            Framework::CnNvq,
            "3",
            "not accredited for program 6-25-04-08",
        ),
        (
            "6-18-01-01",
            Framework::CnNvq,
            "2",
            "not accredited for level 2",
        ),
        (
            "6-18-01-01",
            Framework::Iiw,
            "IWE",
            "not accredited for framework iiw",
        ),
    ] {
        let r = check(&v, &certificate(&w.cnc, program, fw, level, SIGNED));
        assert_eq!(r.verdict, Verdict::UntrustedIssuer, "{why}");
        assert_eq!(failed(&r), why);
        assert!(r.accredited_by.is_none());
    }
}

#[test]
fn wrong_anchor_tampered_and_stale_lists_trust_nobody() {
    let mut w = world();
    w.authority
        .accredit(
            &w.cnc.trust_list(),
            &Grant {
                from: Some(at(0)),
                ..Grant::default()
            },
            "test",
        )
        .unwrap();
    let cert = certificate(&w.cnc, "6-18-01-01", Framework::CnNvq, "3", SIGNED);
    let bytes = publish(&w.authority, 29, 7);
    // Another authority's anchor.
    let other_dir = tempfile::tempdir().unwrap();
    let other = Authority::init(other_dir.path(), "Other", None, "t").unwrap();
    let src = TrustSource::anchored(&bytes, &other.anchor(), "scheme.json").unwrap();
    let r = check(&verifier(src.into()), &cert);
    assert_eq!(r.verdict, Verdict::UntrustedIssuer);
    assert!(
        failed(&r).contains("does not count") && failed(&r).contains("not by the trust anchor"),
        "{}",
        failed(&r)
    );
    // Tampered after signing: one more program in the scope.
    let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    v["issuers"][0]["name"] = "CNC Centre (forged)".into();
    let src = TrustSource::anchored(&serde_json::to_vec(&v).unwrap(), &w.authority.anchor(), "x")
        .unwrap();
    let r = check(&verifier(src.into()), &cert);
    assert_eq!(r.verdict, Verdict::UntrustedIssuer);
    assert!(
        failed(&r).contains("signature does not verify"),
        "{}",
        failed(&r)
    );
    // Stale: published on day 0 for 7 days, checked on day 30.
    let r = check(&verifier(scheme(&w.authority, 0)), &cert);
    assert_eq!(r.verdict, Verdict::UntrustedIssuer);
    assert!(
        failed(&r).contains("past its freshness limit"),
        "{}",
        failed(&r)
    );
    // Not yet valid: published in the future.
    let r = check(&verifier(scheme(&w.authority, 33)), &cert);
    assert!(failed(&r).contains("not valid before"), "{}", failed(&r));
    // The same list, untouched and fresh: valid.
    let r = check(&verifier(scheme(&w.authority, 29)), &cert);
    assert_eq!(r.verdict, Verdict::Valid, "{}", failed(&r));
}

#[test]
fn accreditation_window_and_suspension_judge_the_signing_time() {
    let mut w = world();
    let g = Grant {
        from: Some(at(2)),
        until: Some(at(10)),
        ..Grant::default()
    };
    w.authority
        .accredit(&w.cnc.trust_list(), &g, "test")
        .unwrap();
    let id = w.cnc.config().id.clone();
    let cert = |signed: i64| certificate(&w.cnc, "6-18-01-01", Framework::CnNvq, "3", signed);
    let v = verifier(scheme(&w.authority, 29));
    let before = check(&v, &cert(1));
    assert!(
        failed(&before).contains("not yet accredited"),
        "{}",
        failed(&before)
    );
    assert_eq!(check(&v, &cert(SIGNED)).verdict, Verdict::Valid);
    let after = check(&v, &cert(11));
    assert!(
        failed(&after).contains("accreditation ended"),
        "{}",
        failed(&after)
    );
    // Suspended from day 4: what was signed before still counts, what was signed after
    // does not.
    w.authority.suspend(&id, at(4), "audit", "test").unwrap();
    let v = verifier(scheme(&w.authority, 29));
    assert_eq!(check(&v, &cert(3)).verdict, Verdict::Valid);
    let r = check(&v, &cert(SIGNED));
    assert_eq!(r.verdict, Verdict::UntrustedIssuer);
    let from = skillcert::model::format_time(&at(4));
    assert!(
        failed(&r).contains(&format!("suspended from {from}")),
        "{}",
        failed(&r)
    );
    // Reinstated: the suspension is lifted.
    w.authority.reinstate(&id, "audit closed", "test").unwrap();
    let v = verifier(scheme(&w.authority, 29));
    assert_eq!(check(&v, &cert(SIGNED)).verdict, Verdict::Valid);
}

#[test]
fn two_schemes_at_once() {
    let mut w = world();
    let dir = tempfile::tempdir().unwrap();
    let mut iiw = Authority::init(dir.path(), "IIW Authorisation Board", None, "t").unwrap();
    w.authority
        .accredit(
            &w.cnc.trust_list(),
            &grant(&["cn-nvq"], &["6-18-01-01"], None),
            "t",
        )
        .unwrap();
    // The IIW scheme scopes frameworks only.
    let mut g = grant(&["iiw"], &[], None);
    g.scope.programs = None;
    iiw.accredit(&w.weld.trust_list(), &g, "t").unwrap();
    let mut store = TrustStore::new();
    let cn_bytes = publish(&w.authority, 29, 7);
    store.push(TrustSource::anchored(&cn_bytes, &w.authority.anchor(), "cn.json").unwrap());
    let iiw_bytes = publish(&iiw, 29, 7);
    store.push(TrustSource::anchored(&iiw_bytes, &iiw.anchor(), "iiw.json").unwrap());
    let v = verifier(store);
    let cn = check(
        &v,
        &certificate(&w.cnc, "6-18-01-01", Framework::CnNvq, "3", SIGNED),
    );
    assert_eq!(cn.verdict, Verdict::Valid, "{}", failed(&cn));
    assert_eq!(cn.accredited_by.unwrap().authority_name, "浙江省人社厅");
    let diploma = check(
        &v,
        &certificate(&w.weld, "IWE", Framework::Iiw, "IWE", SIGNED),
    );
    assert_eq!(diploma.verdict, Verdict::Valid, "{}", failed(&diploma));
    assert_eq!(
        diploma.accredited_by.unwrap().authority_name,
        "IIW Authorisation Board"
    );
    // The welding institute is not accredited for cn-nvq by either scheme.
    let r = check(
        &v,
        &certificate(&w.weld, "6-25-04-08", Framework::CnNvq, "3", SIGNED),
    );
    assert_eq!(failed(&r), "not accredited for framework cn-nvq");
    // An anchor given for the wrong list: both lists refused, nobody trusted.
    let mut store = TrustStore::new();
    store.push(TrustSource::anchored(&iiw_bytes, &w.authority.anchor(), "iiw.json").unwrap());
    let r = check(
        &verifier(store),
        &certificate(&w.weld, "IWE", Framework::Iiw, "IWE", SIGNED),
    );
    assert_eq!(r.verdict, Verdict::UntrustedIssuer);
}

#[test]
fn an_issuer_in_two_lists_is_trusted_when_one_accepts() {
    let mut w = world();
    w.authority
        .accredit(
            &w.cnc.trust_list(),
            &grant(&["cn-nvq"], &["6-18-01-01"], None),
            "t",
        )
        .unwrap();
    let mut store = scheme(&w.authority, 29);
    // The same issuer, given directly (unsigned, unrestricted): the direct list accepts what
    // the scheme does not.
    store.push(TrustSource::direct(w.cnc.trust_list(), "cnc.json"));
    let v = verifier(store);
    let r = check(
        &v,
        &certificate(&w.cnc, "6-25-04-08", Framework::CnNvq, "3", SIGNED),
    );
    assert_eq!(r.verdict, Verdict::Valid, "{}", failed(&r));
    assert!(
        r.accredited_by.is_none(),
        "trusted directly, not by the scheme"
    );
}

#[test]
fn unsigned_lists_without_an_anchor_work_as_before() {
    let w = world();
    let v = verifier(w.cnc.trust_list().into());
    let r = check(
        &v,
        &certificate(&w.cnc, "6-25-04-08", Framework::CnNvq, "3", SIGNED),
    );
    assert_eq!(r.verdict, Verdict::Valid);
    assert!(!r.checks.iter().any(|c| c.name == CheckName::Accreditation));
    assert!(r
        .checks
        .iter()
        .any(|c| c.reason.ends_with("is trusted (CNC Centre)")));
    // An anchor given as text: both forms parse to the same anchor.
    let a = w.authority.anchor();
    assert_eq!(a.to_string().parse::<TrustAnchor>().unwrap(), a);
}
