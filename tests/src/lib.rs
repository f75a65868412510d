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
