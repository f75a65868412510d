//! Reading object data: stall timeouts, length and CRC-64 checks, the object stream.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use cos_types::{ClientErrorKind, Error, Result};
use futures::{FutureExt, Stream};

use crate::crc64::Crc64;
use crate::error::{client_error, from_transport};
use crate::model::{ObjectMeta, crc64_header, header_str};
use crate::transport::{ResponseBody, TransportError};

/// The next chunk of `body`, failing with a timeout when none arrives within `stall`.
pub(crate) async fn next_chunk(
    body: &mut ResponseBody,
    stall: Option<Duration>,
) -> Option<Result<Bytes, TransportError>> {
    let Some(limit) = stall else {
        return body.next_chunk().await;
    };
    let mut next = std::pin::pin!(body.next_chunk());
    // Data already buffered needs no timer (registering one costs more than reading a small body).
    if let std::task::Poll::Ready(item) = futures::poll!(next.as_mut()) {
        return item;
    }
    match tokio::time::timeout(limit, next).await {
        Ok(item) => item,
        Err(_) => Some(Err(TransportError::timeout(format!(
            "the response body stalled for {limit:?}"
        )))),
    }
}

/// Checks that object data arrived whole: its length against `Content-Length`, and for
/// whole-object answers (200, not 206) its CRC-64 against `x-cos-hash-crc64ecma`.
#[derive(Debug)]
pub(crate) struct DownloadCheck {
    hasher: Crc64,
    expected_len: Option<u64>,
    expected_crc: Option<u64>,
}

impl DownloadCheck {
    pub(crate) fn new(parts: &http::response::Parts, verify_crc64: bool) -> Self {
        let whole_object = parts.status == http::StatusCode::OK;
        DownloadCheck {
            hasher: Crc64::new(),
            expected_len: header_str(&parts.headers, "content-length").and_then(|v| v.parse().ok()),
            expected_crc: if whole_object && verify_crc64 {
                crc64_header(&parts.headers)
            } else {
                None
            },
        }
    }

    pub(crate) fn update(&mut self, chunk: &[u8]) {
        self.hasher.update(chunk);
    }

    pub(crate) fn finish(&self, operation: &'static str) -> Result<()> {
        let received = self.hasher.len();
        if let Some(expected) = self.expected_len
            && received != expected
        {
            // the connection ended early: another attempt can fetch it whole
            return Err(Error::from(
                cos_types::ClientError::new(
                    ClientErrorKind::Io,
                    format!("{operation}: the body ended after {received} of {expected} bytes"),
                )
                .with_retryable(true),
            ));
        }
        if let Some(expected) = self.expected_crc {
            let actual = self.hasher.finish();
            if actual != expected {
                return Err(client_error(
                    ClientErrorKind::Integrity,
                    format!(
                        "{operation}: the downloaded data's CRC-64 is {actual}, but COS says {expected} \
                         (x-cos-hash-crc64ecma); the data is corrupt"
                    ),
                ));
            }
        }
        Ok(())
    }
}

type ChunkFuture = Pin<
    Box<
        dyn std::future::Future<Output = (ResponseBody, Option<Result<Bytes, TransportError>>)>
            + Send,
    >,
>;

/// An object's data as a stream of chunks, checked as it goes.
///
/// If the data arrives short, broken or corrupted, the stream's last item is an `Err`
/// (`Io`, `Timeout` or `Integrity`) instead of a clean end: a stream that ends with
/// `None` delivered the whole object intact.
pub struct ObjectStream {
    operation: &'static str,
    meta: ObjectMeta,
    state: StreamState,
    check: Option<DownloadCheck>,
    stall: Option<Duration>,
}

enum StreamState {
    Idle(ResponseBody),
    Reading(ChunkFuture),
    Done,
}

impl ObjectStream {
    pub(crate) fn new(
        operation: &'static str,
        body: ResponseBody,
        check: Option<DownloadCheck>,
        stall: Option<Duration>,
    ) -> Self {
        ObjectStream {
            operation,
            meta: empty_meta(),
            state: StreamState::Idle(body),
            check,
            stall,
        }
    }

    pub(crate) fn with_meta(mut self: Box<Self>, meta: ObjectMeta) -> Self {
        self.meta = meta;
        *self
    }

    /// The object's attributes, from the response head.
    pub fn meta(&self) -> &ObjectMeta {
        &self.meta
    }

    /// Reads the rest of the stream into memory (checked like [`Stream`] items).
    pub async fn collect(mut self) -> Result<Bytes> {
        use futures::StreamExt;
        let mut out = bytes::BytesMut::new();
        while let Some(chunk) = self.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out.freeze())
    }
}

fn empty_meta() -> ObjectMeta {
    ObjectMeta::from_headers(&http::HeaderMap::new())
}

impl std::fmt::Debug for ObjectStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectStream")
            .field("operation", &self.operation)
            .field("meta", &self.meta)
            .finish()
    }
}

impl Stream for ObjectStream {
    type Item = Result<Bytes, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            match std::mem::replace(&mut this.state, StreamState::Done) {
                StreamState::Done => return Poll::Ready(None),
                StreamState::Idle(mut body) => {
                    let stall = this.stall;
                    this.state = StreamState::Reading(
                        async move {
                            let next = next_chunk(&mut body, stall).await;
                            (body, next)
                        }
                        .boxed(),
                    );
                }
                StreamState::Reading(mut future) => match future.as_mut().poll(cx) {
                    Poll::Pending => {
                        this.state = StreamState::Reading(future);
                        return Poll::Pending;
                    }
                    Poll::Ready((body, Some(Ok(chunk)))) => {
                        if let Some(check) = &mut this.check {
                            check.update(&chunk);
                        }
                        this.state = StreamState::Idle(body);
                        return Poll::Ready(Some(Ok(chunk)));
                    }
                    Poll::Ready((_, Some(Err(error)))) => {
                        return Poll::Ready(Some(Err(from_transport(this.operation, error))));
                    }
                    Poll::Ready((_, None)) => {
                        let verdict = this.check.take().map(|check| check.finish(this.operation));
                        return Poll::Ready(match verdict {
                            Some(Err(error)) => Some(Err(error)),
                            _ => None,
                        });
                    }
                },
            }
        }
    }
}
