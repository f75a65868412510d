//! Every response of `tests/vectors/error_vectors.json` through
//! `ServiceError::from_response`, checked against `tests/vectors/expected_reading.json`.

use std::path::PathBuf;

use base64::Engine as _;
use bytes::Bytes;
use cos_types::{Error, ServiceError};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("reading {}: {error}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Checks `actual` against an expectation of `expected_reading.json`: a string,
/// `null`, `"lossy"` (contains U+FFFD), `"skip"`, or a list of any of these.
fn matches(expected: &Value, actual: Option<&str>) -> bool {
    match expected {
        Value::Null => actual.is_none(),
        Value::String(text) if text == "skip" => true,
        Value::String(text) if text == "lossy" => actual.is_some_and(|a| a.contains('\u{FFFD}')),
        Value::String(text) => actual == Some(text.as_str()),
        Value::Array(options) => options.iter().any(|option| matches(option, actual)),
        other => panic!("unexpected expectation {other}"),
    }
}

fn build(case: &Value) -> ServiceError {
    let status = StatusCode::from_u16(case["status"].as_u64().unwrap() as u16).unwrap();
    let mut headers = HeaderMap::new();
    for (name, value) in case["response_headers"].as_object().unwrap() {
        headers.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value.as_str().unwrap()).unwrap(),
        );
    }
    let body = base64::engine::general_purpose::STANDARD
        .decode(case["body_b64"].as_str().unwrap())
        .unwrap();
    assert_eq!(body.len() as u64, case["body_len"].as_u64().unwrap());
    ServiceError::from_response(status, &headers, Bytes::from(body))
}

#[test]
fn every_vector_reads_as_expected() {
    let vectors = load("error_vectors.json");
    let expected = load("expected_reading.json");
    let cases = vectors["cases"].as_array().unwrap();
    assert!(cases.len() >= 50, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let want = &expected["cases"][id]["response"];
        assert!(want.is_object(), "{id}: no expected reading");
        let error = build(case);
        let checks = [
            ("code", Some(error.code())),
            ("message", Some(error.message())),
            ("resource", error.resource()),
            ("request_id", error.request_id()),
            ("trace_id", error.trace_id()),
        ];
        for (field, actual) in checks {
            if !matches(&want[field], actual) {
                failures.push(format!(
                    "{id}: {field} = {actual:?}, expected {}",
                    want[field]
                ));
            }
        }
        // The body's own reading: damage is reported, HostId kept.
        let body_want = &expected["cases"][id]["body"];
        let malformed = body_want["malformed"].as_bool().unwrap_or(false);
        if error.body_is_malformed() != malformed {
            failures.push(format!("{id}: malformed = {}", error.body_is_malformed()));
        }
        if let Some(host_id) = body_want.get("host_id")
            && !matches(host_id, error.host_id())
        {
            failures.push(format!("{id}: host_id = {:?}", error.host_id()));
        }
        if want["derived"].as_bool() != Some(error.code_is_derived()) {
            failures.push(format!("{id}: derived = {}", error.code_is_derived()));
        }
        let retryable = Error::from(error.clone()).is_retryable();
        if want["retryable"].as_bool() != Some(retryable) {
            failures.push(format!("{id}: retryable = {retryable}"));
        }
        // The raw body is kept byte for byte.
        let body = base64::engine::general_purpose::STANDARD
            .decode(case["body_b64"].as_str().unwrap())
            .unwrap();
        assert_eq!(error.raw_body().as_ref(), body.as_slice(), "{id}: raw body");
        assert!(!error.raw_body_truncated(), "{id}");
        // Display is one line and names the code and the request id.
        let line = error.to_string();
        assert!(!line.contains('\n'), "{id}: {line}");
        assert!(line.contains(error.code()), "{id}: {line}");
        if let Some(request_id) = error.request_id() {
            assert!(line.contains(request_id), "{id}: {line}");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn truncated_xml_keeps_what_was_complete_and_says_so() {
    let vectors = load("error_vectors.json");
    let case = vectors["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|case| case["id"] == "xml_truncated")
        .unwrap();
    let error = build(case);
    assert!(error.body_is_malformed());
    assert_eq!(error.code(), "NoSuchKey");
    assert_eq!(error.message(), "Not Found");
}
