//! Presigned URLs: the signature travels in the query string.
//!
//! Layout (as the Go and Python SDKs write it):
//! `<endpoint>/<wire path>?q-sign-algorithm=sha1&q-ak=…&q-sign-time=…&q-key-time=…&q-header-list=…&q-url-param-list=…&q-signature=…[&<signed params>][&x-cos-security-token=<token>]`
//!
//! - `;` inside the `q-*` values is written `%3B`. The escapes already present in the two
//!   lists (names are signed in their encoded form, e.g. `%e5%90%8d`) are not escaped a second
//!   time, so decoding the query once gives the names themselves. (The Python SDK escapes them
//!   again; [`crate::verify`] accepts both forms.) Consequence: a parameter name containing
//!   `;` cannot be presigned unambiguously.
//! - Extra parameters are signed and appended after the `q-*` fields, encoded with
//!   [`crate::encode::query_component`] (spaces as `%20`).
//! - A session token is appended unsigned as `x-cos-security-token` after the signature (the
//!   common form); the server checks it against the SecretId.
//! - Headers given with [`Presign::header`] are signed (they appear in `q-header-list`) but not
//!   put in the URL: whoever uses the URL must send them with exactly those values. `host` is
//!   always signed.

use std::fmt;

use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Uri};

use crate::canonical::{self, Canonical, KeyTimeText};
use crate::{Credentials, HeaderPolicy, KeyTime, SECURITY_TOKEN_HEADER, encode};

/// A request to presign: method, endpoint, object key, parameters and headers.
///
/// ```
/// use cos_sign::{Credentials, KeyTime, Presign};
/// use http::Method;
///
/// let credentials = Credentials::new("AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q", "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz");
/// let url = Presign::new(Method::GET, "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com", "exampleobject")
///     .url(&credentials, KeyTime::new(1699999940, 1700000300))
///     .unwrap();
/// assert_eq!(
///     url,
///     "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/exampleobject?q-sign-algorithm=sha1\
///      &q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1699999940%3B1700000300\
///      &q-key-time=1699999940%3B1700000300&q-header-list=host&q-url-param-list=\
///      &q-signature=0e99be8977f1d1e445f8b346ed3e2ab9f3102607"
/// );
/// ```
#[derive(Clone, Debug)]
pub struct Presign {
    method: Method,
    endpoint: String,
    key: String,
    params: Vec<(String, String)>,
    headers: HeaderMap,
}

/// Why a presigned URL could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PresignError {
    /// The endpoint is not `scheme://host[:port]` (the text and the reason are given).
    InvalidEndpoint {
        /// The endpoint as given.
        endpoint: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl fmt::Display for PresignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PresignError::InvalidEndpoint { endpoint, reason } => {
                write!(
                    f,
                    "invalid endpoint {endpoint:?} for a presigned URL: {reason}"
                )
            }
        }
    }
}

impl std::error::Error for PresignError {}

impl Presign {
    /// Presigns `method` on object `key` (empty for the bucket root) at `endpoint`, written
    /// `scheme://host[:port]` (e.g. `https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com`
    /// or `http://127.0.0.1:9000`).
    pub fn new(method: Method, endpoint: impl Into<String>, key: impl Into<String>) -> Self {
        Presign {
            method,
            endpoint: endpoint.into(),
            key: key.into(),
            params: Vec::new(),
            headers: HeaderMap::new(),
        }
    }

    /// Adds a query parameter (signed), e.g. `response-content-disposition`.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// Adds a header that is signed; the URL's user must send it with this value.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// The presigned URL under the default header policy.
    pub fn url(
        &self,
        credentials: &Credentials,
        key_time: KeyTime,
    ) -> Result<String, PresignError> {
        self.url_with_policy(credentials, key_time, &HeaderPolicy::cos_default())
    }

    /// The presigned URL, signing the headers `policy` selects.
    pub fn url_with_policy(
        &self,
        credentials: &Credentials,
        key_time: KeyTime,
        policy: &HeaderPolicy,
    ) -> Result<String, PresignError> {
        let invalid = |reason: &str| PresignError::InvalidEndpoint {
            endpoint: self.endpoint.clone(),
            reason: reason.to_owned(),
        };
        let endpoint = self.endpoint.strip_suffix('/').unwrap_or(&self.endpoint);
        let parsed: Uri = endpoint
            .parse()
            .map_err(|e: http::uri::InvalidUri| invalid(&e.to_string()))?;
        if parsed.scheme().is_none() || parsed.authority().is_none() {
            return Err(invalid("expected scheme://host[:port]"));
        }
        if !matches!(parsed.path(), "" | "/") || parsed.query().is_some() {
            return Err(invalid(
                "an endpoint has no path or query; give the object key separately",
            ));
        }

        let mut url = String::with_capacity(endpoint.len() + self.key.len() * 3 + 400);
        url.push_str(endpoint);
        encode::push_path(&mut url, &self.key);
        let path_end = url.len();
        let mut extra_params = String::new();
        for (name, value) in &self.params {
            if !extra_params.is_empty() {
                extra_params.push('&');
            }
            encode::push_query_component(&mut extra_params, name);
            extra_params.push('=');
            encode::push_query_component(&mut extra_params, value);
        }
        let mut target = url.clone();
        if !extra_params.is_empty() {
            target.push('?');
            target.push_str(&extra_params);
        }

        let mut builder = Request::builder().method(self.method.clone()).uri(&target);
        if let Some(headers) = builder.headers_mut() {
            headers.extend(self.headers.iter().map(|(n, v)| (n.clone(), v.clone())));
        }
        let request = builder.body(()).map_err(|e| invalid(&e.to_string()))?;
        let host = if request.headers().contains_key(http::header::HOST) {
            None
        } else {
            canonical::host_of(request.uri())
        };
        let added: Vec<(&str, &[u8])> = host.map(|h| ("host", h.as_bytes())).into_iter().collect();
        let canonical =
            Canonical::collect(&request, |name| policy.signs_name(name), &added, |_| true);
        let key_time_text = KeyTimeText::new(key_time);
        let http_sha1 = canonical.http_string_sha1();
        let sign_key = canonical::sign_key(credentials.secret_key(), key_time_text.as_bytes());
        let mac = canonical::signature_mac(&sign_key, key_time_text.as_bytes(), &http_sha1);
        let signature = canonical::hex40(&hmac::Mac::finalize(mac).into_bytes());

        debug_assert_eq!(url.len(), path_end);
        url.push_str("?q-sign-algorithm=sha1&q-ak=");
        encode::push_query_component(&mut url, credentials.secret_id());
        url.push_str("&q-sign-time=");
        encode::push_query_component(&mut url, key_time_text.as_str());
        url.push_str("&q-key-time=");
        encode::push_query_component(&mut url, key_time_text.as_str());
        url.push_str("&q-header-list=");
        let mut list = String::new();
        canonical.write_header_list(&mut canonical::AsciiString(&mut list));
        url.push_str(&list.replace(';', "%3B"));
        url.push_str("&q-url-param-list=");
        list.clear();
        canonical.write_param_list(&mut canonical::AsciiString(&mut list));
        url.push_str(&list.replace(';', "%3B"));
        url.push_str("&q-signature=");
        url.push_str(canonical::ascii(&signature));
        if !extra_params.is_empty() {
            url.push('&');
            url.push_str(&extra_params);
        }
        if let Some(token) = credentials.session_token() {
            url.push('&');
            url.push_str(SECURITY_TOKEN_HEADER);
            url.push('=');
            encode::push_query_component(&mut url, token);
        }
        Ok(url)
    }
}
