//! Which request headers go into the signature.

use http::HeaderName;

/// Headers the official SDKs sign when present (COS doc 436/7778; Go `NeedSignHeaders`, Java
/// `COSSigner`, Python `filter_headers`), plus every `x-cos-*` and `x-ci-*` header.
///
/// `Date`, `User-Agent`, `Accept*`, `Connection` and `Content-Language` are deliberately absent:
/// proxies and HTTP stacks rewrite them, and a signed header that changes in transit breaks the
/// signature.
pub const DEFAULT_SIGNED_HEADERS: &[&str] = &[
    "host",
    "range",
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-type",
    "content-length",
    "content-md5",
    "transfer-encoding",
    "expect",
    "expires",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-unmodified-since",
    "origin",
    "access-control-request-method",
    "access-control-request-headers",
    "pic-operations",
];

/// Chooses the headers that are signed: the COS default set, every header whose name starts
/// with `x-cos-` or `x-ci-`, and any names added with [`HeaderPolicy::with_header`].
///
/// ```
/// use cos_sign::HeaderPolicy;
/// use http::header::{DATE, HeaderName, USER_AGENT};
///
/// let policy = HeaderPolicy::cos_default().with_header(DATE);
/// assert!(policy.signs(&DATE));
/// assert!(policy.signs(&HeaderName::from_static("x-cos-meta-author")));
/// assert!(!policy.signs(&USER_AGENT));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderPolicy {
    extra: Vec<HeaderName>,
}

impl Default for HeaderPolicy {
    fn default() -> Self {
        Self::cos_default()
    }
}

impl HeaderPolicy {
    /// The default COS policy (see [`DEFAULT_SIGNED_HEADERS`]).
    pub fn cos_default() -> Self {
        HeaderPolicy { extra: Vec::new() }
    }

    /// Also signs `name` whenever the request carries it.
    pub fn with_header(mut self, name: HeaderName) -> Self {
        if !self.extra.contains(&name) {
            self.extra.push(name);
        }
        self
    }

    /// Whether a header named `name` is signed under this policy.
    pub fn signs(&self, name: &HeaderName) -> bool {
        self.signs_name(name.as_str())
    }

    /// `name` must be lowercase.
    pub(crate) fn signs_name(&self, name: &str) -> bool {
        is_default_signed(name) || self.extra.iter().any(|extra| extra == name)
    }
}

/// `name` must already be lowercase (as every [`HeaderName`] is).
pub(crate) fn is_default_signed(name: &str) -> bool {
    name.starts_with("x-cos-")
        || name.starts_with("x-ci-")
        || DEFAULT_SIGNED_HEADERS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_match_and_the_list_agree() {
        for name in DEFAULT_SIGNED_HEADERS {
            assert!(is_default_signed(name), "{name}");
        }
        let matched = [
            "host",
            "range",
            "cache-control",
            "content-disposition",
            "content-encoding",
            "content-type",
            "content-length",
            "content-md5",
            "transfer-encoding",
            "expect",
            "expires",
            "if-match",
            "if-modified-since",
            "if-none-match",
            "if-unmodified-since",
            "origin",
            "access-control-request-method",
            "access-control-request-headers",
            "pic-operations",
        ];
        assert_eq!(matched.len(), DEFAULT_SIGNED_HEADERS.len());
        for name in [
            "date",
            "user-agent",
            "accept",
            "content-language",
            "connection",
            "authorization",
        ] {
            assert!(!is_default_signed(name), "{name}");
        }
    }

    #[test]
    fn prefix_needs_the_dash() {
        let policy = HeaderPolicy::cos_default();
        assert!(policy.signs(&HeaderName::from_static("x-cos-acl")));
        assert!(policy.signs(&HeaderName::from_static("x-ci-security-token")));
        assert!(!policy.signs(&HeaderName::from_static("x-cosmos")));
        assert!(!policy.signs(&HeaderName::from_static("x-cos")));
        assert!(!policy.signs(&http::header::DATE));
        assert!(policy.signs(&HeaderName::from_static("content-md5")));
    }
}
