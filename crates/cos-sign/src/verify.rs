//! Server-side verification of a signed request (header or presigned form).
//!
//! [`verify`] reads the signature from the `Authorization` header or, when there is none, from
//! the `q-*` query parameters of a presigned URL (`;` may be literal or `%3B`), recomputes it
//! over the request — method, decoded path, the decoded query parameters named in
//! `q-url-param-list`, the headers named in `q-header-list` — and compares in constant time.
//!
//! What is enforced, in order:
//! 1. the signature fields are present and well formed (`q-sign-algorithm=sha1`, times are
//!    `start;end` decimals, the signature is 40 hex digits) — [`VerifyError::Missing`],
//!    [`VerifyError::Malformed`];
//! 2. the SecretId is known to the caller's lookup — [`VerifyError::UnknownSecretId`];
//! 3. `now` lies within both `q-sign-time` and `q-key-time` — [`VerifyError::NotYetValid`],
//!    [`VerifyError::Expired`];
//! 4. the session token: when the credentials carry one, the request must send the same value
//!    as header `x-cos-security-token` (or, presigned, as that query parameter); a token sent for
//!    credentials without one is rejected too — [`VerifyError::TokenMismatch`];
//! 5. the signature, where a header or parameter listed but absent from the request is a
//!    mismatch — [`VerifyError::SignatureMismatch`].
//!
//! Like COS, verification does not require every query parameter to be signed: only those
//! listed are covered. [`Verified::unsigned_params`] names the others so a strict server can
//! refuse them.
//!
//! Names in `q-url-param-list` are matched as encoded names (`%e5%90%8d`, the header form and
//! the Python SDK's presigned form) or as raw names (`名`, a presigned list whose escapes were
//! decoded with the query).

use std::borrow::Borrow;
use std::fmt;

use hmac::Mac;
use http::Request;

use crate::canonical::{self, Canonical, KeyTimeText, Param};
use crate::encode::decode_query_component;
use crate::{Credentials, KeyTime, SECURITY_TOKEN_HEADER};

/// A request whose signature checked out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    secret_id: String,
    sign_time: KeyTime,
    key_time: KeyTime,
    header_list: Vec<String>,
    url_param_list: Vec<String>,
    presigned: bool,
    unsigned_params: Vec<String>,
}

impl Verified {
    /// The SecretId that signed the request.
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }
    /// `q-sign-time`.
    pub fn sign_time(&self) -> KeyTime {
        self.sign_time
    }
    /// `q-key-time`.
    pub fn key_time(&self) -> KeyTime {
        self.key_time
    }
    /// The signed header names, as listed.
    pub fn header_list(&self) -> &[String] {
        &self.header_list
    }
    /// The signed parameter names, as listed.
    pub fn url_param_list(&self) -> &[String] {
        &self.url_param_list
    }
    /// Whether the signature came from the query string (presigned URL).
    pub fn is_presigned(&self) -> bool {
        self.presigned
    }
    /// Decoded names of query parameters that were sent but not signed (the presigned `q-*`
    /// fields and `x-cos-security-token` excluded).
    pub fn unsigned_params(&self) -> &[String] {
        &self.unsigned_params
    }
}

/// The server's side of a failed comparison, for diagnostics (COS returns these in
/// `SignatureDoesNotMatch` error bodies).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    reason: Option<String>,
    http_string: String,
    string_to_sign: String,
}

impl Mismatch {
    /// Why, when it is known (e.g. a listed header is missing from the request).
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }
    /// The `HttpString` the server computed (invalid UTF-8 replaced), with the values of
    /// `x-cos-security-token` and `x-ci-security-token` (header or parameter) shown as
    /// `<redacted>`: the diagnostics reach error bodies and logs, the token must not.
    pub fn http_string(&self) -> &str {
        &self.http_string
    }
    /// The `StringToSign` the server computed.
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }
}

/// Why a request's signature was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// No `Authorization` header and no `q-signature` parameter.
    Missing,
    /// The signature fields are damaged (the text says which).
    Malformed(String),
    /// The lookup does not know this SecretId.
    UnknownSecretId(String),
    /// `now` is before the start of the window.
    NotYetValid {
        /// Window start.
        start: u64,
        /// The time checked.
        now: u64,
    },
    /// `now` is after the end of the window.
    Expired {
        /// Window end.
        end: u64,
        /// The time checked.
        now: u64,
    },
    /// The session token sent does not match the credentials.
    TokenMismatch,
    /// The recomputed signature differs.
    SignatureMismatch(Box<Mismatch>),
}

impl VerifyError {
    /// The COS error code a server answers with (doc 436/7730).
    pub fn cos_error_code(&self) -> &'static str {
        match self {
            VerifyError::Missing | VerifyError::Malformed(_) | VerifyError::TokenMismatch => {
                "AccessDenied"
            }
            VerifyError::UnknownSecretId(_) => "InvalidAccessKeyId",
            VerifyError::NotYetValid { .. } | VerifyError::Expired { .. } => "Request has expired",
            VerifyError::SignatureMismatch(_) => "SignatureDoesNotMatch",
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::Missing => f.write_str(
                "the request carries no signature (no Authorization header, no q-signature)",
            ),
            VerifyError::Malformed(what) => write!(f, "malformed signature: {what}"),
            VerifyError::UnknownSecretId(id) => write!(f, "unknown SecretId {id:?}"),
            VerifyError::NotYetValid { start, now } => {
                write!(f, "signature not valid before {start} (now {now})")
            }
            VerifyError::Expired { end, now } => {
                write!(f, "signature expired at {end} (now {now})")
            }
            VerifyError::TokenMismatch => {
                f.write_str("x-cos-security-token does not match the credentials")
            }
            VerifyError::SignatureMismatch(mismatch) => match mismatch.reason() {
                Some(reason) => write!(f, "signature does not match: {reason}"),
                None => f.write_str("signature does not match"),
            },
        }
    }
}

impl std::error::Error for VerifyError {}

struct Fields {
    secret_id: String,
    sign_time: KeyTime,
    key_time: KeyTime,
    header_list: Vec<String>,
    url_param_list: Vec<String>,
    signature: [u8; 20],
    presigned: bool,
}

const Q_FIELDS: [&str; 7] = [
    "q-sign-algorithm",
    "q-ak",
    "q-sign-time",
    "q-key-time",
    "q-header-list",
    "q-url-param-list",
    "q-signature",
];

fn parse_fields<B>(request: &Request<B>) -> Result<Fields, VerifyError> {
    let mut values: [Option<String>; 7] = Default::default();
    let header = request
        .headers()
        .get(http::header::AUTHORIZATION)
        .filter(|v| !v.is_empty());
    let presigned = header.is_none();
    if let Some(header) = header {
        let text = header
            .to_str()
            .map_err(|_| VerifyError::Malformed("Authorization is not ASCII".into()))?;
        for pair in text.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if let Some(index) = Q_FIELDS.iter().position(|f| *f == name.trim()) {
                values[index] = Some(value.trim().to_owned());
            }
        }
    } else {
        for param in request
            .uri()
            .query()
            .map(canonical::params_of)
            .into_iter()
            .flatten()
        {
            let name = decode_query_component(std::str::from_utf8(param.name).unwrap_or_default());
            if let Some(index) = Q_FIELDS.iter().position(|f| f.as_bytes() == &*name) {
                let value =
                    decode_query_component(std::str::from_utf8(param.value).unwrap_or_default());
                values[index] = Some(String::from_utf8_lossy(&value).into_owned());
            }
        }
        if values[6].is_none() {
            return Err(VerifyError::Missing);
        }
    }
    let [
        algorithm,
        secret_id,
        sign_time,
        key_time,
        header_list,
        url_param_list,
        signature,
    ] = values;
    let missing = |field: &str| VerifyError::Malformed(format!("{field} is missing"));
    let algorithm = algorithm.ok_or_else(|| missing("q-sign-algorithm"))?;
    if !algorithm.eq_ignore_ascii_case("sha1") {
        return Err(VerifyError::Malformed(format!(
            "unsupported q-sign-algorithm {algorithm:?}"
        )));
    }
    let secret_id = secret_id
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("q-ak"))?;
    let sign_time = parse_time(
        "q-sign-time",
        sign_time.ok_or_else(|| missing("q-sign-time"))?,
    )?;
    let key_time = parse_time("q-key-time", key_time.ok_or_else(|| missing("q-key-time"))?)?;
    let split = |list: String| -> Vec<String> {
        list.split(';')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let header_list = split(header_list.ok_or_else(|| missing("q-header-list"))?);
    let url_param_list = split(url_param_list.ok_or_else(|| missing("q-url-param-list"))?);
    let signature_hex = signature.ok_or_else(|| missing("q-signature"))?;
    let signature = parse_hex20(&signature_hex).ok_or_else(|| {
        VerifyError::Malformed(format!(
            "q-signature {signature_hex:?} is not 40 hex digits"
        ))
    })?;
    Ok(Fields {
        secret_id,
        sign_time,
        key_time,
        header_list,
        url_param_list,
        signature,
        presigned,
    })
}

fn parse_time(field: &str, text: String) -> Result<KeyTime, VerifyError> {
    let bad = || {
        VerifyError::Malformed(format!(
            "{field} {text:?} is not <start>;<end> in Unix seconds"
        ))
    };
    let (start, end) = text.split_once(';').ok_or_else(bad)?;
    let parse = |s: &str| {
        s.parse::<u64>()
            .ok()
            .filter(|_| s.bytes().all(|b| b.is_ascii_digit()))
    };
    Ok(KeyTime::new(
        parse(start).ok_or_else(bad)?,
        parse(end).ok_or_else(bad)?,
    ))
}

fn parse_hex20(text: &str) -> Option<[u8; 20]> {
    let bytes = text.as_bytes();
    if bytes.len() != 40 {
        return None;
    }
    let mut out = [0u8; 20];
    for (index, pair) in bytes.chunks_exact(2).enumerate() {
        let high = char::from(pair[0]).to_digit(16)?;
        let low = char::from(pair[1]).to_digit(16)?;
        out[index] = (high << 4 | low) as u8;
    }
    Some(out)
}

/// The forms of one `q-url-param-list` entry a parameter's canonical name may take: the
/// entry lowercased (it was listed encoded) and the entry encoded (it was listed raw).
struct ListedParam {
    lowercase: Vec<u8>,
    encoded: Vec<u8>,
}

impl ListedParam {
    fn new(entry: &str) -> Self {
        ListedParam {
            lowercase: entry.to_ascii_lowercase().into_bytes(),
            encoded: canonical::canonical_name(entry.as_bytes()).collect(),
        }
    }

    fn matches(&self, canonical_name: impl Iterator<Item = u8> + Clone) -> bool {
        canonical_name.clone().eq(self.lowercase.iter().copied())
            || canonical_name.eq(self.encoded.iter().copied())
    }
}

/// Verifies the signature of `request` at time `now` (Unix seconds), looking the SecretId up
/// with `lookup`. See the [module documentation](self) for what is checked.
pub fn verify<B, C, F>(request: &Request<B>, now: u64, lookup: F) -> Result<Verified, VerifyError>
where
    F: FnOnce(&str) -> Option<C>,
    C: Borrow<Credentials>,
{
    let fields = parse_fields(request)?;
    let credentials = lookup(&fields.secret_id)
        .ok_or_else(|| VerifyError::UnknownSecretId(fields.secret_id.clone()))?;
    let credentials: &Credentials = credentials.borrow();
    for window in [fields.sign_time, fields.key_time] {
        if now < window.start() {
            return Err(VerifyError::NotYetValid {
                start: window.start(),
                now,
            });
        }
        if now > window.end() {
            return Err(VerifyError::Expired {
                end: window.end(),
                now,
            });
        }
    }

    let query_params: Vec<Param<'_>> = request
        .uri()
        .query()
        .map(canonical::params_of)
        .into_iter()
        .flatten()
        .collect();
    let decoded_name = |param: &Param<'_>| {
        decode_query_component(std::str::from_utf8(param.name).unwrap_or_default()).into_owned()
    };
    let sent_token = match request.headers().get(SECURITY_TOKEN_HEADER) {
        Some(value) => Some(value.as_bytes().to_vec()),
        None if fields.presigned => query_params
            .iter()
            .find(|p| decoded_name(p) == SECURITY_TOKEN_HEADER.as_bytes())
            .map(|p| {
                decode_query_component(std::str::from_utf8(p.value).unwrap_or_default())
                    .into_owned()
            }),
        None => None,
    };
    if sent_token.as_deref() != credentials.session_token().map(str::as_bytes) {
        return Err(VerifyError::TokenMismatch);
    }

    let listed_headers: Vec<Vec<u8>> = fields
        .header_list
        .iter()
        .map(|h| h.to_ascii_lowercase().into_bytes())
        .collect();
    let host = if request.headers().contains_key(http::header::HOST) {
        None
    } else {
        canonical::host_of(request.uri())
    };
    let added: Vec<(&str, &[u8])> = host
        .filter(|_| listed_headers.iter().any(|h| h == b"host"))
        .map(|h| ("host", h.as_bytes()))
        .into_iter()
        .collect();
    let listed_params: Vec<ListedParam> = fields
        .url_param_list
        .iter()
        .map(|entry| ListedParam::new(entry))
        .collect();
    let is_listed_header = |name: &str| {
        let name = canonical::canonical_name(name.as_bytes());
        listed_headers
            .iter()
            .any(|h| name.clone().eq(h.iter().copied()))
    };
    let is_listed_param = |param: &Param<'_>| {
        listed_params
            .iter()
            .any(|listed| listed.matches(param.canonical_name()))
    };
    let canonical = Canonical::collect(request, is_listed_header, &added, is_listed_param);

    let mut reason = None;
    for (listed, name) in listed_headers.iter().zip(&fields.header_list) {
        let present = canonical
            .headers
            .iter()
            .any(|h| h.canonical_name().eq(listed.iter().copied()));
        if !present {
            reason = Some(format!("signed header {name:?} is not in the request"));
        }
    }
    for (listed, name) in listed_params.iter().zip(&fields.url_param_list) {
        let present = canonical
            .params
            .iter()
            .any(|p| listed.matches(p.canonical_name()));
        if !present {
            reason = Some(format!("signed parameter {name:?} is not in the request"));
        }
    }

    let sign_time = KeyTimeText::new(fields.sign_time);
    let key_time = KeyTimeText::new(fields.key_time);
    let http_sha1 = canonical.http_string_sha1();
    let sign_key = canonical::sign_key(credentials.secret_key(), key_time.as_bytes());
    let mac = canonical::signature_mac(&sign_key, sign_time.as_bytes(), &http_sha1);
    let signature_ok = mac.verify_slice(&fields.signature).is_ok();
    if reason.is_some() || !signature_ok {
        // The copy returned for diagnostics (it ends up in error bodies and logs) does not
        // show the session token.
        let mut http_string = Vec::new();
        canonical.write_http_string_redacted(&mut http_string);
        return Err(VerifyError::SignatureMismatch(Box::new(Mismatch {
            reason,
            http_string: String::from_utf8_lossy(&http_string).into_owned(),
            string_to_sign: canonical::string_to_sign(sign_time.as_str(), &http_sha1),
        })));
    }

    let unsigned_params = query_params
        .iter()
        .filter(|p| !is_listed_param(p))
        .map(|p| String::from_utf8_lossy(&decoded_name(p)).into_owned())
        .filter(|name| {
            !(fields.presigned
                && (Q_FIELDS.contains(&name.as_str()) || name == SECURITY_TOKEN_HEADER))
        })
        .collect();
    Ok(Verified {
        secret_id: fields.secret_id,
        sign_time: fields.sign_time,
        key_time: fields.key_time,
        header_list: fields.header_list,
        url_param_list: fields.url_param_list,
        presigned: fields.presigned,
        unsigned_params,
    })
}

/// Verifies at the current system time.
pub fn verify_now<B, C, F>(request: &Request<B>, lookup: F) -> Result<Verified, VerifyError>
where
    F: FnOnce(&str) -> Option<C>,
    C: Borrow<Credentials>,
{
    verify(request, crate::unix_now(), lookup)
}
