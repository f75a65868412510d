//! The error model: codes, classification, printing, size.

use std::error::Error as _;
use std::io;

use bytes::Bytes;
use cos_types::{ClientError, ClientErrorKind, Error, ErrorCode, ServiceError};
use http::{HeaderMap, HeaderValue, StatusCode};

/// COS's published code table (protocol.md §4.2, doc 436/7730) with each code's
/// documented statuses, plus PermanentRedirect and the corrected BadRequest.
const TABLE: &[(&str, &[u16])] = &[
    ("PermanentRedirect", &[301]),
    ("ActionAccelerateNotSupported", &[400]),
    ("AttachmentFull", &[400]),
    ("BadDigest", &[400]),
    ("BadRquest", &[400]),
    ("BadRequest", &[400]),
    ("BucketAccelerateNotEnabled", &[400]),
    ("BucketNameTooLong", &[400]),
    ("BucketVersionNotOpen", &[400]),
    ("DNSRecordVerifyFailed", &[400]),
    ("EntitySizeNotMatch", &[400]),
    ("EntityTooLarge", &[400]),
    ("EntityTooSmall", &[400]),
    ("ExpiredToken", &[400]),
    ("ImageResolutionExceed", &[400]),
    ("ImageTooLarge", &[400]),
    ("IncompleteBody", &[400]),
    ("IncorrectNumberOfFilesInPostRequest", &[400]),
    ("InvalidArgument", &[400]),
    ("InvalidBucketName", &[400]),
    ("InvalidCopySource", &[400]),
    ("InvalidDelimiter", &[400]),
    ("InvalidDigest", &[400]),
    ("InvalidImageFormat", &[400]),
    ("InvalidImageSource", &[400]),
    ("InvalidLocationConstraint", &[400]),
    ("InvalidObjectName", &[400]),
    ("InvalidPart", &[400]),
    ("InvalidPartOrder", &[400]),
    ("InvalidPicOperations", &[400]),
    ("InvalidPolicyDocument", &[400]),
    ("InvalidRegionName", &[400]),
    ("InvalidRequest", &[400]),
    ("InvalidSHA1Digest", &[400]),
    ("InvalidTag", &[400]),
    ("InvalidTargetBucketForLogging", &[400]),
    ("InvalidUploadStatus", &[400]),
    ("InvalidURI", &[400]),
    ("InventoryFull", &[400]),
    ("JsonAPINotSupportOnMAZBucket", &[400]),
    ("KeyTooLong", &[400]),
    ("KmsException", &[400]),
    ("KmsKeyDisabled", &[400]),
    ("KmsKeyNotExist", &[400]),
    ("ListPartUploadIdIsEmpty", &[400]),
    ("LoggingConfExists", &[400]),
    ("LoggingPrefixInvalid", &[400]),
    ("MalformedPolicy", &[400]),
    ("MalformedPOSTRequest", &[400]),
    ("MalformedXML", &[400]),
    ("MAZOperationNotSupportOnOAZBucket", &[400]),
    ("OAZOperationNotSupportOnMAZBucket", &[400]),
    ("MultiAZFeatureNotSupport", &[400]),
    ("MissingRequestBodyError", &[400]),
    ("MultiBucketNotSupport", &[400]),
    ("NotifyRuleEventConflict", &[400]),
    ("NotifyRulePrefixConflict", &[400]),
    ("NotifyRuleSuffixConflict", &[400]),
    ("NotSupportedStorageClass", &[400]),
    ("PolicyFull", &[400]),
    ("PolicyVersionFull", &[400]),
    ("RequestTimeout", &[400]),
    ("SsecDecryptHeaderInvalid", &[400]),
    ("SSEContentNotSupported", &[400]),
    ("SSEHeaderNotAllowed", &[400]),
    ("TargetBucketNameInvalid", &[400]),
    ("TooManyBuckets", &[400]),
    ("UnexpectedContent", &[400]),
    ("UserCnameInvalid", &[400]),
    ("UserNetworkTooSlow", &[400]),
    ("VerifyAlgorithmNotSupported", &[400]),
    ("WebsiteURLInvalid", &[400]),
    ("XMLSizeLimit", &[400]),
    ("PaymentRequired", &[402]),
    ("AccessDenied", &[403]),
    ("AccessForbidden", &[403]),
    ("InvalidAccessKeyId", &[403]),
    ("InvalidObjectState", &[403, 409]),
    ("NoProcessAuthority", &[403]),
    ("RequestTimeTooSkewed", &[403]),
    ("Request has expired", &[403]),
    ("SignatureDoesNotMatch", &[403]),
    ("UserNotSourceBucketOwner", &[403]),
    ("UserNotTargetBucketOwner", &[403]),
    ("InventoryConfigurationNotFoundError", &[404]),
    ("NoBucketQuotaPolicy", &[404]),
    ("NoSuchBucket", &[404]),
    ("NoSuchCopySource", &[404]),
    ("NoSuchCORSConfiguration", &[404]),
    ("NoSuchEncryptionConfiguration", &[404]),
    ("NoSuchJob", &[404]),
    ("NoSuchKey", &[404]),
    ("NoSuchLifecycleConfiguration", &[404]),
    ("NoSuchObjectLockConfiguration", &[404]),
    ("NoSuchPolicyVersion", &[404]),
    ("NoSuchTagSet", &[404]),
    ("NoSuchUpload", &[404]),
    ("NoSuchVersion", &[404]),
    ("NoSuchWebsiteConfiguration", &[404]),
    ("OriginConfigurationNotFoundError", &[404]),
    ("ReplicationConfigurationNotFoundError", &[404]),
    ("MethodNotAllowed", &[405]),
    ("RestoreFileSizeExceed", &[405]),
    ("RestoreNonArchiveObject", &[405]),
    ("UploadIdNotSupported", &[405]),
    ("AppendPositionErr", &[409]),
    ("BucketAlreadyExists", &[409]),
    ("BucketAlreadyOwnedByYou", &[409]),
    ("BucketLocked", &[409]),
    ("BucketNotEmpty", &[409]),
    ("DomainConfigConflict", &[409]),
    ("InvalidBucketState", &[409]),
    ("InvalidLockedTime", &[409]),
    ("ObjectLocked", &[409]),
    ("ObjectNotAppendable", &[409]),
    ("PathConflict", &[409]),
    ("QuotaConflict", &[409]),
    ("QuotaOperationConfilct", &[409]),
    ("RecordAlreadyExist", &[409]),
    ("RestoreAlreadyInProgress", &[409]),
    ("UploadConflict", &[409]),
    ("MissingContentLength", &[411]),
    ("PreconditionFailed", &[412]),
    ("InvalidRange", &[416]),
    ("DomainAuditFailed", &[451]),
    ("UnavailableForLegalReasons", &[451]),
    ("InternalError", &[500]),
    ("KmsInternalException", &[500]),
    ("NotImplemented", &[501]),
    ("KmsFreqControl", &[503]),
    ("ServiceUnavailable", &[503]),
    ("SlowDown", &[503]),
];

fn service(status: u16, code: Option<&str>) -> ServiceError {
    let body = match code {
        Some(code) => Bytes::from(format!(
            "<Error><Code>{code}</Code><Message>m</Message><RequestId>r</RequestId></Error>"
        )),
        None => Bytes::new(),
    };
    ServiceError::from_response(
        StatusCode::from_u16(status).unwrap(),
        &HeaderMap::new(),
        body,
    )
}

fn client(kind: ClientErrorKind) -> ClientError {
    ClientError::new(kind, "GetObject examplebucket-1250000000/a.txt")
}

#[test]
fn every_code_of_the_table_round_trips_with_its_status() {
    assert_eq!(TABLE.len(), ErrorCode::ALL.len());
    for (wire, statuses) in TABLE {
        let code: ErrorCode = wire.parse().unwrap();
        assert_ne!(code, ErrorCode::Other, "{wire}");
        assert_eq!(code.as_str(), *wire);
        assert_eq!(code.to_string(), *wire);
        let documented: Vec<u16> = code.statuses().iter().map(StatusCode::as_u16).collect();
        assert_eq!(documented, *statuses, "{wire}");
        assert_eq!(
            code.status().map(|s| s.as_u16()),
            Some(statuses[0]),
            "{wire}"
        );
        // Through a response, the code is kept exactly as sent.
        let error = service(statuses[0], Some(wire));
        assert_eq!(error.code(), *wire);
        assert_eq!(error.code_kind(), code);
    }
}

#[test]
fn quirky_codes_round_trip_exactly() {
    assert_eq!(
        "BadRquest".parse::<ErrorCode>().unwrap(),
        ErrorCode::BadRquest
    );
    assert_eq!(
        "BadRequest".parse::<ErrorCode>().unwrap(),
        ErrorCode::BadRequest
    );
    assert_eq!(
        "QuotaOperationConfilct".parse::<ErrorCode>().unwrap(),
        ErrorCode::QuotaOperationConfilct
    );
    assert_eq!(
        "Request has expired".parse::<ErrorCode>().unwrap(),
        ErrorCode::RequestHasExpired
    );
    // Exact: no case folding, no trimming, no guessing at the spelling.
    for near_miss in [
        "request has expired",
        "RequestHasExpired",
        "nosuchkey",
        " NoSuchKey",
        "",
    ] {
        assert_eq!(
            near_miss.parse::<ErrorCode>().unwrap(),
            ErrorCode::Other,
            "{near_miss:?}"
        );
    }
    let error = service(403, Some("Request has expired"));
    assert_eq!(error.code(), "Request has expired");
    assert_eq!(error.code_kind(), ErrorCode::RequestHasExpired);
}

#[test]
fn invalid_object_state_is_documented_under_403_and_409_and_the_status_decides_nothing() {
    assert_eq!(
        ErrorCode::InvalidObjectState.statuses(),
        &[StatusCode::FORBIDDEN, StatusCode::CONFLICT]
    );
    for status in [403, 409] {
        assert_eq!(
            service(status, Some("InvalidObjectState")).code_kind(),
            ErrorCode::InvalidObjectState
        );
    }
    // A code under an undocumented status is still that code.
    assert_eq!(
        service(400, Some("NoSuchKey")).code_kind(),
        ErrorCode::NoSuchKey
    );
}

#[test]
fn unknown_codes_are_kept_as_sent() {
    let error = service(404, Some("NoSuchVectorBucket"));
    assert_eq!(error.code(), "NoSuchVectorBucket");
    assert_eq!(error.code_kind(), ErrorCode::Other);
    assert_eq!(ErrorCode::Other.status(), None);
    assert!(!ErrorCode::Other.is_known());
}

#[test]
fn error_is_small_and_shareable() {
    assert!(
        std::mem::size_of::<Error>() <= 16,
        "{}",
        std::mem::size_of::<Error>()
    );
    assert!(std::mem::size_of::<cos_types::Result<()>>() <= 16);
    fn assert_send_sync_static<T: Send + Sync + 'static>() {}
    assert_send_sync_static::<Error>();
    assert_send_sync_static::<ServiceError>();
    assert_send_sync_static::<ClientError>();
}

#[test]
fn retryable_service_errors() {
    let cases: &[(u16, Option<&str>, bool)] = &[
        (500, None, true),
        (502, None, true),
        (503, None, true),
        (504, None, true),
        (429, None, true),
        (500, Some("InternalError"), true),
        (503, Some("ServiceUnavailable"), true),
        (503, Some("SlowDown"), true),
        (503, Some("KmsFreqControl"), true),
        (400, Some("RequestTimeout"), true),
        // A late failure reported as 200 with an <Error> body is classified by its code.
        (200, Some("InternalError"), true),
        (200, Some("SlowDown"), true),
        (200, Some("AccessDenied"), false),
        (501, Some("NotImplemented"), false),
        (400, Some("InvalidArgument"), false),
        (403, Some("AccessDenied"), false),
        (403, Some("SignatureDoesNotMatch"), false),
        (403, Some("Request has expired"), false),
        (404, Some("NoSuchKey"), false),
        (409, Some("BucketNotEmpty"), false),
        (412, None, false),
        (301, Some("PermanentRedirect"), false),
        // 408 derives the code RequestTimeout: a hop gave up waiting for our request.
        (408, None, true),
    ];
    for &(status, code, retryable) in cases {
        let error = Error::from(service(status, code));
        assert_eq!(error.is_retryable(), retryable, "{status} {code:?}");
    }
}

#[test]
fn throttled_service_errors() {
    let cases: &[(u16, Option<&str>, bool)] = &[
        (503, Some("SlowDown"), true),
        (503, Some("KmsFreqControl"), true),
        (429, None, true),
        (429, Some("Whatever"), true),
        (503, Some("ServiceUnavailable"), false),
        (503, None, false),
        (500, Some("InternalError"), false),
        (400, Some("RequestTimeout"), false),
    ];
    for &(status, code, throttled) in cases {
        let error = Error::from(service(status, code));
        assert_eq!(error.is_throttled(), throttled, "{status} {code:?}");
        if throttled {
            assert!(
                error.is_retryable(),
                "throttled implies retryable: {status} {code:?}"
            );
        }
    }
}

#[test]
fn not_found_errors() {
    assert!(Error::from(service(404, None)).is_not_found());
    assert!(Error::from(service(404, Some("NoSuchKey"))).is_not_found());
    assert!(Error::from(service(404, Some("NoSuchUpload"))).is_not_found());
    // A 200-with-<Error> NoSuchKey is still "not found".
    assert!(Error::from(service(200, Some("NoSuchBucket"))).is_not_found());
    assert!(!Error::from(service(403, Some("AccessDenied"))).is_not_found());
    assert!(!Error::from(service(409, Some("BucketNotEmpty"))).is_not_found());
    assert!(!Error::from(client(ClientErrorKind::Io)).is_not_found());
}

#[test]
fn retryable_client_errors() {
    let cases = [
        (ClientErrorKind::Connect, true),
        (ClientErrorKind::Timeout, true),
        (ClientErrorKind::Integrity, true),
        (ClientErrorKind::Io, false), // no cause to judge by
        (ClientErrorKind::Decode, false),
        (ClientErrorKind::InvalidInput, false),
        (ClientErrorKind::Credentials, false),
        (ClientErrorKind::Body, false),
        (ClientErrorKind::Other, false),
    ];
    for (kind, retryable) in cases {
        let error = Error::from(client(kind));
        assert_eq!(error.is_retryable(), retryable, "{kind:?}");
        assert!(!error.is_throttled());
        assert_eq!(error.request_id(), None);
        assert_eq!(error.status(), None);
    }
}

/// An error wrapping another, like a transport error wrapping an `io::Error`.
#[derive(Debug)]
struct Wrapper(io::Error);

impl std::fmt::Display for Wrapper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("transport failed")
    }
}

impl std::error::Error for Wrapper {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

#[test]
fn io_errors_are_retryable_only_when_the_connection_broke() {
    let cases = [
        (io::ErrorKind::ConnectionReset, true),
        (io::ErrorKind::ConnectionAborted, true),
        (io::ErrorKind::BrokenPipe, true),
        (io::ErrorKind::UnexpectedEof, true),
        (io::ErrorKind::TimedOut, true),
        (io::ErrorKind::NotFound, false),
        (io::ErrorKind::PermissionDenied, false),
        (io::ErrorKind::InvalidData, false),
    ];
    for (io_kind, retryable) in cases {
        let direct = client(ClientErrorKind::Io).with_source(io::Error::from(io_kind));
        assert_eq!(direct.is_retryable(), retryable, "{io_kind:?}");
        // Found deeper in the chain too.
        let wrapped = client(ClientErrorKind::Io).with_source(Wrapper(io::Error::from(io_kind)));
        assert_eq!(wrapped.is_retryable(), retryable, "wrapped {io_kind:?}");
    }
}

#[test]
fn the_caller_can_override_the_retry_classification() {
    assert!(
        !client(ClientErrorKind::Connect)
            .with_retryable(false)
            .is_retryable()
    );
    assert!(
        client(ClientErrorKind::Other)
            .with_retryable(true)
            .is_retryable()
    );
}

#[test]
fn client_error_names_kind_and_operation_and_keeps_the_cause() {
    let error = Error::from(client(ClientErrorKind::Timeout).with_source(io::Error::new(
        io::ErrorKind::TimedOut,
        "read stalled for 30 s",
    )));
    assert_eq!(
        error.to_string(),
        "COS client error (timeout) in GetObject examplebucket-1250000000/a.txt"
    );
    let cause = error.source().expect("the cause is the source");
    assert_eq!(cause.to_string(), "read stalled for 30 s");
    assert!(cause.downcast_ref::<io::Error>().is_some());
    assert_eq!(error.as_client().unwrap().kind(), ClientErrorKind::Timeout);
    assert_eq!(
        error.as_client().unwrap().context(),
        "GetObject examplebucket-1250000000/a.txt"
    );
    assert!(error.as_service().is_none());
    assert!(
        ClientError::new(ClientErrorKind::Io, "x")
            .source()
            .is_none()
    );
}

#[test]
fn service_error_display_is_one_line_with_everything() {
    let body = Bytes::from_static(
        b"<Error><Code>NoSuchKey</Code><Message>The specified key\n does not exist.</Message>\
          <Resource>examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/a.txt</Resource>\
          <RequestId>NjU</RequestId><TraceId>OGV</TraceId></Error>",
    );
    let error = Error::from(ServiceError::from_response(
        StatusCode::NOT_FOUND,
        &HeaderMap::new(),
        body,
    ));
    assert_eq!(
        error.to_string(),
        "COS service error 404 NoSuchKey: The specified key  does not exist. \
         (request id: NjU, trace id: OGV, \
         resource: examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/a.txt)"
    );
    assert!(error.source().is_none());
    assert_eq!(error.request_id(), Some("NjU"));
    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(error.code(), Some("NoSuchKey"));
    assert!(error.as_client().is_none());

    // Nothing to add: no parentheses.
    let bare =
        ServiceError::from_response(StatusCode::BAD_GATEWAY, &HeaderMap::new(), Bytes::new());
    assert_eq!(
        bare.to_string(),
        "COS service error 502 BadGateway: Bad Gateway"
    );
}

#[test]
fn display_cuts_a_huge_message() {
    let message = "x".repeat(70_000);
    let body = Bytes::from(format!(
        "<Error><Code>InvalidArgument</Code><Message>{message}</Message></Error>"
    ));
    let error = ServiceError::from_response(StatusCode::BAD_REQUEST, &HeaderMap::new(), body);
    assert_eq!(error.message().len(), 70_000);
    let line = error.to_string();
    assert!(line.len() < 1_000, "{}", line.len());
    assert!(line.ends_with('…'), "{line}");
}

#[test]
fn header_fallbacks() {
    let mut headers = HeaderMap::new();
    headers.insert("x-ci-request-id", HeaderValue::from_static("ci-id"));
    headers.insert("x-cos-trace-id", HeaderValue::from_static("trace"));
    headers.insert(
        "x-cos-error-code",
        HeaderValue::from_static("NoSuchVectorBucket"),
    );
    let error = ServiceError::from_response(StatusCode::NOT_FOUND, &headers, Bytes::new());
    assert_eq!(error.request_id(), Some("ci-id"));
    assert_eq!(error.trace_id(), Some("trace"));
    assert_eq!(error.code(), "NoSuchVectorBucket");
    assert!(!error.code_is_derived());
    assert_eq!(error.message(), "Not Found");

    // x-cos-request-id wins over x-ci-request-id, and the body over both.
    headers.insert("x-cos-request-id", HeaderValue::from_static("cos-id"));
    let error = ServiceError::from_response(StatusCode::NOT_FOUND, &headers, Bytes::new());
    assert_eq!(error.request_id(), Some("cos-id"));
    let body =
        Bytes::from_static(b"<Error><Code>NoSuchKey</Code><RequestId>body-id</RequestId></Error>");
    let error = ServiceError::from_response(StatusCode::NOT_FOUND, &headers, body);
    assert_eq!(error.request_id(), Some("body-id"));
    assert_eq!(error.code(), "NoSuchKey");
}

#[test]
fn derived_codes_come_from_the_reason_phrase() {
    let cases = [
        (404, "NotFound", "Not Found"),
        (403, "Forbidden", "Forbidden"),
        (502, "BadGateway", "Bad Gateway"),
        (503, "ServiceUnavailable", "Service Unavailable"),
        (429, "TooManyRequests", "Too Many Requests"),
        (200, "OK", "OK"),
        (304, "NotModified", "Not Modified"),
        (599, "HttpStatus599", "HTTP status 599"),
    ];
    for (status, code, message) in cases {
        let error = service(status, None);
        assert_eq!((error.code(), error.message()), (code, message), "{status}");
        assert!(error.code_is_derived());
    }
    // A derived 503 is still the known code.
    assert_eq!(
        service(503, None).code_kind(),
        ErrorCode::ServiceUnavailable
    );
}

#[test]
fn json_bodies_are_read() {
    let body = Bytes::from_static(
        br#"{"Code":"InvalidParameter","Message":"bad input","Request_Id":"Q","traceId":"T","resource":"R"}"#,
    );
    let error = ServiceError::from_response(StatusCode::BAD_REQUEST, &HeaderMap::new(), body);
    assert_eq!(error.code(), "InvalidParameter");
    assert!(!error.code_is_derived());
    assert_eq!(error.message(), "bad input");
    assert_eq!(error.request_id(), Some("Q"));
    assert_eq!(error.trace_id(), Some("T"));
    assert_eq!(error.resource(), Some("R"));
}

#[test]
fn truncated_bodies_say_so() {
    assert_eq!(ServiceError::DEFAULT_BODY_LIMIT, 64 * 1024);
    let body = Bytes::from_static(b"<Error><Code>NoSuchKey</Code><Message>The spec");
    let error = ServiceError::from_truncated_response(
        StatusCode::NOT_FOUND,
        &HeaderMap::new(),
        body.clone(),
    );
    assert!(error.raw_body_truncated());
    assert!(error.body_is_malformed());
    assert_eq!(error.code(), "NoSuchKey");
    assert_eq!(error.message(), "Not Found");
    assert_eq!(error.raw_body(), &body);
    assert!(error.digest().raw_body_truncated);
    let whole = ServiceError::from_response(StatusCode::NOT_FOUND, &HeaderMap::new(), body);
    assert!(!whole.raw_body_truncated());
}

#[test]
fn digest_has_every_field_and_the_other_elements() {
    let body = Bytes::from_static(
        b"<Error><Code>SignatureDoesNotMatch</Code><Message>M</Message><Resource>R</Resource>\
          <RequestId>Q</RequestId><TraceId>T</TraceId>\
          <StringToSign>sha1\n1700000000;1700003600\nabc\n</StringToSign><FormatString>x &amp; y</FormatString></Error>",
    );
    let error = ServiceError::from_response(StatusCode::FORBIDDEN, &HeaderMap::new(), body);
    let digest = error.digest();
    assert_eq!(digest.status, 403);
    assert_eq!(digest.code, "SignatureDoesNotMatch");
    assert!(!digest.code_is_derived);
    assert_eq!(digest.message, "M");
    assert_eq!(digest.resource, Some("R"));
    assert_eq!(digest.request_id, Some("Q"));
    assert_eq!(digest.trace_id, Some("T"));
    let others: Vec<(&str, &str)> = digest.others.iter().map(|e| (e.name, e.value)).collect();
    assert_eq!(
        others,
        [
            ("StringToSign", "sha1\n1700000000;1700003600\nabc"),
            ("FormatString", "x & y")
        ]
    );
    assert_eq!(error.other_elements().len(), 2);
}

#[test]
fn debug_shows_the_fields() {
    let error = service(404, Some("NoSuchKey"));
    let debug = format!("{error:?}");
    assert!(
        debug.contains("NoSuchKey") && debug.contains("status: 404"),
        "{debug}"
    );
}

#[test]
fn display_with_causes_prints_the_chain_on_one_line() {
    let error = Error::from(
        client(ClientErrorKind::Connect).with_source(Wrapper(io::Error::new(
            io::ErrorKind::ConnectionRefused,
            "connection refused",
        ))),
    );
    assert_eq!(
        error.display_with_causes().to_string(),
        "COS client error (connect) in GetObject examplebucket-1250000000/a.txt: \
         transport failed: connection refused"
    );
    let service = Error::from(service(502, None));
    assert_eq!(
        service.display_with_causes().to_string(),
        service.to_string()
    );
}
