//! `cos-sign`: Tencent Cloud COS request signing (`q-sign-algorithm=sha1`, COS doc 436/7778),
//! presigned URLs, and signature verification for servers. No I/O.
//!
//! - [`sign`] / [`authorization`]: sign any [`http::Request`] with [`Credentials`] for a
//!   [`KeyTime`] window. What is signed is what is sent: the decoded path, the decoded query,
//!   the `Host` (derived from the URI when the request has none) and every header of the
//!   [`HeaderPolicy`] (COS default: `host`, `content-*`, conditionals, `range`, ... and every
//!   `x-cos-*`/`x-ci-*` header).
//! - [`encode`]: the one percent-encoder used both for URLs and for signing.
//! - [`Signer`]: credentials + policy + a clock offset that can be corrected after a
//!   `RequestTimeTooSkewed` answer.
//! - [`presign`]: presigned URLs for any method.
//! - [`verify`]: parse and check an `Authorization` header or a presigned query (servers).
//! - [`signing_report`]: every intermediate string (HttpString, StringToSign, SignKey) for
//!   debugging a `SignatureDoesNotMatch`.
//!
//! # Example
//!
//! ```
//! use cos_sign::{Credentials, KeyTime};
//!
//! let credentials = Credentials::new("AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q", "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz");
//! let key = "exampleobject(腾讯云)";
//! let mut request = http::Request::put(format!(
//!     "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com{}",
//!     cos_sign::encode::path(key)
//! ))
//! .header("content-type", "text/plain")
//! .body(())
//! .unwrap();
//!
//! cos_sign::sign(&mut request, &credentials, KeyTime::new(1557989151, 1557996351));
//!
//! let authorization = request.headers()["authorization"].to_str().unwrap();
//! assert!(authorization.starts_with("q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&"));
//! assert!(authorization.contains("&q-header-list=content-type;host&"));
//! // `sign` added the Host it signed.
//! assert_eq!(request.headers()["host"], "examplebucket-1250000000.cos.ap-beijing.myqcloud.com");
//!
//! // A server checks it with `verify`.
//! let verified = cos_sign::verify::verify(&request, 1557990000, |id: &str| {
//!     (id == credentials.secret_id()).then(|| credentials.clone())
//! })
//! .unwrap();
//! assert_eq!(verified.secret_id(), credentials.secret_id());
//! ```

mod canonical;
pub mod encode;
mod policy;
pub mod presign;
mod signer;
pub mod verify;

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::header::{AUTHORIZATION, HOST};
use http::{HeaderName, HeaderValue, Request};

use canonical::{Canonical, KeyTimeText};
pub use policy::{DEFAULT_SIGNED_HEADERS, HeaderPolicy};
pub use presign::Presign;
pub use signer::Signer;

/// Name of the header carrying an STS session token.
pub const SECURITY_TOKEN_HEADER: &str = "x-cos-security-token";

/// How far in the past a key time starts by default, to absorb clock skew between client and
/// server (the Python SDK uses the same 60 s).
pub const DEFAULT_BACKDATE: Duration = Duration::from_secs(60);

/// Default validity of a request signature after "now" (Go and Java SDKs: one hour).
pub const DEFAULT_VALIDITY: Duration = Duration::from_secs(3600);

/// A secret id and key, optionally with an STS session token. `Debug` never shows the key
/// or the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    secret_id: String,
    secret_key: String,
    session_token: Option<String>,
}

impl Credentials {
    /// Permanent (or temporary, see [`Credentials::with_session_token`]) credentials.
    pub fn new(secret_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Credentials {
            secret_id: secret_id.into(),
            secret_key: secret_key.into(),
            session_token: None,
        }
    }

    /// Adds an STS session token; it is sent (and signed) as `x-cos-security-token`.
    pub fn with_session_token(mut self, token: impl Into<String>) -> Self {
        self.session_token = Some(token.into());
        self
    }

    /// The SecretId (`q-ak`).
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// The SecretKey.
    pub fn secret_key(&self) -> &str {
        &self.secret_key
    }

    /// The STS session token, if any.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The signature's validity window, in Unix seconds (`q-key-time` and `q-sign-time`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyTime {
    start: u64,
    end: u64,
}

impl KeyTime {
    /// The window `start..=end` (Unix seconds). A window with `start > end` is accepted here
    /// and rejected by every server.
    pub const fn new(start: u64, end: u64) -> Self {
        KeyTime { start, end }
    }

    /// `now − 60 s ..= now + valid_for`, where `now` is Unix seconds.
    pub fn starting_at(now: u64, valid_for: Duration) -> Self {
        KeyTime::new(
            now.saturating_sub(DEFAULT_BACKDATE.as_secs()),
            now.saturating_add(valid_for.as_secs()),
        )
    }

    /// [`KeyTime::starting_at`] the system clock.
    pub fn from_now(valid_for: Duration) -> Self {
        KeyTime::starting_at(unix_now(), valid_for)
    }

    /// Start of the window, Unix seconds.
    pub const fn start(&self) -> u64 {
        self.start
    }

    /// End of the window, Unix seconds.
    pub const fn end(&self) -> u64 {
        self.end
    }

    /// Whether `now` (Unix seconds) lies inside the window (both ends included).
    pub const fn contains(&self, now: u64) -> bool {
        self.start <= now && now <= self.end
    }
}

impl fmt::Display for KeyTime {
    /// The wire form `<start>;<end>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{};{}", self.start, self.end)
    }
}

/// Seconds since the Unix epoch by the system clock (0 if the clock is before 1970).
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Headers the signer adds to what the request carries: `host` when absent (derived from the
/// URI), and the session token.
fn added_headers<'a, B>(
    request: &'a Request<B>,
    credentials: &'a Credentials,
) -> ([(&'a str, &'a [u8]); 2], usize) {
    let mut added: [(&str, &[u8]); 2] = [("", b""); 2];
    let mut count = 0;
    if !request.headers().contains_key(HOST)
        && let Some(host) = canonical::host_of(request.uri())
    {
        added[count] = ("host", host.as_bytes());
        count += 1;
    }
    if let Some(token) = credentials.session_token() {
        added[count] = (SECURITY_TOKEN_HEADER, token.as_bytes());
        count += 1;
    }
    (added, count)
}

fn canonical_for<'a, B>(
    request: &'a Request<B>,
    policy: &HeaderPolicy,
    added: &[(&'a str, &'a [u8])],
) -> Canonical<'a> {
    Canonical::collect(request, |name| policy.signs_name(name), added, |_| true)
}

/// The `Authorization` value for `request` under the default [`HeaderPolicy`].
///
/// The request is signed as it would be sent by [`sign`]: if it has no `Host` header, the host
/// of its URI is signed (send it!), and a session token in `credentials` is signed as
/// `x-cos-security-token` (the caller must send that header with the same value).
/// The URI's path and query are decoded before signing (`+` in the query is a space; send a
/// literal `+` as `%2B`, as [`encode::query_component`] does).
pub fn authorization<B>(
    request: &Request<B>,
    credentials: &Credentials,
    key_time: KeyTime,
) -> String {
    authorization_with_policy(request, credentials, key_time, &HeaderPolicy::cos_default())
}

/// [`authorization`] with a chosen [`HeaderPolicy`].
pub fn authorization_with_policy<B>(
    request: &Request<B>,
    credentials: &Credentials,
    key_time: KeyTime,
    policy: &HeaderPolicy,
) -> String {
    let (added, count) = added_headers(request, credentials);
    let canonical = canonical_for(request, policy, &added[..count]);
    let key_time_text = KeyTimeText::new(key_time);
    let http_sha1 = canonical.http_string_sha1();
    let sign_key = canonical::sign_key(credentials.secret_key(), key_time_text.as_bytes());
    let mac = canonical::signature_mac(&sign_key, key_time_text.as_bytes(), &http_sha1);
    let signature = canonical::hex40(&hmac::Mac::finalize(mac).into_bytes());
    canonical::authorization_string(
        &canonical,
        credentials.secret_id(),
        &key_time_text,
        &signature,
    )
}

/// Why a request could not be signed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignError {
    /// The session token contains bytes an HTTP header value cannot carry.
    InvalidSessionToken,
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignError::InvalidSessionToken => {
                f.write_str("the session token contains characters not allowed in the x-cos-security-token header")
            }
        }
    }
}

impl std::error::Error for SignError {}

/// Signs `request` in place under the default [`HeaderPolicy`]: sets `Authorization`, inserts
/// `Host` when it was absent (the value that was signed) and `x-cos-security-token` when the
/// credentials carry a token.
///
/// # Panics
///
/// If the session token contains control characters (it can then not be sent as a header);
/// [`try_sign`] reports that as an error instead.
pub fn sign<B>(request: &mut Request<B>, credentials: &Credentials, key_time: KeyTime) {
    if let Err(error) = try_sign(request, credentials, key_time, &HeaderPolicy::cos_default()) {
        panic!("cos_sign::sign: {error}");
    }
}

/// [`sign`] with a chosen policy, reporting an unusable session token as an error.
pub fn try_sign<B>(
    request: &mut Request<B>,
    credentials: &Credentials,
    key_time: KeyTime,
    policy: &HeaderPolicy,
) -> Result<(), SignError> {
    let token = credentials
        .session_token()
        .map(HeaderValue::from_str)
        .transpose()
        .map_err(|_| SignError::InvalidSessionToken)?;
    if !request.headers().contains_key(HOST)
        && let Some(host) = canonical::host_of(request.uri())
    {
        // A host from a parsed URI is always a valid header value.
        if let Ok(host) = HeaderValue::from_str(host) {
            request.headers_mut().insert(HOST, host);
        }
    }
    if let Some(token) = token {
        request
            .headers_mut()
            .insert(HeaderName::from_static(SECURITY_TOKEN_HEADER), token);
    }
    let authorization = authorization_with_policy(request, credentials, key_time, policy);
    let value =
        HeaderValue::from_str(&authorization).expect("an Authorization string is visible ASCII");
    request.headers_mut().insert(AUTHORIZATION, value);
    Ok(())
}

/// Every intermediate value of one signature, for debugging (compare with a server's
/// `SignatureDoesNotMatch` diagnostics or another SDK's debug log).
#[derive(Clone, PartialEq, Eq)]
pub struct SigningReport {
    key_time: String,
    sign_key: String,
    http_string: Vec<u8>,
    /// The `HttpString` with token values redacted, for `Debug`.
    http_string_redacted: String,
    http_string_sha1: String,
    string_to_sign: String,
    signature: String,
    header_list: String,
    url_param_list: String,
    authorization: String,
}

impl SigningReport {
    /// `<start>;<end>`.
    pub fn key_time(&self) -> &str {
        &self.key_time
    }
    /// `hex(HMAC-SHA1(SecretKey, KeyTime))`.
    pub fn sign_key(&self) -> &str {
        &self.sign_key
    }
    /// The canonical request (`HttpString`) as bytes; the decoded path need not be UTF-8.
    pub fn http_string(&self) -> &[u8] {
        &self.http_string
    }
    /// [`SigningReport::http_string`] as text, invalid UTF-8 replaced by U+FFFD.
    pub fn http_string_lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.http_string)
    }
    /// `hex(SHA1(HttpString))`.
    pub fn http_string_sha1(&self) -> &str {
        &self.http_string_sha1
    }
    /// `sha1\n<KeyTime>\n<SHA1 hex>\n`.
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }
    /// `q-signature`.
    pub fn signature(&self) -> &str {
        &self.signature
    }
    /// `q-header-list`.
    pub fn header_list(&self) -> &str {
        &self.header_list
    }
    /// `q-url-param-list`.
    pub fn url_param_list(&self) -> &str {
        &self.url_param_list
    }
    /// The `Authorization` value (identical to [`authorization_with_policy`]'s).
    pub fn authorization(&self) -> &str {
        &self.authorization
    }
}

/// Leaves out what would let a reader of a log sign requests: the SignKey is shown as
/// `<redacted>`, and so are the values of session-token headers and parameters in the
/// `HttpString`. The accessors still return the real values.
impl fmt::Debug for SigningReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningReport")
            .field("key_time", &self.key_time)
            .field("sign_key", &"<redacted>")
            .field("http_string", &self.http_string_redacted)
            .field("http_string_sha1", &self.http_string_sha1)
            .field("string_to_sign", &self.string_to_sign)
            .field("signature", &self.signature)
            .field("authorization", &self.authorization)
            .finish()
    }
}

/// Signs like [`authorization_with_policy`] and returns every intermediate value.
pub fn signing_report<B>(
    request: &Request<B>,
    credentials: &Credentials,
    key_time: KeyTime,
    policy: &HeaderPolicy,
) -> SigningReport {
    let (added, count) = added_headers(request, credentials);
    let canonical = canonical_for(request, policy, &added[..count]);
    report_for(&canonical, credentials, key_time)
}

pub(crate) fn report_for(
    canonical: &Canonical<'_>,
    credentials: &Credentials,
    key_time: KeyTime,
) -> SigningReport {
    let key_time_text = KeyTimeText::new(key_time);
    let mut http_string = Vec::new();
    canonical.write_http_string(&mut http_string);
    let mut http_string_redacted = Vec::new();
    canonical.write_http_string_redacted(&mut http_string_redacted);
    let http_sha1 = canonical.http_string_sha1();
    let sign_key = canonical::sign_key(credentials.secret_key(), key_time_text.as_bytes());
    let mac = canonical::signature_mac(&sign_key, key_time_text.as_bytes(), &http_sha1);
    let signature = canonical::hex40(&hmac::Mac::finalize(mac).into_bytes());
    let mut header_list = String::new();
    canonical.write_header_list(&mut canonical::AsciiString(&mut header_list));
    let mut url_param_list = String::new();
    canonical.write_param_list(&mut canonical::AsciiString(&mut url_param_list));
    SigningReport {
        key_time: key_time_text.as_str().to_owned(),
        sign_key: canonical::ascii(&sign_key).to_owned(),
        http_string,
        http_string_redacted: String::from_utf8_lossy(&http_string_redacted).into_owned(),
        http_string_sha1: canonical::ascii(&http_sha1).to_owned(),
        string_to_sign: canonical::string_to_sign(key_time_text.as_str(), &http_sha1),
        signature: canonical::ascii(&signature).to_owned(),
        header_list,
        url_param_list,
        authorization: canonical::authorization_string(
            canonical,
            credentials.secret_id(),
            &key_time_text,
            &signature,
        ),
    }
}
