//! Reading an error body (XML through `cos_xml`, or JSON) into text references that
//! point into the kept body wherever possible.

use std::fmt;
use std::ops::Range;

use cos_xml::FieldName;
use http::HeaderValue;
use serde::Deserializer as _;
use serde::de::{self, Deserialize, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Where the text of one field lives. `Span` (a range of the kept body) is the normal
/// case and costs no allocation.
#[derive(Clone)]
pub(crate) enum Text {
    /// Verbatim bytes of the body; always valid UTF-8 (it came from a `&str`).
    Span(Range<usize>),
    /// Short built text, kept inline so it costs no allocation.
    Inline {
        bytes: [u8; INLINE_CAPACITY],
        len: u8,
    },
    /// Longer text that had to be built (unescaped, concatenated, lossily decoded).
    Owned(Box<str>),
    /// A response header's value; checked to be visible ASCII when stored.
    Header(HeaderValue),
    /// A fixed text such as a status's reason phrase.
    Static(&'static str),
}

impl Text {
    pub(crate) fn resolve<'a>(&'a self, body: &'a [u8]) -> &'a str {
        match self {
            Text::Span(range) => body
                .get(range.clone())
                .and_then(|bytes| std::str::from_utf8(bytes).ok())
                .unwrap_or(""),
            Text::Inline { bytes, len } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or("")
            }
            Text::Owned(text) => text,
            Text::Header(value) => value.to_str().unwrap_or(""),
            Text::Static(text) => text,
        }
    }

    /// A copy of `text`: inline when short, else on the heap.
    pub(crate) fn copied(text: &str) -> Text {
        match u8::try_from(text.len()) {
            Ok(len) if text.len() <= INLINE_CAPACITY => {
                let mut bytes = [0; INLINE_CAPACITY];
                bytes[..text.len()].copy_from_slice(text.as_bytes());
                Text::Inline { bytes, len }
            }
            _ => Text::Owned(text.into()),
        }
    }

    /// `text` without its spaces (`Not Found` → `NotFound`), with no allocation when
    /// the result fits inline.
    pub(crate) fn copied_without_spaces(text: &str) -> Text {
        let mut bytes = [0; INLINE_CAPACITY];
        let mut len = 0;
        for byte in text.bytes().filter(|&byte| byte != b' ') {
            match bytes.get_mut(len) {
                Some(slot) => *slot = byte,
                None => return Text::Owned(text.replace(' ', "").into()),
            }
            len += 1;
        }
        // Removing ASCII spaces from UTF-8 leaves UTF-8; `len` fits, it is at most 32.
        Text::Inline {
            bytes,
            len: len as u8,
        }
    }

    /// `text` as a range of `body` when it is a slice of it, else an owned copy.
    fn of_slice(body: &[u8], text: &str) -> Text {
        let start = (text.as_ptr() as usize).wrapping_sub(body.as_ptr() as usize);
        if start <= body.len() && text.len() <= body.len() - start {
            Text::Span(start..start + text.len())
        } else {
            Text::copied(text)
        }
    }

    fn of_field(field: &cos_xml::Field<'_>) -> Option<Text> {
        if field.as_str().is_empty() {
            return None;
        }
        Some(match field.span() {
            Some(range) => Text::Span(range),
            None => Text::copied(field.as_str()),
        })
    }
}

/// Built text up to this many bytes is stored inline (every reason phrase fits).
const INLINE_CAPACITY: usize = 32;

/// What the body said, every field optional.
#[derive(Default)]
pub(crate) struct BodyReading {
    pub(crate) code: Option<Text>,
    pub(crate) message: Option<Text>,
    pub(crate) resource: Option<Text>,
    pub(crate) request_id: Option<Text>,
    pub(crate) trace_id: Option<Text>,
    pub(crate) host_id: Option<Text>,
    /// The other direct children of `<Error>`, as (name, value), in document order.
    pub(crate) others: Vec<(Text, Text)>,
    pub(crate) format: BodyFormat,
}

/// What kind of error document the body was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum BodyFormat {
    /// A well-formed `<Error>` document.
    Xml,
    /// An `<Error>` document damaged or cut off; fields complete before the damage are kept.
    MalformedXml,
    /// A JSON object.
    Json,
    /// Anything else (empty, HTML, text, other XML, non-object JSON).
    #[default]
    Unrecognised,
}

pub(crate) fn read(body: &[u8]) -> BodyReading {
    match cos_xml::parse_error(body) {
        Ok(document) => {
            let field = |name| document.field(name).and_then(Text::of_field);
            BodyReading {
                code: field(FieldName::Code),
                message: field(FieldName::Message),
                resource: field(FieldName::Resource),
                request_id: field(FieldName::RequestId),
                trace_id: field(FieldName::TraceId),
                host_id: field(FieldName::HostId),
                others: document
                    .others()
                    .iter()
                    .map(|element| {
                        let value = element.value();
                        let value = match value.span() {
                            Some(range) => Text::Span(range),
                            None => Text::copied(value.as_str()),
                        };
                        (Text::of_slice(body, element.name()), value)
                    })
                    .collect(),
                format: if document.is_malformed() {
                    BodyFormat::MalformedXml
                } else {
                    BodyFormat::Xml
                },
            }
        }
        Err(cos_xml::NotAnErrorDocument) if starts_like_json_object(body) => read_json(body),
        Err(cos_xml::NotAnErrorDocument) => BodyReading::default(),
    }
}

fn starts_like_json_object(body: &[u8]) -> bool {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    body.iter().find(|byte| !byte.is_ascii_whitespace()) == Some(&b'{')
}

/// Reads the keys `code`, `message`, `resource`, `requestid`, `traceid` of a JSON
/// object (ASCII case-insensitive, `_` ignored; the first occurrence wins). Strings
/// without escapes stay ranges of the body.
fn read_json(body: &[u8]) -> BodyReading {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let Ok(fields) = deserializer.deserialize_map(JsonFieldsVisitor) else {
        return BodyReading::default();
    };
    let text = |value: Option<JsonText<'_>>| {
        value.map(|value| match value {
            JsonText::Borrowed(text) => Text::of_slice(body, text),
            JsonText::Owned(text) => Text::copied(&text),
        })
    };
    BodyReading {
        code: text(fields.code),
        message: text(fields.message),
        resource: text(fields.resource),
        request_id: text(fields.request_id),
        trace_id: text(fields.trace_id),
        host_id: None,
        others: Vec::new(),
        format: BodyFormat::Json,
    }
}

#[derive(Default)]
struct JsonFields<'de> {
    code: Option<JsonText<'de>>,
    message: Option<JsonText<'de>>,
    resource: Option<JsonText<'de>>,
    request_id: Option<JsonText<'de>>,
    trace_id: Option<JsonText<'de>>,
}

enum JsonText<'de> {
    Borrowed(&'de str),
    Owned(String),
}

#[derive(Clone, Copy)]
enum JsonKey {
    Code,
    Message,
    Resource,
    RequestId,
    TraceId,
    Ignored,
}

/// `key` equals `target` (lower case) ignoring ASCII case and underscores.
fn key_matches(key: &str, target: &str) -> bool {
    let mut key = key.bytes().filter(|&byte| byte != b'_');
    let mut target = target.bytes();
    loop {
        match (key.next(), target.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(&b) => {}
            _ => return false,
        }
    }
}

impl JsonKey {
    fn classify(key: &str) -> JsonKey {
        [
            ("code", JsonKey::Code),
            ("message", JsonKey::Message),
            ("resource", JsonKey::Resource),
            ("requestid", JsonKey::RequestId),
            ("traceid", JsonKey::TraceId),
        ]
        .into_iter()
        .find(|(target, _)| key_matches(key, target))
        .map_or(JsonKey::Ignored, |(_, key)| key)
    }
}

impl<'de> Deserialize<'de> for JsonKey {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = JsonKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<JsonKey, E> {
                Ok(JsonKey::classify(key))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// A JSON value read as text: strings as they are (trimmed), numbers and booleans
/// written out; `null`, empty strings, arrays and objects count as absent.
struct JsonValue<'de>(Option<JsonText<'de>>);

impl<'de> Deserialize<'de> for JsonValue<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValueVisitor;
        impl<'de> Visitor<'de> for ValueVisitor {
            type Value = JsonValue<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
                let text = text.trim();
                Ok(JsonValue(
                    (!text.is_empty()).then_some(JsonText::Borrowed(text)),
                ))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                let text = text.trim();
                Ok(JsonValue(
                    (!text.is_empty()).then(|| JsonText::Owned(text.to_owned())),
                ))
            }
            fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
                Ok(JsonValue(Some(JsonText::Owned(value.to_string()))))
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
                Ok(JsonValue(Some(JsonText::Owned(value.to_string()))))
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
                Ok(JsonValue(Some(JsonText::Owned(value.to_string()))))
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
                Ok(JsonValue(Some(JsonText::Owned(value.to_string()))))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(JsonValue(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(JsonValue(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(JsonValue(None))
            }
        }
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct JsonFieldsVisitor;

impl<'de> Visitor<'de> for JsonFieldsVisitor {
    type Value = JsonFields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = JsonFields::default();
        while let Some(key) = map.next_key::<JsonKey>()? {
            let slot = match key {
                JsonKey::Code => &mut fields.code,
                JsonKey::Message => &mut fields.message,
                JsonKey::Resource => &mut fields.resource,
                JsonKey::RequestId => &mut fields.request_id,
                JsonKey::TraceId => &mut fields.trace_id,
                JsonKey::Ignored => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            let JsonValue(value) = map.next_value()?;
            if slot.is_none() {
                *slot = value;
            }
        }
        Ok(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keys_match_ignoring_case_and_underscores() {
        assert!(key_matches("request_id", "requestid"));
        assert!(key_matches("RequestId", "requestid"));
        assert!(key_matches("REQUEST__ID", "requestid"));
        assert!(!key_matches("request-id", "requestid"));
        assert!(!key_matches("requestids", "requestid"));
        assert!(!key_matches("request", "requestid"));
    }

    #[test]
    fn json_strings_without_escapes_stay_in_the_body() {
        let body =
            br#"{"Code":"NoSuchKey","request_id":"abc","message":"a\nb","extra":{"code":"x"}}"#;
        let reading = read_json(body);
        assert!(matches!(reading.code, Some(Text::Span(_))));
        assert_eq!(reading.code.as_ref().unwrap().resolve(body), "NoSuchKey");
        assert_eq!(reading.request_id.as_ref().unwrap().resolve(body), "abc");
        // An escape forces a built string.
        assert!(matches!(reading.message, Some(Text::Inline { .. })));
        assert_eq!(reading.message.as_ref().unwrap().resolve(body), "a\nb");
        assert_eq!(reading.format, BodyFormat::Json);
    }

    #[test]
    fn json_first_key_wins_and_odd_values_are_tolerated() {
        let body =
            br#"{"code":"First","CODE":"Second","message":null,"requestId":42,"traceid":[1]}"#;
        let reading = read_json(body);
        assert_eq!(reading.code.as_ref().unwrap().resolve(body), "First");
        assert!(reading.message.is_none());
        assert_eq!(reading.request_id.as_ref().unwrap().resolve(body), "42");
        assert!(reading.trace_id.is_none());
    }

    #[test]
    fn non_object_json_gives_nothing() {
        for body in [&b"[1,2,3]"[..], b"null", b"\"code\"", b"{broken"] {
            let reading = read(body);
            assert!(reading.code.is_none(), "{body:?}");
            assert_eq!(reading.format, BodyFormat::Unrecognised, "{body:?}");
        }
    }
}
