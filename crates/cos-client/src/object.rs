//! Request builders of object operations.

use std::ops::RangeInclusive;
use std::path::Path;

use base64::Engine;
use bytes::Bytes;
use cos_types::{ObjectKey, Result};
use http::Method;
use md5::Digest;

use crate::body::PutBody;
use crate::bucket::Bucket;
use crate::client::{Operation, Payload, Sink, decode_error};
use crate::download::ObjectStream;
use crate::error::invalid_input;
use crate::model::{
    AppendObjectOutput, CompleteMultipartUploadOutput, CompletedPart, CopyObjectOutput,
    DeleteObjectsOutput, InitiateMultipartUploadOutput, ListPartsOutput, ObjectMeta,
    PutObjectOutput, UploadPartOutput, combined_crc64, crc64_header, header_str, header_string,
};
use crate::options::{Headers, common_object_options, condition_options, write_object_options};
use crate::url::object_path;
use crate::xml;

/// Validates a key; COS must never see an object operation on the bucket root.
pub(crate) fn parse_key(key: &str) -> Result<ObjectKey> {
    key.parse::<ObjectKey>()
        .map_err(|e| invalid_input(format!("object key {key:?}: {e}")))
}

pub(crate) fn object_op(
    bucket: &Bucket,
    name: &'static str,
    method: Method,
    key: &ObjectKey,
) -> Operation {
    let mut op = Operation::new(name, method);
    op.bucket = Some(bucket.name().clone());
    op.key = Some(key.clone());
    op
}

/// PUT Object; built by [`Bucket::put_object`].
#[derive(Debug)]
#[must_use = "a request does nothing until `send` is awaited"]
pub struct PutObject {
    bucket: Bucket,
    key: String,
    headers: Headers,
    body: PutBody,
}

impl PutObject {
    pub(crate) fn new(bucket: Bucket, key: &str) -> Self {
        PutObject {
            bucket,
            key: key.to_owned(),
            headers: Headers::default(),
            body: PutBody::empty(),
        }
    }

    common_object_options!();
    write_object_options!();

    /// `x-cos-forbid-overwrite: true`: fail (409) if the key exists.
    pub fn forbid_overwrite(mut self) -> Self {
        self.headers.set("x-cos-forbid-overwrite", "true");
        self
    }

    /// The data: bytes, a [`PutBody::file`] or a [`PutBody::stream`].
    pub fn body(mut self, body: impl Into<PutBody>) -> Self {
        self.body = body.into();
        self
    }

    /// Uploads. The CRC-64 of the data sent is checked against COS's answer.
    pub async fn send(mut self) -> Result<PutObjectOutput> {
        let key = parse_key(&self.key)?;
        let mut op = object_op(&self.bucket, "PutObject", Method::PUT, &key);
        op.headers = self.headers.take()?;
        op.body = Some(self.body);
        op.verify_upload = true;
        let answer = self.bucket.client().execute(op, Sink::Buffer).await?;
        Ok(PutObjectOutput::from_headers(&answer.parts.headers))
    }
}

/// GET Object; built by [`Bucket::get_object`].
#[derive(Debug)]
#[must_use = "a request does nothing until a send method is awaited"]
pub struct GetObject {
    bucket: Bucket,
    key: String,
    headers: Headers,
    query: Vec<(&'static str, Option<String>)>,
}

/// An object read into memory.
#[derive(Debug, Clone)]
pub struct GetObjectOutput {
    /// Its attributes.
    pub meta: ObjectMeta,
    /// Its data (checked: complete, and CRC-64 verified for whole-object reads).
    pub body: Bytes,
}

impl GetObject {
    pub(crate) fn new(bucket: Bucket, key: &str) -> Self {
        GetObject {
            bucket,
            key: key.to_owned(),
            headers: Headers::default(),
            query: Vec::new(),
        }
    }

    common_object_options!();
    condition_options!();

    /// Reads only bytes `range` (inclusive), e.g. `0..=1023`. A range read is checked for
    /// length but not CRC-64 (COS's checksum covers the whole object).
    pub fn range(mut self, range: RangeInclusive<u64>) -> Self {
        if range.start() > range.end() {
            self.headers.error.get_or_insert_with(|| {
                invalid_input(format!(
                    "empty byte range {}..={}",
                    range.start(),
                    range.end()
                ))
            });
            return self;
        }
        self.headers
            .set("range", &format!("bytes={}-{}", range.start(), range.end()));
        self
    }

    /// Reads the last `len` bytes.
    pub fn suffix_range(mut self, len: u64) -> Self {
        self.headers.set("range", &format!("bytes=-{len}"));
        self
    }

    /// A specific version (`versionId`).
    pub fn version_id(mut self, version: &str) -> Self {
        self.query.push(("versionId", Some(version.to_owned())));
        self
    }

    /// Overrides the answer's `Content-Type` (`response-content-type`).
    pub fn response_content_type(mut self, value: &str) -> Self {
        self.query
            .push(("response-content-type", Some(value.to_owned())));
        self
    }

    /// Overrides the answer's `Content-Disposition` (`response-content-disposition`).
    pub fn response_content_disposition(mut self, value: &str) -> Self {
        self.query
            .push(("response-content-disposition", Some(value.to_owned())));
        self
    }

    fn operation(&mut self) -> Result<Operation> {
        let key = parse_key(&self.key)?;
        let mut op = object_op(&self.bucket, "GetObject", Method::GET, &key);
        op.headers = self.headers.take()?;
        op.query = std::mem::take(&mut self.query);
        op.download = true;
        Ok(op)
    }

    /// Reads the object into memory. A broken or corrupted transfer is retried, never returned.
    pub async fn send(mut self) -> Result<GetObjectOutput> {
        let op = self.operation()?;
        let answer = self.bucket.client().execute(op, Sink::Buffer).await?;
        let meta = ObjectMeta::from_headers(&answer.parts.headers);
        let body = match answer.payload {
            Payload::Bytes(bytes) => bytes,
            _ => Bytes::new(),
        };
        Ok(GetObjectOutput { meta, body })
    }

    /// Streams the object. The head is retried as usual; a failure once data flows ends the
    /// stream with an error (never a silent short read).
    pub async fn send_stream(mut self) -> Result<ObjectStream> {
        let op = self.operation()?;
        let answer = self.bucket.client().execute(op, Sink::Stream).await?;
        let meta = ObjectMeta::from_headers(&answer.parts.headers);
        match answer.payload {
            Payload::Stream(stream) => Ok(stream.with_meta(meta)),
            _ => unreachable!("a streaming GET answers with a stream"),
        }
    }

    /// Writes the object to `path`, through a temporary file of its own beside it
    /// (`.<name>.<random>.cos-partial`) renamed into place only when the data is complete
    /// and verified; on failure, retry or cancellation the temporary file is removed and
    /// `path` is untouched.
    pub async fn to_file(mut self, path: impl AsRef<Path>) -> Result<ObjectMeta> {
        let op = self.operation()?;
        let answer = self
            .bucket
            .client()
            .execute(op, Sink::File(path.as_ref()))
            .await?;
        Ok(ObjectMeta::from_headers(&answer.parts.headers))
    }
}

/// HEAD Object; built by [`Bucket::head_object`].
#[derive(Debug)]
#[must_use = "a request does nothing until `send` is awaited"]
pub struct HeadObject {
    bucket: Bucket,
    key: String,
    headers: Headers,
    query: Vec<(&'static str, Option<String>)>,
}

impl HeadObject {
    pub(crate) fn new(bucket: Bucket, key: &str) -> Self {
        HeadObject {
            bucket,
            key: key.to_owned(),
            headers: Headers::default(),
            query: Vec::new(),
        }
    }

    common_object_options!();
    condition_options!();

    /// A specific version (`versionId`).
    pub fn version_id(mut self, version: &str) -> Self {
        self.query.push(("versionId", Some(version.to_owned())));
        self
    }

    /// Reads the object's attributes. A missing object is a `NoSuchKey`/404 service error.
    pub async fn send(mut self) -> Result<ObjectMeta> {
        let key = parse_key(&self.key)?;
        let mut op = object_op(&self.bucket, "HeadObject", Method::HEAD, &key);
        op.headers = self.headers.take()?;
        op.query = std::mem::take(&mut self.query);
        let answer = self.bucket.client().execute(op, Sink::Buffer).await?;
        Ok(ObjectMeta::from_headers(&answer.parts.headers))
    }
}

/// PUT Object - Copy; built by [`Bucket::copy_object`].
#[derive(Debug)]
#[must_use = "a request does nothing until `send` is awaited"]
pub struct CopyObject {
    bucket: Bucket,
    key: String,
    source: Option<(Bucket, String)>,
    headers: Headers,
    replace_metadata: bool,
}

impl CopyObject {
    pub(crate) fn new(bucket: Bucket, key: &str) -> Self {
        CopyObject {
            bucket,
            key: key.to_owned(),
            source: None,
            headers: Headers::default(),
            replace_metadata: false,
        }
    }

    common_object_options!();
    write_object_options!();

    /// Copies from `key` in the same bucket.
    pub fn source_key(mut self, key: &str) -> Self {
        self.source = Some((self.bucket.clone(), key.to_owned()));
        self
    }

    /// Copies from `key` in `bucket` (same client settings).
    pub fn source(mut self, bucket: &Bucket, key: &str) -> Self {
        self.source = Some((bucket.clone(), key.to_owned()));
        self
    }

    /// Replaces the metadata with this request's headers (`x-cos-metadata-directive: Replaced`)
    /// instead of copying the source's.
    pub fn replace_metadata(mut self) -> Self {
        self.replace_metadata = true;
        self
    }

    /// Copies. A 200 answer whose body is `<Error>` is an error.
    pub async fn send(mut self) -> Result<CopyObjectOutput> {
        let key = parse_key(&self.key)?;
        let Some((source_bucket, source_key)) = self.source.take() else {
            return Err(invalid_input(
                "CopyObject: no source (call source_key or source)",
            ));
        };
        let source_key = parse_key(&source_key)?;
        let mut op = object_op(&self.bucket, "CopyObject", Method::PUT, &key);
        op.headers = self.headers.take()?;
        let copy_source = source_bucket.copy_source(&source_key);
        op.headers.insert(
            "x-cos-copy-source",
            http::HeaderValue::from_str(&copy_source)
                .map_err(|_| invalid_input("copy source is not a valid header"))?,
        );
        op.headers.insert(
            "x-cos-metadata-directive",
            http::HeaderValue::from_static(if self.replace_metadata {
                "Replaced"
            } else {
                "Copy"
            }),
        );
        op.error_root_on_success = true;
        let answer = self.bucket.client().execute(op, Sink::Buffer).await?;
        let mut output =
            xml::copy_object(answer.bytes()).map_err(|e| decode_error("CopyObject", e))?;
        if output.crc64.is_none() {
            output.crc64 = crc64_header(&answer.parts.headers);
        }
        Ok(output)
    }
}

/// Append Object; built by [`Bucket::append_object`].
#[derive(Debug)]
#[must_use = "a request does nothing until `send` is awaited"]
pub struct AppendObject {
    bucket: Bucket,
    key: String,
    position: u64,
    headers: Headers,
    body: PutBody,
}

impl AppendObject {
    pub(crate) fn new(bucket: Bucket, key: &str, position: u64) -> Self {
        AppendObject {
            bucket,
            key: key.to_owned(),
            position,
            headers: Headers::default(),
            body: PutBody::empty(),
        }
    }

    common_object_options!();
    write_object_options!();

    /// The data to append.
    pub fn body(mut self, body: impl Into<PutBody>) -> Self {
        self.body = body.into();
        self
    }

    /// Appends. Not idempotent: only retried when the request surely did not land
    /// (connection refused, throttled).
    pub async fn send(mut self) -> Result<AppendObjectOutput> {
        let key = parse_key(&self.key)?;
        let mut op = object_op(&self.bucket, "AppendObject", Method::POST, &key);
        op.headers = self.headers.take()?;
        op.query = vec![
            ("append", None),
            ("position", Some(self.position.to_string())),
        ];
        op.body = Some(self.body);
        op.idempotent = false;
        let answer = self.bucket.client().execute(op, Sink::Buffer).await?;
        let headers = &answer.parts.headers;
        let next_position = header_str(headers, "x-cos-next-append-position")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| {
                crate::error::client_error(
                    cos_types::ClientErrorKind::Decode,
                    "AppendObject: the answer has no valid x-cos-next-append-position",
                )
            })?;
        Ok(AppendObjectOutput {
            next_position,
            etag: header_string(headers, "etag"),
            crc64: crc64_header(headers),
            request_id: header_string(headers, "x-cos-request-id"),
        })
    }
}

/// Initiate Multipart Upload; built by [`Bucket::initiate_multipart_upload`].
#[derive(Debug)]
#[must_use = "a request does nothing until `send` is awaited"]
pub struct InitiateMultipartUpload {
    bucket: Bucket,
    key: String,
    headers: Headers,
}

impl InitiateMultipartUpload {
    pub(crate) fn new(bucket: Bucket, key: &str) -> Self {
        InitiateMultipartUpload {
            bucket,
            key: key.to_owned(),
            headers: Headers::default(),
        }
    }

    common_object_options!();
    write_object_options!();

    /// Replaces the headers with ones already collected (by a higher-level builder).
    pub(crate) fn set_headers(&mut self, headers: http::HeaderMap) {
        self.headers.map = headers;
    }

    /// Starts the upload and returns its id.
    pub async fn send(mut self) -> Result<InitiateMultipartUploadOutput> {
        let key = parse_key(&self.key)?;
        let mut op = object_op(&self.bucket, "InitiateMultipartUpload", Method::POST, &key);
        // Each call starts a new upload: resending after a lost answer would leave one behind.
        op.idempotent = false;
        op.headers = self.headers.take()?;
        op.query = vec![("uploads", None)];
        let answer = self.bucket.client().execute(op, Sink::Buffer).await?;
        xml::initiate_multipart(answer.bytes())
            .map_err(|e| decode_error("InitiateMultipartUpload", e))
    }
}

impl Bucket {
    /// Upload Part: part `part_number` (1..=10000) of `upload_id`. Its CRC-64 is checked.
    pub async fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: impl Into<PutBody>,
    ) -> Result<UploadPartOutput> {
        let (output, _) = self
            .upload_part_reporting_crc(key, upload_id, part_number, body.into())
            .await?;
        Ok(output)
    }

    /// [`upload_part`](Self::upload_part), also giving the CRC-64 of the bytes as read and sent.
    pub(crate) async fn upload_part_reporting_crc(
        &self,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: PutBody,
    ) -> Result<(UploadPartOutput, Option<u64>)> {
        if !(1..=10_000).contains(&part_number) {
            return Err(invalid_input(format!(
                "part number {part_number} is outside 1..=10000"
            )));
        }
        let key = parse_key(key)?;
        let mut op = object_op(self, "UploadPart", Method::PUT, &key);
        op.query = vec![
            ("partNumber", Some(part_number.to_string())),
            ("uploadId", Some(upload_id.to_owned())),
        ];
        let size = body.len();
        op.body = Some(body);
        op.verify_upload = true;
        let answer = self.client().execute(op, Sink::Buffer).await?;
        let headers = &answer.parts.headers;
        let output = UploadPartOutput {
            part_number,
            size,
            etag: header_string(headers, "etag"),
            crc64: crc64_header(headers),
            request_id: header_string(headers, "x-cos-request-id"),
        };
        Ok((output, answer.sent_crc))
    }

    /// Complete Multipart Upload. A 200 whose body is `<Error>` or lacks an ETag is an error.
    /// When every part carries its CRC-64 and size (see [`UploadPartOutput::completed`]), the
    /// object's `x-cos-hash-crc64ecma` must equal the parts' combined checksum, or the answer
    /// is a `ClientErrorKind::Integrity` error.
    pub async fn complete_multipart_upload(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPart],
    ) -> Result<CompleteMultipartUploadOutput> {
        if parts.is_empty() {
            return Err(invalid_input("CompleteMultipartUpload: no parts"));
        }
        let key = parse_key(key)?;
        let mut sorted: Vec<(u32, String)> = parts
            .iter()
            .map(|p| (p.part_number, p.etag.clone()))
            .collect();
        sorted.sort_by_key(|(number, _)| *number);
        let body = xml::encode_complete(&sorted);
        let mut op = object_op(self, "CompleteMultipartUpload", Method::POST, &key);
        op.query = vec![("uploadId", Some(upload_id.to_owned()))];
        op.headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/xml"),
        );
        op.body = Some(PutBody::from(body));
        op.error_root_on_success = true;
        let answer = self.client().execute(op, Sink::Buffer).await?;
        let mut output = xml::complete_multipart(answer.bytes())
            .map_err(|e| decode_error("CompleteMultipartUpload", e))?;
        output.crc64 = crc64_header(&answer.parts.headers);
        if self.client().config().verify_crc64
            && let (Some(stored), Some(expected)) = (output.crc64, combined_crc64(parts))
            && stored != expected
        {
            let message = format!(
                "CompleteMultipartUpload: the parts' combined CRC-64 is {expected}, \
                 but COS says the object's is {stored} (x-cos-hash-crc64ecma)"
            );
            // the object is already assembled: sending Complete again cannot repair it
            let error = cos_types::ClientError::new(cos_types::ClientErrorKind::Integrity, message)
                .with_retryable(false);
            return Err(error.into());
        }
        Ok(output)
    }

    /// Abort Multipart Upload.
    pub async fn abort_multipart_upload(&self, key: &str, upload_id: &str) -> Result<()> {
        let key = parse_key(key)?;
        let mut op = object_op(self, "AbortMultipartUpload", Method::DELETE, &key);
        op.query = vec![("uploadId", Some(upload_id.to_owned()))];
        self.client().execute(op, Sink::Buffer).await?;
        Ok(())
    }

    /// List Parts: one page of the parts uploaded so far, starting after `part_number_marker`.
    pub async fn list_parts(
        &self,
        key: &str,
        upload_id: &str,
        part_number_marker: Option<u32>,
    ) -> Result<ListPartsOutput> {
        let key = parse_key(key)?;
        let mut op = object_op(self, "ListParts", Method::GET, &key);
        op.query = vec![("uploadId", Some(upload_id.to_owned()))];
        if let Some(marker) = part_number_marker {
            op.query
                .push(("part-number-marker", Some(marker.to_string())));
        }
        let answer = self.client().execute(op, Sink::Buffer).await?;
        xml::list_parts(answer.bytes()).map_err(|e| decode_error("ListParts", e))
    }

    /// DELETE Object. Deleting a missing key succeeds (COS answers 204).
    pub async fn delete_object(&self, key: &str) -> Result<()> {
        let key = parse_key(key)?;
        let op = object_op(self, "DeleteObject", Method::DELETE, &key);
        self.client().execute(op, Sink::Buffer).await?;
        Ok(())
    }

    /// DELETE Multiple: up to 1000 keys in one request, with a result per key.
    pub async fn delete_objects<I, K>(&self, keys: I) -> Result<DeleteObjectsOutput>
    where
        I: IntoIterator<Item = K>,
        K: AsRef<str>,
    {
        let keys: Vec<String> = keys
            .into_iter()
            .map(|k| parse_key(k.as_ref()).map(|k| k.as_ref().to_owned()))
            .collect::<Result<_>>()?;
        if keys.is_empty() || keys.len() > 1000 {
            return Err(invalid_input(format!(
                "DeleteObjects takes 1..=1000 keys, not {}",
                keys.len()
            )));
        }
        let body = xml::encode_delete(&keys, false);
        let md5 =
            base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(body.as_bytes()));
        let mut op = Operation::new("DeleteObjects", Method::POST);
        op.bucket = Some(self.name().clone());
        op.query = vec![("delete", None)];
        op.headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/xml"),
        );
        op.headers.insert(
            "content-md5",
            http::HeaderValue::from_str(&md5).map_err(|_| invalid_input("content-md5"))?,
        );
        op.body = Some(PutBody::from(body));
        let answer = self.client().execute(op, Sink::Buffer).await?;
        xml::delete_result(answer.bytes()).map_err(|e| decode_error("DeleteObjects", e))
    }

    /// The `x-cos-copy-source` value naming `key` in this bucket: COS's own form
    /// `<bucket>.cos.<region>.myqcloud.com/<key>` when the region is known, else
    /// `/<bucket>/<key>` (understood by path-style servers such as the emulator).
    pub(crate) fn copy_source(&self, key: &ObjectKey) -> String {
        let key_path = object_path(key.as_str());
        match self.client().config().region.as_ref() {
            Some(region) => format!(
                "{}.cos.{}.myqcloud.com{key_path}",
                self.name().as_str(),
                region.as_str()
            ),
            None => format!("/{}{key_path}", self.name().as_str()),
        }
    }
}
