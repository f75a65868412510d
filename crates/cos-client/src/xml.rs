//! Decoding of COS success bodies and encoding of request bodies, on the shared
//! `cos_xml::codec` documents (the emulator encodes with the same types).
//!
//! `cos_xml::codec::decode` checks the root element first, so an `<Error>` answered with a
//! 200 is never read as an empty result. This module maps the documents onto the client's
//! [`model`](crate::model) types and decodes `encoding-type=url` listings.

use std::fmt;

use cos_xml::codec::{self, DecodeError};

use crate::model::{
    BucketSummary, CompleteMultipartUploadOutput, CopyObjectOutput, DeleteObjectsOutput,
    DeletedObject, FailedDelete, InitiateMultipartUploadOutput, ListBucketsOutput,
    ListMultipartUploadsPage, ListObjectsPage, ListPartsOutput, MultipartUploadSummary,
    ObjectSummary, Owner, PartSummary,
};

/// Why a success body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum XmlError {
    /// The document could not be decoded (wrong root, `<Error>` root, malformed).
    Document(DecodeError),
    /// A required element is missing or has an unreadable value.
    Field {
        element: &'static str,
        problem: &'static str,
    },
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            XmlError::Document(error) => error.fmt(f),
            XmlError::Field { element, problem } => write!(f, "<{element}> {problem}"),
        }
    }
}

impl std::error::Error for XmlError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            XmlError::Document(error) => Some(error),
            XmlError::Field { .. } => None,
        }
    }
}

impl From<DecodeError> for XmlError {
    fn from(error: DecodeError) -> Self {
        XmlError::Document(error)
    }
}

/// Whether the body is an `<Error>` document (checked on the 200 answers of Copy and Complete).
pub(crate) fn is_error_document(body: &[u8]) -> bool {
    cos_xml::parse_error(body).is_ok()
}

fn owner(owner: codec::Owner) -> Owner {
    Owner {
        id: owner.id,
        display_name: owner.display_name,
    }
}

fn required(value: String, element: &'static str) -> Result<String, XmlError> {
    if value.trim().is_empty() {
        return Err(XmlError::Field {
            element,
            problem: "is missing or empty",
        });
    }
    Ok(value)
}

pub(crate) fn list_buckets(body: &[u8]) -> Result<ListBucketsOutput, XmlError> {
    let document: codec::ListAllMyBucketsResult = codec::decode(body)?;
    let buckets = document
        .buckets
        .bucket
        .into_iter()
        .map(|b| {
            Ok(BucketSummary {
                name: required(b.name, "Name")?,
                location: b.location,
                creation_date: b.creation_date,
            })
        })
        .collect::<Result<_, XmlError>>()?;
    Ok(ListBucketsOutput {
        owner: Some(owner(document.owner)),
        buckets,
    })
}

/// Decodes a GET Bucket page; with `EncodingType` `url`, the key-like fields are percent-decoded.
pub(crate) fn list_objects(body: &[u8]) -> Result<ListObjectsPage, XmlError> {
    let document: codec::ListBucketResult = codec::decode(body)?;
    let url_encoded = document
        .encoding_type
        .as_deref()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("url"));
    let decode = |value, element| url_decoded(url_encoded, value, element);
    let contents = document
        .contents
        .into_iter()
        .map(|entry| {
            Ok(ObjectSummary {
                key: decode(entry.key, "Key")?,
                last_modified: entry.last_modified,
                etag: entry.etag,
                size: entry.size,
                storage_class: Some(entry.storage_class).filter(|c| !c.is_empty()),
                owner: entry.owner.map(owner),
            })
        })
        .collect::<Result<_, XmlError>>()?;
    let common_prefixes = document
        .common_prefixes
        .into_iter()
        .map(|p| decode(p.prefix, "Prefix"))
        .collect::<Result<_, XmlError>>()?;
    Ok(ListObjectsPage {
        name: document.name,
        prefix: decode(document.prefix, "Prefix")?,
        marker: decode(document.marker, "Marker")?,
        delimiter: document
            .delimiter
            .filter(|d| !d.is_empty())
            .map(|d| decode(d, "Delimiter"))
            .transpose()?,
        max_keys: Some(document.max_keys).filter(|&m| m > 0),
        is_truncated: document.is_truncated,
        next_marker: document
            .next_marker
            .filter(|m| !m.is_empty())
            .map(|m| decode(m, "NextMarker"))
            .transpose()?,
        contents,
        common_prefixes,
    })
}

/// Percent-decodes `value` when the listing says `EncodingType` `url`.
fn url_decoded(
    url_encoded: bool,
    value: String,
    element: &'static str,
) -> Result<String, XmlError> {
    if !url_encoded {
        return Ok(value);
    }
    percent_encoding::percent_decode_str(&value)
        .decode_utf8()
        .map(|v| v.into_owned())
        .map_err(|_| XmlError::Field {
            element,
            problem: "is not URL-encoded UTF-8",
        })
}

/// Decodes a List Multipart Uploads page; with `EncodingType` `url`, keys and markers are
/// percent-decoded (upload ids are not encoded).
pub(crate) fn list_multipart_uploads(body: &[u8]) -> Result<ListMultipartUploadsPage, XmlError> {
    let document: codec::ListMultipartUploadsResult = codec::decode(body)?;
    let url_encoded = document
        .encoding_type
        .as_deref()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("url"));
    let uploads = document
        .uploads
        .into_iter()
        .map(|upload| {
            Ok(MultipartUploadSummary {
                key: url_decoded(url_encoded, upload.key, "Key")?,
                upload_id: required(upload.upload_id, "UploadId")?,
                initiated: upload.initiated,
                storage_class: Some(upload.storage_class).filter(|c| !c.is_empty()),
            })
        })
        .collect::<Result<_, XmlError>>()?;
    Ok(ListMultipartUploadsPage {
        bucket: document.bucket,
        prefix: url_decoded(url_encoded, document.prefix.unwrap_or_default(), "Prefix")?,
        key_marker: url_decoded(url_encoded, document.key_marker, "KeyMarker")?,
        upload_id_marker: document.upload_id_marker,
        is_truncated: document.is_truncated,
        next_key_marker: Some(document.next_key_marker)
            .filter(|m| !m.is_empty())
            .map(|m| url_decoded(url_encoded, m, "NextKeyMarker"))
            .transpose()?,
        next_upload_id_marker: Some(document.next_upload_id_marker).filter(|m| !m.is_empty()),
        uploads,
    })
}

pub(crate) fn initiate_multipart(body: &[u8]) -> Result<InitiateMultipartUploadOutput, XmlError> {
    let document: codec::InitiateMultipartUploadResult = codec::decode(body)?;
    Ok(InitiateMultipartUploadOutput {
        bucket: document.bucket,
        key: document.key,
        upload_id: required(document.upload_id, "UploadId")?,
    })
}

pub(crate) fn complete_multipart(body: &[u8]) -> Result<CompleteMultipartUploadOutput, XmlError> {
    let document: codec::CompleteMultipartUploadResult = codec::decode(body)?;
    Ok(CompleteMultipartUploadOutput {
        location: document.location,
        bucket: document.bucket,
        key: document.key,
        etag: required(document.etag, "ETag")?,
        crc64: None,
    })
}

pub(crate) fn copy_object(body: &[u8]) -> Result<CopyObjectOutput, XmlError> {
    let document: codec::CopyObjectResult = codec::decode(body)?;
    let crc64 = document
        .crc64
        .filter(|c| !c.trim().is_empty())
        .map(|c| {
            c.trim().parse().map_err(|_| XmlError::Field {
                element: "CRC64",
                problem: "is not a number",
            })
        })
        .transpose()?;
    Ok(CopyObjectOutput {
        etag: required(document.etag, "ETag")?,
        last_modified: document.last_modified,
        crc64,
        version_id: document.version_id.filter(|v| !v.is_empty()),
    })
}

pub(crate) fn delete_result(body: &[u8]) -> Result<DeleteObjectsOutput, XmlError> {
    let document: codec::DeleteResult = codec::decode(body)?;
    let deleted = document
        .deleted
        .into_iter()
        .map(|d| DeletedObject {
            key: d.key,
            version_id: d.version_id.filter(|v| !v.is_empty()),
            delete_marker: d.delete_marker.unwrap_or(false),
        })
        .collect();
    let failed = document
        .errors
        .into_iter()
        .map(|e| FailedDelete {
            key: e.key,
            version_id: e.version_id.filter(|v| !v.is_empty()),
            code: e.code,
            message: e.message,
        })
        .collect();
    Ok(DeleteObjectsOutput { deleted, failed })
}

pub(crate) fn list_parts(body: &[u8]) -> Result<ListPartsOutput, XmlError> {
    let document: codec::ListPartsResult = codec::decode(body)?;
    let parts = document
        .parts
        .into_iter()
        .map(|part| PartSummary {
            part_number: part.part_number,
            etag: part.etag,
            size: part.size,
            last_modified: part.last_modified,
        })
        .collect();
    Ok(ListPartsOutput {
        bucket: document.bucket,
        key: document.key,
        upload_id: document.upload_id,
        is_truncated: document.is_truncated,
        next_part_number_marker: Some(document.next_part_number_marker).filter(|&m| m > 0),
        parts,
    })
}

/// The `<Delete>` request body of DELETE Multiple.
pub(crate) fn encode_delete(keys: &[String], quiet: bool) -> String {
    let objects = keys
        .iter()
        .map(|key| codec::ObjectIdentifier {
            key: key.clone(),
            version_id: None,
        })
        .collect();
    codec::encode(&codec::Delete { quiet, objects })
}

/// The `<CompleteMultipartUpload>` request body; `parts` are (part number, ETag).
pub(crate) fn encode_complete(parts: &[(u32, String)]) -> String {
    let parts = parts
        .iter()
        .map(|(number, etag)| codec::CompletedPart {
            part_number: *number,
            etag: etag.clone(),
        })
        .collect();
    codec::encode(&codec::CompleteMultipartUpload { parts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_root_is_not_a_result() {
        let body = b"<?xml version='1.0'?><Error><Code>InternalError</Code></Error>";
        assert_eq!(
            copy_object(body).unwrap_err(),
            XmlError::Document(DecodeError::ErrorDocument)
        );
        assert!(is_error_document(body));
        assert!(!is_error_document(
            b"<CopyObjectResult><ETag>e</ETag></CopyObjectResult>"
        ));
    }

    #[test]
    fn list_objects_decodes_url_encoding_and_prefixes() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://example.com/doc">
  <Name>b-1250000000</Name><EncodingType>url</EncodingType><Prefix>a%2F</Prefix><Marker></Marker>
  <MaxKeys>2</MaxKeys><Delimiter>%2F</Delimiter><IsTruncated>true</IsTruncated><NextMarker>a%2Fc%20d</NextMarker>
  <CommonPrefixes><Prefix>a%2Fsub%2F</Prefix></CommonPrefixes>
  <Contents><Key>a%2Fc%20d</Key><LastModified>2019-05-16T06:45:51.000Z</LastModified>
    <ETag>&quot;abc&quot;</ETag><Size>12</Size><StorageClass>STANDARD</StorageClass></Contents>
</ListBucketResult>"#;
        let page = list_objects(body).unwrap();
        assert_eq!(page.prefix, "a/");
        assert_eq!(page.delimiter.as_deref(), Some("/"));
        assert!(page.is_truncated);
        assert_eq!(page.next_marker.as_deref(), Some("a/c d"));
        assert_eq!(page.common_prefixes, vec!["a/sub/".to_owned()]);
        assert_eq!(page.contents[0].key, "a/c d");
        assert_eq!(page.contents[0].etag, "\"abc\"");
        assert_eq!(page.contents[0].size, 12);
    }

    #[test]
    fn truncated_document_is_malformed() {
        let body = b"<ListBucketResult><Name>b</Name><Contents><Key>k";
        assert!(matches!(list_objects(body), Err(XmlError::Document(_))));
    }

    #[test]
    fn delete_result_separates_failures() {
        let body = b"<DeleteResult><Deleted><Key>a</Key></Deleted><Error><Key>b</Key><Code>AccessDenied</Code><Message>no</Message></Error></DeleteResult>";
        let result = delete_result(body).unwrap();
        assert_eq!(result.deleted.len(), 1);
        assert_eq!(result.failed[0].key, "b");
        assert_eq!(result.failed[0].code, "AccessDenied");
    }

    #[test]
    fn encoders_escape_text() {
        let delete = encode_delete(&["a&b".into()], true);
        assert!(
            delete.contains("<Quiet>true</Quiet><Object><Key>a&amp;b</Key></Object>"),
            "{delete}"
        );
        assert!(
            encode_complete(&[(1, "\"e\"".into())])
                .contains("<PartNumber>1</PartNumber><ETag>\"e\"</ETag>")
        );
    }
}
