//! RFC 8785 (JCS) conformance against `testdata/vectors/rfc8785-jcs` (cyberphone test data):
//! every input canonicalizes byte-exact to its expected output, and every one of the 10 000
//! number lines formats exactly as ECMAScript `Number.prototype.toString`.

use skillcert::jcs::{canonicalize, number_to_string, parse_strict};

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/vectors/rfc8785-jcs"
);

#[test]
fn inputs_canonicalize_byte_exact() {
    let mut n = 0;
    let mut names: Vec<_> = crate::common::read_dir(format!("{DIR}/input"))
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    for name in &names {
        let input = crate::common::read_file(format!("{DIR}/input/{name}"));
        let expected = crate::common::read_file(format!("{DIR}/output/{name}"));
        let v = parse_strict(&input, 1 << 20).unwrap_or_else(|e| panic!("{name}: {e}"));
        let got = canonicalize(&v).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&expected),
            "{name}"
        );
        assert_eq!(got, expected, "{name}");
        // The hex form says the same.
        let hex =
            crate::common::read_text(format!("{DIR}/outhex/{}", name.replace(".json", ".txt")));
        let from_hex = hex::decode(hex.split_whitespace().collect::<String>()).unwrap();
        assert_eq!(got, from_hex, "{name} (outhex)");
        n += 1;
    }
    assert_eq!(n, 6);
}

#[test]
fn es6_number_formatting_10k() {
    let text = crate::common::read_text(format!("{DIR}/es6testfile10k.txt"));
    let mut n = 0;
    for (i, line) in text.lines().enumerate() {
        let (hex, expected) = line.split_once(',').unwrap();
        let bits = u64::from_str_radix(hex, 16).unwrap();
        let f = f64::from_bits(bits);
        let got = number_to_string(f).unwrap_or_else(|e| panic!("line {}: {e}", i + 1));
        assert_eq!(got, expected, "line {}: bits {hex}", i + 1);
        n += 1;
    }
    assert_eq!(n, 10_000);
}

#[test]
fn non_finite_numbers_are_refused() {
    assert!(number_to_string(f64::NAN).is_err());
    assert!(number_to_string(f64::INFINITY).is_err());
    assert_eq!(number_to_string(-0.0).unwrap(), "0");
}
