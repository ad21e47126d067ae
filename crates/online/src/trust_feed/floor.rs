//! The newest trust list a feed accepted, kept on disk: a file `trust-floor-<hash>.json` of the
//! data dir per anchor (`{"key": …, "validFrom": …}`, 0600, replaced atomically), so that a
//! restart does not forget it. The floor only ever rises.

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
    pub fn read(&self) -> Result<Option<DateTime<Utc>>, String> {
        let shown = self.path.display();
        let bytes = match std::fs::metadata(&self.path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{shown}: {e}")),
            Ok(m) if m.len() > MAX_FLOOR_FILE => {
                return Err(format!("{shown}: larger than {MAX_FLOOR_FILE} bytes"))
            }
            Ok(_) => std::fs::read(&self.path).map_err(|e| format!("{shown}: {e}"))?,
        };
        let v: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{shown}: damaged ({e}); restore it or remove it knowingly"))?;
        if v["key"].as_str() != Some(self.key.as_str()) {
            return Err(format!("{shown}: the floor of another trust anchor"));
        }
        let t = v["validFrom"]
            .as_str()
            .ok_or_else(|| format!("{shown}: no validFrom"))?;
        skillcert::model::parse_time("validFrom", t)
            .map(Some)
            .map_err(|e| format!("{shown}: {e}"))
    }

    /// Raises the floor to `t` (never lowers it).
    pub fn raise(&self, t: DateTime<Utc>) -> Result<(), String> {
        if self.read()?.is_some_and(|f| f >= t) {
            return Ok(());
        }
        if let Some(dir) = self.path.parent() {
            skillcert::private_fs::create_dir_all(dir)
                .map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let v =
            serde_json::json!({"key": self.key, "validFrom": skillcert::model::format_time(&t)});
        skillcert::private_fs::write_atomic(&self.path, v.to_string().as_bytes())
            .map_err(|e| format!("{}: {e}", self.path.display()))
    }
}
