//! The XML bodies of COS requests and responses, for clients and servers alike.
//!
//! Each document is a plain owned struct that [`decode`]s from and [`encode`]s to the
//! XML COS sends (COS doc ids in each type's docs). Decoding checks the root element
//! first, so an `<Error>` answered with status 200 (Copy, UploadPartCopy and
//! CompleteMultipartUpload do this) is [`DecodeError::ErrorDocument`], never a
//! default-filled success; unknown elements are ignored and element order does not
//! matter.
//!
//! ```
//! use cos_xml::codec::{self, CompleteMultipartUpload, CompletedPart, InitiateMultipartUploadResult};
//!
//! let body = b"<InitiateMultipartUploadResult><Bucket>examplebucket-1250000000</Bucket>\
//!     <Key>big.bin</Key><UploadId>1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361</UploadId>\
//!     </InitiateMultipartUploadResult>";
//! let started: InitiateMultipartUploadResult = codec::decode(body)?;
//! assert_eq!(started.key, "big.bin");
//!
//! let complete = CompleteMultipartUpload {
//!     parts: vec![CompletedPart { part_number: 1, etag: "\"a1\"".into() }],
//! };
//! let xml = codec::encode(&complete);
//! assert!(xml.contains("<Part><PartNumber>1</PartNumber><ETag>\"a1\"</ETag></Part>"));
//!
//! // A 200 that carries an <Error> is an error, not an empty result.
//! let failed = codec::decode::<InitiateMultipartUploadResult>(b"<Error><Code>InternalError</Code></Error>");
//! assert!(matches!(failed, Err(codec::DecodeError::ErrorDocument)));
//! # Ok::<(), codec::DecodeError>(())
//! ```

use std::fmt;

use quick_xml::Reader;
use quick_xml::events::Event;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A COS XML document: its root element name ties the struct to the wire.
pub trait Document: Serialize + DeserializeOwned {
    /// The root element's name, e.g. `ListBucketResult`.
    const ROOT: &'static str;
}

/// Why a body could not be decoded as the expected document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The root element is `<Error>`: the server reported a failure (read it with
    /// [`parse_error`](crate::parse_error)).
    ErrorDocument,
    /// The root element is another one than expected.
    UnexpectedRoot {
        /// The root the document type requires.
        expected: &'static str,
        /// The root found, or `None` when the body holds no element at all.
        found: Option<String>,
    },
    /// The body is not valid UTF-8.
    NotUtf8,
    /// The XML is malformed, or a value does not fit its field (a size that is not a number…).
    Invalid(String),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::ErrorDocument => f.write_str("the body is an <Error> document"),
            DecodeError::UnexpectedRoot {
                expected,
                found: Some(found),
            } => write!(f, "expected a <{expected}> document, found <{found}>"),
            DecodeError::UnexpectedRoot {
                expected,
                found: None,
            } => write!(f, "expected a <{expected}> document, found no XML element"),
            DecodeError::NotUtf8 => f.write_str("the body is not valid UTF-8"),
            DecodeError::Invalid(reason) => write!(f, "invalid XML document: {reason}"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Decodes a document, after checking that its root element is `T::ROOT`.
pub fn decode<T: Document>(body: &[u8]) -> Result<T, DecodeError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let text = std::str::from_utf8(body).map_err(|_| DecodeError::NotUtf8)?;
    match root_name(text) {
        Some(root) if root.eq_ignore_ascii_case("Error") && T::ROOT != "Error" => {
            Err(DecodeError::ErrorDocument)
        }
        Some(root) if root == T::ROOT => {
            quick_xml::de::from_str(text).map_err(|error| DecodeError::Invalid(error.to_string()))
        }
        found => Err(DecodeError::UnexpectedRoot {
            expected: T::ROOT,
            found: found.map(str::to_owned),
        }),
    }
}

/// Encodes a document with an XML declaration, as COS writes them.
pub fn encode<T: Document>(document: &T) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    // Serialising these plain structs into a String cannot fail: every field is a
    // string, number, bool, or a sequence or option of those.
    quick_xml::se::to_writer_with_root(&mut xml, T::ROOT, document)
        .expect("COS documents always serialise");
    xml
}

/// The local name of the root element, skipping the prolog.
fn root_name(text: &str) -> Option<&str> {
    let mut reader = Reader::from_str(text);
    loop {
        match reader.read_event().ok()? {
            Event::Start(start) | Event::Empty(start) => {
                let name = start.local_name();
                // Re-borrow from `text`, which outlives the event.
                let name: &str = name.as_ref();
                return crate::span_in(text.as_bytes(), name.as_bytes()).map(|span| &text[span]);
            }
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
            Event::Text(t) if t.trim().is_empty() => {}
            _ => return None,
        }
    }
}

macro_rules! document {
    ($type:ty, $root:literal) => {
        impl Document for $type {
            const ROOT: &'static str = $root;
        }
    };
}

/// An owner or initiator: `<ID>` and `<DisplayName>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    /// `<ID>`, e.g. `qcs::cam::uin/100000000001:uin/100000000001`.
    #[serde(rename = "ID", default)]
    pub id: String,
    /// `<DisplayName>`.
    #[serde(rename = "DisplayName", default)]
    pub display_name: String,
}

/// One `<Prefix>` of `<CommonPrefixes>`: a "directory" rolled up by the delimiter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommonPrefix {
    /// `<Prefix>`.
    #[serde(rename = "Prefix", default)]
    pub prefix: String,
}

/// GET Bucket (List Objects v1, doc 436/7734): `<ListBucketResult>`.
///
/// With `encoding-type=url`, `prefix`, `marker`, `next_marker`, `delimiter`, each key and
/// each common prefix are percent-encoded as the server sent them; decoding them is the
/// caller's job (`encoding_type` says when).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListBucketResult {
    /// `<Name>`: the bucket.
    #[serde(rename = "Name", default)]
    pub name: String,
    /// `<EncodingType>`: `url` when keys are percent-encoded.
    #[serde(
        rename = "EncodingType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub encoding_type: Option<String>,
    /// `<Prefix>`.
    #[serde(rename = "Prefix", default)]
    pub prefix: String,
    /// `<Marker>`.
    #[serde(rename = "Marker", default)]
    pub marker: String,
    /// `<MaxKeys>`.
    #[serde(rename = "MaxKeys", default)]
    pub max_keys: u32,
    /// `<Delimiter>`.
    #[serde(rename = "Delimiter", default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// `<IsTruncated>`: more results follow.
    #[serde(rename = "IsTruncated", default)]
    pub is_truncated: bool,
    /// `<NextMarker>`: where the next page starts (only on truncated pages; when it is
    /// missing, resume after the last key or common prefix).
    #[serde(
        rename = "NextMarker",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_marker: Option<String>,
    /// `<CommonPrefixes>`, in order.
    #[serde(rename = "CommonPrefixes", default)]
    pub common_prefixes: Vec<CommonPrefix>,
    /// `<Contents>`: the objects, in key order.
    #[serde(rename = "Contents", default)]
    pub contents: Vec<ObjectEntry>,
}
document!(ListBucketResult, "ListBucketResult");

/// One `<Contents>` entry of a listing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectEntry {
    /// `<Key>`.
    #[serde(rename = "Key", default)]
    pub key: String,
    /// `<LastModified>`, ISO 8601 with milliseconds (`2019-05-16T06:45:51.000Z`).
    #[serde(rename = "LastModified", default)]
    pub last_modified: String,
    /// `<ETag>`, quoted as sent.
    #[serde(rename = "ETag", default)]
    pub etag: String,
    /// `<Size>` in bytes.
    #[serde(rename = "Size", default)]
    pub size: u64,
    /// `<Owner>`.
    #[serde(rename = "Owner", default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    /// `<StorageClass>`, e.g. `STANDARD`.
    #[serde(rename = "StorageClass", default)]
    pub storage_class: String,
    /// `<StorageTier>` (intelligent tiering).
    #[serde(
        rename = "StorageTier",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub storage_tier: Option<String>,
}

/// GET Service (List Buckets, doc 436/8291): `<ListAllMyBucketsResult>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListAllMyBucketsResult {
    /// `<Owner>`.
    #[serde(rename = "Owner", default)]
    pub owner: Owner,
    /// `<Buckets>`.
    #[serde(rename = "Buckets", default)]
    pub buckets: Buckets,
    /// `<Marker>` (paged listings).
    #[serde(rename = "Marker", default, skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
    /// `<NextMarker>` (paged listings).
    #[serde(
        rename = "NextMarker",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_marker: Option<String>,
    /// `<IsTruncated>` (paged listings).
    #[serde(
        rename = "IsTruncated",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub is_truncated: Option<bool>,
}
document!(ListAllMyBucketsResult, "ListAllMyBucketsResult");

/// `<Buckets>`: the list of `<Bucket>` entries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Buckets {
    /// `<Bucket>` entries.
    #[serde(rename = "Bucket", default)]
    pub bucket: Vec<BucketEntry>,
}

/// One `<Bucket>` of a bucket listing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketEntry {
    /// `<Name>`: `<name>-<appid>`.
    #[serde(rename = "Name", default)]
    pub name: String,
    /// `<Location>`: the region.
    #[serde(rename = "Location", default)]
    pub location: String,
    /// `<CreationDate>`, ISO 8601.
    #[serde(rename = "CreationDate", default)]
    pub creation_date: String,
    /// `<BucketType>`, e.g. `cos`.
    #[serde(
        rename = "BucketType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub bucket_type: Option<String>,
}

/// Initiate Multipart Upload (doc 436/7746): `<InitiateMultipartUploadResult>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitiateMultipartUploadResult {
    /// `<Bucket>`.
    #[serde(rename = "Bucket", default)]
    pub bucket: String,
    /// `<Key>`.
    #[serde(rename = "Key", default)]
    pub key: String,
    /// `<UploadId>`: names the upload in every later call.
    #[serde(rename = "UploadId")]
    pub upload_id: String,
}
document!(
    InitiateMultipartUploadResult,
    "InitiateMultipartUploadResult"
);

/// Complete Multipart Upload request body (doc 436/7742): `<CompleteMultipartUpload>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompleteMultipartUpload {
    /// `<Part>` entries, in ascending part number.
    #[serde(rename = "Part", default)]
    pub parts: Vec<CompletedPart>,
}
document!(CompleteMultipartUpload, "CompleteMultipartUpload");

/// One `<Part>` of a completion request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletedPart {
    /// `<PartNumber>`, 1..=10000.
    #[serde(rename = "PartNumber")]
    pub part_number: u32,
    /// `<ETag>` of the part, as Upload Part returned it (quoted).
    #[serde(rename = "ETag")]
    pub etag: String,
}

/// Complete Multipart Upload result: `<CompleteMultipartUploadResult>`.
///
/// The whole object's CRC64 comes back in the `x-cos-hash-crc64ecma` header, not here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompleteMultipartUploadResult {
    /// `<Location>`.
    #[serde(rename = "Location", default)]
    pub location: String,
    /// `<Bucket>`.
    #[serde(rename = "Bucket", default)]
    pub bucket: String,
    /// `<Key>`.
    #[serde(rename = "Key", default)]
    pub key: String,
    /// `<ETag>` of the whole object. Required: a result without it is not a success.
    #[serde(rename = "ETag")]
    pub etag: String,
}
document!(
    CompleteMultipartUploadResult,
    "CompleteMultipartUploadResult"
);

/// DELETE Multiple request body (doc 436/8289): `<Delete>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delete {
    /// `<Quiet>`: list only the failures in the result.
    #[serde(rename = "Quiet", default)]
    pub quiet: bool,
    /// `<Object>` entries, 1..=1000.
    #[serde(rename = "Object", default)]
    pub objects: Vec<ObjectIdentifier>,
}
document!(Delete, "Delete");

/// One `<Object>` to delete.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectIdentifier {
    /// `<Key>`.
    #[serde(rename = "Key")]
    pub key: String,
    /// `<VersionId>`.
    #[serde(rename = "VersionId", default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

/// DELETE Multiple result: `<DeleteResult>`. `<Error>` children are per-key failures
/// of a request that as a whole succeeded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteResult {
    /// `<Deleted>` entries.
    #[serde(rename = "Deleted", default)]
    pub deleted: Vec<DeletedObject>,
    /// `<Error>` entries.
    #[serde(rename = "Error", default)]
    pub errors: Vec<DeleteFailure>,
}
document!(DeleteResult, "DeleteResult");

/// One `<Deleted>` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedObject {
    /// `<Key>`.
    #[serde(rename = "Key")]
    pub key: String,
    /// `<VersionId>`.
    #[serde(rename = "VersionId", default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// `<DeleteMarker>`.
    #[serde(
        rename = "DeleteMarker",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub delete_marker: Option<bool>,
    /// `<DeleteMarkerVersionId>`.
    #[serde(
        rename = "DeleteMarkerVersionId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub delete_marker_version_id: Option<String>,
}

/// One per-key `<Error>` entry of a `<DeleteResult>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteFailure {
    /// `<Key>`.
    #[serde(rename = "Key")]
    pub key: String,
    /// `<VersionId>`.
    #[serde(rename = "VersionId", default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// `<Code>`, e.g. `AccessDenied`.
    #[serde(rename = "Code", default)]
    pub code: String,
    /// `<Message>`.
    #[serde(rename = "Message", default)]
    pub message: String,
}

/// PUT Object - Copy result (doc 436/10881): `<CopyObjectResult>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyObjectResult {
    /// `<ETag>` of the new object. Required: a result without it is not a success.
    #[serde(rename = "ETag")]
    pub etag: String,
    /// `<LastModified>`.
    #[serde(rename = "LastModified", default)]
    pub last_modified: String,
    /// `<CRC64>`: the new object's CRC-64/XZ as an unsigned decimal string.
    #[serde(rename = "CRC64", default, skip_serializing_if = "Option::is_none")]
    pub crc64: Option<String>,
    /// `<VersionId>`.
    #[serde(rename = "VersionId", default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}
document!(CopyObjectResult, "CopyObjectResult");

/// Upload Part - Copy result: `<CopyPartResult>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyPartResult {
    /// `<ETag>` of the part. Required.
    #[serde(rename = "ETag")]
    pub etag: String,
    /// `<LastModified>`.
    #[serde(rename = "LastModified", default)]
    pub last_modified: String,
}
document!(CopyPartResult, "CopyPartResult");

/// List Parts (doc 436/7747): `<ListPartsResult>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListPartsResult {
    /// `<Bucket>`.
    #[serde(rename = "Bucket", default)]
    pub bucket: String,
    /// `<EncodingType>`.
    #[serde(
        rename = "EncodingType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub encoding_type: Option<String>,
    /// `<Key>`.
    #[serde(rename = "Key", default)]
    pub key: String,
    /// `<UploadId>`.
    #[serde(rename = "UploadId", default)]
    pub upload_id: String,
    /// `<Initiator>`.
    #[serde(rename = "Initiator", default, skip_serializing_if = "Option::is_none")]
    pub initiator: Option<Owner>,
    /// `<Owner>`.
    #[serde(rename = "Owner", default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    /// `<StorageClass>`.
    #[serde(rename = "StorageClass", default)]
    pub storage_class: String,
    /// `<PartNumberMarker>`.
    #[serde(rename = "PartNumberMarker", default)]
    pub part_number_marker: u32,
    /// `<NextPartNumberMarker>`.
    #[serde(rename = "NextPartNumberMarker", default)]
    pub next_part_number_marker: u32,
    /// `<MaxParts>`.
    #[serde(rename = "MaxParts", default)]
    pub max_parts: u32,
    /// `<IsTruncated>`.
    #[serde(rename = "IsTruncated", default)]
    pub is_truncated: bool,
    /// `<Part>` entries.
    #[serde(rename = "Part", default)]
    pub parts: Vec<PartEntry>,
}
document!(ListPartsResult, "ListPartsResult");

/// One `<Part>` of a part listing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartEntry {
    /// `<PartNumber>`.
    #[serde(rename = "PartNumber")]
    pub part_number: u32,
    /// `<LastModified>`.
    #[serde(rename = "LastModified", default)]
    pub last_modified: String,
    /// `<ETag>`.
    #[serde(rename = "ETag", default)]
    pub etag: String,
    /// `<Size>`.
    #[serde(rename = "Size", default)]
    pub size: u64,
}

/// List Multipart Uploads (doc 436/7736): `<ListMultipartUploadsResult>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListMultipartUploadsResult {
    /// `<Bucket>`.
    #[serde(rename = "Bucket", default)]
    pub bucket: String,
    /// `<EncodingType>`.
    #[serde(
        rename = "EncodingType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub encoding_type: Option<String>,
    /// `<KeyMarker>`.
    #[serde(rename = "KeyMarker", default)]
    pub key_marker: String,
    /// `<UploadIdMarker>`.
    #[serde(rename = "UploadIdMarker", default)]
    pub upload_id_marker: String,
    /// `<NextKeyMarker>`.
    #[serde(rename = "NextKeyMarker", default)]
    pub next_key_marker: String,
    /// `<NextUploadIdMarker>`.
    #[serde(rename = "NextUploadIdMarker", default)]
    pub next_upload_id_marker: String,
    /// `<MaxUploads>`.
    #[serde(rename = "MaxUploads", default)]
    pub max_uploads: u32,
    /// `<IsTruncated>`.
    #[serde(rename = "IsTruncated", default)]
    pub is_truncated: bool,
    /// `<Prefix>`.
    #[serde(rename = "Prefix", default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// `<Delimiter>`.
    #[serde(rename = "Delimiter", default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// `<Upload>` entries.
    #[serde(rename = "Upload", default)]
    pub uploads: Vec<UploadEntry>,
    /// `<CommonPrefixes>`.
    #[serde(rename = "CommonPrefixes", default)]
    pub common_prefixes: Vec<CommonPrefix>,
}
document!(ListMultipartUploadsResult, "ListMultipartUploadsResult");

/// One `<Upload>` of an upload listing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadEntry {
    /// `<Key>`.
    #[serde(rename = "Key", default)]
    pub key: String,
    /// `<UploadId>`.
    #[serde(rename = "UploadId", default)]
    pub upload_id: String,
    /// `<StorageClass>`.
    #[serde(rename = "StorageClass", default)]
    pub storage_class: String,
    /// `<Initiator>`.
    #[serde(rename = "Initiator", default, skip_serializing_if = "Option::is_none")]
    pub initiator: Option<Owner>,
    /// `<Owner>`.
    #[serde(rename = "Owner", default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    /// `<Initiated>`, ISO 8601.
    #[serde(rename = "Initiated", default)]
    pub initiated: String,
}

/// The `<Error>` body a server sends, for servers and tests that write one.
///
/// Every field is written, empty or not: the official Python SDK rejects an error body
/// that lacks any of `Code`, `Message`, `Resource` or `RequestId`. Read error bodies with
/// [`parse_error`](crate::parse_error), which is far more forgiving than this type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDocument {
    /// `<Code>`.
    #[serde(rename = "Code")]
    pub code: String,
    /// `<Message>`.
    #[serde(rename = "Message")]
    pub message: String,
    /// `<Resource>`.
    #[serde(rename = "Resource")]
    pub resource: String,
    /// `<RequestId>`.
    #[serde(rename = "RequestId")]
    pub request_id: String,
    /// `<TraceId>`.
    #[serde(rename = "TraceId")]
    pub trace_id: String,
}
document!(ErrorDocument, "Error");
