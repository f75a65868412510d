//! Header options shared by the request builders.

use std::time::SystemTime;

use cos_types::{Error, Result};
use http::{HeaderMap, HeaderName, HeaderValue};

use crate::error::invalid_input;

/// Headers collected by a builder; the first invalid value is kept as the error `send` returns.
#[derive(Debug, Default)]
pub(crate) struct Headers {
    pub(crate) map: HeaderMap,
    pub(crate) error: Option<Error>,
}

impl Headers {
    pub(crate) fn set(&mut self, name: &str, value: &str) {
        self.put(name, value, false);
    }

    pub(crate) fn append(&mut self, name: &str, value: &str) {
        self.put(name, value, true);
    }

    fn put(&mut self, name: &str, value: &str, append: bool) {
        if self.error.is_some() {
            return;
        }
        let parsed_name = match HeaderName::from_bytes(name.as_bytes()) {
            Ok(name) => name,
            Err(_) => {
                self.error = Some(invalid_input(format!(
                    "{name:?} is not a valid header name"
                )));
                return;
            }
        };
        let parsed_value = match HeaderValue::from_str(value) {
            Ok(value) => value,
            Err(_) => {
                self.error = Some(invalid_input(format!(
                    "the value of header {name} is not a valid header value"
                )));
                return;
            }
        };
        if append {
            self.map.append(parsed_name, parsed_value);
        } else {
            self.map.insert(parsed_name, parsed_value);
        }
    }

    pub(crate) fn set_date(&mut self, name: &str, time: SystemTime) {
        self.set(name, &httpdate::fmt_http_date(time));
    }

    pub(crate) fn metadata(&mut self, name: &str, value: &str) {
        if name.is_empty() {
            self.error
                .get_or_insert_with(|| invalid_input("a metadata name must not be empty"));
            return;
        }
        self.set(&format!("x-cos-meta-{}", name.to_ascii_lowercase()), value);
    }

    pub(crate) fn take(&mut self) -> Result<HeaderMap> {
        match self.error.take() {
            Some(error) => Err(error),
            None => Ok(std::mem::take(&mut self.map)),
        }
    }
}

/// Canned ACLs (`x-cos-acl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CannedAcl {
    /// Only the owner has access.
    Private,
    /// Anyone may read.
    PublicRead,
    /// Anyone may read and write (buckets only).
    PublicReadWrite,
    /// The object inherits its bucket's ACL.
    Default,
}

impl CannedAcl {
    /// The header value.
    pub fn as_str(&self) -> &'static str {
        match self {
            CannedAcl::Private => "private",
            CannedAcl::PublicRead => "public-read",
            CannedAcl::PublicReadWrite => "public-read-write",
            CannedAcl::Default => "default",
        }
    }
}

/// Storage classes (`x-cos-storage-class`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StorageClass {
    /// `STANDARD`.
    Standard,
    /// `STANDARD_IA`.
    StandardIa,
    /// `ARCHIVE`.
    Archive,
    /// `DEEP_ARCHIVE`.
    DeepArchive,
    /// `INTELLIGENT_TIERING`.
    IntelligentTiering,
    /// `MAZ_STANDARD`.
    MazStandard,
    /// Any other class, sent verbatim.
    Other(String),
}

impl StorageClass {
    /// The header value.
    pub fn as_str(&self) -> &str {
        match self {
            StorageClass::Standard => "STANDARD",
            StorageClass::StandardIa => "STANDARD_IA",
            StorageClass::Archive => "ARCHIVE",
            StorageClass::DeepArchive => "DEEP_ARCHIVE",
            StorageClass::IntelligentTiering => "INTELLIGENT_TIERING",
            StorageClass::MazStandard => "MAZ_STANDARD",
            StorageClass::Other(other) => other,
        }
    }
}

/// Builder methods every object request shares.
macro_rules! common_object_options {
    () => {
        /// Adds any header (e.g. an `x-cos-*` header this builder has no method for).
        pub fn header(mut self, name: &str, value: &str) -> Self {
            self.headers.append(name, value);
            self
        }
    };
}

/// Builder methods of requests that write an object (PUT, Copy, Initiate, Append).
macro_rules! write_object_options {
    () => {
        /// `Content-Type`.
        pub fn content_type(mut self, value: &str) -> Self {
            self.headers.set("content-type", value);
            self
        }

        /// `Content-Disposition`.
        pub fn content_disposition(mut self, value: &str) -> Self {
            self.headers.set("content-disposition", value);
            self
        }

        /// `Content-Encoding`.
        pub fn content_encoding(mut self, value: &str) -> Self {
            self.headers.set("content-encoding", value);
            self
        }

        /// `Cache-Control`.
        pub fn cache_control(mut self, value: &str) -> Self {
            self.headers.set("cache-control", value);
            self
        }

        /// `Expires`.
        pub fn expires(mut self, value: &str) -> Self {
            self.headers.set("expires", value);
            self
        }

        /// User metadata, sent as `x-cos-meta-<name>` (names are case-insensitive).
        pub fn metadata(mut self, name: &str, value: &str) -> Self {
            self.headers.metadata(name, value);
            self
        }

        /// `x-cos-storage-class`.
        pub fn storage_class(mut self, class: $crate::StorageClass) -> Self {
            self.headers.set("x-cos-storage-class", class.as_str());
            self
        }

        /// `x-cos-acl`.
        pub fn acl(mut self, acl: $crate::CannedAcl) -> Self {
            self.headers.set("x-cos-acl", acl.as_str());
            self
        }

        /// `x-cos-grant-read` (e.g. `id="100000000001"`).
        pub fn grant_read(mut self, grantees: &str) -> Self {
            self.headers.set("x-cos-grant-read", grantees);
            self
        }

        /// `x-cos-grant-full-control`.
        pub fn grant_full_control(mut self, grantees: &str) -> Self {
            self.headers.set("x-cos-grant-full-control", grantees);
            self
        }
    };
}

/// Conditional headers of GET and HEAD.
macro_rules! condition_options {
    () => {
        /// `If-Match`: only if the ETag matches (else 412 PreconditionFailed).
        pub fn if_match(mut self, etag: &str) -> Self {
            self.headers.set("if-match", etag);
            self
        }

        /// `If-None-Match`: only if the ETag differs (else 304).
        pub fn if_none_match(mut self, etag: &str) -> Self {
            self.headers.set("if-none-match", etag);
            self
        }

        /// `If-Modified-Since`.
        pub fn if_modified_since(mut self, time: std::time::SystemTime) -> Self {
            self.headers.set_date("if-modified-since", time);
            self
        }

        /// `If-Unmodified-Since`: only if unchanged since (else 412).
        pub fn if_unmodified_since(mut self, time: std::time::SystemTime) -> Self {
            self.headers.set_date("if-unmodified-since", time);
            self
        }
    };
}

pub(crate) use {common_object_options, condition_options, write_object_options};
