//! Many Ed25519 signatures at once, with exactly the verdicts of [`verify_strict`].
//!
//! Batch verification checks one random linear combination of the signatures' equations,
//! `Σ zᵢ([sᵢ]B − Rᵢ − [hᵢ]Aᵢ) = 0`, in one multi-scalar multiplication (the terms of one key
//! merged). It agrees with `verify_strict` only on inputs where no small-order ("torsion")
//! component can hide in that sum, so every signature passes these pre-checks before it may
//! join a batch; one that does not is checked alone with [`verify_strict`], which then gives
//! its verdict (accept or reject) exactly:
//!
//! - **S canonical** (`S < ℓ`): `verify_strict` rejects a non-canonical S.
//! - **R a canonical encoding** of a curve point: `verify_strict` compares the recomputed R
//!   with the signature's R *bytes*, so a non-canonical encoding of the right point (y ≥ p, or
//!   the sign bit set for x = 0) is rejected there, while an equation over decompressed points
//!   would accept it.
//! - **A a canonical encoding** (the same reason; both paths hash A's bytes as given).
//! - **R and A not of small order**: `verify_strict` rejects small-order R and A outright.
//! - **R and A torsion-free** (in the prime-order subgroup): `verify_strict` is cofactorless
//!   (`R == [s]B − [h]A` exactly), and a mixed-order R or A leaves a torsion point T in that
//!   signature's term. Single verification then rejects (T ≠ 0), but the batch sees `zᵢ·T`,
//!   which is zero whenever zᵢ is a multiple of T's order (2, 4 or 8): one time in two to
//!   eight, and always for a signer who can predict or search the zᵢ (ed25519-dalek's
//!   `verify_batch` derives them from the inputs). With R and A torsion-free every term lies
//!   in the prime-order group, and a non-zero term cancels only with probability about
//!   2⁻¹²⁸, so the batch accepts exactly when every signature would. Speccheck cases 3 to 5
//!   are the mixed-order ones; without this check case 4 passes a batch.
//!
//! A batch that fails says only that one of its signatures is bad: each of them is then
//! checked alone with `verify_strict` to find which. A key's checks are made once per call.
//! R's torsion check is the point-halving test of Pornin (IACR eprint 2022/1164, crrl's
//! `is_in_subgroup`): about a fifth of a verification instead of the half that computing
//! `[ℓ]R` costs. It is the price of exact agreement: measured by `scripts/bench-verify.sh`,
//! batches run about 1.4× the single rate instead of the 2× of an unchecked batch.

use super::verify_strict;
use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use ed25519_dalek::VerifyingKey;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha512};
use std::collections::HashMap;

/// Most signatures in one batch equation (the CLI checks 64 lines at a time).
pub const BATCH: usize = 256;

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

/// A signature that passed the pre-checks: its index, R and S decoded.
struct Clean {
    index: usize,
    r: EdwardsPoint,
    s: Scalar,
}

/// Whether each signature verifies, in order: exactly [`verify_strict`]'s answers, computed
/// with batch verification where the pre-checks of this module allow it.
pub fn verify_many(checks: &[SignatureCheck<'_>]) -> Vec<bool> {
    let mut ok = vec![false; checks.len()];
    let mut keys: HashMap<[u8; 32], Option<EdwardsPoint>> = HashMap::new();
    let mut batch: Vec<Clean> = Vec::with_capacity(BATCH.min(checks.len()));
    for (index, c) in checks.iter().enumerate() {
        let key = *keys
            .entry(c.key.to_bytes())
            .or_insert_with(|| batchable_point(c.key.as_bytes()));
        match (key, batchable_signature(c.signature)) {
            (Some(_), Some((r, s))) => {
                batch.push(Clean { index, r, s });
                if batch.len() == BATCH {
                    run_batch(checks, &batch, &keys, &mut ok);
                    batch.clear();
                }
            }
            _ => ok[index] = verify_strict(c.key, c.message, c.signature),
        }
    }
    if !batch.is_empty() {
        run_batch(checks, &batch, &keys, &mut ok);
    }
    ok
}

/// Checks the signatures of `batch` with one equation, each alone when it fails:
/// `[Σ zᵢsᵢ]B − Σ [zᵢ]Rᵢ − Σ_keys [Σ zᵢhᵢ]A = 0` with zᵢ random 128-bit numbers from the
/// operating system, hᵢ = SHA-512(R ‖ A ‖ M) as in `verify_strict`; the terms of one key are
/// merged (a batch is mostly signed by few keys). Without randomness nothing is batched.
fn run_batch(
    checks: &[SignatureCheck<'_>],
    batch: &[Clean],
    keys: &HashMap<[u8; 32], Option<EdwardsPoint>>,
    ok: &mut [bool],
) {
    if batch_equation_holds(checks, batch, keys) {
        for clean in batch {
            ok[clean.index] = true;
        }
    } else {
        fall_back(checks, batch, ok);
    }
}

/// Whether the batch equation of `batch` holds (false without randomness: nothing batched).
fn batch_equation_holds(
    checks: &[SignatureCheck<'_>],
    batch: &[Clean],
    keys: &HashMap<[u8; 32], Option<EdwardsPoint>>,
) -> bool {
    let mut random = vec![0u8; 16 * batch.len()];
    OsRng.try_fill_bytes(&mut random).is_ok() && {
        let mut b_coefficient = Scalar::ZERO;
        let mut key_terms: Vec<([u8; 32], Scalar)> = Vec::new();
        let mut scalars = Vec::with_capacity(batch.len() + 2);
        let mut points = Vec::with_capacity(batch.len() + 2);
        for (clean, z) in batch.iter().zip(random.chunks_exact(16)) {
            let c = &checks[clean.index];
            let mut z16 = [0u8; 16];
            z16.copy_from_slice(z);
            let z = Scalar::from(u128::from_le_bytes(z16));
            let h = Scalar::from_hash(
                Sha512::new()
                    .chain_update(&c.signature[..32])
                    .chain_update(c.key.as_bytes())
                    .chain_update(c.message),
            );
            b_coefficient += z * clean.s;
            let key = c.key.to_bytes();
            match key_terms.iter_mut().find(|(k, _)| *k == key) {
                Some((_, sum)) => *sum += z * h,
                None => key_terms.push((key, z * h)),
            }
            scalars.push(z);
            points.push(clean.r);
        }
        scalars.push(-b_coefficient);
        points.push(ED25519_BASEPOINT_POINT);
        for (key, sum) in key_terms {
            // Every key in a batch passed the pre-checks, so it is in `keys`.
            let Some(Some(a)) = keys.get(&key) else {
                return false;
            };
            scalars.push(sum);
            points.push(*a);
        }
        EdwardsPoint::vartime_multiscalar_mul(scalars, points).is_identity()
    }
}

/// Each signature of `batch` checked alone.
fn fall_back(checks: &[SignatureCheck<'_>], batch: &[Clean], ok: &mut [bool]) {
    for clean in batch {
        let c = &checks[clean.index];
        ok[clean.index] = verify_strict(c.key, c.message, c.signature);
    }
}

/// R and S of a signature that may join a batch: S canonical, R a batchable point.
fn batchable_signature(sig: &[u8; 64]) -> Option<(EdwardsPoint, Scalar)> {
    let mut s = [0u8; 32];
    s.copy_from_slice(&sig[32..]);
    let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s))?;
    let mut r = [0u8; 32];
    r.copy_from_slice(&sig[..32]);
    Some((batchable_point(&r)?, s))
}

/// The point of a canonical encoding that is neither of small order nor has a torsion part.
fn batchable_point(bytes: &[u8; 32]) -> Option<EdwardsPoint> {
    if !y_canonical(bytes) {
        return None;
    }
    let p = CompressedEdwardsY(*bytes).decompress()?;
    (!p.is_small_order() && torsion_free(bytes, &p)).then_some(p)
}

/// Whether `y` (the encoding without its sign bit) is below p = 2^255 − 19. With the point
/// not of small order this makes the encoding canonical (the same bytes as `compress` would
/// give, without its field inversion): the other non-canonical form, the sign bit set for
/// x = 0, exists only for y = ±1, whose points (0, 1) and (0, −1) are of small order.
fn y_canonical(bytes: &[u8; 32]) -> bool {
    // y ≥ p only for 2^255 − 19 ..= 2^255 − 1: bytes ed..ff, then thirty ff, then 7f.
    !(bytes[31] & 0x7f == 0x7f && bytes[1..31].iter().all(|b| *b == 0xff) && bytes[0] >= 0xed)
}

/// Whether the point `p`, decoded from the canonical encoding `bytes`, lies in the subgroup
/// of order ℓ: the test of Pornin (<https://eprint.iacr.org/2022/1164>, as implemented in
/// `crrl`): on Curve25519 the group is cyclic of order 8ℓ, so a point is in the subgroup of
/// order ℓ exactly when it can be halved three times, which two square roots and one Legendre
/// symbol decide; about half the cost of computing `[ℓ]P`. The test
/// `subgroup_test_agrees_with_dalek` holds it to [`EdwardsPoint::is_torsion_free`] on points
/// with each of the eight torsion parts. Should `crrl` not decode bytes `dalek` decoded (both
/// follow RFC 8032; they cannot differ), the point is not batched: `verify_strict` decides.
fn torsion_free(bytes: &[u8; 32], p: &EdwardsPoint) -> bool {
    debug_assert_eq!(p.compress().as_bytes(), bytes);
    crrl::ed25519::Point::decode(bytes).is_some_and(|q| q.is_in_subgroup() != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};

    /// The checks of `sigs` over `msgs` (signature `i` by key `i % key_count`) and the batch
    /// of those that pass the pre-checks.
    fn checks_and_batch<'a>(
        msgs: &'a [Vec<u8>],
        sigs: &'a [[u8; 64]],
        publics: &'a [VerifyingKey],
        key_count: usize,
    ) -> (Vec<SignatureCheck<'a>>, Vec<Clean>) {
        let checks = msgs
            .iter()
            .zip(sigs)
            .enumerate()
            .map(|(i, (message, signature))| SignatureCheck {
                key: &publics[i % key_count],
                message,
                signature,
            })
            .collect();
        let batch = sigs
            .iter()
            .enumerate()
            .filter_map(|(index, s)| {
                let (r, s) = batchable_signature(s)?;
                Some(Clean { index, r, s })
            })
            .collect();
        (checks, batch)
    }

    /// Valid signatures pass the batch equation itself (not only the one-by-one fall-back,
    /// which gives the same answers more slowly), at every batch size (the multi-scalar
    /// multiplication changes method with the number of points), with one key and several.
    #[test]
    fn valid_batches_pass_the_equation() {
        use ed25519_dalek::{Signer, SigningKey};
        let signers: Vec<SigningKey> = (1..=3u8)
            .map(|i| SigningKey::from_bytes(&[i; 32]))
            .collect();
        let publics: Vec<VerifyingKey> = signers.iter().map(SigningKey::verifying_key).collect();
        let keys: HashMap<[u8; 32], Option<EdwardsPoint>> = publics
            .iter()
            .map(|k| (k.to_bytes(), batchable_point(k.as_bytes())))
            .collect();
        for n in [1usize, 2, 3, 16, 63, 64, 100, 189, 190, 191, 256] {
            for key_count in [1usize, 3] {
                let msgs: Vec<Vec<u8>> = (0..n)
                    .map(|i| {
                        format!("message {i} of {n}")
                            .repeat(i % 50 + 1)
                            .into_bytes()
                    })
                    .collect();
                let sigs: Vec<[u8; 64]> = msgs
                    .iter()
                    .enumerate()
                    .map(|(i, m)| signers[i % key_count].sign(m).to_bytes())
                    .collect();
                let (checks, batch) = checks_and_batch(&msgs, &sigs, &publics, key_count);
                assert_eq!(
                    batch.len(),
                    n,
                    "every valid signature passes the pre-checks"
                );
                assert!(
                    batch_equation_holds(&checks, &batch, &keys),
                    "{n} signatures, {key_count} keys"
                );
                let mut bad = sigs.clone();
                bad[n / 2][40] ^= 1;
                let (checks_bad, batch_bad) = checks_and_batch(&msgs, &bad, &publics, key_count);
                assert!(
                    !batch_equation_holds(&checks_bad, &batch_bad, &keys),
                    "{n} signatures, one bad"
                );
            }
        }
    }

    /// The subgroup test gives `is_torsion_free`'s answer on points of every order: a
    /// spread of points of the prime-order subgroup (the identity among them) plus each of
    /// the eight torsion points, each through its canonical encoding.
    #[test]
    fn subgroup_test_agrees_with_dalek() {
        let b = ED25519_BASEPOINT_POINT;
        let mut seen = [0usize; 2];
        let mut k = Scalar::from(0x5eed_u64);
        for i in 0..300u64 {
            k = k * Scalar::from(6364136223846793005u64) + Scalar::from(i);
            let p = if i == 0 {
                EdwardsPoint::default()
            } else {
                b * k
            };
            for t in EIGHT_TORSION {
                let q = p + t;
                let bytes = q.compress().to_bytes();
                let expected = q.is_torsion_free();
                assert_eq!(torsion_free(&bytes, &q), expected, "{bytes:?}");
                seen[usize::from(expected)] += 1;
            }
        }
        assert_eq!(
            seen,
            [300 * 7, 300],
            "one torsion part in eight is the identity"
        );
    }

    #[test]
    fn canonical_y_is_compress_of_decompress() {
        use curve25519_dalek::constants::ED25519_BASEPOINT_POINT as B;
        let mut cases: Vec<[u8; 32]> = (0..40u64)
            .map(|k| (B * Scalar::from(k + 1)).compress().to_bytes())
            .collect();
        for low in [0xeb, 0xec, 0xed, 0xee, 0xff] {
            let mut y = [0xff; 32];
            y[31] = 0x7f;
            y[0] = low;
            cases.push(y);
        }
        for c in cases {
            for sign in [0, 0x80] {
                let mut b = c;
                b[31] = (b[31] & 0x7f) | sign;
                if let Some(p) = CompressedEdwardsY(b).decompress() {
                    if !p.is_small_order() {
                        assert_eq!(y_canonical(&b), p.compress().to_bytes() == b, "{b:?}");
                    }
                }
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
