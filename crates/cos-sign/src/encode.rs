//! The one percent-encoder used both to build request URLs and to sign them.
//!
//! COS signs the *decoded* path and the *decoded* query, each re-encoded with its own rule
//! ([`query_component`]), while the wire path keeps `/` ([`path`]). Building URLs and signing
//! them through the same functions means the two cannot drift apart: whatever is sent decodes
//! back to exactly what was signed.
//!
//! - [`query_component`]: COS `UrlEncode` — every byte except `A-Z a-z 0-9 - _ . ~` becomes
//!   `%XX` (uppercase hex); space is `%20`, never `+`. Used for query names and values and for
//!   every value inside the signature.
//! - [`path`]: the wire path of an object key — `/` + the key with every byte except the
//!   unreserved set and `/` escaped, plus the dot-segment protection described there.
//! - [`decode_path`], [`decode_query_component`]: the inverse, as a server (and the verifier)
//!   reads a request line.

use std::borrow::Cow;

/// `true` for the bytes COS leaves unescaped: `A-Z a-z 0-9 - _ . ~`.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' || b == b'~';
        byte += 1;
    }
    table
};

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";
const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";

/// Whether `byte` passes through [`query_component`] unescaped.
#[inline]
pub const fn is_unreserved(byte: u8) -> bool {
    UNRESERVED[byte as usize]
}

/// The encoded form of one byte: itself, or `%XX` with upper- or lowercase hex.
///
/// This is the single place where COS escaping is decided; everything else in the crate
/// (URL building, signing, verification) goes through it.
#[inline]
pub(crate) fn encode_byte(byte: u8, lowercase_hex: bool) -> Encoded {
    if is_unreserved(byte) {
        Encoded::Plain(byte)
    } else {
        let hex = if lowercase_hex { HEX_LOWER } else { HEX_UPPER };
        Encoded::Escaped([
            b'%',
            hex[usize::from(byte >> 4)],
            hex[usize::from(byte & 0x0f)],
        ])
    }
}

/// One encoded byte: unchanged, or a three-byte escape.
#[derive(Clone, Copy)]
pub(crate) enum Encoded {
    Plain(u8),
    Escaped([u8; 3]),
}

/// Appends the COS `UrlEncode` of `input` to `out` (see [`query_component`]).
pub fn push_query_component(out: &mut String, input: &str) {
    push_encoded(out, input.as_bytes(), false);
}

/// COS `UrlEncode`: every byte except `A-Z a-z 0-9 - _ . ~` as `%XX` (uppercase hex).
///
/// ```
/// assert_eq!(cos_sign::encode::query_component("a b+c/d=é"), "a%20b%2Bc%2Fd%3D%C3%A9");
/// ```
pub fn query_component(input: &str) -> String {
    let mut out = String::with_capacity(input.len() * 3);
    push_query_component(&mut out, input);
    out
}

fn push_encoded(out: &mut String, input: &[u8], keep_slash: bool) {
    for &byte in input {
        if keep_slash && byte == b'/' {
            out.push('/');
            continue;
        }
        match encode_byte(byte, false) {
            Encoded::Plain(b) => out.push(char::from(b)),
            Encoded::Escaped(escape) => {
                for b in escape {
                    out.push(char::from(b));
                }
            }
        }
    }
}

/// The wire path of object `key`: `/` followed by the key with every byte outside
/// `A-Z a-z 0-9 - _ . ~ /` escaped. An empty key gives `/` (the bucket root).
///
/// Dot segments must reach the server verbatim, but URL libraries (and some proxies)
/// resolve `.` and `..`. As the official Python SDK does, a `/` that follows a `.` is sent as
/// `%2F` (`a/../b` → `/a/..%2Fb`); in addition, a `/` is escaped when the rest of the key is
/// exactly `.` or `..` (`a/..` → `/a%2F..`). The server decodes `%2F` back to `/`, so the
/// decoded path — which is what is signed — is still `/` + key. A key that is itself `.` or
/// `..` cannot be protected this way.
///
/// ```
/// assert_eq!(cos_sign::encode::path("目录/my photo.jpg"), "/%E7%9B%AE%E5%BD%95/my%20photo.jpg");
/// assert_eq!(cos_sign::encode::path("a/./b/../c"), "/a/.%2Fb/..%2Fc");
/// assert_eq!(cos_sign::encode::path(""), "/");
/// ```
pub fn path(key: &str) -> String {
    let mut out = String::with_capacity(key.len() * 3 + 1);
    push_path(&mut out, key);
    out
}

/// Appends [`path`]`(key)` to `out`.
pub fn push_path(out: &mut String, key: &str) {
    out.push('/');
    let bytes = key.as_bytes();
    for (index, &byte) in bytes.iter().enumerate() {
        if byte == b'/' {
            let after_dot = index > 0 && bytes[index - 1] == b'.';
            let rest = &bytes[index + 1..];
            if after_dot || rest == b"." || rest == b".." {
                out.push_str("%2F");
            } else {
                out.push('/');
            }
        } else {
            push_encoded(out, std::slice::from_ref(&byte), false);
        }
    }
}

/// Decodes a wire path: `%XX` escapes become bytes; `+` stays `+`. Malformed escapes are kept
/// as they are. The result is bytes because a path need not decode to UTF-8.
///
/// ```
/// assert_eq!(&*cos_sign::encode::decode_path("/a%20b+c"), b"/a b+c");
/// ```
pub fn decode_path(wire: &str) -> Cow<'_, [u8]> {
    decode(wire.as_bytes(), false)
}

/// Decodes one query name or value: `%XX` escapes become bytes and `+` becomes a space, as
/// servers (and the official Python SDK, which sends spaces as `+`) read a query string.
/// A literal `+` must therefore be sent as `%2B`, which [`query_component`] always does.
///
/// ```
/// assert_eq!(&*cos_sign::encode::decode_query_component("a+b%2Bc"), b"a b+c");
/// ```
pub fn decode_query_component(wire: &str) -> Cow<'_, [u8]> {
    decode(wire.as_bytes(), true)
}

fn decode(wire: &[u8], plus_is_space: bool) -> Cow<'_, [u8]> {
    if !wire
        .iter()
        .any(|&b| b == b'%' || (plus_is_space && b == b'+'))
    {
        return Cow::Borrowed(wire);
    }
    Cow::Owned(Decoder::new(wire, plus_is_space).collect())
}

/// Lazy decoder over wire bytes, so the signer can canonicalise without allocating.
#[derive(Clone)]
pub(crate) struct Decoder<'a> {
    rest: &'a [u8],
    plus_is_space: bool,
}

impl<'a> Decoder<'a> {
    pub(crate) fn new(wire: &'a [u8], plus_is_space: bool) -> Self {
        Decoder {
            rest: wire,
            plus_is_space,
        }
    }
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Decodes the escape or `+` at the start of `wire` (which must start with `%` or `+`):
/// returns the byte and how many wire bytes it took. A malformed escape is a literal `%`.
#[inline]
pub(crate) fn decode_one(wire: &[u8], plus_is_space: bool) -> (u8, usize) {
    match wire {
        [b'%', high, low, ..] => match (hex_value(*high), hex_value(*low)) {
            (Some(high), Some(low)) => (high << 4 | low, 3),
            _ => (b'%', 1),
        },
        [b'+', ..] if plus_is_space => (b' ', 1),
        [first, ..] => (*first, 1),
        [] => (b'%', 0),
    }
}

impl Iterator for Decoder<'_> {
    type Item = u8;

    #[inline]
    fn next(&mut self) -> Option<u8> {
        if self.rest.is_empty() {
            return None;
        }
        let (byte, consumed) = decode_one(self.rest, self.plus_is_space);
        self.rest = &self.rest[consumed..];
        Some(byte)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn component_escapes_everything_but_unreserved() {
        assert_eq!(query_component("AZaz09-_.~"), "AZaz09-_.~");
        assert_eq!(
            query_component(" !\"#$%&'()*+,/:;<=>?@[\\]^`{|}"),
            "%20%21%22%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E%60%7B%7C%7D"
        );
        assert_eq!(query_component("腾"), "%E8%85%BE");
    }

    #[test]
    fn path_keeps_slashes_and_protects_dot_segments() {
        assert_eq!(
            path("a+b%c~d!e*f(g)h'i.txt"),
            "/a%2Bb%25c~d%21e%2Af%28g%29h%27i.txt"
        );
        assert_eq!(path("dir/sub/"), "/dir/sub/");
        assert_eq!(path("a//b"), "/a//b");
        assert_eq!(path("a/.."), "/a%2F..");
        assert_eq!(path("a/."), "/a%2F.");
        assert_eq!(path("../x"), "/..%2Fx");
        assert_eq!(path("a/..b"), "/a/..b");
    }

    #[test]
    fn decoding_inverts_encoding() {
        for key in ["a/./b/../c", "a/..", "x y+z%/é", "", "../x", "a//b/"] {
            let wire = path(key);
            assert_eq!(&*decode_path(&wire), format!("/{key}").as_bytes(), "{key}");
            let component = query_component(key);
            assert_eq!(&*decode_query_component(&component), key.as_bytes());
        }
    }

    #[test]
    fn malformed_escapes_are_kept() {
        assert_eq!(&*decode_path("%zz%4"), b"%zz%4");
        assert_eq!(&*decode_path("%"), b"%");
        assert_eq!(&*decode_query_component("%2b+%2B"), b"+ +");
    }
}
