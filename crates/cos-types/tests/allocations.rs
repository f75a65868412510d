//! Building a `ServiceError` from a typical COS error body costs one allocation (the
//! box) beyond what `cos_xml::parse_error` itself costs: the fields are ranges of the
//! kept body, not copies.
//!
//! `parse_error` copies no field of a typical body, but quick-xml's reader keeps the
//! names of open elements in a small buffer of its own, so a parse allocates a few
//! times; each test measures that floor on the same body in the same run.

// A counting global allocator needs `unsafe impl GlobalAlloc`; it only forwards to
// the system allocator.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use bytes::Bytes;
use cos_types::ServiceError;
use http::{HeaderMap, HeaderValue, StatusCode};

struct CountingAllocator;

thread_local! {
    // Counted per thread, so tests running in parallel do not disturb each other.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { System.dealloc(pointer, layout) }
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        unsafe { System.realloc(pointer, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn allocations_during<T>(work: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATIONS.with(Cell::get);
    let value = work();
    (value, ALLOCATIONS.with(Cell::get) - before)
}

const TYPICAL_BODY: &[u8] = b"<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n\
\t<Code>NoSuchKey</Code>\n\
\t<Message>The specified key does not exist.</Message>\n\
\t<Resource>examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/exampleobject</Resource>\n\
\t<RequestId>NjU2YzY0YmRfMTBhMzVkMGJfMjFiM2RfMjU1NmM4ZA==</RequestId>\n\
\t<TraceId>OGVmYzZiMmQ3YjExNDg3NmJhNmFkOWRjMGM3MWE4YzdkMzI2MDZjYTcwNmUxOGQ4ZjNiYWJiNDg1NjM4NDE2ZTEzNTg1MGY2OTk0</TraceId>\n\
</Error>";

fn cos_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/xml"));
    headers.insert(
        "x-cos-request-id",
        HeaderValue::from_static("NjU2YzY0YmRfMTBhMzVkMGJfMjFiM2RfMjU1NmM4ZA=="),
    );
    headers.insert(
        "x-cos-trace-id",
        HeaderValue::from_static("OGVmYzZiMmQ3YjEx"),
    );
    headers
}

#[test]
fn a_typical_body_costs_one_allocation() {
    let headers = cos_headers();
    // The body as a client holds it: owned bytes received from the network.
    let body = Bytes::from(TYPICAL_BODY.to_vec());
    let (_, parse_floor) = allocations_during(|| cos_xml::parse_error(&body).is_ok());
    let (error, allocations) =
        allocations_during(|| ServiceError::from_response(StatusCode::NOT_FOUND, &headers, body));
    println!("from_response: {allocations} allocations; parse_error alone: {parse_floor}");
    assert_eq!(error.code(), "NoSuchKey");
    assert_eq!(error.message(), "The specified key does not exist.");
    assert_eq!(
        error.request_id(),
        Some("NjU2YzY0YmRfMTBhMzVkMGJfMjFiM2RfMjU1NmM4ZA==")
    );
    assert!(
        error
            .trace_id()
            .unwrap()
            .starts_with("OGVmYzZiMmQ3YjExNDg3")
    );
    assert!(
        allocations <= parse_floor + 1,
        "{allocations} allocations, parse_error alone {parse_floor}"
    );

    // Reading the fields allocates nothing either.
    let (_, allocations) = allocations_during(|| {
        (
            error.code().len(),
            error.message().len(),
            error.resource().map(str::len),
            error.request_id().map(str::len),
            error.code_kind(),
            error.is_retryable(),
        )
    });
    assert_eq!(allocations, 0);
}

#[test]
fn a_head_answer_with_static_headers_costs_one_allocation() {
    let headers = cos_headers();
    let (error, allocations) = allocations_during(|| {
        ServiceError::from_response(StatusCode::NOT_FOUND, &headers, Bytes::new())
    });
    assert_eq!((error.code(), error.message()), ("NotFound", "Not Found"));
    assert_eq!(
        error.request_id(),
        Some("NjU2YzY0YmRfMTBhMzVkMGJfMjFiM2RfMjU1NmM4ZA==")
    );
    assert_eq!(allocations, 1, "the box only");
}

#[test]
fn an_escaped_field_is_the_only_extra_allocation() {
    let body = Bytes::from_static(
        b"<Error><Code>InvalidArgument</Code><Message>a &amp; b</Message>\
          <RequestId>Q</RequestId></Error>",
    );
    let (_, parse_floor) = allocations_during(|| cos_xml::parse_error(&body).is_ok());
    let (error, allocations) = allocations_during(|| {
        ServiceError::from_response(StatusCode::BAD_REQUEST, &HeaderMap::new(), body)
    });
    assert_eq!(error.message(), "a & b");
    // The box only: the reader's unescaped copy is counted in the floor, and a short
    // built value is stored inline in the error.
    assert!(
        allocations <= parse_floor + 1,
        "{allocations} allocations, parse_error alone {parse_floor}"
    );
}

#[test]
fn an_error_without_earlier_attempts_allocates_nothing_for_them() {
    let headers = cos_headers();
    let error: cos_types::Error =
        ServiceError::from_response(StatusCode::SERVICE_UNAVAILABLE, &headers, Bytes::new()).into();
    // What a retry loop does when the first attempt already is the last one.
    let (error, allocations) = allocations_during(|| error.with_earlier_attempts(Vec::new()));
    assert_eq!(allocations, 0);
    let (ids, allocations) =
        allocations_during(|| (error.earlier_attempts().len(), error.request_ids().count()));
    assert_eq!(ids, (0, 1));
    assert_eq!(allocations, 0);
}
