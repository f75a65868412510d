//! `parse_error` never panics, whatever it is given, and what it returns is consistent.

use base64::Engine;
use cos_xml::{ErrorBody, FieldName, parse_error};
use proptest::prelude::*;

fn vector_bodies() -> &'static [Vec<u8>] {
    static BODIES: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    BODIES.get_or_init(load_bodies)
}

fn load_bodies() -> Vec<Vec<u8>> {
    let path = format!(
        "{}/../../tests/vectors/error_vectors.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let cases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    cases["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| {
            base64::engine::general_purpose::STANDARD
                .decode(case["body_b64"].as_str().unwrap())
                .unwrap()
        })
        .collect()
}

/// Invariants every successful reading keeps.
fn check_consistent(body: &[u8], parsed: &ErrorBody<'_>) {
    for name in FieldName::ALL {
        if let Some(field) = parsed.field(name) {
            let text = field.as_str();
            assert!(!text.is_empty(), "{name} is present but empty");
            assert_eq!(text, text.trim_ascii(), "{name} is not trimmed");
            if let Some(span) = field.span() {
                assert_eq!(&body[span], text.as_bytes(), "{name} span is off");
            }
        }
    }
    if parsed.is_truncated() {
        assert!(parsed.is_malformed());
    }
}

/// Bytes that look like XML often enough to reach the interesting paths.
fn xmlish() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just(b"<Error>".to_vec()),
        Just(b"</Error>".to_vec()),
        Just(b"<Code>".to_vec()),
        Just(b"</Code>".to_vec()),
        Just(b"<Message>".to_vec()),
        Just(b"</Message>".to_vec()),
        Just(b"<x:RequestID>".to_vec()),
        Just(b"<![CDATA[".to_vec()),
        Just(b"]]>".to_vec()),
        Just(b"<!--".to_vec()),
        Just(b"-->".to_vec()),
        Just(b"<?xml version='1.0'?>".to_vec()),
        Just(b"<!DOCTYPE Error [<!ENTITY a 'b'>]>".to_vec()),
        Just(b"&amp;".to_vec()),
        Just(b"&#x1F600;".to_vec()),
        Just(b"&#xD800;".to_vec()),
        Just(b"&".to_vec()),
        Just(b"<".to_vec()),
        Just(b">".to_vec()),
        Just(b"/>".to_vec()),
        Just(b"\xEF\xBB\xBF".to_vec()),
        Just(b"\xFF\xFE".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..8),
        "[a-zA-Z0-9 ]{0,8}".prop_map(String::into_bytes),
    ];
    proptest::collection::vec(token, 0..40).prop_map(|tokens| tokens.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(parsed) = parse_error(&body) {
            check_consistent(&body, &parsed);
        }
    }

    #[test]
    fn xml_like_input_never_panics(body in xmlish()) {
        if let Ok(parsed) = parse_error(&body) {
            check_consistent(&body, &parsed);
        }
    }

    #[test]
    fn mutated_real_bodies_never_panic(
        pick in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let bodies = vector_bodies();
        let mut body = bodies[pick.index(bodies.len())].clone();
        for (at, byte, kind) in edits {
            if body.is_empty() {
                body.push(byte);
                continue;
            }
            let at = at.index(body.len());
            match kind {
                0 => body[at] = byte,
                1 => body.insert(at, byte),
                _ => { body.remove(at); }
            }
        }
        if let Ok(parsed) = parse_error(&body) {
            check_consistent(&body, &parsed);
        }
    }
}

/// Cutting a real body anywhere keeps every field that was complete before the cut.
#[test]
fn every_prefix_keeps_the_fields_completed_before_the_cut() {
    for body in vector_bodies() {
        let body = body.as_slice();
        let Ok(full) = parse_error(body) else {
            continue;
        };
        if full.is_malformed() {
            continue;
        }
        let root_end = body
            .windows(8)
            .rposition(|w| w.eq_ignore_ascii_case(b"</Error>"));
        // Every cut of the usual bodies; a sample of cuts of the very large one.
        let step = if body.len() > 4096 { 97 } else { 1 };
        for cut in (0..body.len()).step_by(step) {
            let prefix = &body[..cut];
            let Ok(partial) = parse_error(prefix) else {
                continue;
            };
            check_consistent(prefix, &partial);
            if root_end.is_some_and(|end| cut < end + 8) {
                assert!(
                    partial.is_malformed(),
                    "a cut at {cut} of {} went unnoticed",
                    body.len()
                );
            }
            for name in FieldName::ALL {
                if let Some(field) = partial.field(name) {
                    assert_eq!(
                        Some(field.as_str()),
                        full.field(name).map(|f| f.as_str()),
                        "{name} differs after a cut at {cut}"
                    );
                }
            }
        }
    }
}
