//! Plugging in a different transport: one that wraps another and logs every exchange.
//!
//! `cargo run -p cos-client --example recording_transport` (starts a local emulator).
//!
//! Anything implementing `cos_client::transport::Transport` can carry the client's
//! requests: a proxy-aware client, a mock, a transport with custom TLS roots, or — as
//! here — a wrapper that records method, URL, status and the COS request id.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use cos_client::transport::reqwest::ReqwestTransport;
use cos_client::transport::{Body, ResponseBody, Transport, TransportError};
use cos_client::{Client, Credentials};

/// One exchange as the recorder saw it.
#[derive(Debug, Clone)]
struct Exchange {
    method: http::Method,
    url: String,
    outcome: String,
    request_id: Option<String>,
    millis: u128,
}

/// Wraps any transport and keeps a log of what went through it.
#[derive(Debug)]
struct RecordingTransport {
    inner: Arc<dyn Transport>,
    log: Mutex<Vec<Exchange>>,
}

#[async_trait::async_trait]
impl Transport for RecordingTransport {
    async fn send(
        &self,
        request: http::Request<Body>,
    ) -> Result<http::Response<ResponseBody>, TransportError> {
        let method = request.method().clone();
        let url = request.uri().to_string();
        let started = Instant::now();
        let result = self.inner.send(request).await;
        let (outcome, request_id) = match &result {
            Ok(response) => (
                response.status().to_string(),
                response
                    .headers()
                    .get("x-cos-request-id")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
            ),
            Err(error) => (format!("transport error: {error}"), None),
        };
        let exchange = Exchange {
            method,
            url,
            outcome,
            request_id,
            millis: started.elapsed().as_millis(),
        };
        println!(
            "{:>6} {:<70} -> {} (request id {}, {} ms)",
            exchange.method.as_str(),
            exchange.url,
            exchange.outcome,
            exchange.request_id.as_deref().unwrap_or("-"),
            exchange.millis
        );
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(exchange);
        result
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = cos_emulator::Emulator::start(cos_emulator::Config::new(
        "AKIDrecording",
        "recording-secret",
    ))
    .await?;

    let recorder = Arc::new(RecordingTransport {
        inner: Arc::new(ReqwestTransport::new()?),
        log: Mutex::new(Vec::new()),
    });
    let client = Client::builder()
        .endpoint(emulator.endpoint())
        .credentials(Credentials::new("AKIDrecording", "recording-secret"))
        .transport(recorder.clone())
        .build()?;

    let bucket = client.bucket(&format!("recorded-{}", emulator.appid()))?;
    bucket.create().await?;
    bucket
        .put_object("greeting.txt")
        .content_type("text/plain")
        .body("hello")
        .send()
        .await?;
    let object = bucket.get_object("greeting.txt").send().await?;
    println!("read back {:?}", String::from_utf8_lossy(&object.body));
    let missing = bucket.head_object("missing.txt").send().await;
    println!(
        "head of a missing key: {}",
        missing.expect_err("the key does not exist")
    );
    bucket.delete_object("greeting.txt").await?;
    bucket.delete().await?;

    let log = recorder
        .log
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let failures = log.iter().filter(|e| !e.outcome.starts_with('2')).count();
    println!(
        "{} exchanges recorded, {failures} of them not 2xx",
        log.len()
    );
    emulator.shutdown().await;
    Ok(())
}
