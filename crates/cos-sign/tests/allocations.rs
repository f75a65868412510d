//! `authorization` builds the whole signature with at most two heap allocations (in fact one:
//! the returned string), and `verify` allocates in proportion to the signed lists, not to
//! their product with the request's parameters. Counted with a global allocator that tallies
//! this thread's calls.
#![allow(unsafe_code)] // a counting GlobalAlloc must implement an unsafe trait

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use cos_sign::{Credentials, KeyTime, encode};
use http::Request;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counter is a
// const-initialised thread-local that never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATIONS.with(Cell::get);
    let result = f();
    (result, ALLOCATIONS.with(Cell::get) - before)
}

#[test]
fn a_signature_costs_at_most_two_allocations() {
    let credentials = Credentials::new(
        "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
        "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
    );
    let key_time = KeyTime::new(1557989151, 1557996351);
    let put = Request::put("https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/dir/object.bin?partNumber=3&uploadId=1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361")
        .header("content-type", "application/octet-stream")
        .header("content-length", "5242880")
        .header("content-md5", "mQ/fVh815F3k6TAUm8m0eg==")
        .header("x-cos-meta-author", "Zhang San")
        .header("x-cos-storage-class", "STANDARD_IA")
        .header("user-agent", "cos-rust-sdk/0.1")
        .body(())
        .unwrap();
    let long_key: String = "目录/子目录/".repeat(10) + "a file with spaces, (parens) & ünïcödé.jpg";
    let get = Request::get(format!(
        "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com{}",
        encode::path(&long_key)
    ))
    .header("range", "bytes=0-1023")
    .body(())
    .unwrap();
    let with_token = credentials.clone().with_session_token("TOKEN-abc+def/ghi=");

    for (name, request, credentials) in [
        ("put", &put, &credentials),
        ("get", &get, &credentials),
        ("sts", &put, &with_token),
    ] {
        let (authorization, count) =
            allocations_during(|| cos_sign::authorization(request, credentials, key_time));
        assert!(
            authorization.starts_with("q-sign-algorithm=sha1&"),
            "{authorization}"
        );
        assert!(count <= 2, "{name}: {count} allocations");
        println!(
            "{name}: {count} allocation(s) for {} bytes",
            authorization.len()
        );
    }
    // The counter sees allocations at all (the check above is not vacuous).
    let (_, count) = allocations_during(|| {
        cos_sign::signing_report(&put, &credentials, key_time, &Default::default())
    });
    assert!(
        count > 2,
        "the report builds several strings, counted {count}"
    );
}

/// `verify` of a request whose `count` query parameters are all signed.
fn verify_allocations(count: usize) -> usize {
    let credentials = Credentials::new("AKIDEXAMPLE", "SECRETEXAMPLE");
    let query: Vec<String> = (0..count)
        .map(|i| format!("Param-{i}=value%20{i}"))
        .collect();
    let mut request = Request::get(format!(
        "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/k?{}",
        query.join("&")
    ))
    .header("x-cos-meta-a", "1")
    .body(())
    .unwrap();
    let now = 1_700_000_000;
    cos_sign::sign(&mut request, &credentials, KeyTime::new(now - 60, now + 60));
    let (verified, allocations) =
        allocations_during(|| cos_sign::verify::verify(&request, now, |_| Some(&credentials)));
    let verified = verified.unwrap();
    assert_eq!(verified.url_param_list().len(), count);
    assert!(verified.unsigned_params().is_empty());
    allocations
}

#[test]
fn verify_allocations_grow_linearly_with_the_signed_parameters() {
    let (few, many) = (verify_allocations(8), verify_allocations(40));
    // Matching each parameter against each list entry must not allocate: the cost of one
    // more signed parameter is its list entry's few strings, whatever the list's length.
    let per_parameter = (many - few) / 32;
    println!("verify: {few} allocations for 8 parameters, {many} for 40");
    assert!(
        per_parameter <= 8,
        "{per_parameter} allocations per signed parameter ({few} for 8, {many} for 40)"
    );
}
