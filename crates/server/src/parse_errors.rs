//! JSON bodies for the errors hyper answers itself.
//!
//! A request head hyper cannot parse never reaches the router: hyper answers it on its own,
//! with an empty body, and closes the connection. It has no hook for that answer, so
//! [`JsonParseErrors`] wraps each connection's socket and replaces the answer, as it is
//! written, with the service's JSON error (`{"error", "message"}`, the same status,
//! `Connection: close`):
//!
//! - 400 `bad_request`: a garbage request line or a malformed header;
//! - 414 `uri_too_long`: a request target over 65,534 bytes;
//! - 431 `headers_too_large`: a head over [`MAX_HEAD_BYTES`], or over 100 header fields.
//!
//! hyper writes such an answer as a lone head `HTTP/1.1 400 …` with `content-length: 0` and no
//! `content-type`, before anything else of the connection's current exchange. Every answer of
//! the router to an error has a JSON (or HTML) body and its content type, so none looks like
//! that; what does is replaced, everything else passes through untouched.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Largest request head (line and headers) hyper buffers; larger heads get a 431.
pub const MAX_HEAD_BYTES: usize = 128 << 10;

/// A socket whose writes are watched for hyper's own error answers (see the module docs).
#[derive(Debug)]
pub struct JsonParseErrors<S> {
    inner: S,
    /// Our answer, while it is being written; `sent` bytes of it are out.
    pending: Vec<u8>,
    sent: usize,
}

impl<S> JsonParseErrors<S> {
    /// Wraps a connection's socket.
    pub fn new(inner: S) -> JsonParseErrors<S> {
        JsonParseErrors {
            inner,
            pending: Vec::new(),
            sent: 0,
        }
    }
}

/// The message of a status hyper answers a bad head with.
fn message(status: u16) -> Option<&'static str> {
    match status {
        400 => Some("the request could not be parsed: malformed request line or header"),
        414 => Some("the request target (URI) is too long"),
        431 => Some("the request head (request line and headers) is too large"),
        _ => None,
    }
}

/// The JSON answer that replaces `written`, when `written` is hyper's own answer to a bad
/// request head.
pub fn replacement(written: &[u8]) -> Option<Vec<u8>> {
    if written.len() > 1024 {
        return None;
    }
    let head = std::str::from_utf8(written)
        .ok()?
        .strip_suffix("\r\n\r\n")?;
    if head.contains("\r\n\r\n") {
        return None;
    }
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let status: u16 = status_line
        .strip_prefix("HTTP/1.1 ")?
        .get(..3)?
        .parse()
        .ok()?;
    let msg = message(status)?;
    let mut keep = Vec::new();
    let mut empty = false;
    for line in lines {
        let (name, value) = line.split_once(':')?;
        match name.trim().to_ascii_lowercase().as_str() {
            "content-type" | "transfer-encoding" => return None,
            "content-length" => empty = value.trim() == "0",
            "connection" => {}
            _ => keep.push(line),
        }
    }
    if !empty {
        return None;
    }
    let status_code = axum::http::StatusCode::from_u16(status).ok()?;
    let body = super::bodies::to_json(&super::bodies::ErrorBody {
        error: super::errors::code_for(status_code).to_owned(),
        message: msg.to_owned(),
    });
    let mut out = format!(
        "{status_line}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\ncache-control: no-store\r\nx-content-type-options: nosniff\r\n",
        body.len()
    );
    for line in keep {
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.push_str(&body);
    Some(out.into_bytes())
}

impl<S: AsyncWrite + Unpin> JsonParseErrors<S> {
    /// Writes out what is left of our answer.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.pending.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.sent += n;
        }
        self.pending.clear();
        self.sent = 0;
        Poll::Ready(Ok(()))
    }

    /// Takes `buf` in place of hyper's answer when it is one; then our answer is on its way
    /// (finished by the next write, flush or shutdown).
    fn poll_replace(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Option<io::Result<usize>> {
        let ours = replacement(buf)?;
        self.pending = ours;
        self.sent = 0;
        match self.poll_pending(cx) {
            Poll::Ready(Err(e)) => Some(Err(e)),
            _ => Some(Ok(buf.len())),
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for JsonParseErrors<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for JsonParseErrors<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        if let Some(r) = this.poll_replace(cx, buf) {
            return Poll::Ready(r);
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        let mut filled = bufs.iter().filter(|b| !b.is_empty());
        if let (Some(only), None) = (filled.next(), filled.next()) {
            if let Some(r) = this.poll_replace(cx, only) {
                return Poll::Ready(r);
            }
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::replacement;

    #[test]
    fn only_hypers_empty_error_heads_are_replaced() {
        let hyper = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\n";
        let out = String::from_utf8(replacement(hyper).unwrap()).unwrap();
        assert!(out.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        assert!(out.contains("content-type: application/json\r\n"));
        assert!(out.contains("connection: close\r\n"));
        assert!(out.contains("date: Mon, 01 Jan 2024"));
        let body = out.split_once("\r\n\r\n").unwrap().1;
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["error"], "headers_too_large");
        assert!(out.contains(&format!("content-length: {}\r\n", body.len())));
        // Answers of the router, and other statuses, pass.
        for ok in [
            &b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n"[..],
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 12\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n{}",
            b"HTTP/1.1 400 Bad Request\r\ntransfer-encoding: chunked\r\n\r\n",
            b"{\"error\": \"HTTP/1.1 400 \"}",
        ] {
            assert!(replacement(ok).is_none(), "{}", String::from_utf8_lossy(ok));
        }
    }
}
