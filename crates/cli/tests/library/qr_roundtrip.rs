//! Property: for any valid claims, the QR payload decodes to exactly the same claims, key id
//! and signing time, and the signature verifies over `"skillcert-qr-v1\0" ‖ body`.

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use skillcert::issuer::add_years;
use skillcert::keys::{self, SecretKey};
use skillcert::model::{
    Claims, Framework, Holder, IdBinding, IssuerProfile, Level, Program, StatusPurpose, StatusRef,
};
use skillcert::qr::{self, format::QrContent};
use uuid::Uuid;

fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z王晓明数控铣工绍兴市职业技能鉴定Ωéß😂 .-]{1,40}"
}

prop_compose! {
    fn claims()(
        id in any::<u128>(),
        web in any::<bool>(),
        http in any::<bool>(),
        issuer_name in name(),
        holder in name(),
        latin in proptest::option::of("[A-Za-z ]{1,20}"),
        hash in proptest::option::of(any::<[u8; 32]>()),
        program in name(),
        code in proptest::option::of("[A-Za-z0-9._-]{1,20}"),
        fw in 0usize..4,
        lv in 0usize..8,
        from in 0u32..4_000_000_000,
        until in proptest::option::of((any::<bool>(), 1u32..30, 1u64..2_000_000_000)),
        status in proptest::collection::vec((any::<bool>(), any::<bool>(), 0u32..1000, any::<u32>()), 0..4),
        seed in any::<[u8; 32]>(),
        number in proptest::option::of((any::<bool>(), any::<u64>(), "[A-Z0-9]{1,8}(-[A-Z0-9]{1,8}){0,2}")),
    ) -> (Claims, String, SecretKey) {
        let key = SecretKey::from_seed(&seed);
        let (iid, url, kid) = if web {
            let url = format!("{}://certs.example.org", if http { "http" } else { "https" });
            ("did:web:certs.example.org".to_owned(), Some(url), "did:web:certs.example.org#key-3".to_owned())
        } else {
            (keys::did_key(&key.public()), None, keys::did_key_vm(&key.public()))
        };
        let framework = Framework::ALL[fw];
        let levels = framework.levels();
        let valid_from = Utc.timestamp_opt(i64::from(from), 0).unwrap();
        let valid_until = until.map(|(years, y, s)| if years {
            add_years(valid_from, y)
        } else {
            valid_from + chrono::Duration::seconds(s as i64)
        });
        let status = status.into_iter().map(|(susp, own, n, index)| StatusRef {
            purpose: if susp { StatusPurpose::Suspension } else { StatusPurpose::Revocation },
            list_url: match (&url, own) {
                (Some(u), true) => format!("{u}/status/{n}"),
                _ => format!("https://lists.example.net/{n}"),
            },
            index,
        }).collect();
        let level = levels[lv % levels.len()].value.to_owned();
        // The national form where it is allowed (cn-nvq; year and level from the claims), else
        // the general form.
        let number = number.map(|(national, parts, general)| {
            if national && framework == Framework::CnNvq {
                format!(
                    "{}{:014}{level}{:06}",
                    if parts & 1 == 0 { 'S' } else { 'Y' },
                    (parts >> 1) % 10_u64.pow(12) * 100
                        + (skillcert::model::number::china_year(&valid_from) % 100) as u64,
                    parts % 1_000_000
                )
            } else {
                general
            }
        });
        let t = |s: String| s.trim().to_owned();
        (Claims {
            id: Uuid::from_u128(id),
            issuer: IssuerProfile { id: iid, name: t(issuer_name), url },
            // The QR carries only the legacy binding (salted with the credential's UUID).
            holder: Holder {
                name: t(holder),
                name_latin: latin.map(t),
                id_binding: hash.map(|hash| IdBinding { hash, salt: *Uuid::from_u128(id).as_bytes() }),
            },
            program: Program { name: t(program), code },
            level: Level { framework, value: level },
            valid_from,
            valid_until,
            status,
            number,
        }, kid, key)
    }
}

proptest! {
    // A failure is reported in the test's output, never written into the source tree.
    #![proptest_config(ProptestConfig {
        cases: 300,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]
    #[test]
    fn qr_round_trip((claims, kid, key) in claims(), delta in -100_000i64..100_000) {
        prop_assume!(claims.validate().is_ok());
        let content = QrContent {
            signed_at: claims.valid_from + chrono::Duration::seconds(delta),
            claims,
            key_id: kid,
        };
        let text = qr::sign_qr_text(&key, &content, "https://certs.example.org").unwrap();
        let d = qr::parse_qr_text(&text).unwrap();
        prop_assert_eq!(&d.content, &content);
        prop_assert!(keys::verify_strict(&key.public(), &d.message(), &d.signature));
        prop_assert!(d.message().starts_with(b"skillcert-qr-v1\0"));
    }
}
