//! Where the secret id, secret key and STS session token come from.
//!
//! The client asks its [`ProvideCredentials`] before **every attempt**, so a provider
//! that refreshes temporary (STS) credentials hands out fresh ones without the client's
//! help; cache inside the provider when fetching is costly. A session token, when the
//! credentials carry one, is sent as `x-cos-security-token` and signed.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;

pub use cos_sign::Credentials;
use cos_types::{ClientErrorKind, Result};

use crate::error::client_error;

/// The environment variable holding the secret id.
pub const ENV_SECRET_ID: &str = "TENCENTCLOUD_SECRET_ID";
/// The environment variable holding the secret key.
pub const ENV_SECRET_KEY: &str = "TENCENTCLOUD_SECRET_KEY";
/// The environment variable holding an STS session token (optional).
pub const ENV_SESSION_TOKEN: &str = "TENCENTCLOUD_SESSION_TOKEN";

/// A source of credentials, asked before each attempt.
#[async_trait::async_trait]
pub trait ProvideCredentials: Send + Sync + fmt::Debug + 'static {
    /// The credentials to sign the next attempt with.
    async fn provide_credentials(&self) -> Result<Credentials>;
}

/// Always the same credentials.
#[derive(Debug, Clone)]
pub struct StaticCredentials(Credentials);

impl StaticCredentials {
    /// Wraps fixed credentials.
    pub fn new(credentials: Credentials) -> Self {
        StaticCredentials(credentials)
    }
}

#[async_trait::async_trait]
impl ProvideCredentials for StaticCredentials {
    async fn provide_credentials(&self) -> Result<Credentials> {
        Ok(self.0.clone())
    }
}

/// Credentials from the environment: [`ENV_SECRET_ID`] (`TENCENTCLOUD_SECRET_ID`),
/// [`ENV_SECRET_KEY`] (`TENCENTCLOUD_SECRET_KEY`) and, optionally,
/// [`ENV_SESSION_TOKEN`] (`TENCENTCLOUD_SESSION_TOKEN`) — the names the Tencent Cloud
/// CLI and SDKs use.
///
/// The variables are read at each call, so rotated values are picked up.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnvironmentCredentials;

impl EnvironmentCredentials {
    /// Reads the variables now.
    pub fn read() -> Result<Credentials> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let (Some(id), Some(key)) = (var(ENV_SECRET_ID), var(ENV_SECRET_KEY)) else {
            return Err(client_error(
                ClientErrorKind::Credentials,
                format!(
                    "no credentials in the environment: set {ENV_SECRET_ID} and {ENV_SECRET_KEY}"
                ),
            ));
        };
        let credentials = Credentials::new(id, key);
        Ok(match var(ENV_SESSION_TOKEN) {
            Some(token) => credentials.with_session_token(token),
            None => credentials,
        })
    }
}

#[async_trait::async_trait]
impl ProvideCredentials for EnvironmentCredentials {
    async fn provide_credentials(&self) -> Result<Credentials> {
        Self::read()
    }
}

/// Tries providers in order; the first that gives credentials wins.
#[derive(Debug, Clone, Default)]
pub struct CredentialsChain {
    providers: Vec<Arc<dyn ProvideCredentials>>,
}

impl CredentialsChain {
    /// An empty chain.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a provider.
    pub fn or_else(mut self, provider: impl ProvideCredentials) -> Self {
        self.providers.push(Arc::new(provider));
        self
    }
}

#[async_trait::async_trait]
impl ProvideCredentials for CredentialsChain {
    async fn provide_credentials(&self) -> Result<Credentials> {
        let mut failures: Vec<String> = Vec::new();
        for provider in &self.providers {
            match provider.provide_credentials().await {
                Ok(credentials) => return Ok(credentials),
                Err(error) => failures.push(format!("{provider:?}: {error}")),
            }
        }
        Err(client_error(
            ClientErrorKind::Credentials,
            if failures.is_empty() {
                "the credentials chain is empty".to_owned()
            } else {
                format!(
                    "no provider in the chain gave credentials ({})",
                    failures.join("; ")
                )
            },
        ))
    }
}

type Fetch = dyn Fn() -> BoxFuture<'static, Result<(Credentials, SystemTime)>> + Send + Sync;

/// Temporary credentials (STS) fetched by an async function, cached, and fetched again
/// shortly before they expire.
///
/// Concurrent requests that find the cache stale wait for one fetch instead of each
/// starting their own.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use cos_client::{Credentials, RefreshingCredentials};
///
/// let provider = RefreshingCredentials::new(|| async {
///     // ask your STS service here
///     let credentials = Credentials::new("AKIDtmp", "tmp-key").with_session_token("token");
///     Ok((credentials, SystemTime::now() + Duration::from_secs(1800)))
/// });
/// # let _ = provider;
/// ```
pub struct RefreshingCredentials {
    fetch: Box<Fetch>,
    refresh_before: Duration,
    cached: tokio::sync::Mutex<Option<(Credentials, SystemTime)>>,
}

impl RefreshingCredentials {
    /// Fetches with `fetch`, which returns the credentials and when they expire.
    pub fn new<F, Fut>(fetch: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(Credentials, SystemTime)>> + Send + 'static,
    {
        RefreshingCredentials {
            fetch: Box::new(move || Box::pin(fetch())),
            refresh_before: Duration::from_secs(300),
            cached: tokio::sync::Mutex::new(None),
        }
    }

    /// How long before expiry new credentials are fetched. Default 5 minutes.
    pub fn refresh_before(mut self, margin: Duration) -> Self {
        self.refresh_before = margin;
        self
    }
}

impl fmt::Debug for RefreshingCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshingCredentials")
            .field("refresh_before", &self.refresh_before)
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl ProvideCredentials for RefreshingCredentials {
    async fn provide_credentials(&self) -> Result<Credentials> {
        let mut cached = self.cached.lock().await;
        if let Some((credentials, expires)) = cached.as_ref()
            && SystemTime::now() + self.refresh_before < *expires
        {
            return Ok(credentials.clone());
        }
        let (credentials, expires) = (self.fetch)().await?;
        *cached = Some((credentials.clone(), expires));
        Ok(credentials)
    }
}

#[async_trait::async_trait]
impl ProvideCredentials for Credentials {
    async fn provide_credentials(&self) -> Result<Credentials> {
        Ok(self.clone())
    }
}

#[async_trait::async_trait]
impl<P: ProvideCredentials + ?Sized> ProvideCredentials for Arc<P> {
    async fn provide_credentials(&self) -> Result<Credentials> {
        (**self).provide_credentials().await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test]
    async fn refreshing_credentials_are_cached_until_close_to_expiry() {
        let fetches = Arc::new(AtomicU32::new(0));
        let counter = fetches.clone();
        let lifetime = Arc::new(std::sync::Mutex::new(Duration::from_secs(3600)));
        let current = lifetime.clone();
        let provider = RefreshingCredentials::new(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            let lifetime = *current.lock().unwrap();
            async move {
                let credentials = Credentials::new(format!("AKID{n}"), "key")
                    .with_session_token(format!("token{n}"));
                Ok((credentials, SystemTime::now() + lifetime))
            }
        });
        // long-lived credentials are fetched once
        assert_eq!(
            provider.provide_credentials().await.unwrap().secret_id(),
            "AKID1"
        );
        assert_eq!(
            provider.provide_credentials().await.unwrap().secret_id(),
            "AKID1"
        );
        assert_eq!(fetches.load(Ordering::SeqCst), 1);

        // credentials expiring within the refresh margin are replaced at every call
        let provider = provider.refresh_before(Duration::from_secs(7200));
        *lifetime.lock().unwrap() = Duration::from_secs(60);
        let refreshed = provider.provide_credentials().await.unwrap();
        assert_eq!(refreshed.secret_id(), "AKID2");
        assert_eq!(refreshed.session_token(), Some("token2"));
        assert_eq!(
            provider.provide_credentials().await.unwrap().secret_id(),
            "AKID3"
        );
        assert_eq!(fetches.load(Ordering::SeqCst), 3);
    }
}
