//! The secret that keys holder-ID hashes ([`IdKey`]): the issuer's (`keys/holder-id.secret` in
//! its data dir) and the register's (`keys/register-id.secret` in the portal's). With it, the
//! holder of the secret answers "is this ID number the one of certificate N?"; without it, a
//! stored keyed hash tells nothing, whatever the attacker knows about the holder.
//!
//! `mac = HMAC-SHA256(secret, "skillcert holder id v1" ‖ 0x00 ‖ credential UUID (16 bytes) ‖
//! normalised ID)`. The credential's UUID in the input keeps one person's certificates
//! unlinkable in a stolen table. The file holds 32 random bytes as 64 hex digits; mode 0600,
//! created with create-new, read only when owner-only; zeroized; `Debug` never shows it.

use super::KeyError;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use std::path::Path;
use uuid::Uuid;
use zeroize::Zeroizing;

/// Domain separation of the MAC input.
const DOMAIN: &[u8] = b"skillcert holder id v1\0";

/// A 256-bit secret that keys holder-ID hashes.
pub struct IdKey {
    secret: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for IdKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdKey(redacted)")
    }
}

impl IdKey {
    /// A fresh random secret.
    pub fn generate() -> IdKey {
        let mut secret = Zeroizing::new([0u8; 32]);
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut secret[..]);
        IdKey { secret }
    }

    /// A secret from fixed bytes (tests).
    pub fn from_bytes(bytes: [u8; 32]) -> IdKey {
        IdKey {
            secret: Zeroizing::new(bytes),
        }
    }

    /// The keyed hash of a normalised ID number for one certificate.
    pub fn mac(&self, credential: &Uuid, normalised_id: &str) -> [u8; 32] {
        // HMAC takes a key of any length: new_from_slice cannot fail.
        let Ok(mut m) = Hmac::<Sha256>::new_from_slice(&self.secret[..]) else {
            return [0; 32];
        };
        m.update(DOMAIN);
        m.update(credential.as_bytes());
        m.update(normalised_id.as_bytes());
        m.finalize().into_bytes().into()
    }

    /// The salt of a holder's copy of one certificate: 128 bits of HMAC-SHA256(secret,
    /// "skillcert holder copy salt v1" ‖ 0x00 ‖ credential UUID). Unpredictable without the
    /// secret, unique per certificate, and the same each time the copy is made again.
    pub fn copy_salt(&self, credential: &Uuid) -> [u8; 16] {
        let mut out = [0u8; 16];
        if let Ok(mut m) = Hmac::<Sha256>::new_from_slice(&self.secret[..]) {
            m.update(b"skillcert holder copy salt v1\0");
            m.update(credential.as_bytes());
            out.copy_from_slice(&m.finalize().into_bytes()[..16]);
        }
        out
    }

    /// [`mac`](Self::mac) as 64 lower-case hex digits (what the databases store).
    pub fn mac_hex(&self, credential: &Uuid, normalised_id: &str) -> String {
        hex::encode(self.mac(credential, normalised_id))
    }

    /// Whether `stored_hex` is the keyed hash of `normalised_id` (compared in constant time;
    /// anything malformed is "no").
    pub fn matches(&self, credential: &Uuid, normalised_id: &str, stored_hex: &str) -> bool {
        let mut stored = [0u8; 32];
        let ok = hex::decode_to_slice(stored_hex, &mut stored).is_ok();
        ok & super::ct_eq(&self.mac(credential, normalised_id), &stored)
    }

    /// Writes the secret to a new file (0600, create-new: never overwrites).
    pub fn write_new(&self, path: &Path) -> Result<(), KeyError> {
        super::write_secret_new(path, &Zeroizing::new(hex::encode(&self.secret[..])))
    }

    /// Reads the secret from an owner-only file.
    pub fn load(path: &Path) -> Result<IdKey, KeyError> {
        let text = super::read_secret(path)?;
        let mut secret = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text.trim(), &mut secret[..]).map_err(|_| KeyError::Io {
            path: path.display().to_string(),
            source: std::io::Error::other("expected 64 hex digits"),
        })?;
        Ok(IdKey { secret })
    }

    /// The secret in `path`, made (0600) when there is none yet. Two processes racing to make
    /// it both end with the one written first (create-new).
    pub fn load_or_create(path: &Path) -> Result<IdKey, KeyError> {
        if path.exists() {
            return IdKey::load(path);
        }
        if let Some(dir) = path.parent() {
            crate::private_fs::create_dir_all(dir).map_err(|source| KeyError::Io {
                path: dir.display().to_string(),
                source,
            })?;
        }
        match IdKey::generate().write_new(path) {
            Ok(()) | Err(KeyError::Exists(_)) => IdKey::load(path),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_is_keyed_and_per_certificate() {
        let (a, b) = (IdKey::from_bytes([1; 32]), IdKey::from_bytes([2; 32]));
        let (c1, c2) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let id = "330602199001011231";
        assert_ne!(a.mac(&c1, id), b.mac(&c1, id));
        assert_ne!(a.mac(&c1, id), a.mac(&c2, id));
        assert!(a.matches(&c1, id, &a.mac_hex(&c1, id)));
        assert!(!a.matches(&c1, "330602199001011248", &a.mac_hex(&c1, id)));
        assert!(!a.matches(&c1, id, "not hex"));
        assert_eq!(format!("{a:?}"), "IdKey(redacted)");
    }

    #[test]
    fn file_is_owner_only_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/holder-id.secret");
        let k = IdKey::load_or_create(&path).unwrap();
        let again = IdKey::load_or_create(&path).unwrap();
        let u = Uuid::from_u128(7);
        assert_eq!(k.mac(&u, "X"), again.mac(&u, "X"));
        assert!(matches!(
            IdKey::generate().write_new(&path),
            Err(KeyError::Exists(_))
        ));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(
                IdKey::load(&path),
                Err(KeyError::Permissions { .. })
            ));
        }
    }
}
