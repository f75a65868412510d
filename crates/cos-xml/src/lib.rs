//! Zero-copy reading of COS error bodies, and the XML of the COS API.
//!
//! When a COS request fails, the answer carries an XML body such as
//!
//! ```xml
//! <?xml version='1.0' encoding='utf-8' ?>
//! <Error>
//!     <Code>NoSuchKey</Code>
//!     <Message>The specified key does not exist.</Message>
//!     <Resource>examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/a.txt</Resource>
//!     <RequestId>NjU2YzY0YmRfMTBhMzVkMGJfMjFiM2RfMjU1NmM4ZA==</RequestId>
//!     <TraceId>OGVmYzZiMmQ3YjEx</TraceId>
//! </Error>
//! ```
//!
//! [`parse_error`] reads it into an [`ErrorBody`] whose fields borrow from the body
//! (a value is copied only when unescaping forces it). It reads any S3-style `<Error>`
//! body, not only COS's, and survives what proxies, load balancers and broken
//! connections put in its place: it never panics, never expands DTD entities, keeps the
//! fields that were complete before a document was cut off, and answers
//! [`NotAnErrorDocument`] for HTML, JSON, text and empty bodies.
//!
//! ```
//! use cos_xml::{parse_error, FieldName};
//!
//! let body = br#"<Error xmlns="http://www.qcloud.com/document/product/436/7751">
//!   <Code>SlowDown</Code><Message>Please reduce your request rate &amp; retry.</Message>
//!   <RequestID>4442587FB7D0A2F9</RequestID><Hint>per-prefix limit</Hint>
//! </Error>"#;
//! let error = parse_error(body)?;
//! assert_eq!(error.code(), Some("SlowDown"));
//! assert_eq!(error.message(), Some("Please reduce your request rate & retry."));
//! assert_eq!(error.request_id(), Some("4442587FB7D0A2F9")); // S3's spelling is read too
//! // The code is borrowed: its position in the body is known, nothing was copied.
//! let code = error.field(FieldName::Code).unwrap();
//! assert_eq!(&body[code.span().unwrap()], b"SlowDown");
//! // Elements the reader does not know are kept, in order.
//! assert_eq!(error.others()[0].name(), "Hint");
//! assert_eq!(error.others()[0].value().as_str(), "per-prefix limit");
//! assert!(!error.is_malformed());
//! # Ok::<(), cos_xml::NotAnErrorDocument>(())
//! ```
//!
//! The [`codec`] module (default feature `codec`, which brings in serde) holds the other
//! XML documents of the COS API — listings, multipart, batch delete, copy results — for
//! clients and servers alike.
//!
//! Without default features this crate depends only on `quick-xml` (its borrowing
//! reader does the tokenising) and `memchr`; nothing else from the COS SDK, so it can
//! be used alone.

#[cfg(feature = "codec")]
pub mod codec;
mod error_body;

pub use error_body::{Element, ErrorBody, Field, FieldName, NotAnErrorDocument, parse_error};

/// The byte range of `part` inside `whole`, when `part` is a slice of it.
pub(crate) fn span_in(whole: &[u8], part: &[u8]) -> Option<std::ops::Range<usize>> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    let end = start + part.len();
    (end <= whole.len()).then_some(start..end)
}
