//! Header-name case on the wire.
//!
//! hyper writes every header name in lower case; COS writes `ETag`, `Content-Length`,
//! `Last-Modified` and so on, and clients that copy headers into a case-sensitive map (the
//! official Python SDK returns `dict(**response.headers)`, read as `response['ETag']`)
//! depend on it. [`CosCaseIo`] sits between hyper and the socket and rewrites the names in
//! each response head to COS's spelling. The rewrite never changes a length, so it is done
//! on a copy of the head, byte for byte; bodies pass through untouched.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// For each response the handler returns, in order: whether it answers a HEAD request
/// (its head announces a length but no body follows).
#[derive(Debug, Clone, Default)]
pub(crate) struct ResponseLog(Arc<Mutex<VecDeque<bool>>>);

impl ResponseLog {
    pub(crate) fn push(&self, is_head_request: bool) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(is_head_request);
    }

    fn pop(&self) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop_front()
            .unwrap_or(false)
    }
}

enum State {
    /// Inside a response head; `line` holds the current, incomplete line.
    Head {
        line: Vec<u8>,
        lines: usize,
        interim: bool,
        length: u64,
        chunked: bool,
    },
    /// Inside a body with this many bytes to go.
    Body(u64),
    /// A framing the rewriter does not follow: pass everything through from now on.
    PassThrough,
}

impl State {
    fn new_head() -> Self {
        State::Head {
            line: Vec::new(),
            lines: 0,
            interim: false,
            length: 0,
            chunked: false,
        }
    }
}

/// Wraps a connection; see the module documentation.
pub(crate) struct CosCaseIo<T> {
    inner: T,
    log: ResponseLog,
    state: State,
    /// Rewritten bytes accepted from hyper but not yet taken by the socket.
    pending: Vec<u8>,
    pending_from: usize,
}

impl<T> CosCaseIo<T> {
    pub(crate) fn new(inner: T, log: ResponseLog) -> Self {
        CosCaseIo {
            inner,
            log,
            state: State::new_head(),
            pending: Vec::new(),
            pending_from: 0,
        }
    }

    /// Runs the head/body state machine over `input`, appending the rewritten bytes to
    /// `out`. Returns how many input bytes were consumed (all of them).
    fn rewrite(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let mut at = 0;
        while at < input.len() {
            match &mut self.state {
                State::PassThrough => {
                    out.extend_from_slice(&input[at..]);
                    return;
                }
                State::Body(remaining) => {
                    let take = (*remaining).min((input.len() - at) as u64) as usize;
                    out.extend_from_slice(&input[at..at + take]);
                    at += take;
                    *remaining -= take as u64;
                    if *remaining == 0 {
                        self.state = State::new_head();
                    }
                }
                State::Head {
                    line,
                    lines,
                    interim,
                    length,
                    chunked,
                } => {
                    let byte = input[at];
                    at += 1;
                    line.push(byte);
                    if byte != b'\n' {
                        continue;
                    }
                    let complete = std::mem::take(line);
                    *lines += 1;
                    if *lines == 1 {
                        // `HTTP/1.1 100 Continue`: an interim head, no body, no log entry.
                        *interim = complete.get(9) == Some(&b'1');
                        let no_body = complete
                            .get(9..12)
                            .is_some_and(|s| s == b"204" || s == b"304");
                        if no_body {
                            *length = 0;
                        }
                        out.extend_from_slice(&complete);
                        continue;
                    }
                    if complete == b"\r\n" || complete == b"\n" {
                        out.extend_from_slice(&complete);
                        let next = if *interim {
                            State::new_head()
                        } else if *chunked {
                            State::PassThrough
                        } else {
                            let is_head_request = self.log.pop();
                            match *length {
                                0 => State::new_head(),
                                _ if is_head_request => State::new_head(),
                                n => State::Body(n),
                            }
                        };
                        self.state = next;
                        continue;
                    }
                    let colon = complete.iter().position(|&b| b == b':').unwrap_or(0);
                    let (name, rest) = complete.split_at(colon);
                    if name.eq_ignore_ascii_case(b"content-length") {
                        *length = std::str::from_utf8(&rest[1..])
                            .ok()
                            .and_then(|v| v.trim().parse().ok())
                            .unwrap_or(0);
                    } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                        *chunked = true;
                    }
                    out.extend_from_slice(&cos_case(name));
                    out.extend_from_slice(rest);
                }
            }
        }
    }
}

/// COS's spelling of a header name: `x-cos-*` lower case, `ETag`, otherwise title case.
fn cos_case(name: &[u8]) -> Vec<u8> {
    if name.len() >= 6 && name[..6].eq_ignore_ascii_case(b"x-cos-") {
        return name.to_ascii_lowercase();
    }
    if name.eq_ignore_ascii_case(b"etag") {
        return b"ETag".to_vec();
    }
    let mut upper = true;
    name.iter()
        .map(|&b| {
            let out = if upper {
                b.to_ascii_uppercase()
            } else {
                b.to_ascii_lowercase()
            };
            upper = b == b'-';
            out
        })
        .collect()
}

impl<T: AsyncWrite + Unpin> CosCaseIo<T> {
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.pending_from < self.pending.len() {
            let n = std::task::ready!(
                Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.pending_from..])
            )?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.pending_from += n;
        }
        self.pending.clear();
        self.pending_from = 0;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for CosCaseIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for CosCaseIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        std::task::ready!(this.poll_drain(cx))?;
        // Body bytes go straight through.
        if let State::Body(remaining) = &mut this.state {
            let take = (*remaining).min(buf.len() as u64) as usize;
            let n = std::task::ready!(Pin::new(&mut this.inner).poll_write(cx, &buf[..take]))?;
            *remaining -= n as u64;
            if *remaining == 0 {
                this.state = State::new_head();
            }
            return Poll::Ready(Ok(n));
        }
        let mut out = std::mem::take(&mut this.pending);
        this.rewrite(buf, &mut out);
        this.pending = out;
        // Hand what we can to the socket now; the rest goes on the next write or flush.
        let _ = this.poll_drain(cx)?;
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        std::task::ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        std::task::ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite_all(log: &ResponseLog, chunks: &[&[u8]]) -> Vec<u8> {
        let mut io = CosCaseIo::new(Vec::<u8>::new(), log.clone());
        let mut out = Vec::new();
        for chunk in chunks {
            if let State::Body(remaining) = &mut io.state {
                let take = (*remaining).min(chunk.len() as u64) as usize;
                out.extend_from_slice(&chunk[..take]);
                *remaining -= take as u64;
                if *remaining == 0 {
                    io.state = State::new_head();
                }
                io.rewrite(&chunk[take..], &mut out);
            } else {
                io.rewrite(chunk, &mut out);
            }
        }
        out
    }

    #[test]
    fn names_get_cos_case_and_bodies_are_untouched() {
        let log = ResponseLog::default();
        log.push(false);
        log.push(true);
        let first = b"HTTP/1.1 200 OK\r\netag: \"x\"\r\ncontent-length: 14\r\nx-cos-request-id: abc\r\n\r\netag: not-head";
        let second = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nlast-modified: d\r\n\r\n";
        let out = rewrite_all(&log, &[&first[..40], &first[40..], second]);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "HTTP/1.1 200 OK\r\nETag: \"x\"\r\nContent-Length: 14\r\nx-cos-request-id: abc\r\n\r\netag: not-head\
             HTTP/1.1 200 OK\r\nContent-Length: 5\r\nLast-Modified: d\r\n\r\n"
        );
    }

    #[test]
    fn interim_heads_have_no_body() {
        let log = ResponseLog::default();
        log.push(false);
        let input =
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nserver: tencent-cos\r\n\r\n";
        let out = rewrite_all(&log, &[input]);
        assert!(
            String::from_utf8(out)
                .unwrap()
                .ends_with("Server: tencent-cos\r\n\r\n")
        );
    }
}
