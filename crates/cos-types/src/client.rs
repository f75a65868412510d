//! Client errors: the request produced no COS answer we could use.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::io;

use crate::Error;
use crate::attempts::EarlierAttempts;

/// What kind of client failure happened.
///
/// The four client failures the Python SDK documents (cannot connect, cannot parse the
/// server's data, local file I/O, timeout) are [`Connect`](Self::Connect),
/// [`Decode`](Self::Decode), [`Io`](Self::Io) and [`Timeout`](Self::Timeout).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClientErrorKind {
    /// The connection could not be made (DNS, TCP connect, TLS handshake). Retryable.
    Connect,
    /// A timeout elapsed (connect, read stall, or an operation deadline). Retryable.
    Timeout,
    /// An I/O error: a local file, or the connection failing mid-exchange. Retryable only
    /// when the I/O error in the `source()` chain is a connection reset, abort, broken
    /// pipe, unexpected EOF or timeout; a local file error (not found, permission
    /// denied, ...) is not.
    Io,
    /// The response could not be decoded (bad XML, missing fields, a 200 without the
    /// expected result). Not retryable.
    Decode,
    /// The input was invalid before anything was sent (a bad bucket name, key, region,
    /// range, part number, ...). Not retryable.
    InvalidInput,
    /// Credentials were missing or could not be obtained. Not retryable.
    Credentials,
    /// An integrity check failed: the CRC64 or MD5 of the data does not match what COS
    /// reported (for example a corrupted download). Retryable: a new attempt fetches
    /// the data again.
    Integrity,
    /// The request body could not be produced or replayed (a stream already consumed
    /// by an earlier attempt, or a body source that failed). Not retryable.
    Body,
    /// Anything else. Not retryable.
    Other,
}

impl ClientErrorKind {
    /// A short lower-case description, as used in `Display`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ClientErrorKind::Connect => "connect",
            ClientErrorKind::Timeout => "timeout",
            ClientErrorKind::Io => "io",
            ClientErrorKind::Decode => "decode",
            ClientErrorKind::InvalidInput => "invalid input",
            ClientErrorKind::Credentials => "credentials",
            ClientErrorKind::Integrity => "integrity",
            ClientErrorKind::Body => "body",
            ClientErrorKind::Other => "other",
        }
    }
}

impl fmt::Display for ClientErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure on our side of the wire: the request never produced a COS answer we
/// could read.
///
/// It has a [`kind`](Self::kind), a context naming the operation (and usually its
/// target), and the underlying error as [`source()`](std::error::Error::source).
///
/// ```
/// use cos_types::{ClientError, ClientErrorKind};
///
/// let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
/// let err = ClientError::new(ClientErrorKind::Io, "GetObject examplebucket-1250000000/a.txt")
///     .with_source(io);
/// assert_eq!(err.kind(), ClientErrorKind::Io);
/// assert!(err.is_retryable()); // a reset connection is worth another attempt
/// assert_eq!(
///     err.to_string(),
///     "COS client error (io) in GetObject examplebucket-1250000000/a.txt"
/// );
/// ```
pub struct ClientError {
    inner: Box<ClientInner>,
}

struct ClientInner {
    kind: ClientErrorKind,
    context: Cow<'static, str>,
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
    retryable: Option<bool>,
    earlier_attempts: EarlierAttempts,
}

impl ClientError {
    /// A client error of `kind`, with a context naming the operation, e.g.
    /// `"PutObject examplebucket-1250000000/a.txt"`.
    pub fn new(kind: ClientErrorKind, context: impl Into<Cow<'static, str>>) -> Self {
        ClientError {
            inner: Box::new(ClientInner {
                kind,
                context: context.into(),
                source: None,
                retryable: None,
                earlier_attempts: EarlierAttempts::default(),
            }),
        }
    }

    /// Keeps `source` as the cause, returned by [`source()`](std::error::Error::source).
    pub fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// Like [`with_source`](Self::with_source), for an already boxed cause.
    pub fn with_boxed_source(mut self, source: Box<dyn StdError + Send + Sync + 'static>) -> Self {
        self.inner.source = Some(source);
        self
    }

    /// Overrides the retry classification of [`is_retryable`](Self::is_retryable), for
    /// a caller that knows better than the kind (for example a transport error that is
    /// known to have happened before the request was sent).
    pub fn with_retryable(mut self, retryable: bool) -> Self {
        self.inner.retryable = Some(retryable);
        self
    }

    /// Keeps `earlier` as the errors of the earlier attempts of the same operation,
    /// oldest first, replacing any list already kept: see
    /// [`Error::with_earlier_attempts`].
    pub fn with_earlier_attempts(mut self, earlier: Vec<Error>) -> Self {
        self.inner.earlier_attempts = EarlierAttempts::new(earlier);
        self
    }

    /// The errors of the earlier attempts of the same operation, oldest first; empty
    /// when this error is from the first attempt. See [`Error::earlier_attempts`].
    pub fn earlier_attempts(&self) -> &[Error] {
        self.inner.earlier_attempts.as_slice()
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ClientErrorKind {
        self.inner.kind
    }

    /// The operation (and target) that failed.
    pub fn context(&self) -> &str {
        &self.inner.context
    }

    /// Whether another attempt may succeed.
    ///
    /// Unless overridden with [`with_retryable`](Self::with_retryable): `Connect`,
    /// `Timeout` and `Integrity` are retryable; `Io` is retryable when an
    /// [`std::io::Error`] in the source chain is a connection reset or abort, a broken
    /// pipe, an unexpected EOF or a timeout (the connection failed under us, not a local
    /// file); every other kind is not.
    pub fn is_retryable(&self) -> bool {
        if let Some(retryable) = self.inner.retryable {
            return retryable;
        }
        match self.inner.kind {
            ClientErrorKind::Connect | ClientErrorKind::Timeout | ClientErrorKind::Integrity => {
                true
            }
            ClientErrorKind::Io => self.io_error_in_chain().is_some_and(is_transient_io),
            _ => false,
        }
    }

    /// The first [`std::io::Error`] in the source chain, if any.
    fn io_error_in_chain(&self) -> Option<&io::Error> {
        let mut next: Option<&(dyn StdError + 'static)> = self.source_ref();
        while let Some(error) = next {
            if let Some(io) = error.downcast_ref::<io::Error>() {
                return Some(io);
            }
            next = error.source();
        }
        None
    }

    fn source_ref(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|source| source as &(dyn StdError + 'static))
    }
}

/// I/O failures that mean the connection broke, as opposed to a local problem.
fn is_transient_io(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof
            | io::ErrorKind::TimedOut
    )
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "COS client error ({})", self.inner.kind)?;
        if !self.inner.context.is_empty() {
            write!(f, " in {}", self.inner.context)?;
        }
        self.inner.earlier_attempts.write_suffix(f)
    }
}

impl fmt::Debug for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("ClientError");
        debug
            .field("kind", &self.inner.kind)
            .field("context", &self.inner.context)
            .field("source", &self.inner.source);
        if let Some(retryable) = self.inner.retryable {
            debug.field("retryable", &retryable);
        }
        if !self.earlier_attempts().is_empty() {
            debug.field("earlier_attempts", &self.earlier_attempts());
        }
        debug.finish()
    }
}

impl StdError for ClientError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source_ref()
    }
}
