//! 4 KiB GET and PUT at concurrency 32 against the embedded emulator: through the client,
//! and through plain reqwest with a presigned URL (the baseline: no signing per request, no
//! checks), in the same run.
//!
//! `cargo bench -p cos-client --bench throughput -- --warm-up-time 1 --measurement-time 3`

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use cos_client::{Bucket, Client, Credentials};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const CONCURRENCY: u64 = 32;
const SIZE: usize = 4096;
const SECRET_ID: &str = "AKIDbench";
const SECRET_KEY: &str = "bench-secret-key";

struct Setup {
    runtime: tokio::runtime::Runtime,
    bucket: Bucket,
    raw: reqwest::Client,
    get_url: String,
    put_url: String,
    payload: Bytes,
    _emulator: cos_emulator::Emulator,
}

fn setup() -> Setup {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let payload = Bytes::from((0..SIZE).map(|i| (i % 251) as u8).collect::<Vec<u8>>());
    let (emulator, bucket, get_url, put_url) = runtime.block_on(async {
        let emulator =
            cos_emulator::Emulator::start(cos_emulator::Config::new(SECRET_ID, SECRET_KEY))
                .await
                .unwrap();
        let client = Client::builder()
            .endpoint(emulator.endpoint())
            .credentials(Credentials::new(SECRET_ID, SECRET_KEY))
            .build()
            .unwrap();
        let bucket = client
            .bucket(&format!("bench-{}", emulator.appid()))
            .unwrap();
        bucket.create().await.unwrap();
        bucket
            .put_object("get.bin")
            .body(payload.clone())
            .send()
            .await
            .unwrap();
        let hour = Duration::from_secs(3600);
        let get_url = bucket
            .presign(http::Method::GET, "get.bin", hour)
            .url()
            .await
            .unwrap();
        let put_url = bucket
            .presign(http::Method::PUT, "put-raw.bin", hour)
            .url()
            .await
            .unwrap();
        (emulator, bucket, get_url, put_url)
    });
    // the same connection settings as the client's default transport
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .pool_idle_timeout(Duration::from_secs(50))
        .pool_max_idle_per_host(64)
        .tcp_nodelay(true)
        .build()
        .unwrap();
    Setup {
        runtime,
        bucket,
        raw,
        get_url,
        put_url,
        payload,
        _emulator: emulator,
    }
}

/// Runs `iterations` operations spread over `CONCURRENCY` tasks; returns the elapsed time.
fn concurrent<F, Fut>(runtime: &tokio::runtime::Runtime, iterations: u64, operation: F) -> Duration
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let operation = Arc::new(operation);
    runtime.block_on(async move {
        let started = Instant::now();
        let tasks: Vec<_> = (0..CONCURRENCY)
            .map(|task| {
                let share = iterations / CONCURRENCY + u64::from(task < iterations % CONCURRENCY);
                let operation = operation.clone();
                tokio::spawn(async move {
                    for _ in 0..share {
                        operation().await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        started.elapsed()
    })
}

fn throughput(c: &mut Criterion) {
    let setup = setup();

    let mut get = c.benchmark_group("get_4KiB_c32");
    get.throughput(Throughput::Elements(1));
    get.bench_function("raw_reqwest_presigned", |b| {
        b.iter_custom(|iterations| {
            let (raw, url) = (setup.raw.clone(), setup.get_url.clone());
            concurrent(&setup.runtime, iterations, move || {
                let (raw, url) = (raw.clone(), url.clone());
                async move {
                    let response = raw.get(&url).send().await.unwrap();
                    assert!(response.status().is_success());
                    assert_eq!(response.bytes().await.unwrap().len(), SIZE);
                }
            })
        })
    });
    get.bench_function("cos_client", |b| {
        b.iter_custom(|iterations| {
            let bucket = setup.bucket.clone();
            concurrent(&setup.runtime, iterations, move || {
                let bucket = bucket.clone();
                async move {
                    let object = bucket.get_object("get.bin").send().await.unwrap();
                    assert_eq!(object.body.len(), SIZE);
                }
            })
        })
    });
    get.finish();

    let mut put = c.benchmark_group("put_4KiB_c32");
    put.throughput(Throughput::Elements(1));
    put.bench_function("raw_reqwest_presigned", |b| {
        b.iter_custom(|iterations| {
            let (raw, url, payload) = (
                setup.raw.clone(),
                setup.put_url.clone(),
                setup.payload.clone(),
            );
            concurrent(&setup.runtime, iterations, move || {
                let (raw, url, payload) = (raw.clone(), url.clone(), payload.clone());
                async move {
                    let response = raw.put(&url).body(payload).send().await.unwrap();
                    assert!(response.status().is_success(), "{}", response.status());
                }
            })
        })
    });
    put.bench_function("cos_client", |b| {
        b.iter_custom(|iterations| {
            let (bucket, payload) = (setup.bucket.clone(), setup.payload.clone());
            concurrent(&setup.runtime, iterations, move || {
                let (bucket, payload) = (bucket.clone(), payload.clone());
                async move {
                    bucket
                        .put_object("put-client.bin")
                        .body(payload)
                        .send()
                        .await
                        .unwrap();
                }
            })
        })
    });
    put.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
