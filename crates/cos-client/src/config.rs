//! Client settings and the builder.

use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use std::time::Duration;

use cos_types::{Region, Result};

use crate::client::{Client, Inner};
use crate::credentials::{EnvironmentCredentials, ProvideCredentials};
use crate::error::invalid_input;
use crate::retry::RetryPolicy;
use crate::transport::Transport;

/// How the bucket is placed in a request URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Addressing {
    /// Path style for IP and `localhost` endpoints, virtual-hosted otherwise.
    #[default]
    Auto,
    /// `<bucket>.<endpoint host>/<key>` — what COS's public endpoints require.
    VirtualHosted,
    /// `<endpoint host>/<bucket>/<key>` — for emulators and S3-style gateways.
    PathStyle,
    /// `<endpoint host>/<key>`: the endpoint is a custom domain bound to one bucket.
    BucketDomain,
}

#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    pub(crate) scheme: String,
    /// `host[:port]`; `None` means COS's own domains.
    pub(crate) authority: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) region: Option<Region>,
    pub(crate) endpoint: Endpoint,
    pub(crate) addressing: Addressing,
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) operation_timeout: Option<Duration>,
    pub(crate) read_stall_timeout: Option<Duration>,
    pub(crate) retry: RetryPolicy,
    pub(crate) user_agent: http::HeaderValue,
    pub(crate) verify_crc64: bool,
    pub(crate) signature_validity: Duration,
    pub(crate) switch_to_backup_domain: bool,
}

/// Settings of a [`Client`]; see [`Client::builder`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    region: Option<String>,
    endpoint: Option<String>,
    addressing: Addressing,
    credentials: Option<Arc<dyn ProvideCredentials>>,
    transport: Option<Arc<dyn Transport>>,
    connect_timeout: Duration,
    attempt_timeout: Option<Duration>,
    operation_timeout: Option<Duration>,
    read_stall_timeout: Option<Duration>,
    retry: RetryPolicy,
    user_agent: String,
    verify_crc64: bool,
    signature_validity: Duration,
    switch_to_backup_domain: bool,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            region: None,
            endpoint: None,
            addressing: Addressing::Auto,
            credentials: None,
            transport: None,
            connect_timeout: Duration::from_secs(10),
            attempt_timeout: None,
            operation_timeout: None,
            read_stall_timeout: Some(Duration::from_secs(30)),
            retry: RetryPolicy::default(),
            user_agent: concat!("cos-rust-sdk/", env!("CARGO_PKG_VERSION")).to_owned(),
            verify_crc64: true,
            signature_validity: Duration::from_secs(3600),
            switch_to_backup_domain: false,
        }
    }
}

impl ClientBuilder {
    /// The region (`ap-guangzhou`, ...): picks the endpoint `<bucket>.cos.<region>.myqcloud.com`
    /// and names copy sources. Required unless an [`endpoint`](Self::endpoint) is set.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Sends requests to this endpoint instead of COS's domains: `http://127.0.0.1:9000`
    /// (an emulator), `https://cos.example.com` (a custom domain), ... A bare `host[:port]`
    /// means `https://`. How the bucket is placed: see [`addressing`](Self::addressing).
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// How the bucket appears in URLs. Default [`Addressing::Auto`].
    pub fn addressing(mut self, addressing: Addressing) -> Self {
        self.addressing = addressing;
        self
    }

    /// Where credentials come from. Default: [`EnvironmentCredentials`].
    pub fn credentials(mut self, provider: impl ProvideCredentials) -> Self {
        self.credentials = Some(Arc::new(provider));
        self
    }

    /// Where credentials come from, as a shared provider.
    pub fn credentials_provider(mut self, provider: Arc<dyn ProvideCredentials>) -> Self {
        self.credentials = Some(provider);
        self
    }

    /// The HTTP transport. Default: a [`ReqwestTransport`](crate::transport::reqwest::ReqwestTransport)
    /// (feature `reqwest`) built with this builder's connect timeout.
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Connect timeout of the default transport. Default 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Limit on one attempt, from sending the request to receiving the response head.
    /// Bodies are bounded by the [read-stall timeout](Self::read_stall_timeout) instead,
    /// so large downloads are not cut off. Default: none.
    pub fn attempt_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// Limit on a whole operation, retries and backoff included (for a streaming GET, until
    /// the stream is handed over). Default: none.
    pub fn operation_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.operation_timeout = timeout;
        self
    }

    /// Fails a response body that delivers no data for this long. Default 30 s.
    pub fn read_stall_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.read_stall_timeout = timeout;
        self
    }

    /// The retry policy. Default [`RetryPolicy::default`].
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The `User-Agent` header. Default `cos-rust-sdk/<version>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Whether uploads and whole-object downloads are checked against
    /// `x-cos-hash-crc64ecma` (skipped when the server sends no such header). Default `true`.
    pub fn verify_crc64(mut self, enabled: bool) -> Self {
        self.verify_crc64 = enabled;
        self
    }

    /// How long each request signature stays valid. Default 1 hour.
    pub fn signature_validity(mut self, validity: Duration) -> Self {
        self.signature_validity = validity;
        self
    }

    /// Whether a request may move from COS's default domain to its backup domain,
    /// `<bucket>.cos.<region>.tencentcos.cn`, when the default domain seems not to reach
    /// COS (hijacked DNS, a captive portal, ...). Default `false`.
    ///
    /// It applies only to the URLs built from the [region](Self::region) for a bucket,
    /// `<bucket>.cos.<region>.myqcloud.com`: never with a custom [endpoint](Self::endpoint)
    /// (so never for a host already on `tencentcos.cn`), nor for the `accelerate` region's
    /// global acceleration domain, nor for service-level requests. An answer counts as not
    /// from COS when it has no `x-cos-request-id` header:
    ///
    /// - a redirect (301, 302, 303, 307, 308) without it moves the operation to the backup domain and sends it
    ///   again at once (the only time a redirect is retried; it does not use up an attempt);
    /// - a retryable failure (5xx, a transport error, ...) without it, or with no answer at
    ///   all, sends the operation's last attempt to the backup domain.
    ///
    /// Once moved, the operation stays on the backup domain. Every attempt is signed for the
    /// host it is sent to.
    pub fn switch_to_backup_domain(mut self, enabled: bool) -> Self {
        self.switch_to_backup_domain = enabled;
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Client> {
        let region = self
            .region
            .as_deref()
            .map(|r| {
                r.parse::<Region>()
                    .map_err(|e| invalid_input(format!("region {r:?}: {e}")))
            })
            .transpose()?;
        let endpoint = match &self.endpoint {
            Some(raw) => parse_endpoint(raw)?,
            None => {
                if region.is_none() {
                    return Err(invalid_input("a region (or an endpoint) is required"));
                }
                Endpoint {
                    scheme: "https".into(),
                    authority: None,
                }
            }
        };
        let addressing = match (self.addressing, &endpoint.authority) {
            (Addressing::Auto, None) => Addressing::VirtualHosted,
            (Addressing::Auto, Some(authority)) => {
                if is_ip_or_localhost(authority) {
                    Addressing::PathStyle
                } else {
                    Addressing::VirtualHosted
                }
            }
            (explicit, _) => explicit,
        };
        let user_agent = http::HeaderValue::from_str(&self.user_agent).map_err(|_| {
            invalid_input(format!(
                "user agent {:?} is not a valid header value",
                self.user_agent
            ))
        })?;
        let transport = match self.transport {
            Some(transport) => transport,
            None => default_transport(self.connect_timeout)?,
        };
        let credentials = self
            .credentials
            .unwrap_or_else(|| Arc::new(EnvironmentCredentials));
        let config = Config {
            region,
            endpoint,
            addressing,
            attempt_timeout: self.attempt_timeout,
            operation_timeout: self.operation_timeout,
            read_stall_timeout: self.read_stall_timeout,
            retry: self.retry,
            user_agent,
            verify_crc64: self.verify_crc64,
            signature_validity: self.signature_validity,
            switch_to_backup_domain: self.switch_to_backup_domain,
        };
        Ok(Client::from_inner(Inner {
            config,
            transport,
            credentials,
            clock_offset: AtomicI64::new(0),
        }))
    }
}

#[cfg(feature = "reqwest")]
fn default_transport(connect_timeout: Duration) -> Result<Arc<dyn Transport>> {
    let transport = crate::transport::reqwest::ReqwestTransport::builder()
        .connect_timeout(connect_timeout)
        .build()
        .map_err(|e| crate::error::from_transport("build the HTTP transport", e))?;
    Ok(Arc::new(transport))
}

#[cfg(not(feature = "reqwest"))]
fn default_transport(_connect_timeout: Duration) -> Result<Arc<dyn Transport>> {
    Err(invalid_input(
        "no transport: enable the `reqwest` feature or call ClientBuilder::transport",
    ))
}

fn parse_endpoint(raw: &str) -> Result<Endpoint> {
    let (scheme, rest) = match raw.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => ("https".to_owned(), raw),
    };
    if scheme != "http" && scheme != "https" {
        return Err(invalid_input(format!(
            "endpoint {raw:?}: the scheme must be http or https"
        )));
    }
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.is_empty()
        || authority.contains('/')
        || authority.contains('?')
        || authority.contains('@')
    {
        return Err(invalid_input(format!(
            "endpoint {raw:?}: expected scheme://host[:port] with no path, query or user info"
        )));
    }
    authority
        .parse::<http::uri::Authority>()
        .map_err(|e| invalid_input(format!("endpoint {raw:?}: {e}")))?;
    Ok(Endpoint {
        scheme,
        authority: Some(authority.to_ascii_lowercase()),
    })
}

fn is_ip_or_localhost(authority: &str) -> bool {
    let host = match authority.parse::<http::uri::Authority>() {
        Ok(parsed) => parsed.host().to_owned(),
        Err(_) => return false,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_parse() {
        let e = parse_endpoint("http://127.0.0.1:9000").unwrap();
        assert_eq!(
            (e.scheme.as_str(), e.authority.as_deref()),
            ("http", Some("127.0.0.1:9000"))
        );
        let e = parse_endpoint("cos.example.com/").unwrap();
        assert_eq!(
            (e.scheme.as_str(), e.authority.as_deref()),
            ("https", Some("cos.example.com"))
        );
        assert!(parse_endpoint("ftp://x").is_err());
        assert!(parse_endpoint("http://host/path").is_err());
        assert!(parse_endpoint("http://").is_err());
    }

    #[test]
    fn ip_and_localhost_detection() {
        assert!(is_ip_or_localhost("127.0.0.1:9000"));
        assert!(is_ip_or_localhost("[::1]:80"));
        assert!(is_ip_or_localhost("localhost:8080"));
        assert!(!is_ip_or_localhost("cos.ap-guangzhou.myqcloud.com"));
    }
}
