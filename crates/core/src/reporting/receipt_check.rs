//! The issuer's check of a portal's receipt against the bundle it has just sent, before the
//! receipt is stored and its items count as acknowledged: the portal's signature (pinned to the
//! portal's key once one is known), the bundle's digest, the issuer, a time close to the
//! issuer's clock, and items that acknowledge exactly what was sent (keys and digests). A
//! receipt that fails any of these is not evidence of anything and is never stored.

use super::{verify_receipt, Item, Receipt, ReceiptItem, ReportError};
use crate::jcs;
use crate::model::format_time;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// How far a receipt's `received` time may be from the issuer's clock, either way, in seconds
/// (10 minutes): room for two clocks a little apart and a slow round trip, not for a receipt
/// kept from another day.
pub const RECEIPT_TIME_WINDOW_SECS: i64 = 600;

/// Why a receipt does not acknowledge the bundle just sent (the message names the member).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiptMismatch {
    /// Its shape or its signature (see [`verify_receipt`]).
    #[error("{0}")]
    Unverified(ReportError),
    /// `bundle` is not the digest of the bundle sent.
    #[error("receipt bundle: names bundle {got}, but the bundle sent has digest {sent}")]
    Bundle {
        /// What the receipt names.
        got: String,
        /// The digest of the bundle sent.
        sent: String,
    },
    /// `issuer` is not this issuer.
    #[error("receipt issuer: names {got}, but the bundle was sent by {sent}")]
    Issuer {
        /// What the receipt names.
        got: String,
        /// This issuer's id.
        sent: String,
    },
    /// `received` is too far from now.
    #[error(
        "receipt received: {got} is more than {RECEIPT_TIME_WINDOW_SECS} s away from this \
         machine's time {now}"
    )]
    Time {
        /// The receipt's time.
        got: String,
        /// The issuer's time.
        now: String,
    },
    /// `items` acknowledges nothing.
    #[error("receipt items: acknowledges none of the {sent} item(s) sent")]
    Empty {
        /// How many items were sent.
        sent: usize,
    },
    /// An item sent is not acknowledged.
    #[error("receipt items: acknowledges {acked} of the {sent} item(s) sent; {item} is missing")]
    Missing {
        /// The first missing item's key.
        item: String,
        /// How many items the receipt names.
        acked: usize,
        /// How many were sent.
        sent: usize,
    },
    /// An item not sent is acknowledged.
    #[error("receipt items: acknowledges {item}, which was not sent")]
    Extra {
        /// The item's key.
        item: String,
    },
    /// An item is acknowledged twice.
    #[error("receipt items: acknowledges {item} more than once")]
    Duplicate {
        /// The item's key.
        item: String,
    },
    /// An item is acknowledged with another digest than the one sent.
    #[error(
        "receipt items: acknowledges {item} with digest {got}, but its digest as sent is {sent}"
    )]
    Digest {
        /// The item's key.
        item: String,
        /// The digest the receipt names.
        got: String,
        /// The digest sent.
        sent: String,
    },
}

/// What the issuer has just sent, for checking the receipt that answers it.
#[derive(Debug, Clone, Copy)]
pub struct SentBundle<'a> {
    /// Hex SHA-256 of the bundle's JCS form, proof included ([`bundle_digest`]).
    pub digest: &'a str,
    /// The issuer's id, as the bundle names it.
    pub issuer: &'a str,
    /// The bundle's items.
    pub items: &'a [Item],
}

/// Hex SHA-256 of a signed bundle's JCS form: the digest a portal's receipt names it by.
pub fn bundle_digest(bundle: &Value) -> Result<String, ReportError> {
    let bytes =
        jcs::canonicalize(bundle).map_err(|e| ReportError::Malformed(format!("bundle: {e}")))?;
    Ok(hex::encode(Sha256::digest(bytes)))
}

/// Checks `receipt` against the bundle `sent` at `now` (see the module documentation).
/// `pinned`: the portal's key (its DID) once a receipt has pinned it.
pub fn check_receipt(
    receipt: &Value,
    pinned: Option<&str>,
    sent: &SentBundle<'_>,
    now: DateTime<Utc>,
) -> Result<Receipt, ReceiptMismatch> {
    let r = verify_receipt(receipt, pinned).map_err(ReceiptMismatch::Unverified)?;
    if r.bundle != sent.digest {
        return Err(ReceiptMismatch::Bundle {
            got: r.bundle,
            sent: sent.digest.to_owned(),
        });
    }
    if r.issuer != sent.issuer {
        return Err(ReceiptMismatch::Issuer {
            got: r.issuer,
            sent: sent.issuer.to_owned(),
        });
    }
    if (r.received - now).num_seconds().abs() > RECEIPT_TIME_WINDOW_SECS {
        return Err(ReceiptMismatch::Time {
            got: format_time(&r.received),
            now: format_time(&now),
        });
    }
    check_receipt_items(&r.items, sent.items)?;
    Ok(r)
}

/// Checks that `acked` (a receipt's items) names every item of `sent` once, with the digest
/// sent, and nothing else.
pub fn check_receipt_items(acked: &[ReceiptItem], sent: &[Item]) -> Result<(), ReceiptMismatch> {
    if acked.is_empty() {
        return Err(ReceiptMismatch::Empty { sent: sent.len() });
    }
    let mut want: HashMap<String, String> = sent.iter().map(|i| (i.key(), i.digest())).collect();
    let mut seen = std::collections::HashSet::new();
    for it in acked {
        if !seen.insert(it.item.as_str()) {
            return Err(ReceiptMismatch::Duplicate {
                item: it.item.clone(),
            });
        }
        match want.remove(&it.item) {
            Some(d) if d == it.digest => {}
            Some(d) => {
                return Err(ReceiptMismatch::Digest {
                    item: it.item.clone(),
                    got: it.digest.clone(),
                    sent: d,
                })
            }
            None => {
                return Err(ReceiptMismatch::Extra {
                    item: it.item.clone(),
                })
            }
        }
    }
    // The first item sent that the receipt leaves out, in the order sent.
    match sent.iter().map(Item::key).find(|k| want.contains_key(k)) {
        Some(item) => Err(ReceiptMismatch::Missing {
            item,
            acked: acked.len(),
            sent: sent.len(),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests;
