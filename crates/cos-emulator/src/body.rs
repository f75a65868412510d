//! Response bodies: small buffers, object data streamed from memory or disk, and the
//! wrapper that damages a body on purpose for fault injection.

use std::future::Future;
use std::io::SeekFrom;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::stream::{self, StreamExt};
use http_body::{Body, Frame, SizeHint};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty, Full, StreamBody};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::store::Segment;

/// Largest frame of object data (read from a file, or sliced from memory).
const CHUNK: usize = 256 * 1024;

/// The body type of every response.
pub(crate) type ResponseBody = UnsyncBoxBody<Bytes, std::io::Error>;

pub(crate) fn empty() -> ResponseBody {
    Empty::new().map_err(|never| match never {}).boxed_unsync()
}

pub(crate) fn full(data: impl Into<Bytes>) -> ResponseBody {
    Full::new(data.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// Streams `start..end` of an object's data.
pub(crate) fn object(segments: Arc<[Segment]>, start: u64, end: u64) -> ResponseBody {
    struct Cursor {
        segments: Arc<[Segment]>,
        index: usize,
        /// Offset inside `segments[index]`.
        offset: u64,
        remaining: u64,
        file: Option<tokio::fs::File>,
    }
    // Find the segment holding `start`.
    let mut index = 0;
    let mut offset = start;
    while index < segments.len() && offset >= segments[index].len() {
        offset -= segments[index].len();
        index += 1;
    }
    let cursor = Cursor {
        segments,
        index,
        offset,
        remaining: end.saturating_sub(start),
        file: None,
    };
    let frames = stream::unfold(cursor, |mut cursor| async move {
        loop {
            if cursor.remaining == 0 || cursor.index >= cursor.segments.len() {
                return None;
            }
            let segment_len = cursor.segments[cursor.index].len();
            if cursor.offset >= segment_len {
                cursor.index += 1;
                cursor.offset = 0;
                cursor.file = None;
                continue;
            }
            // Bounded frames: hyper copies each one into its write buffer.
            let want = (segment_len - cursor.offset)
                .min(cursor.remaining)
                .min(CHUNK as u64);
            let chunk = match &cursor.segments[cursor.index] {
                Segment::Memory(bytes) => {
                    let from = cursor.offset as usize;
                    Ok(bytes.slice(from..from + want as usize))
                }
                Segment::File { file, offset, .. } => {
                    read_file_chunk(&mut cursor.file, file.path(), offset + cursor.offset, want)
                        .await
                }
            };
            return Some(match chunk {
                Ok(chunk) => {
                    cursor.offset += chunk.len() as u64;
                    cursor.remaining -= chunk.len() as u64;
                    (Ok(Frame::data(chunk)), cursor)
                }
                Err(e) => {
                    // Stop after an error: the connection is aborted by hyper.
                    cursor.remaining = 0;
                    (Err(e), cursor)
                }
            });
        }
    });
    StreamBody::new(frames.boxed()).boxed_unsync()
}

async fn read_file_chunk(
    open: &mut Option<tokio::fs::File>,
    path: &std::path::Path,
    offset: u64,
    want: u64,
) -> std::io::Result<Bytes> {
    if open.is_none() {
        let mut file = tokio::fs::File::open(path).await?;
        file.seek(SeekFrom::Start(offset)).await?;
        *open = Some(file);
    }
    let file = open.as_mut().expect("opened above");
    let mut buffer = vec![0u8; want.min(CHUNK as u64) as usize];
    let mut filled = 0;
    while filled < buffer.len() {
        let n = file.read(&mut buffer[filled..]).await?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("data file {} is shorter than recorded", path.display()),
            ));
        }
        filled += n;
    }
    Ok(Bytes::from(buffer))
}

/// How long a damaged body waits before it is cut, so what came before reaches the client.
const FLUSH_PAUSE: std::time::Duration = std::time::Duration::from_millis(20);

/// How a fault damages a response body.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Damage {
    /// End the body after this many bytes (the headers still announce the full length).
    pub(crate) truncate_at: Option<u64>,
    /// Abort the connection after this many bytes.
    pub(crate) abort_at: Option<u64>,
    /// Invert the byte at this offset.
    pub(crate) flip_at: Option<u64>,
}

/// A body passed through [`Damage`].
pub(crate) struct DamagedBody {
    inner: ResponseBody,
    damage: Damage,
    sent: u64,
    done: bool,
    /// Hyper drops its unflushed output when a body fails or ends short; this pause before
    /// the cut lets it flush the headers and the bytes sent so far.
    flush_pause: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl DamagedBody {
    pub(crate) fn wrap(inner: ResponseBody, damage: Damage) -> ResponseBody {
        DamagedBody {
            inner,
            damage,
            sent: 0,
            done: false,
            flush_pause: None,
        }
        .boxed_unsync()
    }
}

impl Body for DamagedBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        let stop = match (this.damage.truncate_at, this.damage.abort_at) {
            (Some(t), Some(a)) => Some(t.min(a)),
            (t, a) => t.or(a),
        };
        if let Some(stop) = stop
            && this.sent >= stop
        {
            let pause = this
                .flush_pause
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(FLUSH_PAUSE)));
            if pause.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            this.done = true;
            if this.damage.abort_at.is_some_and(|a| a <= stop) {
                return Poll::Ready(Some(Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "fault injection: connection closed mid-response",
                ))));
            }
            return Poll::Ready(None);
        }
        let frame = match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => frame,
            other => return other,
        };
        let Ok(mut data) = frame.into_data() else {
            return Poll::Ready(None);
        };
        let start = this.sent;
        if let Some(stop) = stop
            && start + data.len() as u64 > stop
        {
            data.truncate((stop - start) as usize);
        }
        if let Some(flip) = this.damage.flip_at
            && (start..start + data.len() as u64).contains(&flip)
        {
            let mut bytes = data.to_vec();
            bytes[(flip - start) as usize] ^= 0xFF;
            data = Bytes::from(bytes);
        }
        this.sent += data.len() as u64;
        Poll::Ready(Some(Ok(Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        self.done || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        // The announced length stays the true one; that is the point of the fault.
        self.inner.size_hint()
    }
}
