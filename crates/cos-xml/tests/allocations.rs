//! Heap allocations made while reading error bodies, counted by a global allocator.
//!
//! quick-xml 0.42's reader records the name of every open element in a small buffer of
//! its own, whatever its configuration (upstream issue #514 made that unconditional), so
//! a pass of the bare reader over a body allocates a few times. These tests measure that
//! floor in the same run and prove `parse_error` adds nothing to it for a typical COS
//! body: no field value is copied.
#![allow(unsafe_code)] // a counting GlobalAlloc needs it

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use base64::Engine;
use quick_xml::Reader;
use quick_xml::events::Event;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator unchanged; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations (including reallocations) made on this thread by `f`.
fn allocations<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let before = ALLOCATIONS.with(Cell::get);
    let value = f();
    (ALLOCATIONS.with(Cell::get) - before, value)
}

/// What any pass of quick-xml's borrowing reader over `body` allocates.
fn reader_floor(body: &[u8]) -> usize {
    allocations(|| {
        let mut reader = Reader::from_str(std::str::from_utf8(body).unwrap());
        reader.config_mut().check_end_names = false;
        let mut events = 0usize;
        loop {
            match reader.read_event() {
                Ok(Event::Eof) | Err(_) => break,
                Ok(_) => events += 1,
            }
        }
        events
    })
    .0
}

fn vector_body(id: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../tests/vectors/error_vectors.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let cases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let case = cases["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|case| case["id"] == id)
        .unwrap();
    base64::engine::general_purpose::STANDARD
        .decode(case["body_b64"].as_str().unwrap())
        .unwrap()
}

#[test]
fn typical_cos_body_costs_no_allocation_beyond_the_reader() {
    for id in [
        "cos_NoSuchKey",
        "cos_SignatureDoesNotMatch",
        "cos_SlowDown",
        "xml_default_namespace",
    ] {
        let body = vector_body(id);
        let floor = reader_floor(&body);
        let (ours, parsed) = allocations(|| parse_and_keep(&body));
        assert!(parsed, "{id}: not read");
        println!("{id}: parse_error {ours} allocations, bare quick-xml reader {floor}");
        assert!(
            ours <= floor,
            "{id}: parse_error allocated {ours} times, the reader alone {floor}"
        );
        // The floor is the reader's tag-name stack: small and independent of field sizes.
        assert!(
            floor <= 4,
            "{id}: the reader itself allocated {floor} times"
        );
    }
}

#[test]
fn an_escaped_message_allocates_for_that_field_only() {
    let plain = b"<Error><Code>NoSuchKey</Code><Message>Tom and Jerry</Message><RequestId>Q</RequestId></Error>";
    let escaped = b"<Error><Code>NoSuchKey</Code><Message>Tom &amp; Jerry</Message><RequestId>Q</RequestId></Error>";
    let (plain_count, _) = allocations(|| parse_and_keep(plain));
    let (escaped_count, _) = allocations(|| parse_and_keep(escaped));
    assert_eq!(
        escaped_count,
        plain_count + 1,
        "unescaping one field must cost exactly one allocation ({plain_count} vs {escaped_count})"
    );
    let parsed = cos_xml::parse_error(escaped).unwrap();
    assert_eq!(parsed.message(), Some("Tom & Jerry"));
    assert!(
        !parsed
            .field(cos_xml::FieldName::Message)
            .unwrap()
            .is_borrowed()
    );
    assert!(
        parsed
            .field(cos_xml::FieldName::Code)
            .unwrap()
            .is_borrowed()
    );
}

/// Parses and checks a field inside the measured region, so nothing is optimised away.
fn parse_and_keep(body: &[u8]) -> bool {
    cos_xml::parse_error(body).is_ok_and(|parsed| parsed.code().is_some())
}
