//! Upload checksums through the real HTTP stack. Over HTTP/1.1 hyper stops polling a
//! request body once `Content-Length` bytes are out, so the checksum of what was sent
//! must not wait for the body's end. A server that reports a chosen CRC-64 shows the
//! comparison really happens, for file bodies as for bytes.

use cos_client::{Client, Credentials, PutBody, RetryPolicy, crc64};
use cos_types::ClientErrorKind;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Serves loopback connections: reads each request whole, answers 200 with
/// `x-cos-hash-crc64ecma: <reported>`. Returns its endpoint.
async fn server_reporting(reported: u64) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut socket = BufReader::new(socket);
                loop {
                    let mut length = 0usize;
                    loop {
                        let mut line = String::new();
                        if socket.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        if let Some((name, value)) = line.split_once(':')
                            && name.eq_ignore_ascii_case("content-length")
                        {
                            length = value.trim().parse().unwrap();
                        }
                    }
                    let mut body = vec![0; length];
                    socket.read_exact(&mut body).await.unwrap();
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nx-cos-request-id: test\r\n\
                         ETag: \"etag\"\r\nx-cos-hash-crc64ecma: {reported}\r\n\r\n"
                    );
                    socket.get_mut().write_all(answer.as_bytes()).await.unwrap();
                }
            });
        }
    });
    endpoint
}

fn client(endpoint: &str) -> Client {
    Client::builder()
        .endpoint(endpoint)
        .credentials(Credentials::new("AKIDtest", "secret"))
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap()
}

fn data() -> Vec<u8> {
    (0..300_000u32).map(|i| (i % 253) as u8).collect()
}

fn file_with(data: &[u8], name: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("cos-tests-{name}-{}", std::process::id()));
    std::fs::write(&path, data).unwrap();
    path
}

#[tokio::test]
async fn a_file_upload_is_compared_with_the_reported_checksum() {
    let data = data();
    let path = file_with(&data, "crc-file");

    let honest = client(&server_reporting(crc64(&data)).await)
        .bucket("examplebucket-1250000000")
        .unwrap();
    let output = honest
        .put_object("k")
        .body(PutBody::file(&path).await.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(output.crc64, Some(crc64(&data)));

    let lying = client(&server_reporting(crc64(b"other data")).await)
        .bucket("examplebucket-1250000000")
        .unwrap();
    let error = lying
        .put_object("k")
        .body(PutBody::file(&path).await.unwrap())
        .send()
        .await
        .unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        error.as_client().map(|c| c.kind()),
        Some(ClientErrorKind::Integrity),
        "{error}"
    );
}

#[tokio::test]
async fn a_file_range_and_bytes_are_compared_too() {
    let data = data();
    let path = file_with(&data, "crc-range");
    let part = &data[1000..101_000];
    let lying = client(&server_reporting(crc64(b"other data")).await)
        .bucket("examplebucket-1250000000")
        .unwrap();
    let error = lying
        .put_object("k")
        .body(PutBody::file_range(&path, 1000, part.len() as u64))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error.as_client().map(|c| c.kind()),
        Some(ClientErrorKind::Integrity)
    );
    let error = lying
        .put_object("k")
        .body(part.to_vec())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error.as_client().map(|c| c.kind()),
        Some(ClientErrorKind::Integrity)
    );
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn a_range_beyond_any_file_is_refused() {
    let path = file_with(b"small", "crc-beyond");
    let bucket = client(&server_reporting(0).await)
        .bucket("examplebucket-1250000000")
        .unwrap();
    let error = bucket
        .put_object("k")
        .body(PutBody::file_range(&path, u64::MAX - 1, 10))
        .send()
        .await
        .unwrap_err();
    std::fs::remove_file(&path).unwrap();
    let report = error.display_with_causes().to_string();
    assert!(report.contains("beyond any file"), "{report}");
}
