//! Raw Ed25519 rates on one core, for `scripts/bench-verify.sh`: `verify_strict` of a 64-byte
//! message one at a time, and `keys::verify_many` (batches, with the pre-checks that keep it
//! exactly `verify_strict`). Prints `verify_strict <per second>` and `verify_many <per second>`.

#![allow(
    clippy::unwrap_used,
    reason = "a benchmark tool: a failed unwrap is a failed run"
)]

use ed25519_dalek::{Signer, SigningKey};
use skillcert::keys::{self, SignatureCheck};
use std::time::{Duration, Instant};

fn rate(mut f: impl FnMut() -> usize) -> f64 {
    let start = Instant::now();
    let mut n = 0;
    while start.elapsed() < Duration::from_secs(2) {
        n += f();
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let sk = SigningKey::from_bytes(&[0x5c; 32]);
    let pk = sk.verifying_key();
    let msgs: Vec<[u8; 64]> = (0..256u32)
        .map(|i| {
            let mut m = [0xa5; 64];
            m[..4].copy_from_slice(&i.to_be_bytes());
            m
        })
        .collect();
    let sigs: Vec<[u8; 64]> = msgs.iter().map(|m| sk.sign(m).to_bytes()).collect();
    let single = rate(|| {
        for (m, s) in msgs.iter().zip(&sigs) {
            assert!(keys::verify_strict(&pk, m, s));
        }
        msgs.len()
    });
    let checks: Vec<SignatureCheck<'_>> = msgs
        .iter()
        .zip(&sigs)
        .map(|(m, s)| SignatureCheck {
            key: &pk,
            message: m,
            signature: s,
        })
        .collect();
    let many = rate(|| {
        assert!(keys::verify_many(&checks).iter().all(|b| *b));
        checks.len()
    });
    println!("verify_strict {single:.0}");
    println!("verify_many {many:.0}");
}
