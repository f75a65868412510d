//! The client, the request pipeline and the retry loop.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use cos_types::{BucketName, ClientErrorKind, Error, ObjectKey, Result, ServiceError};
use http::{HeaderMap, HeaderValue, Method};
use tokio::io::AsyncWriteExt;
use tracing::Instrument;

use crate::body::PutBody;
use crate::bucket::Bucket;
use crate::config::{Addressing, ClientBuilder, Config};
use crate::credentials::ProvideCredentials;
use crate::download::{DownloadCheck, ObjectStream, next_chunk};
use crate::error::{client_error, client_error_with, from_transport, invalid_input};
use crate::model::{ListBucketsOutput, header_str};
use crate::transport::{ResponseBody, Transport, TransportError};
use crate::url::{encode_query, object_path};
use crate::xml;

/// How much of an error body is read (the rest is dropped with the connection).
pub(crate) const ERROR_BODY_LIMIT: usize = ServiceError::DEFAULT_BODY_LIMIT;

/// A COS client: cheap to clone (an `Arc` inside), `Send + Sync`.
///
/// ```no_run
/// # async fn run() -> cos_types::Result<()> {
/// let client = cos_client::Client::builder()
///     .region("ap-guangzhou")
///     .credentials(cos_client::Credentials::new("AKID...", "secret"))
///     .build()?;
/// let bucket = client.bucket("examplebucket-1250000000")?;
/// bucket.put_object("hello.txt").body("hello").send().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) config: Config,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) credentials: Arc<dyn ProvideCredentials>,
    /// Seconds to add to the local clock when signing, learnt from `RequestTimeTooSkewed`.
    pub(crate) clock_offset: AtomicI64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("region", &self.inner.config.region)
            .field("endpoint", &self.inner.config.endpoint)
            .field("addressing", &self.inner.config.addressing)
            .field("transport", &self.inner.transport)
            .finish_non_exhaustive()
    }
}

/// What an operation sends.
pub(crate) struct Operation {
    pub(crate) name: &'static str,
    pub(crate) method: Method,
    pub(crate) bucket: Option<BucketName>,
    pub(crate) key: Option<ObjectKey>,
    pub(crate) query: Vec<(&'static str, Option<String>)>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<PutBody>,
    /// Whether a request that may have reached the server can be sent again.
    pub(crate) idempotent: bool,
    /// Copy, UploadPartCopy and Complete can answer 200 with an `<Error>` body.
    pub(crate) error_root_on_success: bool,
    /// Compare the sent body's CRC-64 with the `x-cos-hash-crc64ecma` answer.
    pub(crate) verify_upload: bool,
    /// A GET of object data: check its length, and its CRC-64 when it is the whole object.
    pub(crate) download: bool,
}

impl Operation {
    pub(crate) fn new(name: &'static str, method: Method) -> Self {
        Operation {
            name,
            method,
            bucket: None,
            key: None,
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
            idempotent: true,
            error_root_on_success: false,
            verify_upload: false,
            download: false,
        }
    }

    fn replayable(&self) -> bool {
        self.body.as_ref().is_none_or(PutBody::is_replayable)
    }
}

/// Where a successful response body goes.
pub(crate) enum Sink<'a> {
    /// Read it into memory (errors mid-body are retried).
    Buffer,
    /// Hand it to the caller as a stream once the head arrived.
    Stream,
    /// Write it to this file (through a temporary file renamed into place when complete).
    File(&'a Path),
}

/// A successful answer.
pub(crate) struct Answer {
    pub(crate) parts: http::response::Parts,
    pub(crate) payload: Payload,
    /// The CRC-64 of the request body as it was read and sent (uploads only).
    pub(crate) sent_crc: Option<u64>,
}

pub(crate) enum Payload {
    Bytes(Bytes),
    Stream(Box<ObjectStream>),
    File,
}

impl Answer {
    pub(crate) fn bytes(&self) -> &[u8] {
        match &self.payload {
            Payload::Bytes(bytes) => bytes,
            _ => &[],
        }
    }
}

struct Failure {
    error: Error,
    server_date: Option<SystemTime>,
    /// The answer carried `x-cos-request-id`: COS itself answered, not something between.
    cos_answered: bool,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure {
            error,
            server_date: None,
            cos_answered: false,
        }
    }
}

/// Which of COS's domains a request for a bucket goes to, when no endpoint is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Domain {
    /// `<bucket>.cos.<region>.myqcloud.com`.
    Default,
    /// `<bucket>.cos.<region>.tencentcos.cn`, used only with
    /// [`ClientBuilder::switch_to_backup_domain`].
    Backup,
}

/// The region whose "domain" is global acceleration (`cos.accelerate.myqcloud.com`),
/// which has no backup domain.
const ACCELERATE_REGION: &str = "accelerate";

/// The largest clock correction taken from a server (about ten years, in seconds).
const MAX_CLOCK_OFFSET: i64 = 10 * 366 * 24 * 60 * 60;

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Client {
    /// Settings for a new client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    pub(crate) fn from_inner(inner: Inner) -> Self {
        Client {
            inner: Arc::new(inner),
        }
    }

    /// A handle on a bucket, its name (`<name>-<appid>`) validated.
    pub fn bucket(&self, name: &str) -> Result<Bucket> {
        let name: BucketName = name
            .parse()
            .map_err(|e| invalid_input(format!("bucket name {name:?}: {e}")))?;
        Ok(Bucket::new(self.clone(), name))
    }

    /// GET Service: the buckets of the account.
    pub async fn list_buckets(&self) -> Result<ListBucketsOutput> {
        let answer = self
            .execute(Operation::new("ListBuckets", Method::GET), Sink::Buffer)
            .await?;
        xml::list_buckets(answer.bytes()).map_err(|e| decode_error("ListBuckets", e))
    }

    /// The clock offset (seconds added to the local clock when signing) learnt from the server.
    pub fn clock_offset(&self) -> i64 {
        self.inner.clock_offset.load(Ordering::Relaxed)
    }

    /// Sets the clock offset used when signing (seconds added to the local clock).
    ///
    /// Clamped to ±10 years: no real clock is further off, and a bigger offset (from a
    /// broken `Date` header) would put the signing time outside what HTTP dates can say.
    pub fn set_clock_offset(&self, seconds: i64) {
        let seconds = seconds.clamp(-MAX_CLOCK_OFFSET, MAX_CLOCK_OFFSET);
        self.inner.clock_offset.store(seconds, Ordering::Relaxed);
    }

    pub(crate) fn config(&self) -> &Config {
        &self.inner.config
    }

    pub(crate) fn credentials(&self) -> &Arc<dyn ProvideCredentials> {
        &self.inner.credentials
    }

    /// Signing time: local time plus the learnt offset.
    pub(crate) fn now(&self) -> u64 {
        u64::try_from(unix_now().saturating_add(self.clock_offset())).unwrap_or(0)
    }

    /// `(scheme, authority, path)` of a request for `bucket`/`key`.
    pub(crate) fn locate(
        &self,
        bucket: Option<&BucketName>,
        key: Option<&ObjectKey>,
    ) -> (String, String, String) {
        self.locate_on(bucket, key, Domain::Default)
    }

    /// [`locate`](Self::locate) on `domain`, which only changes default-domain bucket URLs.
    fn locate_on(
        &self,
        bucket: Option<&BucketName>,
        key: Option<&ObjectKey>,
        domain: Domain,
    ) -> (String, String, String) {
        let config = &self.inner.config;
        let scheme = config.endpoint.scheme.clone();
        let key_path = key
            .map(|k| object_path(k.as_ref()))
            .unwrap_or_else(|| "/".to_owned());
        let Some(bucket) = bucket else {
            let authority = config
                .endpoint
                .authority
                .clone()
                .unwrap_or_else(|| "service.cos.myqcloud.com".to_owned());
            return (scheme, authority, "/".to_owned());
        };
        let bucket = bucket.as_ref();
        match (&config.endpoint.authority, config.addressing) {
            (None, _) => {
                let region = config
                    .region
                    .as_ref()
                    .map(|r| r.as_ref().to_owned())
                    .unwrap_or_default();
                let suffix = match domain {
                    Domain::Default => "myqcloud.com",
                    Domain::Backup => "tencentcos.cn",
                };
                (scheme, format!("{bucket}.cos.{region}.{suffix}"), key_path)
            }
            (Some(authority), Addressing::PathStyle) => {
                let path = match key {
                    Some(_) => format!("/{bucket}{key_path}"),
                    None => format!("/{bucket}"),
                };
                (scheme, authority.clone(), path)
            }
            (Some(authority), Addressing::BucketDomain) => (scheme, authority.clone(), key_path),
            (Some(authority), _) => (scheme, format!("{bucket}.{authority}"), key_path),
        }
    }

    /// Whether `op` may move to the backup domain: switching is on and its URL is a
    /// bucket's on COS's default domain (no custom endpoint, not global acceleration).
    fn has_backup_domain(&self, op: &Operation) -> bool {
        let config = &self.inner.config;
        config.switch_to_backup_domain
            && config.endpoint.authority.is_none()
            && op.bucket.is_some()
            && config
                .region
                .as_ref()
                .is_some_and(|region| region.as_ref() != ACCELERATE_REGION)
    }

    fn build_request(
        &self,
        op: &Operation,
        body: crate::transport::Body,
        retry: bool,
        domain: Domain,
    ) -> Result<http::Request<crate::transport::Body>> {
        let (scheme, authority, path) = self.locate_on(op.bucket.as_ref(), op.key.as_ref(), domain);
        let mut uri = format!("{scheme}://{authority}{path}");
        if !op.query.is_empty() {
            uri.push('?');
            uri.push_str(&encode_query(&op.query));
        }
        let mut request = http::Request::builder()
            .method(op.method.clone())
            .uri(&uri)
            .body(body)
            .map_err(|e| client_error_with(ClientErrorKind::InvalidInput, op.name, e))?;
        let headers = request.headers_mut();
        for (name, value) in &op.headers {
            headers.append(name.clone(), value.clone());
        }
        headers.insert(
            http::header::HOST,
            HeaderValue::from_str(&authority)
                .map_err(|e| client_error_with(ClientErrorKind::InvalidInput, op.name, e))?,
        );
        headers.insert(
            http::header::USER_AGENT,
            self.inner.config.user_agent.clone(),
        );
        // COS compares `Date` with its clock (RequestTimeTooSkewed beyond 15 min), and the
        // answer's `Date` is how the offset is learnt; send the corrected time.
        let date = UNIX_EPOCH + Duration::from_secs(self.now());
        if let Ok(value) = HeaderValue::from_str(&httpdate::fmt_http_date(date)) {
            headers.insert(http::header::DATE, value);
        }
        let length = request.body().len().unwrap_or(0);
        if length > 0 || matches!(op.method, Method::PUT | Method::POST | Method::DELETE) {
            request
                .headers_mut()
                .insert(http::header::CONTENT_LENGTH, HeaderValue::from(length));
        }
        if retry {
            request
                .headers_mut()
                .insert("x-cos-sdk-retry", HeaderValue::from_static("true"));
        }
        Ok(request)
    }

    /// Runs `op` with retries. The only loop that retries and the only place that sleeps.
    pub(crate) async fn execute(&self, op: Operation, sink: Sink<'_>) -> Result<Answer> {
        let span = tracing::info_span!(
            "cos",
            operation = op.name,
            bucket = op
                .bucket
                .as_ref()
                .map(|b| b.as_ref().to_owned())
                .unwrap_or_default(),
            key = op
                .key
                .as_ref()
                .map(|k| k.as_ref().to_owned())
                .unwrap_or_default(),
        );
        // Filled by the loop, and read here so that an operation timeout, which drops the
        // loop mid-attempt, still reports the attempts that failed before it.
        let mut earlier_attempts = Vec::new();
        let run = self.retry_loop(&op, &sink, &mut earlier_attempts);
        let result = match self.inner.config.operation_timeout {
            Some(limit) => match tokio::time::timeout(limit, run).instrument(span).await {
                Ok(result) => result,
                Err(_) => Err(client_error(
                    ClientErrorKind::Timeout,
                    format!("{}: the operation took longer than {limit:?}", op.name),
                )),
            },
            None => run.instrument(span).await,
        };
        // A download's temporary file is its attempt's to remove (see `PartialFile`).
        result.map_err(|error| error.with_earlier_attempts(earlier_attempts))
    }

    /// Runs the attempts of `op` and returns the last one's result; the error of every
    /// attempt followed by another goes to `earlier_attempts`, oldest first.
    async fn retry_loop(
        &self,
        op: &Operation,
        sink: &Sink<'_>,
        earlier_attempts: &mut Vec<Error>,
    ) -> Result<Answer> {
        let policy = &self.inner.config.retry;
        let started = Instant::now();
        let mut attempt = 0u32;
        let mut skew_corrected = false;
        let has_backup_domain = self.has_backup_domain(op);
        let mut domain = Domain::Default;
        loop {
            attempt += 1;
            let span = tracing::debug_span!(
                "attempt",
                n = attempt,
                request_id = tracing::field::Empty,
                status = tracing::field::Empty
            );
            let failure = match self
                .attempt(op, sink, attempt > 1, domain)
                .instrument(span)
                .await
            {
                Ok(answer) => return Ok(answer),
                Err(failure) => failure,
            };
            let error = failure.error;
            // Something other than COS answered on the default domain (no request id).
            let may_switch =
                has_backup_domain && domain == Domain::Default && !failure.cos_answered;
            if may_switch
                && error
                    .status()
                    .is_some_and(|status| is_redirect(status.as_u16()))
            {
                if !op.replayable() {
                    tracing::debug!(%error, "not moved to the backup domain: the body is a one-shot stream");
                    return Err(not_replayable(op.name, error));
                }
                tracing::warn!(%error, "a redirect not from COS: moving to the backup domain");
                domain = Domain::Backup;
                // a move, not a retry of a transient failure: no backoff, and the attempt
                // it cost is given back
                attempt -= 1;
                earlier_attempts.push(error);
                continue;
            }
            let skewed = error
                .as_service()
                .is_some_and(|s| s.code() == "RequestTimeTooSkewed");
            if skewed
                && !skew_corrected
                && let Some(server) = failure.server_date
            {
                let server = server
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or(0);
                let offset = server - unix_now();
                tracing::warn!(
                    offset,
                    "the server's clock differs from ours; signing with its time"
                );
                self.set_clock_offset(offset);
                skew_corrected = true;
                if op.replayable() {
                    // a correction, not a retry of a transient failure: no backoff, and the
                    // attempt it cost is given back
                    attempt -= 1;
                    earlier_attempts.push(error);
                    continue;
                }
            }
            if !error.is_retryable() {
                return Err(error);
            }
            let transport_error_before_sending = error
                .as_client()
                .is_some_and(|c| c.kind() == ClientErrorKind::Connect);
            if !op.idempotent && !transport_error_before_sending && !error.is_throttled() {
                tracing::debug!(%error, "not retried: the request is not idempotent");
                return Err(error);
            }
            if !op.replayable() {
                tracing::debug!(%error, "not retried: the body is a one-shot stream");
                return Err(not_replayable(op.name, error));
            }
            if attempt >= policy.attempts() {
                tracing::debug!(%error, attempt, "giving up: no attempts left");
                return Err(error);
            }
            let delay = policy.backoff(attempt);
            if policy
                .budget()
                .is_some_and(|budget| started.elapsed() + delay > budget)
            {
                tracing::debug!(%error, "giving up: the retry time budget is spent");
                return Err(error);
            }
            if may_switch && attempt + 1 == policy.attempts() {
                tracing::warn!(%error, "no answer from COS: the last attempt goes to the backup domain");
                domain = Domain::Backup;
            }
            tracing::debug!(%error, ?delay, attempt, "retrying");
            earlier_attempts.push(error);
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt(
        &self,
        op: &Operation,
        sink: &Sink<'_>,
        retry: bool,
        domain: Domain,
    ) -> Result<Answer, Failure> {
        let credentials = self.inner.credentials.provide_credentials().await?;
        let opened = match &op.body {
            None => None,
            Some(body) => match body.open().await {
                Ok(Some(opened)) => Some(opened),
                Ok(None) => {
                    return Err(client_error(
                        ClientErrorKind::Body,
                        format!(
                            "{}: the body is a one-shot stream that was already sent",
                            op.name
                        ),
                    )
                    .into());
                }
                Err(e) => {
                    return Err(client_error_with(
                        ClientErrorKind::Io,
                        format!("{}: cannot read the upload body", op.name),
                        e,
                    )
                    .into());
                }
            },
        };
        let (body, upload_crc) = match opened {
            Some(opened) => (opened.body, Some(opened.crc)),
            None => (crate::transport::Body::empty(), None),
        };
        // Host is signed, so a request moved to the backup domain is signed for it here.
        let mut request = self.build_request(op, body, retry, domain)?;
        let key_time =
            cos_sign::KeyTime::starting_at(self.now(), self.inner.config.signature_validity);
        cos_sign::try_sign(
            &mut request,
            &credentials,
            key_time,
            &cos_sign::HeaderPolicy::cos_default(),
        )
        .map_err(|e| client_error_with(ClientErrorKind::Credentials, op.name, e))?;

        let send = self.inner.transport.send(request);
        let response = match self.inner.config.attempt_timeout {
            Some(limit) => match tokio::time::timeout(limit, send).await {
                Ok(result) => result,
                Err(_) => Err(TransportError::timeout(format!(
                    "no response within {limit:?}"
                ))),
            },
            None => send.await,
        }
        .map_err(|e| from_transport(op.name, e))?;
        let (parts, mut body) = response.into_parts();
        let span = tracing::Span::current();
        span.record("status", parts.status.as_u16());
        if let Some(id) = header_str(&parts.headers, "x-cos-request-id") {
            span.record("request_id", id);
        }
        let server_date =
            header_str(&parts.headers, "date").and_then(|d| httpdate::parse_http_date(d).ok());
        let cos_answered = parts.headers.contains_key("x-cos-request-id");
        let failed = |error: Error| Failure {
            error,
            server_date,
            cos_answered,
        };
        let stall = self.inner.config.read_stall_timeout;

        if !parts.status.is_success() {
            let (raw, cut) = read_bounded(&mut body, ERROR_BODY_LIMIT, stall).await;
            let error = if cut {
                ServiceError::from_truncated_response(parts.status, &parts.headers, raw)
            } else {
                ServiceError::from_response(parts.status, &parts.headers, raw)
            };
            return Err(failed(error.into()));
        }

        let sent_crc = upload_crc.and_then(|slot| slot.get());
        if op.verify_upload && self.inner.config.verify_crc64 {
            check_upload_crc(op.name, &parts.headers, sent_crc).map_err(failed)?;
        }

        let check = if op.download {
            Some(DownloadCheck::new(&parts, self.inner.config.verify_crc64))
        } else {
            None
        };
        let payload = match sink {
            Sink::Stream => {
                let stream = ObjectStream::new(op.name, body, check, stall);
                Payload::Stream(Box::new(stream))
            }
            Sink::Buffer => {
                let announced_len = header_str(&parts.headers, "content-length")
                    .and_then(|value| value.parse().ok())
                    .filter(|_| op.method != Method::HEAD);
                let bytes = read_all(op.name, &mut body, stall, announced_len, check)
                    .await
                    .map_err(failed)?;
                if op.error_root_on_success && xml::is_error_document(&bytes) {
                    let error = ServiceError::from_response(parts.status, &parts.headers, bytes);
                    return Err(failed(error.into()));
                }
                Payload::Bytes(bytes)
            }
            Sink::File(destination) => {
                write_file(op.name, &mut body, stall, check, destination)
                    .await
                    .map_err(failed)?;
                Payload::File
            }
        };
        Ok(Answer {
            parts,
            payload,
            sent_crc,
        })
    }
}

/// A redirect status. Not any 3xx: a 304 answers a conditional request, wherever from.
fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

fn not_replayable(operation: &'static str, error: Error) -> Error {
    match error.as_client().map(|c| c.kind()) {
        Some(kind) => client_error_with(
            kind,
            format!(
                "{operation}: failed and not retried, because its body is a one-shot stream \
                 that cannot be sent again"
            ),
            error,
        ),
        // a service answer stays a service error (status, code, request id are what matter)
        None => error,
    }
}

pub(crate) fn decode_error(operation: &'static str, error: xml::XmlError) -> Error {
    client_error_with(
        ClientErrorKind::Decode,
        format!("{operation}: cannot read the response"),
        error,
    )
}

fn check_upload_crc(operation: &'static str, headers: &HeaderMap, sent: Option<u64>) -> Result<()> {
    let (Some(sent), Some(stored)) = (sent, crate::model::crc64_header(headers)) else {
        return Ok(());
    };
    if sent != stored {
        // Not retried: only a download's mismatch is (error-model.md). The stored object
        // is corrupt and the caller decides what to do with it.
        return Err(cos_types::ClientError::new(
            ClientErrorKind::Integrity,
            format!(
                "{operation}: the uploaded data's CRC-64 is {sent}, but COS stored {stored} \
                 (x-cos-hash-crc64ecma); the object is corrupt"
            ),
        )
        .with_retryable(false)
        .into());
    }
    Ok(())
}

/// Reads at most `limit` bytes of an error body; `true` when more was left unread.
async fn read_bounded(
    body: &mut ResponseBody,
    limit: usize,
    stall: Option<Duration>,
) -> (Bytes, bool) {
    let mut out = BytesMut::new();
    loop {
        match next_chunk(body, stall).await {
            Some(Ok(chunk)) => {
                let room = limit - out.len();
                if chunk.len() > room {
                    out.extend_from_slice(&chunk[..room]);
                    return (out.freeze(), true);
                }
                out.extend_from_slice(&chunk);
            }
            // the connection broke mid-body: what arrived is all there is, and it is cut
            Some(Err(_)) => return (out.freeze(), true),
            None => return (out.freeze(), false),
        }
    }
}

/// The most a buffered read reserves up front from `Content-Length` (64 MiB): a larger
/// body grows the buffer as it arrives, so a wrong header cannot make us reserve gigabytes
/// before the first byte.
const PREALLOCATION_LIMIT: u64 = 64 * 1024 * 1024;

/// Reads a whole body into one buffer.
///
/// A body that arrives in one chunk is returned as that chunk (no copy). Otherwise the
/// chunks are copied, as they arrive, into one buffer sized from `announced_len` (the
/// `Content-Length`), so the object is never held twice. More bytes than announced fail
/// at once, before they are buffered; a short body is caught by the download check.
async fn read_all(
    operation: &'static str,
    body: &mut ResponseBody,
    stall: Option<Duration>,
    announced_len: Option<u64>,
    mut check: Option<DownloadCheck>,
) -> Result<Bytes> {
    let mut single: Option<Bytes> = None;
    // allocates nothing until a second chunk arrives (never for a HEAD's empty body)
    let mut whole = BytesMut::new();
    let mut received = 0u64;
    while let Some(chunk) = next_chunk(body, stall).await {
        let chunk = chunk.map_err(|e| from_transport(operation, e))?;
        if chunk.is_empty() {
            continue;
        }
        received += chunk.len() as u64;
        if let Some(announced) = announced_len
            && received > announced
        {
            return Err(longer_than_announced(operation, announced));
        }
        if let Some(check) = &mut check {
            check.update(&chunk);
        }
        if whole.is_empty() {
            match single.take() {
                None => {
                    single = Some(chunk);
                    continue;
                }
                Some(first) => {
                    let announced = announced_len.map_or(0, |len| {
                        usize::try_from(len.min(PREALLOCATION_LIMIT)).unwrap_or(0)
                    });
                    whole.reserve(announced.max(first.len() + chunk.len()));
                    whole.extend_from_slice(&first);
                }
            }
        }
        whole.extend_from_slice(&chunk);
    }
    if let Some(check) = &check {
        check.finish(operation)?;
    }
    Ok(single.unwrap_or_else(|| whole.freeze()))
}

fn longer_than_announced(operation: &'static str, announced: u64) -> Error {
    // the same classification as a body that ends early: another attempt may get it right
    Error::from(
        cos_types::ClientError::new(
            ClientErrorKind::Io,
            format!(
                "{operation}: the body is longer than the {announced} bytes its Content-Length \
                 announced"
            ),
        )
        .with_retryable(true),
    )
}

/// A download's temporary file beside its destination, removed when dropped unless it
/// was renamed into place: an error, a retry, or a cancelled (timed out) operation never
/// leaves it behind.
struct PartialFile {
    path: PathBuf,
    renamed: bool,
}

impl PartialFile {
    /// `.<name>.<random>.cos-partial` in the destination's folder: a name of its own, so
    /// two downloads to one destination never write into the same file.
    fn beside(destination: &Path) -> Self {
        let mut name = std::ffi::OsString::from(".");
        name.push(destination.file_name().unwrap_or_default());
        name.push(format!(".{:016x}.cos-partial", fastrand::u64(..)));
        PartialFile {
            path: destination.with_file_name(name),
            renamed: false,
        }
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        if !self.renamed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

async fn write_file(
    operation: &'static str,
    body: &mut ResponseBody,
    stall: Option<Duration>,
    mut check: Option<DownloadCheck>,
    destination: &Path,
) -> Result<u64> {
    let io_error = |context: &str, e: std::io::Error| {
        client_error_with(
            ClientErrorKind::Io,
            format!("{operation}: {context} {}", destination.display()),
            e,
        )
    };
    let mut partial = PartialFile::beside(destination);
    let mut file = tokio::fs::File::create(&partial.path)
        .await
        .map_err(|e| io_error("cannot create", e))?;
    let mut written = 0u64;
    while let Some(chunk) = next_chunk(body, stall).await {
        let chunk = chunk.map_err(|e| from_transport(operation, e))?;
        if let Some(check) = &mut check {
            check.update(&chunk);
        }
        file.write_all(&chunk)
            .await
            .map_err(|e| io_error("cannot write", e))?;
        written += chunk.len() as u64;
    }
    if let Some(check) = &check {
        check.finish(operation)?;
    }
    file.flush()
        .await
        .map_err(|e| io_error("cannot write", e))?;
    file.sync_all()
        .await
        .map_err(|e| io_error("cannot sync", e))?;
    drop(file);
    tokio::fs::rename(&partial.path, destination)
        .await
        .map_err(|e| io_error("cannot move the download to", e))?;
    partial.renamed = true;
    Ok(written)
}
