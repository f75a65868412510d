//! What operations return.

use std::collections::BTreeMap;
use std::time::SystemTime;

use http::HeaderMap;

use crate::crc64::parse_header;

/// A bucket's or object's owner.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Owner {
    /// The owner's id (`qcs::cam::uin/...`).
    pub id: String,
    /// The owner's display name.
    pub display_name: String,
}

/// One bucket of a [`ListBucketsOutput`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketSummary {
    /// `<name>-<appid>`.
    pub name: String,
    /// Its region.
    pub location: String,
    /// When it was created (ISO 8601, as COS sends it).
    pub creation_date: String,
}

/// The answer of GET Service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListBucketsOutput {
    /// The account owning the buckets.
    pub owner: Option<Owner>,
    /// The buckets.
    pub buckets: Vec<BucketSummary>,
}

/// One object of a listing page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectSummary {
    /// The key, decoded.
    pub key: String,
    /// Last modification time (ISO 8601, as COS sends it).
    pub last_modified: String,
    /// The ETag, quotes included.
    pub etag: String,
    /// Size in bytes.
    pub size: u64,
    /// Storage class (`STANDARD`, `STANDARD_IA`, `ARCHIVE`, ...).
    pub storage_class: Option<String>,
    /// The owner, when listed.
    pub owner: Option<Owner>,
}

/// One page of GET Bucket (list objects v1), keys and prefixes decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListObjectsPage {
    /// The bucket.
    pub name: String,
    /// The prefix asked for.
    pub prefix: String,
    /// The marker this page started after.
    pub marker: String,
    /// The delimiter asked for.
    pub delimiter: Option<String>,
    /// The page size asked for.
    pub max_keys: Option<u32>,
    /// Whether more pages follow.
    pub is_truncated: bool,
    /// Where the next page starts, when COS says.
    pub next_marker: Option<String>,
    /// The objects of this page.
    pub contents: Vec<ObjectSummary>,
    /// The common prefixes (the "folders" under a delimiter).
    pub common_prefixes: Vec<String>,
}

impl ListObjectsPage {
    /// The marker for the next page: `NextMarker`, else the last key or common prefix.
    pub fn continuation(&self) -> Option<String> {
        if !self.is_truncated {
            return None;
        }
        if let Some(next) = self.next_marker.as_ref().filter(|m| !m.is_empty()) {
            return Some(next.clone());
        }
        let last_key = self.contents.last().map(|o| o.key.as_str());
        let last_prefix = self.common_prefixes.last().map(String::as_str);
        last_key.max(last_prefix).map(str::to_owned)
    }
}

/// An entry yielded by [`list_objects`](crate::Bucket::list_objects).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListEntry {
    /// An object.
    Object(ObjectSummary),
    /// A common prefix (with a delimiter).
    CommonPrefix(String),
}

/// Object attributes from a HEAD (or the head of a GET).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    /// `Content-Length`.
    pub content_length: Option<u64>,
    /// The ETag, quotes included.
    pub etag: Option<String>,
    /// `Last-Modified`.
    pub last_modified: Option<SystemTime>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `x-cos-hash-crc64ecma`, the CRC-64/XZ of the whole object.
    pub crc64: Option<u64>,
    /// `x-cos-storage-class` (absent means `STANDARD`).
    pub storage_class: Option<String>,
    /// `x-cos-object-type` (`normal`, `appendable`, ...).
    pub object_type: Option<String>,
    /// `x-cos-version-id`.
    pub version_id: Option<String>,
    /// User metadata: `x-cos-meta-<name>` headers, names lowercased, prefix removed.
    pub metadata: BTreeMap<String, String>,
    /// `x-cos-request-id`.
    pub request_id: Option<String>,
}

pub(crate) fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

pub(crate) fn header_string(headers: &HeaderMap, name: &str) -> Option<String> {
    header_str(headers, name).map(str::to_owned)
}

pub(crate) fn crc64_header(headers: &HeaderMap) -> Option<u64> {
    headers.get("x-cos-hash-crc64ecma").and_then(parse_header)
}

impl ObjectMeta {
    /// Reads the attributes from response headers.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let metadata = headers
            .iter()
            .filter_map(|(name, value)| {
                let user = name.as_str().strip_prefix("x-cos-meta-")?;
                Some((
                    user.to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                ))
            })
            .collect();
        ObjectMeta {
            content_length: header_str(headers, "content-length").and_then(|v| v.parse().ok()),
            etag: header_string(headers, "etag"),
            last_modified: header_str(headers, "last-modified")
                .and_then(|v| httpdate::parse_http_date(v).ok()),
            content_type: header_string(headers, "content-type"),
            crc64: crc64_header(headers),
            storage_class: header_string(headers, "x-cos-storage-class"),
            object_type: header_string(headers, "x-cos-object-type"),
            version_id: header_string(headers, "x-cos-version-id"),
            metadata,
            request_id: header_string(headers, "x-cos-request-id"),
        }
    }
}

/// The answer of PUT Object, Upload Part and Append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutObjectOutput {
    /// The ETag, quotes included.
    pub etag: Option<String>,
    /// `x-cos-hash-crc64ecma` as the server computed it (already checked against the sent bytes).
    pub crc64: Option<u64>,
    /// `x-cos-version-id`.
    pub version_id: Option<String>,
    /// `x-cos-request-id`.
    pub request_id: Option<String>,
}

impl PutObjectOutput {
    pub(crate) fn from_headers(headers: &HeaderMap) -> Self {
        PutObjectOutput {
            etag: header_string(headers, "etag"),
            crc64: crc64_header(headers),
            version_id: header_string(headers, "x-cos-version-id"),
            request_id: header_string(headers, "x-cos-request-id"),
        }
    }
}

/// The answer of Append Object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendObjectOutput {
    /// Where the next append must start (`x-cos-next-append-position`).
    pub next_position: u64,
    /// The ETag, quotes included.
    pub etag: Option<String>,
    /// `x-cos-hash-crc64ecma`: the checksum of the whole object after this append.
    pub crc64: Option<u64>,
    /// `x-cos-request-id`.
    pub request_id: Option<String>,
}

/// The answer of PUT Object - Copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyObjectOutput {
    /// The new object's ETag.
    pub etag: String,
    /// Its modification time (ISO 8601).
    pub last_modified: String,
    /// Its CRC-64/XZ, when COS reports it.
    pub crc64: Option<u64>,
    /// Its version id, on versioned buckets.
    pub version_id: Option<String>,
}

/// A key DELETE Multiple removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedObject {
    /// The key.
    pub key: String,
    /// The version, on versioned buckets.
    pub version_id: Option<String>,
    /// Whether a delete marker was created.
    pub delete_marker: bool,
}

/// A key DELETE Multiple could not remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedDelete {
    /// The key.
    pub key: String,
    /// The version, on versioned buckets.
    pub version_id: Option<String>,
    /// The COS error code (`AccessDenied`, ...).
    pub code: String,
    /// The message.
    pub message: String,
}

/// Per-key results of DELETE Multiple: a 200 can still carry failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteObjectsOutput {
    /// Keys removed (empty in quiet mode).
    pub deleted: Vec<DeletedObject>,
    /// Keys not removed, with the reason.
    pub failed: Vec<FailedDelete>,
}

/// The answer of Initiate Multipart Upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitiateMultipartUploadOutput {
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// The upload id every later call names.
    pub upload_id: String,
}

/// The answer of Complete Multipart Upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompleteMultipartUploadOutput {
    /// The object's URL.
    pub location: String,
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// The object's ETag.
    pub etag: String,
    /// `x-cos-hash-crc64ecma` of the whole object, when sent.
    pub crc64: Option<u64>,
}

/// One uploaded part of a [`ListPartsOutput`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartSummary {
    /// The part number (1..=10000).
    pub part_number: u32,
    /// Its ETag.
    pub etag: String,
    /// Its size.
    pub size: u64,
    /// When it was uploaded (ISO 8601).
    pub last_modified: String,
}

/// The answer of List Parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPartsOutput {
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// The upload id.
    pub upload_id: String,
    /// Whether more parts follow.
    pub is_truncated: bool,
    /// The marker for the next page.
    pub next_part_number_marker: Option<u32>,
    /// The parts of this page.
    pub parts: Vec<PartSummary>,
}

/// A multipart upload in progress (begun, neither completed nor aborted), as
/// [`list_multipart_uploads`](crate::Bucket::list_multipart_uploads) lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultipartUploadSummary {
    /// The key the upload writes, decoded.
    pub key: String,
    /// The upload id, to give [`Upload::resume_from_server`](crate::Upload::resume_from_server).
    pub upload_id: String,
    /// When the upload was begun (ISO 8601, as COS sends it).
    pub initiated: String,
    /// The storage class the object will have (`STANDARD`, ...), when listed.
    pub storage_class: Option<String>,
}

/// One page of List Multipart Uploads, keys decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListMultipartUploadsPage {
    /// The bucket.
    pub bucket: String,
    /// The prefix asked for.
    pub prefix: String,
    /// The key marker this page started after.
    pub key_marker: String,
    /// The upload id marker this page started after.
    pub upload_id_marker: String,
    /// Whether more pages follow.
    pub is_truncated: bool,
    /// The key marker of the next page, when COS says.
    pub next_key_marker: Option<String>,
    /// The upload id marker of the next page, when COS says.
    pub next_upload_id_marker: Option<String>,
    /// The uploads of this page, by key, then by when they were begun.
    pub uploads: Vec<MultipartUploadSummary>,
}

impl ListMultipartUploadsPage {
    /// The (key marker, upload id marker) of the next page: `NextKeyMarker` and
    /// `NextUploadIdMarker`, else the last upload's key and id; `None` when the page is not
    /// truncated, or truncated with nothing to continue from.
    ///
    /// A `NextKeyMarker` without `NextUploadIdMarker` is completed with the last upload's id
    /// when that upload has the marker's key: a key marker alone would make COS start after
    /// every upload of that key, skipping those of the key not listed yet.
    pub fn continuation(&self) -> Option<(String, Option<String>)> {
        if !self.is_truncated {
            return None;
        }
        if let Some(key) = self.next_key_marker.as_ref().filter(|m| !m.is_empty()) {
            let upload_id = self
                .next_upload_id_marker
                .clone()
                .filter(|m| !m.is_empty())
                .or_else(|| {
                    self.uploads
                        .last()
                        .filter(|last| last.key == *key)
                        .map(|last| last.upload_id.clone())
                });
            return Some((key.clone(), upload_id));
        }
        self.uploads
            .last()
            .map(|last| (last.key.clone(), Some(last.upload_id.clone())))
    }
}

/// A part to name in Complete Multipart Upload.
///
/// With the part's CRC-64 and size (as [`UploadPartOutput::completed`] fills them in), Complete
/// checks the assembled object's `x-cos-hash-crc64ecma` against the parts' combined checksum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedPart {
    /// The part number.
    pub part_number: u32,
    /// The ETag Upload Part returned.
    pub etag: String,
    /// The part's CRC-64/XZ, when known.
    pub crc64: Option<u64>,
    /// The part's size in bytes, when known.
    pub size: Option<u64>,
}

impl CompletedPart {
    /// A part known by number and ETag only (no checksum verification on Complete).
    pub fn new(part_number: u32, etag: impl Into<String>) -> Self {
        CompletedPart {
            part_number,
            etag: etag.into(),
            crc64: None,
            size: None,
        }
    }
}

/// The answer of Upload Part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPartOutput {
    /// The part number.
    pub part_number: u32,
    /// The part's size in bytes.
    pub size: u64,
    /// The part's ETag, quotes included.
    pub etag: Option<String>,
    /// `x-cos-hash-crc64ecma` of the part (already checked against the sent bytes).
    pub crc64: Option<u64>,
    /// `x-cos-request-id`.
    pub request_id: Option<String>,
}

impl UploadPartOutput {
    /// The entry to pass to Complete Multipart Upload (`None` if COS sent no ETag).
    pub fn completed(&self) -> Option<CompletedPart> {
        Some(CompletedPart {
            part_number: self.part_number,
            etag: self.etag.clone()?,
            crc64: self.crc64,
            size: Some(self.size),
        })
    }
}

/// The CRC-64 of the object assembled from `parts` (sorted by number), when every part's
/// checksum and size are known.
pub(crate) fn combined_crc64(parts: &[CompletedPart]) -> Option<u64> {
    let mut sorted: Vec<&CompletedPart> = parts.iter().collect();
    sorted.sort_by_key(|p| p.part_number);
    let mut iter = sorted.into_iter();
    let first = iter.next()?;
    let mut crc = first.crc64?;
    for part in iter {
        crc = crate::crc64::crc64_combine(crc, part.crc64?, part.size?);
    }
    Some(crc)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use futures::TryStreamExt;

    use crate::transport::scripted::{ScriptedResponse, ScriptedTransport};
    use crate::{Client, Credentials};

    #[tokio::test]
    async fn a_key_marker_without_an_upload_id_marker_continues_after_the_last_upload_of_the_key() {
        let transport = Arc::new(ScriptedTransport::new());
        // the page ends inside the uploads of key `k`; the next page holds its third upload
        transport.push(ScriptedResponse::status(200).body(
            "<ListMultipartUploadsResult><Bucket>b</Bucket><IsTruncated>true</IsTruncated>\
             <NextKeyMarker>k</NextKeyMarker><NextUploadIdMarker></NextUploadIdMarker>\
             <Upload><Key>k</Key><UploadId>u1</UploadId><Initiated>x</Initiated></Upload>\
             <Upload><Key>k</Key><UploadId>u2</UploadId><Initiated>x</Initiated></Upload>\
             </ListMultipartUploadsResult>",
        ));
        transport.push(ScriptedResponse::status(200).body(
            "<ListMultipartUploadsResult><Bucket>b</Bucket><IsTruncated>false</IsTruncated>\
             <Upload><Key>k</Key><UploadId>u3</UploadId><Initiated>x</Initiated></Upload>\
             </ListMultipartUploadsResult>",
        ));
        let bucket = Client::builder()
            .endpoint("http://127.0.0.1:9")
            .credentials(Credentials::new("AKIDtest", "secret"))
            .transport(transport.clone())
            .build()
            .unwrap()
            .bucket("examplebucket-1250000000")
            .unwrap();
        let uploads: Vec<_> = bucket
            .list_multipart_uploads()
            .uploads()
            .try_collect()
            .await
            .unwrap();
        let ids: Vec<&str> = uploads.iter().map(|u| u.upload_id.as_str()).collect();
        assert_eq!(ids, ["u1", "u2", "u3"]);
        let requests = transport.requests();
        assert_eq!(requests.len(), 2);
        let second = requests[1].uri.query().unwrap();
        assert!(
            second.contains("key-marker=k") && second.contains("upload-id-marker=u2"),
            "{second}"
        );
    }
}
