//! Reading the QR body: bounded, position-tracking reads that name the field in every error.

use super::text::decode_compact_text;
use super::QrError;

fn err(at: &str, reason: impl Into<String>) -> QrError {
    QrError::Payload {
        at: at.to_owned(),
        reason: reason.into(),
    }
}

/// A cursor over a QR body.
pub(super) struct Reader<'a> {
    pub(super) b: &'a [u8],
    pub(super) pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn take(&mut self, at: &str, n: usize) -> Result<&'a [u8], QrError> {
        if self.b.len() - self.pos < n {
            return Err(err(at, format!("truncated at byte {}", self.pos)));
        }
        let s = &self.b[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
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
