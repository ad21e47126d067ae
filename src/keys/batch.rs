//! Many Ed25519 signatures at once, with exactly the verdicts of [`verify_strict`].
//!
//! Batch verification checks one random linear combination of the signatures' equations,
//! `Σ zᵢ([sᵢ]B − Rᵢ − [hᵢ]Aᵢ) = 0` (ed25519-dalek's `verify_batch`, about half the cost of a
//! single verification per signature in large batches). It agrees with `verify_strict` only on
//! inputs where no small-order ("torsion") component can hide in that sum, so every signature
//! passes these pre-checks before it may join a batch; one that does not is checked alone with
//! [`verify_strict`], which then gives its verdict (accept or reject) exactly:
//!
//! - **S canonical** (`S < ℓ`): `verify_strict` rejects a non-canonical S; the batch would
//!   fail on it as a whole (and fall back), so it is kept out of the batch.
//! - **R a canonical encoding** of a curve point: `verify_strict` compares the recomputed R
//!   with the signature's R *bytes*, so a non-canonical encoding of the right point (y ≥ p, or
//!   the sign bit set for x = 0) is rejected there, while the batch decompresses the bytes and
//!   would accept it.
//! - **A a canonical encoding** (the same reason; both paths hash A's bytes as given).
//! - **R and A not of small order**: `verify_strict` rejects small-order R and A outright.
//! - **R and A torsion-free** (in the prime-order subgroup): `verify_strict` is cofactorless
//!   (`R == [s]B − [h]A` exactly), and a mixed-order R or A leaves a torsion point T in that
//!   signature's term. Single verification then rejects (T ≠ 0), but the batch sees `zᵢ·T`,
//!   which is zero whenever zᵢ is a multiple of T's order (2, 4 or 8): ed25519-dalek derives
//!   the zᵢ from the inputs, so the signer could search for inputs the batch accepts. With R
//!   and A torsion-free, every term lies in the prime-order group: a non-zero term cancels
//!   only with probability about 2⁻¹²⁸, so the batch accepts exactly when every signature
//!   would (speccheck cases 3 to 5 are the mixed-order cases).
//!
//! A batch that fails says only that one of its signatures is bad: each of them is then
//! checked alone with `verify_strict` to find which. A key's checks are made once per call
//! (a batch is mostly signed by few keys); R's torsion check is one variable-time scalar
//! multiplication per signature, the price of exact agreement.

use super::verify_strict;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use ed25519_dalek::{Signature, VerifyingKey};
use std::collections::HashMap;

/// Signatures per batch equation: past about 64 the gain per signature grows slowly, and a
/// failed batch costs every member a single verification.
pub const BATCH: usize = 64;

/// One signature to check: the key, the signed message and the 64-byte signature.
#[derive(Debug, Clone, Copy)]
pub struct SignatureCheck<'a> {
    /// The public key.
    pub key: &'a VerifyingKey,
    /// The signed bytes.
    pub message: &'a [u8],
    /// The signature (`R ‖ S`).
    pub signature: &'a [u8; 64],
}

/// Whether each signature verifies, in order: exactly [`verify_strict`]'s answers, computed
/// with batch verification where the pre-checks of this module allow it.
pub fn verify_many(checks: &[SignatureCheck<'_>]) -> Vec<bool> {
    let mut ok = vec![false; checks.len()];
    let mut key_ok: HashMap<[u8; 32], bool> = HashMap::new();
    let mut batch: Vec<usize> = Vec::with_capacity(BATCH);
    for (i, c) in checks.iter().enumerate() {
        let key_batchable = *key_ok
            .entry(c.key.to_bytes())
            .or_insert_with(|| point_batchable(c.key.as_bytes()));
        if key_batchable && signature_batchable(c.signature) {
            batch.push(i);
            if batch.len() == BATCH {
                run_batch(checks, &batch, &mut ok);
                batch.clear();
            }
        } else {
            ok[i] = verify_strict(c.key, c.message, c.signature);
        }
    }
    if !batch.is_empty() {
        run_batch(checks, &batch, &mut ok);
    }
    ok
}

/// Checks the signatures `idx` of `checks` as one batch, each alone when the batch fails.
fn run_batch(checks: &[SignatureCheck<'_>], idx: &[usize], ok: &mut [bool]) {
    let messages: Vec<&[u8]> = idx.iter().map(|&i| checks[i].message).collect();
    let signatures: Vec<Signature> = idx
        .iter()
        .map(|&i| Signature::from_bytes(checks[i].signature))
        .collect();
    let keys: Vec<VerifyingKey> = idx.iter().map(|&i| *checks[i].key).collect();
    if ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok() {
        for &i in idx {
            ok[i] = true;
        }
    } else {
        for &i in idx {
            let c = &checks[i];
            ok[i] = verify_strict(c.key, c.message, c.signature);
        }
    }
}

/// S canonical and R a batchable point (see the module comment).
fn signature_batchable(sig: &[u8; 64]) -> bool {
    let mut s = [0u8; 32];
    s.copy_from_slice(&sig[32..]);
    let mut r = [0u8; 32];
    r.copy_from_slice(&sig[..32]);
    bool::from(Scalar::from_canonical_bytes(s).is_some()) && point_batchable(&r)
}

/// A canonical encoding of a point that is neither of small order nor has a torsion part.
fn point_batchable(bytes: &[u8; 32]) -> bool {
    let Some(p) = CompressedEdwardsY(*bytes).decompress() else {
        return false;
    };
    p.compress().as_bytes() == bytes && !p.is_small_order() && torsion_free(&p)
}

/// `[ℓ]P == 0`, in variable time (the inputs are public): `[ℓ−1]P + P`, since a scalar is
/// always reduced below ℓ. Same answer as [`EdwardsPoint::is_torsion_free`], about a fifth
/// cheaper.
fn torsion_free(p: &EdwardsPoint) -> bool {
    let l_minus_one = -Scalar::ONE;
    (EdwardsPoint::vartime_double_scalar_mul_basepoint(&l_minus_one, p, &Scalar::ZERO) + p)
        .is_identity()
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};

    #[test]
    fn torsion_check_agrees_with_dalek() {
        let b = ED25519_BASEPOINT_POINT;
        for t in EIGHT_TORSION {
            for p in [b, b * Scalar::from(12345u64), EdwardsPoint::default()] {
                let q = p + t;
                assert_eq!(torsion_free(&q), q.is_torsion_free(), "{q:?}");
            }
        }
    }

    #[test]
    fn batch_finds_the_bad_signature() {
        use ed25519_dalek::{Signer, SigningKey};
        let sk = SigningKey::from_bytes(&[9; 32]);
        let pk = sk.verifying_key();
        let msgs: Vec<[u8; 8]> = (0..150u64).map(u64::to_be_bytes).collect();
        let mut sigs: Vec<[u8; 64]> = msgs.iter().map(|m| sk.sign(m).to_bytes()).collect();
        sigs[70][40] ^= 1;
        sigs[149][3] ^= 0x80;
        let checks: Vec<_> = msgs
            .iter()
            .zip(&sigs)
            .map(|(m, s)| SignatureCheck {
                key: &pk,
                message: m,
                signature: s,
            })
            .collect();
        let ok = verify_many(&checks);
        let bad: Vec<usize> = (0..ok.len()).filter(|&i| !ok[i]).collect();
        assert_eq!(bad, vec![70, 149]);
    }
}
