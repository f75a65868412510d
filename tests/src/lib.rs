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
/// test can tell a retried operation from one that succeeded at once. It also tracks how many
/// requests are in flight at once, can hold requests back until enough are, and can run a
/// hook on each request before forwarding it.
pub struct CountingTransport {
    inner: cos_client::transport::reqwest::ReqwestTransport,
    sent: std::sync::atomic::AtomicUsize,
    in_flight: std::sync::atomic::AtomicUsize,
    max_in_flight: tokio::sync::watch::Sender<usize>,
    hold_until_in_flight: std::sync::atomic::AtomicUsize,
    hook: std::sync::Mutex<Option<RequestHook>>,
}

/// A function run on each request before it is forwarded.
pub type RequestHook = Box<dyn Fn(&http::Request<cos_client::transport::Body>) + Send + Sync>;

impl std::fmt::Debug for CountingTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CountingTransport")
            .field("sent", &self.sent())
            .field("max_in_flight", &self.max_in_flight())
            .finish_non_exhaustive()
    }
}

impl CountingTransport {
    /// A counter in front of a default [`ReqwestTransport`](cos_client::transport::reqwest::ReqwestTransport).
    pub fn new() -> std::sync::Arc<Self> {
        std::sync::Arc::new(CountingTransport {
            inner: cos_client::transport::reqwest::ReqwestTransport::new().expect("a transport"),
            sent: std::sync::atomic::AtomicUsize::new(0),
            in_flight: std::sync::atomic::AtomicUsize::new(0),
            max_in_flight: tokio::sync::watch::Sender::new(0),
            hold_until_in_flight: std::sync::atomic::AtomicUsize::new(0),
            hook: std::sync::Mutex::new(None),
        })
    }

    /// How many requests went out.
    pub fn sent(&self) -> usize {
        self.sent.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The most requests that were in flight (sent, no answer yet) at the same time.
    pub fn max_in_flight(&self) -> usize {
        *self.max_in_flight.borrow()
    }

    /// Holds every Upload Part request (one with a `partNumber` query) back until `count`
    /// requests have been in flight together once (so a caller that never sends that many
    /// at a time waits forever).
    pub fn hold_until_in_flight(&self, count: usize) {
        self.hold_until_in_flight
            .store(count, std::sync::atomic::Ordering::SeqCst);
    }

    /// Runs `hook` on each request before forwarding it.
    pub fn set_hook(
        &self,
        hook: impl Fn(&http::Request<cos_client::transport::Body>) + Send + Sync + 'static,
    ) {
        *self.hook.lock().unwrap() = Some(Box::new(hook));
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
        use std::sync::atomic::Ordering;
        self.sent.fetch_add(1, Ordering::SeqCst);
        if let Some(hook) = self.hook.lock().unwrap().as_ref() {
            hook(&request);
        }
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.send_if_modified(|max| {
            let raised = now > *max;
            *max = (*max).max(now);
            raised
        });
        let is_part = request
            .uri()
            .query()
            .is_some_and(|query| query.contains("partNumber="));
        if is_part {
            let target = self.hold_until_in_flight.load(Ordering::SeqCst);
            let mut max = self.max_in_flight.subscribe();
            max.wait_for(|max| *max >= target)
                .await
                .expect("the sender lives in self");
        }
        let answer = self.inner.send(request).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        answer
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

/// The fault of a throttled COS: 503 `SlowDown`.
pub fn slow_down() -> cos_emulator::Fault {
    cos_emulator::Fault::Error {
        status: 503,
        code: "SlowDown".into(),
        message: None,
    }
}
