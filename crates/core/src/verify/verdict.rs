//! The one word every check ends in, and which verdict wins when several checks fail.

use serde::Serialize;

/// The one word every check ends in.
///
/// When several checks fail, [`Verdict::most_severe`] chooses the verdict by
/// [`Verdict::severity`]; the order in which the variants are declared means nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Not a credential we can read.
    Malformed,
    /// The signature does not verify.
    BadSignature,
    /// Not signed by a trusted issuer's key.
    UntrustedIssuer,
    /// Revoked (final).
    Revoked,
    /// Suspended (may be lifted).
    Suspended,
    /// Past `validUntil`.
    Expired,
    /// Before `validFrom`.
    NotYetValid,
    /// The status could not be established.
    StatusUnknown,
    /// Genuine and in force.
    Valid,
}

impl Verdict {
    /// The verdict word (`valid`, `revoked`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::Revoked => "revoked",
            Verdict::Suspended => "suspended",
            Verdict::Expired => "expired",
            Verdict::NotYetValid => "not_yet_valid",
            Verdict::UntrustedIssuer => "untrusted_issuer",
            Verdict::BadSignature => "bad_signature",
            Verdict::Malformed => "malformed",
            Verdict::StatusUnknown => "status_unknown",
        }
    }

    /// How severe the verdict is: when checks fail with different verdicts, the highest
    /// severity is the credential's verdict. The order (README, "Verdicts"): `malformed`,
    /// `bad_signature`, `untrusted_issuer`, `revoked`, `suspended`, `expired`,
    /// `not_yet_valid`, `status_unknown`, then `valid` (0: nothing failed).
    ///
    /// Why: what the credential *is* outranks what happened to it. An unreadable or forged
    /// credential says nothing true about its status or dates; a final revocation outranks a
    /// suspension that may be lifted, and both outrank dates; `status_unknown` is the mildest
    /// failure (the credential may be fine) but is never `valid`.
    pub const fn severity(self) -> u8 {
        match self {
            Verdict::Malformed => 8,
            Verdict::BadSignature => 7,
            Verdict::UntrustedIssuer => 6,
            Verdict::Revoked => 5,
            Verdict::Suspended => 4,
            Verdict::Expired => 3,
            Verdict::NotYetValid => 2,
            Verdict::StatusUnknown => 1,
            Verdict::Valid => 0,
        }
    }

    /// The more severe of two verdicts (see [`Verdict::severity`]).
    pub const fn most_severe(self, other: Verdict) -> Verdict {
        if other.severity() > self.severity() {
            other
        } else {
            self
        }
    }

    /// The verdict of a run whose failed checks lead to `failures`: the most severe of them,
    /// `valid` when there are none.
    pub fn of_failures(failures: impl IntoIterator<Item = Verdict>) -> Verdict {
        failures
            .into_iter()
            .fold(Verdict::Valid, Verdict::most_severe)
    }

    /// All verdicts.
    pub const ALL: [Verdict; 9] = [
        Verdict::Valid,
        Verdict::Revoked,
        Verdict::Suspended,
        Verdict::Expired,
        Verdict::NotYetValid,
        Verdict::UntrustedIssuer,
        Verdict::BadSignature,
        Verdict::Malformed,
        Verdict::StatusUnknown,
    ];
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Verdict::{self, *};

    /// Every pair of distinct verdicts, named, with the one that wins.
    const WINS: [(Verdict, Verdict, Verdict); 36] = [
        (Malformed, BadSignature, Malformed),
        (Malformed, UntrustedIssuer, Malformed),
        (Malformed, Revoked, Malformed),
        (Malformed, Suspended, Malformed),
        (Malformed, Expired, Malformed),
        (Malformed, NotYetValid, Malformed),
        (Malformed, StatusUnknown, Malformed),
        (Malformed, Valid, Malformed),
        (BadSignature, UntrustedIssuer, BadSignature),
        (BadSignature, Revoked, BadSignature),
        (BadSignature, Suspended, BadSignature),
        (BadSignature, Expired, BadSignature),
        (BadSignature, NotYetValid, BadSignature),
        (BadSignature, StatusUnknown, BadSignature),
        (BadSignature, Valid, BadSignature),
        (UntrustedIssuer, Revoked, UntrustedIssuer),
        (UntrustedIssuer, Suspended, UntrustedIssuer),
        (UntrustedIssuer, Expired, UntrustedIssuer),
        (UntrustedIssuer, NotYetValid, UntrustedIssuer),
        (UntrustedIssuer, StatusUnknown, UntrustedIssuer),
        (UntrustedIssuer, Valid, UntrustedIssuer),
        (Revoked, Suspended, Revoked),
        (Revoked, Expired, Revoked),
        (Revoked, NotYetValid, Revoked),
        (Revoked, StatusUnknown, Revoked),
        (Revoked, Valid, Revoked),
        (Suspended, Expired, Suspended),
        (Suspended, NotYetValid, Suspended),
        (Suspended, StatusUnknown, Suspended),
        (Suspended, Valid, Suspended),
        (Expired, NotYetValid, Expired),
        (Expired, StatusUnknown, Expired),
        (Expired, Valid, Expired),
        (NotYetValid, StatusUnknown, NotYetValid),
        (NotYetValid, Valid, NotYetValid),
        (StatusUnknown, Valid, StatusUnknown),
    ];

    #[test]
    fn each_pair_has_the_documented_winner_either_way_round() {
        for (a, b, winner) in WINS {
            assert_eq!(a.most_severe(b), winner, "{a} vs {b}");
            assert_eq!(b.most_severe(a), winner, "{b} vs {a}");
            assert_eq!(Verdict::of_failures([a, b]), winner, "{a}, {b}");
            assert_eq!(Verdict::of_failures([b, a]), winner, "{b}, {a}");
        }
    }

    #[test]
    fn the_table_names_every_pair_once() {
        for a in Verdict::ALL {
            assert_eq!(a.most_severe(a), a);
            for b in Verdict::ALL.into_iter().filter(|b| *b != a) {
                let named = WINS
                    .iter()
                    .filter(|(x, y, _)| (*x, *y) == (a, b) || (*x, *y) == (b, a))
                    .count();
                assert_eq!(named, 1, "{a} vs {b}");
            }
        }
        let mut severities: Vec<u8> = Verdict::ALL.iter().map(|v| v.severity()).collect();
        severities.sort_unstable();
        severities.dedup();
        assert_eq!(severities.len(), Verdict::ALL.len(), "no two verdicts tie");
    }

    #[test]
    fn nothing_failed_is_valid_and_valid_never_wins() {
        assert_eq!(Verdict::of_failures([]), Valid);
        for v in Verdict::ALL {
            assert_eq!(Verdict::of_failures([Valid, v, Valid]), v);
        }
    }
}
