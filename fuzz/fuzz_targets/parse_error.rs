//! `cos_xml::parse_error` on arbitrary bytes: it must never panic, and what it returns
//! must be consistent with the input.
#![no_main]

use cos_xml::{FieldName, parse_error};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    if let Ok(parsed) = parse_error(body) {
        for name in FieldName::ALL {
            if let Some(field) = parsed.field(name) {
                assert!(!field.as_str().is_empty());
                if let Some(span) = field.span() {
                    assert_eq!(&body[span], field.as_str().as_bytes());
                }
            }
        }
        assert!(!parsed.is_truncated() || parsed.is_malformed());
    }
});
