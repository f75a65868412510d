//! Service errors: COS (or a hop in front of it) answered, and the answer is a failure.

use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode};

use crate::Error;
use crate::attempts::EarlierAttempts;
use crate::body::{self, BodyFormat, Text};
use crate::code::ErrorCode;

/// A failure answered by COS, or by something in front of it (a proxy, a load balancer).
///
/// Built from the response with [`ServiceError::from_response`]. The body is parsed once
/// and kept as received ([`raw_body`](Self::raw_body)); the fields are ranges of it, so
/// building one from a typical COS error body allocates once (this box).
///
/// Where a field comes from:
///
/// | accessor | source |
/// |---|---|
/// | [`code`](Self::code) | body `<Code>` (or JSON `code`), else header `x-cos-error-code`, else derived from the status (`404` → `NotFound`, see [`code_is_derived`](Self::code_is_derived)) |
/// | [`message`](Self::message) | body `<Message>`, else the status's reason phrase (`Not Found`) |
/// | [`request_id`](Self::request_id) | body `<RequestId>`, else header `x-cos-request-id`, else `x-ci-request-id` |
/// | [`trace_id`](Self::trace_id) | body `<TraceId>`, else header `x-cos-trace-id` |
/// | [`resource`](Self::resource) | body `<Resource>` |
///
/// `Display` prints all of it on one line, which is what a support ticket needs:
///
/// ```
/// use bytes::Bytes;
/// use cos_types::{ErrorCode, ServiceError};
/// use http::{HeaderMap, StatusCode};
///
/// let body = Bytes::from_static(
///     b"<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n\
///       <Code>NoSuchKey</Code>\n<Message>The specified key does not exist.</Message>\n\
///       <Resource>examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/a.txt</Resource>\n\
///       <RequestId>NjU2YzY0YmRf</RequestId>\n<TraceId>OGVmYzZi</TraceId>\n</Error>",
/// );
/// let error = ServiceError::from_response(StatusCode::NOT_FOUND, &HeaderMap::new(), body);
/// assert_eq!(error.code_kind(), ErrorCode::NoSuchKey);
/// assert_eq!(error.request_id(), Some("NjU2YzY0YmRf"));
/// assert_eq!(
///     error.to_string(),
///     "COS service error 404 NoSuchKey: The specified key does not exist. \
///      (request id: NjU2YzY0YmRf, trace id: OGVmYzZi, \
///      resource: examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/a.txt)"
/// );
///
/// // A HEAD answer has no body: the ids come from the headers, the code from the status.
/// let mut headers = HeaderMap::new();
/// headers.insert("x-cos-request-id", "NjU2YzY0YmRf".parse().unwrap());
/// let error = ServiceError::from_response(StatusCode::NOT_FOUND, &headers, Bytes::new());
/// assert_eq!((error.code(), error.message()), ("NotFound", "Not Found"));
/// assert!(error.code_is_derived());
/// assert_eq!(error.request_id(), Some("NjU2YzY0YmRf"));
/// ```
pub struct ServiceError {
    inner: Box<ServiceInner>,
}

struct ServiceInner {
    status: StatusCode,
    code_kind: ErrorCode,
    code_is_derived: bool,
    raw_body_truncated: bool,
    body_format: BodyFormat,
    body: Bytes,
    code: Text,
    message: Text,
    resource: Option<Text>,
    request_id: Option<Text>,
    trace_id: Option<Text>,
    host_id: Option<Text>,
    others: Vec<(Text, Text)>,
    earlier_attempts: EarlierAttempts,
}

const REQUEST_ID: &str = "x-cos-request-id";
const CI_REQUEST_ID: &str = "x-ci-request-id";
const TRACE_ID: &str = "x-cos-trace-id";
const ERROR_CODE: &str = "x-cos-error-code";

/// How many characters of one field `Display` prints before cutting it with `…`.
const DISPLAY_FIELD_LIMIT: usize = 512;

impl ServiceError {
    /// How much of an error body a client should read (64 KiB): COS error bodies are
    /// well under 1 KiB, and a proxy's page says what it needs in its first kilobytes.
    /// A client that stops reading at this limit builds the error with
    /// [`from_truncated_response`](Self::from_truncated_response).
    pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

    /// Builds the error from a response's status, headers and (whole) body.
    ///
    /// Works for any status, including 3xx (COS answers 301 `PermanentRedirect` for a
    /// wrong region) and 200 (a late failure of Copy or CompleteMultipartUpload).
    /// The body is kept without copying.
    pub fn from_response(status: StatusCode, headers: &HeaderMap, body: Bytes) -> ServiceError {
        ServiceError::build(status, headers, body, false)
    }

    /// Like [`from_response`](Self::from_response), for a body of which only a prefix
    /// was read (see [`DEFAULT_BODY_LIMIT`](Self::DEFAULT_BODY_LIMIT)):
    /// [`raw_body_truncated`](Self::raw_body_truncated) says so.
    pub fn from_truncated_response(
        status: StatusCode,
        headers: &HeaderMap,
        body_prefix: Bytes,
    ) -> ServiceError {
        ServiceError::build(status, headers, body_prefix, true)
    }

    fn build(status: StatusCode, headers: &HeaderMap, body: Bytes, truncated: bool) -> Self {
        let reading = body::read(&body);
        let (code, code_is_derived) = match reading.code {
            Some(code) => (code, false),
            None => match header_text(headers, ERROR_CODE) {
                Some(code) => (code, false),
                None => (derived_code(status), true),
            },
        };
        let message = reading.message.unwrap_or_else(|| reason_text(status));
        let request_id = reading
            .request_id
            .or_else(|| header_text(headers, REQUEST_ID))
            .or_else(|| header_text(headers, CI_REQUEST_ID));
        let trace_id = reading.trace_id.or_else(|| header_text(headers, TRACE_ID));
        let code_kind = ErrorCode::from(code.resolve(&body));
        ServiceError {
            inner: Box::new(ServiceInner {
                status,
                code_kind,
                code_is_derived,
                raw_body_truncated: truncated,
                body_format: reading.format,
                code,
                message,
                resource: reading.resource,
                request_id,
                trace_id,
                host_id: reading.host_id,
                others: reading.others,
                body,
                earlier_attempts: EarlierAttempts::default(),
            }),
        }
    }

    fn text<'a>(&'a self, text: &'a Text) -> &'a str {
        text.resolve(&self.inner.body)
    }

    fn optional<'a>(&'a self, text: &'a Option<Text>) -> Option<&'a str> {
        text.as_ref().map(|text| self.text(text))
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

    /// The HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        self.inner.status
    }

    /// The error code exactly as sent (`NoSuchKey`, `Request has expired`, ...), or
    /// derived from the status when the response carried none (see
    /// [`code_is_derived`](Self::code_is_derived)).
    pub fn code(&self) -> &str {
        self.text(&self.inner.code)
    }

    /// The code as an [`ErrorCode`]; [`ErrorCode::Other`] for a code it does not list.
    pub fn code_kind(&self) -> ErrorCode {
        self.inner.code_kind
    }

    /// True when neither the body nor the `x-cos-error-code` header gave a code and
    /// [`code`](Self::code) is the status's reason phrase without spaces (`NotFound`,
    /// `BadGateway`): a HEAD answer, an empty body, or a page from a proxy.
    pub fn code_is_derived(&self) -> bool {
        self.inner.code_is_derived
    }

    /// The error message, or the status's reason phrase (`Not Found`) when the body
    /// gave none.
    pub fn message(&self) -> &str {
        self.text(&self.inner.message)
    }

    /// The request id support asks for: from the body, else the `x-cos-request-id`
    /// (or `x-ci-request-id`) header. `None` usually means the answer did not come from
    /// COS (a proxy, a load balancer, a captive portal).
    pub fn request_id(&self) -> Option<&str> {
        self.optional(&self.inner.request_id)
    }

    /// The trace id: from the body, else the `x-cos-trace-id` header.
    pub fn trace_id(&self) -> Option<&str> {
        self.optional(&self.inner.trace_id)
    }

    /// The resource the error is about (`<Resource>`), when the body names it.
    pub fn resource(&self) -> Option<&str> {
        self.optional(&self.inner.resource)
    }

    /// The `<HostId>` S3-style servers send, when present.
    pub fn host_id(&self) -> Option<&str> {
        self.optional(&self.inner.host_id)
    }

    /// The body as received, byte for byte (up to the read limit, see
    /// [`raw_body_truncated`](Self::raw_body_truncated)). Whatever it is — COS XML, an
    /// HTML page, JSON, text — it is kept.
    pub fn raw_body(&self) -> &Bytes {
        &self.inner.body
    }

    /// True when [`raw_body`](Self::raw_body) is only a prefix of the body sent.
    pub fn raw_body_truncated(&self) -> bool {
        self.inner.raw_body_truncated
    }

    /// True when the body was an `<Error>` document that was damaged or cut off; the
    /// fields complete before the damage were kept.
    pub fn body_is_malformed(&self) -> bool {
        self.inner.body_format == BodyFormat::MalformedXml
    }

    /// The other direct children of `<Error>` (beyond code, message, resource, ids), as
    /// (name, value) pairs in document order — signature errors, for one, add
    /// diagnostics there.
    pub fn other_elements(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        self.inner
            .others
            .iter()
            .map(|(name, value)| (self.text(name), self.text(value)))
    }

    /// Everything the error says, as one value that can be logged or serialised (with
    /// the `serde` feature): the Python SDK's `get_digest_msg()`.
    pub fn digest(&self) -> Digest<'_> {
        Digest {
            status: self.status().as_u16(),
            code: self.code(),
            code_is_derived: self.code_is_derived(),
            message: self.message(),
            resource: self.resource(),
            request_id: self.request_id(),
            trace_id: self.trace_id(),
            host_id: self.host_id(),
            others: self
                .other_elements()
                .map(|(name, value)| DigestElement { name, value })
                .collect(),
            raw_body_truncated: self.raw_body_truncated(),
        }
    }

    /// Whether another attempt may succeed: status 429, 500, 502, 503 or 504, or code
    /// `InternalError`, `ServiceUnavailable`, `SlowDown`, `RequestTimeout` or
    /// `KmsFreqControl` (whatever the status, so a 200 with an `<Error>` body counts).
    pub fn is_retryable(&self) -> bool {
        matches!(self.inner.status.as_u16(), 429 | 500 | 502 | 503 | 504)
            || matches!(
                self.inner.code_kind,
                ErrorCode::InternalError
                    | ErrorCode::ServiceUnavailable
                    | ErrorCode::SlowDown
                    | ErrorCode::RequestTimeout
                    | ErrorCode::KmsFreqControl
            )
    }

    /// Whether COS asked us to slow down: code `SlowDown` or `KmsFreqControl`, or
    /// status 429.
    pub fn is_throttled(&self) -> bool {
        self.inner.status == StatusCode::TOO_MANY_REQUESTS
            || matches!(
                self.inner.code_kind,
                ErrorCode::SlowDown | ErrorCode::KmsFreqControl
            )
    }

    /// Whether the bucket, key, upload or configuration does not exist: status 404, or
    /// a code COS documents under 404 (`NoSuchKey`, `NoSuchBucket`, `NoSuchUpload`, ...).
    pub fn is_not_found(&self) -> bool {
        self.inner.status == StatusCode::NOT_FOUND
            || self.inner.code_kind.status() == Some(StatusCode::NOT_FOUND)
    }
}

/// A header's value as text, when present and non-empty.
fn header_text(headers: &HeaderMap, name: &str) -> Option<Text> {
    let value: &HeaderValue = headers.get(name)?;
    if value.is_empty() {
        return None;
    }
    Some(match value.to_str() {
        Ok(_) => Text::Header(value.clone()),
        Err(_) => Text::copied(&String::from_utf8_lossy(value.as_bytes())),
    })
}

/// The status's reason phrase without spaces (`BadGateway`); `HttpStatus599` for a
/// status without one.
fn derived_code(status: StatusCode) -> Text {
    match status.canonical_reason() {
        Some(reason) if !reason.contains(' ') => Text::Static(reason),
        Some(reason) => Text::copied_without_spaces(reason),
        None => Text::copied(&format!("HttpStatus{}", status.as_u16())),
    }
}

/// The status's reason phrase (`Not Found`); `HTTP status 599` for a status without one.
fn reason_text(status: StatusCode) -> Text {
    match status.canonical_reason() {
        Some(reason) => Text::Static(reason),
        None => Text::copied(&format!("HTTP status {}", status.as_u16())),
    }
}

/// Writes `text` on one line: control characters become spaces, and past
/// `DISPLAY_FIELD_LIMIT` characters the rest is replaced by `…`.
fn write_one_line(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    use fmt::Write as _;
    for (index, character) in text.chars().enumerate() {
        if index == DISPLAY_FIELD_LIMIT {
            return f.write_char('…');
        }
        f.write_char(if character.is_control() {
            ' '
        } else {
            character
        })?;
    }
    Ok(())
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "COS service error {} ", self.status().as_u16())?;
        write_one_line(f, self.code())?;
        f.write_str(": ")?;
        write_one_line(f, self.message())?;
        let details = [
            ("request id", self.request_id()),
            ("trace id", self.trace_id()),
            ("resource", self.resource()),
        ];
        let mut first = true;
        for (label, value) in details {
            let Some(value) = value else { continue };
            f.write_str(if first { " (" } else { ", " })?;
            first = false;
            write!(f, "{label}: ")?;
            write_one_line(f, value)?;
        }
        if !first {
            f.write_str(")")?;
        }
        self.inner.earlier_attempts.write_suffix(f)
    }
}

impl fmt::Debug for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("ServiceError");
        debug
            .field("status", &self.status())
            .field("code", &self.code())
            .field("code_is_derived", &self.code_is_derived())
            .field("message", &self.message())
            .field("request_id", &self.request_id())
            .field("trace_id", &self.trace_id())
            .field("resource", &self.resource());
        if let Some(host_id) = self.host_id() {
            debug.field("host_id", &host_id);
        }
        if !self.inner.others.is_empty() {
            debug.field("others", &self.other_elements().collect::<Vec<_>>());
        }
        debug
            .field("raw_body_len", &self.inner.body.len())
            .field("raw_body_truncated", &self.raw_body_truncated());
        if !self.earlier_attempts().is_empty() {
            debug.field("earlier_attempts", &self.earlier_attempts());
        }
        debug.finish()
    }
}

impl Clone for ServiceError {
    fn clone(&self) -> Self {
        let inner = &self.inner;
        ServiceError {
            inner: Box::new(ServiceInner {
                status: inner.status,
                code_kind: inner.code_kind,
                code_is_derived: inner.code_is_derived,
                raw_body_truncated: inner.raw_body_truncated,
                body_format: inner.body_format,
                body: inner.body.clone(),
                code: inner.code.clone(),
                message: inner.message.clone(),
                resource: inner.resource.clone(),
                request_id: inner.request_id.clone(),
                trace_id: inner.trace_id.clone(),
                host_id: inner.host_id.clone(),
                others: inner.others.clone(),
                earlier_attempts: inner.earlier_attempts.clone(),
            }),
        }
    }
}

impl std::error::Error for ServiceError {}

/// Everything a [`ServiceError`] says, borrowed from it: see [`ServiceError::digest`].
///
/// With the `serde` feature it serialises as an object with the fields below (`others`
/// as a list of `{"name": ..., "value": ...}` objects, in document order).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Digest<'a> {
    /// The HTTP status.
    pub status: u16,
    /// [`ServiceError::code`].
    pub code: &'a str,
    /// [`ServiceError::code_is_derived`].
    pub code_is_derived: bool,
    /// [`ServiceError::message`].
    pub message: &'a str,
    /// [`ServiceError::resource`].
    pub resource: Option<&'a str>,
    /// [`ServiceError::request_id`].
    pub request_id: Option<&'a str>,
    /// [`ServiceError::trace_id`].
    pub trace_id: Option<&'a str>,
    /// [`ServiceError::host_id`].
    pub host_id: Option<&'a str>,
    /// The body's other elements, [`ServiceError::other_elements`].
    pub others: Vec<DigestElement<'a>>,
    /// [`ServiceError::raw_body_truncated`].
    pub raw_body_truncated: bool,
}

/// One other element of an error body, in a [`Digest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct DigestElement<'a> {
    /// The element's name.
    pub name: &'a str,
    /// The element's text.
    pub value: &'a str,
}
