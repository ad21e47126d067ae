//! Finding 7: a receipt is checked against the bundle just sent before it is stored.

use super::*;
use crate::keys::SecretKey;
use crate::reporting::{ReportedStatusChange, RECEIPT_TYPE};
use crate::signer::KeySigner;
use chrono::Duration;

const ISSUER: &str = "did:web:cnc.example.cn";

fn items() -> Vec<Item> {
    (1..=3)
        .map(|seq| {
            Item::Status(ReportedStatusChange {
                credential_id: format!("urn:uuid:00000000-0000-4000-8000-00000000000{seq}"),
                change: "revoke".into(),
                at: "2026-03-01T08:00:00Z".parse().unwrap(),
                seq,
            })
        })
        .collect()
}

fn acks(items: &[Item]) -> Vec<ReceiptItem> {
    items
        .iter()
        .map(|i| ReceiptItem {
            item: i.key(),
            digest: i.digest(),
        })
        .collect()
}

fn portal_key(seed: u8) -> SecretKey {
    SecretKey::from_seed(&[seed; 32])
}

fn portal_did(seed: u8) -> String {
    crate::keys::did_key(&portal_key(seed).public())
}

/// A receipt signed by portal key `seed`, as a lying or honest portal would write it.
fn receipt(
    seed: u8,
    issuer: &str,
    bundle: &str,
    received: DateTime<Utc>,
    items: Vec<ReceiptItem>,
) -> Value {
    let key = portal_key(seed);
    let vm = crate::keys::did_key_vm(&key.public());
    let r = Receipt {
        kind: RECEIPT_TYPE.into(),
        version: 1,
        portal: portal_did(seed),
        issuer: issuer.into(),
        bundle: bundle.into(),
        received,
        items,
        proof: None,
    };
    let v = serde_json::to_value(&r).unwrap();
    crate::proof::sign_as(&v, &KeySigner::new(&key, &vm), &received).unwrap()
}

fn digest() -> String {
    bundle_digest(&serde_json::json!({"type": "SkillcertReportBundle", "items": []})).unwrap()
}

fn now() -> DateTime<Utc> {
    "2026-03-01T09:00:00Z".parse().unwrap()
}

fn check(r: &Value, pinned: Option<&str>, sent: &[Item]) -> Result<Receipt, ReceiptMismatch> {
    let d = digest();
    let s = SentBundle {
        digest: &d,
        issuer: ISSUER,
        items: sent,
    };
    check_receipt(r, pinned, &s, now())
}

#[test]
fn an_honest_receipt_is_accepted_pinned_or_not() {
    let sent = items();
    let r = receipt(5, ISSUER, &digest(), now(), acks(&sent));
    let got = check(&r, None, &sent).unwrap();
    assert_eq!(got.items.len(), 3);
    assert!(check(&r, Some(&portal_did(5)), &sent).is_ok());
    // Order does not matter; a clock a few minutes apart does not either.
    let mut reversed = acks(&sent);
    reversed.reverse();
    let late = now() + Duration::seconds(RECEIPT_TIME_WINDOW_SECS - 1);
    assert!(check(&receipt(5, ISSUER, &digest(), late, reversed), None, &sent).is_ok());
}

#[test]
fn finding_7_the_lying_receipt_of_the_report_is_refused() {
    // The receipt reproduced: bundle 000…, another issuer, dated 1999, genuine items.
    let sent = items();
    let old: DateTime<Utc> = "1999-01-01T00:00:00Z".parse().unwrap();
    let r = receipt(
        5,
        "did:web:somebody.else",
        &"0".repeat(64),
        old,
        acks(&sent),
    );
    let e = check(&r, None, &sent).unwrap_err();
    assert!(matches!(e, ReceiptMismatch::Bundle { .. }), "{e}");
    assert!(e.to_string().contains(&"0".repeat(64)), "{e}");
}

#[test]
fn a_receipt_for_another_bundle_is_refused() {
    let sent = items();
    let r = receipt(5, ISSUER, &"ab".repeat(32), now(), acks(&sent));
    let e = check(&r, None, &sent).unwrap_err();
    assert_eq!(
        e,
        ReceiptMismatch::Bundle {
            got: "ab".repeat(32),
            sent: digest()
        }
    );
    assert!(e.to_string().starts_with("receipt bundle:"), "{e}");
}

#[test]
fn a_receipt_for_another_issuer_is_refused() {
    let sent = items();
    let r = receipt(5, "did:web:somebody.else", &digest(), now(), acks(&sent));
    let e = check(&r, None, &sent).unwrap_err();
    assert!(
        matches!(&e, ReceiptMismatch::Issuer { got, sent } if got == "did:web:somebody.else" && sent == ISSUER),
        "{e}"
    );
    assert!(e.to_string().contains("receipt issuer"), "{e}");
}

#[test]
fn a_receipt_dated_outside_the_window_is_refused() {
    let sent = items();
    for when in [
        "1999-01-01T00:00:00Z".parse().unwrap(),
        now() - Duration::seconds(RECEIPT_TIME_WINDOW_SECS + 1),
        now() + Duration::seconds(RECEIPT_TIME_WINDOW_SECS + 1),
    ] {
        let r = receipt(5, ISSUER, &digest(), when, acks(&sent));
        let e = check(&r, None, &sent).unwrap_err();
        assert!(matches!(e, ReceiptMismatch::Time { .. }), "{when}: {e}");
        assert!(e.to_string().contains("receipt received"), "{e}");
    }
}

#[test]
fn a_receipt_that_acknowledges_nothing_is_refused() {
    let sent = items();
    let r = receipt(5, ISSUER, &digest(), now(), Vec::new());
    let e = check(&r, None, &sent).unwrap_err();
    assert_eq!(e, ReceiptMismatch::Empty { sent: 3 });
    assert!(e.to_string().contains("none of the 3"), "{e}");
}

#[test]
fn a_receipt_missing_an_item_is_refused_naming_it() {
    let sent = items();
    let mut a = acks(&sent);
    a.remove(1);
    let e = check(&receipt(5, ISSUER, &digest(), now(), a), None, &sent).unwrap_err();
    assert_eq!(
        e,
        ReceiptMismatch::Missing {
            item: "status:2".into(),
            acked: 2,
            sent: 3
        }
    );
}

#[test]
fn a_receipt_with_an_extra_or_repeated_item_is_refused() {
    let sent = items();
    let mut a = acks(&sent);
    a.push(ReceiptItem {
        item: "status:99".into(),
        digest: "11".repeat(32),
    });
    let e = check(&receipt(5, ISSUER, &digest(), now(), a), None, &sent).unwrap_err();
    assert_eq!(
        e,
        ReceiptMismatch::Extra {
            item: "status:99".into()
        }
    );
    // The right count, but one item twice and another left out.
    let mut a = acks(&sent);
    a[2] = a[0].clone();
    let e = check(&receipt(5, ISSUER, &digest(), now(), a), None, &sent).unwrap_err();
    assert_eq!(
        e,
        ReceiptMismatch::Duplicate {
            item: "status:1".into()
        }
    );
}

#[test]
fn a_receipt_with_another_digest_is_refused() {
    let sent = items();
    let mut a = acks(&sent);
    a[0].digest = "22".repeat(32);
    let e = check(&receipt(5, ISSUER, &digest(), now(), a), None, &sent).unwrap_err();
    assert!(
        matches!(&e, ReceiptMismatch::Digest { item, got, .. } if item == "status:1" && *got == "22".repeat(32)),
        "{e}"
    );
}

#[test]
fn a_receipt_with_a_bad_signature_or_another_portal_key_is_refused() {
    let sent = items();
    let mut r = receipt(5, ISSUER, &digest(), now(), acks(&sent));
    r["received"] = "2026-03-01T09:01:00Z".into();
    let e = check(&r, None, &sent).unwrap_err();
    assert!(
        matches!(&e, ReceiptMismatch::Unverified(ReportError::Untrusted(m)) if m.contains("does not verify")),
        "{e}"
    );
    // Signed well, by a key other than the one pinned for this portal.
    let r = receipt(6, ISSUER, &digest(), now(), acks(&sent));
    let e = check(&r, Some(&portal_did(5)), &sent).unwrap_err();
    assert!(matches!(e, ReceiptMismatch::Unverified(_)), "{e}");
    // Not signed at all.
    let mut r = receipt(5, ISSUER, &digest(), now(), acks(&sent));
    r.as_object_mut().unwrap().remove("proof");
    assert!(matches!(
        check(&r, None, &sent),
        Err(ReceiptMismatch::Unverified(_))
    ));
}

#[test]
fn the_bundle_digest_is_the_one_a_portal_computes() {
    // The portal names a bundle by SHA-256 of the JCS form of what it parsed.
    let v = serde_json::json!({"b": 1, "a": [true, "x"]});
    let text = v.to_string();
    let parsed = crate::jcs::parse_strict(text.as_bytes(), 1 << 20).unwrap();
    let expected = hex::encode(Sha256::digest(crate::jcs::canonicalize(&parsed).unwrap()));
    assert_eq!(bundle_digest(&v).unwrap(), expected);
}
