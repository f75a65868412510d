//! Where the secret id, secret key and STS session token come from.
//!
//! The client asks its [`ProvideCredentials`] before **every attempt**, so a provider
//! that refreshes temporary (STS) credentials hands out fresh ones without the client's
//! help; cache inside the provider when fetching is costly. A session token, when the
//! credentials carry one, is sent as `x-cos-security-token` and signed.

use std::fmt;
use std::sync::Arc;

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
