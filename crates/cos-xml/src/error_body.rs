//! Reading `<Error>` bodies: COS's own, S3's, and whatever a proxy puts in their place.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use quick_xml::Reader;
use quick_xml::errors::Error as XmlError;
use quick_xml::events::{BytesRef, Event};

use crate::span_in;

/// The body is not an XML document whose root element is `Error`.
///
/// Returned for empty bodies, HTML pages, JSON, plain text, and XML with another root.
/// The caller still has the raw bytes and decides what to make of them (the status line
/// and the response headers usually say enough).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NotAnErrorDocument;

impl fmt::Display for NotAnErrorDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the body is not an XML document with an <Error> root element")
    }
}

impl std::error::Error for NotAnErrorDocument {}

/// The well-known children of an `<Error>` element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldName {
    /// `<Code>`: the error code, such as `NoSuchKey`.
    Code,
    /// `<Message>`: the human-readable explanation.
    Message,
    /// `<Resource>`: the bucket or object the request addressed.
    Resource,
    /// `<RequestId>` (S3 spells it `<RequestID>`): the id support asks for.
    RequestId,
    /// `<TraceId>`: COS's trace id.
    TraceId,
    /// `<HostId>`: S3's host id.
    HostId,
}

impl FieldName {
    /// Every field, in the order COS writes them.
    pub const ALL: [FieldName; 6] = [
        FieldName::Code,
        FieldName::Message,
        FieldName::Resource,
        FieldName::RequestId,
        FieldName::TraceId,
        FieldName::HostId,
    ];

    /// The element name as COS writes it (`"RequestId"`, not S3's `"RequestID"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            FieldName::Code => "Code",
            FieldName::Message => "Message",
            FieldName::Resource => "Resource",
            FieldName::RequestId => "RequestId",
            FieldName::TraceId => "TraceId",
            FieldName::HostId => "HostId",
        }
    }

    /// The field an element name stands for, matched ASCII case-insensitively.
    pub fn from_element_name(name: &str) -> Option<FieldName> {
        // The lengths differ except Code/HostId's neighbours; compare only candidates.
        let candidate = match name.len() {
            4 => FieldName::Code,
            6 => FieldName::HostId,
            7 if name.as_bytes()[0].eq_ignore_ascii_case(&b'M') => FieldName::Message,
            7 => FieldName::TraceId,
            8 => FieldName::Resource,
            9 => FieldName::RequestId,
            _ => return None,
        };
        candidate
            .as_str()
            .eq_ignore_ascii_case(name)
            .then_some(candidate)
    }

    const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text of one element: borrowed from the body when it could be, built otherwise.
///
/// A value is borrowed when it is one run of text (or one CDATA section) that needs no
/// unescaping; entities, several runs, or invalid UTF-8 in the body make it owned.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Field<'a> {
    text: Cow<'a, str>,
    span: Option<Range<usize>>,
}

impl<'a> Field<'a> {
    /// The value, unescaped, with ASCII whitespace trimmed at both ends.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Where the value lies in the parsed body, when it is borrowed verbatim from it.
    ///
    /// `&body[span]` is exactly [`as_str`](Self::as_str). `None` when the value had to be
    /// built (entities, several text runs, lossy UTF-8 decoding).
    pub fn span(&self) -> Option<Range<usize>> {
        self.span.clone()
    }

    /// Whether the value borrows from the body (no allocation was made for it).
    pub fn is_borrowed(&self) -> bool {
        matches!(self.text, Cow::Borrowed(_))
    }

    /// Takes the value out.
    pub fn into_text(self) -> Cow<'a, str> {
        self.text
    }

    /// Copies a borrowed value so that it no longer borrows from the body.
    pub fn into_owned(self) -> Field<'static> {
        Field {
            text: Cow::Owned(self.text.into_owned()),
            span: self.span,
        }
    }
}

impl fmt::Display for Field<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A child of `<Error>` other than the well-known fields, such as the `<StringToSign>`
/// a signature error carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Element<'a> {
    name: Cow<'a, str>,
    value: Field<'a>,
}

impl<'a> Element<'a> {
    /// The element's local name (any namespace prefix removed), as written.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The element's text, read by the same rules as the well-known fields.
    pub fn value(&self) -> &Field<'a> {
        &self.value
    }

    /// Copies borrowed parts so that the element no longer borrows from the body.
    pub fn into_owned(self) -> Element<'static> {
        Element {
            name: Cow::Owned(self.name.into_owned()),
            value: self.value.into_owned(),
        }
    }
}

/// The fields of an `<Error>` document, borrowed from the body where possible.
///
/// Built by [`parse_error`]. Accessors return `None` for a field that is absent or empty.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorBody<'a> {
    fields: [Option<Field<'a>>; 6],
    others: Vec<Element<'a>>,
    malformed: bool,
    truncated: bool,
}

impl<'a> ErrorBody<'a> {
    /// `<Code>`, e.g. `NoSuchKey`.
    pub fn code(&self) -> Option<&str> {
        self.get(FieldName::Code)
    }

    /// `<Message>`.
    pub fn message(&self) -> Option<&str> {
        self.get(FieldName::Message)
    }

    /// `<Resource>`.
    pub fn resource(&self) -> Option<&str> {
        self.get(FieldName::Resource)
    }

    /// `<RequestId>` (or S3's `<RequestID>`).
    pub fn request_id(&self) -> Option<&str> {
        self.get(FieldName::RequestId)
    }

    /// `<TraceId>`.
    pub fn trace_id(&self) -> Option<&str> {
        self.get(FieldName::TraceId)
    }

    /// `<HostId>` (S3).
    pub fn host_id(&self) -> Option<&str> {
        self.get(FieldName::HostId)
    }

    /// A well-known field with its position in the body, for callers that keep the
    /// body and want to refer to it instead of copying the value.
    pub fn field(&self, name: FieldName) -> Option<&Field<'a>> {
        self.fields[name.index()].as_ref()
    }

    /// The other children of `<Error>`, in document order: nothing the server said is dropped.
    pub fn others(&self) -> &[Element<'a>] {
        &self.others
    }

    /// Whether the document was damaged: badly formed, or cut off before `</Error>`.
    ///
    /// The fields that were complete before the damage are still returned.
    pub fn is_malformed(&self) -> bool {
        self.malformed
    }

    /// Whether the body ended inside the document (a cut-off response).
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }

    /// Copies borrowed values so that the result no longer borrows from the body.
    pub fn into_owned(self) -> ErrorBody<'static> {
        ErrorBody {
            fields: self.fields.map(|field| field.map(Field::into_owned)),
            others: self.others.into_iter().map(Element::into_owned).collect(),
            malformed: self.malformed,
            truncated: self.truncated,
        }
    }

    fn get(&self, name: FieldName) -> Option<&str> {
        self.field(name).map(Field::as_str)
    }
}

/// Reads an S3-style `<Error>` body without copying it.
///
/// The rules, in short (`error-model.md` of the project has them in full): a BOM, the XML
/// declaration, comments, processing instructions and a DTD are skipped, and no DTD
/// entity is ever expanded; the root must be `Error` (namespace and letter case
/// ignored); the known fields are its direct children, matched case-insensitively, first
/// occurrence wins; a value is all the text and CDATA inside the element, nested
/// elements included, with the predefined entities and character references decoded,
/// trimmed of ASCII whitespace (a non-breaking space is content); an empty value counts as absent; invalid UTF-8 is decoded lossily for the
/// fields it touches; a damaged or cut-off document keeps every field completed before
/// the damage and says it was malformed.
///
/// ```
/// let body = b"<?xml version='1.0' encoding='utf-8' ?>
/// <Error>
///   <Code>NoSuchKey</Code>
///   <Message>The specified key does not exist.</Message>
///   <RequestId>NjU2YzY0YmRfMTBhMzVkMGJfMjFiM2RfMjU1NmM4ZA==</RequestId>
/// </Error>";
/// let error = cos_xml::parse_error(body).unwrap();
/// assert_eq!(error.code(), Some("NoSuchKey"));
/// assert_eq!(error.request_id(), Some("NjU2YzY0YmRfMTBhMzVkMGJfMjFiM2RfMjU1NmM4ZA=="));
/// assert_eq!(error.resource(), None);
/// assert!(cos_xml::parse_error(b"<html>502 Bad Gateway</html>").is_err());
/// ```
pub fn parse_error(body: &[u8]) -> Result<ErrorBody<'_>, NotAnErrorDocument> {
    let without_bom = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let offset = body.len() - without_bom.len();
    match ErrorReader::new(without_bom, Spans::From(offset)).read() {
        Ok(parsed) => Ok(parsed),
        Err(Stop::NotAnErrorDocument) => Err(NotAnErrorDocument),
        // quick-xml refuses invalid UTF-8 outright; decoding the whole body lossily
        // first confines the damage to the fields that hold the bad bytes. Valid
        // bodies never pay for this: the reader validates as it goes.
        Err(Stop::NotUtf8) => {
            let text = String::from_utf8_lossy(without_bom);
            match ErrorReader::new(text.as_bytes(), Spans::None).read() {
                Ok(parsed) => Ok(parsed.into_owned()),
                Err(_) => Err(NotAnErrorDocument),
            }
        }
    }
}

/// Why reading stopped without a result.
enum Stop {
    NotAnErrorDocument,
    /// The reader met invalid UTF-8: read a lossily decoded copy instead.
    NotUtf8,
}

/// How the root element was written.
#[derive(PartialEq, Eq)]
enum Root {
    /// `<Error>`: children follow.
    Open,
    /// `<Error/>`: an error document that says nothing.
    Empty,
}

/// Where the element being read will go.
enum Target {
    Field(FieldName),
    Other { name: Range<usize> },
    Skip,
}

/// The text of the element being read, kept borrowed for as long as possible.
enum Collected<'a> {
    Nothing,
    One(&'a str),
    Built(String),
}

impl<'a> Collected<'a> {
    fn push(&mut self, piece: &'a str, source: &[u8]) {
        match self {
            // Leading whitespace is trimmed anyway: dropping it keeps `\n<![CDATA[x]]>` borrowed.
            Collected::Nothing if piece.trim_ascii().is_empty() => {}
            Collected::Nothing => *self = Collected::One(piece),
            _ => self.built(piece, source).push_str(piece),
        }
    }

    fn push_cow(&mut self, piece: Cow<'a, str>, source: &[u8]) {
        match piece {
            Cow::Borrowed(piece) => self.push(piece, source),
            Cow::Owned(piece) => self.built(&piece, source).push_str(&piece),
        }
    }

    /// The value as a string being built, with room for the rest of the element.
    ///
    /// Unescaping only shrinks text, so the source up to the next end tag bounds the
    /// value's length: one allocation covers the whole field.
    fn built(&mut self, next: &str, source: &[u8]) -> &mut String {
        if let Collected::Built(built) = self {
            return built;
        }
        let first = match self {
            Collected::One(first) => *first,
            _ => "",
        };
        let from = span_in(
            source,
            if first.is_empty() { next } else { first }.as_bytes(),
        )
        .map_or(0, |span| span.start);
        let rest = source.get(from..).unwrap_or_default();
        let bound = memchr::memmem::find(rest, b"</").unwrap_or(rest.len());
        let mut built = String::with_capacity(bound.max(first.len() + next.len() + 4));
        built.push_str(first);
        *self = Collected::Built(built);
        match self {
            Collected::Built(built) => built,
            _ => unreachable!("just built"),
        }
    }

    /// The trimmed value, `None` when empty.
    fn finish(self, source: &[u8], spans: Spans) -> Option<Field<'a>> {
        match self {
            Collected::Nothing => None,
            Collected::One(text) => {
                let text = text.trim_ascii();
                if text.is_empty() {
                    return None;
                }
                let span = match spans {
                    Spans::From(offset) => span_in(source, text.as_bytes())
                        .map(|span| span.start + offset..span.end + offset),
                    Spans::None => None,
                };
                Some(Field {
                    text: Cow::Borrowed(text),
                    span,
                })
            }
            Collected::Built(mut built) => {
                let end = built.trim_ascii_end().len();
                built.truncate(end);
                let start = built.len() - built.trim_ascii_start().len();
                built.drain(..start);
                (!built.is_empty()).then_some(Field {
                    text: Cow::Owned(built),
                    span: None,
                })
            }
        }
    }
}

/// Whether borrowed values can be located in the caller's body.
#[derive(Clone, Copy)]
enum Spans {
    /// The parsed text starts this many bytes into the body (after a BOM).
    From(usize),
    /// The parsed text is a repaired copy of the body.
    None,
}

/// One pass of quick-xml's borrowing reader over the body.
struct ErrorReader<'a> {
    source: &'a [u8],
    reader: Reader<&'a [u8]>,
    spans: Spans,
}

impl<'a> ErrorReader<'a> {
    fn new(source: &'a [u8], spans: Spans) -> Self {
        let mut reader = Reader::from_reader(source);
        let config = reader.config_mut();
        // Names are matched by depth, not by name: `<Code>x</code>` still closes.
        config.check_end_names = false;
        config.check_comments = false;
        // Whitespace between the root's children is skipped by the reader, no event made;
        // inside a field it is content (`a &amp; b`), so `read` turns this off there.
        config.trim_text_start = true;
        config.trim_text_end = false;
        config.expand_empty_elements = false;
        // A lone `&` in a message must not throw away the rest of the document.
        config.allow_dangling_amp = true;
        ErrorReader {
            source,
            reader,
            spans,
        }
    }

    fn read(mut self) -> Result<ErrorBody<'a>, Stop> {
        let mut body = ErrorBody::default();
        if self.find_root()? == Root::Empty {
            return Ok(body);
        }
        let mut depth = 0usize; // below the root
        let mut target = Target::Skip;
        let mut collected = Collected::Nothing;
        loop {
            let event = match self.reader.read_event() {
                Ok(event) => event,
                Err(XmlError::Encoding(_)) => return Err(Stop::NotUtf8),
                Err(error) => {
                    body.malformed = true;
                    body.truncated = is_truncation(&error);
                    return Ok(body);
                }
            };
            match event {
                Event::Start(start) if depth == 0 => {
                    target = self.target_for(start.local_name().as_ref(), &body);
                    collected = Collected::Nothing;
                    depth = 1;
                    self.reader.config_mut().trim_text_start = false;
                }
                Event::Start(_) => depth += 1,
                Event::Empty(empty) if depth == 0 => {
                    let target = self.target_for(empty.local_name().as_ref(), &body);
                    if let Target::Other { .. } = target {
                        store(&mut body, target, None, self.source);
                    }
                }
                Event::End(_) if depth == 0 => return Ok(body),
                Event::End(_) => {
                    depth -= 1;
                    if depth == 0 {
                        self.reader.config_mut().trim_text_start = true;
                        let value = std::mem::replace(&mut collected, Collected::Nothing)
                            .finish(self.source, self.spans);
                        store(
                            &mut body,
                            std::mem::replace(&mut target, Target::Skip),
                            value,
                            self.source,
                        );
                    }
                }
                Event::Text(text) if depth > 0 => {
                    collected.push_cow(text.into_inner(), self.source)
                }
                Event::CData(cdata) if depth > 0 => {
                    collected.push_cow(cdata.into_inner(), self.source)
                }
                Event::GeneralRef(reference) if depth > 0 => {
                    push_reference(&mut collected, &reference, self.source);
                }
                Event::Eof => {
                    body.malformed = true;
                    body.truncated = true;
                    return Ok(body);
                }
                // Comments, processing instructions and text between the fields.
                _ => {}
            }
        }
    }

    /// Skips the prolog and checks that the root element is `Error`.
    fn find_root(&mut self) -> Result<Root, Stop> {
        loop {
            match self.reader.read_event() {
                Ok(Event::Start(start)) if is_error_name(start.local_name().as_ref()) => {
                    return Ok(Root::Open);
                }
                Ok(Event::Empty(empty)) if is_error_name(empty.local_name().as_ref()) => {
                    return Ok(Root::Empty);
                }
                Ok(Event::Text(text)) if text.trim_ascii().is_empty() => {}
                Ok(Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_)) => {}
                Err(XmlError::Encoding(_)) => return Err(Stop::NotUtf8),
                _ => return Err(Stop::NotAnErrorDocument),
            }
        }
    }

    fn target_for(&self, local_name: &str, body: &ErrorBody<'_>) -> Target {
        match FieldName::from_element_name(local_name) {
            Some(field) if body.fields[field.index()].is_none() => Target::Field(field),
            Some(_) => Target::Skip,
            None => match span_in(self.source, local_name.as_bytes()) {
                Some(name) => Target::Other { name },
                None => Target::Skip,
            },
        }
    }
}

fn store<'a>(body: &mut ErrorBody<'a>, target: Target, value: Option<Field<'a>>, source: &'a [u8]) {
    match target {
        Target::Field(field) => body.fields[field.index()] = value,
        // The reader checked the name was UTF-8 before handing it over.
        Target::Other { name } => body.others.push(Element {
            name: Cow::Borrowed(std::str::from_utf8(&source[name]).unwrap_or_default()),
            value: value.unwrap_or(Field {
                text: Cow::Borrowed(""),
                span: None,
            }),
        }),
        Target::Skip => {}
    }
}

fn is_error_name(local_name: &str) -> bool {
    local_name.eq_ignore_ascii_case("Error")
}

/// Decodes `&name;`: the five predefined entities and character references. Anything
/// else (a DTD entity, an unknown name) is kept as written: nothing is ever expanded.
fn push_reference(collected: &mut Collected<'_>, reference: &BytesRef<'_>, source: &[u8]) {
    let name: &str = reference;
    let predefined = match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => None,
    };
    let decoded = predefined.or_else(|| {
        reference
            .is_char_ref()
            .then(|| reference.resolve_char_ref().ok().flatten())
            .flatten()
    });
    let built = collected.built(reference, source);
    match decoded {
        Some(c) => built.push(c),
        None => {
            built.push('&');
            built.push_str(name);
            built.push(';');
        }
    }
}

/// Whether quick-xml stopped because the input ended inside a construct.
fn is_truncation(error: &XmlError) -> bool {
    use quick_xml::errors::SyntaxError;
    matches!(
        error,
        XmlError::Syntax(
            SyntaxError::UnclosedPI
                | SyntaxError::UnclosedXmlDecl
                | SyntaxError::UnclosedComment
                | SyntaxError::UnclosedDoctype
                | SyntaxError::UnclosedCData
                | SyntaxError::UnclosedTag
                | SyntaxError::UnclosedSingleQuotedAttributeValue
                | SyntaxError::UnclosedDoubleQuotedAttributeValue
        )
    )
}
