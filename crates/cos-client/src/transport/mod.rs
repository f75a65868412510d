//! The pluggable HTTP layer: the [`Transport`] trait and its body types.
//!
//! Nothing in this module depends on an HTTP library. The client builds an
//! [`http::Request<Body>`] (absolute URI, `Host` and every other header already set and
//! signed), hands it to a [`Transport`], and reads the [`http::Response<ResponseBody>`]
//! it gets back. A transport sends exactly what it is given: it must not follow
//! redirects, retry, add or rewrite signed headers, or normalise the path (`.`, `..`
//! and `//` are part of COS keys).
//!
//! - [`reqwest`] (feature `reqwest`, on by default): [`ReqwestTransport`](self::reqwest::ReqwestTransport).
//! - `scripted` (feature `test-util`): an in-memory transport for unit tests that answers
//!   from a script and records each request.
//!
//! Implementing one:
//!
//! ```
//! use cos_client::transport::{Body, ResponseBody, Transport, TransportError};
//!
//! /// Answers every request with `503 Service Unavailable`, without touching the network.
//! #[derive(Debug)]
//! struct AlwaysUnavailable;
//!
//! #[async_trait::async_trait]
//! impl Transport for AlwaysUnavailable {
//!     async fn send(
//!         &self,
//!         _request: http::Request<Body>,
//!     ) -> Result<http::Response<ResponseBody>, TransportError> {
//!         let mut response = http::Response::new(ResponseBody::empty());
//!         *response.status_mut() = http::StatusCode::SERVICE_UNAVAILABLE;
//!         Ok(response)
//!     }
//! }
//! let transport: std::sync::Arc<dyn Transport> = std::sync::Arc::new(AlwaysUnavailable);
//! # let _ = transport;
//! ```

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::Stream;
use futures::stream::BoxStream;

#[cfg(feature = "reqwest")]
pub mod reqwest;
#[cfg(any(test, feature = "test-util"))]
pub mod scripted;

/// The attribute the [`Transport`] trait is written with, re-exported for implementations.
pub use async_trait::async_trait;

/// A boxed error, as transports report their underlying causes.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Sends one HTTP request and returns the response head with a streaming body.
///
/// Object-safe: the client holds an `Arc<dyn Transport>`. Any response that arrives —
/// 2xx, 3xx, 4xx or 5xx — is `Ok`; `Err` means no response head was received (or the
/// request body could not be produced), and its [`TransportErrorKind`] lets the retry
/// policy tell a refused connection from a timeout or a broken stream.
#[async_trait::async_trait]
pub trait Transport: Send + Sync + fmt::Debug + 'static {
    /// Sends `request` and waits for the response head.
    async fn send(
        &self,
        request: http::Request<Body>,
    ) -> Result<http::Response<ResponseBody>, TransportError>;
}

/// What went wrong in a transport, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection could be made (DNS, refused, TLS handshake): the request was not sent.
    Connect,
    /// A transport-level timeout fired.
    Timeout,
    /// The connection broke while sending or receiving (reset, unexpected EOF).
    Io,
    /// Anything else (an invalid request, a bug in the transport).
    Other,
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportErrorKind::Connect => "connect error",
            TransportErrorKind::Timeout => "timeout",
            TransportErrorKind::Io => "i/o error",
            TransportErrorKind::Other => "transport error",
        })
    }
}

/// A failure to exchange a request and response, with its cause kept as `source()`.
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    source: BoxError,
}

impl TransportError {
    /// An error of `kind` caused by `source`.
    pub fn new(kind: TransportErrorKind, source: impl Into<BoxError>) -> Self {
        TransportError {
            kind,
            source: source.into(),
        }
    }

    /// No connection could be made.
    pub fn connect(source: impl Into<BoxError>) -> Self {
        Self::new(TransportErrorKind::Connect, source)
    }

    /// A timeout fired.
    pub fn timeout(source: impl Into<BoxError>) -> Self {
        Self::new(TransportErrorKind::Timeout, source)
    }

    /// The connection broke.
    pub fn io(source: impl Into<BoxError>) -> Self {
        Self::new(TransportErrorKind::Io, source)
    }

    /// Any other failure.
    pub fn other(source: impl Into<BoxError>) -> Self {
        Self::new(TransportErrorKind::Other, source)
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// Consumes the error, giving back its cause.
    pub fn into_source(self) -> BoxError {
        self.source
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.source)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

impl From<io::Error> for TransportError {
    fn from(error: io::Error) -> Self {
        let kind = match error.kind() {
            io::ErrorKind::TimedOut => TransportErrorKind::Timeout,
            io::ErrorKind::ConnectionRefused => TransportErrorKind::Connect,
            _ => TransportErrorKind::Io,
        };
        TransportError::new(kind, error)
    }
}

/// A request body: empty, bytes in memory, or a stream of chunks produced once.
///
/// The client creates a fresh `Body` for each attempt (re-reading a file from its
/// offset, or cloning in-memory bytes), so a transport may consume it freely.
/// The `Content-Length` header, when the length is known, is already on the request.
pub struct Body {
    inner: BodyInner,
}

enum BodyInner {
    Bytes(Bytes),
    Stream {
        stream: BoxStream<'static, io::Result<Bytes>>,
        len: Option<u64>,
    },
}

impl Body {
    /// An empty body.
    pub fn empty() -> Self {
        Body {
            inner: BodyInner::Bytes(Bytes::new()),
        }
    }

    /// A body streamed from `stream`, of `len` bytes when known.
    pub fn from_stream(
        stream: impl Stream<Item = io::Result<Bytes>> + Send + 'static,
        len: Option<u64>,
    ) -> Self {
        Body {
            inner: BodyInner::Stream {
                stream: Box::pin(stream),
                len,
            },
        }
    }

    /// The body's length, when known.
    pub fn len(&self) -> Option<u64> {
        match &self.inner {
            BodyInner::Bytes(bytes) => Some(bytes.len() as u64),
            BodyInner::Stream { len, .. } => *len,
        }
    }

    /// Whether the body is known to be empty.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// The bytes of an in-memory body, or the body back when it is a stream.
    ///
    /// Transports use this to send in-memory bodies without the cost of a stream.
    pub fn try_into_bytes(self) -> Result<Bytes, Body> {
        match self.inner {
            BodyInner::Bytes(bytes) => Ok(bytes),
            inner @ BodyInner::Stream { .. } => Err(Body { inner }),
        }
    }

    /// Reads the whole body into memory.
    pub async fn collect(self) -> io::Result<Bytes> {
        use futures::TryStreamExt;
        match self.inner {
            BodyInner::Bytes(bytes) => Ok(bytes),
            BodyInner::Stream { stream, .. } => {
                let chunks: Vec<Bytes> = stream.try_collect().await?;
                Ok(chunks.concat().into())
            }
        }
    }
}

impl Stream for Body {
    type Item = io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match &mut self.get_mut().inner {
            BodyInner::Bytes(bytes) => {
                if bytes.is_empty() {
                    Poll::Ready(None)
                } else {
                    Poll::Ready(Some(Ok(std::mem::take(bytes))))
                }
            }
            BodyInner::Stream { stream, .. } => stream.as_mut().poll_next(cx),
        }
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            BodyInner::Bytes(bytes) => write!(f, "Body::Bytes({} bytes)", bytes.len()),
            BodyInner::Stream { len, .. } => write!(f, "Body::Stream(len: {len:?})"),
        }
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Body {
            inner: BodyInner::Bytes(bytes),
        }
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Bytes::from(bytes).into()
    }
}

impl From<&'static [u8]> for Body {
    fn from(bytes: &'static [u8]) -> Self {
        Bytes::from_static(bytes).into()
    }
}

impl From<&'static str> for Body {
    fn from(text: &'static str) -> Self {
        Bytes::from_static(text.as_bytes()).into()
    }
}

impl From<String> for Body {
    fn from(text: String) -> Self {
        Bytes::from(text).into()
    }
}

/// A response body: a stream of chunks, or bytes already in memory.
pub struct ResponseBody {
    inner: ResponseInner,
}

enum ResponseInner {
    Bytes(Bytes),
    Stream(BoxStream<'static, Result<Bytes, TransportError>>),
}

impl ResponseBody {
    /// An empty body.
    pub fn empty() -> Self {
        ResponseBody {
            inner: ResponseInner::Bytes(Bytes::new()),
        }
    }

    /// A body whose bytes are all in memory.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        ResponseBody {
            inner: ResponseInner::Bytes(bytes.into()),
        }
    }

    /// A body streamed from `stream`; an `Err` item means the connection broke mid-body.
    pub fn from_stream(
        stream: impl Stream<Item = Result<Bytes, TransportError>> + Send + 'static,
    ) -> Self {
        ResponseBody {
            inner: ResponseInner::Stream(Box::pin(stream)),
        }
    }

    /// The next chunk, `None` at the end.
    pub async fn next_chunk(&mut self) -> Option<Result<Bytes, TransportError>> {
        futures::StreamExt::next(self).await
    }
}

impl Stream for ResponseBody {
    type Item = Result<Bytes, TransportError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match &mut self.get_mut().inner {
            ResponseInner::Bytes(bytes) => {
                if bytes.is_empty() {
                    Poll::Ready(None)
                } else {
                    Poll::Ready(Some(Ok(std::mem::take(bytes))))
                }
            }
            ResponseInner::Stream(stream) => stream.as_mut().poll_next(cx),
        }
    }
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            ResponseInner::Bytes(bytes) => write!(f, "ResponseBody::Bytes({} bytes)", bytes.len()),
            ResponseInner::Stream(_) => f.write_str("ResponseBody::Stream"),
        }
    }
}
