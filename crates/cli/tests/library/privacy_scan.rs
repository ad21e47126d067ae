//! Privacy scan: the holder's national ID number must not be recoverable from any public form
//! of a certificate (QR text and payload bytes, the JWT, the JSON document, HTML pages, JSON API
//! answers, CSV/JSONL exports, PDF text).
//!
//! The ID space is small: a 6-digit region, a birth date, a 3-digit sequence and a check char
//! ([`gb11643_check`]), so about 365,000 IDs per region and birth year ([`candidates`]). A
//! salted hash published with its salt is therefore as good as the ID itself: the old format put
//! SHA-256(ID ‖ credential UUID in hex) next to that UUID, and anyone who knows a holder's region
//! and year of birth gets the ID back in seconds ([`brute_force`] does exactly that).
//!
//! The scan looks at every *view* of a form: its raw bytes, every JSON string and member name
//! (JSON and JSONL), every hex run, every base64/base64url run decoded at each of its four
//! alignments, percent-decoded text, recursively up to [`MAX_DEPTH`] steps (a JSON API answer ›
//! a JWT in a JSON string › its base64url payload › hex in it). In every view it looks for
//! - every 32- and 64-byte window equal to a digest of the ID ([`digests_for`]): SHA-256 and
//!   SHA-512 of the ID alone and with any string of the forms as a salt ([`strings_in`]), since
//!   a salt the public can read is no salt;
//! - the ID itself in its printed forms (both cases, digits spaced or grouped, UTF-16).
//!
//! [`scan`] is the whole check for a known ID; [`brute_force`] is the attacker who only knows
//! the region and the year. Compressed payloads are not inflated here: pass their inflated bytes
//! as a form of their own.

use base64::alphabet;
use base64::engine::general_purpose::GeneralPurposeConfig;
use base64::engine::{DecodePaddingMode, GeneralPurpose};
use base64::Engine as _;
use chrono::{Datelike, NaiveDate};
use serde_json::Value;
use sha2::{Digest, Sha256, Sha512};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Range;
use std::time::Instant;
use uuid::Uuid;

/// At most this many strings from one form in [`strings_in`]: every one is a salt that
/// [`digests_for`] hashes 80 times, so a huge form (a PDF, a big export) must not blow up the
/// scan. The form's own runs come first, so what is cut off is the deepest decoded text.
const MAX_STRINGS: usize = 20_000;
/// Longer strings are not taken as salts (their pieces still are).
const MAX_STRING_LEN: usize = 4096;
/// How many decoding steps a view is away from its form at most.
const MAX_DEPTH: usize = 4;
/// Bounds on the views of one form; a form that exceeds them is reported as not fully scanned
/// (a finding: a privacy check must not pass by skipping).
const MAX_VIEWS: usize = 100_000;
const MAX_VIEW_BYTES: usize = 128 << 20;
/// Shortest hex run decoded: one SHA-256 digest.
const MIN_HEX_RUN: usize = 64;
/// Shortest base64 run decoded: one SHA-256 digest without padding.
const MIN_BASE64_RUN: usize = 43;
/// What may stand between the ID and a salt in a hashed string.
const SEPARATORS: [&str; 10] = ["", ":", "|", "$", "-", "_", ".", "\0", " ", "\n"];
/// Where the runs of [`strings_in`] are split into pieces.
const PIECE_SEPARATORS: &[u8] = b":/$.=~-";
/// GB 11643 (ISO 7064 MOD 11-2): the weights of the first 17 digits and the check chars.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Base64 as leniently as it gets: after mapping the URL-safe alphabet onto the standard one,
/// this reads STANDARD, STANDARD_NO_PAD, URL_SAFE and URL_SAFE_NO_PAD text, and also a run cut
/// at any point (non-zero trailing bits), which is what decoding at every alignment needs.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Every string of a form that could be a salt or a pepper: maximal runs of
/// `[A-Za-z0-9_\-+/=.:$~]`, their pieces (split on all of `:/$.=~-` and on each one alone),
/// every JSON string and member name (also in JSON inside decoded base64 or hex), the runs of
/// decoded text, and for every UUID its hyphenated and simple forms in both cases and its 16
/// bytes. Deduplicated; at most [`MAX_STRINGS`] strings of at most [`MAX_STRING_LEN`] bytes.
pub(crate) fn strings_in(form: &[u8]) -> Vec<Vec<u8>> {
    let mut strings = Strings::default();
    for view in views("", form).list {
        match view.kind {
            Kind::Raw => strings.add_runs(&view.bytes),
            Kind::JsonString => {
                strings.add(&view.bytes);
                strings.add_runs(&view.bytes);
            }
            Kind::Decoded if is_text(&view.bytes) => strings.add_runs(&view.bytes),
            Kind::Decoded => {}
        }
    }
    strings.list
}

/// The strings found so far, in order, without repeats.
#[derive(Default)]
struct Strings {
    seen: HashSet<Vec<u8>>,
    list: Vec<Vec<u8>>,
}

impl Strings {
    fn add(&mut self, s: &[u8]) {
        let fits = !s.is_empty() && s.len() <= MAX_STRING_LEN && self.list.len() < MAX_STRINGS;
        if !fits || self.seen.contains(s) {
            return;
        }
        self.seen.insert(s.to_vec());
        self.list.push(s.to_vec());
        for uuid in uuids_in(s) {
            for form in uuid_forms(uuid) {
                self.add(&form);
            }
        }
    }

    fn add_runs(&mut self, text: &[u8]) {
        for run in runs(text, is_token) {
            let run = &text[run];
            self.add(run);
            for piece in run.split(|b| PIECE_SEPARATORS.contains(b)) {
                self.add(piece);
            }
            for &sep in PIECE_SEPARATORS {
                for piece in run.split(|&b| b == sep) {
                    self.add(piece);
                }
            }
        }
    }
}

fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_-+/=.:$~".contains(&b)
}

fn is_base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"+/_-".contains(&b)
}

/// UTF-8 without control characters other than white space.
fn is_text(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes)
        .is_ok_and(|s| !s.chars().any(|c| c.is_control() && !c.is_whitespace()))
}

/// The maximal runs of bytes that `keep`.
fn runs(bytes: &[u8], keep: impl Fn(u8) -> bool) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, &b) in bytes.iter().enumerate() {
        match (keep(b), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(s..bytes.len());
    }
    out
}

/// The UUIDs in `s`: hyphenated ones anywhere in it (as in `urn:uuid:…`), or `s` itself when it
/// is 32 hex digits (the simple form).
fn uuids_in(s: &[u8]) -> Vec<Uuid> {
    let mut out = Vec::new();
    if s.len() == 32 {
        out.extend(Uuid::try_parse_ascii(s));
    }
    for w in s.windows(36) {
        if [8, 13, 18, 23].iter().all(|&i| w[i] == b'-') {
            out.extend(Uuid::try_parse_ascii(w));
        }
    }
    out
}

/// A UUID as a salt may be written: hyphenated and simple, lower and upper case, raw bytes.
fn uuid_forms(uuid: Uuid) -> [Vec<u8>; 5] {
    let hyphenated = uuid.hyphenated().to_string();
    let simple = uuid.simple().to_string();
    [
        hyphenated.to_uppercase().into_bytes(),
        simple.to_uppercase().into_bytes(),
        uuid.as_bytes().to_vec(),
        hyphenated.into_bytes(),
        simple.into_bytes(),
    ]
}

/// How a view was obtained from its parent.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// The form itself.
    Raw,
    /// A JSON string or member name, unescaped.
    JsonString,
    /// Decoded hex, base64 or percent-encoding.
    Decoded,
}

/// One way of reading a form: its bytes, and where they come from (for the findings).
struct View {
    place: String,
    kind: Kind,
    depth: usize,
    bytes: Vec<u8>,
}

/// All the views of one form, each distinct content once (the shallowest place kept).
#[derive(Default)]
struct Views {
    list: Vec<View>,
    seen: HashSet<[u8; 32]>,
    bytes: usize,
    truncated: bool,
}

impl Views {
    fn push(&mut self, view: View) {
        if view.bytes.is_empty() || !self.seen.insert(Sha256::digest(&view.bytes).into()) {
            return;
        }
        if self.list.len() >= MAX_VIEWS || self.bytes + view.bytes.len() > MAX_VIEW_BYTES {
            self.truncated = true;
            return;
        }
        self.bytes += view.bytes.len();
        self.list.push(view);
    }
}

/// The form and everything decoded from it, breadth first, up to [`MAX_DEPTH`] steps deep.
fn views(name: &str, form: &[u8]) -> Views {
    let mut views = Views::default();
    views.push(View {
        place: format!("form `{name}`"),
        kind: Kind::Raw,
        depth: 0,
        bytes: form.to_vec(),
    });
    let mut next = 0;
    while next < views.list.len() {
        if views.list[next].depth < MAX_DEPTH {
            for child in children(&views.list[next]) {
                views.push(child);
            }
        }
        next += 1;
    }
    views
}

/// The views one step below `parent`: its JSON strings, hex and base64 runs, percent-decoding.
fn children(parent: &View) -> Vec<View> {
    let child = |place: String, kind: Kind, bytes: Vec<u8>| View {
        place: format!("{} › {place}", parent.place),
        kind,
        depth: parent.depth + 1,
        bytes,
    };
    let bytes = &parent.bytes;
    let mut out = Vec::new();
    for (path, s) in json_strings(bytes) {
        out.push(child(format!("JSON {path}"), Kind::JsonString, s));
    }
    for (at, decoded) in hex_decodings(bytes) {
        out.push(child(format!("hex at {at}"), Kind::Decoded, decoded));
    }
    for (at, decoded) in base64_decodings(bytes) {
        out.push(child(format!("base64 at {at}"), Kind::Decoded, decoded));
    }
    if let Some(decoded) = percent_decoded(bytes) {
        out.push(child("percent-decoded".to_owned(), Kind::Decoded, decoded));
    }
    out
}

/// Every string value and member name of the JSON values at the start of `bytes` (one
/// document, or the lines of JSONL), with its path.
fn json_strings(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let values = serde_json::Deserializer::from_slice(bytes).into_iter::<Value>();
    for (n, value) in values.map_while(Result::ok).enumerate() {
        let root = if n == 0 {
            "$".to_owned()
        } else {
            format!("(value {}) $", n + 1)
        };
        walk_json(&value, &root, &mut out);
    }
    out
}

fn walk_json(value: &Value, path: &str, out: &mut Vec<(String, Vec<u8>)>) {
    match value {
        Value::String(s) => out.push((path.to_owned(), s.clone().into_bytes())),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk_json(item, &format!("{path}[{i}]"), out);
            }
        }
        Value::Object(members) => {
            for (name, item) in members {
                let path = format!("{path}.{name}");
                out.push((format!("{path} (name)"), name.clone().into_bytes()));
                walk_json(item, &path, out);
            }
        }
        _ => {}
    }
}

/// Every hex run of at least [`MIN_HEX_RUN`] digits, decoded from its first and its second
/// digit (so that a digest at any offset of a longer run lines up with a decoded byte).
fn hex_decodings(bytes: &[u8]) -> Vec<(usize, Vec<u8>)> {
    let mut out = Vec::new();
    for run in runs(bytes, |b| b.is_ascii_hexdigit()) {
        for start in [run.start, run.start + 1] {
            if run.end - start < MIN_HEX_RUN {
                break;
            }
            let end = start + ((run.end - start) & !1);
            out.extend(hex::decode(&bytes[start..end]).ok().map(|d| (start, d)));
        }
    }
    out
}

/// Every base64 or base64url run of at least [`MIN_BASE64_RUN`] chars, decoded from each of its
/// first four chars: a digest encoded on its own and glued to a prefix (`sha256-…`, a JWT
/// payload) lines up with one of them. Padding is not needed.
fn base64_decodings(bytes: &[u8]) -> Vec<(usize, Vec<u8>)> {
    let mut out = Vec::new();
    for run in runs(bytes, is_base64) {
        for start in run.start..run.start + 4 {
            let mut len = run.end.saturating_sub(start);
            if len < MIN_BASE64_RUN {
                break;
            }
            if len % 4 == 1 {
                len -= 1;
            }
            let text: Vec<u8> = bytes[start..start + len]
                .iter()
                .map(|&b| match b {
                    b'-' => b'+',
                    b'_' => b'/',
                    b => b,
                })
                .collect();
            out.extend(LENIENT.decode(&text).ok().map(|d| (start, d)));
        }
    }
    out
}

/// `bytes` with every `%XX` decoded, if there is one.
fn percent_decoded(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes.get(i..i + 3) {
            Some([b'%', h @ ..]) => hex::decode(h).ok(),
            _ => None,
        };
        match escaped {
            Some(b) => {
                out.extend(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    (out.len() != bytes.len()).then_some(out)
}

/// The digests of `id` (upper and lower case) that a careless format might publish: SHA-256 and
/// SHA-512 of the ID alone, and of `id ‖ sep ‖ salt` and `salt ‖ sep ‖ id` for every salt and
/// every one of [`SEPARATORS`]; each SHA-512 also cut to its first 32 bytes. The set also holds
/// the ID in its printed forms (the entries that are neither 32 nor 64 bytes long), which
/// [`find_leaks`] looks for as they are.
pub(crate) fn digests_for(id: &str, salts: &[Vec<u8>]) -> HashSet<Vec<u8>> {
    let mut out = HashSet::new();
    for id in id_cases(id) {
        let id = id.as_bytes();
        insert_digests(&mut out, &[id]);
        for salt in salts {
            for sep in SEPARATORS.map(str::as_bytes) {
                insert_digests(&mut out, &[id, sep, salt]);
                insert_digests(&mut out, &[salt, sep, id]);
            }
        }
    }
    out.extend(printed_forms(id));
    out
}

fn id_cases(id: &str) -> Vec<String> {
    let mut cases = vec![id.to_uppercase(), id.to_lowercase()];
    cases.dedup();
    cases
}

/// SHA-256, SHA-512 and SHA-512 cut to 32 bytes of the concatenated `parts`.
fn insert_digests(out: &mut HashSet<Vec<u8>>, parts: &[&[u8]]) {
    let sha256 = parts.iter().fold(Sha256::new(), |h, p| h.chain_update(p));
    let sha512 = parts.iter().fold(Sha512::new(), |h, p| h.chain_update(p));
    let sha512 = sha512.finalize();
    out.insert(sha256.finalize().to_vec());
    out.insert(sha512[..32].to_vec());
    out.insert(sha512.to_vec());
}

/// The ID as it may be printed: as is in both cases, one space between chars, grouped
/// 6-8-4 with spaces or hyphens, UTF-16 (big- and little-endian, as in PDF strings).
fn printed_forms(id: &str) -> Vec<Vec<u8>> {
    let mut forms = Vec::new();
    for id in id_cases(id) {
        let chars: Vec<String> = id.chars().map(String::from).collect();
        forms.push(id.clone().into_bytes());
        forms.push(chars.join(" ").into_bytes());
        if id.is_ascii() && id.len() == 18 {
            let (region, rest) = id.split_at(6);
            let (birth, tail) = rest.split_at(8);
            forms.push(format!("{region} {birth} {tail}").into_bytes());
            forms.push(format!("{region}-{birth}-{tail}").into_bytes());
        }
        forms.push(id.encode_utf16().flat_map(u16::to_be_bytes).collect());
        forms.push(id.encode_utf16().flat_map(u16::to_le_bytes).collect());
    }
    forms
}

/// Where any of `digests` ([`digests_for`]) shows in any view of the named forms: a 32- or
/// 64-byte window of the raw bytes, of decoded hex or base64 (at any depth), of a JSON string;
/// or, for the entries of other lengths (the ID as printed), the bytes themselves. Each finding
/// names the form, the chain of views and the offset in the last one.
pub(crate) fn find_leaks(forms: &[(&str, &[u8])], digests: &HashSet<Vec<u8>>) -> Vec<String> {
    let mut prefixes = Prefixes::new();
    let mut printed: Vec<&[u8]> = Vec::new();
    for d in digests {
        match d.len() {
            32 | 64 => prefixes.insert(d),
            0 => {}
            _ => printed.push(d),
        }
    }
    printed.sort_unstable();
    let mut findings = Vec::new();
    for (name, form) in forms {
        let views = views(name, form);
        if views.truncated {
            findings.push(format!("form `{name}`: not fully scanned (too many views)"));
        }
        for view in &views.list {
            digest_windows(view, &prefixes, digests, &mut findings);
            printed_ids(view, &printed, &mut findings);
        }
    }
    findings
}

/// The 32- and 64-byte windows of `view` that are digests (a 64-byte match is reported alone,
/// not again as the 32-byte truncation it starts with).
fn digest_windows(
    view: &View,
    prefixes: &Prefixes,
    digests: &HashSet<Vec<u8>>,
    out: &mut Vec<String>,
) {
    let b = &view.bytes;
    for at in 0..b.len().saturating_sub(31) {
        if !prefixes.contains(&b[at..]) {
            continue;
        }
        let place = &view.place;
        if b.len() - at >= 64 && digests.contains(&b[at..at + 64]) {
            out.push(format!(
                "{place}: a 64-byte digest of the ID (SHA-512) at offset {at}"
            ));
        } else if digests.contains(&b[at..at + 32]) {
            out.push(format!(
                "{place}: a 32-byte digest of the ID (SHA-256 or SHA-512 cut) at offset {at}"
            ));
        }
    }
}

/// Every occurrence of the ID as printed in `view`.
fn printed_ids(view: &View, printed: &[&[u8]], out: &mut Vec<String>) {
    for needle in printed {
        for (at, w) in view.bytes.windows(needle.len()).enumerate() {
            if w == *needle {
                let shown = String::from_utf8_lossy(needle);
                let place = &view.place;
                out.push(format!(
                    "{place}: the ID in plain text ({shown:?}) at offset {at}"
                ));
            }
        }
    }
}

/// A set of 3-byte prefixes (2^24 bits, 2 MiB): a cheap first test of every window before a hash
/// set look-up, which is slow in a debug build.
struct Prefixes(Vec<u64>);

impl Prefixes {
    fn new() -> Prefixes {
        Prefixes(vec![0; 1 << 18])
    }

    fn key(bytes: &[u8]) -> usize {
        (usize::from(bytes[0]) << 16) | (usize::from(bytes[1]) << 8) | usize::from(bytes[2])
    }

    fn insert(&mut self, bytes: &[u8]) {
        let k = Self::key(bytes);
        self.0[k >> 6] |= 1 << (k & 63);
    }

    fn contains(&self, bytes: &[u8]) -> bool {
        let k = Self::key(bytes);
        self.0[k >> 6] & (1 << (k & 63)) != 0
    }
}

/// The whole check for a known ID: every string of every form is tried as a salt (the salt may
/// be in another form than the hash), then [`find_leaks`].
pub(crate) fn scan(forms: &[(&str, &[u8])], id: &str) -> Vec<String> {
    let salts: BTreeSet<Vec<u8>> = forms.iter().flat_map(|(_, f)| strings_in(f)).collect();
    let salts: Vec<Vec<u8>> = salts.into_iter().collect();
    find_leaks(forms, &digests_for(id, &salts))
}

/// The GB 11643 check char of the first 17 digits of an ID (ISO 7064 MOD 11-2).
pub(crate) fn gb11643_check(first17: &str) -> char {
    assert!(
        first17.len() == 17 && first17.bytes().all(|b| b.is_ascii_digit()),
        "17 digits expected, got {first17:?}"
    );
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

/// Every valid ID of a 6-digit region and a birth year: every date of the year × sequence
/// 000..=999, with its check char (365,000 or 366,000 IDs), by date then sequence.
pub(crate) fn candidates(region: &str, year: u32) -> impl Iterator<Item = String> {
    assert!(
        region.len() == 6 && region.bytes().all(|b| b.is_ascii_digit()),
        "a 6-digit region expected, got {region:?}"
    );
    let region = region.to_owned();
    let year = i32::try_from(year).expect("a year");
    let first = NaiveDate::from_ymd_opt(year, 1, 1).expect("a year with dates");
    first
        .iter_days()
        .take_while(move |day| day.year() == year)
        .flat_map(move |day| {
            let stem = format!("{region}{}", day.format("%Y%m%d"));
            (0..1000).map(move |seq| {
                let first17 = format!("{stem}{seq:03}");
                let check = gb11643_check(&first17);
                format!("{first17}{check}")
            })
        })
}

/// The attacker of the issue: every ID of `region` and `year`, hashed as the old format did
/// (SHA-256(ID), SHA-256(ID ‖ salt), SHA-256(salt ‖ ID) for every UUID of the forms, hyphenated
/// and simple, and every 32-hex salt), looked up among the forms' digest-shaped values (every 32-byte window of every
/// view: raw bytes, decoded hex and base64, JSON strings); and every ID that the forms print.
/// Returns one finding per recovered ID, with where it leaks.
pub(crate) fn brute_force(forms: &[(&str, &[u8])], region: &str, year: u32) -> Vec<String> {
    let views: Vec<View> = forms.iter().flat_map(|(n, f)| views(n, f).list).collect();
    let salts = uuid_salts(forms);
    let windows = Windows::of(&views);
    let printed = printed_id_shapes(&views, forms);
    let mut hasher = Sha256::new();
    let mut findings = Vec::new();
    for id in candidates(region, year) {
        if let Some(place) = printed.get(id.as_bytes()) {
            findings.push(format!("ID {id} recovered: printed in {place}"));
        }
        let lower = id.ends_with('X').then(|| id.to_lowercase());
        for id in std::iter::once(&id).chain(&lower) {
            if let Some(how) = windows.old_format_hit(&mut hasher, id, &salts) {
                let digests = digests_for(id, &salts);
                let places = find_leaks(forms, &digests).join("; ");
                findings.push(format!("ID {id} recovered from {how}: {places}"));
            }
        }
    }
    findings
}

/// The UUIDs of the forms, hyphenated and simple (lower case), as the old format's salts. Any
/// 32 hex digits read as a UUID, so a random 128-bit salt published in hex is tried too.
fn uuid_salts(forms: &[(&str, &[u8])]) -> Vec<Vec<u8>> {
    let mut salts = BTreeSet::new();
    for (_, form) in forms {
        for s in strings_in(form) {
            if let (32 | 36, Ok(uuid)) = (s.len(), Uuid::try_parse_ascii(&s)) {
                salts.insert(uuid.hyphenated().to_string().into_bytes());
                salts.insert(uuid.simple().to_string().into_bytes());
            }
        }
    }
    salts.into_iter().collect()
}

/// Every 32-byte window of every view.
struct Windows {
    prefixes: Prefixes,
    set: HashSet<[u8; 32]>,
}

impl Windows {
    fn of(views: &[View]) -> Windows {
        let mut windows = Windows {
            prefixes: Prefixes::new(),
            set: HashSet::new(),
        };
        for w in views.iter().flat_map(|v| v.bytes.windows(32)) {
            windows.prefixes.insert(w);
            windows.set.insert(w.try_into().expect("32 bytes"));
        }
        windows
    }

    fn contains(&self, digest: &[u8]) -> bool {
        self.prefixes.contains(digest)
            && <[u8; 32]>::try_from(digest).is_ok_and(|d| self.set.contains(&d))
    }

    /// Which old-format hash of `id` is among the windows, if one is. `hasher` is reused: a
    /// fresh one per hash costs twice as much in a debug build.
    fn old_format_hit(&self, hasher: &mut Sha256, id: &str, salts: &[Vec<u8>]) -> Option<String> {
        let mut digest = Default::default();
        let mut found = |first: &[u8], second: &[u8]| {
            hasher.update(first);
            hasher.update(second);
            hasher.finalize_into_reset(&mut digest);
            self.contains(&digest)
        };
        let id = id.as_bytes();
        if found(id, b"") {
            return Some("SHA-256(ID)".to_owned());
        }
        for salt in salts {
            let shown = || String::from_utf8_lossy(salt);
            if found(id, salt) {
                return Some(format!("SHA-256(ID ‖ {})", shown()));
            }
            if found(salt, id) {
                return Some(format!("SHA-256({} ‖ ID)", shown()));
            }
        }
        None
    }
}

/// Every ID-shaped string (17 digits and a digit or X) in the views and in each form with its
/// spaces taken out, upper-cased, with the first place it was seen.
fn printed_id_shapes(views: &[View], forms: &[(&str, &[u8])]) -> HashMap<[u8; 18], String> {
    let unspaced: Vec<View> = forms
        .iter()
        .map(|(name, form)| View {
            place: format!("form `{name}` without spaces"),
            kind: Kind::Decoded,
            depth: 0,
            bytes: form.iter().copied().filter(|&b| b != b' ').collect(),
        })
        .collect();
    let mut found = HashMap::new();
    for view in views.iter().chain(&unspaced) {
        for (at, w) in view.bytes.windows(18).enumerate() {
            let id_shaped = w[..17].iter().all(u8::is_ascii_digit)
                && (w[17].is_ascii_digit() || w[17].eq_ignore_ascii_case(&b'X'));
            if id_shaped {
                let mut key: [u8; 18] = w.try_into().expect("18 bytes");
                key[17].make_ascii_uppercase();
                found
                    .entry(key)
                    .or_insert_with(|| format!("{} at offset {at}", view.place));
            }
        }
    }
    found
}

// ---------------------------------------------------------------------------------------------
// Tests: the scanner can fail. Each one plants a leak in one encoding and expects a finding.

const ID: &str = "330602199001011231";
const UUID: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const UUID_HEX: &str = "7c9e6679742540de944be07fc1f90ae7";

fn sha256(parts: &[&[u8]]) -> Vec<u8> {
    let h = parts.iter().fold(Sha256::new(), |h, p| h.chain_update(p));
    h.finalize().to_vec()
}

/// Deterministic noise (SHA-256 in counter mode).
fn noise(len: usize, seed: &str) -> Vec<u8> {
    (0u32..)
        .flat_map(|i| {
            Sha256::new()
                .chain_update(seed)
                .chain_update(i.to_be_bytes())
                .finalize()
        })
        .take(len)
        .collect()
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A JWT-shaped token: header.payload.signature, base64url without padding.
fn jwt(payload: &Value) -> Vec<u8> {
    let header = b64url(br#"{"alg":"EdDSA","typ":"JWT"}"#);
    let payload = b64url(&serde_json::to_vec(payload).unwrap());
    format!("{header}.{payload}.{}", b64url(&noise(64, "sig"))).into_bytes()
}

/// A credential in the old format: SHA-256(ID ‖ UUID in hex) as `sha256$<hex>`, with the UUID
/// as the credential id and, when `with_salt`, again as the salt.
fn old_format(id: &str, uuid: &str, with_salt: bool) -> Vec<u8> {
    let simple = uuid.replace('-', "");
    let hash = hex::encode(sha256(&[id.as_bytes(), simple.as_bytes()]));
    let mut identifier = serde_json::json!({
        "type": "IdentityObject",
        "identityType": "nationalIdentityNumber",
        "hashed": true,
        "identityHash": format!("sha256${hash}"),
    });
    if with_salt {
        identifier["salt"] = simple.into();
    }
    let doc = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": format!("urn:uuid:{uuid}"),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "credentialSubject": {"type": ["AchievementSubject"], "identifier": [identifier]},
    });
    serde_json::to_vec_pretty(&doc).unwrap()
}

fn assert_found(findings: &[String], wanted: &[&str]) {
    assert!(
        findings
            .iter()
            .any(|f| wanted.iter().all(|w| f.contains(w))),
        "no finding with {wanted:?} in {findings:#?}"
    );
}

#[test]
fn check_chars_of_known_ids() {
    assert_eq!(gb11643_check("33060219900101123"), '1');
    assert_eq!(gb11643_check("11010519491231002"), 'X');
    assert_eq!(gb11643_check("44052418800101001"), '4');
}

#[test]
fn candidates_are_every_id_of_a_year() {
    let all: Vec<String> = candidates("330602", 1990).collect();
    assert_eq!(all.len(), 365_000);
    assert!(all.iter().any(|id| id == ID));
    assert!(all
        .iter()
        .all(|id| id.len() == 18 && id.starts_with("3306021990")));
    assert!(all.iter().all(|id| id.ends_with(gb11643_check(&id[..17]))));
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 365_000);
    assert_eq!(candidates("110105", 2000).count(), 366_000);
}

#[test]
fn strings_include_uuid_forms_json_strings_and_decoded_text() {
    let doc = br#"{"id":"urn:uuid:7C9E6679-7425-40DE-944B-E07FC1F90AE7","name":"Zhang San",
        "url":"https:\/\/example.org\/c\/1","pepper~x":"a.b"}"#;
    let strings = strings_in(doc);
    let has = |s: &[u8]| strings.iter().any(|x| x == s);
    for s in [
        UUID,
        UUID_HEX,
        &UUID.to_uppercase(),
        "Zhang San",
        "https://example.org/c/1",
    ] {
        assert!(has(s.as_bytes()), "{s} missing");
    }
    for s in [
        "urn",
        "example",
        "org",
        "example.org",
        "pepper~x",
        "pepper",
        "a.b",
        "b",
    ] {
        assert!(has(s.as_bytes()), "{s} missing");
    }
    assert!(has(Uuid::parse_str(UUID).unwrap().as_bytes()));
    // Strings of a JWT payload, and a simple-form UUID gives the hyphenated one.
    let token = jwt(&serde_json::json!({"jti": UUID_HEX, "sub": "did:example:holder"}));
    let strings = strings_in(&token);
    for s in [UUID, "did:example:holder", "holder"] {
        assert!(strings.iter().any(|x| x == s.as_bytes()), "{s} missing");
    }
}

#[test]
fn strings_are_bounded() {
    let mut form: Vec<u8> = (0..100_000)
        .flat_map(|i| format!("t{i} ").into_bytes())
        .collect();
    form.extend(vec![b'a'; 10_000]);
    let strings = strings_in(&form);
    assert_eq!(strings.len(), MAX_STRINGS);
    assert!(strings.iter().all(|s| s.len() <= MAX_STRING_LEN));
    assert_eq!(strings.iter().collect::<HashSet<_>>().len(), strings.len());
}

#[test]
fn finds_a_raw_digest_in_binary_bytes() {
    let mut payload = noise(4096, "qr");
    let digest = sha256(&[ID.as_bytes(), UUID_HEX.as_bytes()]);
    payload.splice(1000..1032, digest);
    let text = format!("urn:uuid:{UUID}");
    let forms = [("qr-payload", &payload[..]), ("qr-text", text.as_bytes())];
    assert_found(
        &scan(&forms, ID),
        &["form `qr-payload`: a 32-byte", "offset 1000"],
    );
    assert!(scan(&forms[1..], ID).is_empty());
}

#[test]
fn finds_the_old_format() {
    for with_salt in [true, false] {
        let doc = old_format(ID, UUID, with_salt);
        let findings = scan(&[("json", &doc)], ID);
        assert_found(&findings, &["form `json` › hex at", "a 32-byte digest"]);
    }
}

#[test]
fn finds_digests_in_a_jwt() {
    let digest = sha256(&[UUID_HEX.as_bytes(), b":", ID.as_bytes()]);
    let payload = serde_json::json!({
        "jti": format!("urn:uuid:{UUID}"),
        "vc": {"identityHash": format!("sha256${}", hex::encode(&digest))},
        "h": b64url(&sha256(&[ID.as_bytes(), b"$", UUID.as_bytes()])),
    });
    let token = jwt(&payload);
    let findings = scan(&[("jwt", &token)], ID);
    assert_found(
        &findings,
        &["form `jwt` › base64 at", "› hex at", "32-byte"],
    );
    // The base64url digest in the payload: decoded twice.
    assert!(
        findings
            .iter()
            .any(|f| f.matches("base64 at").count() == 2 && f.contains("32-byte")),
        "{findings:#?}"
    );
    // The same token inside a JSON API answer.
    let answer = serde_json::json!({"token": String::from_utf8(token).unwrap()}).to_string();
    assert_found(&scan(&[("api", answer.as_bytes())], ID), &["› hex at"]);
}

#[test]
fn finds_sha512_and_base64_glued_to_a_prefix() {
    let sha512 = Sha512::new()
        .chain_update(UUID)
        .chain_update(":")
        .chain_update(ID);
    let sha512 = sha512.finalize();
    let doc = serde_json::json!({"id": format!("urn:uuid:{UUID}"), "h": hex::encode(sha512)});
    let doc = doc.to_string();
    assert_found(
        &scan(&[("json", doc.as_bytes())], ID),
        &["hex at", "64-byte"],
    );
    let cut = serde_json::json!({"id": UUID, "h": hex::encode(&sha512[..32])}).to_string();
    assert_found(
        &scan(&[("json", cut.as_bytes())], ID),
        &["hex at", "32-byte"],
    );
    // Subresource-integrity style: the digest's base64 glued to `sha256-`.
    let digest = sha256(&[ID.as_bytes(), b"|", UUID_HEX.as_bytes()]);
    let std_b64 = base64::engine::general_purpose::STANDARD.encode(&digest);
    let html = format!(r#"<p>{UUID}</p><script integrity="sha256-{std_b64}"></script>"#);
    assert_found(
        &scan(&[("html", html.as_bytes())], ID),
        &["base64 at", "32-byte"],
    );
}

#[test]
fn finds_base64_with_escaped_slashes() {
    // A salt whose digest has a `/` in base64, written by a JSON encoder that escapes `/`, and
    // percent-encoded in a URL.
    let (salt, b64) = (0..)
        .map(|i| format!("pepper{i}"))
        .map(|salt| {
            let digest = sha256(&[ID.as_bytes(), salt.as_bytes()]);
            let b64 = base64::engine::general_purpose::STANDARD.encode(digest);
            (salt, b64)
        })
        .find(|(_, b64)| b64.contains('/'))
        .unwrap();
    let doc = format!(r#"{{"k":"{salt}","h":"{}"}}"#, b64.replace('/', "\\/"));
    let found = scan(&[("json", doc.as_bytes())], ID);
    assert_found(&found, &["JSON $.h › base64 at 0"]);
    let encoded = b64
        .replace('/', "%2F")
        .replace('+', "%2B")
        .replace('=', "%3D");
    let url = format!("https://verify.example/v?k={salt}&h={encoded}");
    let found = scan(&[("url", url.as_bytes())], ID);
    assert_found(&found, &["form `url` › percent-decoded › base64 at"]);
}

#[test]
fn finds_the_plain_id() {
    let html = format!("<table><tr><td>证件号码</td><td>{ID}</td></tr></table>");
    assert_found(
        &scan(&[("html", html.as_bytes())], ID),
        &["plain text", "offset"],
    );
    let spaced: Vec<String> = ID.chars().map(String::from).collect();
    let pdf_text = format!("ID: {}", spaced.join(" "));
    assert_found(&scan(&[("pdf", pdf_text.as_bytes())], ID), &["plain text"]);
    let x_id = "11010519491231002x";
    let csv = format!("name,id\nZhang San,{x_id}\n");
    assert_found(
        &scan(&[("csv", csv.as_bytes())], "11010519491231002X"),
        &["plain text"],
    );
    let blob = b64url(format!(r#"{{"idNumber":"{ID}"}}"#).as_bytes());
    let token = format!("eyJhbGciOiJFZERTQSJ9.{blob}.c2ln");
    assert_found(
        &scan(&[("jwt", token.as_bytes())], ID),
        &["base64 at", "plain text"],
    );
}

/// A certificate without any trace of the ID, in several forms.
fn clean_forms() -> Vec<(&'static str, Vec<u8>)> {
    let uuid = Uuid::new_v4();
    let doc = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": format!("urn:uuid:{uuid}"),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "credentialSubject": {"name": "张三", "achievement": {"name": "电工 四级"}},
    });
    let html = format!("<h1>张三</h1><p>Certificate {uuid}</p><p>2025-06-30</p>");
    vec![
        ("json", serde_json::to_vec_pretty(&doc).unwrap()),
        ("jwt", jwt(&doc)),
        ("html", html.into_bytes()),
        ("qr-payload", noise(1500, &uuid.to_string())),
    ]
}

#[test]
fn clean_forms_have_no_findings() {
    let forms = clean_forms();
    let forms: Vec<(&str, &[u8])> = forms.iter().map(|(n, f)| (*n, &f[..])).collect();
    assert_eq!(scan(&forms, ID), Vec::<String>::new());
}

#[test]
fn brute_force_recovers_the_old_format_and_printed_ids() {
    let doc = old_format(ID, UUID, true);
    let first17 = "33060219901231999";
    let other = format!("{first17}{}", gb11643_check(first17));
    let html = format!(
        "<td>{} {} {}</td>",
        &other[..6],
        &other[6..14],
        &other[14..]
    );
    let forms = [("json", &doc[..]), ("html", html.as_bytes())];
    let started = Instant::now();
    let findings = brute_force(&forms, "330602", 1990);
    eprintln!("brute_force: 365,000 candidates in {:?}", started.elapsed());
    assert_found(
        &findings,
        &[&format!("ID {ID} recovered from SHA-256(ID ‖ {UUID_HEX})")],
    );
    assert_found(&findings, &[&format!("ID {ID}"), "form `json` › hex at"]);
    assert_found(
        &findings,
        &[&format!("ID {other} recovered: printed in form `html`")],
    );
    assert_eq!(findings.len(), 2, "{findings:#?}");
}

#[test]
fn brute_force_finds_nothing_in_clean_forms() {
    let forms = clean_forms();
    let forms: Vec<(&str, &[u8])> = forms.iter().map(|(n, f)| (*n, &f[..])).collect();
    assert_eq!(brute_force(&forms, "330602", 1990), Vec::<String>::new());
}
