//! The on-disk backend: data survives a restart, interrupted writes leave nothing visible,
//! and large objects stream through without being held in memory.

mod common;

use std::path::PathBuf;

use bytes::Bytes;
use common::*;
use cos_emulator::Config;
use futures::StreamExt;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use hyper_util::rt::TokioIo;

/// A fresh directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "cos-emulator-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn disk_config(dir: &TempDir) -> Config {
    Config::new(SECRET_ID, SECRET_KEY).data_dir(&dir.0)
}

fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn data_survives_a_restart() {
    let dir = TempDir::new("restart");
    let emulator = start_with(disk_config(&dir)).await;
    let client = Client::new(&emulator);
    client
        .request(Method::PUT, &format!("/{BUCKET}"))
        .send()
        .await;
    let kept = data(300_000, 8);
    client
        .request(Method::PUT, &format!("/{BUCKET}/kept"))
        .header("x-cos-meta-x", "y")
        .body(kept.clone())
        .send()
        .await;
    client.put(&format!("/{BUCKET}/deleted"), "bye").await;
    client
        .request(Method::DELETE, &format!("/{BUCKET}/deleted"))
        .send()
        .await;
    client.put(&format!("/{BUCKET}/replaced"), "old").await;
    client.put(&format!("/{BUCKET}/replaced"), "new").await;
    client
        .request(Method::POST, &format!("/{BUCKET}/log?append&position=0"))
        .body("ab")
        .send()
        .await;
    client
        .request(Method::POST, &format!("/{BUCKET}/log?append&position=2"))
        .body("cd")
        .send()
        .await;
    let upload_id = client
        .request(Method::POST, &format!("/{BUCKET}/pending?uploads"))
        .send()
        .await
        .xml("UploadId")
        .unwrap();
    client
        .request(
            Method::PUT,
            &format!("/{BUCKET}/pending?partNumber=1&uploadId={upload_id}"),
        )
        .body("part")
        .send()
        .await;
    // A part copied from a range of `kept` shares its data file.
    let copied_id = client
        .request(Method::POST, &format!("/{BUCKET}/ranged?uploads"))
        .send()
        .await
        .xml("UploadId")
        .unwrap();
    client
        .request(
            Method::PUT,
            &format!("/{BUCKET}/ranged?partNumber=1&uploadId={copied_id}"),
        )
        .header("x-cos-copy-source", &format!("/{BUCKET}/kept"))
        .header("x-cos-copy-source-range", "bytes=1000-1999")
        .send()
        .await;
    let etag = client
        .get(&format!("/{BUCKET}/ranged?uploadId={copied_id}"))
        .await
        .xml("ETag")
        .unwrap();
    let complete = format!(
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part></CompleteMultipartUpload>"
    );
    client
        .request(
            Method::POST,
            &format!("/{BUCKET}/ranged?uploadId={copied_id}"),
        )
        .body(complete)
        .send()
        .await;
    emulator.shutdown().await;
    // Data files: kept (also under `ranged`), replaced (new), log (two segments), the part.
    // Replaced and deleted data is gone.
    assert_eq!(files_in(&dir.0.join("data")).len(), 5);
    // Leftovers of an interrupted write: a temp record and an unnamed data file.
    std::fs::write(dir.0.join("tmp").join("half-written"), b"partial").unwrap();
    std::fs::write(dir.0.join("data").join("orphan.blob"), b"partial").unwrap();

    let emulator = start_with(disk_config(&dir)).await;
    let client = Client::new(&emulator);
    let get = client.get(&format!("/{BUCKET}/kept")).await;
    assert_eq!(get.body, kept);
    assert_eq!(get.header("x-cos-meta-x"), Some("y"));
    assert_eq!(
        get.header("x-cos-hash-crc64ecma"),
        Some(crc64(&kept).to_string().as_str())
    );
    assert_eq!(client.get(&format!("/{BUCKET}/replaced")).await.body, "new");
    assert_eq!(client.get(&format!("/{BUCKET}/log")).await.body, "abcd");
    assert_eq!(
        client.get(&format!("/{BUCKET}/ranged")).await.body,
        kept[1000..2000]
    );
    assert_eq!(
        client.get(&format!("/{BUCKET}/deleted")).await.code(),
        "NoSuchKey"
    );
    let parts = client
        .get(&format!("/{BUCKET}/pending?uploadId={upload_id}"))
        .await;
    assert_eq!(parts.xml_all("PartNumber"), ["1"]);
    assert!(files_in(&dir.0.join("tmp")).is_empty());
    assert!(!files_in(&dir.0.join("data")).contains(&"orphan.blob".to_owned()));
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_failed_upload_leaves_nothing_behind() {
    let dir = TempDir::new("failed");
    let emulator = start_with(disk_config(&dir)).await;
    let client = Client::new(&emulator);
    client
        .request(Method::PUT, &format!("/{BUCKET}"))
        .send()
        .await;
    client.put(&format!("/{BUCKET}/k"), "original").await;
    let bad = client
        .request(Method::PUT, &format!("/{BUCKET}/k"))
        .header("content-md5", &md5_base64(b"something else"))
        .body("replacement")
        .send()
        .await;
    assert_eq!(bad.code(), "BadDigest");
    assert_eq!(client.get(&format!("/{BUCKET}/k")).await.body, "original");
    assert_eq!(files_in(&dir.0.join("data")).len(), 1);
    emulator.shutdown().await;
}

#[tokio::test]
async fn an_upload_cut_off_midway_is_never_visible() {
    use tokio::io::AsyncWriteExt;
    let dir = TempDir::new("cut");
    let emulator = start_with(disk_config(&dir)).await;
    let client = Client::new(&emulator);
    client
        .request(Method::PUT, &format!("/{BUCKET}"))
        .send()
        .await;
    let path = format!("/{BUCKET}/cut");
    let request = client
        .request(Method::PUT, &path)
        .header("content-length", "1000000")
        .build();
    let mut head = format!("PUT {path} HTTP/1.1\r\n");
    for (name, value) in request.headers() {
        head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    head.push_str("\r\n");
    let mut stream = tokio::net::TcpStream::connect(emulator.addr())
        .await
        .unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&data(300_000, 1)).await.unwrap();
    // The client goes away with 700 000 bytes unsent.
    drop(stream);
    assert_eq!(client.get(&path).await.code(), "NoSuchKey");
    // The half-written data file is removed once the server notices; wait for that
    // (bounded), then check nothing else was left.
    for _ in 0..200 {
        if files_in(&dir.0.join("data")).is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(files_in(&dir.0.join("data")).is_empty());
    assert!(files_in(&dir.0.join("objects").join(BUCKET)).is_empty());
    emulator.shutdown().await;
}

/// Peak resident memory of this process (Linux), in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// PUTs `size` bytes generated on the fly in 1 MiB chunks, then GETs them back, checking
/// CRC64 while streaming: neither side ever holds the object, and the process's peak
/// memory grows by a few MiB at most.
async fn stream_large_object(size: u64) {
    let peak_before = peak_rss();
    let dir = TempDir::new("large");
    let emulator = start_with(disk_config(&dir)).await;
    let client = Client::new(&emulator);
    client
        .request(Method::PUT, &format!("/{BUCKET}"))
        .send()
        .await;
    let path = format!("/{BUCKET}/large");
    const CHUNK: u64 = 1024 * 1024;
    let chunk = Bytes::from(data(CHUNK as usize, 9));
    let chunks = size.div_ceil(CHUNK);
    let mut expected_crc = common::CRC_64_XZ.digest();
    for i in 0..chunks {
        let len = (size - i * CHUNK).min(CHUNK) as usize;
        expected_crc.update(&chunk[..len]);
    }
    let expected_crc = expected_crc.finalize();

    let (parts, _) = client
        .request(Method::PUT, &path)
        .header("content-length", &size.to_string())
        .build()
        .into_parts();
    let body_chunk = chunk.clone();
    let frames = futures::stream::iter(0..chunks).map(move |i| {
        let len = (size - i * CHUNK).min(CHUNK) as usize;
        Ok::<_, std::convert::Infallible>(Frame::data(body_chunk.slice(..len)))
    });
    let request = Request::from_parts(parts, StreamBody::new(frames));
    let stream = tokio::net::TcpStream::connect(emulator.addr())
        .await
        .unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["x-cos-hash-crc64ecma"].to_str().unwrap(),
        expected_crc.to_string()
    );
    let stored: u64 = std::fs::read_dir(dir.0.join("data"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert_eq!(stored, size);

    let get = client.request(Method::GET, &path).build();
    let stream = tokio::net::TcpStream::connect(emulator.addr())
        .await
        .unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let response = sender.send_request(get).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    let mut crc = common::CRC_64_XZ.digest();
    let mut received = 0u64;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.unwrap().into_data() {
            crc.update(&data);
            received += data.len() as u64;
        }
    }
    assert_eq!(received, size);
    assert_eq!(crc.finalize(), expected_crc);
    if let (Some(before), Some(after)) = (peak_before, peak_rss()) {
        let growth = after.saturating_sub(before);
        assert!(
            growth < 32 * 1024 * 1024,
            "peak memory grew by {growth} bytes while streaming {size} bytes"
        );
    }
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_a_64_mib_object_through_the_disk_backend() {
    stream_large_object(64 * 1024 * 1024 + 12_345).await;
}

/// The 1 GiB run (`cargo test -p cos-emulator --release --test disk -- --ignored`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "streams 1 GiB; run on demand"]
async fn streams_a_1_gib_object_through_the_disk_backend() {
    stream_large_object(1024 * 1024 * 1024).await;
}
