//! The first answer to each admin `Idempotency-Key` (table `idempotency_keys`).
//!
//! A key is reserved, with the SHA-256 of the request it came with, before anything is issued
//! for it; the certificates issued for it carry row keys derived from it (so a retry after a
//! crash finds them instead of issuing them again); the answer (status and body) is stored when
//! the last one is signed, before it is sent. Keys are kept like events: never reused.

use super::sql::{args, Sql};
use super::{IssuerDb, IssuerDbError};
use skillcert::model::format_time;

/// What the issuer's database holds for an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyState {
    /// Not seen before; reserved now for this request.
    Reserved,
    /// Reserved earlier for the same request, not answered yet: a request still in flight, or
    /// one cut off (crash, kill) after the reservation.
    Unanswered,
    /// Answered: the stored status and body.
    Answered {
        /// HTTP status of the first answer.
        status: u16,
        /// Its body.
        body: String,
    },
    /// Used before with a different request.
    Mismatch,
}

fn state_of(
    conn: &mut dyn Sql,
    key: &str,
    request_sha256: &str,
) -> Result<Option<KeyState>, IssuerDbError> {
    let row: Option<(String, Option<u16>, Option<String>)> = conn
        .query_opt(
            "SELECT request_sha256, status, response FROM idempotency_keys WHERE key = ?1",
            args![key],
        )?
        .map(|r| Ok::<_, IssuerDbError>((r.get(0)?, r.get(1)?, r.get(2)?)))
        .transpose()?;
    Ok(row.map(|(hash, status, body)| match (status, body) {
        _ if hash != request_sha256 => KeyState::Mismatch,
        (Some(status), Some(body)) => KeyState::Answered { status, body },
        _ => KeyState::Unanswered,
    }))
}

impl IssuerDb {
    /// What is held for `key` (`None`: never seen), compared with the request's SHA-256.
    pub fn idempotency_lookup(
        &self,
        key: &str,
        request_sha256: &str,
    ) -> Result<Option<KeyState>, IssuerDbError> {
        state_of(&mut self.lock()?, key, request_sha256)
    }

    /// Reserves `key` for the request with this SHA-256, unless it is known: then says what
    /// is held for it (never [`KeyState::Reserved`] in that case).
    pub fn idempotency_reserve(
        &self,
        key: &str,
        request_sha256: &str,
    ) -> Result<KeyState, IssuerDbError> {
        let mut conn = self.lock()?;
        let mut tx = conn.write()?;
        if let Some(known) = state_of(&mut tx, key, request_sha256)? {
            return Ok(known);
        }
        tx.execute(
            "INSERT INTO idempotency_keys (key, request_sha256, created_at) VALUES (?1, ?2, ?3)",
            args![
                key,
                request_sha256,
                &format_time(&skillcert::issuer::now_secs())
            ],
        )?;
        tx.commit()?;
        Ok(KeyState::Reserved)
    }

    /// Stores the answer to the request that reserved `key`. The first answer stays: storing
    /// a second one is refused.
    pub fn idempotency_answer(
        &self,
        key: &str,
        status: u16,
        body: &str,
    ) -> Result<(), IssuerDbError> {
        let mut conn = self.lock()?;
        let mut tx = conn.write()?;
        let n = tx.execute(
            "UPDATE idempotency_keys SET status = ?2, response = ?3, answered_at = ?4
             WHERE key = ?1 AND status IS NULL",
            args![
                key,
                status,
                body,
                &format_time(&skillcert::issuer::now_secs())
            ],
        )?;
        tx.commit()?;
        if n == 1 {
            Ok(())
        } else {
            Err(IssuerDbError::Invalid(
                "idempotency key: not reserved, or already answered".into(),
            ))
        }
    }
}
