//! The primitive encodings of the QR body (`docs/FORMAT.md` §5), each with its writer and its
//! reader side by side: `varint`, `bytes`, `text`. Reads are bounded and position-tracking, and
//! name the field in every error.

use super::text::{compact_text, decode_compact_text};
use super::QrError;

/// A payload error at field `at`.
pub(super) fn err(at: &str, reason: impl Into<String>) -> QrError {
    QrError::Payload {
        at: at.to_owned(),
        reason: reason.into(),
    }
}

/// `varint`: unsigned LEB128, minimal (read by [`Reader::varint`]).
pub(super) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// `bytes`: `varint` length, then the bytes (read by [`Reader::bytes`]).
pub(super) fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// `text`: `bytes` of compact text (read by [`Reader::text`]).
pub(super) fn put_text(out: &mut Vec<u8>, s: &str) {
    put_bytes(out, &compact_text(s));
}

/// A cursor over a QR body.
pub(super) struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(b: &'a [u8]) -> Reader<'a> {
        Reader { b, pos: 0 }
    }
    /// Bytes not read yet.
    pub(super) fn remaining(&self) -> usize {
        self.b.len() - self.pos
    }
    pub(super) fn take(&mut self, at: &str, n: usize) -> Result<&'a [u8], QrError> {
        if self.remaining() < n {
            return Err(err(at, format!("truncated at byte {}", self.pos)));
        }
        let s = &self.b[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    /// Exactly `N` bytes.
    pub(super) fn array<const N: usize>(&mut self, at: &str) -> Result<[u8; N], QrError> {
        Ok(self.take(at, N)?.try_into().expect("N bytes"))
    }
    pub(super) fn u8(&mut self, at: &str) -> Result<u8, QrError> {
        Ok(self.take(at, 1)?[0])
    }
    pub(super) fn varint(&mut self, at: &str) -> Result<u64, QrError> {
        let mut v = 0u64;
        for i in 0..10 {
            let b = self.u8(at)?;
            if i == 9 && b > 1 {
                return Err(err(at, "varint overflows 64 bits"));
            }
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                if i > 0 && b == 0 {
                    return Err(err(at, "varint is not minimal"));
                }
                return Ok(v);
            }
        }
        Err(err(at, "varint too long"))
    }
    pub(super) fn bytes(&mut self, at: &str) -> Result<&'a [u8], QrError> {
        let n = self.varint(at)?;
        let n = usize::try_from(n).map_err(|_| err(at, "length out of range"))?;
        self.take(at, n)
    }
    pub(super) fn utf8(&mut self, at: &str) -> Result<String, QrError> {
        let b = self.bytes(at)?;
        String::from_utf8(b.to_vec()).map_err(|_| err(at, "not UTF-8"))
    }
    pub(super) fn text(&mut self, at: &str) -> Result<String, QrError> {
        decode_compact_text(self.bytes(at)?).map_err(|r| err(at, r.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_must_be_minimal() {
        assert!(Reader::new(&[0x80, 0x00]).varint("x").is_err());
        let mut v = vec![];
        put_varint(&mut v, 131_071);
        assert_eq!(v.len(), 3);
        assert_eq!(Reader::new(&v).varint("x").unwrap(), 131_071);
    }
}
