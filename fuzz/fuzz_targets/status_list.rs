//! Fuzz target: status list credential decoding (strict JSON, fields, multibase, GZIP with caps,
//! length rules) and the entry checks on whatever parses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skillcert::model::{StatusPurpose, StatusRef};
use skillcert::status::{Bitstring, CheckedList, StatusListCredential};
use skillcert::trust::TrustList;

fuzz_target!(|data: &[u8]| {
    if let Ok(list) = StatusListCredential::parse(data) {
        let n = list.bits.len();
        let checked = CheckedList::new(list, &TrustList::empty(), "fuzz".into());
        let url = checked.list.id.clone();
        for index in [0u32, 1, (n as u32).saturating_sub(1), n as u32, u32::MAX] {
            for purpose in [StatusPurpose::Revocation, StatusPurpose::Suspension] {
                let e = StatusRef { purpose, list_url: url.clone(), index };
                let _ = checked.status(&e, &checked.list.issuer, skillcert::issuer::now_secs());
            }
        }
    }
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(b) = Bitstring::decode_any_length(s) {
            // Re-encoding what decoded must decode to the same bits.
            assert_eq!(Bitstring::decode_any_length(&b.encode()).unwrap(), b);
        }
    }
});
