//! The default transport, built on `reqwest` 0.12 (rustls with ring; HTTP/1.1 and h2).

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};

use super::{Body, ResponseBody, Transport, TransportError, TransportErrorKind};

/// A [`Transport`] on a shared `reqwest::Client` (one connection pool for every request).
///
/// Built by [`ReqwestTransport::builder`] with COS-friendly defaults: redirects are never
/// followed (a 3xx comes back as a response), the `HTTP_PROXY` / `HTTPS_PROXY` /
/// `NO_PROXY` environment variables are honoured, connections are made within the
/// connect timeout, and idle pooled connections are dropped before the server's
/// keep-alive would close them.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: ::reqwest::Client,
}

impl ReqwestTransport {
    /// A transport with the default settings.
    pub fn new() -> Result<Self, TransportError> {
        Self::builder().build()
    }

    /// Settings for a new transport.
    pub fn builder() -> ReqwestTransportBuilder {
        ReqwestTransportBuilder::default()
    }

    /// Wraps an existing `reqwest::Client`.
    ///
    /// The client should have redirects disabled (`reqwest::redirect::Policy::none()`):
    /// a followed redirect would carry a signature made for another host.
    pub fn from_client(client: ::reqwest::Client) -> Self {
        ReqwestTransport { client }
    }
}

/// Settings of a [`ReqwestTransport`].
#[derive(Debug, Clone)]
pub struct ReqwestTransportBuilder {
    connect_timeout: Duration,
    pool_idle_timeout: Duration,
    pool_max_idle_per_host: usize,
    tcp_keepalive: Option<Duration>,
    use_env_proxy: bool,
}

impl Default for ReqwestTransportBuilder {
    fn default() -> Self {
        ReqwestTransportBuilder {
            connect_timeout: Duration::from_secs(10),
            // below COS's and most proxies' 60 s keep-alive, so a pooled connection is
            // not reused just as the server closes it
            pool_idle_timeout: Duration::from_secs(50),
            pool_max_idle_per_host: 64,
            tcp_keepalive: Some(Duration::from_secs(60)),
            use_env_proxy: true,
        }
    }
}

impl ReqwestTransportBuilder {
    /// How long to wait for a TCP (and TLS) connection. Default 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long an idle pooled connection is kept. Default 50 s.
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// How many idle connections per host the pool keeps. Default 64.
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.pool_max_idle_per_host = max;
        self
    }

    /// TCP keep-alive probe interval, `None` to disable. Default 60 s.
    pub fn tcp_keepalive(mut self, interval: Option<Duration>) -> Self {
        self.tcp_keepalive = interval;
        self
    }

    /// Whether the `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY` environment
    /// variables are honoured. Default `true`.
    pub fn use_env_proxy(mut self, enabled: bool) -> Self {
        self.use_env_proxy = enabled;
        self
    }

    /// Builds the transport.
    pub fn build(self) -> Result<ReqwestTransport, TransportError> {
        let mut builder = ::reqwest::Client::builder()
            .redirect(::reqwest::redirect::Policy::none())
            .connect_timeout(self.connect_timeout)
            .pool_idle_timeout(self.pool_idle_timeout)
            .pool_max_idle_per_host(self.pool_max_idle_per_host)
            .tcp_keepalive(self.tcp_keepalive)
            .tcp_nodelay(true);
        if !self.use_env_proxy {
            builder = builder.no_proxy();
        }
        let client = builder.build().map_err(TransportError::other)?;
        Ok(ReqwestTransport { client })
    }
}

fn classify(error: ::reqwest::Error) -> TransportError {
    let kind = if error.is_connect() {
        TransportErrorKind::Connect
    } else if error.is_timeout() {
        TransportErrorKind::Timeout
    } else if error.is_builder() || error.is_redirect() {
        TransportErrorKind::Other
    } else {
        // request/body/decode errors: the connection broke while exchanging data
        TransportErrorKind::Io
    };
    TransportError::new(kind, error)
}

#[async_trait::async_trait]
impl Transport for ReqwestTransport {
    async fn send(
        &self,
        request: http::Request<Body>,
    ) -> Result<http::Response<ResponseBody>, TransportError> {
        let (parts, body) = request.into_parts();
        let url = ::reqwest::Url::parse(&parts.uri.to_string()).map_err(TransportError::other)?;
        let body = match body.try_into_bytes() {
            Ok(bytes) => ::reqwest::Body::from(bytes),
            Err(stream) => ::reqwest::Body::wrap_stream(stream),
        };
        let mut request = ::reqwest::Request::new(parts.method, url);
        *request.headers_mut() = parts.headers;
        *request.version_mut() = parts.version;
        *request.body_mut() = Some(body);
        let mut response = self.client.execute(request).await.map_err(classify)?;

        let mut answer = http::Response::new(ResponseBody::empty());
        *answer.status_mut() = response.status();
        *answer.version_mut() = response.version();
        *answer.headers_mut() = std::mem::take(response.headers_mut());
        *answer.body_mut() =
            ResponseBody::from_stream(response.bytes_stream().map_err(classify).boxed());
        Ok(answer)
    }
}
