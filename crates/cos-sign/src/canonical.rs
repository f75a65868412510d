//! The canonical request (COS `HttpString`) and the two HMAC steps, written once and driven
//! either into a streaming SHA-1 (signing: no intermediate strings are built) or into a
//! byte buffer (the debugging report and verification diagnostics).

use std::cmp::Ordering;

use hmac::{Hmac, Mac};
use http::header::GetAll;
use http::{HeaderMap, HeaderValue, Method, Request, Uri};
use sha1::{Digest, Sha1};
use smallvec::SmallVec;

use crate::encode::{Decoder, Encoded, decode_one, encode_byte, is_unreserved};
use crate::{KeyTime, SECURITY_TOKEN_HEADER};

type HmacSha1 = Hmac<Sha1>;

/// Where canonical bytes go.
pub(crate) trait Sink {
    fn put(&mut self, bytes: &[u8]);
    #[inline]
    fn put_byte(&mut self, byte: u8) {
        self.put(std::slice::from_ref(&byte));
    }
}

impl Sink for Vec<u8> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Sink into a `String`; only ever given ASCII (encoded names and fixed text).
pub(crate) struct AsciiString<'s>(pub(crate) &'s mut String);

impl Sink for AsciiString<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        debug_assert!(bytes.is_ascii());
        self.0
            .push_str(std::str::from_utf8(bytes).unwrap_or_default());
    }

    #[inline]
    fn put_byte(&mut self, byte: u8) {
        debug_assert!(byte.is_ascii());
        self.0.push(char::from(byte));
    }
}

/// Feeds SHA-1 through a stack buffer: the canonical form is produced a few bytes at a time,
/// and calling the hasher per fragment costs more than the hashing itself.
pub(crate) struct HashSink {
    hasher: Sha1,
    buffer: [u8; 256],
    filled: usize,
}

impl HashSink {
    pub(crate) fn new() -> Self {
        HashSink {
            hasher: Sha1::new(),
            buffer: [0; 256],
            filled: 0,
        }
    }

    pub(crate) fn finish_hex(&mut self) -> [u8; 40] {
        self.hasher.update(&self.buffer[..self.filled]);
        self.filled = 0;
        hex40(&self.hasher.finalize_reset())
    }
}

impl Sink for HashSink {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        // Most fragments are a few bytes: a byte loop beats a `memcpy` call for those.
        if bytes.len() <= 8 && self.filled + 8 <= self.buffer.len() {
            for &byte in bytes {
                self.buffer[self.filled] = byte;
                self.filled += 1;
            }
            return;
        }
        if self.filled + bytes.len() > self.buffer.len() {
            self.hasher.update(&self.buffer[..self.filled]);
            self.filled = 0;
            if bytes.len() > self.buffer.len() {
                self.hasher.update(bytes);
                return;
            }
        }
        self.buffer[self.filled..self.filled + bytes.len()].copy_from_slice(bytes);
        self.filled += bytes.len();
    }

    #[inline]
    fn put_byte(&mut self, byte: u8) {
        if self.filled == self.buffer.len() {
            self.hasher.update(self.buffer);
            self.filled = 0;
        }
        self.buffer[self.filled] = byte;
        self.filled += 1;
    }
}

pub(crate) fn hex40(digest: &[u8]) -> [u8; 40] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 40];
    for (index, byte) in digest.iter().take(20).enumerate() {
        out[index * 2] = HEX[usize::from(byte >> 4)];
        out[index * 2 + 1] = HEX[usize::from(byte & 0x0f)];
    }
    out
}

/// Writes the COS encoding of one byte; `name` form lowercases the result (letters and hex).
#[inline]
fn put_encoded_byte<S: Sink>(sink: &mut S, byte: u8, name: bool) {
    match encode_byte(byte, name) {
        Encoded::Plain(b) => sink.put_byte(if name { b.to_ascii_lowercase() } else { b }),
        Encoded::Escaped(escape) => sink.put(&escape),
    }
}

/// Bytes copied unchanged into a canonical value / name (names are also lower-cased).
const VALUE_VERBATIM: [bool; 256] = verbatim_table(false);
const NAME_VERBATIM: [bool; 256] = verbatim_table(true);

const fn verbatim_table(name: bool) -> [bool; 256] {
    let mut table = [false; 256];
    let mut index = 0;
    while index < 256 {
        let byte = index as u8;
        table[index] = is_unreserved(byte) && !(name && byte.is_ascii_uppercase());
        index += 1;
    }
    table
}

/// [`put_encoded`] over a slice: runs that need no change are copied in one go.
#[inline]
fn put_encoded_slice<S: Sink>(sink: &mut S, bytes: &[u8], name: bool) {
    let verbatim = if name {
        &NAME_VERBATIM
    } else {
        &VALUE_VERBATIM
    };
    let mut rest = bytes;
    while !rest.is_empty() {
        let run = rest
            .iter()
            .position(|&b| !verbatim[usize::from(b)])
            .unwrap_or(rest.len());
        if run > 0 {
            sink.put(&rest[..run]);
        }
        let Some(&byte) = rest.get(run) else { break };
        put_encoded_byte(sink, byte, name);
        rest = &rest[run + 1..];
    }
}

/// Encodes the decoding of `wire` (a query name or value) in one pass: runs that neither
/// decoding nor encoding changes are copied whole.
#[inline]
fn put_decoded_encoded<S: Sink>(sink: &mut S, wire: &[u8], name: bool) {
    // `%` and `+` are not verbatim, so a run always stops before them.
    let verbatim = if name {
        &NAME_VERBATIM
    } else {
        &VALUE_VERBATIM
    };
    let mut rest = wire;
    while !rest.is_empty() {
        let run = rest
            .iter()
            .position(|&b| !verbatim[usize::from(b)])
            .unwrap_or(rest.len());
        if run > 0 {
            sink.put(&rest[..run]);
        }
        let Some(&byte) = rest.get(run) else { break };
        let (decoded, consumed) = if byte == b'%' || byte == b'+' {
            decode_one(&rest[run..], true)
        } else {
            (byte, 1)
        };
        put_encoded_byte(sink, decoded, name);
        rest = &rest[run + consumed..];
    }
}

/// Writes the decoding of a wire path.
#[inline]
fn put_decoded_path<S: Sink>(sink: &mut S, wire: &[u8]) {
    let mut index = 0;
    while index < wire.len() {
        let (byte, consumed) = if wire[index] == b'%' {
            decode_one(&wire[index..], false)
        } else {
            (wire[index], 1)
        };
        sink.put_byte(byte);
        index += consumed;
    }
}

/// The encoded bytes of one name or value, lazily, for ordering without allocating.
#[derive(Clone)]
struct EncodedIter<I> {
    inner: I,
    name: bool,
    pending: [u8; 2],
    pending_len: u8,
}

impl<I: Iterator<Item = u8>> Iterator for EncodedIter<I> {
    type Item = u8;

    #[inline]
    fn next(&mut self) -> Option<u8> {
        if self.pending_len > 0 {
            let byte = self.pending[2 - usize::from(self.pending_len)];
            self.pending_len -= 1;
            return Some(byte);
        }
        match encode_byte(self.inner.next()?, self.name) {
            Encoded::Plain(b) => Some(if self.name { b.to_ascii_lowercase() } else { b }),
            Encoded::Escaped([percent, high, low]) => {
                self.pending = [high, low];
                self.pending_len = 2;
                Some(percent)
            }
        }
    }
}

fn encoded<I: Iterator<Item = u8>>(inner: I, name: bool) -> EncodedIter<I> {
    EncodedIter {
        inner,
        name,
        pending: [0; 2],
        pending_len: 0,
    }
}

/// One query parameter, still in wire form (decoded lazily).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Param<'a> {
    pub(crate) name: &'a [u8],
    pub(crate) value: &'a [u8],
    /// The name is all unreserved bytes: its canonical form is just its lowercase.
    plain_name: bool,
}

impl<'a> Param<'a> {
    fn decoded_name(&self) -> Decoder<'a> {
        Decoder::new(self.name, true)
    }
    fn decoded_value(&self) -> Decoder<'a> {
        Decoder::new(self.value, true)
    }
    /// `lower(UrlEncode(decoded name))`, lazily.
    pub(crate) fn canonical_name(&self) -> impl Iterator<Item = u8> + Clone + 'a {
        encoded(self.decoded_name(), true)
    }
}

/// Splits a wire query string into parameters; `?acl` is `acl` with an empty value.
pub(crate) fn params_of(query: &str) -> impl Iterator<Item = Param<'_>> {
    query
        .as_bytes()
        .split(|&b| b == b'&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (name, value) = match piece.iter().position(|&b| b == b'=') {
                Some(equals) => (&piece[..equals], &piece[equals + 1..]),
                None => (piece, &[][..]),
            };
            let plain_name = name.iter().all(|&b| is_unreserved(b));
            Param {
                name,
                value,
                plain_name,
            }
        })
}

/// Insertion sort: the lists are short and usually almost in order already (headers keep
/// the order they were added in), where it beats the general-purpose sort.
fn insertion_sort<T>(items: &mut [T], compare: impl Fn(&T, &T) -> Ordering) {
    for end in 1..items.len() {
        let mut index = end;
        while index > 0 && compare(&items[index - 1], &items[index]) == Ordering::Greater {
            items.swap(index - 1, index);
            index -= 1;
        }
    }
}

/// One signed header: the request's values for a name, or a value the signer adds.
#[derive(Debug)]
pub(crate) struct Header<'a> {
    pub(crate) name: &'a str,
    /// The name is all unreserved lowercase bytes: it is its own canonical form.
    plain_name: bool,
    pub(crate) values: HeaderValues<'a>,
}

#[derive(Debug)]
pub(crate) enum HeaderValues<'a> {
    /// Every value the request carries for the name, joined with `,` when there are several.
    Request(GetAll<'a, HeaderValue>),
    /// A single value: the request's, or one the signer adds (`host` derived from the URI,
    /// the security token).
    One(&'a [u8]),
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t'))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t'))
        .map_or(start, |i| i + 1);
    &bytes[start..end]
}

impl Header<'_> {
    fn put_value<S: Sink>(&self, sink: &mut S) {
        match &self.values {
            HeaderValues::One(value) => put_encoded_slice(sink, trim(value), false),
            HeaderValues::Request(values) => {
                for (index, value) in values.iter().enumerate() {
                    if index > 0 {
                        // `,` as UrlEncode writes it
                        sink.put(b"%2C");
                    }
                    put_encoded_slice(sink, trim(value.as_bytes()), false);
                }
            }
        }
    }

    pub(crate) fn canonical_name(&self) -> impl Iterator<Item = u8> + Clone + '_ {
        encoded(self.name.bytes(), true)
    }
}

/// Everything the signature covers, borrowed from the request; built without allocating for
/// up to 12 headers and 8 parameters.
pub(crate) struct Canonical<'a> {
    pub(crate) method: &'a Method,
    pub(crate) path: &'a str,
    pub(crate) params: SmallVec<[Param<'a>; 8]>,
    pub(crate) headers: SmallVec<[Header<'a>; 12]>,
}

/// The `Host` an HTTP/1.1 client sends for `uri`: the authority without user info, and
/// without the port when it is the scheme's default. Case is kept, as hyper sends it.
pub(crate) fn host_of(uri: &Uri) -> Option<&str> {
    let authority = uri.authority()?;
    let text = authority.as_str();
    let text = text.rsplit_once('@').map_or(text, |(_, host)| host);
    if let Some(port) = authority.port() {
        let default_port = match uri.scheme_str() {
            Some(scheme) if scheme.eq_ignore_ascii_case("https") => Some(443),
            Some(scheme) if scheme.eq_ignore_ascii_case("http") => Some(80),
            _ => None,
        };
        if default_port == Some(port.as_u16()) {
            return text
                .strip_suffix(port.as_str())
                .and_then(|t| t.strip_suffix(':'));
        }
    }
    Some(text)
}

fn compare_params(a: &Param<'_>, b: &Param<'_>) -> Ordering {
    let names = if a.plain_name && b.plain_name {
        // The canonical form of an unreserved name is its lowercase.
        a.name
            .iter()
            .map(u8::to_ascii_lowercase)
            .cmp(b.name.iter().map(u8::to_ascii_lowercase))
    } else {
        a.canonical_name().cmp(b.canonical_name())
    };
    names.then_with(|| encoded(a.decoded_value(), false).cmp(encoded(b.decoded_value(), false)))
}

fn is_plain_name(name: &str) -> bool {
    name.bytes()
        .all(|b| is_unreserved(b) && !b.is_ascii_uppercase())
}

fn compare_headers(a: &Header<'_>, b: &Header<'_>) -> Ordering {
    if a.plain_name && b.plain_name {
        a.name.cmp(b.name)
    } else {
        a.canonical_name().cmp(b.canonical_name())
    }
}

impl<'a> Canonical<'a> {
    /// Collects the signed parts of `request`.
    ///
    /// `sign_header` chooses among the request's headers; `added` are headers the signer
    /// supplies (they replace a request header of the same name). `sign_param` chooses
    /// among the query parameters.
    #[inline]
    pub(crate) fn collect<B>(
        request: &'a Request<B>,
        sign_header: impl Fn(&str) -> bool,
        added: &[(&'a str, &'a [u8])],
        sign_param: impl Fn(&Param<'a>) -> bool,
    ) -> Self {
        let uri = request.uri();
        let mut params: SmallVec<[Param<'a>; 8]> = SmallVec::new();
        if let Some(query) = uri.query() {
            params.extend(params_of(query).filter(|param| sign_param(param)));
        }
        insertion_sort(&mut params, compare_params);

        let mut headers: SmallVec<[Header<'a>; 12]> = SmallVec::new();
        let map: &'a HeaderMap = request.headers();
        // `HeaderMap::iter` yields the values of one name consecutively.
        for (name, value) in map.iter() {
            let name = name.as_str();
            if let Some(last) = headers.last_mut()
                && last.name == name
            {
                last.values = HeaderValues::Request(map.get_all(name));
                continue;
            }
            if sign_header(name) && !added.iter().any(|(added_name, _)| *added_name == name) {
                headers.push(Header {
                    name,
                    plain_name: is_plain_name(name),
                    values: HeaderValues::One(value.as_bytes()),
                });
            }
        }
        for &(name, value) in added {
            headers.push(Header {
                name,
                plain_name: is_plain_name(name),
                values: HeaderValues::One(value),
            });
        }
        insertion_sort(&mut headers, compare_headers);

        let path = uri.path();
        Canonical {
            method: request.method(),
            path: if path.is_empty() { "/" } else { path },
            params,
            headers,
        }
    }

    /// Writes the COS `HttpString`.
    pub(crate) fn write_http_string<S: Sink>(&self, sink: &mut S) {
        self.write_http_string_as::<S, false>(sink);
    }

    /// The `HttpString` for diagnostics: the values of session-token headers and parameters
    /// are replaced by [`REDACTED`] (the signature is always computed over the real string).
    pub(crate) fn write_http_string_redacted<S: Sink>(&self, sink: &mut S) {
        self.write_http_string_as::<S, true>(sink);
    }

    #[inline]
    fn write_http_string_as<S: Sink, const REDACT: bool>(&self, sink: &mut S) {
        for byte in self.method.as_str().bytes() {
            sink.put_byte(byte.to_ascii_lowercase());
        }
        sink.put_byte(b'\n');
        // The decoded path, verbatim (doc 436/7778; protocol.md §2.4).
        put_decoded_path(sink, self.path.as_bytes());
        sink.put_byte(b'\n');
        for (index, param) in self.params.iter().enumerate() {
            if index > 0 {
                sink.put_byte(b'&');
            }
            put_decoded_encoded(sink, param.name, true);
            sink.put_byte(b'=');
            if REDACT && is_token_name(param.canonical_name()) {
                sink.put(REDACTED);
            } else {
                put_decoded_encoded(sink, param.value, false);
            }
        }
        sink.put_byte(b'\n');
        for (index, header) in self.headers.iter().enumerate() {
            if index > 0 {
                sink.put_byte(b'&');
            }
            put_encoded_slice(sink, header.name.as_bytes(), true);
            sink.put_byte(b'=');
            if REDACT && is_token_name(header.canonical_name()) {
                sink.put(REDACTED);
            } else {
                header.put_value(sink);
            }
        }
        sink.put_byte(b'\n');
    }

    pub(crate) fn write_header_list<S: Sink>(&self, sink: &mut S) {
        for (index, header) in self.headers.iter().enumerate() {
            if index > 0 {
                sink.put_byte(b';');
            }
            put_encoded_slice(sink, header.name.as_bytes(), true);
        }
    }

    pub(crate) fn write_param_list<S: Sink>(&self, sink: &mut S) {
        for (index, param) in self.params.iter().enumerate() {
            if index > 0 {
                sink.put_byte(b';');
            }
            put_decoded_encoded(sink, param.name, true);
        }
    }

    /// Upper bound of the header and parameter lists' length.
    pub(crate) fn lists_capacity(&self) -> usize {
        let headers: usize = self.headers.iter().map(|h| h.name.len() * 3 + 1).sum();
        let params: usize = self.params.iter().map(|p| p.name.len() * 3 + 1).sum();
        headers + params
    }

    /// `hex(SHA1(HttpString))` without building the string.
    pub(crate) fn http_string_sha1(&self) -> [u8; 40] {
        let mut sink = HashSink::new();
        self.write_http_string(&mut sink);
        sink.finish_hex()
    }
}

/// Headers and parameters whose values are session tokens.
const TOKEN_NAMES: [&str; 2] = [SECURITY_TOKEN_HEADER, "x-ci-security-token"];

/// What diagnostics show in place of a secret.
pub(crate) const REDACTED: &[u8] = b"<redacted>";

/// Whether a canonical (lowercased, encoded) name is one of [`TOKEN_NAMES`].
fn is_token_name(canonical_name: impl Iterator<Item = u8> + Clone) -> bool {
    TOKEN_NAMES
        .iter()
        .any(|token| canonical_name.clone().eq(token.bytes()))
}

/// `lower(UrlEncode(name))`, lazily: the canonical form of a header or parameter name.
pub(crate) fn canonical_name(name: &[u8]) -> impl Iterator<Item = u8> + Clone + '_ {
    encoded(name.iter().copied(), true)
}

/// `"<start>;<end>"` on the stack.
#[derive(Clone, Copy)]
pub(crate) struct KeyTimeText {
    buffer: [u8; 41],
    len: usize,
}

impl KeyTimeText {
    pub(crate) fn new(key_time: KeyTime) -> Self {
        let mut text = KeyTimeText {
            buffer: [0; 41],
            len: 0,
        };
        text.push_decimal(key_time.start());
        text.buffer[text.len] = b';';
        text.len += 1;
        text.push_decimal(key_time.end());
        text
    }

    fn push_decimal(&mut self, mut value: u64) {
        let mut digits = [0u8; 20];
        let mut count = 0;
        loop {
            digits[19 - count] = b'0' + (value % 10) as u8;
            count += 1;
            value /= 10;
            if value == 0 {
                break;
            }
        }
        self.buffer[self.len..self.len + count].copy_from_slice(&digits[20 - count..]);
        self.len += count;
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buffer[..self.len]
    }

    pub(crate) fn as_str(&self) -> &str {
        // only ASCII digits and `;` are ever written
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

/// `hex(HMAC-SHA1(SecretKey, KeyTime))`.
pub(crate) fn sign_key(secret_key: &str, key_time: &[u8]) -> [u8; 40] {
    let mut mac =
        HmacSha1::new_from_slice(secret_key.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(key_time);
    hex40(&mac.finalize().into_bytes())
}

/// The HMAC over `StringToSign`, keyed by the SignKey's hex text, ready to finalise or verify.
pub(crate) fn signature_mac(
    sign_key_hex: &[u8; 40],
    sign_time: &[u8],
    http_sha1_hex: &[u8; 40],
) -> HmacSha1 {
    let mut mac = HmacSha1::new_from_slice(sign_key_hex).expect("HMAC takes keys of any length");
    mac.update(b"sha1\n");
    mac.update(sign_time);
    mac.update(b"\n");
    mac.update(http_sha1_hex);
    mac.update(b"\n");
    mac
}

/// `StringToSign` as text (for reports).
pub(crate) fn string_to_sign(sign_time: &str, http_sha1_hex: &[u8; 40]) -> String {
    format!("sha1\n{sign_time}\n{}\n", ascii(http_sha1_hex))
}

pub(crate) fn ascii(hex: &[u8; 40]) -> &str {
    std::str::from_utf8(hex).unwrap_or_default()
}

/// Writes the `Authorization` value into a string allocated once.
pub(crate) fn authorization_string(
    canonical: &Canonical<'_>,
    secret_id: &str,
    key_time: &KeyTimeText,
    signature: &[u8; 40],
) -> String {
    const FIXED: usize = "q-sign-algorithm=sha1&q-ak=&q-sign-time=&q-key-time=&q-header-list=&q-url-param-list=&q-signature="
        .len();
    let capacity = FIXED + secret_id.len() + 2 * key_time.len + canonical.lists_capacity() + 40;
    // Built as bytes and validated once at the end: every byte written is ASCII.
    let mut out: Vec<u8> = Vec::with_capacity(capacity);
    out.put(b"q-sign-algorithm=sha1&q-ak=");
    out.put(secret_id.as_bytes());
    out.put(b"&q-sign-time=");
    out.put(key_time.as_bytes());
    out.put(b"&q-key-time=");
    out.put(key_time.as_bytes());
    out.put(b"&q-header-list=");
    canonical.write_header_list(&mut out);
    out.put(b"&q-url-param-list=");
    canonical.write_param_list(&mut out);
    out.put(b"&q-signature=");
    out.put(signature);
    debug_assert!(out.len() <= capacity);
    String::from_utf8(out).expect("the secret id is a str and everything else is ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(uri: &str) -> Option<String> {
        host_of(&uri.parse().unwrap()).map(str::to_owned)
    }

    #[test]
    fn host_is_what_an_http1_client_sends() {
        assert_eq!(
            host("https://b.cos.ap-guangzhou.myqcloud.com/k").as_deref(),
            Some("b.cos.ap-guangzhou.myqcloud.com")
        );
        assert_eq!(host("https://h.example:443/").as_deref(), Some("h.example"));
        assert_eq!(host("http://h.example:80/").as_deref(), Some("h.example"));
        assert_eq!(
            host("http://h.example:443/").as_deref(),
            Some("h.example:443")
        );
        assert_eq!(
            host("http://127.0.0.1:9000/").as_deref(),
            Some("127.0.0.1:9000")
        );
        assert_eq!(host("http://[::1]:8080/").as_deref(), Some("[::1]:8080"));
        assert_eq!(
            host("http://user:pw@h.example:8080/").as_deref(),
            Some("h.example:8080")
        );
        assert_eq!(host("/origin/form"), None);
    }

    fn http_string(request: &Request<()>) -> String {
        let canonical =
            Canonical::collect(request, crate::policy::is_default_signed, &[], |_| true);
        let mut out = Vec::new();
        canonical.write_http_string(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn repeated_headers_are_joined_and_trimmed() {
        let request = Request::get("/k")
            .header("x-cos-meta-a", " one ")
            .header("host", "h")
            .header("x-cos-meta-a", "two")
            .body(())
            .unwrap();
        assert_eq!(
            http_string(&request),
            "get\n/k\n\nhost=h&x-cos-meta-a=one%2Ctwo\n"
        );
    }

    #[test]
    fn query_is_decoded_once_then_encoded() {
        let request = Request::get("/a%2Fb+c?B=%2B+%20&acl&x=%zz&uploadId=Q%3d%3D&%E5%90%8D=1")
            .header("host", "h")
            .body(())
            .unwrap();
        assert_eq!(
            http_string(&request),
            "get\n/a/b+c\n%e5%90%8d=1&acl=&b=%2B%20%20&uploadid=Q%3D%3D&x=%25zz\nhost=h\n"
        );
    }

    #[test]
    fn the_redacted_http_string_hides_token_values_only() {
        let request =
            Request::get("/k?x-cos-security-token=qtoken&X-CI-Security-Token=citoken&a=1")
                .header("host", "h")
                .header("x-cos-security-token", "htoken")
                .body(())
                .unwrap();
        let canonical = Canonical::collect(&request, |_| true, &[], |_| true);
        let mut redacted = Vec::new();
        canonical.write_http_string_redacted(&mut redacted);
        assert_eq!(
            String::from_utf8(redacted).unwrap(),
            "get\n/k\na=1&x-ci-security-token=<redacted>&x-cos-security-token=<redacted>\n\
             host=h&x-cos-security-token=<redacted>\n"
        );
        let mut real = Vec::new();
        canonical.write_http_string(&mut real);
        let real = String::from_utf8(real).unwrap();
        for token in ["qtoken", "citoken", "htoken"] {
            assert!(real.contains(token), "{real}");
        }
    }

    #[test]
    fn ordering_uses_the_encoded_names() {
        // `!` encodes to `%21`, which sorts before every unreserved byte.
        let request = Request::get("/k?a=1&!b=2&A0=3&_z=4")
            .header("host", "h")
            .header("x-cos-meta-!", "v")
            .header("x-cos-meta-0", "w")
            .body(())
            .unwrap();
        assert_eq!(
            http_string(&request),
            "get\n/k\n%21b=2&_z=4&a=1&a0=3\nhost=h&x-cos-meta-%21=v&x-cos-meta-0=w\n"
        );
    }
}
