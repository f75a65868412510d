//! Every XML body the emulator reads or writes, through the shared `cos_xml::codec`
//! documents (the same ones the client decodes and encodes).

use cos_xml::codec;

use crate::error::{CosError, CosResult};
use crate::store::{BucketInfo, CompletedPart, ObjectMeta, ObjectPage, Part, PartPage, UploadPage};
use crate::time::iso8601;

/// The owner every listing names (the emulator has one account).
pub(crate) struct Owner<'a> {
    pub(crate) id: &'a str,
}

/// The COS error document (all of Code, Message, Resource, RequestId, TraceId).
pub(crate) fn error(
    code: &str,
    message: &str,
    resource: &str,
    request_id: &str,
    trace_id: &str,
) -> Vec<u8> {
    encode(&codec::ErrorDocument {
        code: code.to_owned(),
        message: message.to_owned(),
        resource: resource.to_owned(),
        request_id: request_id.to_owned(),
        trace_id: trace_id.to_owned(),
    })
}

fn encode<T: codec::Document>(document: &T) -> Vec<u8> {
    codec::encode(document).into_bytes()
}

fn owner(owner: &Owner<'_>) -> codec::Owner {
    codec::Owner {
        id: owner.id.to_owned(),
        display_name: owner.id.to_owned(),
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub(crate) fn list_buckets(owner_: &Owner<'_>, buckets: &[BucketInfo]) -> Vec<u8> {
    encode(&codec::ListAllMyBucketsResult {
        owner: owner(owner_),
        buckets: codec::Buckets {
            bucket: buckets
                .iter()
                .map(|b| codec::BucketEntry {
                    name: b.name.clone(),
                    location: b.region.clone(),
                    creation_date: iso8601(b.created),
                    bucket_type: Some("cos".to_owned()),
                })
                .collect(),
        },
        ..codec::ListAllMyBucketsResult::default()
    })
}

/// `<LocationConstraint>region</LocationConstraint>`: a root with text only.
pub(crate) fn location_constraint(region: &str) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint>{}</LocationConstraint>",
        quick_xml::escape::partial_escape(region)
    )
    .into_bytes()
}

/// Parameters of a GET Bucket request echoed in its answer.
pub(crate) struct ListObjectsEcho<'a> {
    pub(crate) bucket: &'a str,
    pub(crate) prefix: &'a str,
    pub(crate) marker: &'a str,
    pub(crate) delimiter: Option<&'a str>,
    pub(crate) max_keys: usize,
    pub(crate) url_encode: bool,
}

pub(crate) fn list_objects(
    echo: &ListObjectsEcho<'_>,
    owner_: &Owner<'_>,
    page: &ObjectPage,
) -> Vec<u8> {
    let encode_text = |text: &str| -> String {
        if echo.url_encode {
            url_encode(text)
        } else {
            text.to_owned()
        }
    };
    encode(&codec::ListBucketResult {
        name: echo.bucket.to_owned(),
        encoding_type: echo.url_encode.then(|| "url".to_owned()),
        prefix: encode_text(echo.prefix),
        marker: encode_text(echo.marker),
        max_keys: count(echo.max_keys),
        delimiter: echo.delimiter.map(encode_text),
        is_truncated: page.truncated,
        next_marker: page.next_marker.as_deref().map(encode_text),
        common_prefixes: page
            .common_prefixes
            .iter()
            .map(|p| codec::CommonPrefix {
                prefix: encode_text(p),
            })
            .collect(),
        contents: page
            .contents
            .iter()
            .map(|(key, meta)| codec::ObjectEntry {
                key: encode_text(key),
                last_modified: iso8601(meta.last_modified),
                etag: meta.etag.clone(),
                size: meta.size,
                owner: Some(owner(owner_)),
                storage_class: meta.storage_class.clone(),
                storage_tier: None,
            })
            .collect(),
    })
}

pub(crate) fn initiate_multipart(bucket: &str, key: &str, upload_id: &str) -> Vec<u8> {
    encode(&codec::InitiateMultipartUploadResult {
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        upload_id: upload_id.to_owned(),
    })
}

pub(crate) fn complete_multipart(location: &str, bucket: &str, key: &str, etag: &str) -> Vec<u8> {
    encode(&codec::CompleteMultipartUploadResult {
        location: location.to_owned(),
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        etag: etag.to_owned(),
    })
}

pub(crate) fn copy_object(meta: &ObjectMeta) -> Vec<u8> {
    encode(&codec::CopyObjectResult {
        etag: meta.etag.clone(),
        last_modified: iso8601(meta.last_modified),
        crc64: Some(meta.crc64.to_string()),
        version_id: None,
    })
}

pub(crate) fn copy_part(part: &Part) -> Vec<u8> {
    encode(&codec::CopyPartResult {
        etag: part.etag(),
        last_modified: iso8601(part.last_modified),
    })
}

pub(crate) fn list_parts(
    page: &PartPage,
    owner_: &Owner<'_>,
    marker: u32,
    max_parts: usize,
    url_encode: bool,
) -> Vec<u8> {
    encode(&codec::ListPartsResult {
        bucket: page.upload.bucket.clone(),
        encoding_type: url_encode.then(|| "url".to_owned()),
        key: if url_encode {
            self::url_encode(&page.upload.key)
        } else {
            page.upload.key.clone()
        },
        upload_id: page.upload.id.clone(),
        initiator: Some(owner(owner_)),
        owner: Some(owner(owner_)),
        storage_class: page
            .upload
            .attributes
            .storage_class
            .clone()
            .unwrap_or_else(|| "STANDARD".to_owned()),
        part_number_marker: marker,
        next_part_number_marker: page.next_marker,
        max_parts: count(max_parts),
        is_truncated: page.truncated,
        parts: page
            .parts
            .iter()
            .map(|part| codec::PartEntry {
                part_number: part.number,
                last_modified: iso8601(part.last_modified),
                etag: part.etag(),
                size: part.size,
            })
            .collect(),
    })
}

/// Parameters of a ListMultipartUploads request echoed in its answer.
pub(crate) struct ListUploadsEcho<'a> {
    pub(crate) bucket: &'a str,
    pub(crate) prefix: &'a str,
    pub(crate) delimiter: Option<&'a str>,
    pub(crate) key_marker: &'a str,
    pub(crate) upload_id_marker: &'a str,
    pub(crate) max_uploads: usize,
    pub(crate) url_encode: bool,
}

pub(crate) fn list_uploads(
    echo: &ListUploadsEcho<'_>,
    owner_: &Owner<'_>,
    page: &UploadPage,
) -> Vec<u8> {
    let encode_text = |text: &str| -> String {
        if echo.url_encode {
            url_encode(text)
        } else {
            text.to_owned()
        }
    };
    encode(&codec::ListMultipartUploadsResult {
        bucket: echo.bucket.to_owned(),
        encoding_type: echo.url_encode.then(|| "url".to_owned()),
        key_marker: encode_text(echo.key_marker),
        upload_id_marker: echo.upload_id_marker.to_owned(),
        next_key_marker: encode_text(page.next_key_marker.as_deref().unwrap_or("")),
        next_upload_id_marker: page.next_upload_id_marker.clone().unwrap_or_default(),
        max_uploads: count(echo.max_uploads),
        is_truncated: page.truncated,
        prefix: Some(encode_text(echo.prefix)),
        delimiter: echo.delimiter.map(encode_text),
        uploads: page
            .uploads
            .iter()
            .map(|upload| codec::UploadEntry {
                key: encode_text(&upload.key),
                upload_id: upload.id.clone(),
                storage_class: upload
                    .attributes
                    .storage_class
                    .clone()
                    .unwrap_or_else(|| "STANDARD".to_owned()),
                initiator: Some(owner(owner_)),
                owner: Some(owner(owner_)),
                initiated: iso8601(upload.initiated),
            })
            .collect(),
        common_prefixes: page
            .common_prefixes
            .iter()
            .map(|p| codec::CommonPrefix {
                prefix: encode_text(p),
            })
            .collect(),
    })
}

/// One entry of a DeleteResult.
pub(crate) enum DeleteOutcome {
    Deleted(String),
    Failed {
        key: String,
        code: String,
        message: String,
    },
}

pub(crate) fn delete_result(outcomes: &[DeleteOutcome], quiet: bool) -> Vec<u8> {
    let mut result = codec::DeleteResult::default();
    for outcome in outcomes {
        match outcome {
            DeleteOutcome::Deleted(key) if !quiet => result.deleted.push(codec::DeletedObject {
                key: key.clone(),
                ..codec::DeletedObject::default()
            }),
            DeleteOutcome::Deleted(_) => {}
            DeleteOutcome::Failed { key, code, message } => {
                result.errors.push(codec::DeleteFailure {
                    key: key.clone(),
                    version_id: None,
                    code: code.clone(),
                    message: message.clone(),
                })
            }
        }
    }
    encode(&result)
}

/// Percent-encoding of `encoding-type=url` answers (RFC 3986 unreserved kept).
pub(crate) fn url_encode(text: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(text, SET).to_string()
}

/// Decodes a request body, answering `MalformedXML` for anything that is not the document.
fn decode<T: codec::Document>(body: &[u8]) -> CosResult<T> {
    codec::decode(body).map_err(CosError::malformed_xml)
}

/// The body of `POST /?delete`.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct DeleteRequest {
    pub(crate) quiet: bool,
    pub(crate) keys: Vec<String>,
}

pub(crate) fn parse_delete(body: &[u8]) -> CosResult<DeleteRequest> {
    let delete: codec::Delete = decode(body)?;
    Ok(DeleteRequest {
        quiet: delete.quiet,
        keys: delete.objects.into_iter().map(|o| o.key).collect(),
    })
}

pub(crate) fn parse_complete_multipart(body: &[u8]) -> CosResult<Vec<CompletedPart>> {
    let complete: codec::CompleteMultipartUpload = decode(body)?;
    Ok(complete
        .parts
        .into_iter()
        .map(|p| CompletedPart {
            number: p.part_number,
            etag: p.etag,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_document_has_every_field_escaped() {
        let body = error("NoSuchKey", "a <b> & c", "bucket/key", "rid", "tid");
        let text = String::from_utf8(body).unwrap();
        assert!(text.contains("<Code>NoSuchKey</Code>"), "{text}");
        assert!(
            text.contains("<Message>a &lt;b&gt; &amp; c</Message>"),
            "{text}"
        );
        assert!(text.contains("<RequestId>rid</RequestId><TraceId>tid</TraceId>"));
    }

    #[test]
    fn parses_delete_with_entities() {
        let body = br#"<?xml version="1.0"?><Delete><Quiet>true</Quiet>
            <Object><Key>a&amp;b</Key></Object><Object><Key>c&#47;d</Key><VersionId/></Object></Delete>"#;
        let request = parse_delete(body).unwrap();
        assert!(request.quiet);
        assert_eq!(request.keys, ["a&b", "c/d"]);
    }

    #[test]
    fn rejects_wrong_root_and_truncated_documents() {
        assert_eq!(parse_delete(b"<Other/>").unwrap_err().code, "MalformedXML");
        assert_eq!(
            parse_delete(b"<Delete><Object><Key>a</Key>")
                .unwrap_err()
                .code,
            "MalformedXML"
        );
        assert_eq!(
            parse_delete(b"<Delete><Object></Object></Delete>")
                .unwrap_err()
                .code,
            "MalformedXML"
        );
    }

    #[test]
    fn parses_complete_multipart() {
        let body =
            b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"e1\"</ETag></Part>\
            <Part><ETag>e2</ETag><PartNumber>2</PartNumber></Part></CompleteMultipartUpload>";
        let parts = parse_complete_multipart(body).unwrap();
        assert_eq!(
            parts,
            [
                CompletedPart {
                    number: 1,
                    etag: "\"e1\"".into()
                },
                CompletedPart {
                    number: 2,
                    etag: "e2".into()
                }
            ]
        );
        assert!(parse_complete_multipart(b"<CompleteMultipartUpload><Part><PartNumber>x</PartNumber></Part></CompleteMultipartUpload>").is_err());
    }

    #[test]
    fn url_encoding_keeps_unreserved_only() {
        assert_eq!(url_encode("a b/c~é"), "a%20b%2Fc~%C3%A9");
    }
}
