//! W3C Bitstring Status List v1.0 bitstrings: GZIP + multibase base64url (`u` prefix, no
//! padding); index 0 is the left-most (most significant) bit of the first byte.
//!
//! Decoding is capped on every axis: the encoded text length, the decompressed size (so a
//! gzip bomb stops after [`MAX_LIST_BYTES`] + 1 bytes), and the minimum length the
//! specification requires ([`MIN_LIST_BITS`]; shorter lists are refused).

use super::StatusError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::{Read, Write};

/// Entries in every list this crate creates, and the minimum the specification allows (16 KiB).
pub const MIN_LIST_BITS: usize = 131_072;
/// Largest decompressed list accepted (1 MiB = 8,388,608 entries).
pub const MAX_LIST_BYTES: usize = 1 << 20;
/// Longest `encodedList` text accepted (a 1 MiB random list compresses to about this much).
pub const MAX_ENCODED_CHARS: usize = 1_500_000;

/// A decoded status list: one bit per entry, index 0 = most significant bit of byte 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitstring {
    bytes: Vec<u8>,
}

impl Bitstring {
    /// An all-zero list of `bits` entries (rounded up to whole bytes).
    pub fn zeros(bits: usize) -> Self {
        Bitstring {
            bytes: vec![0; bits.div_ceil(8)],
        }
    }

    /// A list over raw bytes (no length check; used for bit-order tests and by the decoder).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Bitstring { bytes }
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.bytes.len() * 8
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The bit at `index`; `None` past the end.
    pub fn get(&self, index: usize) -> Option<bool> {
        let byte = self.bytes.get(index / 8)?;
        Some(byte & (0x80 >> (index % 8)) != 0)
    }

    /// Sets or clears the bit at `index`; `false` when `index` is past the end.
    pub fn set(&mut self, index: usize, value: bool) -> bool {
        let Some(byte) = self.bytes.get_mut(index / 8) else {
            return false;
        };
        let mask = 0x80 >> (index % 8);
        if value {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
        true
    }

    /// Indices of the set bits, ascending.
    pub fn ones(&self) -> Vec<usize> {
        let mut out = Vec::new();
        for (i, &b) in self.bytes.iter().enumerate() {
            if b == 0 {
                continue;
            }
            for j in 0..8 {
                if b & (0x80 >> j) != 0 {
                    out.push(i * 8 + j);
                }
            }
        }
        out
    }

    /// `encodedList`: `u` + base64url (no padding) of the GZIP of the bytes.
    pub fn encode(&self) -> String {
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(&self.bytes).expect("writing to a Vec");
        let compressed = gz.finish().expect("writing to a Vec");
        format!("u{}", URL_SAFE_NO_PAD.encode(compressed))
    }

    /// Decodes an `encodedList` and refuses lists shorter than [`MIN_LIST_BITS`].
    pub fn decode(encoded: &str) -> Result<Self, StatusError> {
        let b = Self::decode_any_length(encoded)?;
        if b.len() < MIN_LIST_BITS {
            return Err(StatusError::Length(format!(
                "encodedList: {} entries, fewer than the minimum of {MIN_LIST_BITS} (STATUS_LIST_LENGTH_ERROR)",
                b.len()
            )));
        }
        Ok(b)
    }

    /// Decodes an `encodedList` of any length up to [`MAX_LIST_BYTES`] (for bit-order tests;
    /// verifiers use [`Bitstring::decode`]).
    pub fn decode_any_length(encoded: &str) -> Result<Self, StatusError> {
        if encoded.len() > MAX_ENCODED_CHARS {
            return Err(StatusError::Encoding(format!(
                "encodedList: {} characters, more than the limit of {MAX_ENCODED_CHARS}",
                encoded.len()
            )));
        }
        let body = encoded.strip_prefix('u').ok_or_else(|| {
            StatusError::Encoding(
                "encodedList: must start with the multibase prefix 'u' (base64url)".into(),
            )
        })?;
        // Tolerate padding some encoders add; the alphabet itself must be base64url.
        let body = body.trim_end_matches('=');
        let compressed = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|e| StatusError::Encoding(format!("encodedList: not base64url: {e}")))?;
        if compressed.len() < 2 || compressed[..2] != [0x1f, 0x8b] {
            return Err(StatusError::Encoding(
                "encodedList: not GZIP data (missing 1f 8b header)".into(),
            ));
        }
        let mut bytes = Vec::new();
        let mut dec = GzDecoder::new(&compressed[..]).take(MAX_LIST_BYTES as u64 + 1);
        dec.read_to_end(&mut bytes)
            .map_err(|e| StatusError::Encoding(format!("encodedList: bad GZIP data: {e}")))?;
        if bytes.len() > MAX_LIST_BYTES {
            return Err(StatusError::Encoding(format!(
                "encodedList: inflates to more than {MAX_LIST_BYTES} bytes (refused)"
            )));
        }
        Ok(Bitstring { bytes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msb_first_and_round_trip() {
        let mut b = Bitstring::zeros(MIN_LIST_BITS);
        assert!(b.set(0, true));
        assert!(b.set(9, true));
        assert!(b.set(MIN_LIST_BITS - 1, true));
        assert!(!b.set(MIN_LIST_BITS, true));
        assert_eq!(b.as_bytes()[0], 0x80);
        assert_eq!(b.as_bytes()[1], 0x40);
        let d = Bitstring::decode(&b.encode()).unwrap();
        assert_eq!(d.ones(), vec![0, 9, MIN_LIST_BITS - 1]);
        assert_eq!(d.get(MIN_LIST_BITS), None);
        let mut d = d;
        d.set(9, false);
        assert_eq!(d.ones(), vec![0, MIN_LIST_BITS - 1]);
    }

    #[test]
    fn malformed_refused() {
        for bad in ["", "u", "zabc", "u!!!!", "uAAAA", "uH4sI"] {
            assert!(Bitstring::decode(bad).is_err(), "{bad:?}");
        }
        let long = "u".repeat(MAX_ENCODED_CHARS + 1);
        assert!(matches!(
            Bitstring::decode(&long),
            Err(StatusError::Encoding(_))
        ));
    }

    #[test]
    fn short_list_refused() {
        let b = Bitstring::zeros(MIN_LIST_BITS - 8);
        assert!(matches!(
            Bitstring::decode(&b.encode()),
            Err(StatusError::Length(_))
        ));
        assert!(Bitstring::decode_any_length(&b.encode()).is_ok());
    }
}
