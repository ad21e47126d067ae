//! [`StatusSource`] implementations of the core.
//!
//! - [`FileStatusSource`]: status list credentials given as files (`verify --status FILE`).
//! - `HttpStatusSource` (with the `http` feature, in `super::http`, re-exported here): fetches
//!   `statusListCredential` URLs with an HTTP cache (`super::http_cache`).
//!
//! The issuer's own database answers too (`issuer_db::IssuerDbStatusSource`, with the
//! `registry` feature); the CLI combines them.
//!
//! Every list is checked by [`CheckedList::status`]: signed by a trusted key of the
//! certificate's issuer, matching URL and purpose.

use super::credential::{CheckedList, StatusListCredential, MAX_LIST_CREDENTIAL};
use super::StatusError;
use crate::model::StatusRef;
use crate::trust::TrustList;
use crate::verify::{StatusBit, StatusLookupError, StatusSource};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::path::PathBuf;

/// Status list credentials from files, keyed by their `id`.
#[derive(Debug, Default)]
pub struct FileStatusSource {
    lists: HashMap<String, CheckedList>,
}

impl FileStatusSource {
    /// Reads every file (each a status list credential, at most 2 MiB) and checks its proof
    /// against `trust`. A file that cannot be read or parsed is an error naming it; a list
    /// that is merely untrusted or badly signed is kept, and lookups in it report why.
    pub fn load(trust: &TrustList, paths: &[PathBuf]) -> Result<Self, StatusError> {
        let mut lists = HashMap::new();
        for p in paths {
            let file_err = |message: String| StatusError::File {
                path: p.display().to_string(),
                message,
            };
            let meta = std::fs::metadata(p).map_err(|e| file_err(e.to_string()))?;
            if meta.len() > MAX_LIST_CREDENTIAL as u64 {
                return Err(file_err(format!(
                    "{} bytes, more than the limit of {MAX_LIST_CREDENTIAL}",
                    meta.len()
                )));
            }
            let bytes = std::fs::read(p).map_err(|e| file_err(e.to_string()))?;
            let list = StatusListCredential::parse(&bytes).map_err(|e| file_err(e.to_string()))?;
            lists.insert(
                list.id.clone(),
                CheckedList::new(list, trust, p.display().to_string()),
            );
        }
        Ok(FileStatusSource { lists })
    }

    /// Whether a file holds the list at `url`.
    pub fn has(&self, url: &str) -> bool {
        self.lists.contains_key(url)
    }
}

impl StatusSource for FileStatusSource {
    fn status(
        &self,
        entry: &StatusRef,
        issuer_id: &str,
        now: DateTime<Utc>,
    ) -> Result<StatusBit, StatusLookupError> {
        self.lists
            .get(&entry.list_url)
            .ok_or_else(|| {
                StatusLookupError::NoList(format!("no status list file for {}", entry.list_url))
            })?
            .status(entry, issuer_id, now)
    }
}
