//! Key rotation: a new signing key, the old one's signing life ended, its secret file
//! destroyed (or kept, on request).

use super::{io_err, now_secs, Issuer, IssuerError, KeyRecord};
use crate::keys::{self, SecretKey};
use chrono::Duration;
use std::path::{Path, PathBuf};

/// What `key rotate` does with the retired key's secret file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetiredSecret {
    /// Overwrite and remove it (the default): a stolen retired key could still sign
    /// certificates dated inside its old signing life.
    Destroy,
    /// Keep it (mode 0600), for an operator who must; the CLI warns.
    Keep,
}

/// The outcome of a key rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// The new active key's verification method id.
    pub active_key: String,
    /// The retired key's verification method id.
    pub retired_key: String,
    /// The retired key's secret file (gone when destroyed).
    pub retired_file: PathBuf,
    /// What was done with it.
    pub retired_secret: RetiredSecret,
}

/// Makes a kept secret key file owner-only (0600) again.
fn keep_owner_only(path: &Path) -> Result<(), IssuerError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(io_err(path))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

impl Issuer {
    /// Starts a new signing key and destroys the retired one's secret file (see
    /// [`Issuer::rotate`]); returns the new verification method id.
    pub fn rotate_key(&mut self) -> Result<String, IssuerError> {
        Ok(self.rotate(RetiredSecret::Destroy)?.active_key)
    }

    /// Starts a new signing key; the old one's signing life ends now (what it signed stays
    /// valid: its public half stays in `config.json`). The retired secret file is destroyed
    /// unless `retired` is [`RetiredSecret::Keep`]; it is destroyed only after the new config
    /// is saved, so a crash never leaves the config without its active key. Only `did:web`
    /// issuers can rotate: a `did:key` issuer *is* its key.
    pub fn rotate(&mut self, retired: RetiredSecret) -> Result<Rotation, IssuerError> {
        if !self.config.id.starts_with("did:web:") {
            return Err(IssuerError::NotRotatable);
        }
        let now = now_secs();
        let n = self.config.keys.len() + 1;
        let key = SecretKey::generate();
        let file = format!("keys/key-{n}.secret");
        key.write_new(&self.dir.join(&file))?;
        let vm = format!("{}#key-{n}", self.config.id);
        let retired_key = self.config.active_key.clone();
        let mut retired_file = None;
        for k in &mut self.config.keys {
            if k.id == retired_key {
                // Proof times are whole seconds: a certificate signed in this very second, just
                // before the rotation, must stay inside the old key's signing life.
                k.valid_until = Some(now + Duration::seconds(1));
                retired_file = Some(self.dir.join(&k.file));
            }
        }
        self.config.keys.push(KeyRecord {
            id: vm.clone(),
            file,
            public_key_multibase: keys::public_multibase(&key.public()),
            valid_from: now,
            valid_until: None,
            compromised_from: None,
        });
        self.config.active_key = vm.clone();
        self.key = key;
        self.save_config()?;
        let retired_file = retired_file.expect("the active key is among the keys");
        match retired {
            RetiredSecret::Destroy if retired_file.exists() => {
                keys::destroy_key_file(&retired_file).map_err(|source| {
                    IssuerError::RetiredKeyNotDestroyed {
                        active_key: vm.clone(),
                        path: retired_file.display().to_string(),
                        source,
                    }
                })?
            }
            RetiredSecret::Destroy => {}
            RetiredSecret::Keep => keep_owner_only(&retired_file)?,
        }
        Ok(Rotation {
            active_key: vm,
            retired_key,
            retired_file,
            retired_secret: retired,
        })
    }
}
