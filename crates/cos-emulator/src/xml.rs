//! Every XML body the emulator reads or writes, kept in one module so it can move to
//! shared codecs later.

use quick_xml::Reader;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use crate::error::{CosError, CosResult};
use crate::store::{BucketInfo, CompletedPart, ObjectMeta, ObjectPage, Part, PartPage, UploadPage};
use crate::time::iso8601;

/// The owner every listing names (the emulator has one account).
pub(crate) struct Owner<'a> {
    pub(crate) id: &'a str,
}

/// A small element writer over quick-xml; writing to a `Vec` cannot fail.
pub(crate) struct Document {
    writer: Writer<Vec<u8>>,
}

impl Document {
    pub(crate) fn new(root: &str) -> Self {
        let mut writer = Writer::new(Vec::with_capacity(512));
        let _ = writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        let mut document = Document { writer };
        document.open(root);
        document
    }

    pub(crate) fn open(&mut self, name: &str) -> &mut Self {
        let _ = self.writer.write_event(Event::Start(BytesStart::new(name)));
        self
    }

    pub(crate) fn close(&mut self, name: &str) -> &mut Self {
        let _ = self.writer.write_event(Event::End(BytesEnd::new(name)));
        self
    }

    pub(crate) fn leaf(&mut self, name: &str, text: &str) -> &mut Self {
        self.open(name);
        // Only `<`, `>` and `&` are escaped: ETags keep their literal quotes, as COS sends them.
        let escaped = quick_xml::escape::partial_escape(text);
        let _ = self
            .writer
            .write_event(Event::Text(BytesText::from_escaped(escaped)));
        self.close(name)
    }

    pub(crate) fn finish(mut self, root: &str) -> Vec<u8> {
        self.close(root);
        self.writer.into_inner()
    }

    fn owner(&mut self, element: &str, owner: &Owner<'_>) -> &mut Self {
        self.open(element)
            .leaf("ID", owner.id)
            .leaf("DisplayName", owner.id)
            .close(element)
    }
}

/// The COS error document (all of Code, Message, Resource, RequestId, TraceId).
pub(crate) fn error(
    code: &str,
    message: &str,
    resource: &str,
    request_id: &str,
    trace_id: &str,
) -> Vec<u8> {
    let mut doc = Document::new("Error");
    doc.leaf("Code", code)
        .leaf("Message", message)
        .leaf("Resource", resource)
        .leaf("RequestId", request_id)
        .leaf("TraceId", trace_id);
    doc.finish("Error")
}

pub(crate) fn list_buckets(owner: &Owner<'_>, buckets: &[BucketInfo]) -> Vec<u8> {
    let mut doc = Document::new("ListAllMyBucketsResult");
    doc.owner("Owner", owner).open("Buckets");
    for bucket in buckets {
        doc.open("Bucket")
            .leaf("Name", &bucket.name)
            .leaf("Location", &bucket.region)
            .leaf("CreationDate", &iso8601(bucket.created))
            .leaf("BucketType", "cos")
            .close("Bucket");
    }
    doc.close("Buckets");
    doc.finish("ListAllMyBucketsResult")
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
    owner: &Owner<'_>,
    page: &ObjectPage,
) -> Vec<u8> {
    let encode = |text: &str| -> String {
        if echo.url_encode {
            url_encode(text)
        } else {
            text.to_owned()
        }
    };
    let mut doc = Document::new("ListBucketResult");
    doc.leaf("Name", echo.bucket);
    if echo.url_encode {
        doc.leaf("EncodingType", "url");
    }
    doc.leaf("Prefix", &encode(echo.prefix))
        .leaf("Marker", &encode(echo.marker))
        .leaf("MaxKeys", &echo.max_keys.to_string());
    if let Some(delimiter) = echo.delimiter {
        doc.leaf("Delimiter", &encode(delimiter));
    }
    doc.leaf("IsTruncated", bool_text(page.truncated));
    if let Some(next) = &page.next_marker {
        doc.leaf("NextMarker", &encode(next));
    }
    for prefix in &page.common_prefixes {
        doc.open("CommonPrefixes")
            .leaf("Prefix", &encode(prefix))
            .close("CommonPrefixes");
    }
    for (key, meta) in &page.contents {
        doc.open("Contents")
            .leaf("Key", &encode(key))
            .leaf("LastModified", &iso8601(meta.last_modified))
            .leaf("ETag", &meta.etag)
            .leaf("Size", &meta.size.to_string())
            .owner("Owner", owner)
            .leaf("StorageClass", &meta.storage_class)
            .close("Contents");
    }
    doc.finish("ListBucketResult")
}

/// `<LocationConstraint>region</LocationConstraint>`: a root with text only.
pub(crate) fn location_constraint(region: &str) -> Vec<u8> {
    let mut writer = Writer::new(Vec::with_capacity(96));
    let _ = writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let _ = writer
        .create_element("LocationConstraint")
        .write_text_content(BytesText::from_escaped(quick_xml::escape::partial_escape(
            region,
        )));
    writer.into_inner()
}

pub(crate) fn initiate_multipart(bucket: &str, key: &str, upload_id: &str) -> Vec<u8> {
    let mut doc = Document::new("InitiateMultipartUploadResult");
    doc.leaf("Bucket", bucket)
        .leaf("Key", key)
        .leaf("UploadId", upload_id);
    doc.finish("InitiateMultipartUploadResult")
}

pub(crate) fn complete_multipart(location: &str, bucket: &str, key: &str, etag: &str) -> Vec<u8> {
    let mut doc = Document::new("CompleteMultipartUploadResult");
    doc.leaf("Location", location)
        .leaf("Bucket", bucket)
        .leaf("Key", key)
        .leaf("ETag", etag);
    doc.finish("CompleteMultipartUploadResult")
}

pub(crate) fn copy_object(meta: &ObjectMeta) -> Vec<u8> {
    let mut doc = Document::new("CopyObjectResult");
    doc.leaf("ETag", &meta.etag)
        .leaf("LastModified", &iso8601(meta.last_modified))
        .leaf("CRC64", &meta.crc64.to_string());
    doc.finish("CopyObjectResult")
}

pub(crate) fn copy_part(part: &Part) -> Vec<u8> {
    let mut doc = Document::new("CopyPartResult");
    doc.leaf("ETag", &part.etag())
        .leaf("LastModified", &iso8601(part.last_modified));
    doc.finish("CopyPartResult")
}

pub(crate) fn list_parts(
    page: &PartPage,
    owner: &Owner<'_>,
    marker: u32,
    max_parts: usize,
    url_encode: bool,
) -> Vec<u8> {
    let mut doc = Document::new("ListPartsResult");
    doc.leaf("Bucket", &page.upload.bucket);
    if url_encode {
        doc.leaf("EncodingType", "url");
        doc.leaf("Key", &self::url_encode(&page.upload.key));
    } else {
        doc.leaf("Key", &page.upload.key);
    }
    doc.leaf("UploadId", &page.upload.id)
        .owner("Initiator", owner)
        .owner("Owner", owner)
        .leaf(
            "StorageClass",
            page.upload
                .attributes
                .storage_class
                .as_deref()
                .unwrap_or("STANDARD"),
        )
        .leaf("PartNumberMarker", &marker.to_string())
        .leaf("NextPartNumberMarker", &page.next_marker.to_string())
        .leaf("MaxParts", &max_parts.to_string())
        .leaf("IsTruncated", bool_text(page.truncated));
    for part in &page.parts {
        doc.open("Part")
            .leaf("PartNumber", &part.number.to_string())
            .leaf("LastModified", &iso8601(part.last_modified))
            .leaf("ETag", &part.etag())
            .leaf("Size", &part.size.to_string())
            .close("Part");
    }
    doc.finish("ListPartsResult")
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
    owner: &Owner<'_>,
    page: &UploadPage,
) -> Vec<u8> {
    let encode = |text: &str| -> String {
        if echo.url_encode {
            url_encode(text)
        } else {
            text.to_owned()
        }
    };
    let mut doc = Document::new("ListMultipartUploadsResult");
    doc.leaf("Bucket", echo.bucket);
    if echo.url_encode {
        doc.leaf("EncodingType", "url");
    }
    doc.leaf("KeyMarker", &encode(echo.key_marker))
        .leaf("UploadIdMarker", echo.upload_id_marker)
        .leaf(
            "NextKeyMarker",
            &encode(page.next_key_marker.as_deref().unwrap_or("")),
        )
        .leaf(
            "NextUploadIdMarker",
            page.next_upload_id_marker.as_deref().unwrap_or(""),
        )
        .leaf("MaxUploads", &echo.max_uploads.to_string())
        .leaf("IsTruncated", bool_text(page.truncated))
        .leaf("Prefix", &encode(echo.prefix));
    if let Some(delimiter) = echo.delimiter {
        doc.leaf("Delimiter", &encode(delimiter));
    }
    for upload in &page.uploads {
        doc.open("Upload")
            .leaf("Key", &encode(&upload.key))
            .leaf("UploadId", &upload.id)
            .leaf(
                "StorageClass",
                upload
                    .attributes
                    .storage_class
                    .as_deref()
                    .unwrap_or("STANDARD"),
            )
            .owner("Initiator", owner)
            .owner("Owner", owner)
            .leaf("Initiated", &iso8601(upload.initiated))
            .close("Upload");
    }
    for prefix in &page.common_prefixes {
        doc.open("CommonPrefixes")
            .leaf("Prefix", &encode(prefix))
            .close("CommonPrefixes");
    }
    doc.finish("ListMultipartUploadsResult")
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
    let mut doc = Document::new("DeleteResult");
    for outcome in outcomes {
        match outcome {
            DeleteOutcome::Deleted(key) if !quiet => {
                doc.open("Deleted").leaf("Key", key).close("Deleted");
            }
            DeleteOutcome::Deleted(_) => {}
            DeleteOutcome::Failed { key, code, message } => {
                doc.open("Error")
                    .leaf("Key", key)
                    .leaf("Code", code)
                    .leaf("Message", message)
                    .close("Error");
            }
        }
    }
    doc.finish("DeleteResult")
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

fn bool_text(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

/// Walks a small request document and hands each leaf's path and text to `on_leaf`.
/// The path is the element names from the root, joined by `/`.
fn read_leaves(
    body: &[u8],
    root: &str,
    mut on_leaf: impl FnMut(&str, String) -> CosResult<()>,
) -> CosResult<()> {
    let text = std::str::from_utf8(body).map_err(|_| CosError::malformed_xml("not UTF-8"))?;
    let mut reader = Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    let mut value = String::new();
    let mut saw_root = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(start)) => {
                let name = start.local_name().as_ref().to_owned();
                if path.is_empty() {
                    if name != root {
                        return Err(CosError::malformed_xml(format!(
                            "the root element must be <{root}>, not <{name}>"
                        )));
                    }
                    saw_root = true;
                }
                path.push(name);
                value.clear();
            }
            Ok(Event::Empty(start)) => {
                let name = start.local_name().as_ref().to_owned();
                if path.is_empty() {
                    if name != root {
                        return Err(CosError::malformed_xml(format!(
                            "the root element must be <{root}>"
                        )));
                    }
                    saw_root = true;
                    continue;
                }
                let joined = format!("{}/{name}", path.join("/"));
                on_leaf(&joined, String::new())?;
            }
            Ok(Event::Text(text)) => value.push_str(&text.xml10_content()),
            Ok(Event::CData(data)) => {
                value.push_str(&data.into_inner());
            }
            Ok(Event::GeneralRef(reference)) => {
                let entity = format!("&{};", reference.xml10_content());
                let resolved =
                    quick_xml::escape::unescape(&entity).map_err(CosError::malformed_xml)?;
                value.push_str(&resolved);
            }
            Ok(Event::End(_)) => {
                let joined = path.join("/");
                path.pop();
                if !value.is_empty() || !joined.is_empty() {
                    on_leaf(&joined, std::mem::take(&mut value))?;
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(CosError::malformed_xml(e)),
        }
    }
    if !saw_root || !path.is_empty() {
        return Err(CosError::malformed_xml(format!(
            "expected a complete <{root}> document"
        )));
    }
    Ok(())
}

/// The body of `POST /?delete`.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct DeleteRequest {
    pub(crate) quiet: bool,
    pub(crate) keys: Vec<String>,
}

pub(crate) fn parse_delete(body: &[u8]) -> CosResult<DeleteRequest> {
    let mut request = DeleteRequest::default();
    let mut current_key: Option<String> = None;
    read_leaves(body, "Delete", |path, text| {
        match path {
            "Delete/Quiet" => request.quiet = text.trim().eq_ignore_ascii_case("true"),
            "Delete/Object/Key" => current_key = Some(text),
            "Delete/Object" => {
                let key = current_key
                    .take()
                    .ok_or_else(|| CosError::malformed_xml("an <Object> has no <Key>"))?;
                request.keys.push(key);
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(request)
}

pub(crate) fn parse_complete_multipart(body: &[u8]) -> CosResult<Vec<CompletedPart>> {
    let mut parts = Vec::new();
    let mut number: Option<u32> = None;
    let mut etag: Option<String> = None;
    read_leaves(body, "CompleteMultipartUpload", |path, text| {
        match path {
            "CompleteMultipartUpload/Part/PartNumber" => {
                number = Some(text.trim().parse().map_err(|_| {
                    CosError::malformed_xml(format!("PartNumber {text:?} is not a number"))
                })?);
            }
            "CompleteMultipartUpload/Part/ETag" => etag = Some(text),
            "CompleteMultipartUpload/Part" => {
                let (Some(number), Some(etag)) = (number.take(), etag.take()) else {
                    return Err(CosError::malformed_xml(
                        "each <Part> needs a <PartNumber> and an <ETag>",
                    ));
                };
                parts.push(CompletedPart { number, etag });
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(parts)
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
