//! Many concurrent connections against one emulator.

mod common;

use common::*;
use http::{Method, StatusCode};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_256_concurrent_connections() {
    let (_emulator, client) = with_bucket().await;
    // Every task opens its own connection; all are in flight together.
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(256));
    let tasks: Vec<_> = (0..256)
        .map(|i| {
            let client = client.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                let body = data(4096 + i, i as u8);
                let path = format!("/{BUCKET}/load/{i}");
                let request = client
                    .request(Method::PUT, &path)
                    .body(body.clone())
                    .build();
                barrier.wait().await;
                let put = send_raw(client.addr, request).await.unwrap();
                assert_eq!(put.status, StatusCode::OK);
                let get = client.get(&path).await;
                assert_eq!(get.body, body);
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let listing = client
        .get(&format!("/{BUCKET}?prefix=load%2F&max-keys=1000"))
        .await;
    assert_eq!(listing.xml_all("Key").len(), 256);
}
