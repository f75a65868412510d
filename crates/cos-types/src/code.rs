//! The known COS error codes.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use http::StatusCode;

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident => $wire:literal, [$($status:ident),+]; )+) => {
        /// A COS error code: every code of COS's published table (doc 436/7730), plus
        /// `PermanentRedirect`, with its documented HTTP status.
        ///
        /// The code as sent is always available as a string from
        /// [`ServiceError::code`](crate::ServiceError::code); this enum is the typed view of
        /// it. A code this enum does not know is [`ErrorCode::Other`]. Parsing is exact
        /// (case-sensitive), so the codes COS really sends misspelled (`BadRquest`,
        /// `QuotaOperationConfilct`) or with spaces (`Request has expired`) round-trip.
        ///
        /// ```
        /// use cos_types::ErrorCode;
        ///
        /// let code: ErrorCode = "Request has expired".parse().unwrap();
        /// assert_eq!(code, ErrorCode::RequestHasExpired);
        /// assert_eq!(code.as_str(), "Request has expired");
        /// assert_eq!(code.status(), Some(http::StatusCode::FORBIDDEN));
        /// assert_eq!("NoSuchVectorBucket".parse::<ErrorCode>().unwrap(), ErrorCode::Other);
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )+
            /// Any code not listed above; the code itself is in
            /// [`ServiceError::code`](crate::ServiceError::code).
            Other,
        }

        impl ErrorCode {
            /// Every known code, in the order of COS's table (without [`ErrorCode::Other`]).
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            /// The code exactly as COS sends it; `"Other"` for [`ErrorCode::Other`], whose
            /// real text only the [`ServiceError`](crate::ServiceError) knows.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( ErrorCode::$variant => $wire, )+
                    ErrorCode::Other => "Other",
                }
            }

            /// Every HTTP status COS documents for this code (empty for
            /// [`ErrorCode::Other`]). Only `InvalidObjectState` has two (403 and 409).
            pub const fn statuses(self) -> &'static [StatusCode] {
                match self {
                    $( ErrorCode::$variant => &[$(StatusCode::$status),+], )+
                    ErrorCode::Other => &[],
                }
            }

            fn parse_known(code: &str) -> ErrorCode {
                match code {
                    $( $wire => ErrorCode::$variant, )+
                    _ => ErrorCode::Other,
                }
            }
        }
    };
}

error_codes! {
    /// `PermanentRedirect` (301): The bucket must be addressed through another endpoint (wrong region); not in COS's table, sent as a 3xx.
    PermanentRedirect => "PermanentRedirect", [MOVED_PERMANENTLY];
    /// `ActionAccelerateNotSupported` (400): The action is not supported on the global acceleration endpoint.
    ActionAccelerateNotSupported => "ActionAccelerateNotSupported", [BAD_REQUEST];
    /// `AttachmentFull` (400): The number of ACL or policy entries reached its limit.
    AttachmentFull => "AttachmentFull", [BAD_REQUEST];
    /// `BadDigest` (400): The `Content-MD5` does not match the body received.
    BadDigest => "BadDigest", [BAD_REQUEST];
    /// `BadRquest` (400): Parameter error, with COS's own misspelling of the code (sent as-is).
    BadRquest => "BadRquest", [BAD_REQUEST];
    /// `BadRequest` (400): Parameter error, correctly spelled (newer COS pages).
    BadRequest => "BadRequest", [BAD_REQUEST];
    /// `BucketAccelerateNotEnabled` (400): Global acceleration is not enabled on the bucket.
    BucketAccelerateNotEnabled => "BucketAccelerateNotEnabled", [BAD_REQUEST];
    /// `BucketNameTooLong` (400): The bucket name is too long.
    BucketNameTooLong => "BucketNameTooLong", [BAD_REQUEST];
    /// `BucketVersionNotOpen` (400): Versioning is not enabled on the bucket.
    BucketVersionNotOpen => "BucketVersionNotOpen", [BAD_REQUEST];
    /// `DNSRecordVerifyFailed` (400): The CNAME/TXT record check failed.
    DNSRecordVerifyFailed => "DNSRecordVerifyFailed", [BAD_REQUEST];
    /// `EntitySizeNotMatch` (400): The body size differs from `Content-Length`.
    EntitySizeNotMatch => "EntitySizeNotMatch", [BAD_REQUEST];
    /// `EntityTooLarge` (400): The object is above the size limit.
    EntityTooLarge => "EntityTooLarge", [BAD_REQUEST];
    /// `EntityTooSmall` (400): The object or part is below the minimum size (a part under 1 MB).
    EntityTooSmall => "EntityTooSmall", [BAD_REQUEST];
    /// `ExpiredToken` (400): The temporary (STS) token has expired.
    ExpiredToken => "ExpiredToken", [BAD_REQUEST];
    /// `ImageResolutionExceed` (400): The image resolution is above the limit.
    ImageResolutionExceed => "ImageResolutionExceed", [BAD_REQUEST];
    /// `ImageTooLarge` (400): The image is above the size limit.
    ImageTooLarge => "ImageTooLarge", [BAD_REQUEST];
    /// `IncompleteBody` (400): The body is shorter than `Content-Length`.
    IncompleteBody => "IncompleteBody", [BAD_REQUEST];
    /// `IncorrectNumberOfFilesInPostRequest` (400): A POST Object request must carry exactly one file.
    IncorrectNumberOfFilesInPostRequest => "IncorrectNumberOfFilesInPostRequest", [BAD_REQUEST];
    /// `InvalidArgument` (400): A parameter is invalid.
    InvalidArgument => "InvalidArgument", [BAD_REQUEST];
    /// `InvalidBucketName` (400): The bucket name is invalid.
    InvalidBucketName => "InvalidBucketName", [BAD_REQUEST];
    /// `InvalidCopySource` (400): The copy source is invalid.
    InvalidCopySource => "InvalidCopySource", [BAD_REQUEST];
    /// `InvalidDelimiter` (400): The delimiter must be one character.
    InvalidDelimiter => "InvalidDelimiter", [BAD_REQUEST];
    /// `InvalidDigest` (400): The `Content-MD5` is invalid.
    InvalidDigest => "InvalidDigest", [BAD_REQUEST];
    /// `InvalidImageFormat` (400): The image format is invalid.
    InvalidImageFormat => "InvalidImageFormat", [BAD_REQUEST];
    /// `InvalidImageSource` (400): The image source is invalid.
    InvalidImageSource => "InvalidImageSource", [BAD_REQUEST];
    /// `InvalidLocationConstraint` (400): The location constraint is invalid.
    InvalidLocationConstraint => "InvalidLocationConstraint", [BAD_REQUEST];
    /// `InvalidObjectName` (400): The object key is invalid.
    InvalidObjectName => "InvalidObjectName", [BAD_REQUEST];
    /// `InvalidPart` (400): A listed part is missing.
    InvalidPart => "InvalidPart", [BAD_REQUEST];
    /// `InvalidPartOrder` (400): The parts are not listed in ascending order.
    InvalidPartOrder => "InvalidPartOrder", [BAD_REQUEST];
    /// `InvalidPicOperations` (400): The `Pic-Operations` header is invalid.
    InvalidPicOperations => "InvalidPicOperations", [BAD_REQUEST];
    /// `InvalidPolicyDocument` (400): The POST policy is invalid.
    InvalidPolicyDocument => "InvalidPolicyDocument", [BAD_REQUEST];
    /// `InvalidRegionName` (400): The region name is invalid.
    InvalidRegionName => "InvalidRegionName", [BAD_REQUEST];
    /// `InvalidRequest` (400): The request is invalid.
    InvalidRequest => "InvalidRequest", [BAD_REQUEST];
    /// `InvalidSHA1Digest` (400): The SHA-1 digest is invalid.
    InvalidSHA1Digest => "InvalidSHA1Digest", [BAD_REQUEST];
    /// `InvalidTag` (400): A tag is invalid.
    InvalidTag => "InvalidTag", [BAD_REQUEST];
    /// `InvalidTargetBucketForLogging` (400): The log bucket must be in the same region.
    InvalidTargetBucketForLogging => "InvalidTargetBucketForLogging", [BAD_REQUEST];
    /// `InvalidUploadStatus` (400): A JSON-API upload conflicts with versioning.
    InvalidUploadStatus => "InvalidUploadStatus", [BAD_REQUEST];
    /// `InvalidURI` (400): The URI is invalid.
    InvalidURI => "InvalidURI", [BAD_REQUEST];
    /// `InventoryFull` (400): More than 1000 inventory configurations.
    InventoryFull => "InventoryFull", [BAD_REQUEST];
    /// `JsonAPINotSupportOnMAZBucket` (400): The JSON API is not allowed on multi-AZ buckets.
    JsonAPINotSupportOnMAZBucket => "JsonAPINotSupportOnMAZBucket", [BAD_REQUEST];
    /// `KeyTooLong` (400): The object key is too long.
    KeyTooLong => "KeyTooLong", [BAD_REQUEST];
    /// `KmsException` (400): KMS error.
    KmsException => "KmsException", [BAD_REQUEST];
    /// `KmsKeyDisabled` (400): The KMS key is disabled.
    KmsKeyDisabled => "KmsKeyDisabled", [BAD_REQUEST];
    /// `KmsKeyNotExist` (400): The KMS key does not exist.
    KmsKeyNotExist => "KmsKeyNotExist", [BAD_REQUEST];
    /// `ListPartUploadIdIsEmpty` (400): The `UploadId` is empty.
    ListPartUploadIdIsEmpty => "ListPartUploadIdIsEmpty", [BAD_REQUEST];
    /// `LoggingConfExists` (400): A logging configuration already exists.
    LoggingConfExists => "LoggingConfExists", [BAD_REQUEST];
    /// `LoggingPrefixInvalid` (400): The logging prefix is invalid.
    LoggingPrefixInvalid => "LoggingPrefixInvalid", [BAD_REQUEST];
    /// `MalformedPolicy` (400): The policy is malformed.
    MalformedPolicy => "MalformedPolicy", [BAD_REQUEST];
    /// `MalformedPOSTRequest` (400): The POST body is malformed.
    MalformedPOSTRequest => "MalformedPOSTRequest", [BAD_REQUEST];
    /// `MalformedXML` (400): The XML body is malformed.
    MalformedXML => "MalformedXML", [BAD_REQUEST];
    /// `MAZOperationNotSupportOnOAZBucket` (400): A multi-AZ operation on a single-AZ bucket.
    MAZOperationNotSupportOnOAZBucket => "MAZOperationNotSupportOnOAZBucket", [BAD_REQUEST];
    /// `OAZOperationNotSupportOnMAZBucket` (400): A single-AZ operation on a multi-AZ bucket.
    OAZOperationNotSupportOnMAZBucket => "OAZOperationNotSupportOnMAZBucket", [BAD_REQUEST];
    /// `MultiAZFeatureNotSupport` (400): Multi-AZ is not supported here.
    MultiAZFeatureNotSupport => "MultiAZFeatureNotSupport", [BAD_REQUEST];
    /// `MissingRequestBodyError` (400): The request body is missing.
    MissingRequestBodyError => "MissingRequestBodyError", [BAD_REQUEST];
    /// `MultiBucketNotSupport` (400): Replication allows one destination bucket.
    MultiBucketNotSupport => "MultiBucketNotSupport", [BAD_REQUEST];
    /// `NotifyRuleEventConflict` (400): Notification rules conflict on events.
    NotifyRuleEventConflict => "NotifyRuleEventConflict", [BAD_REQUEST];
    /// `NotifyRulePrefixConflict` (400): Notification rules conflict on prefixes.
    NotifyRulePrefixConflict => "NotifyRulePrefixConflict", [BAD_REQUEST];
    /// `NotifyRuleSuffixConflict` (400): Notification rules conflict on suffixes.
    NotifyRuleSuffixConflict => "NotifyRuleSuffixConflict", [BAD_REQUEST];
    /// `NotSupportedStorageClass` (400): The storage class is not supported.
    NotSupportedStorageClass => "NotSupportedStorageClass", [BAD_REQUEST];
    /// `PolicyFull` (400): The policy count limit is reached.
    PolicyFull => "PolicyFull", [BAD_REQUEST];
    /// `PolicyVersionFull` (400): The policy version limit is reached.
    PolicyVersionFull => "PolicyVersionFull", [BAD_REQUEST];
    /// `RequestTimeout` (400): The server timed out reading a slow client (retryable).
    RequestTimeout => "RequestTimeout", [BAD_REQUEST];
    /// `SsecDecryptHeaderInvalid` (400): The SSE-C decryption headers are invalid.
    SsecDecryptHeaderInvalid => "SsecDecryptHeaderInvalid", [BAD_REQUEST];
    /// `SSEContentNotSupported` (400): The content does not support server-side encryption.
    SSEContentNotSupported => "SSEContentNotSupported", [BAD_REQUEST];
    /// `SSEHeaderNotAllowed` (400): Server-side encryption headers are not allowed here.
    SSEHeaderNotAllowed => "SSEHeaderNotAllowed", [BAD_REQUEST];
    /// `TargetBucketNameInvalid` (400): The destination bucket is invalid.
    TargetBucketNameInvalid => "TargetBucketNameInvalid", [BAD_REQUEST];
    /// `TooManyBuckets` (400): More than 200 buckets.
    TooManyBuckets => "TooManyBuckets", [BAD_REQUEST];
    /// `UnexpectedContent` (400): The content is not supported.
    UnexpectedContent => "UnexpectedContent", [BAD_REQUEST];
    /// `UserCnameInvalid` (400): The CNAME is invalid.
    UserCnameInvalid => "UserCnameInvalid", [BAD_REQUEST];
    /// `UserNetworkTooSlow` (400): The client network is too slow.
    UserNetworkTooSlow => "UserNetworkTooSlow", [BAD_REQUEST];
    /// `VerifyAlgorithmNotSupported` (400): The algorithm is not supported.
    VerifyAlgorithmNotSupported => "VerifyAlgorithmNotSupported", [BAD_REQUEST];
    /// `WebsiteURLInvalid` (400): The custom domain URL is invalid.
    WebsiteURLInvalid => "WebsiteURLInvalid", [BAD_REQUEST];
    /// `XMLSizeLimit` (400): The XML body is too long.
    XMLSizeLimit => "XMLSizeLimit", [BAD_REQUEST];
    /// `PaymentRequired` (402): Quota exceeded or the account is in arrears.
    PaymentRequired => "PaymentRequired", [PAYMENT_REQUIRED];
    /// `AccessDenied` (403): Bad signature or no permission.
    AccessDenied => "AccessDenied", [FORBIDDEN];
    /// `AccessForbidden` (403): A CORS request was denied.
    AccessForbidden => "AccessForbidden", [FORBIDDEN];
    /// `InvalidAccessKeyId` (403): The SecretId does not exist.
    InvalidAccessKeyId => "InvalidAccessKeyId", [FORBIDDEN];
    /// `InvalidObjectState` (403, 409): The object's state conflicts with the operation. COS sends this one code under both 403 (storage class, e.g. an archived object) and 409 (object state): the status decides nothing about the code.
    InvalidObjectState => "InvalidObjectState", [FORBIDDEN, CONFLICT];
    /// `NoProcessAuthority` (403): No image-processing permission.
    NoProcessAuthority => "NoProcessAuthority", [FORBIDDEN];
    /// `RequestTimeTooSkewed` (403): The client clock is more than 15 minutes off.
    RequestTimeTooSkewed => "RequestTimeTooSkewed", [FORBIDDEN];
    /// `Request has expired` (403): The signature window is over or the clock is wrong; the code is literally `Request has expired`, spaces included.
    RequestHasExpired => "Request has expired", [FORBIDDEN];
    /// `SignatureDoesNotMatch` (403): The signature does not match.
    SignatureDoesNotMatch => "SignatureDoesNotMatch", [FORBIDDEN];
    /// `UserNotSourceBucketOwner` (403): Replication: the user does not own the source bucket.
    UserNotSourceBucketOwner => "UserNotSourceBucketOwner", [FORBIDDEN];
    /// `UserNotTargetBucketOwner` (403): Replication: the user does not own the destination bucket.
    UserNotTargetBucketOwner => "UserNotTargetBucketOwner", [FORBIDDEN];
    /// `InventoryConfigurationNotFoundError` (404): The inventory configuration does not exist.
    InventoryConfigurationNotFoundError => "InventoryConfigurationNotFoundError", [NOT_FOUND];
    /// `NoBucketQuotaPolicy` (404): The bucket has no quota policy.
    NoBucketQuotaPolicy => "NoBucketQuotaPolicy", [NOT_FOUND];
    /// `NoSuchBucket` (404): The bucket does not exist.
    NoSuchBucket => "NoSuchBucket", [NOT_FOUND];
    /// `NoSuchCopySource` (404): The copy source does not exist.
    NoSuchCopySource => "NoSuchCopySource", [NOT_FOUND];
    /// `NoSuchCORSConfiguration` (404): The CORS configuration does not exist.
    NoSuchCORSConfiguration => "NoSuchCORSConfiguration", [NOT_FOUND];
    /// `NoSuchEncryptionConfiguration` (404): The encryption configuration does not exist.
    NoSuchEncryptionConfiguration => "NoSuchEncryptionConfiguration", [NOT_FOUND];
    /// `NoSuchJob` (404): The job does not exist.
    NoSuchJob => "NoSuchJob", [NOT_FOUND];
    /// `NoSuchKey` (404): The object does not exist.
    NoSuchKey => "NoSuchKey", [NOT_FOUND];
    /// `NoSuchLifecycleConfiguration` (404): The lifecycle configuration does not exist.
    NoSuchLifecycleConfiguration => "NoSuchLifecycleConfiguration", [NOT_FOUND];
    /// `NoSuchObjectLockConfiguration` (404): The object lock configuration does not exist.
    NoSuchObjectLockConfiguration => "NoSuchObjectLockConfiguration", [NOT_FOUND];
    /// `NoSuchPolicyVersion` (404): The policy version does not exist.
    NoSuchPolicyVersion => "NoSuchPolicyVersion", [NOT_FOUND];
    /// `NoSuchTagSet` (404): The tag set does not exist.
    NoSuchTagSet => "NoSuchTagSet", [NOT_FOUND];
    /// `NoSuchUpload` (404): The multipart upload does not exist.
    NoSuchUpload => "NoSuchUpload", [NOT_FOUND];
    /// `NoSuchVersion` (404): The object version does not exist.
    NoSuchVersion => "NoSuchVersion", [NOT_FOUND];
    /// `NoSuchWebsiteConfiguration` (404): The website configuration does not exist.
    NoSuchWebsiteConfiguration => "NoSuchWebsiteConfiguration", [NOT_FOUND];
    /// `OriginConfigurationNotFoundError` (404): The origin configuration does not exist.
    OriginConfigurationNotFoundError => "OriginConfigurationNotFoundError", [NOT_FOUND];
    /// `ReplicationConfigurationNotFoundError` (404): The replication configuration does not exist.
    ReplicationConfigurationNotFoundError => "ReplicationConfigurationNotFoundError", [NOT_FOUND];
    /// `MethodNotAllowed` (405): The method is not allowed on the resource.
    MethodNotAllowed => "MethodNotAllowed", [METHOD_NOT_ALLOWED];
    /// `RestoreFileSizeExceed` (405): Expedited restore is limited to 256 MB.
    RestoreFileSizeExceed => "RestoreFileSizeExceed", [METHOD_NOT_ALLOWED];
    /// `RestoreNonArchiveObject` (405): The object is not archived.
    RestoreNonArchiveObject => "RestoreNonArchiveObject", [METHOD_NOT_ALLOWED];
    /// `UploadIdNotSupported` (405): A JSON-API `UploadId` was used on the XML API.
    UploadIdNotSupported => "UploadIdNotSupported", [METHOD_NOT_ALLOWED];
    /// `AppendPositionErr` (409): The append position differs from the object length.
    AppendPositionErr => "AppendPositionErr", [CONFLICT];
    /// `BucketAlreadyExists` (409): The bucket name is taken.
    BucketAlreadyExists => "BucketAlreadyExists", [CONFLICT];
    /// `BucketAlreadyOwnedByYou` (409): The bucket already exists and is yours.
    BucketAlreadyOwnedByYou => "BucketAlreadyOwnedByYou", [CONFLICT];
    /// `BucketLocked` (409): The bucket is locked.
    BucketLocked => "BucketLocked", [CONFLICT];
    /// `BucketNotEmpty` (409): The bucket is not empty.
    BucketNotEmpty => "BucketNotEmpty", [CONFLICT];
    /// `DomainConfigConflict` (409): The domain configuration conflicts.
    DomainConfigConflict => "DomainConfigConflict", [CONFLICT];
    /// `InvalidBucketState` (409): The bucket's state conflicts with the operation.
    InvalidBucketState => "InvalidBucketState", [CONFLICT];
    /// `InvalidLockedTime` (409): The lock time is invalid.
    InvalidLockedTime => "InvalidLockedTime", [CONFLICT];
    /// `ObjectLocked` (409): The object is locked.
    ObjectLocked => "ObjectLocked", [CONFLICT];
    /// `ObjectNotAppendable` (409): The object is not appendable.
    ObjectNotAppendable => "ObjectNotAppendable", [CONFLICT];
    /// `PathConflict` (409): Concurrent writes to one key within the same millisecond.
    PathConflict => "PathConflict", [CONFLICT];
    /// `QuotaConflict` (409): Quota conflict.
    QuotaConflict => "QuotaConflict", [CONFLICT];
    /// `QuotaOperationConfilct` (409): Quota operation conflict, with COS's own misspelling of the code (sent as-is).
    QuotaOperationConfilct => "QuotaOperationConfilct", [CONFLICT];
    /// `RecordAlreadyExist` (409): The DNS record already exists.
    RecordAlreadyExist => "RecordAlreadyExist", [CONFLICT];
    /// `RestoreAlreadyInProgress` (409): A restore is already in progress.
    RestoreAlreadyInProgress => "RestoreAlreadyInProgress", [CONFLICT];
    /// `UploadConflict` (409): Frequent concurrent uploads of one key.
    UploadConflict => "UploadConflict", [CONFLICT];
    /// `MissingContentLength` (411): `Content-Length` is missing.
    MissingContentLength => "MissingContentLength", [LENGTH_REQUIRED];
    /// `PreconditionFailed` (412): A precondition failed.
    PreconditionFailed => "PreconditionFailed", [PRECONDITION_FAILED];
    /// `InvalidRange` (416): The range cannot be satisfied.
    InvalidRange => "InvalidRange", [RANGE_NOT_SATISFIABLE];
    /// `DomainAuditFailed` (451): The domain has no ICP filing.
    DomainAuditFailed => "DomainAuditFailed", [UNAVAILABLE_FOR_LEGAL_REASONS];
    /// `UnavailableForLegalReasons` (451): Unavailable for legal reasons.
    UnavailableForLegalReasons => "UnavailableForLegalReasons", [UNAVAILABLE_FOR_LEGAL_REASONS];
    /// `InternalError` (500): Server error (retryable).
    InternalError => "InternalError", [INTERNAL_SERVER_ERROR];
    /// `KmsInternalException` (500): KMS server error.
    KmsInternalException => "KmsInternalException", [INTERNAL_SERVER_ERROR];
    /// `NotImplemented` (501): Not implemented.
    NotImplemented => "NotImplemented", [NOT_IMPLEMENTED];
    /// `KmsFreqControl` (503): KMS throttling (throttled).
    KmsFreqControl => "KmsFreqControl", [SERVICE_UNAVAILABLE];
    /// `ServiceUnavailable` (503): The service is unavailable (retryable).
    ServiceUnavailable => "ServiceUnavailable", [SERVICE_UNAVAILABLE];
    /// `SlowDown` (503): Request rate too high (throttled).
    SlowDown => "SlowDown", [SERVICE_UNAVAILABLE];
}

impl ErrorCode {
    /// The HTTP status COS documents for this code, `None` for [`ErrorCode::Other`].
    ///
    /// For `InvalidObjectState`, documented under both 403 and 409, this is 403, the
    /// first of [`statuses`](Self::statuses). It is documentation, not a rule: the
    /// code a response carries is never inferred from its status, nor the other way round.
    pub fn status(self) -> Option<StatusCode> {
        self.statuses().first().copied()
    }

    /// Whether this is a known code (not [`ErrorCode::Other`]).
    pub fn is_known(self) -> bool {
        self != ErrorCode::Other
    }
}

impl FromStr for ErrorCode {
    type Err = Infallible;

    /// Exact, case-sensitive match; anything unknown is [`ErrorCode::Other`].
    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Ok(ErrorCode::parse_known(code))
    }
}

impl From<&str> for ErrorCode {
    fn from(code: &str) -> Self {
        ErrorCode::parse_known(code)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(ErrorCode::from(code.as_ref()))
    }
}
