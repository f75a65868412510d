//! `cos-client`: an async client for Tencent Cloud Object Storage (COS).
//!
//! - [`Client`] (built by [`Client::builder`]): region, credentials, endpoint, timeouts,
//!   retry policy; cheap to clone and `Send + Sync`. [`Client::bucket`] gives a
//!   [`Bucket`] handle, whose methods start every object operation as a typed builder.
//! - Every failure is a [`cos_types::Error`]: a [`ServiceError`](cos_types::ServiceError)
//!   when COS answered (status, code, message, request id, raw body), a
//!   [`ClientError`](cos_types::ClientError) otherwise.
//! - Retries ([`RetryPolicy`]): exponential backoff with full jitter, bounded attempts and
//!   time, each attempt signed afresh and marked `x-cos-sdk-retry: true`; only bodies that
//!   can be sent again are retried ([`PutBody`]). The error of a retried operation is the
//!   last attempt's and keeps the earlier ones
//!   ([`Error::earlier_attempts`](cos_types::Error::earlier_attempts), and every attempt's
//!   request id in [`Error::request_ids`](cos_types::Error::request_ids)).
//! - Integrity: uploads and whole-object downloads are checked against
//!   `x-cos-hash-crc64ecma` ([`crc64`], [`Crc64`], [`crc64_combine`]); a corrupted or
//!   truncated download is never returned as success.
//! - Large uploads: [`Bucket::upload_file`] sends one PUT Object or a concurrent multipart
//!   upload read part by part from the file; a failure ([`UploadFailure`]) carries the upload
//!   id and the parts done, for [`Upload::resume`]; a process that lost it finds the upload
//!   with [`Bucket::list_multipart_uploads`] and continues it with
//!   [`Upload::resume_from_server`], which checks the parts COS lists against the data's MD5.
//! - Transport: any [`transport::Transport`]; [`transport::reqwest::ReqwestTransport`]
//!   by default (feature `reqwest`).
//!
//! # Example
//!
//! Against a local emulator (`cos-emulator`); for COS itself, give `.region("ap-guangzhou")`
//! instead of `.endpoint(..)`, and credentials from the environment.
//!
//! ```
//! use cos_client::{Client, Credentials};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let emulator = cos_emulator::Emulator::start(cos_emulator::Config::new("AKIDexample", "secret")).await?;
//! # let endpoint = emulator.endpoint();
//! let client = Client::builder()
//!     .endpoint(endpoint) // e.g. "http://127.0.0.1:9000"
//!     .credentials(Credentials::new("AKIDexample", "secret"))
//!     .build()?;
//! let bucket = client.bucket("examplebucket-1250000000")?;
//! bucket.create().await?;
//! bucket
//!     .put_object("notes/hello.txt")
//!     .content_type("text/plain")
//!     .metadata("author", "me")
//!     .body("hello")
//!     .send()
//!     .await?;
//! let object = bucket.get_object("notes/hello.txt").send().await?;
//! assert_eq!(&object.body[..], b"hello");
//! assert_eq!(object.meta.metadata["author"], "me");
//!
//! let error = bucket.get_object("missing").send().await.unwrap_err();
//! assert!(error.is_not_found());
//! assert!(error.request_id().is_some());
//! println!("{error}"); // COS service error 404 NoSuchKey: ... (request id: ..., ...)
//! # Ok(())
//! # }
//! ```
//!
//! A runnable version of this is `cargo run --example tour` (it starts the emulator itself).

mod body;
mod bucket;
mod client;
mod config;
mod crc64;
pub mod credentials;
mod download;
mod error;
pub mod model;
mod object;
mod options;
mod presign;
mod retry;
pub mod transport;
mod upload;
mod url;
mod xml;

#[cfg(test)]
mod tests;

pub use body::PutBody;
pub use bucket::{Bucket, ListMultipartUploads, ListObjects};
pub use client::Client;
pub use config::{Addressing, ClientBuilder};
pub use crc64::{Crc64, crc64, crc64_combine};
pub use credentials::{
    Credentials, CredentialsChain, EnvironmentCredentials, ProvideCredentials,
    RefreshingCredentials, StaticCredentials,
};
pub use download::ObjectStream;
pub use object::{
    AppendObject, CopyObject, GetObject, GetObjectOutput, HeadObject, InitiateMultipartUpload,
    PutObject,
};
pub use options::{CannedAcl, StorageClass};
pub use presign::PresignedRequest;
pub use retry::RetryPolicy;
pub use upload::{Upload, UploadFailure, UploadOutput};

// The guides under `docs/` are compiled and run with the doc tests, so they cannot drift
// from the API.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/error-handling.md")]
struct ErrorHandlingGuide;

#[cfg(doctest)]
#[doc = include_str!("../../../docs/testing-with-the-emulator.md")]
struct EmulatorTestingGuide;
