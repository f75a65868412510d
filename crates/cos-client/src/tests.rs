//! The request pipeline against a scripted transport: retries, markers, integrity, errors.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use cos_types::ClientErrorKind;

use crate::transport::TransportError;
use crate::transport::scripted::{ScriptedResponse, ScriptedTransport};
use crate::{Client, Credentials, PutBody, RetryPolicy, crc64};

const BUCKET: &str = "examplebucket-1250000000";

fn client(transport: &Arc<ScriptedTransport>) -> Client {
    client_with_policy(transport, RetryPolicy::default())
}

/// A client of `transport` with `policy`'s attempts and millisecond backoff.
fn client_with_policy(transport: &Arc<ScriptedTransport>, policy: RetryPolicy) -> Client {
    Client::builder()
        .endpoint("http://127.0.0.1:9")
        .credentials(Credentials::new("AKIDtest", "secret"))
        .transport(transport.clone())
        .retry_policy(
            policy
                .base_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(2)),
        )
        .build()
        .unwrap()
}

/// A `RequestTimeTooSkewed` answer from a server whose clock reads `server_time`.
fn skewed(server_time: std::time::SystemTime) -> ScriptedResponse {
    ScriptedResponse::status(403)
        .header("date", &httpdate::fmt_http_date(server_time))
        .body("<Error><Code>RequestTimeTooSkewed</Code><Message>skew</Message></Error>")
}

fn slow_down() -> ScriptedResponse {
    ScriptedResponse::status(503)
        .header("x-cos-request-id", "req-503")
        .body("<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>")
}

#[tokio::test]
async fn throttled_twice_then_success_is_retried_with_marker() {
    let transport = Arc::new(ScriptedTransport::new());
    transport.push(slow_down());
    transport.push(slow_down());
    transport.push(
        ScriptedResponse::status(200).header("x-cos-hash-crc64ecma", &crc64(b"data").to_string()),
    );
    let bucket = client(&transport).bucket(BUCKET).unwrap();
    bucket
        .put_object("a/b.txt")
        .body("data")
        .send()
        .await
        .unwrap();

    let requests = transport.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests[0].headers.get("x-cos-sdk-retry").is_none());
    for retry in &requests[1..] {
        assert_eq!(retry.headers["x-cos-sdk-retry"], "true");
        let authorization = retry.headers["authorization"].to_str().unwrap();
        assert!(
            authorization.contains("x-cos-sdk-retry"),
            "the marker is signed: {authorization}"
        );
        assert_eq!(&retry.body[..], b"data", "the body is replayed");
    }
    assert_eq!(
        requests[0].uri,
        "http://127.0.0.1:9/examplebucket-1250000000/a/b.txt"
    );
}

#[tokio::test]
async fn not_found_is_not_retried_and_keeps_the_request_id() {
    let transport = Arc::new(ScriptedTransport::new());
    transport.push(
        ScriptedResponse::status(404)
            .header("x-cos-request-id", "req-404")
            .body("<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>"),
    );
    let bucket = client(&transport).bucket(BUCKET).unwrap();
    let error = bucket.get_object("missing").send().await.unwrap_err();
    assert_eq!(transport.requests().len(), 1);
    assert!(error.is_not_found());
    assert_eq!(error.request_id(), Some("req-404"));
    assert_eq!(error.as_service().unwrap().code(), "NoSuchKey");
    assert!(error.earlier_attempts().is_empty(), "no retry, no history");
    assert!(!error.to_string().contains("attempts"), "{error}");
}

#[tokio::test]
async fn attempts_are_bounded() {
    let transport = Arc::new(ScriptedTransport::new());
    for _ in 0..4 {
        transport.push(slow_down());
    }
    transport.push(ScriptedResponse::status(200));
    let bucket = client(&transport).bucket(BUCKET).unwrap();
    let error = bucket.delete_object("k").await.unwrap_err();
    assert!(error.is_throttled());
    assert_eq!(
        transport.requests().len(),
        4,
        "the default policy makes 4 attempts"
    );
    let earlier = error.earlier_attempts();
    assert_eq!(earlier.len(), 3, "{error:?}");
    assert!(earlier.iter().all(cos_types::Error::is_throttled));
    assert_eq!(error.request_ids().count(), 4);
    assert!(
        error.to_string().ends_with(" (after 4 attempts)"),
        "{error}"
    );
}

#[tokio::test]
async fn a_final_non_retryable_answer_keeps_the_throttled_attempts_before_it() {
    let transport = Arc::new(ScriptedTransport::new());
    transport.push(slow_down());
    transport.push(ScriptedResponse::error(TransportError::timeout(
        "no response",
    )));
    transport.push(
        ScriptedResponse::status(404)
            .header("x-cos-request-id", "req-404")
            .body("<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>"),
    );
    let bucket = client(&transport).bucket(BUCKET).unwrap();
    let error = bucket.get_object("k").send().await.unwrap_err();
    assert_eq!(transport.requests().len(), 3);
    assert!(error.is_not_found(), "the last attempt decides: {error}");
    let earlier = error.earlier_attempts();
    assert_eq!(earlier.len(), 2);
    assert!(earlier[0].is_throttled(), "oldest first: {earlier:?}");
    assert_eq!(
        earlier[1].as_client().map(|c| c.kind()),
        Some(ClientErrorKind::Timeout)
    );
    assert_eq!(
        error.request_ids().collect::<Vec<_>>(),
        ["req-404", "req-503"]
    );
}

#[tokio::test]
async fn a_clock_correction_is_kept_as_an_earlier_attempt() {
    let transport = Arc::new(ScriptedTransport::new());
    let server_time = std::time::SystemTime::now() + Duration::from_secs(3600);
    transport.push(
        ScriptedResponse::status(403)
            .header("date", &httpdate::fmt_http_date(server_time))
            .header("x-cos-request-id", "req-skew")
            .body("<Error><Code>RequestTimeTooSkewed</Code><Message>skew</Message></Error>"),
    );
    transport.push(ScriptedResponse::status(403).header("x-cos-request-id", "req-403"));
    let bucket = client(&transport).bucket(BUCKET).unwrap();
    let error = bucket.delete_object("k").await.unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::FORBIDDEN));
    assert_eq!(error.earlier_attempts().len(), 1);
    assert_eq!(
        error.earlier_attempts()[0].code(),
        Some("RequestTimeTooSkewed")
    );
    assert_eq!(
        error.request_ids().collect::<Vec<_>>(),
        ["req-403", "req-skew"]
    );
}

/// Answers from a script, then never answers.
#[derive(Debug)]
struct HangsWhenScriptEnds(ScriptedTransport);

#[async_trait::async_trait]
impl crate::transport::Transport for HangsWhenScriptEnds {
    async fn send(
        &self,
        request: http::Request<crate::transport::Body>,
    ) -> Result<http::Response<crate::transport::ResponseBody>, TransportError> {
        if self.0.remaining() == 0 {
            return futures::future::pending().await;
        }
        self.0.send(request).await
    }
}

#[tokio::test]
async fn an_operation_timeout_keeps_the_attempts_before_it() {
    let script = ScriptedTransport::new();
    script.push(slow_down());
    script.push(slow_down());
    let transport = Arc::new(HangsWhenScriptEnds(script));
    let client = Client::builder()
        .endpoint("http://127.0.0.1:9")
        .credentials(Credentials::new("AKIDtest", "secret"))
        .transport(transport.clone())
        .operation_timeout(Some(Duration::from_secs(1)))
        .retry_policy(
            RetryPolicy::default()
                .base_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(2)),
        )
        .build()
        .unwrap();
    let error = client
        .bucket(BUCKET)
        .unwrap()
        .delete_object("k")
        .await
        .unwrap_err();
    assert_eq!(
        error.as_client().map(|c| c.kind()),
        Some(ClientErrorKind::Timeout),
        "{error}"
    );
    assert_eq!(
        transport.0.requests().len(),
        2,
        "answered; the third attempt hung"
    );
    assert_eq!(error.earlier_attempts().len(), 2, "{error:?}");
    assert!(error.earlier_attempts().iter().all(|e| e.is_throttled()));
    assert!(
        error.to_string().ends_with(" (after 3 attempts)"),
        "{error}"
    );
}

#[tokio::test]
async fn one_shot_stream_is_not_retried_and_says_why() {
    let transport = Arc::new(ScriptedTransport::new());
    transport.push(ScriptedResponse::error(TransportError::io(
        std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset"),
    )));
    transport.push(ScriptedResponse::status(200));
    let bucket = client(&transport).bucket(BUCKET).unwrap();
    let stream = futures::stream::iter(vec![Ok(Bytes::from_static(b"abc"))]);
    let error = bucket
        .put_object("k")
        .body(PutBody::stream(stream, 3))
        .send()
        .await
        .unwrap_err();
    assert_eq!(transport.requests().len(), 1);
    let client_error = error.as_client().expect("a client error");
    assert_eq!(client_error.kind(), ClientErrorKind::Io);
    assert!(error.to_string().contains("one-shot stream"), "{error}");
    assert!(error.earlier_attempts().is_empty());
}

#[tokio::test]
async fn upload_crc_mismatch_is_an_integrity_error() {
    let transport = Arc::new(ScriptedTransport::new());
    for _ in 0..4 {
        transport.push(ScriptedResponse::status(200).header("x-cos-hash-crc64ecma", "1"));
    }
    let bucket = client(&transport).bucket(BUCKET).unwrap();
    let error = bucket
        .put_object("k")
        .body("data")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error.as_client().unwrap().kind(),
        ClientErrorKind::Integrity
    );
}

#[tokio::test]
async fn corrupted_download_is_retried_then_succeeds() {
    let transport = Arc::new(ScriptedTransport::new());
    let good = crc64(b"hello world").to_string();
    transport.push(
        ScriptedResponse::status(200)
            .header("x-cos-hash-crc64ecma", &good)
            .body("hellO world"),
    );
    transport.push(
        ScriptedResponse::status(200)
            .header("x-cos-hash-crc64ecma", &good)
            .body("hello world"),
    );
    let bucket = client(&transport).bucket(BUCKET).unwrap();
    let object = bucket.get_object("k").send().await.unwrap();
    assert_eq!(&object.body[..], b"hello world");
    assert_eq!(transport.requests().len(), 2);
}

#[tokio::test]
async fn broken_stream_ends_with_an_error() {
    use futures::StreamExt;
    let transport = Arc::new(ScriptedTransport::new());
    transport.push(
        ScriptedResponse::status(200)
            .header("content-length", "10")
            .body("hello")
            .break_after_body(),
    );
    let bucket = client(&transport).bucket(BUCKET).unwrap();
    let mut stream = bucket.get_object("k").send_stream().await.unwrap();
    assert_eq!(&stream.next().await.unwrap().unwrap()[..], b"hello");
    let error = stream.next().await.unwrap().unwrap_err();
    assert_eq!(error.as_client().unwrap().kind(), ClientErrorKind::Io);
}

#[tokio::test]
async fn copy_answered_200_with_error_is_an_error() {
    let transport = Arc::new(ScriptedTransport::new());
    let late_failure = "<?xml version='1.0'?><Error><Code>InvalidArgument</Code><Message>bad</Message><RequestId>r1</RequestId></Error>";
    transport.push(ScriptedResponse::status(200).body(late_failure));
    let bucket = client(&transport).bucket(BUCKET).unwrap();
    let error = bucket
        .copy_object("dst")
        .source_key("src")
        .send()
        .await
        .unwrap_err();
    let service = error.as_service().expect("a service error");
    assert_eq!(service.code(), "InvalidArgument");
    assert_eq!(service.request_id(), Some("r1"));
    let sent = &transport.requests()[0];
    assert_eq!(
        sent.headers["x-cos-copy-source"],
        "/examplebucket-1250000000/src"
    );
}

#[tokio::test]
async fn skewed_clock_is_corrected_once() {
    let transport = Arc::new(ScriptedTransport::new());
    let server_time = std::time::SystemTime::now() + Duration::from_secs(3600);
    transport.push(skewed(server_time));
    transport.push(ScriptedResponse::status(200));
    let client = client(&transport);
    client.bucket(BUCKET).unwrap().head().await.unwrap();
    assert!(
        (3590..=3610).contains(&client.clock_offset()),
        "offset {}",
        client.clock_offset()
    );
    let second = &transport.requests()[1];
    let authorization = second.headers["authorization"].to_str().unwrap();
    let start: i64 = authorization
        .split("q-sign-time=")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let expected = httpdate::fmt_http_date(server_time);
    let server_secs = httpdate::parse_http_date(&expected)
        .unwrap()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        (start - (server_secs - 60)).abs() <= 5,
        "signed with the server's clock"
    );
}

#[tokio::test]
async fn keys_that_address_the_bucket_root_are_refused() {
    let transport = Arc::new(ScriptedTransport::new());
    let bucket = client(&transport).bucket(BUCKET).unwrap();
    for key in ["", "/", "a/..", "."] {
        let error = bucket.delete_object(key).await.unwrap_err();
        assert_eq!(
            error.as_client().unwrap().kind(),
            ClientErrorKind::InvalidInput,
            "{key:?}"
        );
    }
    assert!(transport.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn session_token_is_sent_and_signed() {
    let transport = Arc::new(ScriptedTransport::new());
    transport.push(ScriptedResponse::status(200));
    let client = Client::builder()
        .region("ap-guangzhou")
        .credentials(Credentials::new("AKIDtmp", "secret").with_session_token("token-1"))
        .transport(transport.clone())
        .build()
        .unwrap();
    client.bucket(BUCKET).unwrap().head().await.unwrap();
    let sent = &transport.requests()[0];
    assert_eq!(
        sent.uri,
        "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/"
    );
    assert_eq!(sent.headers["x-cos-security-token"], "token-1");
    assert!(
        sent.headers["authorization"]
            .to_str()
            .unwrap()
            .contains("x-cos-security-token")
    );
}

#[tokio::test]
async fn credentials_chain_takes_the_first_provider_that_answers() {
    use crate::{CredentialsChain, ProvideCredentials, StaticCredentials};

    #[derive(Debug)]
    struct Unavailable;

    #[async_trait::async_trait]
    impl ProvideCredentials for Unavailable {
        async fn provide_credentials(&self) -> cos_types::Result<Credentials> {
            Err(crate::error::client_error(
                ClientErrorKind::Credentials,
                "metadata service unreachable",
            ))
        }
    }

    let chain = CredentialsChain::new()
        .or_else(Unavailable)
        .or_else(StaticCredentials::new(Credentials::new("AKIDsecond", "k2")))
        .or_else(StaticCredentials::new(Credentials::new("AKIDthird", "k3")));
    assert_eq!(
        chain.provide_credentials().await.unwrap().secret_id(),
        "AKIDsecond"
    );

    let error = CredentialsChain::new()
        .or_else(Unavailable)
        .provide_credentials()
        .await
        .unwrap_err();
    assert_eq!(
        error.as_client().unwrap().kind(),
        ClientErrorKind::Credentials
    );
    assert!(
        error.to_string().contains("metadata service unreachable"),
        "{error}"
    );
}

#[test]
fn handles_are_cheap_shareable_values() {
    fn shareable<T: Send + Sync + Clone + 'static>() {}
    shareable::<Client>();
    shareable::<crate::Bucket>();
    shareable::<crate::ListObjects>();
    shareable::<crate::ListMultipartUploads>();
    fn sendable<T: Send + 'static>() {}
    sendable::<crate::ObjectStream>();
    sendable::<crate::PutBody>();
    sendable::<crate::GetObject>();
    assert_eq!(
        std::mem::size_of::<Client>(),
        std::mem::size_of::<usize>(),
        "a Client is one Arc"
    );
}

#[tokio::test]
async fn complete_checks_the_combined_part_checksums() {
    use crate::model::CompletedPart;
    let transport = Arc::new(ScriptedTransport::new());
    let done = "<CompleteMultipartUploadResult><Key>k</Key><ETag>\"e-2\"</ETag></CompleteMultipartUploadResult>";
    let whole = crc64(b"hello world");
    transport.push(
        ScriptedResponse::status(200)
            .header("x-cos-hash-crc64ecma", &whole.to_string())
            .body(done),
    );
    transport.push(
        ScriptedResponse::status(200)
            .header("x-cos-hash-crc64ecma", "7")
            .body(done),
    );
    let bucket = client(&transport).bucket(BUCKET).unwrap();
    let parts = [
        CompletedPart {
            part_number: 2,
            etag: "\"b\"".into(),
            crc64: Some(crc64(b"world")),
            size: Some(5),
        },
        CompletedPart {
            part_number: 1,
            etag: "\"a\"".into(),
            crc64: Some(crc64(b"hello ")),
            size: Some(6),
        },
    ];
    let output = bucket
        .complete_multipart_upload("k", "upload-1", &parts)
        .await
        .unwrap();
    assert_eq!(output.crc64, Some(whole));
    let sent = String::from_utf8(transport.requests()[0].body.to_vec()).unwrap();
    let first = sent.find("<PartNumber>1</PartNumber>").unwrap();
    let second = sent.find("<PartNumber>2</PartNumber>").unwrap();
    assert!(first < second, "parts are sent in ascending order: {sent}");

    let error = bucket
        .complete_multipart_upload("k", "upload-1", &parts)
        .await
        .unwrap_err();
    assert_eq!(
        error.as_client().unwrap().kind(),
        ClientErrorKind::Integrity
    );
    // without checksums there is nothing to compare
    transport.push(
        ScriptedResponse::status(200)
            .header("x-cos-hash-crc64ecma", "7")
            .body(done),
    );
    let bare = [
        CompletedPart::new(1, "\"a\""),
        CompletedPart::new(2, "\"b\""),
    ];
    bucket
        .complete_multipart_upload("k", "upload-1", &bare)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_listing_that_does_not_advance_is_an_error_not_a_loop() {
    use futures::TryStreamExt;
    let transport = Arc::new(ScriptedTransport::new());
    let page = "<ListBucketResult><Name>b</Name><IsTruncated>true</IsTruncated><NextMarker>k1</NextMarker>\
                <Contents><Key>k1</Key><Size>1</Size></Contents></ListBucketResult>";
    transport.push(ScriptedResponse::status(200).body(page));
    transport.push(ScriptedResponse::status(200).body(page));
    let bucket = client(&transport).bucket(BUCKET).unwrap();
    let error = bucket
        .list_objects()
        .pages()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(error.as_client().unwrap().kind(), ClientErrorKind::Decode);
    let requests = transport.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        requests[1].uri.query().unwrap().contains("marker=k1"),
        "{}",
        requests[1].uri
    );
}

/// Answers every request with status 200 and the same body, sent in the given chunks.
#[derive(Debug)]
struct ChunkedAnswer {
    chunks: Vec<&'static [u8]>,
    content_length: Option<u64>,
    sent: std::sync::atomic::AtomicUsize,
}

impl ChunkedAnswer {
    fn new(chunks: Vec<&'static [u8]>, content_length: Option<u64>) -> Arc<Self> {
        Arc::new(ChunkedAnswer {
            chunks,
            content_length,
            sent: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    fn sent(&self) -> usize {
        self.sent.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl crate::transport::Transport for ChunkedAnswer {
    async fn send(
        &self,
        _request: http::Request<crate::transport::Body>,
    ) -> Result<http::Response<crate::transport::ResponseBody>, TransportError> {
        self.sent.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let chunks: Vec<Result<Bytes, TransportError>> = self
            .chunks
            .iter()
            .map(|chunk| Ok(Bytes::from_static(chunk)))
            .collect();
        let mut response = http::Response::new(crate::transport::ResponseBody::from_stream(
            futures::stream::iter(chunks),
        ));
        if let Some(length) = self.content_length {
            response
                .headers_mut()
                .insert(http::header::CONTENT_LENGTH, length.into());
        }
        Ok(response)
    }
}

fn client_over(transport: Arc<ChunkedAnswer>) -> Client {
    Client::builder()
        .endpoint("http://127.0.0.1:9")
        .credentials(Credentials::new("AKIDtest", "secret"))
        .transport(transport)
        .retry_policy(
            RetryPolicy::default()
                .base_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(2)),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_body_in_many_chunks_is_buffered_whole() {
    for content_length in [Some(11), None] {
        let transport = ChunkedAnswer::new(vec![b"hel", b"", b"lo ", b"world"], content_length);
        let bucket = client_over(transport.clone()).bucket(BUCKET).unwrap();
        let object = bucket.get_object("k").send().await.unwrap();
        assert_eq!(&object.body[..], b"hello world", "{content_length:?}");
        assert_eq!(transport.sent(), 1);
    }
}

#[tokio::test]
async fn a_body_longer_than_announced_is_an_error() {
    for chunks in [vec![b"hello world" as &[u8]], vec![b"hello", b" world"]] {
        let transport = ChunkedAnswer::new(chunks, Some(5));
        let bucket = client_over(transport.clone()).bucket(BUCKET).unwrap();
        let error = bucket.get_object("k").send().await.unwrap_err();
        let client_error = error.as_client().expect("a client error");
        assert_eq!(client_error.kind(), ClientErrorKind::Io);
        assert!(
            error
                .to_string()
                .contains("longer than the 5 bytes its Content-Length announced"),
            "{error}"
        );
        assert_eq!(transport.sent(), 4, "retried as a broken transfer");
        assert_eq!(error.earlier_attempts().len(), 3);
    }
}

#[tokio::test]
async fn a_listing_longer_than_announced_is_an_error_too() {
    let listing: &[u8] = b"<ListBucketResult><Name>examplebucket-1250000000</Name>\
        <IsTruncated>false</IsTruncated></ListBucketResult>";
    let transport = ChunkedAnswer::new(vec![&listing[..20], &listing[20..]], Some(20));
    let bucket = client_over(transport.clone()).bucket(BUCKET).unwrap();
    let error = bucket.list_objects().page(None).await.unwrap_err();
    assert!(
        error.to_string().contains("longer than the 20 bytes"),
        "{error}"
    );
}

#[tokio::test]
async fn a_truncated_listing_page_with_nowhere_to_continue_is_an_error() {
    use futures::TryStreamExt;
    let transport = Arc::new(ScriptedTransport::new());
    transport.push(ScriptedResponse::status(200).body(
        "<ListBucketResult><Name>examplebucket-1250000000</Name><Prefix/><Marker/>\
         <MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated></ListBucketResult>",
    ));
    let bucket = client(&transport).bucket(BUCKET).unwrap();
    let error = bucket
        .list_objects()
        .entries()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(
        error.as_client().map(|c| c.kind()),
        Some(ClientErrorKind::Decode),
        "{error}"
    );
}

#[tokio::test]
async fn a_clock_correction_does_not_use_up_an_attempt() {
    let transport = Arc::new(ScriptedTransport::new());
    let server_time = std::time::SystemTime::now() + Duration::from_secs(3600);
    transport.push(skewed(server_time));
    transport.push(slow_down());
    transport.push(ScriptedResponse::status(200));
    let client = client_with_policy(&transport, RetryPolicy::default().max_attempts(2));
    // correction, then one throttled attempt and one retry: within two attempts
    client.bucket(BUCKET).unwrap().head().await.unwrap();
    assert_eq!(transport.requests().len(), 3);
}

#[tokio::test]
async fn an_upload_checksum_mismatch_is_reported_not_retried() {
    let transport = Arc::new(ScriptedTransport::new());
    for _ in 0..3 {
        transport.push(ScriptedResponse::status(200).header(
            "x-cos-hash-crc64ecma",
            &crc64(b"something else").to_string(),
        ));
    }
    let bucket = client(&transport).bucket(BUCKET).unwrap();
    let error = bucket
        .put_object("k")
        .body("data")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error.as_client().map(|c| c.kind()),
        Some(ClientErrorKind::Integrity)
    );
    assert!(!error.is_retryable());
    assert_eq!(transport.requests().len(), 1);
}

#[tokio::test]
async fn initiating_a_multipart_upload_is_not_resent_after_a_server_error() {
    let transport = Arc::new(ScriptedTransport::new());
    transport.push(slow_down());
    transport.push(ScriptedResponse::status(500));
    let bucket = client(&transport).bucket(BUCKET).unwrap();
    // SlowDown means the request was refused, not run: resending is safe.
    let _ = bucket.initiate_multipart_upload("k").send().await;
    let throttled = transport.requests().len();
    assert_eq!(throttled, 2, "throttling is retried");

    let transport = Arc::new(ScriptedTransport::new());
    transport.push(ScriptedResponse::status(500));
    transport.push(ScriptedResponse::status(500));
    let bucket = client(&transport).bucket(BUCKET).unwrap();
    let error = bucket
        .initiate_multipart_upload("k")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(
        transport.requests().len(),
        1,
        "a 500 may have started an upload: not resent"
    );
}

#[tokio::test]
async fn an_error_body_cut_by_the_connection_says_it_was_cut() {
    let transport = Arc::new(ScriptedTransport::new());
    for _ in 0..4 {
        transport.push(
            ScriptedResponse::status(404)
                .body("<Error><Code>NoSuchKey</Code><Mess")
                .break_after_body(),
        );
    }
    let bucket = client(&transport).bucket(BUCKET).unwrap();
    let error = bucket.get_object("k").send().await.unwrap_err();
    let service = error.as_service().expect("a service error");
    assert_eq!(service.code(), "NoSuchKey");
    assert!(service.raw_body_truncated());
}

#[tokio::test]
async fn an_absurd_clock_offset_is_clamped_and_requests_still_go_out() {
    let transport = Arc::new(ScriptedTransport::new());
    transport.push(ScriptedResponse::status(200));
    transport.push(ScriptedResponse::status(200));
    let client = client(&transport);
    client.set_clock_offset(i64::MAX);
    assert!(client.clock_offset() < i64::MAX / 2);
    client.bucket(BUCKET).unwrap().head().await.unwrap();
    client.set_clock_offset(i64::MIN);
    client.bucket(BUCKET).unwrap().head().await.unwrap();
    assert_eq!(transport.requests().len(), 2);
}

#[tokio::test]
async fn upload_listing_pages_continue_from_both_markers_and_decode_keys() {
    use futures::TryStreamExt;
    let transport = Arc::new(ScriptedTransport::new());
    transport.push(ScriptedResponse::status(200).body(
        "<ListMultipartUploadsResult><Bucket>b</Bucket><EncodingType>url</EncodingType>\
         <IsTruncated>true</IsTruncated><NextKeyMarker>a%20b</NextKeyMarker>\
         <NextUploadIdMarker>u2</NextUploadIdMarker>\
         <Upload><Key>a%20b</Key><UploadId>u1</UploadId><StorageClass>STANDARD</StorageClass>\
         <Initiated>2026-01-01T00:00:00.000Z</Initiated></Upload>\
         <Upload><Key>a%20b</Key><UploadId>u2</UploadId><StorageClass>STANDARD</StorageClass>\
         <Initiated>2026-01-01T00:00:01.000Z</Initiated></Upload>\
         </ListMultipartUploadsResult>",
    ));
    transport.push(ScriptedResponse::status(200).body(
        "<ListMultipartUploadsResult><Bucket>b</Bucket><IsTruncated>false</IsTruncated>\
         <Upload><Key>c</Key><UploadId>u3</UploadId><Initiated>x</Initiated></Upload>\
         </ListMultipartUploadsResult>",
    ));
    let bucket = client(&transport).bucket(BUCKET).unwrap();
    let uploads: Vec<_> = bucket
        .list_multipart_uploads()
        .prefix("a")
        .max_uploads(2)
        .uploads()
        .try_collect()
        .await
        .unwrap();
    let listed: Vec<(&str, &str)> = uploads
        .iter()
        .map(|u| (u.key.as_str(), u.upload_id.as_str()))
        .collect();
    assert_eq!(listed, [("a b", "u1"), ("a b", "u2"), ("c", "u3")]);
    assert_eq!(uploads[0].storage_class.as_deref(), Some("STANDARD"));
    assert_eq!(uploads[2].storage_class, None);
    let requests = transport.requests();
    assert_eq!(requests.len(), 2);
    let first = requests[0].uri.query().unwrap();
    assert!(
        first.contains("uploads") && first.contains("prefix=a"),
        "{first}"
    );
    assert!(first.contains("max-uploads=2"), "{first}");
    let second = requests[1].uri.query().unwrap();
    assert!(
        second.contains("key-marker=a%20b") && second.contains("upload-id-marker=u2"),
        "{second}"
    );
}

#[tokio::test]
async fn an_upload_listing_that_cannot_continue_is_an_error_not_a_loop() {
    use futures::TryStreamExt;
    // truncated, with neither markers nor uploads to continue from
    let transport = Arc::new(ScriptedTransport::new());
    transport.push(ScriptedResponse::status(200).body(
        "<ListMultipartUploadsResult><Bucket>b</Bucket><IsTruncated>true</IsTruncated>\
         </ListMultipartUploadsResult>",
    ));
    let bucket = client(&transport).bucket(BUCKET).unwrap();
    let error = bucket
        .list_multipart_uploads()
        .uploads()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(
        error.as_client().map(|c| c.kind()),
        Some(ClientErrorKind::Decode)
    );
    assert!(
        error.to_string().contains("ListMultipartUploads"),
        "{error}"
    );
    assert_eq!(transport.requests().len(), 1);

    // truncated, but naming the markers it started from
    let transport = Arc::new(ScriptedTransport::new());
    let stuck = "<ListMultipartUploadsResult><Bucket>b</Bucket><IsTruncated>true</IsTruncated>\
                 <NextKeyMarker>k</NextKeyMarker><NextUploadIdMarker>u</NextUploadIdMarker>\
                 <Upload><Key>k</Key><UploadId>u</UploadId></Upload>\
                 </ListMultipartUploadsResult>";
    transport.push(ScriptedResponse::status(200).body(stuck));
    transport.push(ScriptedResponse::status(200).body(stuck));
    let bucket = client(&transport).bucket(BUCKET).unwrap();
    let error = bucket
        .list_multipart_uploads()
        .pages()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(
        error.as_client().map(|c| c.kind()),
        Some(ClientErrorKind::Decode)
    );
    assert!(error.to_string().contains("did not advance"), "{error}");
    assert_eq!(transport.requests().len(), 2);
}

mod backup_domain;
