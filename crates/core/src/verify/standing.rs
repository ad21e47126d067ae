//! What the issuer says of a credential since it signed it: its own database (the `registry`
//! check) and its status lists (`status.revocation`, `status.suspension`).

use super::report::Checks;
use super::{CheckName, Outcome, Registered, UnverifiedCredential, Verdict, Verifier};
use crate::model::{Claims, StatusPurpose};
use chrono::{DateTime, Utc};

impl Verifier {
    /// The issuer's own database, when the status source holds it: a certificate of this
    /// issuer that the issuer's database never recorded was not issued here, whatever key signed it.
    ///
    /// Verdict: `untrusted_issuer`. The certificate claims to be from this issuer and may carry
    /// a good signature of one of its keys (a stolen or retired key, backdated), but the issuer
    /// itself does not vouch for it: "not from a trusted issuer" is what an employer must read.
    /// `bad_signature` would be false (the signature verifies) and `revoked` would claim a
    /// status change that never happened. A registry that cannot be read is `status_unknown`.
    pub(super) fn check_registry(&self, u: &UnverifiedCredential, c: &mut Checks) {
        let id = u
            .claims
            .as_ref()
            .map(Claims::id_urn)
            .or_else(|| u.summary.credential_id.clone());
        match self
            .status
            .registered(&u.issuer_id, id.as_deref(), u.claims.as_ref())
        {
            Registered::NoIssuerDb => {}
            Registered::Recorded => c.push(
                CheckName::Registry,
                Outcome::Pass,
                "recorded in the issuer's database".into(),
                None,
            ),
            Registered::NotRecorded(why) => {
                c.fail(CheckName::Registry, why, Verdict::UntrustedIssuer)
            }
            Registered::Unavailable(why) => {
                c.fail(CheckName::Registry, why, Verdict::StatusUnknown)
            }
        }
    }

    /// Revocation and suspension.
    pub(super) fn check_status(
        &self,
        u: &UnverifiedCredential,
        now: DateTime<Utc>,
        c: &mut Checks,
    ) {
        if u.status.is_empty() {
            c.push(
                CheckName::Status,
                Outcome::Skip,
                "the credential has no status entries".into(),
                None,
            );
        }
        for entry in &u.status {
            let name = CheckName::status_of(entry.purpose);
            let set_verdict = match entry.purpose {
                StatusPurpose::Revocation => Verdict::Revoked,
                StatusPurpose::Suspension => Verdict::Suspended,
            };
            match self.status.status(entry, &u.issuer_id, now) {
                Ok(bit) if bit.stale && !self.accept_stale => c.fail(
                    name,
                    format!("status list {} is past its freshness limit", bit.source),
                    Verdict::StatusUnknown,
                ),
                Ok(bit) => {
                    if bit.stale {
                        c.notes.push(format!(
                            "STALE STATUS ACCEPTED: the {} list from {} is past its freshness limit",
                            entry.purpose.as_str(),
                            bit.source
                        ));
                    }
                    let outcome = if bit.set {
                        Outcome::Fail
                    } else if bit.stale {
                        Outcome::Warn
                    } else {
                        Outcome::Pass
                    };
                    let reason = format!(
                        "{} bit {} of {} is {}{}",
                        entry.purpose.as_str(),
                        entry.index,
                        bit.source,
                        u8::from(bit.set),
                        if bit.stale {
                            " (stale list accepted)"
                        } else {
                            ""
                        }
                    );
                    if let (true, Some(change)) = (bit.set, bit.change) {
                        c.changes.push((set_verdict, change));
                    }
                    c.push(name, outcome, reason, bit.set.then_some(set_verdict));
                }
                Err(why) => c.fail(name, why.to_string(), Verdict::StatusUnknown),
            }
        }
    }
}
