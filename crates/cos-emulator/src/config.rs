//! How an emulator is set up: where it listens, which keys it accepts, where it keeps data.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use cos_sign::Credentials;

/// Settings of an [`Emulator`](crate::Emulator). Defaults: listen on `127.0.0.1:0` (a free
/// port), region `ap-guangzhou`, APPID `1250000000`, data in memory, signatures required.
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) listen: SocketAddr,
    pub(crate) credentials: Vec<Credentials>,
    pub(crate) region: String,
    pub(crate) appid: String,
    pub(crate) data_dir: Option<PathBuf>,
    pub(crate) allow_anonymous: bool,
    pub(crate) max_clock_skew: Duration,
}

impl Config {
    /// An emulator that accepts requests signed with this key pair.
    pub fn new(secret_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self::with_credential(Credentials::new(secret_id, secret_key))
    }

    /// An emulator that accepts requests signed with this credential (for example STS
    /// credentials, which are accepted only with their session token).
    pub fn with_credential(credential: Credentials) -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            credentials: vec![credential],
            region: "ap-guangzhou".to_owned(),
            appid: "1250000000".to_owned(),
            data_dir: None,
            allow_anonymous: false,
            max_clock_skew: Duration::from_secs(15 * 60),
        }
    }

    /// The address to listen on (port 0 picks a free port).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Accepts one more key pair (for example STS credentials with a session token).
    pub fn credential(mut self, credential: Credentials) -> Self {
        self.credentials.push(credential);
        self
    }

    /// The region reported for buckets (`x-cos-bucket-region`, `Location`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// The account APPID (the owner id in listings).
    pub fn appid(mut self, appid: impl Into<String>) -> Self {
        self.appid = appid.into();
        self
    }

    /// Keeps buckets and objects in files under `dir` (created if missing) instead of memory;
    /// an emulator started again on the same directory finds them there.
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// Lets unsigned requests through (signed ones are still verified). Off by default,
    /// as on COS, where anonymous requests to a private bucket get `AccessDenied`.
    pub fn allow_anonymous(mut self, allow: bool) -> Self {
        self.allow_anonymous = allow;
        self
    }
}
