//! Every fault, injected through the Rust API and through the admin endpoint.

mod common;

use common::*;
use cos_emulator::{Fault, FaultRule, Operation};
use http::{Method, StatusCode};

#[tokio::test]
async fn error_fault_for_the_next_n_matching_requests() {
    let (emulator, client) = with_bucket().await;
    emulator.faults().add(
        FaultRule::new(Fault::Error {
            status: 503,
            code: "SlowDown".into(),
            message: Some("Please reduce your request rate.".into()),
        })
        .method(Method::PUT)
        .path(format!("/{BUCKET}/hot/"))
        .times(2),
    );
    let path = format!("/{BUCKET}/hot/k");
    for _ in 0..2 {
        let reply = client.put(&path, "x").await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(reply.code(), "SlowDown");
        assert_eq!(
            reply.xml("Message").as_deref(),
            Some("Please reduce your request rate.")
        );
    }
    // Other paths and methods are untouched; the third PUT succeeds.
    assert_eq!(
        client.put(&format!("/{BUCKET}/cold"), "x").await.status,
        StatusCode::OK
    );
    assert_eq!(client.get(&path).await.code(), "NoSuchKey");
    assert_eq!(client.put(&path, "x").await.status, StatusCode::OK);
    assert!(emulator.faults().list().is_empty());
}

#[tokio::test]
async fn latency_delays_then_serves() {
    let (emulator, client) = with_bucket().await;
    emulator
        .faults()
        .add(FaultRule::new(Fault::Latency { millis: 50 }).times(1));
    let started = std::time::Instant::now();
    let reply = client.get("/").await;
    assert_eq!(reply.status, StatusCode::OK);
    // A lower bound only: the request cannot finish before the injected delay.
    assert!(started.elapsed() >= std::time::Duration::from_millis(50));
}

#[tokio::test]
async fn close_connection_before_and_during_the_response() {
    let (emulator, client) = with_bucket().await;
    let path = format!("/{BUCKET}/obj");
    let data = data(10_000, 5);
    client.put(&path, data.clone()).await;

    emulator.faults().add(
        FaultRule::new(Fault::CloseConnection { after_bytes: None })
            .operation(Operation::GetObject)
            .times(1),
    );
    let error = send_raw(client.addr, client.request(Method::GET, &path).build())
        .await
        .unwrap_err();
    assert!(error.starts_with("send"), "no response at all: {error}");

    emulator.faults().add(
        FaultRule::new(Fault::CloseConnection {
            after_bytes: Some(100),
        })
        .operation(Operation::GetObject)
        .times(1),
    );
    let error = send_raw(client.addr, client.request(Method::GET, &path).build())
        .await
        .unwrap_err();
    assert!(
        error.starts_with("body"),
        "headers arrive, the body breaks: {error}"
    );

    assert_eq!(client.get(&path).await.body, data);
}

#[tokio::test]
async fn truncated_body_keeps_the_full_content_length() {
    let (emulator, client) = with_bucket().await;
    let path = format!("/{BUCKET}/obj");
    client.put(&path, "0123456789".repeat(100)).await;
    emulator
        .faults()
        .add(FaultRule::new(Fault::TruncateBody { after_bytes: None }).times(1));
    let mut request = client.request(Method::GET, &path).build();
    request
        .headers_mut()
        .insert("connection", "close".parse().unwrap());
    let mut head = format!("GET {} HTTP/1.1\r\n", request.uri());
    for (name, value) in request.headers() {
        head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    head.push_str("\r\n");
    let answer = send_bytes(client.addr, head.as_bytes()).await;
    let (headers, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(
        headers
            .to_ascii_lowercase()
            .contains("content-length: 1000"),
        "{headers}"
    );
    assert_eq!(
        body,
        "0123456789".repeat(50),
        "half the body, then the connection closes"
    );
}

#[tokio::test]
async fn corrupt_body_keeps_the_true_checksums() {
    let (emulator, client) = with_bucket().await;
    let path = format!("/{BUCKET}/obj");
    let data = data(4096, 7);
    client.put(&path, data.clone()).await;
    emulator
        .faults()
        .add(FaultRule::new(Fault::CorruptBody).path("/*/obj").times(1));
    let reply = client.get(&path).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body.len(), data.len());
    assert_ne!(reply.body, data);
    let differing = reply.body.iter().zip(&data).filter(|(a, b)| a != b).count();
    assert_eq!(differing, 1);
    assert_eq!(
        reply.header("x-cos-hash-crc64ecma"),
        Some(crc64(&data).to_string().as_str())
    );
    assert_ne!(crc64(&reply.body), crc64(&data));
}

#[tokio::test]
async fn load_balancer_html_has_no_request_id() {
    let (emulator, client) = with_bucket().await;
    emulator
        .faults()
        .add(FaultRule::new(Fault::BadGatewayHtml).times(1));
    let reply = client.get("/").await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY);
    assert!(reply.header("x-cos-request-id").is_none());
    assert_eq!(reply.header("content-type"), Some("text/html"));
    assert!(reply.text().contains("502 Bad Gateway"));
}

#[tokio::test]
async fn ok_with_error_body_for_copy() {
    let (emulator, client) = with_bucket().await;
    client.put(&format!("/{BUCKET}/src"), "x").await;
    emulator.faults().add(
        FaultRule::new(Fault::OkWithErrorBody {
            code: "InternalError".into(),
            message: None,
        })
        .operation(Operation::CopyObject)
        .times(1),
    );
    let reply = client
        .request(Method::PUT, &format!("/{BUCKET}/dst"))
        .header("x-cos-copy-source", &format!("/{BUCKET}/src"))
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.code(), "InternalError");
    // The copy did not happen.
    assert_eq!(
        client.get(&format!("/{BUCKET}/dst")).await.code(),
        "NoSuchKey"
    );
}

#[tokio::test]
async fn admin_endpoint_installs_lists_and_removes_rules() {
    let (_emulator, client) = with_bucket().await;
    let admin = |method: Method, path: &str, body: &str| {
        client
            .anonymous()
            .request(method, path)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
    };
    let rule = r#"{"method":"GET","path":"/test-1250000000/","times":1,
                   "fault":{"type":"error","status":500,"code":"InternalError"}}"#;
    let created = admin(Method::POST, "/-/faults", rule).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let id: serde_json::Value = serde_json::from_slice(&created.body).unwrap();
    let id = id["id"].as_u64().unwrap();

    let listed = admin(Method::GET, "/-/faults", "").await;
    let listed: serde_json::Value = serde_json::from_slice(&listed.body).unwrap();
    assert_eq!(listed[0]["id"], id);
    assert_eq!(listed[0]["remaining"], 1);

    assert_eq!(
        client.get(&format!("/{BUCKET}/k")).await.code(),
        "InternalError"
    );
    assert_eq!(
        client.get(&format!("/{BUCKET}/k")).await.code(),
        "NoSuchKey"
    );

    let second = admin(Method::POST, "/-/faults", rule).await;
    let second: serde_json::Value = serde_json::from_slice(&second.body).unwrap();
    let removed = admin(Method::DELETE, &format!("/-/faults/{}", second["id"]), "").await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert_eq!(
        client.get(&format!("/{BUCKET}/k")).await.code(),
        "NoSuchKey"
    );
    let unknown = admin(Method::DELETE, "/-/faults/999", "").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    let bad = admin(Method::POST, "/-/faults", r#"{"fault":{"type":"explode"}}"#).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("invalid JSON body"), "{}", bad.text());

    let clock = admin(Method::PUT, "/-/clock", r#"{"skew_secs":-1200}"#).await;
    assert_eq!(clock.status, StatusCode::OK);
    let now = httpdate::fmt_http_date(std::time::SystemTime::now());
    let skewed = client
        .request(Method::GET, "/")
        .header("date", &now)
        .send()
        .await;
    assert_eq!(skewed.code(), "RequestTimeTooSkewed");
    admin(Method::PUT, "/-/clock", r#"{"skew_secs":0}"#).await;
    assert_eq!(
        client
            .request(Method::GET, "/")
            .header("date", &now)
            .send()
            .await
            .status,
        StatusCode::OK
    );

    assert_eq!(
        admin(Method::DELETE, "/-/faults", "").await.status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn admin_path_on_a_bucket_host_is_an_object_key() {
    let (_emulator, client) = with_bucket().await;
    let host = format!("{BUCKET}.cos.ap-guangzhou.myqcloud.com");
    let reply = client
        .request_to(Method::GET, &format!("http://{host}/-/faults"), &host)
        .send()
        .await;
    assert_eq!(reply.code(), "NoSuchKey");
}

#[tokio::test]
async fn ok_with_error_body_for_complete_multipart_upload() {
    let (emulator, client) = with_bucket().await;
    let path = format!("/{BUCKET}/mp");
    let upload_id = client
        .request(Method::POST, &format!("{path}?uploads"))
        .send()
        .await
        .xml("UploadId")
        .unwrap();
    let etag = client
        .request(
            Method::PUT,
            &format!("{path}?partNumber=1&uploadId={upload_id}"),
        )
        .body("only part")
        .send()
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    emulator.faults().add(
        FaultRule::new(Fault::OkWithErrorBody {
            code: "InternalError".into(),
            message: Some("late failure".into()),
        })
        .operation(Operation::CompleteMultipartUpload)
        .times(1),
    );
    let body = format!(
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part></CompleteMultipartUpload>"
    );
    let complete = |body: String| {
        client
            .request(Method::POST, &format!("{path}?uploadId={upload_id}"))
            .body(body)
            .send()
    };
    let failed = complete(body.clone()).await;
    assert_eq!(failed.status, StatusCode::OK);
    assert_eq!(failed.code(), "InternalError");
    assert_eq!(failed.xml("Message").as_deref(), Some("late failure"));
    // The upload is still there; a retry completes it.
    let done = complete(body).await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(done.text().contains("<CompleteMultipartUploadResult>"));
    assert_eq!(client.get(&path).await.body, "only part");
}

#[tokio::test]
async fn an_extreme_clock_skew_is_refused_and_the_server_keeps_answering() {
    let (emulator, client) = with_bucket().await;
    let admin = |body: &str| {
        client
            .anonymous()
            .request(Method::PUT, "/-/clock")
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
    };
    let refused = admin(r#"{"skew_secs":-2000000000}"#).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused
            .text()
            .contains("skew_secs -2000000000 is out of range"),
        "{}",
        refused.text()
    );
    let unchanged = client.anonymous().get("/-/clock").await;
    assert_eq!(unchanged.text(), r#"{"skew_secs":0}"#);

    // The largest skews accepted, either way, and one set through the API beyond them
    // (clamped): every request is still answered, with a Date header.
    let limit = cos_emulator::MAX_CLOCK_SKEW_SECS;
    for skew in [-limit, limit] {
        let accepted = admin(&format!(r#"{{"skew_secs":{skew}}}"#)).await;
        assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text());
        let reply = send_raw(emulator.addr(), client.request(Method::GET, "/").build())
            .await
            .unwrap_or_else(|e| panic!("no answer with a skew of {skew} s: {e}"));
        assert!(reply.header("date").is_some(), "skew {skew}");
    }
    assert_eq!(
        emulator.faults().set_clock_skew(-2_000_000_000),
        -limit,
        "clamped"
    );
    let reply = send_raw(emulator.addr(), client.request(Method::GET, "/").build())
        .await
        .expect("answered after an extreme skew set through the API");
    assert!(reply.header("date").is_some());
}
