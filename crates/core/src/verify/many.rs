//! Many credentials at once: [`Verifier::check_many`]. Every check but the signature runs per
//! credential exactly as in [`Verifier::check`]; the signatures those checks will ask about
//! are verified together beforehand with [`keys::verify_many`] (batch verification, with the
//! pre-checks that make its answers exactly `verify_strict`'s).

use super::{Report, Signatures, UnverifiedCredential, Verifier};
use crate::keys::{self, SignatureCheck};
use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;

/// One answer computed beforehand: the key, where the message lies (in the credential, which
/// stays borrowed and unchanged from the batch to the checks), the signature and the answer.
struct Known {
    key: [u8; 32],
    message: (usize, usize),
    signature: [u8; 64],
    ok: bool,
}

/// A credential's answers computed beforehand; a question not among them (none is expected)
/// is answered by [`keys::verify_strict`] there and then.
struct Precomputed(Vec<Known>);

impl Signatures for Precomputed {
    fn verifies(&self, key: &VerifyingKey, msg: &[u8], sig: &[u8; 64]) -> bool {
        let at = (msg.as_ptr() as usize, msg.len());
        self.0
            .iter()
            .find(|k| k.message == at && k.key == key.to_bytes() && k.signature == *sig)
            .map_or_else(|| keys::verify_strict(key, msg, sig), |k| k.ok)
    }
}

impl Verifier {
    /// Checks many credentials as of one moment and gives their reports, in order: the same
    /// reports [`check`](Self::check) gives one at a time, with the signatures verified in
    /// batches. The CLI's `verify --batch` goes through here.
    pub fn check_many(&self, creds: &[UnverifiedCredential]) -> Vec<Report> {
        let now = self.now();
        let wanted: Vec<(usize, VerifyingKey)> = creds
            .iter()
            .enumerate()
            .flat_map(|(i, u)| self.keys_to_try(u, now).into_iter().map(move |k| (i, k)))
            .collect();
        let mut checks = Vec::with_capacity(wanted.len());
        let mut owner = Vec::with_capacity(wanted.len());
        for (i, key) in &wanted {
            for (message, signature) in signed(&creds[*i]) {
                checks.push(SignatureCheck {
                    key,
                    message,
                    signature,
                });
                owner.push(*i);
            }
        }
        let answers = keys::verify_many(&checks);
        let mut known: Vec<Vec<Known>> = creds.iter().map(|_| Vec::new()).collect();
        for ((c, ok), i) in checks.iter().zip(answers).zip(owner) {
            known[i].push(Known {
                key: c.key.to_bytes(),
                message: (c.message.as_ptr() as usize, c.message.len()),
                signature: *c.signature,
                ok,
            });
        }
        creds
            .iter()
            .zip(known)
            .map(|(u, k)| self.run(u, now, &Precomputed(k)))
            .collect()
    }

    /// The keys [`check_key`](Self::check_key) will try the signature with: each distinct
    /// key the trust lists give for the credential's key id, or (untrusted) the key its
    /// `did:key` names.
    fn keys_to_try(&self, u: &UnverifiedCredential, now: DateTime<Utc>) -> Vec<VerifyingKey> {
        match self.trust.find(&u.issuer_id, &u.key_id, now) {
            Ok(found) => {
                let mut keys: Vec<VerifyingKey> = Vec::with_capacity(1);
                for f in found {
                    if !keys.contains(&f.found.public) {
                        keys.push(f.found.public);
                    }
                }
                keys
            }
            Err(_) => keys::parse_did_key(&u.key_id)
                .ok()
                .filter(|_| u.key_id.starts_with(&u.issuer_id))
                .into_iter()
                .collect(),
        }
    }
}

/// The (message, signature) pairs of a credential: every proof of a document's proof set, or
/// the one signature of the other forms.
fn signed(u: &UnverifiedCredential) -> Vec<(&[u8], &[u8; 64])> {
    if u.proofs.is_empty() {
        vec![(&u.message[..], &u.signature)]
    } else {
        u.proofs
            .iter()
            .map(|p| (&p.message[..], &p.signature))
            .collect()
    }
}
