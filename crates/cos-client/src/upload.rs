//! The high-level upload: one PUT Object for small data, a concurrent and resumable
//! multipart upload for large data.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use cos_types::{ClientErrorKind, Error};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use http::Method;

use crate::body::PutBody;
use crate::bucket::Bucket;
use crate::client::Sink;
use crate::error::{client_error, client_error_with, invalid_input};
use crate::model::{CompletedPart, PartSummary, combined_crc64, crc64_header, header_string};
use crate::object::{object_op, parse_key};
use crate::options::{Headers, common_object_options, write_object_options};

const MIB: u64 = 1024 * 1024;
/// COS's smallest part (every part but the last).
const MIN_PART_SIZE: u64 = MIB;
/// COS's largest part.
const MAX_PART_SIZE: u64 = 5 * 1024 * MIB;
/// COS's largest part count.
const MAX_PARTS: u64 = 10_000;
/// COS's largest single PUT Object.
const MAX_SINGLE_PUT: u64 = 5 * 1024 * MIB;
/// The first part size tried when none is given; doubled until the object fits in
/// [`MAX_PARTS`] parts.
const DEFAULT_PART_SIZE: u64 = 16 * MIB;
const DEFAULT_CONCURRENCY: usize = 4;

/// A whole-object upload; built by [`Bucket::upload_file`] or [`Bucket::upload`].
///
/// Data of at most [`multipart_threshold`](Self::multipart_threshold) bytes goes up in one
/// PUT Object. Larger data goes up as a multipart upload: Initiate (with this builder's
/// headers), then the parts, at most [`concurrency`](Self::concurrency) at a time, each read
/// from its offset of the file when its request is sent (the object is never held in memory)
/// and retried by the client's retry policy like any request; then Complete.
///
/// # Integrity
///
/// Each part's CRC-64 is computed from the bytes as they are read and sent, and checked
/// against the part's `x-cos-hash-crc64ecma`. Complete checks the object's
/// `x-cos-hash-crc64ecma` against the combination of those checksums, which is the CRC-64 of
/// the data as read; [`UploadOutput::crc64`] is that value.
///
/// # Failure, abort and resume
///
/// When a part fails for good (after the retries), no further part is started, the parts
/// in flight finish, and `send` returns an [`UploadFailure`] carrying the upload id and the
/// parts done so far.
///
/// - An error that a later attempt cannot fix ([`Error::is_retryable`] is false, e.g. 403
///   AccessDenied) aborts the upload (Abort Multipart Upload), unless
///   [`keep_on_failure`](Self::keep_on_failure) was called; [`UploadFailure::aborted`] says so.
/// - A transient error that outlasted the retries (throttling, 5xx, a broken connection)
///   leaves the upload in place to be resumed: COS keeps its parts until the upload is
///   completed or aborted (or a lifecycle rule removes it).
/// - When several parts fail, any error that a later attempt cannot fix decides (it is
///   [`UploadFailure::error`]; the others are in [`UploadFailure::other_errors`]).
/// - `NoSuchUpload` (the upload was completed, aborted or removed) is not followed by an
///   Abort, and the failure is not resumable. When Complete answers it to a retry, an
///   earlier attempt may have completed the upload with its answer lost: the object at the
///   key is then read with HEAD Object, and the upload succeeds if the object has the
///   data's size and its `x-cos-hash-crc64ecma` is the parts' combined CRC-64.
///
/// To resume, build the same upload again (same data, same part size) and pass
/// [`resume`](Self::resume) the upload id and parts of the failure. Each part given is
/// checked against the data before it is skipped: its size (when given) must match the
/// plan, and its data is read and hashed again; a part whose CRC-64 no longer matches is
/// uploaded again. A part given without a CRC-64 (as [`CompletedPart::new`] makes it) is
/// checked by its ETag instead, which must be the MD5 of the data (hex, in quotes); one
/// whose ETag is not an MD5 (as with server-side encryption) cannot be checked, and is
/// uploaded again.
/// A process that no longer has the failure (it crashed or was restarted) passes
/// [`resume_from_server`](Self::resume_from_server) the upload id alone (found with
/// [`Bucket::list_multipart_uploads`]): the parts are then learnt from COS's List Parts.
///
/// # Example
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let emulator = cos_emulator::Emulator::start(cos_emulator::Config::new("AKIDexample", "secret")).await?;
/// # let client = cos_client::Client::builder()
/// #     .endpoint(emulator.endpoint())
/// #     .credentials(cos_client::Credentials::new("AKIDexample", "secret"))
/// #     .build()?;
/// # let bucket = client.bucket("examplebucket-1250000000")?;
/// # bucket.create().await?;
/// # let path = std::env::temp_dir().join(format!("cos-upload-doc-{}", std::process::id()));
/// # std::fs::write(&path, vec![7u8; 3 * 1024 * 1024 + 5])?;
/// let upload = bucket
///     .upload_file("backups/disk.img", &path)
///     .content_type("application/octet-stream")
///     .part_size(1024 * 1024)
///     .concurrency(2);
/// let output = match upload.send().await {
///     Ok(output) => output,
///     Err(failure) if failure.is_resumable() => {
///         // try again later, skipping the parts already uploaded
///         let upload_id = failure.upload_id.clone().unwrap_or_default();
///         bucket
///             .upload_file("backups/disk.img", &path)
///             .part_size(1024 * 1024)
///             .resume(upload_id, failure.completed)
///             .send()
///             .await?
///     }
///     Err(failure) => return Err(failure.into()),
/// };
/// assert_eq!(output.parts, 4);
/// assert_eq!(output.size, 3 * 1024 * 1024 + 5);
/// # std::fs::remove_file(&path)?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
#[must_use = "an upload does nothing until `send` is awaited"]
pub struct Upload {
    bucket: Bucket,
    key: String,
    source: Source,
    headers: Headers,
    part_size: Option<u64>,
    multipart_threshold: Option<u64>,
    concurrency: usize,
    resume: Option<Resume>,
    abort_on_failure: bool,
}

/// Which multipart upload to continue, and how to learn the parts it already has.
#[derive(Debug)]
enum Resume {
    /// The parts the caller kept (from an [`UploadFailure`]).
    Parts(String, Vec<CompletedPart>),
    /// The parts List Parts gives, checked against the data's MD5.
    Server(String),
}

#[derive(Debug)]
enum Source {
    Path(PathBuf),
    Body(PutBody),
}

/// The result of a successful [`Upload`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadOutput {
    /// The object's key.
    pub key: String,
    /// The object's ETag, quotes included (a multipart ETag is not an MD5 of the data).
    pub etag: Option<String>,
    /// The CRC-64/XZ of the data as read, which COS's `x-cos-hash-crc64ecma` was checked
    /// against (when it sent one and [`verify_crc64`](crate::ClientBuilder::verify_crc64) is on).
    pub crc64: Option<u64>,
    /// The object's size in bytes.
    pub size: u64,
    /// How many parts made the object (1 for a single PUT Object).
    pub parts: u32,
    /// The multipart upload's id (`None` for a single PUT Object).
    pub upload_id: Option<String>,
}

/// A failed [`Upload`]: the error, and what is needed to resume it.
///
/// `?` turns it into the [`cos_types::Error`] that ended the upload (the resume details are
/// then dropped: match on the failure first to keep them).
#[derive(Debug)]
#[non_exhaustive]
pub struct UploadFailure {
    /// The error that ended the upload. When several parts failed, the first failure that a
    /// later attempt cannot fix, else the first failure.
    pub error: Error,
    /// The other part failures, when several parts failed (for diagnosis).
    pub other_errors: Vec<Error>,
    /// The multipart upload's id; `None` when it failed before one was started (invalid
    /// input, a single PUT Object, Initiate itself failing).
    pub upload_id: Option<String>,
    /// The parts uploaded and verified, sorted by number (with CRC-64 and size), to give
    /// [`Upload::resume`].
    pub completed: Vec<CompletedPart>,
    /// Whether the upload was aborted (its parts are gone, it cannot be resumed).
    pub aborted: bool,
    /// Why aborting the upload failed, when it was tried and failed.
    pub abort_error: Option<Error>,
    /// Whether the upload still exists on COS (false once completed or aborted).
    upload_open: bool,
}

impl UploadFailure {
    fn new(error: Error) -> Self {
        UploadFailure {
            error,
            other_errors: Vec::new(),
            upload_id: None,
            completed: Vec::new(),
            aborted: false,
            abort_error: None,
            upload_open: false,
        }
    }

    /// Whether [`Upload::resume`] with [`upload_id`](Self::upload_id) and
    /// [`completed`](Self::completed) can continue this upload.
    pub fn is_resumable(&self) -> bool {
        self.upload_id.is_some() && self.upload_open
    }
}

impl fmt::Display for UploadFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "upload failed: {}", self.error)?;
        if let Some(upload_id) = &self.upload_id {
            if self.error.code() == Some("NoSuchUpload") {
                return write!(
                    f,
                    " (upload id {upload_id} does not exist on COS: it was completed, aborted \
                     or never begun; start a new upload)"
                );
            }
            write!(
                f,
                " (upload id {upload_id}, {} parts done",
                self.completed.len()
            )?;
            if self.aborted {
                write!(f, ", aborted)")?;
            } else if let Some(abort_error) = &self.abort_error {
                write!(f, ", aborting it failed: {abort_error})")?;
            } else if self.upload_open {
                write!(f, ", kept for resuming)")?;
            } else {
                write!(f, ")")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for UploadFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<UploadFailure> for Error {
    fn from(failure: UploadFailure) -> Self {
        failure.error
    }
}

impl From<Error> for UploadFailure {
    fn from(error: Error) -> Self {
        UploadFailure::new(error)
    }
}

/// How the data is cut into parts.
#[derive(Debug, Clone, Copy)]
struct Plan {
    size: u64,
    part_size: u64,
    part_count: u32,
}

impl Plan {
    fn new(size: u64, part_size: Option<u64>) -> Result<Plan, Error> {
        let part_size = match part_size {
            Some(part_size) => {
                if !(MIN_PART_SIZE..=MAX_PART_SIZE).contains(&part_size) {
                    return Err(invalid_input(format!(
                        "part size {part_size} bytes is outside 1 MiB..=5 GiB \
                         ({MIN_PART_SIZE}..={MAX_PART_SIZE} bytes), COS's limits for a part"
                    )));
                }
                part_size
            }
            None => {
                let mut part_size = DEFAULT_PART_SIZE;
                while size.div_ceil(part_size) > MAX_PARTS && part_size < MAX_PART_SIZE {
                    part_size = (part_size * 2).min(MAX_PART_SIZE);
                }
                part_size
            }
        };
        let part_count = size.div_ceil(part_size).max(1);
        if part_count > MAX_PARTS {
            return Err(invalid_input(format!(
                "{size} bytes in parts of {part_size} bytes make {part_count} parts, but COS \
                 allows at most {MAX_PARTS}; use parts of at least {} bytes",
                size.div_ceil(MAX_PARTS)
            )));
        }
        Ok(Plan {
            size,
            part_size,
            part_count: part_count as u32,
        })
    }

    /// The byte offset and length of part `number` (1-based).
    fn part(&self, number: u32) -> (u64, u64) {
        let offset = u64::from(number - 1) * self.part_size;
        (offset, self.part_size.min(self.size - offset))
    }
}

impl Upload {
    fn new(bucket: Bucket, key: &str, source: Source) -> Self {
        Upload {
            bucket,
            key: key.to_owned(),
            source,
            headers: Headers::default(),
            part_size: None,
            multipart_threshold: None,
            concurrency: DEFAULT_CONCURRENCY,
            resume: None,
            abort_on_failure: true,
        }
    }

    common_object_options!();
    write_object_options!();

    /// The size of every part but the last, 1 MiB..=5 GiB (checked by `send`, before any
    /// request). Default: 16 MiB, doubled until the object fits in 10000 parts.
    pub fn part_size(mut self, bytes: u64) -> Self {
        self.part_size = Some(bytes);
        self
    }

    /// Data of at most this many bytes is sent in one PUT Object (at most 5 GiB, COS's limit
    /// for one PUT). Default: the part size, so a multipart upload always has two parts or more.
    pub fn multipart_threshold(mut self, bytes: u64) -> Self {
        self.multipart_threshold = Some(bytes);
        self
    }

    /// At most `parts` parts are read and sent at a time (default 4; at least 1).
    pub fn concurrency(mut self, parts: usize) -> Self {
        self.concurrency = parts;
        self
    }

    /// Continues the multipart upload `upload_id`, skipping `completed` parts (as
    /// [`UploadFailure::completed`] gives them) once checked against the data; see
    /// [Failure, abort and resume](Self#failure-abort-and-resume). The part size must be
    /// the one the upload started with.
    pub fn resume(
        mut self,
        upload_id: impl Into<String>,
        completed: impl IntoIterator<Item = CompletedPart>,
    ) -> Self {
        self.resume = Some(Resume::Parts(
            upload_id.into(),
            completed.into_iter().collect(),
        ));
        self
    }

    /// Continues the multipart upload `upload_id` from what COS knows of it, for a process
    /// that no longer has the [`UploadFailure`] (it crashed, or was restarted); find the id
    /// with [`Bucket::list_multipart_uploads`]. The part size must be the one the upload
    /// started with.
    ///
    /// `send` first lists the upload's parts (List Parts, every page). A part of the plan is
    /// kept when a listed part has its number and size, and the listed ETag is the MD5 of
    /// the local bytes (hex, in quotes), which are read and hashed again (their CRC-64, for
    /// the checks of [Integrity](Self#integrity), comes from that same read). Every other
    /// part is uploaded again, including a listed part whose ETag is not an MD5 (as with
    /// server-side encryption, where COS's ETag is not the MD5 of the data): it cannot be
    /// checked against the data, so it is not trusted.
    ///
    /// If COS does not know `upload_id` (it was completed, aborted or never begun), `send`
    /// fails before uploading anything: the [`UploadFailure`]'s error is COS's
    /// `NoSuchUpload`, its message says the upload does not exist, and it is not
    /// [resumable](UploadFailure::is_resumable).
    ///
    /// # Example
    ///
    /// ```
    /// use futures::TryStreamExt;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::start(cos_emulator::Config::new("AKIDexample", "secret")).await?;
    /// # let client = cos_client::Client::builder()
    /// #     .endpoint(emulator.endpoint())
    /// #     .credentials(cos_client::Credentials::new("AKIDexample", "secret"))
    /// #     .build()?;
    /// # let bucket = client.bucket("examplebucket-1250000000")?;
    /// # bucket.create().await?;
    /// # let path = std::env::temp_dir().join(format!("cos-resume-doc-{}", std::process::id()));
    /// # std::fs::write(&path, vec![7u8; 2 * 1024 * 1024 + 5])?;
    /// # let begun = bucket.initiate_multipart_upload("backups/disk.img").send().await?;
    /// # bucket.upload_part("backups/disk.img", &begun.upload_id, 1, vec![7u8; 1024 * 1024]).await?;
    /// // after a restart: find the upload left behind, and finish it
    /// let unfinished: Vec<_> = bucket
    ///     .list_multipart_uploads()
    ///     .prefix("backups/disk.img")
    ///     .uploads()
    ///     .try_collect()
    ///     .await?;
    /// let output = bucket
    ///     .upload_file("backups/disk.img", &path)
    ///     .part_size(1024 * 1024)
    ///     .resume_from_server(&unfinished[0].upload_id)
    ///     .send()
    ///     .await?;
    /// assert_eq!(output.parts, 3); // part 1 was kept, parts 2 and 3 were uploaded
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn resume_from_server(mut self, upload_id: impl Into<String>) -> Self {
        self.resume = Some(Resume::Server(upload_id.into()));
        self
    }

    /// On a failure that a later attempt cannot fix, keeps the multipart upload (for
    /// [`resume`](Self::resume)) instead of aborting it.
    pub fn keep_on_failure(mut self) -> Self {
        self.abort_on_failure = false;
        self
    }

    /// Uploads; see [`Upload`] for how, and [`UploadFailure`] for what a failure tells.
    pub async fn send(mut self) -> Result<UploadOutput, UploadFailure> {
        let key = parse_key(&self.key)?;
        let headers = self.headers.take()?;
        if self.concurrency == 0 {
            return Err(invalid_input("upload concurrency must be at least 1").into());
        }
        if let Some(threshold) = self.multipart_threshold
            && threshold > MAX_SINGLE_PUT
        {
            return Err(invalid_input(format!(
                "multipart threshold {threshold} bytes is above 5 GiB, COS's limit for one PUT Object"
            ))
            .into());
        }
        let source = std::mem::replace(&mut self.source, Source::Body(PutBody::empty()));
        let body = match source {
            Source::Path(path) => PutBody::file(&path).await.map_err(|e| {
                client_error_with(
                    ClientErrorKind::Io,
                    format!("upload: cannot read {}", path.display()),
                    e,
                )
            })?,
            Source::Body(body) => body,
        };
        let plan = Plan::new(body.len(), self.part_size)?;
        let threshold = self.multipart_threshold.unwrap_or(plan.part_size);
        if self.resume.is_none() && plan.size <= threshold {
            return self.put_object(key.as_str(), headers, body).await;
        }
        if !body.is_replayable() {
            return Err(invalid_input(
                "upload: a one-shot stream cannot be cut into parts; give a file or bytes",
            )
            .into());
        }
        self.multipart(key.as_str(), headers, body, plan).await
    }

    async fn put_object(
        &self,
        key: &str,
        headers: http::HeaderMap,
        body: PutBody,
    ) -> Result<UploadOutput, UploadFailure> {
        let size = body.len();
        let mut op = object_op(&self.bucket, "PutObject", Method::PUT, &parse_key(key)?);
        op.headers = headers;
        op.body = Some(body);
        op.verify_upload = true;
        let answer = self.bucket.client().execute(op, Sink::Buffer).await?;
        let headers = &answer.parts.headers;
        Ok(UploadOutput {
            key: key.to_owned(),
            etag: header_string(headers, "etag"),
            crc64: answer.sent_crc.or_else(|| crc64_header(headers)),
            size,
            parts: 1,
            upload_id: None,
        })
    }

    async fn multipart(
        self,
        key: &str,
        headers: http::HeaderMap,
        body: PutBody,
        plan: Plan,
    ) -> Result<UploadOutput, UploadFailure> {
        let (upload_id, done) = match self.resume {
            Some(Resume::Server(upload_id)) => {
                let done = server_parts(&self.bucket, key, &body, plan, &upload_id)
                    .await
                    .map_err(|(error, open)| UploadFailure {
                        upload_id: Some(upload_id.clone()),
                        upload_open: open,
                        ..UploadFailure::new(error)
                    })?;
                (upload_id, done)
            }
            Some(Resume::Parts(upload_id, earlier)) => {
                let done = verified_parts(&body, plan, &upload_id, earlier)
                    .await
                    .map_err(|(error, earlier)| UploadFailure {
                        upload_id: Some(upload_id.clone()),
                        completed: earlier,
                        upload_open: true,
                        ..UploadFailure::new(error)
                    })?;
                (upload_id, done)
            }
            None => {
                let mut initiate = self.bucket.initiate_multipart_upload(key);
                initiate.set_headers(headers);
                let upload_id = initiate.send().await?.upload_id;
                (upload_id, BTreeMap::new())
            }
        };
        let session = Session {
            bucket: &self.bucket,
            key,
            upload_id: &upload_id,
            abort_on_failure: self.abort_on_failure,
        };

        let mut completed = done;
        let mut errors: Vec<Error> = Vec::new();
        let missing: Vec<u32> = (1..=plan.part_count)
            .filter(|n| !completed.contains_key(n))
            .collect();
        let mut waiting = missing.into_iter();
        let mut in_flight = FuturesUnordered::new();
        loop {
            while errors.is_empty() && in_flight.len() < self.concurrency {
                let Some(number) = waiting.next() else { break };
                let (offset, len) = plan.part(number);
                let part = body
                    .slice(offset, len)
                    .expect("a replayable body can be sliced");
                in_flight.push(session.upload_part(number, part));
            }
            let Some(result) = in_flight.next().await else {
                break;
            };
            match result {
                Ok(part) => {
                    completed.insert(part.part_number, part);
                }
                Err(error) => errors.push(error),
            }
        }
        drop(in_flight);
        let completed: Vec<CompletedPart> = completed.into_values().collect();
        if !errors.is_empty() {
            return Err(session.fail_parts(errors, completed).await);
        }

        // The parts' CRC-64s are those of the data as read, so Complete's check of the object's
        // checksum against their combination is a check against the data as read.
        let crc64 = combined_crc64(&completed);
        match self
            .bucket
            .complete_multipart_upload(key, &upload_id, &completed)
            .await
        {
            Ok(output) => Ok(UploadOutput {
                key: key.to_owned(),
                etag: Some(output.etag),
                crc64,
                size: plan.size,
                parts: plan.part_count,
                upload_id: Some(upload_id),
            }),
            Err(error)
                if error.code() == Some("NoSuchUpload") && !error.earlier_attempts().is_empty() =>
            {
                // An earlier attempt may have completed the upload and lost the answer: the
                // object then holds the data, and the upload is gone for good either way.
                match session.completed_object(plan, crc64).await {
                    Some(etag) => Ok(UploadOutput {
                        key: key.to_owned(),
                        etag,
                        crc64,
                        size: plan.size,
                        parts: plan.part_count,
                        upload_id: Some(upload_id),
                    }),
                    None => Err(session.fail(error, Vec::new(), completed).await),
                }
            }
            Err(error) => {
                // an integrity failure is found once the object is assembled: nothing left to abort
                let assembled = error
                    .as_client()
                    .is_some_and(|c| c.kind() == ClientErrorKind::Integrity);
                if assembled {
                    Err(UploadFailure {
                        upload_id: Some(upload_id.clone()),
                        completed,
                        ..UploadFailure::new(error)
                    })
                } else {
                    Err(session.fail(error, Vec::new(), completed).await)
                }
            }
        }
    }
}

/// One multipart upload under way.
struct Session<'a> {
    bucket: &'a Bucket,
    key: &'a str,
    upload_id: &'a str,
    abort_on_failure: bool,
}

impl Session<'_> {
    async fn upload_part(&self, number: u32, part: PutBody) -> Result<CompletedPart, Error> {
        let (output, sent_crc) = self
            .bucket
            .upload_part_reporting_crc(self.key, self.upload_id, number, part)
            .await?;
        let Some(etag) = output.etag else {
            return Err(client_error(
                ClientErrorKind::Decode,
                format!("UploadPart: the answer for part {number} has no ETag"),
            ));
        };
        Ok(CompletedPart {
            part_number: number,
            etag,
            crc64: sent_crc.or(output.crc64),
            size: Some(output.size),
        })
    }

    /// The failure of parts: the first error a later attempt cannot fix decides (it is the
    /// failure's error, and aborts the upload), else the first error; the others are kept
    /// in [`UploadFailure::other_errors`].
    async fn fail_parts(
        &self,
        mut errors: Vec<Error>,
        completed: Vec<CompletedPart>,
    ) -> UploadFailure {
        let decisive = errors.iter().position(|e| !e.is_retryable()).unwrap_or(0);
        let error = errors.remove(decisive);
        self.fail(error, errors, completed).await
    }

    /// The failure to return, after aborting the upload when the error is final and the
    /// policy says so. An upload COS does not know (`NoSuchUpload`) is not aborted, and is
    /// reported gone.
    async fn fail(
        &self,
        error: Error,
        other_errors: Vec<Error>,
        completed: Vec<CompletedPart>,
    ) -> UploadFailure {
        let gone = std::iter::once(&error)
            .chain(&other_errors)
            .any(is_no_such_upload);
        let mut failure = UploadFailure {
            upload_id: Some(self.upload_id.to_owned()),
            completed,
            other_errors,
            upload_open: !gone,
            ..UploadFailure::new(error)
        };
        if !gone && self.abort_on_failure && !failure.error.is_retryable() {
            match self
                .bucket
                .abort_multipart_upload(self.key, self.upload_id)
                .await
            {
                Ok(()) => {
                    failure.aborted = true;
                    failure.upload_open = false;
                }
                Err(abort_error) => {
                    tracing::warn!(%abort_error, upload_id = self.upload_id, "cannot abort the failed upload");
                    if is_no_such_upload(&abort_error) {
                        failure.upload_open = false;
                    }
                    failure.abort_error = Some(abort_error);
                }
            }
        }
        failure
    }

    /// After Complete answered `NoSuchUpload` to a retry: the ETag of the object at the key
    /// when it is the one this upload makes (HEAD Object gives the planned size and the
    /// parts' combined CRC-64), `None` when that cannot be confirmed.
    async fn completed_object(&self, plan: Plan, crc64: Option<u64>) -> Option<Option<String>> {
        let Some(expected_crc) = crc64 else {
            tracing::warn!(
                upload_id = self.upload_id,
                "Complete answered NoSuchUpload to a retry, and without the parts' CRC-64 the object cannot be checked"
            );
            return None;
        };
        match self.bucket.head_object(self.key).send().await {
            Ok(meta)
                if meta.content_length == Some(plan.size) && meta.crc64 == Some(expected_crc) =>
            {
                tracing::debug!(
                    upload_id = self.upload_id,
                    "an earlier Complete attempt completed the upload"
                );
                Some(meta.etag)
            }
            Ok(meta) => {
                tracing::warn!(
                    upload_id = self.upload_id,
                    size = ?meta.content_length,
                    crc64 = ?meta.crc64,
                    "Complete answered NoSuchUpload to a retry, and the object at the key is not this upload's"
                );
                None
            }
            Err(head_error) => {
                tracing::warn!(%head_error, upload_id = self.upload_id, "Complete answered NoSuchUpload to a retry, and the object cannot be checked");
                None
            }
        }
    }
}

fn is_no_such_upload(error: &Error) -> bool {
    error.code() == Some("NoSuchUpload")
}

/// The parts of an earlier attempt that can be kept: each must have the planned size, and a
/// CRC-64 equal to the data's now, or, given without a CRC-64, an ETag equal to the MD5 of the
/// data now. The others are left out, to be uploaded again.
/// Errors come with the parts as given, so that nothing the caller had is lost.
async fn verified_parts(
    body: &PutBody,
    plan: Plan,
    upload_id: &str,
    earlier: Vec<CompletedPart>,
) -> Result<BTreeMap<u32, CompletedPart>, (Error, Vec<CompletedPart>)> {
    let mut kept = BTreeMap::new();
    for part in &earlier {
        let number = part.part_number;
        if !(1..=plan.part_count).contains(&number) {
            let error = invalid_input(format!(
                "resuming upload {upload_id}: part {number} is not one of the {} parts of \
                 {} bytes in parts of {} bytes (is the part size the one the upload started with?)",
                plan.part_count, plan.size, plan.part_size
            ));
            return Err((error, earlier));
        }
        let (offset, len) = plan.part(number);
        if part.size.is_some_and(|size| size != len) {
            let error = invalid_input(format!(
                "resuming upload {upload_id}: part {number} is {} bytes, but in parts of {} \
                 bytes it would be {len} (is the part size the one the upload started with?)",
                part.size.unwrap_or_default(),
                plan.part_size
            ));
            return Err((error, earlier));
        }
        let data = body
            .slice(offset, len)
            .expect("a replayable body can be sliced");
        let read_error = |e| {
            client_error_with(
                ClientErrorKind::Io,
                format!("resuming upload {upload_id}: cannot read part {number}"),
                e,
            )
        };
        let crc = match (part.crc64, etag_md5(&part.etag)) {
            (Some(given), _) => match data.read_crc64().await {
                Ok(crc) => crc.filter(|crc| *crc == given),
                Err(e) => return Err((read_error(e), earlier)),
            },
            // without a CRC-64, the ETag is the only check: it must be the data's MD5
            (None, Some(given_md5)) => match data.read_md5_and_crc64().await {
                Ok(read) => read
                    .filter(|(md5, _)| *md5 == given_md5)
                    .map(|(_, crc)| crc),
                Err(e) => return Err((read_error(e), earlier)),
            },
            (None, None) => {
                tracing::debug!(
                    part = number,
                    etag = part.etag,
                    "an uploaded part has no CRC-64 and its ETag is not an MD5, so it cannot be \
                     checked against the data; uploading it again"
                );
                continue;
            }
        };
        let Some(crc) = crc else {
            tracing::debug!(
                part = number,
                "the data of an uploaded part changed since; uploading it again"
            );
            continue;
        };
        kept.insert(
            number,
            CompletedPart {
                crc64: Some(crc),
                size: Some(len),
                ..part.clone()
            },
        );
    }
    Ok(kept)
}

/// Every part COS lists for `upload_id`, across pages.
async fn listed_parts(
    bucket: &Bucket,
    key: &str,
    upload_id: &str,
) -> Result<Vec<PartSummary>, Error> {
    let mut parts = Vec::new();
    let mut marker = None;
    loop {
        let page = bucket.list_parts(key, upload_id, marker).await?;
        parts.extend(page.parts);
        if !page.is_truncated {
            return Ok(parts);
        }
        let next = page
            .next_part_number_marker
            .or_else(|| parts.last().map(|p| p.part_number));
        // Part numbers only grow along the pages: a marker that does not (A, B, A...) would
        // loop for ever, and ending here would resume from a partial listing.
        if next.is_none() || next <= marker {
            return Err(client_error(
                ClientErrorKind::Decode,
                format!(
                    "ListParts: a truncated page of upload {upload_id} gives no part number \
                     marker past {marker:?} to continue from (it gives {next:?})"
                ),
            ));
        }
        marker = next;
    }
}

/// The parts COS holds for `upload_id` that can be kept: each must have the number and size
/// of a part of the plan, and an ETag equal to the MD5 of the local bytes of that part. The
/// error comes with whether the upload may still exist (false on `NoSuchUpload`).
async fn server_parts(
    bucket: &Bucket,
    key: &str,
    body: &PutBody,
    plan: Plan,
    upload_id: &str,
) -> Result<BTreeMap<u32, CompletedPart>, (Error, bool)> {
    let listed = match listed_parts(bucket, key, upload_id).await {
        Ok(listed) => listed,
        Err(error) => {
            let exists = error.code() != Some("NoSuchUpload");
            return Err((error, exists));
        }
    };
    let mut kept = BTreeMap::new();
    for part in listed {
        let number = part.part_number;
        if !(1..=plan.part_count).contains(&number) || plan.part(number).1 != part.size {
            tracing::debug!(
                part = number,
                size = part.size,
                "a listed part does not fit the plan (another part size?); uploading it again"
            );
            continue;
        }
        let Some(listed_md5) = etag_md5(&part.etag) else {
            tracing::debug!(
                part = number,
                etag = part.etag,
                "a listed part's ETag is not an MD5 (server-side encryption?); uploading it again"
            );
            continue;
        };
        let (offset, len) = plan.part(number);
        let data = body
            .slice(offset, len)
            .expect("a replayable body can be sliced");
        let read = data.read_md5_and_crc64().await.map_err(|e| {
            let error = client_error_with(
                ClientErrorKind::Io,
                format!("resuming upload {upload_id}: cannot read part {number}"),
                e,
            );
            (error, true)
        })?;
        let Some((_, crc)) = read.filter(|(md5, _)| *md5 == listed_md5) else {
            tracing::debug!(
                part = number,
                "the data of an uploaded part changed since; uploading it again"
            );
            continue;
        };
        kept.insert(
            number,
            CompletedPart {
                part_number: number,
                etag: part.etag,
                crc64: Some(crc),
                size: Some(len),
            },
        );
    }
    Ok(kept)
}

/// The MD5 an ETag of the form `"<32 hex digits>"` (quotes optional) stands for.
fn etag_md5(etag: &str) -> Option<[u8; 16]> {
    let hex = etag.trim().trim_matches('"');
    if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut md5 = [0u8; 16];
    for (byte, pair) in md5.iter_mut().zip(hex.as_bytes().chunks(2)) {
        let pair = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(md5)
}

impl Bucket {
    /// A whole-file upload of `path` to `key`: one PUT Object, or a concurrent, resumable
    /// multipart upload for large files; see [`Upload`].
    pub fn upload_file(&self, key: &str, path: impl Into<PathBuf>) -> Upload {
        Upload::new(self.clone(), key, Source::Path(path.into()))
    }

    /// Like [`upload_file`](Self::upload_file) for any body: bytes in memory or a
    /// [`PutBody::file_range`]. A one-shot [`PutBody::stream`] can only go up in one PUT
    /// Object (at most the multipart threshold).
    pub fn upload(&self, key: &str, body: impl Into<PutBody>) -> Upload {
        Upload::new(self.clone(), key, Source::Body(body.into()))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::transport::scripted::{ScriptedResponse, ScriptedTransport};
    use crate::{Client, Credentials, RetryPolicy};

    fn scripted_bucket(transport: &Arc<ScriptedTransport>) -> Bucket {
        Client::builder()
            .endpoint("http://127.0.0.1:9")
            .credentials(Credentials::new("AKIDtest", "secret"))
            .transport(transport.clone())
            .retry_policy(
                RetryPolicy::default()
                    .base_delay(Duration::from_millis(1))
                    .max_delay(Duration::from_millis(2)),
            )
            .build()
            .unwrap()
            .bucket("examplebucket-1250000000")
            .unwrap()
    }

    fn parts_page(truncated: bool, next_marker: u32, numbers: &[u32]) -> ScriptedResponse {
        let parts: String = numbers
            .iter()
            .map(|n| {
                format!(
                    "<Part><PartNumber>{n}</PartNumber><ETag>\"e{n}\"</ETag><Size>1</Size>\
                     <LastModified>x</LastModified></Part>"
                )
            })
            .collect();
        ScriptedResponse::status(200).body(format!(
            "<ListPartsResult><Bucket>b</Bucket><Key>k</Key><UploadId>u</UploadId>\
             <IsTruncated>{truncated}</IsTruncated>\
             <NextPartNumberMarker>{next_marker}</NextPartNumberMarker>{parts}</ListPartsResult>"
        ))
    }

    fn service_error(status: u16, code: &str) -> Error {
        cos_types::ServiceError::from_response(
            http::StatusCode::from_u16(status).unwrap(),
            &http::HeaderMap::new(),
            bytes::Bytes::from(format!(
                "<Error><Code>{code}</Code><Message>m</Message></Error>"
            )),
        )
        .into()
    }

    fn session<'a>(bucket: &'a Bucket, abort_on_failure: bool) -> Session<'a> {
        Session {
            bucket,
            key: "k",
            upload_id: "u",
            abort_on_failure,
        }
    }

    #[tokio::test]
    async fn any_part_failure_that_cannot_be_fixed_aborts_the_upload() {
        let transport = Arc::new(ScriptedTransport::new());
        transport.push(ScriptedResponse::status(204)); // Abort
        let bucket = scripted_bucket(&transport);
        // the transient failure came first: it must not decide
        let errors = vec![
            service_error(503, "ServiceUnavailable"),
            service_error(403, "AccessDenied"),
            service_error(500, "InternalError"),
        ];
        let failure = session(&bucket, true).fail_parts(errors, Vec::new()).await;
        assert_eq!(failure.error.code(), Some("AccessDenied"));
        let others: Vec<_> = failure.other_errors.iter().map(|e| e.code()).collect();
        assert_eq!(others, [Some("ServiceUnavailable"), Some("InternalError")]);
        assert!(failure.aborted, "{failure}");
        assert!(!failure.is_resumable());
        let requests = transport.requests();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].method, Method::DELETE);

        // kept on request, and then resumable
        let transport = Arc::new(ScriptedTransport::new());
        let bucket = scripted_bucket(&transport);
        let errors = vec![
            service_error(503, "ServiceUnavailable"),
            service_error(403, "AccessDenied"),
        ];
        let failure = session(&bucket, false).fail_parts(errors, Vec::new()).await;
        assert_eq!(failure.error.code(), Some("AccessDenied"));
        assert!(!failure.aborted && failure.is_resumable(), "{failure}");
        assert!(transport.requests().is_empty());
    }

    /// A two-part upload of `data` whose Complete is performed but its answer lost: the
    /// retry answers `NoSuchUpload`; then HEAD Object answers `head`.
    async fn upload_whose_complete_answer_is_lost(
        data: &[u8],
        head: ScriptedResponse,
    ) -> (Arc<ScriptedTransport>, Result<UploadOutput, UploadFailure>) {
        let transport = Arc::new(ScriptedTransport::new());
        transport.push(ScriptedResponse::status(200).body(
            "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>\
             <UploadId>u</UploadId></InitiateMultipartUploadResult>",
        ));
        let part_size = MIB as usize;
        for (number, part) in data.chunks(part_size).enumerate() {
            transport.push(
                ScriptedResponse::status(200)
                    .header("etag", &format!("\"etag{}\"", number + 1))
                    .header("x-cos-hash-crc64ecma", &crate::crc64(part).to_string()),
            );
        }
        transport.push(ScriptedResponse::error(
            crate::transport::TransportError::timeout("the answer never came"),
        ));
        transport.push(
            ScriptedResponse::status(404)
                .body("<Error><Code>NoSuchUpload</Code><Message>gone</Message></Error>"),
        );
        transport.push(head);
        let result = scripted_bucket(&transport)
            .upload("k", data.to_vec())
            .part_size(MIB)
            .concurrency(1)
            .send()
            .await;
        (transport, result)
    }

    #[tokio::test]
    async fn complete_answering_no_such_upload_to_a_retry_succeeds_when_the_object_matches() {
        let data: Vec<u8> = (0..MIB + 5).map(|i| (i % 251) as u8).collect();
        let head = ScriptedResponse::status(200)
            .header("content-length", &data.len().to_string())
            .header("etag", "\"whole-etag\"")
            .header("x-cos-hash-crc64ecma", &crate::crc64(&data).to_string());
        let (transport, result) = upload_whose_complete_answer_is_lost(&data, head).await;
        let output = result.unwrap();
        assert_eq!(output.etag.as_deref(), Some("\"whole-etag\""));
        assert_eq!(output.crc64, Some(crate::crc64(&data)));
        assert_eq!(output.size, data.len() as u64);
        let methods: Vec<Method> = transport.requests().into_iter().map(|r| r.method).collect();
        assert_eq!(
            methods,
            [
                Method::POST,
                Method::PUT,
                Method::PUT,
                Method::POST,
                Method::POST,
                Method::HEAD
            ]
        );
    }

    #[tokio::test]
    async fn complete_answering_no_such_upload_to_a_retry_fails_when_the_object_differs() {
        let data: Vec<u8> = (0..MIB + 5).map(|i| (i % 251) as u8).collect();
        let head = ScriptedResponse::status(200)
            .header("content-length", &data.len().to_string())
            .header(
                "x-cos-hash-crc64ecma",
                &(crate::crc64(&data) ^ 1).to_string(),
            );
        let (transport, result) = upload_whose_complete_answer_is_lost(&data, head).await;
        let failure = result.unwrap_err();
        assert_eq!(failure.error.code(), Some("NoSuchUpload"));
        assert!(!failure.is_resumable() && !failure.aborted, "{failure}");
        let requests = transport.requests();
        assert_eq!(requests.len(), 6, "no Abort after the HEAD");
        assert_eq!(requests[5].method, Method::HEAD);
    }

    #[tokio::test]
    async fn a_part_listing_whose_marker_goes_back_is_an_error_not_a_loop() {
        let transport = Arc::new(ScriptedTransport::new());
        // markers 2, then 1: fetching on would ask for page 2 again, then 1, for ever
        for _ in 0..3 {
            transport.push(parts_page(true, 2, &[1, 2]));
            transport.push(parts_page(true, 1, &[1]));
        }
        let bucket = scripted_bucket(&transport);
        let error = listed_parts(&bucket, "k", "u").await.unwrap_err();
        assert_eq!(
            error.as_client().map(|c| c.kind()),
            Some(ClientErrorKind::Decode),
            "{error}"
        );
        assert!(error.to_string().contains("part number marker"), "{error}");
        assert_eq!(transport.requests().len(), 2);
    }

    #[test]
    fn default_part_size_doubles_until_the_object_fits() {
        let small = Plan::new(100 * MIB, None).unwrap();
        assert_eq!((small.part_size, small.part_count), (16 * MIB, 7));
        let large = Plan::new(10_000 * 16 * MIB + 1, None).unwrap();
        assert_eq!(large.part_size, 32 * MIB);
        assert_eq!(large.part_count, 5001);
        let empty = Plan::new(0, None).unwrap();
        assert_eq!((empty.part_count, empty.part(1)), (1, (0, 0)));
    }

    #[test]
    fn only_an_etag_of_32_hex_digits_is_an_md5() {
        let md5 = etag_md5("\"0123456789abcdefABCDEF0123456789\"").unwrap();
        assert_eq!(md5[0], 0x01);
        assert_eq!(md5[7], 0xef);
        assert_eq!(md5[15], 0x89);
        assert_eq!(
            etag_md5("0123456789abcdef0123456789abcdef").unwrap()[1],
            0x23
        );
        // a multipart ETag, an SSE ETag of another length, a sign inside the digits
        assert_eq!(etag_md5("\"0123456789abcdef0123456789abcdef-3\""), None);
        assert_eq!(etag_md5("\"+123456789abcdef0123456789abcdef\""), None);
        assert_eq!(etag_md5("\"\""), None);
    }

    #[test]
    fn parts_cover_the_data_exactly() {
        let plan = Plan::new(3 * MIB + 5, Some(MIB)).unwrap();
        assert_eq!(plan.part_count, 4);
        assert_eq!(plan.part(1), (0, MIB));
        assert_eq!(plan.part(4), (3 * MIB, 5));
    }

    #[test]
    fn part_size_and_count_limits_are_enforced() {
        let error = Plan::new(10, Some(MIB - 1)).unwrap_err();
        assert!(
            error.to_string().contains("outside 1 MiB..=5 GiB"),
            "{error}"
        );
        assert!(Plan::new(10, Some(MAX_PART_SIZE + 1)).is_err());
        let error = Plan::new(10_001 * MIB, Some(MIB)).unwrap_err();
        assert!(error.to_string().contains("at most 10000"), "{error}");
    }
}
