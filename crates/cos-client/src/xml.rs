//! Decoding of COS success bodies and encoding of request bodies.
//!
//! Kept in one module so it can move onto `cos_xml::codec` without touching the
//! operations. Decoding reads the document into a small element tree (namespaces
//! dropped, entities and character references resolved, no DTD expansion), checks the
//! root element's name — an `<Error>` root is never read as a result — and then picks
//! fields by name, so element order and unknown elements do not matter.

use std::fmt;

use quick_xml::events::Event;

use crate::model::{
    BucketSummary, CompleteMultipartUploadOutput, CopyObjectOutput, DeleteObjectsOutput,
    DeletedObject, FailedDelete, InitiateMultipartUploadOutput, ListBucketsOutput, ListObjectsPage,
    ListPartsOutput, ObjectSummary, Owner, PartSummary,
};

/// Why a success body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum XmlError {
    /// The body is not well-formed XML (or not UTF-8).
    Malformed(String),
    /// The root element is `found`, not the expected one. `<Error>` lands here.
    UnexpectedRoot {
        expected: &'static str,
        found: String,
    },
    /// A required element is missing or has an unreadable value.
    Field {
        element: &'static str,
        problem: &'static str,
    },
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            XmlError::Malformed(why) => write!(f, "malformed XML: {why}"),
            XmlError::UnexpectedRoot { expected, found } => {
                write!(f, "expected a <{expected}> document, found <{found}>")
            }
            XmlError::Field { element, problem } => write!(f, "<{element}> {problem}"),
        }
    }
}

impl std::error::Error for XmlError {}

#[derive(Debug, Default)]
struct Element {
    name: String,
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    fn children<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Element> + 's {
        self.children.iter().filter(move |c| c.name == name)
    }

    fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }

    fn string(&self, name: &str) -> String {
        self.text_of(name).unwrap_or_default().to_owned()
    }

    fn optional(&self, name: &str) -> Option<String> {
        self.text_of(name)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    }

    fn required(&self, name: &'static str) -> Result<String, XmlError> {
        self.optional(name).ok_or(XmlError::Field {
            element: name,
            problem: "is missing or empty",
        })
    }

    fn number<T: std::str::FromStr>(&self, name: &'static str) -> Result<Option<T>, XmlError> {
        match self.text_of(name).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(text) => text.parse().map(Some).map_err(|_| XmlError::Field {
                element: name,
                problem: "is not a number",
            }),
        }
    }

    fn flag(&self, name: &'static str) -> Result<bool, XmlError> {
        match self.text_of(name).unwrap_or("false") {
            "true" | "True" | "TRUE" => Ok(true),
            "false" | "False" | "FALSE" | "" => Ok(false),
            _ => Err(XmlError::Field {
                element: name,
                problem: "is not true or false",
            }),
        }
    }
}

fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, local)| local)
}

fn parse_document(body: &[u8]) -> Result<Element, XmlError> {
    let text = std::str::from_utf8(body).map_err(|e| XmlError::Malformed(e.to_string()))?;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| XmlError::Malformed(e.to_string()))?;
        match event {
            Event::Start(start) => {
                if root.is_some() {
                    return Err(XmlError::Malformed("content after the root element".into()));
                }
                let name = local(start.name().as_ref()).to_owned();
                stack.push(Element {
                    name,
                    ..Element::default()
                });
            }
            Event::Empty(start) => {
                let element = Element {
                    name: local(start.name().as_ref()).to_owned(),
                    ..Element::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None if root.is_none() => root = Some(element),
                    None => {
                        return Err(XmlError::Malformed("content after the root element".into()));
                    }
                }
            }
            Event::End(_) => {
                let Some(element) = stack.pop() else {
                    return Err(XmlError::Malformed("unbalanced end tag".into()));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::Text(text) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&text.xml10_content());
                }
            }
            Event::CData(data) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&data.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                if let Some(current) = stack.last_mut() {
                    if reference.is_char_ref() {
                        match reference.resolve_char_ref() {
                            Ok(Some(c)) => current.text.push(c),
                            _ => {
                                return Err(XmlError::Malformed(
                                    "invalid character reference".into(),
                                ));
                            }
                        }
                    } else {
                        let name = reference.into_inner();
                        match &*name {
                            "lt" => current.text.push('<'),
                            "gt" => current.text.push('>'),
                            "amp" => current.text.push('&'),
                            "apos" => current.text.push('\''),
                            "quot" => current.text.push('"'),
                            // never expanded from a DTD; kept verbatim
                            other => {
                                current.text.push('&');
                                current.text.push_str(other);
                                current.text.push(';');
                            }
                        }
                    }
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Malformed(
            "the document ends inside an element".into(),
        ));
    }
    root.ok_or_else(|| XmlError::Malformed("no root element".into()))
}

fn document(body: &[u8], expected: &'static str) -> Result<Element, XmlError> {
    let root = parse_document(body)?;
    if root.name != expected {
        return Err(XmlError::UnexpectedRoot {
            expected,
            found: root.name,
        });
    }
    Ok(root)
}

/// The name of the root element, if the body is XML with one (used to spot `<Error>` on a 200).
pub(crate) fn root_name(body: &[u8]) -> Option<String> {
    parse_document(body).ok().map(|root| root.name)
}

fn owner(element: Option<&Element>) -> Option<Owner> {
    element.map(|o| Owner {
        id: o.string("ID"),
        display_name: o.string("DisplayName"),
    })
}

pub(crate) fn list_buckets(body: &[u8]) -> Result<ListBucketsOutput, XmlError> {
    let root = document(body, "ListAllMyBucketsResult")?;
    let buckets = root
        .child("Buckets")
        .map(|list| {
            list.children("Bucket")
                .map(|b| {
                    Ok(BucketSummary {
                        name: b.required("Name")?,
                        location: b.string("Location"),
                        creation_date: b.string("CreationDate"),
                    })
                })
                .collect::<Result<Vec<_>, XmlError>>()
        })
        .transpose()?
        .unwrap_or_default();
    Ok(ListBucketsOutput {
        owner: owner(root.child("Owner")),
        buckets,
    })
}

/// Decodes a GET Bucket page; with `url_encoded`, the key-like fields are percent-decoded.
pub(crate) fn list_objects(body: &[u8]) -> Result<ListObjectsPage, XmlError> {
    let root = document(body, "ListBucketResult")?;
    let url_encoded = root
        .text_of("EncodingType")
        .is_some_and(|t| t.eq_ignore_ascii_case("url"));
    let decode = |value: String| -> Result<String, XmlError> {
        if !url_encoded {
            return Ok(value);
        }
        percent_encoding::percent_decode_str(&value)
            .decode_utf8()
            .map(|v| v.into_owned())
            .map_err(|_| XmlError::Field {
                element: "Key",
                problem: "is not URL-encoded UTF-8",
            })
    };
    let mut contents = Vec::new();
    for item in root.children("Contents") {
        contents.push(ObjectSummary {
            key: decode(item.string("Key"))?,
            last_modified: item.string("LastModified"),
            etag: item.string("ETag"),
            size: item.number("Size")?.unwrap_or(0),
            storage_class: item.optional("StorageClass"),
            owner: owner(item.child("Owner")),
        });
    }
    let mut common_prefixes = Vec::new();
    for prefix in root.children("CommonPrefixes") {
        common_prefixes.push(decode(prefix.string("Prefix"))?);
    }
    Ok(ListObjectsPage {
        name: root.string("Name"),
        prefix: decode(root.string("Prefix"))?,
        marker: decode(root.string("Marker"))?,
        delimiter: root.optional("Delimiter").map(decode).transpose()?,
        max_keys: root.number("MaxKeys")?,
        is_truncated: root.flag("IsTruncated")?,
        next_marker: root.optional("NextMarker").map(decode).transpose()?,
        contents,
        common_prefixes,
    })
}

pub(crate) fn initiate_multipart(body: &[u8]) -> Result<InitiateMultipartUploadOutput, XmlError> {
    let root = document(body, "InitiateMultipartUploadResult")?;
    Ok(InitiateMultipartUploadOutput {
        bucket: root.string("Bucket"),
        key: root.string("Key"),
        upload_id: root.required("UploadId")?,
    })
}

pub(crate) fn complete_multipart(body: &[u8]) -> Result<CompleteMultipartUploadOutput, XmlError> {
    let root = document(body, "CompleteMultipartUploadResult")?;
    Ok(CompleteMultipartUploadOutput {
        location: root.string("Location"),
        bucket: root.string("Bucket"),
        key: root.string("Key"),
        etag: root.required("ETag")?,
        crc64: None,
    })
}

pub(crate) fn copy_object(body: &[u8]) -> Result<CopyObjectOutput, XmlError> {
    let root = document(body, "CopyObjectResult")?;
    Ok(CopyObjectOutput {
        etag: root.required("ETag")?,
        last_modified: root.string("LastModified"),
        crc64: root.number("CRC64")?,
        version_id: root.optional("VersionId"),
    })
}

pub(crate) fn delete_result(body: &[u8]) -> Result<DeleteObjectsOutput, XmlError> {
    let root = document(body, "DeleteResult")?;
    let deleted = root
        .children("Deleted")
        .map(|d| DeletedObject {
            key: d.string("Key"),
            version_id: d.optional("VersionId"),
            delete_marker: d.text_of("DeleteMarker") == Some("true"),
        })
        .collect();
    let failed = root
        .children("Error")
        .map(|e| FailedDelete {
            key: e.string("Key"),
            version_id: e.optional("VersionId"),
            code: e.string("Code"),
            message: e.string("Message"),
        })
        .collect();
    Ok(DeleteObjectsOutput { deleted, failed })
}

pub(crate) fn list_parts(body: &[u8]) -> Result<ListPartsOutput, XmlError> {
    let root = document(body, "ListPartsResult")?;
    let mut parts = Vec::new();
    for part in root.children("Part") {
        parts.push(PartSummary {
            part_number: part.number("PartNumber")?.ok_or(XmlError::Field {
                element: "PartNumber",
                problem: "is missing",
            })?,
            etag: part.string("ETag"),
            size: part.number("Size")?.unwrap_or(0),
            last_modified: part.string("LastModified"),
        });
    }
    Ok(ListPartsOutput {
        bucket: root.string("Bucket"),
        key: root.string("Key"),
        upload_id: root.string("UploadId"),
        is_truncated: root.flag("IsTruncated")?,
        next_part_number_marker: root.number("NextPartNumberMarker")?,
        parts,
    })
}

fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(text)
}

/// The `<Delete>` request body of DELETE Multiple.
pub(crate) fn encode_delete(keys: &[String], quiet: bool) -> String {
    let mut out = String::with_capacity(64 + keys.iter().map(|k| k.len() + 32).sum::<usize>());
    out.push_str("<Delete><Quiet>");
    out.push_str(if quiet { "true" } else { "false" });
    out.push_str("</Quiet>");
    for key in keys {
        out.push_str("<Object><Key>");
        out.push_str(&escape(key));
        out.push_str("</Key></Object>");
    }
    out.push_str("</Delete>");
    out
}

/// The `<CompleteMultipartUpload>` request body; `parts` are (part number, ETag).
pub(crate) fn encode_complete(parts: &[(u32, String)]) -> String {
    let mut out = String::from("<CompleteMultipartUpload>");
    for (number, etag) in parts {
        out.push_str("<Part><PartNumber>");
        out.push_str(&number.to_string());
        out.push_str("</PartNumber><ETag>");
        out.push_str(&escape(etag));
        out.push_str("</ETag></Part>");
    }
    out.push_str("</CompleteMultipartUpload>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_root_is_not_a_result() {
        let body = b"<?xml version='1.0'?><Error><Code>InternalError</Code></Error>";
        assert_eq!(
            copy_object(body).unwrap_err(),
            XmlError::UnexpectedRoot {
                expected: "CopyObjectResult",
                found: "Error".into()
            }
        );
        assert_eq!(root_name(body).as_deref(), Some("Error"));
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
        assert!(matches!(list_objects(body), Err(XmlError::Malformed(_))));
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
        assert_eq!(
            encode_delete(&["a&b".into()], true),
            "<Delete><Quiet>true</Quiet><Object><Key>a&amp;b</Key></Object></Delete>"
        );
        assert!(encode_complete(&[(1, "\"e\"".into())]).contains("<ETag>&quot;e&quot;</ETag>"));
    }
}
