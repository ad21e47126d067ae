//! Issue 27, finding 5: what a page shows of a document signed only with `eddsa-rdfc-2022` is
//! what that proof covers. The displayed summary is derived twice, from the JSON (as the
//! verifier does) and from the canonical N-Quads (here, independently), and must agree for every
//! document the verifier accepts: the issued document re-signed with its RDFC proof alone, and
//! rewrites of it that keep the RDF (blank node labels, `@index`, a node moved behind a
//! reference, reordered arrays, …), each refused or shown as signed.

use super::common;
use proptest::prelude::*;
use serde_json::{json, Value};
use skillcert::verify::{Verdict, Verifier};
use std::collections::HashMap;

const CRED: &str = "https://www.w3.org/2018/credentials#";
const OB: &str = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#";
const SCHEMA: &str = "https://schema.org/";

/// One N-Quads term: `<iri>`, `_:label` or a literal (its lexical form).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Term {
    Iri(String),
    Blank(String),
    Literal(String),
}

/// Reads one term at the start of `s`; returns it and the rest.
fn term(s: &str) -> (Term, &str) {
    let s = s.trim_start();
    if let Some(r) = s.strip_prefix('<') {
        let end = r.find('>').unwrap();
        return (Term::Iri(r[..end].to_owned()), &r[end + 1..]);
    }
    if let Some(r) = s.strip_prefix("_:") {
        let end = r.find(' ').unwrap_or(r.len());
        return (Term::Blank(r[..end].to_owned()), &r[end..]);
    }
    let r = s.strip_prefix('"').unwrap();
    let (mut out, mut chars) = (String::new(), r.char_indices());
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                let mut rest = &r[i + 1..];
                if let Some(dt) = rest.strip_prefix("^^<") {
                    rest = &dt[dt.find('>').unwrap() + 1..];
                } else if let Some(l) = rest.strip_prefix('@') {
                    rest = &l[l.find(' ').unwrap_or(l.len())..];
                }
                return (Term::Literal(out), rest);
            }
            '\\' => {
                let (_, e) = chars.next().unwrap();
                match e {
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'u' | 'U' => {
                        let n = if e == 'u' { 4 } else { 8 };
                        let hex: String = (0..n).map(|_| chars.next().unwrap().1).collect();
                        out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                    }
                    other => out.push(other),
                }
            }
            c => out.push(c),
        }
    }
    panic!("unterminated literal: {s}");
}

/// The default graph's statements as subject → [(predicate, object)].
fn graph(nquads: &str) -> HashMap<Term, Vec<(String, Term)>> {
    let mut g: HashMap<Term, Vec<(String, Term)>> = HashMap::new();
    for line in nquads.lines() {
        let (s, rest) = term(line);
        let (Term::Iri(p), rest) = term(rest) else {
            panic!("{line}")
        };
        let (o, rest) = term(rest);
        assert_eq!(rest.trim(), ".", "only the default graph: {line}");
        g.entry(s).or_default().push((p, o));
    }
    g
}

/// The displayed summary, from the signed statements: (field, value) pairs.
fn summary_from_rdf(nquads: &str) -> Vec<(&'static str, Option<String>)> {
    let g = graph(nquads);
    let objects = |s: &Term, p: &str| -> Vec<Term> {
        g.get(s)
            .map(|v| {
                v.iter()
                    .filter(|(q, _)| q == p)
                    .map(|(_, o)| o.clone())
                    .collect()
            })
            .unwrap_or_default()
    };
    let one = |s: &Term, p: &str| -> Option<Term> {
        let v = objects(s, p);
        (v.len() == 1).then(|| v[0].clone())
    };
    let text = |t: Option<Term>| match t {
        Some(Term::Literal(s) | Term::Iri(s)) => Some(s),
        _ => None,
    };
    let vc = Term::Iri(format!("{CRED}VerifiableCredential"));
    let rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
    let creds: Vec<&Term> = g
        .iter()
        .filter(|(_, v)| v.iter().any(|(p, o)| p == rdf_type && *o == vc))
        .map(|(s, _)| s)
        .collect();
    assert_eq!(creds.len(), 1, "one credential");
    let c = creds[0];
    let issuer = one(c, &format!("{CRED}issuer"));
    let subject = one(c, &format!("{CRED}credentialSubject")).unwrap();
    let mut holder = None;
    let mut latin = None;
    for ident in objects(&subject, &format!("{OB}identifier")) {
        let kind = text(one(&ident, &format!("{OB}identityType")));
        let value = text(one(&ident, &format!("{OB}identityHash")));
        match kind.as_deref() {
            Some("name") => holder = value,
            Some("ext:nameLatin") => latin = value,
            _ => {}
        }
    }
    let achievement = one(&subject, &format!("{OB}achievement"));
    let result = one(&subject, &format!("{OB}result"));
    vec![
        ("credential_id", text(Some(c.clone()))),
        ("issuer", text(issuer.clone())),
        (
            "issuer_name",
            text(issuer.and_then(|i| one(&i, &format!("{SCHEMA}name")))),
        ),
        ("holder", holder),
        ("holder_latin", latin),
        (
            "program",
            text(
                achievement
                    .clone()
                    .and_then(|a| one(&a, &format!("{SCHEMA}name"))),
            ),
        ),
        (
            "program_code",
            text(achievement.and_then(|a| one(&a, &format!("{OB}humanCode")))),
        ),
        (
            "level",
            text(result.and_then(|r| one(&r, &format!("{SCHEMA}value")))),
        ),
        ("valid_from", text(one(c, &format!("{CRED}validFrom")))),
        ("valid_until", text(one(c, &format!("{CRED}validUntil")))),
    ]
}

/// The same fields as the verifier shows them.
fn summary_shown(s: &skillcert::verify::Summary) -> Vec<(&'static str, Option<String>)> {
    vec![
        ("credential_id", s.credential_id.clone()),
        ("issuer", s.issuer.clone()),
        ("issuer_name", s.issuer_name.clone()),
        ("holder", s.holder.clone()),
        ("holder_latin", s.holder_latin.clone()),
        ("program", s.program.clone()),
        ("program_code", s.program_code.clone()),
        ("level", s.level.clone()),
        ("valid_from", s.valid_from.clone()),
        ("valid_until", s.valid_until.clone()),
    ]
}

/// The reference certificate signed with `eddsa-rdfc-2022` alone, its issuer's verifier.
fn rdfc_only() -> (tempfile::TempDir, Value, Verifier) {
    let (dir, issuer, issued) = common::reference();
    let mut doc = issued.document.clone();
    let proofs = doc["proof"].as_array().unwrap().clone();
    let rdfc: Vec<Value> = proofs
        .into_iter()
        .filter(|p| p["cryptosuite"] == "eddsa-rdfc-2022")
        .collect();
    assert_eq!(rdfc.len(), 1);
    doc["proof"] = Value::Array(rdfc);
    let verifier = common::verifier(&issuer, false);
    (dir, doc, verifier)
}

/// Verifies `doc`; when it is accepted as valid, the two summaries must agree. Returns whether
/// it was accepted.
fn shown_as_signed(doc: &Value, verifier: &Verifier) -> bool {
    let bytes = serde_json::to_vec(doc).unwrap();
    let report = match skillcert_qrimage::verify_bytes(verifier, &bytes) {
        Ok(v) => v.into_report(),
        Err(r) => r.into_report(),
    };
    if report.verdict != Verdict::Valid {
        return false;
    }
    let mut unsigned = doc.clone();
    unsigned.as_object_mut().unwrap().remove("proof");
    let nquads = skillcert::rdfc::canonicalize(&unsigned).unwrap();
    assert_eq!(
        summary_shown(&report.summary),
        summary_from_rdf(&nquads),
        "shown vs signed for {doc}"
    );
    true
}

#[test]
fn the_issued_document_with_its_rdfc_proof_alone_shows_what_is_signed() {
    let (_d, doc, verifier) = rdfc_only();
    assert!(
        shown_as_signed(&doc, &verifier),
        "the untouched document is valid"
    );
}

#[test]
fn finding_5_the_reviewers_rewrites_are_refused() {
    let (_d, doc, verifier) = rdfc_only();
    // The subject as a labelled blank node: JSON-LD drops the label, the RDF is the same.
    let mut a = doc.clone();
    a["credentialSubject"]["id"] = json!("_:王晓明");
    // The name behind a reference to a labelled node, defined elsewhere.
    let mut b = doc.clone();
    let name = b["credentialSubject"]["identifier"][0].take();
    let mut named = name.clone();
    named["id"] = json!("_:nm");
    b["credentialSubject"]["identifier"][0] = json!({"id": "_:nm"});
    b["@included"] = json!([named]);
    // An @index that JSON-LD drops.
    let mut c = doc.clone();
    c["credentialSubject"]["@index"] = json!("陈建国");
    for (what, d) in [("blank subject", a), ("moved name", b), ("@index", c)] {
        let bytes = serde_json::to_vec(&d).unwrap();
        let report = match skillcert_qrimage::verify_bytes(&verifier, &bytes) {
            Ok(v) => v.into_report(),
            Err(r) => r.into_report(),
        };
        assert_ne!(report.verdict, Verdict::Valid, "{what}: {report:?}");
        assert!(!shown_as_signed(&d, &verifier), "{what}");
    }
}

/// Rewrites of the document that keep its RDF, or add text JSON-LD drops.
fn rewrite(doc: &Value, kind: u8, at: usize) -> Value {
    let mut d = doc.clone();
    let subject = &mut d["credentialSubject"];
    match kind % 6 {
        0 => {
            if let Some(a) = subject["identifier"].as_array_mut() {
                a.reverse();
            }
        }
        1 => subject["id"] = json!(format!("_:b{at}")),
        2 => subject["identifier"][at % 2]["@index"] = json!(format!("i{at}")),
        3 => {
            if let Some(a) = d["credentialStatus"].as_array_mut() {
                a.rotate_left(at % 2);
            }
        }
        4 => subject["result"][0]["id"] = json!(format!("_:r{at}")),
        _ => {
            let ach = subject["achievement"].clone();
            subject["achievement"] = json!({"id": ach["id"]});
            d["@graph"] = json!([ach]);
        }
    }
    d
}

proptest! {
    // A failure is reported in the test's output, never written into the source tree.
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]
    #[test]
    fn every_accepted_rewrite_shows_what_is_signed(kinds in proptest::collection::vec((any::<u8>(), 0usize..4), 1..4)) {
        let (_d, doc, verifier) = rdfc_only();
        let mut d = doc;
        for (k, at) in kinds {
            d = rewrite(&d, k, at);
        }
        // Refused, or valid and shown exactly as signed (the assertion is inside).
        let _accepted = shown_as_signed(&d, &verifier);
    }
}
