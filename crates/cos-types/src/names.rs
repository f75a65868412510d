//! Validated value types: bucket names, regions, object keys.

use std::fmt;
use std::str::FromStr;

/// The longest bucket name part COS allows (the part before `-<appid>`).
const MAX_BUCKET_NAME_LEN: usize = 50;
/// APPIDs are 10 digits today; this leaves room without accepting nonsense.
const MAX_APPID_LEN: usize = 20;
/// A region is one DNS label of the endpoint host.
const MAX_REGION_LEN: usize = 63;

/// Implements the conversions shared by the value types.
macro_rules! value_type {
    ($type:ident, $error:ident, $validate:path) => {
        impl $type {
            /// The value as a string slice.
            pub fn as_str(&self) -> &str {
                &self.value
            }

            /// The value as an owned string.
            pub fn into_string(self) -> String {
                self.value
            }
        }

        impl FromStr for $type {
            type Err = $error;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                $validate(value)?;
                Ok(Self::from_validated(value.to_owned()))
            }
        }

        impl TryFrom<&str> for $type {
            type Error = $error;
            fn try_from(value: &str) -> Result<Self, Self::Error> {
                value.parse()
            }
        }

        impl TryFrom<String> for $type {
            type Error = $error;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                $validate(&value)?;
                Ok(Self::from_validated(value))
            }
        }

        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.value)
            }
        }

        impl AsRef<str> for $type {
            fn as_ref(&self) -> &str {
                &self.value
            }
        }

        impl From<$type> for String {
            fn from(value: $type) -> String {
                value.value
            }
        }

        impl PartialEq<str> for $type {
            fn eq(&self, other: &str) -> bool {
                self.value == other
            }
        }

        impl PartialEq<&str> for $type {
            fn eq(&self, other: &&str) -> bool {
                self.value == *other
            }
        }

        #[cfg(feature = "serde")]
        impl serde::Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.value)
            }
        }

        #[cfg(feature = "serde")]
        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = String::deserialize(deserializer)?;
                $type::try_from(value).map_err(serde::de::Error::custom)
            }
        }

        impl From<$error> for crate::Error {
            fn from(error: $error) -> crate::Error {
                crate::ClientError::new(crate::ClientErrorKind::InvalidInput, $error::CONTEXT)
                    .with_source(error)
                    .into()
            }
        }
    };
}

/// A bucket name in COS's `<name>-<appid>` form, e.g. `examplebucket-1250000000`.
///
/// The name part is 1 to 50 lowercase ASCII letters, digits and `-`, not starting or
/// ending with `-`; the APPID is all digits (at most 20). This is the form the official
/// Go SDK checks; the rules are COS's (doc 436/13312, 436/14518).
///
/// ```
/// use cos_types::BucketName;
///
/// let bucket: BucketName = "examplebucket-1250000000".parse().unwrap();
/// assert_eq!(bucket.name(), "examplebucket");
/// assert_eq!(bucket.appid(), "1250000000");
///
/// let error = "ExampleBucket-1250000000".parse::<BucketName>().unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "invalid bucket name \"ExampleBucket-1250000000\": only lowercase letters, digits and '-' are allowed in the name part"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BucketName {
    value: String,
    /// Index of the `-` before the APPID.
    split: usize,
}

/// The error for a string that is not a valid [`BucketName`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid bucket name {name:?}: {reason}")]
#[non_exhaustive]
pub struct InvalidBucketName {
    /// The rejected input.
    pub name: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl InvalidBucketName {
    const CONTEXT: &'static str = "validating a bucket name";
}

impl BucketName {
    /// A bucket name from its two parts: `BucketName::new("examplebucket", "1250000000")`.
    pub fn new(name: &str, appid: &str) -> Result<BucketName, InvalidBucketName> {
        format!("{name}-{appid}").parse()
    }

    /// The name part, before `-<appid>`.
    pub fn name(&self) -> &str {
        &self.value[..self.split]
    }

    /// The APPID, the digits after the last `-`.
    pub fn appid(&self) -> &str {
        &self.value[self.split + 1..]
    }

    fn from_validated(value: String) -> BucketName {
        let split = value.rfind('-').unwrap_or(0);
        BucketName { value, split }
    }

    fn validate(value: &str) -> Result<(), InvalidBucketName> {
        let reject = |reason| {
            Err(InvalidBucketName {
                name: value.to_owned(),
                reason,
            })
        };
        let Some((name, appid)) = value.rsplit_once('-') else {
            return reject("expected <name>-<appid>, e.g. examplebucket-1250000000");
        };
        if appid.is_empty() || !appid.bytes().all(|byte| byte.is_ascii_digit()) {
            return reject("the APPID after the last '-' must be all digits");
        }
        if appid.len() > MAX_APPID_LEN {
            return reject("the APPID is longer than 20 digits");
        }
        if name.is_empty() {
            return reject("the name part before -<appid> is empty");
        }
        if name.len() > MAX_BUCKET_NAME_LEN {
            return reject("the name part is longer than 50 characters");
        }
        if !name
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
        {
            return reject("only lowercase letters, digits and '-' are allowed in the name part");
        }
        if name.starts_with('-') || name.ends_with('-') {
            return reject("the name part must not start or end with '-'");
        }
        Ok(())
    }
}

value_type!(BucketName, InvalidBucketName, BucketName::validate);

/// A COS region, e.g. `ap-guangzhou`.
///
/// Any `[a-z0-9-]+` of at most 63 characters that does not start or end with `-` is
/// accepted (the list of regions grows, and old aliases such as `cn-east` linger); it
/// becomes one DNS label of the endpoint host, hence the limits. `--` inside is allowed,
/// as in any DNS label.
///
/// ```
/// use cos_types::Region;
///
/// let region: Region = "ap-guangzhou".parse().unwrap();
/// assert_eq!(region.as_str(), "ap-guangzhou");
/// assert!("ap guangzhou".parse::<Region>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region {
    value: String,
}

/// The error for a string that is not a valid [`Region`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid region {region:?}: {reason}")]
#[non_exhaustive]
pub struct InvalidRegion {
    /// The rejected input.
    pub region: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl InvalidRegion {
    const CONTEXT: &'static str = "validating a region";
}

impl Region {
    fn from_validated(value: String) -> Region {
        Region { value }
    }

    fn validate(value: &str) -> Result<(), InvalidRegion> {
        let reject = |reason| {
            Err(InvalidRegion {
                region: value.to_owned(),
                reason,
            })
        };
        if value.is_empty() {
            return reject("the region is empty");
        }
        if value.len() > MAX_REGION_LEN {
            return reject("the region is longer than 63 characters");
        }
        if !value
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
        {
            return reject("only lowercase letters, digits and '-' are allowed");
        }
        if value.starts_with('-') || value.ends_with('-') {
            return reject("a region must not start or end with '-'");
        }
        Ok(())
    }
}

value_type!(Region, InvalidRegion, Region::validate);

/// An object key: 1 to 850 bytes of UTF-8 that address an object, never the bucket.
///
/// A key that would normalise to the bucket's root — `/`, `//`, `.`, `..`, `./`,
/// `a/..` and the like — is rejected: sent as a path, such a key would turn a
/// DeleteObject into a request on the bucket itself. Other keys are kept exactly as
/// given (a leading `/` is part of the key).
///
/// ```
/// use cos_types::ObjectKey;
///
/// let key: ObjectKey = "photos/2024/cat.jpg".parse().unwrap();
/// assert_eq!(key.as_str(), "photos/2024/cat.jpg");
/// for root in ["", "/", "//", ".", "..", "./", "a/.."] {
///     assert!(root.parse::<ObjectKey>().is_err(), "{root:?}");
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    value: String,
}

/// The error for a string that is not a valid [`ObjectKey`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub struct InvalidObjectKey {
    /// The rejected input.
    pub key: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl InvalidObjectKey {
    const CONTEXT: &'static str = "validating an object key";
}

impl fmt::Display for InvalidObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A key can be long; the start of it is enough to recognise it.
        const SHOWN: usize = 100;
        match self.key.char_indices().nth(SHOWN) {
            Some((cut, _)) => write!(
                f,
                "invalid object key {:?}… ({} bytes): {}",
                &self.key[..cut],
                self.key.len(),
                self.reason
            ),
            None => write!(f, "invalid object key {:?}: {}", self.key, self.reason),
        }
    }
}

impl ObjectKey {
    /// The longest key COS accepts, in bytes of UTF-8.
    pub const MAX_LEN: usize = 850;

    fn from_validated(value: String) -> ObjectKey {
        ObjectKey { value }
    }

    fn validate(value: &str) -> Result<(), InvalidObjectKey> {
        let reject = |reason| {
            Err(InvalidObjectKey {
                key: value.to_owned(),
                reason,
            })
        };
        if value.is_empty() {
            return reject("the key is empty");
        }
        if value.len() > ObjectKey::MAX_LEN {
            return reject("the key is longer than 850 bytes");
        }
        if normalises_to_root(value) {
            return reject("the key normalises to the bucket root ('/', '.', '..' segments only)");
        }
        Ok(())
    }
}

/// Whether resolving the `.` and `..` segments of `/key` and dropping empty segments
/// leaves nothing (the path `/`).
fn normalises_to_root(key: &str) -> bool {
    let mut depth = 0usize;
    for segment in key.split('/') {
        match segment {
            "" | "." => {}
            ".." => depth = depth.saturating_sub(1),
            _ => depth += 1,
        }
    }
    depth == 0
}

value_type!(ObjectKey, InvalidObjectKey, ObjectKey::validate);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_normalisation() {
        for key in [
            "/",
            "//",
            ".",
            "..",
            "./",
            "a/..",
            "a/b/../..",
            "../a/..",
            "/./..",
        ] {
            assert!(normalises_to_root(key), "{key:?}");
        }
        for key in ["a", "/a", "a/../b", "../a", "...", ".a", "a/.", "a//"] {
            assert!(!normalises_to_root(key), "{key:?}");
        }
    }
}
