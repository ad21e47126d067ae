//! The Ed25519 edge cases of `testdata/vectors/ed25519-speccheck/cases.json` (small-order
//! and mixed-order keys and R, non-canonical S, R and A) on every path that verifies a
//! signature: `keys::verify_strict` (one at a time, the reference) and `keys::verify_many`
//! (batch verification, as `Verifier::check_many` and `verify --batch` use it), alone, inside
//! batches of valid signatures (many different batches, since the batch's random
//! coefficients are derived from its contents), and all mixed together. A batch path without
//! its pre-checks is shown to disagree, so this test would catch a missing one.

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde_json::Value;
use skillcert::keys::{self, SignatureCheck};

struct Case {
    key: Option<VerifyingKey>,
    message: Vec<u8>,
    signature: [u8; 64],
}

fn cases() -> Vec<Case> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/vectors/ed25519-speccheck/cases.json"
    );
    let v: Value = serde_json::from_slice(&crate::common::read_file(path)).unwrap();
    let hex = |c: &Value, k: &str| hex::decode(c[k].as_str().unwrap()).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| Case {
            key: VerifyingKey::from_bytes(&hex(c, "pub_key").try_into().unwrap()).ok(),
            message: hex(c, "message"),
            signature: hex(c, "signature").try_into().unwrap(),
        })
        .collect()
}

/// `verify_strict`'s answer: the reference (a key that does not decode is refused on every
/// path, before any signature check).
fn reference(c: &Case) -> bool {
    c.key
        .as_ref()
        .is_some_and(|k| keys::verify_strict(k, &c.message, &c.signature))
}

/// Signed messages: (message, signature).
type Signed = Vec<(Vec<u8>, [u8; 64])>;

/// Valid signatures to surround a case with; `variant` changes them, and so the batch.
fn fillers(variant: u32, n: usize) -> (VerifyingKey, Signed) {
    let sk = SigningKey::from_bytes(&[0x42; 32]);
    let sigs = (0..n)
        .map(|i| {
            let m = format!("filler {variant} {i}").into_bytes();
            let s = sk.sign(&m).to_bytes();
            (m, s)
        })
        .collect();
    (sk.verifying_key(), sigs)
}

/// `verify_many` over the fillers with `cases` inserted at `at`; the answers for the cases.
fn batched(variant: u32, cases: &[&Case], at: usize) -> Vec<bool> {
    let (fk, fill) = fillers(variant, 40);
    let mut checks: Vec<SignatureCheck<'_>> = fill
        .iter()
        .map(|(m, s)| SignatureCheck {
            key: &fk,
            message: m,
            signature: s,
        })
        .collect();
    let start = at.min(checks.len());
    for (j, c) in cases.iter().enumerate() {
        checks.insert(
            start + j,
            SignatureCheck {
                key: c.key.as_ref().unwrap(),
                message: &c.message,
                signature: &c.signature,
            },
        );
    }
    let ok = keys::verify_many(&checks);
    let (before, rest) = ok.split_at(start);
    let (mine, after) = rest.split_at(cases.len());
    assert!(
        before.iter().chain(after).all(|b| *b),
        "a valid signature beside the cases was refused"
    );
    mine.to_vec()
}

#[test]
fn batch_and_single_agree_with_verify_strict_on_every_case() {
    let all = cases();
    assert!(all.len() >= 10, "{} cases", all.len());
    let expected: Vec<bool> = all.iter().map(reference).collect();
    // The vectors exercise both answers.
    assert!(expected.iter().any(|b| *b) && expected.iter().any(|b| !*b));
    let usable: Vec<(usize, &Case)> = all
        .iter()
        .enumerate()
        .filter(|(_, c)| c.key.is_some())
        .collect();
    for &(i, c) in &usable {
        let alone = keys::verify_many(&[SignatureCheck {
            key: c.key.as_ref().unwrap(),
            message: &c.message,
            signature: &c.signature,
        }]);
        assert_eq!(alone, [expected[i]], "case {i} as a batch of one");
        for variant in 0..24 {
            let got = batched(variant, &[c], (variant as usize * 7) % 41);
            assert_eq!(got, [expected[i]], "case {i} in batch variant {variant}");
        }
    }
    // All of them in one batch, in several orders, among valid signatures.
    let refs: Vec<&Case> = usable.iter().map(|(_, c)| *c).collect();
    let want: Vec<bool> = usable.iter().map(|(i, _)| expected[*i]).collect();
    for variant in 0..8 {
        let mut order: Vec<usize> = (0..refs.len()).collect();
        order.rotate_left(variant as usize % refs.len());
        let cases: Vec<&Case> = order.iter().map(|&k| refs[k]).collect();
        let got = batched(100 + variant, &cases, 13);
        let want: Vec<bool> = order.iter().map(|&k| want[k]).collect();
        assert_eq!(got, want, "mixed batch, variant {variant}");
    }
}

/// Without the pre-checks, ed25519-dalek's batch verification accepts a case that
/// `verify_strict` refuses (in some batch): the agreement above is the pre-checks' doing.
#[test]
fn unchecked_batch_verification_would_disagree() {
    let all = cases();
    let mut disagreements = 0;
    for c in all.iter().filter(|c| c.key.is_some() && !reference(c)) {
        let key = c.key.unwrap();
        for variant in 0..24 {
            let (fk, fill) = fillers(variant, 3);
            let mut msgs: Vec<&[u8]> = fill.iter().map(|(m, _)| &m[..]).collect();
            let mut sigs: Vec<ed25519_dalek::Signature> = fill
                .iter()
                .map(|(_, s)| ed25519_dalek::Signature::from_bytes(s))
                .collect();
            let mut ks = vec![fk; fill.len()];
            msgs.push(&c.message);
            sigs.push(ed25519_dalek::Signature::from_bytes(&c.signature));
            ks.push(key);
            if ed25519_dalek::verify_batch(&msgs, &sigs, &ks).is_ok() {
                disagreements += 1;
            }
        }
    }
    assert!(disagreements > 0, "raw batch verification never disagreed");
}
