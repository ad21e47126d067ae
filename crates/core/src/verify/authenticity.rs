//! Whether the credential is authentic and its issuer trusted for it: the `issuer`,
//! `signature`, `key_window` and (under a scheme, or when the entry carries one) `accreditation`
//! checks.

use super::report::Checks;
use super::{
    AccreditedBy, CheckName, Outcome, Signatures, UnverifiedCredential, Verdict, Verifier,
};
use crate::keys;
use crate::model::format_time;
use crate::trust::{FoundIn, ScopeFacts, Standing, Untrusted};
use chrono::{DateTime, Utc};

impl Verifier {
    /// Issuer, key, signature, the key's signing window and (under a scheme) the issuer's
    /// accreditation; whether all of them passed (the credential is authentic and its issuer
    /// trusted for it), and the accreditation it was trusted under.
    pub(super) fn check_key(
        &self,
        u: &UnverifiedCredential,
        now: DateTime<Utc>,
        sigs: &dyn Signatures,
        c: &mut Checks,
    ) -> (bool, Option<AccreditedBy>) {
        let candidates = match self.trust.find(&u.issuer_id, &u.key_id, now) {
            Ok(f) => {
                push_issuer(u, &f[0], c);
                f
            }
            Err(e) => {
                c.fail(CheckName::Issuer, e.to_string(), Verdict::UntrustedIssuer);
                check_own_key(u, sigs, c);
                return (false, None);
            }
        };
        let (good, failed) = verifying_entries(u, &candidates, sigs);
        if good.is_empty() {
            push_signature(u, failed, c);
            let all: Vec<_> = candidates.iter().collect();
            check_windows(u, now, &all, c);
            return (false, None);
        }
        push_signature(u, None, c);
        check_windows(u, now, &good, c)
    }
}

/// The passed `issuer` check, naming the list that trusts the issuer when it is not trusted
/// directly.
fn push_issuer(u: &UnverifiedCredential, first: &FoundIn<'_>, c: &mut Checks) {
    let name = &first.found.issuer.name;
    let reason = match first.source.standing() {
        Standing::Direct => format!("{} is trusted ({name})", u.issuer_id),
        _ => format!(
            "{} is trusted ({name}) under {}",
            u.issuer_id,
            first.source.describe()
        ),
    };
    c.push(CheckName::Issuer, Outcome::Pass, reason, None);
}

/// For an untrusted issuer: a `did:key` names its own key, so the signature can still be
/// checked; any other key id cannot be, and the `signature` check is skipped.
fn check_own_key(u: &UnverifiedCredential, sigs: &dyn Signatures, c: &mut Checks) {
    let own = keys::parse_did_key(&u.key_id)
        .ok()
        .filter(|_| u.key_id.starts_with(&u.issuer_id));
    match own.map(|k| failed_proofs(u, &k, sigs)) {
        Some(failed) => push_signature(u, failed, c),
        None => c.push(
            CheckName::Signature,
            Outcome::Skip,
            "no trusted key to check the signature with".into(),
            None,
        ),
    }
}

/// The entries whose key verifies the signature, and the first failure of the others: lists
/// may disagree on a key id's public key, and only entries whose key verifies count. Each
/// distinct key is checked once.
fn verifying_entries<'c, 'a>(
    u: &UnverifiedCredential,
    candidates: &'c [FoundIn<'a>],
    sigs: &dyn Signatures,
) -> (Vec<&'c FoundIn<'a>>, Option<String>) {
    let mut failed = None;
    let mut good: Vec<&FoundIn<'_>> = Vec::with_capacity(candidates.len());
    for f in candidates {
        if good.iter().any(|g| g.found.public == f.found.public) {
            good.push(f);
            continue;
        }
        match failed_proofs(u, &f.found.public, sigs) {
            None => good.push(f),
            Some(bad) => failed = failed.or(Some(bad)),
        }
    }
    (good, failed)
}

/// The key's signing window and the issuer's accreditation, for the entries whose key
/// verified the signature: the first entry that passes both decides; when none does, the
/// first entry's failures are reported.
fn check_windows(
    u: &UnverifiedCredential,
    now: DateTime<Utc>,
    good: &[&FoundIn<'_>],
    c: &mut Checks,
) -> (bool, Option<AccreditedBy>) {
    let facts = scope_facts(u, good);
    let judged: Vec<_> = good
        .iter()
        .map(|f| {
            let window = f.found.check_window(&u.signing_time, now);
            let issuer = f.found.issuer;
            let accreditation = issuer.check_accreditation(&facts, &u.signing_time, now);
            (f, window, accreditation)
        })
        .collect();
    let (f, window, accreditation) = judged
        .iter()
        .find(|(_, w, a)| w.is_ok() && a.is_ok())
        .unwrap_or(&judged[0]);
    match window {
        Ok(()) => c.push(
            CheckName::KeyWindow,
            Outcome::Pass,
            format!(
                "key {} was valid at {}",
                f.found.key.id,
                u.signing_time.judged_at(now).1
            ),
            None,
        ),
        Err(e) => c.fail(
            CheckName::KeyWindow,
            e.to_string(),
            Verdict::UntrustedIssuer,
        ),
    }
    push_accreditation(f, accreditation, c);
    let ok = window.is_ok() && accreditation.is_ok();
    (ok, accredited_by(f).filter(|_| ok))
}

/// What a scope judges, read only when some entry has a scope (not on the plain trust-list
/// path).
fn scope_facts(u: &UnverifiedCredential, good: &[&FoundIn<'_>]) -> ScopeFacts {
    if !good.iter().any(|f| f.found.issuer.scope.is_some()) {
        return ScopeFacts::default();
    }
    u.claims
        .as_ref()
        .map(ScopeFacts::of_claims)
        .or_else(|| u.document.as_ref().map(ScopeFacts::of_document))
        .unwrap_or_default()
}

/// The `accreditation` check, for an entry of a signed list or one that carries an
/// accreditation window.
fn push_accreditation(f: &FoundIn<'_>, judged: &Result<(), Untrusted>, c: &mut Checks) {
    let issuer = f.found.issuer;
    if !(f.source.is_signed() || issuer.has_accreditation()) {
        return;
    }
    match judged {
        Ok(()) => c.push(
            CheckName::Accreditation,
            Outcome::Pass,
            format!(
                "accredited by {} for {}",
                f.source.describe(),
                issuer.scope.clone().unwrap_or_default().describe()
            ),
            None,
        ),
        Err(e) => c.fail(
            CheckName::Accreditation,
            e.to_string(),
            Verdict::UntrustedIssuer,
        ),
    }
}

/// The accreditation an entry of a signed list (one with an authority) stands for.
fn accredited_by(f: &FoundIn<'_>) -> Option<AccreditedBy> {
    let issuer = f.found.issuer;
    let scope = issuer.scope.clone().unwrap_or_default();
    f.source
        .list()
        .authority
        .as_ref()
        .filter(|_| f.source.is_signed())
        .map(|a| AccreditedBy {
            authority: a.id.clone(),
            authority_name: a.name.clone(),
            scope: scope.describe(),
            scope_zh: scope.describe_zh(),
            accredited_from: issuer.accredited_from.as_ref().map(format_time),
        })
}

/// The `signature` check: `failed` is [`failed_proofs`]' answer.
fn push_signature(u: &UnverifiedCredential, failed: Option<String>, c: &mut Checks) {
    match failed {
        None => c.push(
            CheckName::Signature,
            Outcome::Pass,
            format!("Ed25519 signature verifies{}", proof_names(u)),
            None,
        ),
        Some(bad) => c.fail(
            CheckName::Signature,
            format!(
                "Ed25519 signature does not verify{bad}: the credential was altered or not \
                 signed by this key"
            ),
            Verdict::BadSignature,
        ),
    }
}

/// `None` when every signature verifies with `key` (the document form: every proof of its
/// proof set), else which proofs failed, as text for the check's reason.
fn failed_proofs(
    u: &UnverifiedCredential,
    key: &ed25519_dalek::VerifyingKey,
    sigs: &dyn Signatures,
) -> Option<String> {
    if u.proofs.is_empty() {
        return (!sigs.verifies(key, &u.message, &u.signature)).then(String::new);
    }
    let bad: Vec<&str> = u
        .proofs
        .iter()
        .filter(|p| !sigs.verifies(key, &p.message, &p.signature))
        .map(|p| p.cryptosuite.name())
        .collect();
    (!bad.is_empty()).then(|| format!(" (proof {})", bad.join(", ")))
}

/// ` (proofs checked: eddsa-jcs-2022, eddsa-rdfc-2022)` for the document form, else empty.
fn proof_names(u: &UnverifiedCredential) -> String {
    if u.proofs.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = u.proofs.iter().map(|p| p.cryptosuite.name()).collect();
    format!(" (proofs checked: {})", names.join(", "))
}
