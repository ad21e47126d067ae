//! Finding 7, defence in depth: the issuer's database stores a receipt only when it acknowledges exactly
//! the items passed, and `verify_receipts` flags a receipt naming another issuer.

use super::*;
use skillcert::issuer::Issuer;
use skillcert::keys::SecretKey;
use skillcert::reporting::{sign_receipt, VerifiedBundle};
use skillcert::request::IssuanceRequest;
use skillcert::signer::KeySigner;

const PORTAL: &str = "https://portal.example.cn";

fn setup(n: usize) -> (tempfile::TempDir, Issuer, IssuerDb, Vec<Item>) {
    let dir = tempfile::tempdir().unwrap();
    let issuer = Issuer::init(dir.path(), "Test Centre", Some("https://v.example.cn")).unwrap();
    let reg = IssuerDb::open(dir.path()).unwrap();
    for i in 0..n {
        let (_, r) = IssuanceRequest::parse(
            format!(
                r#"{{"holder": {{"name": "Holder {i}"}}, "program": {{"name": "Welder", "code": "W-1"}},
                    "level": {{"framework": "cn-nvq", "value": "3"}}}}"#
            )
            .as_bytes(),
        )
        .unwrap();
        reg.issue(&issuer, &r).unwrap();
    }
    let items = reg.unreported(PORTAL, 100).unwrap();
    assert_eq!(items.len(), n);
    (dir, issuer, reg, items)
}

/// The portal's signed receipt naming `items` of a bundle from `issuer`.
fn receipt(issuer: &str, items: &[Item]) -> Value {
    let key = SecretKey::from_seed(&[5; 32]);
    let vm = skillcert::keys::did_key_vm(&key.public());
    let now = skillcert::model::now_secs();
    let b = VerifiedBundle {
        issuer: issuer.into(),
        key_id: format!("{issuer}#key-1"),
        created: now,
        items: items.to_vec(),
        digest: "ab".repeat(32),
    };
    sign_receipt(&KeySigner::new(&key, &vm), &b, now).unwrap()
}

#[test]
fn a_receipt_that_does_not_name_every_item_sent_is_not_stored() {
    let (_d, issuer, reg, items) = setup(3);
    let id = issuer.config().id.clone();
    for partial in [&items[..0], &items[..2]] {
        let e = reg
            .store_receipt(PORTAL, &receipt(&id, partial), &items)
            .unwrap_err();
        assert!(e.to_string().contains("receipt items"), "{e}");
    }
    // Naming one more than was sent.
    let e = reg
        .store_receipt(PORTAL, &receipt(&id, &items), &items[..2])
        .unwrap_err();
    assert!(e.to_string().contains("which was not sent"), "{e}");
    assert!(reg.acknowledged(PORTAL).unwrap().is_empty());
    assert_eq!(reg.portal_key(PORTAL).unwrap(), None, "nothing pinned");
    assert_eq!(reg.unreported(PORTAL, 100).unwrap().len(), 3);
    assert_eq!(
        reg.store_receipt(PORTAL, &receipt(&id, &items), &items)
            .unwrap(),
        3
    );
    assert!(reg.unreported(PORTAL, 100).unwrap().is_empty());
    let c = reg.verify_receipts(&id).unwrap();
    assert_eq!((c.receipts, c.items), (1, 3));
    assert!(c.problems.is_empty(), "{:?}", c.problems);
}

#[test]
fn verify_receipts_flags_a_receipt_naming_another_issuer() {
    let (_d, issuer, reg, items) = setup(1);
    reg.store_receipt(PORTAL, &receipt("did:web:somebody.else", &items), &items)
        .unwrap();
    let c = reg.verify_receipts(&issuer.config().id).unwrap();
    assert_eq!(c.problems.len(), 1, "{:?}", c.problems);
    assert!(
        c.problems[0].contains("names issuer did:web:somebody.else"),
        "{:?}",
        c.problems
    );
}
