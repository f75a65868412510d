//! `cos-emulator`: a local Tencent Cloud COS-compatible server for tests, examples and
//! benchmarks — a library you start from a test and a binary (`cos-emulator`).
//!
//! It speaks the COS XML API over HTTP/1.1: buckets, objects (ranges, conditional
//! requests, metadata, copy, append), listings, DELETE Multiple and multipart uploads
//! (Upload Part - Copy included), with COS's limits and COS-shaped errors (`Code`,
//! `Message`, `Resource`, `RequestId`, `TraceId`; `x-cos-request-id` on every answer;
//! header names spelled as COS spells them). It verifies COS signatures (header and
//! presigned forms, key-time window, STS tokens) and returns `x-cos-hash-crc64ecma` and
//! `ETag` on object answers. Data lives in memory, or on disk with
//! [`Config::data_dir`]. [`Faults`] injects failures: error answers, latency, dropped
//! connections, truncated or corrupted bodies, load-balancer HTML pages, `200` with an
//! `<Error>` body, and a skewed clock.
//!
//! Clients reach it three ways: path style (`http://127.0.0.1:PORT/<bucket>/<key>`),
//! virtual-hosted style by `Host` (`<bucket>.cos.<region>.myqcloud.com`, or
//! `<bucket>.<anything>`), or — unchanged COS endpoints — by using the emulator as their
//! HTTP proxy (absolute-form request targets).
//!
//! ```
//! use cos_emulator::{Config, Emulator, Fault, FaultRule, Operation};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let emulator = Emulator::start(Config::new("AKIDexample", "secret")).await?;
//! assert!(emulator.endpoint().starts_with("http://127.0.0.1:"));
//!
//! // The next two uploads are throttled.
//! emulator.faults().add(
//!     FaultRule::new(Fault::Error { status: 503, code: "SlowDown".into(), message: None })
//!         .operation(Operation::PutObject)
//!         .times(2),
//! );
//! assert_eq!(emulator.faults().list().len(), 1);
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod admin;
mod auth;
mod body;
mod checksum;
mod config;
mod error;
mod faults;
mod ops;
mod route;
mod server;
mod store;
mod time;
mod wire;
mod xml;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::Config;
/// The key pairs the emulator accepts (with an STS session token for temporary ones):
/// the signer's own type, so a test builds its client and its emulator from one value.
pub use cos_sign::Credentials;
pub use faults::{ActiveFault, Fault, FaultId, FaultRule, Faults, MAX_CLOCK_SKEW_SECS};
pub use route::Operation;

/// A running emulator. Dropping it stops accepting connections; [`Emulator::shutdown`]
/// also waits for requests in flight.
#[derive(Debug)]
pub struct Emulator {
    addr: SocketAddr,
    faults: Faults,
    region: String,
    appid: String,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Emulator {
    /// Binds the listening socket and starts serving on the current tokio runtime.
    ///
    /// Fails when the address cannot be bound or the data directory cannot be opened.
    pub async fn start(config: Config) -> io::Result<Emulator> {
        let store = match &config.data_dir {
            Some(dir) => store::Store::on_disk(dir).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("opening data directory {}: {e}", dir.display()),
                )
            })?,
            None => store::Store::in_memory(),
        };
        let listener = server::bind(config.listen).await.map_err(|e| {
            io::Error::new(e.kind(), format!("listening on {}: {e}", config.listen))
        })?;
        let addr = listener.local_addr()?;
        let region = config.region.clone();
        let appid = config.appid.clone();
        let shared = Arc::new(server::Shared::new(config, store));
        let faults = shared.faults.clone();
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, shared, stopped));
        Ok(Emulator {
            addr,
            faults,
            region,
            appid,
            stop,
            task: Some(task),
        })
    }

    /// The socket address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`: the endpoint for path-style requests, or the HTTP proxy to give a
    /// client that keeps real COS endpoint names.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The region it reports for buckets.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The account APPID: bucket names end with `-<appid>`.
    pub fn appid(&self) -> &str {
        &self.appid
    }

    /// Fault injection and clock skew for this emulator.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Stops accepting connections and waits (up to a few seconds) for requests in flight.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
