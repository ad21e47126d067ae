//! Who signs: the [`Signer`] that proofs, tokens, QR payloads and status list credentials are
//! signed with, and the [`IssuerSigner`] that also knows the issuer it speaks for.
//!
//! The forms take these traits, not [`crate::issuer::Issuer`]: the issuer implements them, and
//! so can a key in a hardware module, a test key ([`KeySigner`]) or anything else that signs.

use crate::keys::SecretKey;
use ed25519_dalek::VerifyingKey;

/// An Ed25519 signing key with the verification method id that names it.
pub trait Signer {
    /// The verification method id (a DID URL such as `did:web:host#key-1`) put in proofs,
    /// token headers (`kid`) and QR payloads.
    fn verification_method(&self) -> &str;
    /// The Ed25519 signature of `msg`.
    fn sign(&self, msg: &[u8]) -> [u8; 64];
    /// The public half of the key.
    fn public_key(&self) -> VerifyingKey;
}

/// A [`Signer`] acting for an issuer: what QR texts, status list credentials and raw
/// credentials say about the issuer besides the signature.
pub trait IssuerSigner: Signer {
    /// The issuer id (DID).
    fn issuer_id(&self) -> &str;
    /// The URL the issuer's public site is reached at (QR texts point there; status lists
    /// live at `{public_url}/status/{n}`).
    fn public_url(&self) -> &str;
    /// Freshness limit of the issuer's status list credentials, seconds.
    fn status_ttl_secs(&self) -> u64;
}

/// A secret key with an explicit verification method id (test vectors, external tools).
#[derive(Debug, Clone, Copy)]
pub struct KeySigner<'a> {
    key: &'a SecretKey,
    verification_method: &'a str,
}

impl<'a> KeySigner<'a> {
    /// `key`, named `verification_method`.
    pub fn new(key: &'a SecretKey, verification_method: &'a str) -> Self {
        KeySigner {
            key,
            verification_method,
        }
    }
}

impl Signer for KeySigner<'_> {
    fn verification_method(&self) -> &str {
        self.verification_method
    }

    fn sign(&self, msg: &[u8]) -> [u8; 64] {
        self.key.sign(msg)
    }

    fn public_key(&self) -> VerifyingKey {
        self.key.public()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_signer_signs_as_its_key() {
        let key = SecretKey::from_seed(&[7; 32]);
        let s = KeySigner::new(&key, "did:example:1#k");
        assert_eq!(s.verification_method(), "did:example:1#k");
        assert_eq!(s.public_key(), key.public());
        assert!(crate::keys::verify_strict(
            &key.public(),
            b"m",
            &s.sign(b"m")
        ));
    }
}
