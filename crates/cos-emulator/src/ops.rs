//! The COS operations: validation of the request, the store call, and the answer.

use std::time::SystemTime;

use base64::Engine;
use bytes::Bytes;
use http::header::{ACCEPT_RANGES, CONTENT_LENGTH, CONTENT_TYPE};
use http::request::Parts;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;

use crate::body::{self, ResponseBody};
use crate::checksum::BodyHasher;
use crate::error::{CosError, CosResult};
use crate::route::{Operation, Routed, Target};
use crate::server::{Shared, xml_response};
use crate::store::{
    self, Content, MAX_PART_NUMBER, MAX_SINGLE_UPLOAD, ObjectAttributes, ObjectMeta, StoredObject,
};
use crate::time::{from_unix_millis, http_date, parse_http_date};
use crate::xml::{self, Owner};

/// Longest key, in UTF-8 bytes.
const MAX_KEY_LEN: usize = 850;
/// Most keys per DELETE Multiple, and most entries per listing page.
const MAX_LIST: usize = 1000;
/// Largest XML request body read (10000 parts fit comfortably).
const MAX_XML_BODY: usize = 4 * 1024 * 1024;

/// Stored with an object and returned on GET/HEAD.
const STORED_HEADERS: &[&str] = &[
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
    "expires",
];

/// One request on its way through an operation.
pub(crate) struct Context<'a> {
    pub(crate) shared: &'a Shared,
    pub(crate) parts: &'a Parts,
    pub(crate) routed: &'a Routed,
}

impl Context<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.parts.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn bucket(&self) -> &str {
        match &self.routed.target {
            Target::Bucket { bucket, .. } => bucket,
            _ => "",
        }
    }

    fn key(&self) -> &str {
        match &self.routed.target {
            Target::Bucket { key: Some(key), .. } => key,
            _ => "",
        }
    }

    fn owner(&self) -> Owner<'_> {
        Owner {
            id: self.shared.owner_id(),
        }
    }
}

pub(crate) async fn dispatch(
    cx: &Context<'_>,
    operation: Operation,
    body: &mut Option<Incoming>,
) -> CosResult<Response<ResponseBody>> {
    if matches!(cx.parts.method, Method::PUT | Method::POST) {
        content_length(cx)?;
    }
    match operation {
        Operation::ListBuckets => list_buckets(cx),
        Operation::CreateBucket => create_bucket(cx),
        Operation::HeadBucket => head_bucket(cx),
        Operation::DeleteBucket => {
            cx.shared.store.delete_bucket(cx.bucket())?;
            Ok(no_content())
        }
        Operation::GetBucketLocation => get_bucket_location(cx),
        Operation::ListObjects => list_objects(cx),
        Operation::ListMultipartUploads => list_uploads(cx),
        Operation::DeleteObjects => delete_objects(cx, body).await,
        Operation::PutObject => put_object(cx, body).await,
        Operation::CopyObject => copy_object(cx),
        Operation::GetObject | Operation::HeadObject => get_object(cx),
        Operation::DeleteObject => {
            cx.shared.store.delete_object(cx.bucket(), cx.key())?;
            Ok(no_content())
        }
        Operation::InitiateMultipartUpload => initiate_upload(cx),
        Operation::UploadPart => upload_part(cx, body).await,
        Operation::UploadPartCopy => upload_part_copy(cx).await,
        Operation::ListParts => list_parts(cx),
        Operation::CompleteMultipartUpload => complete_upload(cx, body).await,
        Operation::AbortMultipartUpload => {
            let id = cx.routed.param("uploadId").unwrap_or_default();
            cx.shared.store.abort_upload(cx.bucket(), cx.key(), id)?;
            Ok(no_content())
        }
        Operation::AppendObject => append_object(cx, body).await,
        Operation::Other => Err(CosError::not_implemented("this request")),
    }
}

fn empty_response(status: StatusCode) -> Response<ResponseBody> {
    let mut response = Response::new(body::empty());
    *response.status_mut() = status;
    response
}

fn no_content() -> Response<ResponseBody> {
    empty_response(StatusCode::NO_CONTENT)
}

fn insert(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(HeaderName::from_static(name), value);
    }
}

// ---- validation helpers ----

fn validate_bucket_name(name: &str, appid: &str) -> CosResult<()> {
    let invalid = |why: &str| {
        CosError::bad_request(
            "InvalidBucketName",
            format!("The bucket name {name:?} is not valid: {why}."),
        )
    };
    let Some((short, id)) = name.rsplit_once('-') else {
        return Err(invalid("it must be <name>-<APPID>"));
    };
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("it must end with -<APPID> (digits)"));
    }
    if id != appid {
        return Err(CosError::access_denied(format!(
            "Access Denied. The bucket's APPID {id} is not this account's ({appid})."
        )));
    }
    if short.is_empty()
        || short.len() > 50
        || short.starts_with('-')
        || short.ends_with('-')
        || !short
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(invalid(
            "the name part must be 1 to 50 of [a-z0-9-], not starting or ending with '-'",
        ));
    }
    Ok(())
}

fn validate_key(key: &str) -> CosResult<()> {
    if key.len() > MAX_KEY_LEN {
        return Err(CosError::bad_request(
            "KeyTooLong",
            format!(
                "Your key is too long: {} bytes; at most {MAX_KEY_LEN}.",
                key.len()
            ),
        ));
    }
    Ok(())
}

/// The declared body length of a PUT/POST; COS refuses bodies without one.
fn content_length(cx: &Context<'_>) -> CosResult<u64> {
    let Some(value) = cx.parts.headers.get(CONTENT_LENGTH) else {
        return Err(CosError::new(
            StatusCode::LENGTH_REQUIRED,
            "MissingContentLength",
            "You must provide the Content-Length HTTP header.",
        ));
    };
    value
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| CosError::invalid_argument("Content-Length is not a number."))
}

fn content_md5(cx: &Context<'_>) -> CosResult<Option<[u8; 16]>> {
    let Some(value) = cx.header("content-md5") else {
        return Ok(None);
    };
    let invalid = || {
        CosError::bad_request(
            "InvalidDigest",
            format!("The Content-MD5 you specified ({value:?}) is not valid base64 of 16 bytes."),
        )
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .map_err(|_| invalid())?;
    <[u8; 16]>::try_from(decoded.as_slice())
        .map(Some)
        .map_err(|_| invalid())
}

fn check_md5(expected: Option<[u8; 16]>, actual: &[u8; 16]) -> CosResult<()> {
    match expected {
        Some(expected) if &expected != actual => Err(CosError::bad_request(
            "BadDigest",
            "The Content-MD5 you specified did not match what we received.",
        )),
        _ => Ok(()),
    }
}

fn parse_max(cx: &Context<'_>, name: &str) -> CosResult<usize> {
    match cx.routed.param(name) {
        None | Some("") => Ok(MAX_LIST),
        Some(text) => match text.parse::<usize>() {
            Ok(n) if n <= MAX_LIST => Ok(n),
            _ => Err(CosError::invalid_argument(format!(
                "{name} must be an integer from 0 to {MAX_LIST}, not {text:?}."
            ))),
        },
    }
}

fn url_encoded(cx: &Context<'_>) -> CosResult<bool> {
    match cx.routed.param("encoding-type") {
        None => Ok(false),
        Some(t) if t.eq_ignore_ascii_case("url") => Ok(true),
        Some(other) => Err(CosError::invalid_argument(format!(
            "encoding-type must be \"url\", not {other:?}."
        ))),
    }
}

/// Standard and user-metadata headers to store with an object.
fn attributes_from(headers: &HeaderMap) -> ObjectAttributes {
    let text = |v: &HeaderValue| String::from_utf8_lossy(v.as_bytes()).into_owned();
    let mut attributes = ObjectAttributes {
        content_type: headers.get(CONTENT_TYPE).map(text),
        storage_class: headers.get("x-cos-storage-class").map(text),
        ..ObjectAttributes::default()
    };
    for (name, value) in headers {
        let name = name.as_str();
        if STORED_HEADERS.contains(&name) {
            attributes.headers.push((name.to_owned(), text(value)));
        } else if name.starts_with("x-cos-meta-") {
            attributes.user_meta.push((name.to_owned(), text(value)));
        }
    }
    attributes
}

/// Streams a request body into the store, hashing it; a body shorter than announced is
/// `IncompleteBody` and leaves nothing behind.
async fn receive(cx: &Context<'_>, body: &mut Option<Incoming>, length: u64) -> CosResult<Content> {
    let mut body = body
        .take()
        .ok_or_else(|| CosError::internal("request body read twice"))?;
    let mut sink = cx
        .shared
        .store
        .sink(length)
        .await
        .map_err(|e| CosError::internal(format!("opening storage: {e}")))?;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            CosError::bad_request(
                "IncompleteBody",
                format!(
                    "The request body ended after {} of {length} bytes: {e}.",
                    sink.len()
                ),
            )
        })?;
        if let Ok(data) = frame.into_data() {
            sink.write(&data)
                .await
                .map_err(|e| CosError::internal(format!("writing data: {e}")))?;
        }
    }
    if sink.len() != length {
        return Err(CosError::bad_request(
            "IncompleteBody",
            format!(
                "You did not provide the number of bytes specified by the Content-Length \
                 HTTP header: {} of {length}.",
                sink.len()
            ),
        ));
    }
    sink.finish()
        .await
        .map_err(|e| CosError::internal(format!("storing data: {e}")))
}

async fn receive_small(body: &mut Option<Incoming>, length: u64) -> CosResult<Bytes> {
    let body = body
        .take()
        .ok_or_else(|| CosError::internal("request body read twice"))?;
    if length > MAX_XML_BODY as u64 {
        return Err(CosError::bad_request(
            "XMLSizeLimit",
            format!("The XML body is {length} bytes; at most {MAX_XML_BODY}."),
        ));
    }
    let collected = http_body_util::Limited::new(body, MAX_XML_BODY)
        .collect()
        .await
        .map_err(|e| {
            CosError::bad_request("IncompleteBody", format!("Reading the request body: {e}."))
        })?;
    Ok(collected.to_bytes())
}

fn object_headers(headers: &mut HeaderMap, meta: &ObjectMeta) {
    insert(headers, "etag", &meta.etag);
    insert(headers, "x-cos-hash-crc64ecma", &meta.crc64.to_string());
    insert(
        headers,
        "last-modified",
        &http_date(from_unix_millis(meta.last_modified)),
    );
    insert(headers, "content-type", &meta.content_type);
    if meta.storage_class != "STANDARD" {
        insert(headers, "x-cos-storage-class", &meta.storage_class);
    }
    if meta.appendable {
        insert(headers, "x-cos-object-type", "appendable");
    }
    for (name, value) in meta.headers.iter().chain(&meta.user_meta) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.insert(name, value);
        }
    }
}

// ---- service and buckets ----

fn list_buckets(cx: &Context<'_>) -> CosResult<Response<ResponseBody>> {
    let buckets = cx.shared.store.list_buckets();
    Ok(xml_response(
        StatusCode::OK,
        xml::list_buckets(&cx.owner(), &buckets),
    ))
}

fn create_bucket(cx: &Context<'_>) -> CosResult<Response<ResponseBody>> {
    validate_bucket_name(cx.bucket(), &cx.shared.config.appid)?;
    cx.shared
        .store
        .create_bucket(cx.bucket(), &cx.shared.config.region)?;
    Ok(empty_response(StatusCode::OK))
}

fn head_bucket(cx: &Context<'_>) -> CosResult<Response<ResponseBody>> {
    let info = cx.shared.store.bucket(cx.bucket())?;
    let mut response = empty_response(StatusCode::OK);
    insert(response.headers_mut(), "x-cos-bucket-region", &info.region);
    Ok(response)
}

fn get_bucket_location(cx: &Context<'_>) -> CosResult<Response<ResponseBody>> {
    let info = cx.shared.store.bucket(cx.bucket())?;
    Ok(xml_response(
        StatusCode::OK,
        xml::location_constraint(&info.region),
    ))
}

fn list_objects(cx: &Context<'_>) -> CosResult<Response<ResponseBody>> {
    let max_keys = parse_max(cx, "max-keys")?;
    let url_encode = url_encoded(cx)?;
    let prefix = cx.routed.param("prefix").unwrap_or("");
    let marker = cx.routed.param("marker").unwrap_or("");
    let delimiter = cx.routed.param("delimiter").filter(|d| !d.is_empty());
    if let Some(delimiter) = delimiter
        && delimiter.chars().count() != 1
    {
        return Err(CosError::bad_request(
            "InvalidDelimiter",
            format!("The delimiter must be one character, not {delimiter:?}."),
        ));
    }
    let info = cx.shared.store.bucket(cx.bucket())?;
    let page = cx
        .shared
        .store
        .list_objects(cx.bucket(), prefix, delimiter, marker, max_keys)?;
    let echo = xml::ListObjectsEcho {
        bucket: cx.bucket(),
        prefix,
        marker,
        delimiter,
        max_keys,
        url_encode,
    };
    let mut response = xml_response(StatusCode::OK, xml::list_objects(&echo, &cx.owner(), &page));
    insert(response.headers_mut(), "x-cos-bucket-region", &info.region);
    Ok(response)
}

fn list_uploads(cx: &Context<'_>) -> CosResult<Response<ResponseBody>> {
    let max_uploads = parse_max(cx, "max-uploads")?;
    let url_encode = url_encoded(cx)?;
    let prefix = cx.routed.param("prefix").unwrap_or("");
    let delimiter = cx.routed.param("delimiter").filter(|d| !d.is_empty());
    let key_marker = cx.routed.param("key-marker").unwrap_or("");
    let upload_id_marker = cx.routed.param("upload-id-marker").unwrap_or("");
    let page = cx.shared.store.list_uploads(
        cx.bucket(),
        prefix,
        delimiter,
        key_marker,
        upload_id_marker,
        max_uploads,
    )?;
    let echo = xml::ListUploadsEcho {
        bucket: cx.bucket(),
        prefix,
        delimiter,
        key_marker,
        upload_id_marker,
        max_uploads,
        url_encode,
    };
    Ok(xml_response(
        StatusCode::OK,
        xml::list_uploads(&echo, &cx.owner(), &page),
    ))
}

async fn delete_objects(
    cx: &Context<'_>,
    body: &mut Option<Incoming>,
) -> CosResult<Response<ResponseBody>> {
    let length = content_length(cx)?;
    let Some(expected_md5) = content_md5(cx)? else {
        return Err(CosError::bad_request(
            "InvalidRequest",
            "Missing required header for this request: Content-MD5.",
        ));
    };
    cx.shared.store.bucket(cx.bucket())?;
    let body = receive_small(body, length).await?;
    check_md5(Some(expected_md5), &crate::checksum::md5(&body))?;
    let request = xml::parse_delete(&body)?;
    if request.keys.is_empty() || request.keys.len() > MAX_LIST {
        return Err(CosError::malformed_xml(format!(
            "a Delete request lists 1 to {MAX_LIST} objects, not {}",
            request.keys.len()
        )));
    }
    let mut outcomes = Vec::with_capacity(request.keys.len());
    for key in request.keys {
        match cx.shared.store.delete_object(cx.bucket(), &key) {
            Ok(_) => outcomes.push(xml::DeleteOutcome::Deleted(key)),
            Err(error) => outcomes.push(xml::DeleteOutcome::Failed {
                key,
                code: error.code.into_owned(),
                message: error.message.into_owned(),
            }),
        }
    }
    Ok(xml_response(
        StatusCode::OK,
        xml::delete_result(&outcomes, request.quiet),
    ))
}

// ---- objects ----

fn forbid_overwrite(cx: &Context<'_>) -> bool {
    cx.header("x-cos-forbid-overwrite")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

async fn put_object(
    cx: &Context<'_>,
    body: &mut Option<Incoming>,
) -> CosResult<Response<ResponseBody>> {
    validate_key(cx.key())?;
    let length = content_length(cx)?;
    if length > MAX_SINGLE_UPLOAD {
        return Err(CosError::bad_request(
            "EntityTooLarge",
            format!("A single PUT is at most 5 GB; this one announces {length} bytes."),
        ));
    }
    let expected_md5 = content_md5(cx)?;
    let forbid = forbid_overwrite(cx);
    cx.shared
        .store
        .check_writable(cx.bucket(), cx.key(), forbid)?;
    let content = receive(cx, body, length).await?;
    check_md5(expected_md5, &content.md5)?;
    let meta = cx.shared.store.put_object(
        cx.bucket(),
        cx.key(),
        attributes_from(&cx.parts.headers),
        content,
        forbid,
    )?;
    let mut response = empty_response(StatusCode::OK);
    insert(response.headers_mut(), "etag", &meta.etag);
    insert(
        response.headers_mut(),
        "x-cos-hash-crc64ecma",
        &meta.crc64.to_string(),
    );
    Ok(response)
}

/// `bucket-appid.cos.region.myqcloud.com/key`, `/bucket/key` or `bucket/key`, key
/// percent-encoded or not.
fn parse_copy_source(source: &str) -> CosResult<(String, String)> {
    let invalid = || {
        CosError::bad_request(
            "InvalidCopySource",
            format!(
                "x-cos-copy-source {source:?} is not <bucket>-<appid>.cos.<region>.myqcloud.com/<key>."
            ),
        )
    };
    let trimmed = source
        .trim()
        .trim_start_matches("http://")
        .trim_start_matches("https://")
        .trim_start_matches('/');
    let without_version = trimmed.split("?versionId=").next().unwrap_or(trimmed);
    let (host, key) = without_version.split_once('/').ok_or_else(invalid)?;
    let bucket = host.split('.').next().unwrap_or_default();
    let key = crate::route::percent_decode(key, false).ok_or_else(invalid)?;
    if bucket.is_empty() || key.is_empty() {
        return Err(invalid());
    }
    Ok((bucket.to_owned(), key))
}

fn copy_object(cx: &Context<'_>) -> CosResult<Response<ResponseBody>> {
    validate_key(cx.key())?;
    let source = cx.header("x-cos-copy-source").unwrap_or_default();
    let (source_bucket, source_key) = parse_copy_source(source)?;
    let replace = match cx.header("x-cos-metadata-directive") {
        None => false,
        Some(d) if d.eq_ignore_ascii_case("copy") => false,
        Some(d) if d.eq_ignore_ascii_case("replaced") => true,
        Some(other) => {
            return Err(CosError::invalid_argument(format!(
                "x-cos-metadata-directive must be Copy or Replaced, not {other:?}."
            )));
        }
    };
    cx.shared.store.bucket(cx.bucket())?;
    let meta = cx.shared.store.copy_object(
        &source_bucket,
        &source_key,
        cx.bucket(),
        cx.key(),
        replace.then(|| attributes_from(&cx.parts.headers)),
        forbid_overwrite(cx),
    )?;
    let mut response = xml_response(StatusCode::OK, xml::copy_object(&meta));
    insert(
        response.headers_mut(),
        "x-cos-hash-crc64ecma",
        &meta.crc64.to_string(),
    );
    Ok(response)
}

/// What the conditional headers decide.
enum Precondition {
    Proceed,
    NotModified,
}

fn evaluate_preconditions(cx: &Context<'_>, meta: &ObjectMeta) -> CosResult<Precondition> {
    let matches = |list: &str| {
        list.split(',')
            .any(|tag| tag.trim() == "*" || store::etags_match(tag, &meta.etag))
    };
    let modified_secs = meta.last_modified / 1000;
    let secs = |t: SystemTime| {
        t.duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    };
    if let Some(list) = cx.header("if-match") {
        if !matches(list) {
            return Err(CosError::precondition_failed());
        }
    } else if let Some(since) = cx.header("if-unmodified-since").and_then(parse_http_date)
        && modified_secs > secs(since)
    {
        return Err(CosError::precondition_failed());
    }
    if let Some(list) = cx.header("if-none-match") {
        if matches(list) {
            return Ok(Precondition::NotModified);
        }
    } else if let Some(since) = cx.header("if-modified-since").and_then(parse_http_date)
        && modified_secs <= secs(since)
    {
        return Ok(Precondition::NotModified);
    }
    Ok(Precondition::Proceed)
}

/// `bytes=a-b`, `bytes=a-`, `bytes=-n` → `start..end`; `None` for a header to ignore.
fn parse_range(header: &str, size: u64) -> Option<CosResult<(u64, u64)>> {
    let spec = header.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    let unsatisfiable = || {
        Some(Err(CosError::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "InvalidRange",
            format!(
                "The requested range {header:?} is not satisfiable for an object of {size} bytes."
            ),
        )))
    };
    if first.is_empty() {
        let suffix: u64 = last.parse().ok()?;
        if suffix == 0 || size == 0 {
            return unsatisfiable();
        }
        return Some(Ok((size.saturating_sub(suffix), size)));
    }
    let start: u64 = first.parse().ok()?;
    let end = if last.is_empty() {
        size
    } else {
        let last: u64 = last.parse().ok()?;
        if last < start {
            return None;
        }
        // A `last` past the object is clamped, even `u64::MAX`.
        last.saturating_add(1).min(size)
    };
    if start >= size {
        return unsatisfiable();
    }
    debug_assert!(start < end && end <= size);
    Some(Ok((start, end)))
}

fn get_object(cx: &Context<'_>) -> CosResult<Response<ResponseBody>> {
    let StoredObject { meta, segments } = cx.shared.store.get_object(cx.bucket(), cx.key())?;
    if let Precondition::NotModified = evaluate_preconditions(cx, &meta)? {
        let mut response = empty_response(StatusCode::NOT_MODIFIED);
        insert(response.headers_mut(), "etag", &meta.etag);
        insert(
            response.headers_mut(),
            "last-modified",
            &http_date(from_unix_millis(meta.last_modified)),
        );
        return Ok(response);
    }
    let range = match cx.header("range") {
        Some(header) => parse_range(header, meta.size).transpose()?,
        None => None,
    };
    let (start, end) = range.unwrap_or((0, meta.size));
    let body = if cx.parts.method == Method::HEAD {
        body::empty()
    } else {
        body::object(segments, start, end)
    };
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    object_headers(headers, &meta);
    headers.insert(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(CONTENT_LENGTH, HeaderValue::from(end.saturating_sub(start)));
    if range.is_some() {
        *response.status_mut() = StatusCode::PARTIAL_CONTENT;
        let value = format!("bytes {start}-{}/{}", end.saturating_sub(1), meta.size);
        insert(response.headers_mut(), "content-range", &value);
    }
    // response-* parameters override the stored headers (GET only).
    for (param, header) in [
        ("response-content-type", CONTENT_TYPE.as_str()),
        ("response-content-language", "content-language"),
        ("response-expires", "expires"),
        ("response-cache-control", "cache-control"),
        ("response-content-disposition", "content-disposition"),
        ("response-content-encoding", "content-encoding"),
    ] {
        if let Some(value) = cx.routed.param(param)
            && let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(header.as_bytes()),
                HeaderValue::from_str(value),
            )
        {
            response.headers_mut().insert(name, value);
        }
    }
    Ok(response)
}

async fn append_object(
    cx: &Context<'_>,
    body: &mut Option<Incoming>,
) -> CosResult<Response<ResponseBody>> {
    validate_key(cx.key())?;
    let position: u64 = cx
        .routed
        .param("position")
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| {
            CosError::invalid_argument("Append needs position=<the current object length>.")
        })?;
    let length = content_length(cx)?;
    if length > MAX_SINGLE_UPLOAD {
        return Err(CosError::bad_request(
            "EntityTooLarge",
            "One append is at most 5 GB.",
        ));
    }
    let expected_md5 = content_md5(cx)?;
    cx.shared
        .store
        .check_append(cx.bucket(), cx.key(), position)?;
    let content = receive(cx, body, length).await?;
    check_md5(expected_md5, &content.md5)?;
    let meta = cx.shared.store.append_object(
        cx.bucket(),
        cx.key(),
        position,
        attributes_from(&cx.parts.headers),
        content,
    )?;
    let mut response = empty_response(StatusCode::OK);
    let headers = response.headers_mut();
    insert(headers, "etag", &meta.etag);
    insert(headers, "x-cos-hash-crc64ecma", &meta.crc64.to_string());
    insert(
        headers,
        "x-cos-next-append-position",
        &meta.size.to_string(),
    );
    Ok(response)
}

// ---- multipart ----

fn initiate_upload(cx: &Context<'_>) -> CosResult<Response<ResponseBody>> {
    validate_key(cx.key())?;
    let info =
        cx.shared
            .store
            .create_upload(cx.bucket(), cx.key(), attributes_from(&cx.parts.headers))?;
    Ok(xml_response(
        StatusCode::OK,
        xml::initiate_multipart(cx.bucket(), cx.key(), &info.id),
    ))
}

fn upload_id<'a>(cx: &'a Context<'_>) -> CosResult<&'a str> {
    match cx.routed.param("uploadId") {
        Some(id) if !id.is_empty() => Ok(id),
        _ => Err(CosError::invalid_argument("uploadId is empty.")),
    }
}

fn part_number(cx: &Context<'_>) -> CosResult<u32> {
    cx.routed
        .param("partNumber")
        .and_then(|n| n.parse().ok())
        .filter(|n| (1..=MAX_PART_NUMBER).contains(n))
        .ok_or_else(|| {
            CosError::invalid_argument(format!(
                "partNumber must be an integer from 1 to {MAX_PART_NUMBER}."
            ))
        })
}

async fn upload_part(
    cx: &Context<'_>,
    body: &mut Option<Incoming>,
) -> CosResult<Response<ResponseBody>> {
    let id = upload_id(cx)?;
    let number = part_number(cx)?;
    let length = content_length(cx)?;
    if length > MAX_SINGLE_UPLOAD {
        return Err(CosError::bad_request(
            "EntityTooLarge",
            "A part is at most 5 GB.",
        ));
    }
    let expected_md5 = content_md5(cx)?;
    cx.shared.store.check_upload(cx.bucket(), cx.key(), id)?;
    let content = receive(cx, body, length).await?;
    check_md5(expected_md5, &content.md5)?;
    let part = cx
        .shared
        .store
        .put_part(cx.bucket(), cx.key(), id, number, content)?;
    let mut response = empty_response(StatusCode::OK);
    insert(response.headers_mut(), "etag", &part.etag());
    insert(
        response.headers_mut(),
        "x-cos-hash-crc64ecma",
        &part.crc64.to_string(),
    );
    Ok(response)
}

/// Upload Part - Copy: the part shares the source's data; it is read once for its digests.
async fn upload_part_copy(cx: &Context<'_>) -> CosResult<Response<ResponseBody>> {
    let id = upload_id(cx)?;
    let number = part_number(cx)?;
    let (source_bucket, source_key) =
        parse_copy_source(cx.header("x-cos-copy-source").unwrap_or_default())?;
    cx.shared.store.check_upload(cx.bucket(), cx.key(), id)?;
    let source = cx
        .shared
        .store
        .get_object(&source_bucket, &source_key)
        .map_err(|mut e| {
            if e.code == "NoSuchKey" {
                e.message = "The copy source object does not exist.".into();
            }
            e
        })?;
    let size = source.meta.size;
    let (start, end) = match cx.header("x-cos-copy-source-range") {
        None => (0, size),
        Some(range) => parse_range(range, size).unwrap_or_else(|| {
            Err(CosError::invalid_argument(format!(
                "x-cos-copy-source-range {range:?} is not bytes=<first>-<last>."
            )))
        })?,
    };
    let len = end.saturating_sub(start);
    if len > MAX_SINGLE_UPLOAD {
        return Err(CosError::bad_request(
            "EntityTooLarge",
            "A part is at most 5 GB.",
        ));
    }
    let segments = store::slice_segments(&source.segments, start, end);
    let mut reader = body::object(segments.clone(), 0, len);
    let mut hasher = BodyHasher::new();
    while let Some(frame) = reader.frame().await {
        let frame =
            frame.map_err(|e| CosError::internal(format!("reading the copy source: {e}")))?;
        if let Ok(data) = frame.into_data() {
            hasher.update(&data);
        }
    }
    let (md5, crc64) = hasher.finish();
    let content = Content {
        segments,
        len,
        md5,
        crc64,
    };
    let part = cx
        .shared
        .store
        .put_part(cx.bucket(), cx.key(), id, number, content)?;
    let mut response = xml_response(StatusCode::OK, xml::copy_part(&part));
    insert(
        response.headers_mut(),
        "x-cos-hash-crc64ecma",
        &part.crc64.to_string(),
    );
    Ok(response)
}

fn list_parts(cx: &Context<'_>) -> CosResult<Response<ResponseBody>> {
    let id = upload_id(cx)?;
    let max_parts = parse_max(cx, "max-parts")?;
    let url_encode = url_encoded(cx)?;
    let marker: u32 = match cx.routed.param("part-number-marker") {
        None | Some("") => 0,
        Some(text) => text.parse().map_err(|_| {
            CosError::invalid_argument(format!("part-number-marker {text:?} is not a number."))
        })?,
    };
    let page = cx
        .shared
        .store
        .list_parts(cx.bucket(), cx.key(), id, marker, max_parts)?;
    Ok(xml_response(
        StatusCode::OK,
        xml::list_parts(&page, &cx.owner(), marker, max_parts, url_encode),
    ))
}

async fn complete_upload(
    cx: &Context<'_>,
    body: &mut Option<Incoming>,
) -> CosResult<Response<ResponseBody>> {
    let id = upload_id(cx)?.to_owned();
    let length = content_length(cx)?;
    cx.shared.store.check_upload(cx.bucket(), cx.key(), &id)?;
    let body = receive_small(body, length).await?;
    check_md5(content_md5(cx)?, &crate::checksum::md5(&body))?;
    let parts = xml::parse_complete_multipart(&body)?;
    let meta = cx.shared.store.complete_upload(
        cx.bucket(),
        cx.key(),
        &id,
        &parts,
        forbid_overwrite(cx),
    )?;
    let location = format!("{}/{}", cx.routed.host, cx.key());
    let mut response = xml_response(
        StatusCode::OK,
        xml::complete_multipart(&location, cx.bucket(), cx.key(), &meta.etag),
    );
    insert(
        response.headers_mut(),
        "x-cos-hash-crc64ecma",
        &meta.crc64.to_string(),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100).unwrap().unwrap(), (0, 10));
        assert_eq!(parse_range("bytes=90-", 100).unwrap().unwrap(), (90, 100));
        assert_eq!(parse_range("bytes=-10", 100).unwrap().unwrap(), (90, 100));
        assert_eq!(
            parse_range("bytes=95-200", 100).unwrap().unwrap(),
            (95, 100)
        );
        assert_eq!(
            parse_range("bytes=100-", 100).unwrap().unwrap_err().code,
            "InvalidRange"
        );
        assert!(parse_range("bytes=5-1", 100).is_none());
        assert!(parse_range("items=0-1", 100).is_none());
        assert!(parse_range("bytes=0-1,5-6", 100).is_none());
    }

    #[test]
    fn extreme_ranges_never_overflow() {
        let max = u64::MAX;
        assert_eq!(
            parse_range(&format!("bytes=5-{max}"), 100)
                .unwrap()
                .unwrap(),
            (5, 100)
        );
        assert_eq!(
            parse_range(&format!("bytes={}-{max}", max - 1), 100)
                .unwrap()
                .unwrap_err()
                .code,
            "InvalidRange"
        );
        assert_eq!(
            parse_range(&format!("bytes=0-{max}"), max)
                .unwrap()
                .unwrap(),
            (0, max)
        );
        assert_eq!(
            parse_range(&format!("bytes=-{max}"), 100).unwrap().unwrap(),
            (0, 100)
        );
        assert_eq!(
            parse_range("bytes=-0", 100).unwrap().unwrap_err().code,
            "InvalidRange"
        );
        assert_eq!(
            parse_range("bytes=-5", 0).unwrap().unwrap_err().code,
            "InvalidRange"
        );
        assert_eq!(
            parse_range("bytes=0-", 0).unwrap().unwrap_err().code,
            "InvalidRange"
        );
    }

    #[test]
    fn bucket_names() {
        assert!(validate_bucket_name("examplebucket-1250000000", "1250000000").is_ok());
        for bad in [
            "Upper-1250000000",
            "-x-1250000000",
            "nodigits",
            "a_b-1250000000",
        ] {
            assert_eq!(
                validate_bucket_name(bad, "1250000000").unwrap_err().code,
                "InvalidBucketName",
                "{bad}"
            );
        }
        assert_eq!(
            validate_bucket_name("other-1300000000", "1250000000")
                .unwrap_err()
                .code,
            "AccessDenied"
        );
    }

    #[test]
    fn copy_sources() {
        assert_eq!(
            parse_copy_source("b-1250000000.cos.ap-guangzhou.myqcloud.com/dir/a%20b").unwrap(),
            ("b-1250000000".into(), "dir/a b".into())
        );
        assert_eq!(
            parse_copy_source("/b-1/k?versionId=x").unwrap(),
            ("b-1".into(), "k".into())
        );
        assert_eq!(
            parse_copy_source("nokey").unwrap_err().code,
            "InvalidCopySource"
        );
    }
}
