//! Presigned URLs.

use std::time::Duration;

use cos_types::{ClientErrorKind, Result};
use http::Method;

use crate::bucket::Bucket;
use crate::config::Addressing;
use crate::error::client_error_with;
use crate::object::parse_key;

/// Options of a presigned URL; built by [`Bucket::presign`].
#[derive(Debug)]
#[must_use = "call `url` to get the URL"]
pub struct PresignedRequest {
    bucket: Bucket,
    method: Method,
    key: String,
    expires_in: Duration,
    params: Vec<(String, String)>,
    headers: Vec<(http::HeaderName, http::HeaderValue)>,
}

impl PresignedRequest {
    /// Signs a query parameter into the URL (e.g. `response-content-disposition`).
    pub fn param(mut self, name: &str, value: &str) -> Self {
        self.params.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Signs a header: whoever uses the URL must send exactly this header and value.
    pub fn header(mut self, name: http::HeaderName, value: http::HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The absolute URL (scheme and host included), valid from 60 s ago until `expires_in`
    /// from now (on the clock corrected by the server's time, if it was). An STS token is
    /// appended as `x-cos-security-token`. Only `host` (and any [`header`](Self::header)) is
    /// signed, so the holder needs to send nothing else.
    pub async fn url(self) -> Result<String> {
        let key = parse_key(&self.key)?;
        let client = self.bucket.client();
        let credentials = client.credentials().provide_credentials().await?;
        let (scheme, authority, _) = client.locate(Some(self.bucket.name()), None);
        let signed_key = match client.config().addressing {
            Addressing::PathStyle if client.config().endpoint.authority.is_some() => {
                format!("{}/{}", self.bucket.name().as_str(), key.as_str())
            }
            _ => key.as_str().to_owned(),
        };
        let mut presign =
            cos_sign::Presign::new(self.method, format!("{scheme}://{authority}"), signed_key);
        for (name, value) in self.params {
            presign = presign.param(name, value);
        }
        for (name, value) in self.headers {
            presign = presign.header(name, value);
        }
        let key_time = cos_sign::KeyTime::starting_at(client.now(), self.expires_in);
        presign
            .url(&credentials, key_time)
            .map_err(|e| client_error_with(ClientErrorKind::InvalidInput, "presign", e))
    }
}

impl Bucket {
    /// A presigned URL for `method` on `key`, valid for `expires_in`.
    pub fn presign(&self, method: Method, key: &str, expires_in: Duration) -> PresignedRequest {
        PresignedRequest {
            bucket: self.clone(),
            method,
            key: key.to_owned(),
            expires_in,
            params: Vec::new(),
            headers: Vec::new(),
        }
    }
}
