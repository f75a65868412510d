//! From an HTTP request to what it addresses: the admin API, the service (list buckets),
//! a bucket, or an object; and which COS operation it asks for.

use std::net::IpAddr;

use http::request::Parts;
use http::{Method, StatusCode};
use serde::{Deserialize, Serialize};

use crate::error::{CosError, CosResult};

/// What a request addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// `/-/<rest>` on the emulator's own (bare) host.
    Admin(String),
    /// GET Service.
    Service,
    Bucket {
        bucket: String,
        key: Option<String>,
    },
}

/// The parsed request line and host.
#[derive(Debug)]
pub(crate) struct Routed {
    pub(crate) target: Target,
    /// The `Host` the client addressed (port included); signed as `host`.
    pub(crate) host: String,
    /// The decoded path, as signed (`/` + key on virtual hosts).
    pub(crate) path: String,
    /// Decoded query parameters in wire order; bare names have an empty value.
    pub(crate) query: Vec<(String, String)>,
}

impl Routed {
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.query.iter().any(|(n, _)| n == name)
    }

    /// `/bucket/key` (or `/` for the service): what fault rules match paths against.
    pub(crate) fn resource_path(&self) -> String {
        match &self.target {
            Target::Admin(rest) => format!("/-/{rest}"),
            Target::Service => "/".to_owned(),
            Target::Bucket { bucket, key } => {
                format!("/{bucket}/{}", key.as_deref().unwrap_or(""))
            }
        }
    }

    /// The `Resource` of an error body: host and path, as COS writes it.
    pub(crate) fn resource(&self) -> String {
        format!("{}{}", self.host, self.path)
    }
}

pub(crate) fn route(parts: &Parts) -> CosResult<Routed> {
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(|a| a.as_str().to_owned()))
        .unwrap_or_default();
    let path = percent_decode(parts.uri.path(), false).ok_or_else(|| {
        CosError::bad_request(
            "InvalidURI",
            "The request path is not valid percent-encoded UTF-8.",
        )
    })?;
    let query = parse_query(parts.uri.query().unwrap_or(""))?;
    let hostname = strip_port(&host).to_ascii_lowercase();
    let target = if is_bare_host(&hostname) {
        path_style(&path)
    } else if is_service_host(&hostname) {
        if path == "/" {
            Target::Service
        } else {
            return Err(CosError::bad_request(
                "InvalidURI",
                "The service endpoint only answers GET /.",
            ));
        }
    } else {
        let bucket = hostname.split('.').next().unwrap_or_default().to_owned();
        let key = path.strip_prefix('/').unwrap_or(&path);
        Target::Bucket {
            bucket,
            key: (!key.is_empty()).then(|| key.to_owned()),
        }
    };
    Ok(Routed {
        target,
        host,
        path,
        query,
    })
}

fn path_style(path: &str) -> Target {
    let rest = path.strip_prefix('/').unwrap_or(path);
    if rest.is_empty() {
        return Target::Service;
    }
    if let Some(admin) = rest.strip_prefix("-/") {
        return Target::Admin(admin.to_owned());
    }
    if rest == "-" {
        return Target::Admin(String::new());
    }
    match rest.split_once('/') {
        None => Target::Bucket {
            bucket: rest.to_owned(),
            key: None,
        },
        Some((bucket, key)) => Target::Bucket {
            bucket: bucket.to_owned(),
            key: (!key.is_empty()).then(|| key.to_owned()),
        },
    }
}

fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

/// An IP, `localhost` or a single-label name: addressed path-style.
fn is_bare_host(hostname: &str) -> bool {
    hostname.is_empty()
        || hostname.parse::<IpAddr>().is_ok()
        || hostname == "localhost"
        || !hostname.contains('.')
}

fn is_service_host(hostname: &str) -> bool {
    hostname.starts_with("service.cos.")
        || (hostname.starts_with("cos.")
            && (hostname.ends_with(".myqcloud.com") || hostname.ends_with(".tencentcos.cn")))
}

/// Decodes `%XX` escapes (and `+` as space in queries) into UTF-8.
pub(crate) fn percent_decode(text: &str, plus_is_space: bool) -> Option<String> {
    let replaced;
    let text = if plus_is_space && text.contains('+') {
        replaced = text.replace('+', " ");
        &replaced
    } else {
        text
    };
    let bytes: Vec<u8> = percent_encoding::percent_decode_str(text).collect();
    // A `%` not followed by two hex digits is kept verbatim by the decoder; COS rejects it.
    if text.match_indices('%').any(|(at, _)| {
        !text
            .get(at + 1..at + 3)
            .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
    }) {
        return None;
    }
    String::from_utf8(bytes).ok()
}

fn parse_query(query: &str) -> CosResult<Vec<(String, String)>> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |text: &str| {
                percent_decode(text, true).ok_or_else(|| {
                    CosError::bad_request(
                        "InvalidURI",
                        format!("The query parameter {pair:?} is not valid percent-encoded UTF-8."),
                    )
                })
            };
            Ok((decode(name)?, decode(value)?))
        })
        .collect()
}

/// The COS operations the emulator knows, named as in the COS API reference; fault rules
/// can match on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Operation {
    /// `GET /` on the service endpoint.
    ListBuckets,
    /// `PUT /` on a bucket.
    CreateBucket,
    /// `HEAD /` on a bucket.
    HeadBucket,
    /// `DELETE /` on a bucket.
    DeleteBucket,
    /// `GET /?location`.
    GetBucketLocation,
    /// `GET /` on a bucket (list objects v1).
    ListObjects,
    /// `GET /?uploads`.
    ListMultipartUploads,
    /// `POST /?delete`.
    DeleteObjects,
    /// `PUT /key`.
    PutObject,
    /// `PUT /key` with `x-cos-copy-source`.
    CopyObject,
    /// `GET /key`.
    GetObject,
    /// `HEAD /key`.
    HeadObject,
    /// `DELETE /key`.
    DeleteObject,
    /// `POST /key?uploads`.
    InitiateMultipartUpload,
    /// `PUT /key?partNumber=N&uploadId=U`.
    UploadPart,
    /// `PUT /key?partNumber=N&uploadId=U` with `x-cos-copy-source`.
    UploadPartCopy,
    /// `GET /key?uploadId=U`.
    ListParts,
    /// `POST /key?uploadId=U`.
    CompleteMultipartUpload,
    /// `DELETE /key?uploadId=U`.
    AbortMultipartUpload,
    /// `POST /key?append&position=N`.
    AppendObject,
    /// Anything else (answered with `NotImplemented` or `MethodNotAllowed`).
    Other,
}

/// Query parameters that select a sub-resource the emulator does not implement.
const UNSUPPORTED_SUBRESOURCES: &[&str] = &[
    "acl",
    "cors",
    "lifecycle",
    "versioning",
    "versions",
    "tagging",
    "policy",
    "website",
    "referer",
    "logging",
    "encryption",
    "replication",
    "inventory",
    "object-lock",
    "restore",
    "domain",
    "intelligenttiering",
    "accelerate",
    "select",
];

pub(crate) fn classify(method: &Method, routed: &Routed, parts: &Parts) -> Operation {
    if routed
        .query
        .iter()
        .any(|(name, _)| UNSUPPORTED_SUBRESOURCES.contains(&name.as_str()))
    {
        return Operation::Other;
    }
    let copy = parts.headers.contains_key("x-cos-copy-source");
    match &routed.target {
        Target::Admin(_) => Operation::Other,
        Target::Service => match *method {
            Method::GET => Operation::ListBuckets,
            _ => Operation::Other,
        },
        Target::Bucket { key: None, .. } => match *method {
            Method::GET if routed.has("uploads") => Operation::ListMultipartUploads,
            Method::GET if routed.has("location") => Operation::GetBucketLocation,
            Method::GET => Operation::ListObjects,
            Method::PUT => Operation::CreateBucket,
            Method::HEAD => Operation::HeadBucket,
            Method::DELETE => Operation::DeleteBucket,
            Method::POST if routed.has("delete") => Operation::DeleteObjects,
            _ => Operation::Other,
        },
        Target::Bucket { key: Some(_), .. } => match *method {
            Method::GET if routed.has("uploadId") => Operation::ListParts,
            Method::GET => Operation::GetObject,
            Method::HEAD => Operation::HeadObject,
            Method::PUT if routed.has("uploadId") || routed.has("partNumber") => {
                if copy {
                    Operation::UploadPartCopy
                } else {
                    Operation::UploadPart
                }
            }
            Method::PUT if copy => Operation::CopyObject,
            Method::PUT => Operation::PutObject,
            Method::POST if routed.has("uploads") => Operation::InitiateMultipartUpload,
            Method::POST if routed.has("uploadId") => Operation::CompleteMultipartUpload,
            Method::POST if routed.has("append") => Operation::AppendObject,
            Method::DELETE if routed.has("uploadId") => Operation::AbortMultipartUpload,
            Method::DELETE => Operation::DeleteObject,
            _ => Operation::Other,
        },
    }
}

/// Why an `Other` request is refused.
pub(crate) fn unsupported(method: &Method, routed: &Routed) -> CosError {
    let sub = routed
        .query
        .iter()
        .find(|(name, _)| UNSUPPORTED_SUBRESOURCES.contains(&name.as_str()));
    match sub {
        Some((name, _)) => CosError::not_implemented(&format!("the ?{name} sub-resource")),
        None => CosError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            format!("The method {method} is not allowed against this resource."),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(method: &str, uri: &str, host: Option<&str>) -> Parts {
        let mut builder = http::Request::builder().method(method).uri(uri);
        if let Some(host) = host {
            builder = builder.header("host", host);
        }
        builder.body(()).unwrap().into_parts().0
    }

    fn bucket(b: &str, k: Option<&str>) -> Target {
        Target::Bucket {
            bucket: b.into(),
            key: k.map(Into::into),
        }
    }

    #[test]
    fn virtual_hosted_style() {
        let p = parts(
            "GET",
            "/dir/a%20b%E8%85%BE",
            Some("examplebucket-1250000000.cos.ap-beijing.myqcloud.com"),
        );
        let r = route(&p).unwrap();
        assert_eq!(
            r.target,
            bucket("examplebucket-1250000000", Some("dir/a b腾"))
        );
        assert_eq!(r.path, "/dir/a b腾");
    }

    #[test]
    fn absolute_form_through_a_proxy() {
        let p = parts(
            "GET",
            "http://b-1250000000.cos.ap-guangzhou.myqcloud.com/k?prefix=a+b&uploads",
            None,
        );
        let r = route(&p).unwrap();
        assert_eq!(r.host, "b-1250000000.cos.ap-guangzhou.myqcloud.com");
        assert_eq!(r.target, bucket("b-1250000000", Some("k")));
        assert_eq!(r.param("prefix"), Some("a b"));
        assert!(r.has("uploads"));
    }

    #[test]
    fn path_style_service_and_admin_on_bare_hosts() {
        assert_eq!(
            route(&parts("GET", "/", Some("127.0.0.1:9000")))
                .unwrap()
                .target,
            Target::Service
        );
        assert_eq!(
            route(&parts("GET", "/b-1/x/y", Some("localhost:1")))
                .unwrap()
                .target,
            bucket("b-1", Some("x/y"))
        );
        assert_eq!(
            route(&parts("GET", "/b-1/", Some("[::1]:1")))
                .unwrap()
                .target,
            bucket("b-1", None)
        );
        assert_eq!(
            route(&parts("POST", "/-/faults", Some("127.0.0.1")))
                .unwrap()
                .target,
            Target::Admin("faults".into())
        );
        // On a bucket host `/-/faults` is just a key.
        assert_eq!(
            route(&parts(
                "GET",
                "/-/faults",
                Some("b-1.cos.ap-guangzhou.myqcloud.com")
            ))
            .unwrap()
            .target,
            bucket("b-1", Some("-/faults"))
        );
    }

    #[test]
    fn service_endpoints() {
        for host in ["service.cos.myqcloud.com", "cos.ap-guangzhou.myqcloud.com"] {
            assert_eq!(
                route(&parts("GET", "/", Some(host))).unwrap().target,
                Target::Service
            );
        }
    }

    #[test]
    fn bad_escapes_are_invalid_uri() {
        let err = route(&parts("GET", "/b-1/%zz", Some("127.0.0.1"))).unwrap_err();
        assert_eq!(err.code, "InvalidURI");
        let err = route(&parts("GET", "/b-1/%FF", Some("127.0.0.1"))).unwrap_err();
        assert_eq!(err.code, "InvalidURI");
    }
}
