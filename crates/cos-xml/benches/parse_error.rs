//! `parse_error` against two baselines measured in the same run:
//!
//! - `serde_owned`: quick-xml's serde deserialisation into an owned struct, which is how
//!   other Rust S3/COS clients read error bodies;
//! - `memchr_floor`: a plain `memchr` scan for `<Code>…</Code>`, the least any reader
//!   could do.
//!
//! Corpus: the COS-shaped bodies of `tests/vectors/error_vectors.json` that all three
//! read. After criterion's own report, prints ns per body, MB/s and the ratios.

use std::time::Duration;

use base64::Engine;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use serde::Deserialize;

/// What the serde baseline fills, the way other clients declare it.
#[derive(Debug, Deserialize)]
#[allow(dead_code)] // the fields are read by the deserialiser; the values are the point
struct OwnedError {
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(rename = "Message")]
    message: Option<String>,
    #[serde(rename = "Resource")]
    resource: Option<String>,
    #[serde(rename = "RequestId")]
    request_id: Option<String>,
    #[serde(rename = "TraceId")]
    trace_id: Option<String>,
}

fn serde_owned(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    quick_xml::de::from_str::<OwnedError>(text).ok()?.code
}

fn memchr_floor(body: &[u8]) -> Option<&[u8]> {
    let start = memchr::memmem::find(body, b"<Code>")? + 6;
    let len = memchr::memmem::find(&body[start..], b"</Code>")?;
    Some(&body[start..start + len])
}

fn ours(body: &[u8]) -> Option<usize> {
    cos_xml::parse_error(body).ok()?.code().map(str::len)
}

/// Every body of the vector file, with its case id.
fn vector_bodies() -> Vec<(String, Vec<u8>)> {
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
            let body = base64::engine::general_purpose::STANDARD
                .decode(case["body_b64"].as_str().unwrap())
                .unwrap();
            (case["id"].as_str().unwrap().to_owned(), body)
        })
        .collect()
}

/// COS-shaped bodies every contender reads to the same code.
fn corpus() -> Vec<Vec<u8>> {
    vector_bodies()
        .into_iter()
        .filter(|(id, _)| id.starts_with("cos_"))
        .map(|(_, body)| body)
        .filter(|body| {
            let code = cos_xml::parse_error(body)
                .ok()
                .and_then(|e| e.code().map(str::to_owned));
            code.is_some()
                && serde_owned(body) == code
                && memchr_floor(body).map(|c| String::from_utf8_lossy(c).into_owned()) == code
        })
        .collect()
}

const GROUP: &str = "parse_error_corpus";
/// `parse_error` alone over every vector body: HTML, JSON, truncated, 64 KiB... (the
/// baselines cannot read most of them).
const WHOLE_GROUP: &str = "parse_error_all_vectors";
const CONTENDERS: [&str; 3] = ["cos_xml", "serde_owned", "memchr_floor"];

fn bench(c: &mut Criterion, corpus: &[Vec<u8>]) {
    let bytes: usize = corpus.iter().map(Vec::len).sum();
    let mut group = c.benchmark_group(GROUP);
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function(BenchmarkId::from_parameter(CONTENDERS[0]), |b| {
        b.iter(|| {
            corpus
                .iter()
                .filter(|body| ours(black_box(body)).is_some())
                .count()
        })
    });
    group.bench_function(BenchmarkId::from_parameter(CONTENDERS[1]), |b| {
        b.iter(|| {
            corpus
                .iter()
                .filter(|body| serde_owned(black_box(body)).is_some())
                .count()
        })
    });
    group.bench_function(BenchmarkId::from_parameter(CONTENDERS[2]), |b| {
        b.iter(|| {
            corpus
                .iter()
                .filter(|body| memchr_floor(black_box(body)).is_some())
                .count()
        })
    });
    group.finish();
}

fn bench_all_vectors(c: &mut Criterion, bodies: &[Vec<u8>]) {
    let bytes: usize = bodies.iter().map(Vec::len).sum();
    let mut group = c.benchmark_group(WHOLE_GROUP);
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function(BenchmarkId::from_parameter(CONTENDERS[0]), |b| {
        b.iter(|| {
            bodies
                .iter()
                .filter(|body| ours(black_box(body)).is_some())
                .count()
        })
    });
    group.finish();
}

/// Criterion's mean estimate for one contender, in nanoseconds per corpus pass.
fn mean_ns(group: &str, contender: &str) -> Option<f64> {
    let target = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| format!("{}/../../target", env!("CARGO_MANIFEST_DIR")));
    let path = format!("{target}/criterion/{group}/{contender}/new/estimates.json");
    let estimates: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    estimates["mean"]["point_estimate"].as_f64()
}

fn main() {
    let corpus = corpus();
    assert!(
        corpus.len() >= 15,
        "the corpus shrank to {} bodies",
        corpus.len()
    );
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    bench(&mut criterion, &corpus);
    let all: Vec<Vec<u8>> = vector_bodies().into_iter().map(|(_, body)| body).collect();
    bench_all_vectors(&mut criterion, &all);
    criterion.final_summary();

    let bytes: usize = corpus.iter().map(Vec::len).sum();
    let Some(means) = CONTENDERS
        .iter()
        .map(|c| mean_ns(GROUP, c))
        .collect::<Option<Vec<_>>>()
    else {
        println!("(ratios unavailable: run with `cargo bench`, criterion wrote no estimates)");
        return;
    };
    println!("\n{} bodies, {bytes} bytes per pass", corpus.len());
    println!("{:<14} {:>12} {:>10}", "contender", "ns/body", "MB/s");
    for (name, mean) in CONTENDERS.iter().zip(&means) {
        let per_body = mean / corpus.len() as f64;
        let mb_per_s = bytes as f64 / mean * 1e3;
        println!("{name:<14} {per_body:>12.1} {mb_per_s:>10.1}");
    }
    println!(
        "cos_xml is {:.2}x faster than serde_owned, and {:.2}x the memchr floor's time",
        means[1] / means[0],
        means[0] / means[2]
    );
    if let Some(mean) = mean_ns(WHOLE_GROUP, CONTENDERS[0]) {
        let all_bytes: usize = all.iter().map(Vec::len).sum();
        println!(
            "cos_xml over all {} vector bodies ({all_bytes} bytes): {:.1} ns/body, {:.1} MB/s",
            all.len(),
            mean / all.len() as f64,
            all_bytes as f64 / mean * 1e3
        );
    }
}
