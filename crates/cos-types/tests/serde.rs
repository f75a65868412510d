//! Serialisation under the `serde` feature.
#![cfg(feature = "serde")]

use bytes::Bytes;
use cos_types::{BucketName, ErrorCode, ObjectKey, Region, ServiceError};
use http::{HeaderMap, StatusCode};
use serde_json::json;

#[test]
fn digest_serialises_every_field() {
    let body = Bytes::from_static(
        b"<Error><Code>SignatureDoesNotMatch</Code><Message>M</Message><Resource>R</Resource>\
          <RequestId>Q</RequestId><StringToSign>s</StringToSign></Error>",
    );
    let mut headers = HeaderMap::new();
    headers.insert("x-cos-trace-id", "T".parse().unwrap());
    let error = ServiceError::from_response(StatusCode::FORBIDDEN, &headers, body);
    assert_eq!(
        serde_json::to_value(error.digest()).unwrap(),
        json!({
            "status": 403,
            "code": "SignatureDoesNotMatch",
            "code_is_derived": false,
            "message": "M",
            "resource": "R",
            "request_id": "Q",
            "trace_id": "T",
            "host_id": null,
            "others": [{"name": "StringToSign", "value": "s"}],
            "raw_body_truncated": false,
        })
    );
}

#[test]
fn value_types_round_trip_and_validate() {
    let bucket: BucketName = serde_json::from_str("\"examplebucket-1250000000\"").unwrap();
    assert_eq!(bucket.appid(), "1250000000");
    assert_eq!(
        serde_json::to_string(&bucket).unwrap(),
        "\"examplebucket-1250000000\""
    );
    let region: Region = serde_json::from_str("\"ap-guangzhou\"").unwrap();
    assert_eq!(serde_json::to_string(&region).unwrap(), "\"ap-guangzhou\"");
    let key: ObjectKey = serde_json::from_str("\"a/b.txt\"").unwrap();
    assert_eq!(serde_json::to_string(&key).unwrap(), "\"a/b.txt\"");

    let error = serde_json::from_str::<BucketName>("\"Example-1250000000\"").unwrap_err();
    assert!(error.to_string().contains("invalid bucket name"), "{error}");
    let error = serde_json::from_str::<ObjectKey>("\"a/..\"").unwrap_err();
    assert!(error.to_string().contains("bucket root"), "{error}");
    assert!(serde_json::from_str::<Region>("\"-ap\"").is_err());
}

#[test]
fn error_codes_serialise_as_their_wire_text() {
    assert_eq!(
        serde_json::to_string(&ErrorCode::RequestHasExpired).unwrap(),
        "\"Request has expired\""
    );
    let code: ErrorCode = serde_json::from_str("\"BadRquest\"").unwrap();
    assert_eq!(code, ErrorCode::BadRquest);
    let code: ErrorCode = serde_json::from_str("\"Somewhere\\u0020else\"").unwrap();
    assert_eq!(code, ErrorCode::Other);
}
