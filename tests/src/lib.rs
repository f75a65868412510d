//! Helpers shared by the workspace integration tests: loading the test vectors, and starting
//! an emulator with a client and a bucket.

use std::path::PathBuf;

/// The folder holding the JSON test vectors (`tests/vectors/`).
pub fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors")
}

/// Reads and parses one vector file from [`vectors_dir`].
pub fn load_vectors(name: &str) -> serde_json::Value {
    let path = vectors_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The secret id every test emulator accepts.
pub const SECRET_ID: &str = "AKIDcostests";
/// The secret key every test emulator accepts.
pub const SECRET_KEY: &str = "cos-tests-secret-key";

/// A running emulator with a client pointed at it and a bucket created on it.
pub struct World {
    /// The emulator (on a free loopback port).
    pub emulator: cos_emulator::Emulator,
    /// A client for it, with quick retries.
    pub client: cos_client::Client,
    /// A bucket created for the test.
    pub bucket: cos_client::Bucket,
}

/// A client for `emulator` with short backoffs (attempt count and classification unchanged).
pub fn client_for(emulator: &cos_emulator::Emulator, secret_key: &str) -> cos_client::Client {
    cos_client::Client::builder()
        .endpoint(emulator.endpoint())
        .region(emulator.region())
        .credentials(cos_client::Credentials::new(SECRET_ID, secret_key))
        .retry_policy(
            cos_client::RetryPolicy::default()
                .base_delay(std::time::Duration::from_millis(5))
                .max_delay(std::time::Duration::from_millis(20)),
        )
        .build()
        .expect("a valid client configuration")
}

/// Starts an emulator on a free port, builds a client and creates bucket `<name>-<appid>`.
pub async fn world(name: &str) -> World {
    let emulator = cos_emulator::Emulator::start(cos_emulator::Config::new(SECRET_ID, SECRET_KEY))
        .await
        .expect("the emulator starts");
    let client = client_for(&emulator, SECRET_KEY);
    let bucket = client
        .bucket(&format!("{name}-{}", emulator.appid()))
        .expect("a valid bucket name");
    bucket.create().await.expect("the bucket is created");
    World {
        emulator,
        client,
        bucket,
    }
}

/// A transport that counts the requests it forwards to the default reqwest transport, so a
/// test can tell a retried operation from one that succeeded at once.
#[derive(Debug)]
pub struct CountingTransport {
    inner: cos_client::transport::reqwest::ReqwestTransport,
    sent: std::sync::atomic::AtomicUsize,
}

impl CountingTransport {
    /// A counter in front of a default [`ReqwestTransport`](cos_client::transport::reqwest::ReqwestTransport).
    pub fn new() -> std::sync::Arc<Self> {
        std::sync::Arc::new(CountingTransport {
            inner: cos_client::transport::reqwest::ReqwestTransport::new().expect("a transport"),
            sent: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    /// How many requests went out.
    pub fn sent(&self) -> usize {
        self.sent.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[cos_client::transport::async_trait]
impl cos_client::transport::Transport for CountingTransport {
    async fn send(
        &self,
        request: http::Request<cos_client::transport::Body>,
    ) -> Result<
        http::Response<cos_client::transport::ResponseBody>,
        cos_client::transport::TransportError,
    > {
        self.sent.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.send(request).await
    }
}

/// A client for `emulator` whose requests go through `transport`.
pub fn client_with_transport(
    emulator: &cos_emulator::Emulator,
    transport: std::sync::Arc<CountingTransport>,
) -> cos_client::Client {
    cos_client::Client::builder()
        .endpoint(emulator.endpoint())
        .region(emulator.region())
        .credentials(cos_client::Credentials::new(SECRET_ID, SECRET_KEY))
        .transport(transport)
        .retry_policy(
            cos_client::RetryPolicy::default()
                .base_delay(std::time::Duration::from_millis(5))
                .max_delay(std::time::Duration::from_millis(20)),
        )
        .build()
        .expect("a valid client configuration")
}
