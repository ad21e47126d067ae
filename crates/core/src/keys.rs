//! Ed25519 keys: secret issuer keys (zeroized, redacted, 0600 create-new files), Multikey and
//! `did:key` encodings, JWK form and RFC 7638 thumbprints.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use std::fmt;
use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

mod batch;
mod id_key;
pub use batch::{verify_many, SignatureCheck, BATCH};
pub use id_key::IdKey;

/// Multicodec prefix of an Ed25519 public key (`ed01`).
pub const ED25519_PUB_PREFIX: [u8; 2] = [0xed, 0x01];
/// Multicodec prefix of an Ed25519 secret seed (`8026`).
pub const ED25519_PRIV_PREFIX: [u8; 2] = [0x80, 0x26];

/// Errors about keys and key files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// A Multikey / multibase string could not be decoded.
    #[error("bad {what}: {why}")]
    Encoding {
        /// Which field.
        what: &'static str,
        /// Why.
        why: String,
    },
    /// The bytes are not a valid Ed25519 public key.
    #[error("not a valid Ed25519 public key")]
    InvalidPublicKey,
    /// The key file already exists (keys are never overwritten).
    #[error("key file {0} already exists; refusing to overwrite a key")]
    Exists(String),
    /// A key file is readable by group or others.
    #[error("key file {path} has mode {mode:o}; a secret key file must be 0600")]
    Permissions {
        /// The file.
        path: String,
        /// Its mode.
        mode: u32,
    },
    /// Reading or writing a key file failed.
    #[error("key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
}

/// Writes `text` and a newline to a new secret file: mode 0600, create-new (never overwrites:
/// [`KeyError::Exists`]), synced.
pub(crate) fn write_secret_new(path: &Path, text: &str) -> Result<(), KeyError> {
    let io = |source| KeyError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            KeyError::Exists(path.display().to_string())
        } else {
            io(e)
        }
    })?;
    f.write_all(text.as_bytes()).map_err(io)?;
    f.write_all(b"\n").map_err(io)?;
    f.sync_all().map_err(io)
}

/// The text of a secret file, refused unless owner-only ([`check_owner_only`]); zeroized.
pub(crate) fn read_secret(path: &Path) -> Result<Zeroizing<String>, KeyError> {
    check_owner_only(path)?;
    std::fs::read_to_string(path)
        .map(Zeroizing::new)
        .map_err(|source| KeyError::Io {
            path: path.display().to_string(),
            source,
        })
}

/// Equality of two byte strings in time that depends on their length only.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Refuses a secret file that others may read (mode & 0o077 != 0).
fn check_owner_only(path: &Path) -> Result<(), KeyError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).map_err(|source| KeyError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyError::Permissions {
                path: path.display().to_string(),
                mode,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// An issuer's secret signing key. Zeroized on drop; `Debug` never shows the secret.
pub struct SecretKey {
    inner: SigningKey,
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKey")
            .field("public", &public_multibase(&self.inner.verifying_key()))
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

impl SecretKey {
    /// A new key from the operating system's random number generator.
    pub fn generate() -> Self {
        SecretKey {
            inner: SigningKey::generate(&mut rand_core::OsRng),
        }
    }

    /// A key from a 32-byte seed (tests and vectors).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        SecretKey {
            inner: SigningKey::from_bytes(seed),
        }
    }

    /// Parses a `z`-base58btc Multikey secret (`8026` ‖ 32-byte seed).
    pub fn from_multibase(s: &str) -> Result<Self, KeyError> {
        let bytes = Zeroizing::new(decode_multibase_btc(s.trim(), "secretKeyMultibase")?);
        if bytes.len() != 34 || bytes[..2] != ED25519_PRIV_PREFIX {
            return Err(KeyError::Encoding {
                what: "secretKeyMultibase",
                why: "expected 8026 prefix and a 32-byte seed".into(),
            });
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        seed.copy_from_slice(&bytes[2..]);
        Ok(Self::from_seed(&seed))
    }

    /// The Multikey secret form. Handle with care: it is the secret.
    fn to_multibase(&self) -> Zeroizing<String> {
        let mut raw = Zeroizing::new(Vec::with_capacity(34));
        raw.extend_from_slice(&ED25519_PRIV_PREFIX);
        raw.extend_from_slice(self.inner.as_bytes());
        Zeroizing::new(format!("z{}", bs58::encode(&raw[..]).into_string()))
    }

    /// The public half.
    pub fn public(&self) -> VerifyingKey {
        self.inner.verifying_key()
    }

    /// Ed25519 signature of `msg`.
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        self.inner.sign(msg).to_bytes()
    }

    /// Writes the key to a new file with mode 0600. Never overwrites.
    pub fn write_new(&self, path: &Path) -> Result<(), KeyError> {
        write_secret_new(path, &self.to_multibase())
    }

    /// Loads a key file written by [`SecretKey::write_new`]; refuses files others can read.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        Self::from_multibase(&read_secret(path)?)
    }
}

/// Destroys a secret key file: overwrites its bytes with zeros, syncs, then removes it. On
/// copy-on-write or flash storage the old blocks may survive the overwrite; removing the file
/// is what the issuer's own tools can do, and the public half stays in `config.json`.
pub fn destroy_key_file(path: &Path) -> Result<(), KeyError> {
    let io = |source| KeyError::Io {
        path: path.display().to_string(),
        source,
    };
    let len = std::fs::metadata(path).map_err(io)?.len();
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(io)?;
    let zeros = vec![0u8; usize::try_from(len).unwrap_or(0).min(1 << 16)];
    f.write_all(&zeros).map_err(io)?;
    f.sync_all().map_err(io)?;
    drop(f);
    std::fs::remove_file(path).map_err(io)
}

/// Verifies an Ed25519 signature strictly (`verify_strict`: no small-order keys, canonical S).
pub fn verify_strict(key: &VerifyingKey, msg: &[u8], sig: &[u8]) -> bool {
    let Ok(sig) = <[u8; 64]>::try_from(sig) else {
        return false;
    };
    key.verify_strict(msg, &Signature::from_bytes(&sig)).is_ok()
}

fn decode_multibase_btc(s: &str, what: &'static str) -> Result<Vec<u8>, KeyError> {
    let rest = s.strip_prefix('z').ok_or_else(|| KeyError::Encoding {
        what,
        why: "multibase must start with 'z' (base58btc)".into(),
    })?;
    if rest.len() > 128 {
        return Err(KeyError::Encoding {
            what,
            why: "too long".into(),
        });
    }
    bs58::decode(rest)
        .into_vec()
        .map_err(|e| KeyError::Encoding {
            what,
            why: e.to_string(),
        })
}

/// `z` + base58btc(`ed01` ‖ key): the Multikey `publicKeyMultibase`.
pub fn public_multibase(key: &VerifyingKey) -> String {
    let mut raw = Vec::with_capacity(34);
    raw.extend_from_slice(&ED25519_PUB_PREFIX);
    raw.extend_from_slice(key.as_bytes());
    format!("z{}", bs58::encode(raw).into_string())
}

/// Parses a Multikey `publicKeyMultibase`.
pub fn parse_public_multibase(s: &str) -> Result<VerifyingKey, KeyError> {
    let raw = decode_multibase_btc(s, "publicKeyMultibase")?;
    if raw.len() != 34 || raw[..2] != ED25519_PUB_PREFIX {
        return Err(KeyError::Encoding {
            what: "publicKeyMultibase",
            why: "expected ed01 prefix and a 32-byte Ed25519 key".into(),
        });
    }
    let bytes: [u8; 32] = raw[2..].try_into().expect("length checked");
    VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::InvalidPublicKey)
}

/// Why a base URL gives no `did:web` (the message says why, without naming the field).
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error("{0}")]
pub struct BaseUrlError(pub String);

/// `did:web` for an `https://host[:port][/path]` base URL.
pub fn did_web_for(base_url: &str) -> Result<String, BaseUrlError> {
    let rest = base_url
        .strip_prefix("https://")
        .or_else(|| base_url.strip_prefix("http://"))
        .ok_or_else(|| BaseUrlError("must start with https://".into()))?;
    let rest = rest.trim_end_matches('/');
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:".contains(&b));
    let path_ok = path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._/".contains(&b));
    if !host_ok || !path_ok {
        return Err(BaseUrlError(format!(
            "{base_url:?} is not a plain https URL"
        )));
    }
    let mut did = format!("did:web:{}", host.to_ascii_lowercase().replace(':', "%3A"));
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        did.push(':');
        did.push_str(seg);
    }
    Ok(did)
}

/// The `did:key` of a public key.
pub fn did_key(key: &VerifyingKey) -> String {
    format!("did:key:{}", public_multibase(key))
}

/// The verification method id of a `did:key`: `did:key:z…#z…`.
pub fn did_key_vm(key: &VerifyingKey) -> String {
    let mb = public_multibase(key);
    format!("did:key:{mb}#{mb}")
}

/// The public key a `did:key` (or its verification method id) names.
pub fn parse_did_key(did: &str) -> Result<VerifyingKey, KeyError> {
    let rest = did
        .strip_prefix("did:key:")
        .ok_or_else(|| KeyError::Encoding {
            what: "did:key",
            why: "not a did:key".into(),
        })?;
    let (mb, frag) = match rest.split_once('#') {
        Some((a, b)) => (a, Some(b)),
        None => (rest, None),
    };
    if let Some(frag) = frag {
        if frag != mb {
            return Err(KeyError::Encoding {
                what: "did:key",
                why: "fragment does not match the key".into(),
            });
        }
    }
    parse_public_multibase(mb)
}

/// The public JWK (`kty` OKP, `crv` Ed25519) as a JSON object.
pub fn public_jwk(key: &VerifyingKey) -> serde_json::Value {
    serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": B64URL.encode(key.as_bytes())})
}

/// RFC 7638 JWK thumbprint (base64url SHA-256 of the required members in canonical order).
pub fn jwk_thumbprint(key: &VerifyingKey) -> String {
    let text = format!(
        r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
        B64URL.encode(key.as_bytes())
    );
    B64URL.encode(Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_web_forms() {
        assert_eq!(
            did_web_for("https://verify.skills.example.cn").unwrap(),
            "did:web:verify.skills.example.cn"
        );
        assert_eq!(
            did_web_for("https://localhost:8443/a/b/").unwrap(),
            "did:web:localhost%3A8443:a:b"
        );
        assert!(did_web_for("ftp://x").is_err());
        assert!(did_web_for("https://x y").is_err());
    }

    #[test]
    fn debug_is_redacted() {
        let k = SecretKey::from_seed(&[7; 32]);
        let d = format!("{k:?}");
        assert!(d.contains("REDACTED"));
        assert!(!d.contains(k.to_multibase().as_str()));
    }

    #[test]
    fn did_key_round_trip() {
        let k = SecretKey::from_seed(&[1; 32]).public();
        assert_eq!(parse_did_key(&did_key_vm(&k)).unwrap(), k);
        assert!(parse_did_key("did:key:zABC#zDEF").is_err());
    }

    #[test]
    fn destroyed_key_file_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k");
        SecretKey::generate().write_new(&p).unwrap();
        destroy_key_file(&p).unwrap();
        assert!(!p.exists());
        assert!(matches!(destroy_key_file(&p), Err(KeyError::Io { .. })));
    }

    #[test]
    fn key_file_is_0600_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k");
        let k = SecretKey::generate();
        k.write_new(&p).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        assert!(matches!(k.write_new(&p), Err(KeyError::Exists(_))));
        assert_eq!(SecretKey::load(&p).unwrap().public(), k.public());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(
                SecretKey::load(&p),
                Err(KeyError::Permissions { .. })
            ));
        }
    }
}
