//! 4 KiB GET and PUT operations per second at concurrency 32 against the embedded
//! emulator: through the client, and through plain reqwest with a presigned URL (the
//! baseline: no per-request signing, no checks, no decoding), in the same run.
//!
//! `cargo bench -p cos-client --bench throughput` (about 30 s).
//!
//! The two variants run in short alternating rounds and the result is the median of the
//! per-round ratios, so load from other processes on the machine hits both alike (a
//! statistics harness measuring one variant after the other reported swings of ±30 %
//! between consecutive runs on a shared 2-core machine).
//! `COS_BENCH_ROUNDS` and `COS_BENCH_ROUND_MS` change the rounds (default 10 × 500 ms).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use cos_client::{Bucket, Client, Credentials};

const CONCURRENCY: usize = 32;
const SIZE: usize = 4096;
const SECRET_ID: &str = "AKIDbench";
const SECRET_KEY: &str = "bench-secret-key";

type Operation = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// Operations completed by `CONCURRENCY` workers in `duration`, per second.
async fn ops_per_second(operation: &Operation, duration: Duration) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (operation, done) = (operation.clone(), done.clone());
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    operation().await;
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("a benchmark worker panicked");
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    }
}

async fn compare(
    name: &str,
    baseline: Operation,
    client: Operation,
    rounds: usize,
    round: Duration,
) {
    ops_per_second(&baseline, round).await;
    ops_per_second(&client, round).await;
    let (mut base_rates, mut client_rates, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for index in 0..rounds {
        // alternate which variant goes first, so a trend in the background load cancels out
        let (base, ours) = if index.is_multiple_of(2) {
            let base = ops_per_second(&baseline, round).await;
            (base, ops_per_second(&client, round).await)
        } else {
            let ours = ops_per_second(&client, round).await;
            (ops_per_second(&baseline, round).await, ours)
        };
        base_rates.push(base);
        client_rates.push(ours);
        ratios.push(ours / base);
    }
    println!(
        "{name:<12} raw reqwest (presigned) {:>8.0} ops/s   cos-client {:>8.0} ops/s   client/raw {:>5.1} % (median of {rounds} rounds, min {:.1} %, max {:.1} %)",
        median(base_rates),
        median(client_rates),
        median(ratios.clone()) * 100.0,
        ratios.iter().copied().fold(f64::INFINITY, f64::min) * 100.0,
        ratios.iter().copied().fold(0.0, f64::max) * 100.0,
    );
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // `cargo bench` passes harness flags (`--bench`, filters); this harness takes none.
    let rounds = env_number("COS_BENCH_ROUNDS", 10) as usize;
    let round = Duration::from_millis(env_number("COS_BENCH_ROUND_MS", 500));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let emulator =
            cos_emulator::Emulator::start(cos_emulator::Config::new(SECRET_ID, SECRET_KEY))
                .await
                .expect("the emulator starts");
        let client = Client::builder()
            .endpoint(emulator.endpoint())
            .credentials(Credentials::new(SECRET_ID, SECRET_KEY))
            .build()
            .expect("a client");
        let bucket: Bucket = client
            .bucket(&format!("bench-{}", emulator.appid()))
            .expect("a bucket name");
        bucket.create().await.expect("the bucket is created");
        let payload = Bytes::from((0..SIZE).map(|i| (i % 251) as u8).collect::<Vec<u8>>());
        bucket
            .put_object("get.bin")
            .body(payload.clone())
            .send()
            .await
            .expect("the object is stored");
        let hour = Duration::from_secs(3600);
        let get_url = bucket
            .presign(http::Method::GET, "get.bin", hour)
            .url()
            .await
            .expect("a URL");
        let put_url = bucket
            .presign(http::Method::PUT, "put-raw.bin", hour)
            .url()
            .await
            .expect("a URL");
        // the same connection settings as the client's default transport
        let raw = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .pool_idle_timeout(Duration::from_secs(50))
            .pool_max_idle_per_host(64)
            .tcp_nodelay(true)
            .build()
            .expect("a reqwest client");

        let raw_get: Operation = {
            let (raw, url) = (raw.clone(), get_url);
            Arc::new(move || {
                let (raw, url) = (raw.clone(), url.clone());
                Box::pin(async move {
                    let response = raw.get(&url).send().await.expect("a response");
                    assert!(response.status().is_success());
                    assert_eq!(response.bytes().await.expect("a body").len(), SIZE);
                })
            })
        };
        let client_get: Operation = {
            let bucket = bucket.clone();
            Arc::new(move || {
                let bucket = bucket.clone();
                Box::pin(async move {
                    let object = bucket
                        .get_object("get.bin")
                        .send()
                        .await
                        .expect("an object");
                    assert_eq!(object.body.len(), SIZE);
                })
            })
        };
        let raw_put: Operation = {
            let (raw, url, payload) = (raw.clone(), put_url, payload.clone());
            Arc::new(move || {
                let (raw, url, payload) = (raw.clone(), url.clone(), payload.clone());
                Box::pin(async move {
                    let response = raw
                        .put(&url)
                        .body(payload)
                        .send()
                        .await
                        .expect("a response");
                    assert!(response.status().is_success(), "{}", response.status());
                })
            })
        };
        let client_put: Operation = {
            let (bucket, payload) = (bucket.clone(), payload.clone());
            Arc::new(move || {
                let (bucket, payload) = (bucket.clone(), payload.clone());
                Box::pin(async move {
                    bucket
                        .put_object("put-client.bin")
                        .body(payload)
                        .send()
                        .await
                        .expect("stored");
                })
            })
        };

        println!("4 KiB objects, concurrency {CONCURRENCY}, emulator in the same process");
        compare("GET 4 KiB", raw_get, client_get, rounds, round).await;
        compare("PUT 4 KiB", raw_put, client_put, rounds, round).await;
        emulator.shutdown().await;
    });
}
