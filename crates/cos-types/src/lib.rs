//! The error model and validated value types of the Tencent Cloud COS SDK.
//!
//! Every failure is one of two things, as in COS's official SDKs:
//!
//! - [`Error::Client`] ([`ClientError`]): the request never produced a COS answer we
//!   could read — the connection failed, it timed out, the response could not be
//!   decoded, a local file could not be read, the input was invalid;
//! - [`Error::Service`] ([`ServiceError`]): COS (or something in front of it) answered,
//!   and the answer is a failure — a missing key, a denied permission, throttling.
//!
//! [`Error`] is 16 bytes, so `Result<T>` costs nothing on the happy path; it answers
//! the questions a caller asks ([`is_retryable`](Error::is_retryable),
//! [`is_throttled`](Error::is_throttled), [`is_not_found`](Error::is_not_found),
//! [`request_id`](Error::request_id)), and its `Display` is one line with everything a
//! support ticket needs.
//!
//! The crate also has the plain, validated value types the API takes: [`BucketName`],
//! [`Region`], [`ObjectKey`]. It does no I/O.
//!
//! # Handling errors
//!
//! The Rust form of the Python docs' "Example of Exception Capturing":
//!
//! ```
//! use bytes::Bytes;
//! use cos_types::{ClientErrorKind, Error, ErrorCode, ServiceError};
//! use http::{HeaderMap, StatusCode};
//!
//! // What a client call returns when the key does not exist.
//! fn head_object() -> cos_types::Result<u64> {
//!     let mut headers = HeaderMap::new();
//!     headers.insert("x-cos-request-id", "NjU2YzY0YmRfMTBhMzVkMGJf".parse().unwrap());
//!     Err(ServiceError::from_response(StatusCode::NOT_FOUND, &headers, Bytes::new()).into())
//! }
//!
//! match head_object() {
//!     Ok(length) => println!("{length} bytes"),
//!     Err(Error::Service(error)) => {
//!         // Printing the whole error gives status, code, message and ids on one line.
//!         eprintln!("{error}");
//!         println!("status: {}", error.status());
//!         println!("code: {}", error.code());
//!         println!("message: {}", error.message());
//!         println!("request id: {:?}", error.request_id());
//!         println!("trace id: {:?}", error.trace_id());
//!         println!("resource: {:?}", error.resource());
//!         println!("raw body: {:?}", error.raw_body());
//!         if error.code_kind() == ErrorCode::NoSuchKey || error.is_not_found() {
//!             println!("no such object");
//!         }
//! #       assert_eq!(error.code(), "NotFound");
//! #       assert_eq!(error.request_id(), Some("NjU2YzY0YmRfMTBhMzVkMGJf"));
//!     }
//!     Err(Error::Client(error)) => {
//!         eprintln!("{error}");
//!         if error.kind() == ClientErrorKind::Timeout {
//!             println!("timed out; retryable: {}", error.is_retryable());
//!         }
//!         // The cause, if any, is the error's source().
//!         if let Some(cause) = std::error::Error::source(&error) {
//!             eprintln!("  caused by: {cause}");
//!         }
//!     }
//!     // Error is non-exhaustive; `display_with_causes` prints any error with its causes.
//!     Err(other) => eprintln!("{}", other.display_with_causes()),
//! }
//! ```
//!
//! # Retried operations
//!
//! A client that retries returns the error of the last attempt, carrying the errors of
//! the earlier ones ([`Error::earlier_attempts`], oldest first), so no request id is
//! lost: [`Error::request_ids`] lists them all, newest first. `Display` stays one line
//! and says how many attempts were made; `Debug` shows every earlier error.
//!
//! ```
//! use bytes::Bytes;
//! use cos_types::{Error, ServiceError};
//! use http::{HeaderMap, StatusCode};
//!
//! let slow_down = |request_id: &'static str| -> Error {
//!     let mut headers = HeaderMap::new();
//!     headers.insert("x-cos-request-id", request_id.parse().unwrap());
//!     let body = Bytes::from_static(b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>");
//!     ServiceError::from_response(StatusCode::SERVICE_UNAVAILABLE, &headers, body).into()
//! };
//!
//! // What a client builds when it gives up after three throttled attempts.
//! let error = slow_down("id-3").with_earlier_attempts(vec![slow_down("id-1"), slow_down("id-2")]);
//! assert_eq!(error.earlier_attempts().len(), 2);
//! assert_eq!(error.request_ids().collect::<Vec<_>>(), ["id-3", "id-2", "id-1"]);
//! assert_eq!(
//!     error.to_string(),
//!     "COS service error 503 SlowDown: Please reduce your request rate. (request id: id-3) (after 3 attempts)"
//! );
//! ```
//!
//! # Coming from the Python SDK
//!
//! | Python (`qcloud_cos`) | Rust (`cos_types`) |
//! |---|---|
//! | `CosClientError` | [`Error::Client`]`(`[`ClientError`]`)` |
//! | `CosServiceError` | [`Error::Service`]`(`[`ServiceError`]`)` |
//! | `get_status_code()` | [`ServiceError::status`] `-> http::StatusCode` |
//! | `get_error_code()` | [`ServiceError::code`] `-> &str`, plus [`ServiceError::code_kind`] → [`ErrorCode`] |
//! | `get_error_msg()` | [`ServiceError::message`] `-> &str` |
//! | `get_request_id()` | [`ServiceError::request_id`] `-> Option<&str>` |
//! | `get_trace_id()` | [`ServiceError::trace_id`] `-> Option<&str>` |
//! | `get_resource_location()` | [`ServiceError::resource`] `-> Option<&str>` |
//! | `get_origin_msg()` | [`ServiceError::raw_body`] `-> &bytes::Bytes` |
//! | `get_digest_msg()` | [`ServiceError::digest`] → [`Digest`]: every field above plus the body's other elements, serialisable |
//!
//! Differences worth knowing: the ids fall back to the `x-cos-request-id` /
//! `x-cos-trace-id` headers (so a HEAD error has them); a response without an error
//! code gets one derived from its status (`NotFound`, `BadGateway`) and says so with
//! [`ServiceError::code_is_derived`] instead of the Python SDK's `Unknown` or
//! "Response Error Msg Is INVALID"; an HTML page from a proxy is kept as the raw body.
//!
//! # Features
//!
//! - `serde`: `Serialize`/`Deserialize` for [`BucketName`], [`Region`], [`ObjectKey`],
//!   and `Serialize` for [`Digest`].

mod attempts;
mod body;
mod client;
mod code;
mod names;
mod service;

pub use client::{ClientError, ClientErrorKind};
pub use code::ErrorCode;
pub use names::{
    BucketName, InvalidBucketName, InvalidObjectKey, InvalidRegion, ObjectKey, Region,
};
pub use service::{Digest, DigestElement, ServiceError};

use http::StatusCode;

/// A COS result: `Result<T, cos_types::Error>` unless said otherwise.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Any failure of a COS operation: a [`ClientError`] or a [`ServiceError`].
///
/// `Display`, `Debug` and `source()` are those of the error inside.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request produced no COS answer we could use.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// COS, or a hop in front of it, answered with a failure.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl Error {
    /// Whether another attempt may succeed.
    ///
    /// Service errors: status 429, 500, 502, 503, 504, or code `InternalError`,
    /// `ServiceUnavailable`, `SlowDown`, `RequestTimeout`, `KmsFreqControl`
    /// ([`ServiceError::is_retryable`]). Client errors: connect failures, timeouts,
    /// integrity mismatches, and I/O errors that mean the connection broke (reset,
    /// aborted, broken pipe, unexpected EOF, timed out)
    /// ([`ClientError::is_retryable`]). Every other 4xx, invalid input and credentials
    /// errors are not retryable.
    ///
    /// Whether the *request* may be sent again (it is idempotent, its body can be
    /// replayed) is for the caller to decide.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Client(error) => error.is_retryable(),
            Error::Service(error) => error.is_retryable(),
        }
    }

    /// Whether COS asked us to slow down: code `SlowDown` or `KmsFreqControl`, or status
    /// 429. Always false for a client error.
    pub fn is_throttled(&self) -> bool {
        self.as_service().is_some_and(ServiceError::is_throttled)
    }

    /// Whether the bucket, key, upload or configuration does not exist: a service error
    /// with status 404 or a code COS documents under 404 (`NoSuchKey`, ...).
    pub fn is_not_found(&self) -> bool {
        self.as_service().is_some_and(ServiceError::is_not_found)
    }

    /// The COS request id of a service error, for support: the last attempt's, when the
    /// operation was retried ([`request_ids`](Self::request_ids) has them all).
    pub fn request_id(&self) -> Option<&str> {
        self.as_service().and_then(ServiceError::request_id)
    }

    /// The request ids of this attempt and of every earlier one that has one, newest
    /// first (so the first item is [`request_id`](Self::request_id) when there is one).
    /// Only service errors have request ids; a client error's attempt is skipped. Earlier
    /// attempts' own earlier attempts, if any were attached, are not visited.
    pub fn request_ids(&self) -> impl Iterator<Item = &str> + '_ {
        std::iter::once(self)
            .chain(self.earlier_attempts().iter().rev())
            .filter_map(Error::request_id)
    }

    /// The errors of the earlier attempts of the same operation, oldest first; empty
    /// when this error is from the first attempt (no retry happened, or retrying was
    /// not allowed).
    ///
    /// `self` is the last attempt's error, and decides what the failure is (its kind,
    /// code, [`is_retryable`](Self::is_retryable)); the earlier ones are history, for
    /// diagnosis and support tickets.
    pub fn earlier_attempts(&self) -> &[Error] {
        match self {
            Error::Client(error) => error.earlier_attempts(),
            Error::Service(error) => error.earlier_attempts(),
        }
    }

    /// This error with `earlier` as the errors of the earlier attempts of the same
    /// operation, oldest first (replacing any list it had). An empty `earlier` allocates
    /// nothing. The list is kept behind the error's existing box, so `Error` stays 16
    /// bytes; `Display` gains ` (after N attempts)`, N counting this attempt.
    pub fn with_earlier_attempts(self, earlier: Vec<Error>) -> Error {
        match self {
            Error::Client(error) => Error::Client(error.with_earlier_attempts(earlier)),
            Error::Service(error) => Error::Service(error.with_earlier_attempts(earlier)),
        }
    }

    /// The HTTP status of a service error.
    pub fn status(&self) -> Option<StatusCode> {
        self.as_service().map(ServiceError::status)
    }

    /// The error code of a service error (see [`ServiceError::code`]).
    pub fn code(&self) -> Option<&str> {
        self.as_service().map(ServiceError::code)
    }

    /// `Display` of this error followed by each cause in the `source()` chain, on one
    /// line separated by `: ` — for logs, where the cause of a client error matters
    /// (`COS client error (connect) in PutObject ...: tcp connect error: Connection refused`).
    pub fn display_with_causes(&self) -> impl std::fmt::Display + '_ {
        DisplayWithCauses(self)
    }

    /// The service error, if this is one.
    pub fn as_service(&self) -> Option<&ServiceError> {
        match self {
            Error::Service(error) => Some(error),
            Error::Client(_) => None,
        }
    }

    /// The client error, if this is one.
    pub fn as_client(&self) -> Option<&ClientError> {
        match self {
            Error::Client(error) => Some(error),
            Error::Service(_) => None,
        }
    }
}

struct DisplayWithCauses<'a>(&'a Error);

impl std::fmt::Display for DisplayWithCauses<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = std::error::Error::source(self.0);
        while let Some(error) = cause {
            write!(f, ": {error}")?;
            cause = error.source();
        }
        Ok(())
    }
}
