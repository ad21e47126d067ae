//! Deterministic test vectors of the QR and token forms (`tests/vectors/`), made from a fixed
//! test key. `cargo run -p skillcert-cli --example gen_vectors` writes them; a test checks that regenerating
//! gives identical files. File names give the expected verdict: `valid_*`, or
//! `fail_<verdict>_*` (verified with `trust.json`, at [`VERIFY_AT`], every status bit 0).

use super::format::{budget, encode_body, signed_message, QrContent};
use super::{bytes_to_digits, sign_qr_text, url_prefix};
use crate::keys::{self, SecretKey};
use crate::model::reference::reference_claims;
use crate::model::{
    parse_time, Claims, Framework, Holder, IdBinding, IssuerProfile, Level, Program, StatusPurpose,
    StatusRef,
};
use crate::token::sign_token_with;
use crate::trust::{TrustList, TrustedIssuer, TrustedKey};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The instant the vectors are verified at.
pub const VERIFY_AT: &str = "2027-01-01T00:00:00Z";
/// The test key's seed is SHA-256 of this text (a published test key: never use it for real).
/// It signs the reference vectors.
pub const SEED_TEXT: &str = "skillcert test vector key 1";
/// Seed text of the `did:key` issuer's test key (a trust list lists one key under one issuer).
pub const DID_KEY_SEED_TEXT: &str = "skillcert test vector key 3 (did:key issuer)";
/// Seed text of the explicit-forms issuer's test key.
pub const EXPLICIT_SEED_TEXT: &str = "skillcert test vector key 4 (explicit-forms issuer)";
/// Public URL of the test issuer.
pub const PUBLIC_URL: &str = "https://verify.skills.example.cn";

fn t(s: &str) -> DateTime<Utc> {
    parse_time("t", s).expect("fixed time")
}

/// The fixed test key (seed = SHA-256 of `seed_text`).
pub fn test_key(seed_text: &str) -> SecretKey {
    SecretKey::from_seed(&Sha256::digest(seed_text.as_bytes()).into())
}

/// The reference certificate's issuer (`testdata/reference/reference-certificate.json`), the
/// issuer the reference vectors are signed for.
pub const REFERENCE_ISSUER: &str = "did:web:verify.skills.example.cn";

/// The reference certificate's claims, from its JSON (the caller reads the file).
fn reference(json: &[u8]) -> Claims {
    let claims = reference_claims(json).expect("the reference certificate");
    assert_eq!(
        claims.issuer.id, REFERENCE_ISSUER,
        "the reference certificate's issuer"
    );
    claims
}

fn minimal(key: &SecretKey) -> Claims {
    Claims {
        id: Uuid::from_u128(0x0000_0001_0000_4000_8000_0000_0000_0001),
        issuer: IssuerProfile {
            id: keys::did_key(&key.public()),
            name: "Demo Centre".into(),
            url: None,
        },
        holder: Holder {
            name: "Ana".into(),
            name_latin: None,
            id_binding: None,
        },
        program: Program {
            name: "PLC".into(),
            code: None,
        },
        level: Level {
            framework: Framework::Iiw,
            value: "IWS".into(),
        },
        valid_from: t("2026-01-01T00:00:00Z"),
        valid_until: None,
        status: vec![],
        number: None,
    }
}

fn explicit() -> Claims {
    let id = Uuid::from_u128(0x1234_5678_9abc_4def_8123_4567_89ab_cdef);
    Claims {
        id,
        issuer: IssuerProfile {
            id: "did:web:skills.example.org:centre".into(),
            name: "Centre de formation Zürich-Ost".into(),
            url: Some("http://Training.Example.ORG".into()),
        },
        holder: Holder {
            name: "Οδυσσέας Ελύτης".into(),
            name_latin: Some("Odysseas Elytis".into()),
            // The legacy form (salted with the credential's UUID), kept readable: this vector
            // shows that certificates issued before IDs left the public forms still verify.
            id_binding: Some(IdBinding::legacy("X1234567", &id)),
        },
        program: Program {
            name: "工业机器人操作与运维 Industrial Robot Operation".into(),
            code: Some("ROBOT_OPS.v2".into()),
        },
        level: Level {
            framework: Framework::OneX,
            value: "advanced".into(),
        },
        valid_from: t("2026-03-15T08:30:00Z"),
        valid_until: Some(t("2028-03-15T08:30:00Z")),
        status: vec![StatusRef {
            purpose: StatusPurpose::Suspension,
            list_url: "https://status.example.org/lists/7".into(),
            index: 5,
        }],
        number: Some("X1-ROBOT-2026-000005".into()),
    }
}

/// The trust list of the vectors: the test issuer (`did:web`, key-1), the `did:key` one and the
/// explicit-forms one, each with its own test key.
pub fn trust_list() -> TrustList {
    let key = test_key(SEED_TEXT);
    let did_key = test_key(DID_KEY_SEED_TEXT);
    let explicit_key = test_key(EXPLICIT_SEED_TEXT);
    let k = |id: String, key: &SecretKey| TrustedKey {
        id,
        key_type: "Multikey".into(),
        public_key_multibase: keys::public_multibase(&key.public()),
        valid_from: Some(t("2026-01-01T00:00:00Z")),
        valid_until: None,
        compromised_from: None,
        compromise_grace_days: None,
    };
    let mut tl = TrustList::empty();
    for (id, vm, name, key) in [
        (
            REFERENCE_ISSUER.to_owned(),
            format!("{REFERENCE_ISSUER}#key-1"),
            "Reference issuer",
            &key,
        ),
        (
            keys::did_key(&did_key.public()),
            keys::did_key_vm(&did_key.public()),
            "Demo Centre",
            &did_key,
        ),
        (
            explicit().issuer.id,
            format!("{}#primary", explicit().issuer.id),
            "Explicit-forms issuer",
            &explicit_key,
        ),
    ] {
        tl.issuers.push(TrustedIssuer {
            id,
            name: name.into(),
            keys: vec![k(vm, key)],
            ..TrustedIssuer::default()
        });
    }
    tl
}

fn qr_from_body(key: &SecretKey, body: &[u8], url: &str) -> String {
    let mut p = body.to_vec();
    p.extend_from_slice(&key.sign(&signed_message(body)));
    format!("{}{}", url_prefix(url), bytes_to_digits(&p))
}

fn describe(content: &QrContent, key: &SecretKey, verdict: &str) -> Vec<u8> {
    let body = encode_body(content).expect("encodable");
    let sig = key.sign(&signed_message(&body));
    let parts: Vec<Value> = budget(content)
        .expect("encodable")
        .into_iter()
        .map(|(p, n)| json!({"part": p, "bytes": n}))
        .collect();
    let v = json!({
        "verdict": verdict,
        "verify_at": VERIFY_AT,
        "key_id": content.key_id,
        "signed_at": crate::model::format_time(&content.signed_at),
        "public_key_hex": hex::encode(key.public().as_bytes()),
        "public_key_jwk_x": B64URL.encode(key.public().as_bytes()),
        "body_hex": hex::encode(&body),
        "signed_message_hex": hex::encode(signed_message(&body)),
        "signature_hex": hex::encode(sig),
        "budget": parts,
        "claims": content.claims.to_document(),
    });
    let mut s = serde_json::to_string_pretty(&v).expect("serializable");
    s.push('\n');
    s.into_bytes()
}

fn token_with_header(key: &SecretKey, header: &Value, payload: &Value) -> String {
    let input = format!(
        "{}.{}",
        B64URL.encode(serde_json::to_vec(header).expect("json")),
        B64URL.encode(serde_json::to_vec(payload).expect("json"))
    );
    format!("{input}.{}", B64URL.encode(key.sign(input.as_bytes())))
}

/// Every vector file: (name, contents), made from the reference certificate's JSON
/// (`testdata/reference/reference-certificate.json`).
pub fn generate(reference_json: &[u8]) -> Vec<(String, Vec<u8>)> {
    let key = test_key(SEED_TEXT);
    let other = test_key("skillcert test vector key 2 (untrusted)");
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let mut add = |name: &str, bytes: Vec<u8>| out.push((name.to_owned(), bytes));
    let line = |s: String| format!("{s}\n").into_bytes();

    let rc = reference(reference_json);
    let reference = QrContent {
        key_id: format!("{}#key-1", rc.issuer.id),
        signed_at: rc.valid_from,
        claims: rc.clone(),
    };
    let mk = |c: &Claims, kid: String| QrContent {
        key_id: kid,
        signed_at: c.valid_from,
        claims: c.clone(),
    };
    let did_key = test_key(DID_KEY_SEED_TEXT);
    let explicit_key = test_key(EXPLICIT_SEED_TEXT);
    let min = mk(&minimal(&did_key), keys::did_key_vm(&did_key.public()));
    let exp = mk(&explicit(), format!("{}#primary", explicit().issuer.id));
    for (name, c, url, signer) in [
        ("reference", &reference, PUBLIC_URL, &key),
        ("minimal_did_key", &min, "http://localhost:8080", &did_key),
        (
            "explicit_forms",
            &exp,
            "http://training.example.org",
            &explicit_key,
        ),
    ] {
        let text = sign_qr_text(signer, c, url).expect("encodable");
        add(&format!("valid_{name}_qr.txt"), line(text));
        add(&format!("valid_{name}.json"), describe(c, signer, "valid"));
        let token = sign_token_with(
            signer,
            &c.key_id,
            &c.claims,
            &c.claims.to_document(),
            c.signed_at,
        );
        add(&format!("valid_{name}_token.txt"), line(token));
    }
    let mut tl = trust_list().to_json_pretty();
    tl.push('\n');
    add("trust.json", tl.into_bytes());

    // QR failures.
    let body = encode_body(&reference).expect("encodable");
    let good = sign_qr_text(&key, &reference, PUBLIC_URL).expect("encodable");
    let (prefix, digits) = good.split_at(url_prefix(PUBLIC_URL).len());
    let mut payload = super::digits_to_bytes(digits).expect("ours");
    let last = payload.len() - 1;
    payload[last] ^= 0x01;
    add(
        "fail_bad_signature_qr_signature_bit.txt",
        line(format!("{prefix}{}", bytes_to_digits(&payload))),
    );
    let mut changed = reference.clone();
    changed.claims.holder.name = "王晓月".into();
    let mut p = encode_body(&changed).expect("encodable");
    p.extend_from_slice(&key.sign(&signed_message(&body)));
    add(
        "fail_bad_signature_qr_holder_changed.txt",
        line(format!("{prefix}{}", bytes_to_digits(&p))),
    );
    add(
        "fail_bad_signature_qr_other_key.txt",
        line(sign_qr_text(&other, &reference, PUBLIC_URL).expect("encodable")),
    );
    add(
        "fail_malformed_qr_truncated.txt",
        line(good[..good.len() - 1].to_owned()),
    );
    add(
        "fail_malformed_qr_letter_in_digits.txt",
        line(format!("{prefix}{}O{}", &digits[..40], &digits[41..])),
    );
    add(
        "fail_malformed_qr_chunk_overflow.txt",
        line(format!("{prefix}{}{}", "9".repeat(29), &digits[29..])),
    );
    let mut v2 = body.clone();
    v2[0] = 2;
    add(
        "fail_malformed_qr_unknown_version.txt",
        line(qr_from_body(&key, &v2, PUBLIC_URL)),
    );
    let mut trailing = body.clone();
    trailing.push(0);
    add(
        "fail_malformed_qr_trailing_byte.txt",
        line(qr_from_body(&key, &trailing, PUBLIC_URL)),
    );
    // Holder name written as plain UTF-8 where compact text is shorter: not canonical.
    let parts = budget(&reference).expect("encodable");
    let at: usize = parts
        .iter()
        .take_while(|(p, _)| *p != "holder name")
        .map(|(_, n)| n)
        .sum();
    let n = parts
        .iter()
        .find(|(p, _)| *p == "holder name")
        .expect("part")
        .1;
    let name = rc.holder.name.as_bytes();
    let mut nc = body[..at].to_vec();
    nc.push(name.len() as u8);
    nc.extend_from_slice(name);
    nc.extend_from_slice(&body[at + n..]);
    add(
        "fail_malformed_qr_not_canonical.txt",
        line(qr_from_body(&key, &nc, PUBLIC_URL)),
    );
    let mut evil = reference.clone();
    evil.claims.issuer.url = Some("https://verify.skills.example.net".into());
    evil.claims.issuer.id = "did:web:verify.skills.example.net".into();
    evil.claims.status.clear();
    evil.key_id = "did:web:verify.skills.example.net#key-1".into();
    add(
        "fail_untrusted_issuer_qr_unknown_issuer.txt",
        line(sign_qr_text(&other, &evil, "https://verify.skills.example.net").expect("ok")),
    );
    let mut old = reference.clone();
    old.claims.valid_from = t("2026-01-02T00:00:00Z");
    old.claims.valid_until = Some(t("2026-12-31T23:59:59Z"));
    old.signed_at = old.claims.valid_from;
    add(
        "fail_expired_qr.txt",
        line(sign_qr_text(&key, &old, PUBLIC_URL).expect("ok")),
    );
    let mut future = reference.clone();
    future.claims.valid_from = t("2030-01-01T00:00:00Z");
    future.claims.valid_until = None;
    // A national number's year is validFrom's year.
    future.claims.number = Some("S000133060200302000042".into());
    future.signed_at = t("2026-06-01T00:00:00Z");
    add(
        "fail_not_yet_valid_qr.txt",
        line(sign_qr_text(&key, &future, PUBLIC_URL).expect("ok")),
    );

    // Token failures.
    let doc = rc.to_document();
    let token = sign_token_with(&key, &reference.key_id, &rc, &doc, rc.valid_from);
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let header: Value =
        serde_json::from_slice(&B64URL.decode(&parts[0]).expect("b64")).expect("json");
    let mut payload: Value =
        serde_json::from_slice(&B64URL.decode(&parts[1]).expect("b64")).expect("json");
    let mut altered = payload.clone();
    altered["credentialSubject"]["identifier"][0]["identityHash"] = json!("王晓月");
    parts[1] = B64URL.encode(serde_json::to_vec(&altered).expect("json"));
    add(
        "fail_bad_signature_token_payload_changed.txt",
        line(parts.join(".")),
    );
    add(
        "fail_malformed_token_truncated.txt",
        line(token[..token.len() - 3].to_owned()),
    );
    let mut h = header.clone();
    h["typ"] = json!("JWT");
    add(
        "fail_malformed_token_typ_jwt.txt",
        line(token_with_header(&key, &h, &payload)),
    );
    let mut h = header.clone();
    h["alg"] = json!("none");
    add(
        "fail_malformed_token_alg_none.txt",
        line(token_with_header(&key, &h, &payload)),
    );
    let mut vc = payload.clone();
    vc["vc"] = json!({});
    add(
        "fail_malformed_token_vc_claim.txt",
        line(token_with_header(&key, &header, &vc)),
    );
    payload["exp"] = json!(payload["exp"].as_i64().expect("exp") + 86_400);
    add(
        "fail_malformed_token_exp_mismatch.txt",
        line(token_with_header(&key, &header, &payload)),
    );
    out.sort();
    out
}
