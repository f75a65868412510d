//! Every error body of `tests/vectors/error_vectors.json` read as
//! `tests/vectors/expected_reading.json` says (the project's reading, not the Python SDK's).

use base64::Engine;
use cos_xml::{FieldName, parse_error};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/../../tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// The error bodies, by case id, as exact bytes.
fn bodies() -> Vec<(String, Vec<u8>)> {
    load("error_vectors.json")["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| {
            let id = case["id"].as_str().unwrap().to_owned();
            let body = base64::engine::general_purpose::STANDARD
                .decode(case["body_b64"].as_str().unwrap())
                .unwrap();
            (id, body)
        })
        .collect()
}

/// Checks one value against the expectation's conventions: a string is exact, `null` is
/// absent, `"lossy"` is any string with U+FFFD, `"skip"` is anything, a list is any of.
fn check(id: &str, what: &str, actual: Option<&str>, expected: &Value) {
    let ok = match expected {
        Value::Null => actual.is_none(),
        Value::String(s) if s == "skip" => true,
        Value::String(s) if s == "lossy" => actual.is_some_and(|a| a.contains('\u{FFFD}')),
        Value::String(s) => actual == Some(s.as_str()),
        Value::Array(options) => options.iter().any(|option| match option.as_str() {
            Some("lossy") => actual.is_some_and(|a| a.contains('\u{FFFD}')),
            Some(s) => actual == Some(s),
            None => false,
        }),
        other => panic!("{id}: unexpected expectation {other}"),
    };
    assert!(ok, "{id}: {what} is {actual:?}, expected {expected}");
}

#[test]
fn every_vector_body_reads_as_expected() {
    let expected = load("expected_reading.json");
    let bodies = bodies();
    assert_eq!(bodies.len(), 56, "the vector file changed");
    let mut fields_cases = 0;
    for (id, body) in &bodies {
        let want = &expected["cases"][id]["body"];
        assert!(want.is_object(), "{id}: no expected reading");
        match want["kind"].as_str().unwrap() {
            "none" => assert_eq!(
                parse_error(body).map(|_| ()),
                Err(cos_xml::NotAnErrorDocument),
                "{id}: should not be read as an error document"
            ),
            "fields" => {
                fields_cases += 1;
                let got = parse_error(body)
                    .unwrap_or_else(|_| panic!("{id}: should be an error document"));
                check(id, "code", got.code(), &want["code"]);
                check(id, "message", got.message(), &want["message"]);
                check(id, "resource", got.resource(), &want["resource"]);
                check(id, "request_id", got.request_id(), &want["request_id"]);
                for (key, field) in [
                    ("trace_id", FieldName::TraceId),
                    ("host_id", FieldName::HostId),
                ] {
                    if let Some(value) = want.get(key) {
                        check(id, key, got.field(field).map(|f| f.as_str()), value);
                    }
                }
                let malformed = want
                    .get("malformed")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                assert_eq!(got.is_malformed(), malformed, "{id}: malformed flag");
            }
            other => panic!("{id}: unknown kind {other}"),
        }
    }
    assert!(fields_cases > 40);
}

#[test]
fn borrowed_fields_point_into_the_body() {
    for (id, body) in bodies() {
        let Ok(got) = parse_error(&body) else {
            continue;
        };
        for name in FieldName::ALL {
            if let Some(field) = got.field(name)
                && let Some(span) = field.span()
            {
                assert_eq!(&body[span], field.as_str().as_bytes(), "{id}: {name} span");
            }
        }
    }
}

#[test]
fn typical_cos_body_borrows_every_field() {
    let (_, body) = bodies()
        .into_iter()
        .find(|(id, _)| id == "cos_NoSuchKey")
        .unwrap();
    let got = parse_error(&body).unwrap();
    for name in [
        FieldName::Code,
        FieldName::Message,
        FieldName::Resource,
        FieldName::RequestId,
        FieldName::TraceId,
    ] {
        let field = got.field(name).unwrap();
        assert!(field.is_borrowed(), "{name} was copied");
        assert!(field.span().is_some(), "{name} has no span");
    }
    assert!(got.others().is_empty());
}
