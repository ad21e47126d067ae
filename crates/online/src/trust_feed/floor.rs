//! The newest trust list a feed accepted, kept on disk: a file `trust-floor-<hash>.json` of the
//! data dir per anchor (`{"key": …, "validFrom": …}`, 0600, replaced atomically), so that a
//! restart does not forget it. The floor only ever rises.

use super::{file_error, TrustFeedError};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Largest floor file read.
const MAX_FLOOR_FILE: u64 = 4096;

/// One feed's floor file.
#[derive(Debug, Clone)]
pub struct Floor {
    path: PathBuf,
    key: String,
}

impl Floor {
    /// The floor of feed `key` (its anchor, or its location) in `dir`.
    pub fn new(dir: &Path, key: &str) -> Floor {
        let h = hex::encode(&Sha256::digest(key.as_bytes())[..8]);
        Floor {
            path: dir.join(format!("trust-floor-{h}.json")),
            key: key.to_owned(),
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The newest `validFrom` accepted (`None`: never any). A damaged file is an error: a feed
    /// that cannot tell what it accepted takes nothing (fail closed).
    pub fn read(&self) -> Result<Option<DateTime<Utc>>, TrustFeedError> {
        let path = || self.path.display().to_string();
        let bytes = match std::fs::metadata(&self.path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(file_error(&self.path, &e)),
            Ok(m) if m.len() > MAX_FLOOR_FILE => {
                return Err(TrustFeedError::FloorTooLarge {
                    path: path(),
                    max: MAX_FLOOR_FILE,
                })
            }
            Ok(_) => std::fs::read(&self.path).map_err(|e| file_error(&self.path, &e))?,
        };
        let v: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| TrustFeedError::FloorDamaged {
                path: path(),
                reason: e.to_string(),
            })?;
        if v["key"].as_str() != Some(self.key.as_str()) {
            return Err(TrustFeedError::FloorOfAnotherAnchor { path: path() });
        }
        let t = v["validFrom"]
            .as_str()
            .ok_or_else(|| TrustFeedError::FloorWithoutTime { path: path() })?;
        skillcert::model::parse_time("validFrom", t)
            .map(Some)
            .map_err(|source| TrustFeedError::FloorTime {
                path: path(),
                source,
            })
    }

    /// Raises the floor to `t` (never lowers it).
    pub fn raise(&self, t: DateTime<Utc>) -> Result<(), TrustFeedError> {
        if self.read()?.is_some_and(|f| f >= t) {
            return Ok(());
        }
        if let Some(dir) = self.path.parent() {
            skillcert::private_fs::create_dir_all(dir).map_err(|e| file_error(dir, &e))?;
        }
        let v =
            serde_json::json!({"key": self.key, "validFrom": skillcert::model::format_time(&t)});
        skillcert::private_fs::write_atomic(&self.path, v.to_string().as_bytes())
            .map_err(|e| file_error(&self.path, &e))
    }
}
