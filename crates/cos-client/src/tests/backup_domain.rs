//! Moving requests from `myqcloud.com` to the backup domain `tencentcos.cn`.

use std::sync::Arc;
use std::time::Duration;

use crate::transport::TransportError;
use crate::transport::scripted::{RecordedRequest, ScriptedResponse, ScriptedTransport};
use crate::{Client, ClientBuilder, Credentials, RetryPolicy};

const BUCKET: &str = "examplebucket-1250000000";
const DEFAULT_HOST: &str = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com";
const BACKUP_HOST: &str = "examplebucket-1250000000.cos.ap-guangzhou.tencentcos.cn";

/// A builder on `transport` with fast backoff and no region or endpoint yet.
fn builder(transport: &Arc<ScriptedTransport>) -> ClientBuilder {
    Client::builder()
        .credentials(Credentials::new("AKIDtest", "secret"))
        .transport(transport.clone())
        .retry_policy(
            RetryPolicy::default()
                .base_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(2)),
        )
}

fn default_domain_client(transport: &Arc<ScriptedTransport>, switch: bool) -> Client {
    builder(transport)
        .region("ap-guangzhou")
        .switch_to_backup_domain(switch)
        .build()
        .unwrap()
}

/// A redirect from something that is not COS (no `x-cos-request-id`).
fn foreign_redirect() -> ScriptedResponse {
    ScriptedResponse::status(302).header("location", "http://portal.example/login")
}

fn foreign_unavailable() -> ScriptedResponse {
    ScriptedResponse::status(503).body("<html>gateway down</html>")
}

fn hosts(transport: &ScriptedTransport) -> Vec<String> {
    transport
        .requests()
        .iter()
        .map(|request| request.uri.authority().unwrap().to_string())
        .collect()
}

/// The value of `field` in an `Authorization` string.
fn authorization_field<'a>(authorization: &'a str, field: &str) -> &'a str {
    authorization
        .split('&')
        .find_map(|pair| pair.strip_prefix(field)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("{field} missing from {authorization}"))
}

/// Checks that `request` went to the host its `Host` header names and that its signature,
/// recomputed from what was sent, covers that host.
fn assert_signed_for_its_host(request: &RecordedRequest) {
    let host = request.headers["host"].to_str().unwrap();
    assert_eq!(request.uri.authority().unwrap().as_str(), host);
    let authorization = request.headers["authorization"].to_str().unwrap();
    let header_list = authorization_field(authorization, "q-header-list");
    assert!(
        header_list.split(';').any(|name| name == "host"),
        "the host is signed: {authorization}"
    );
    let (start, end) = authorization_field(authorization, "q-key-time")
        .split_once(';')
        .unwrap();
    let mut unsigned = http::Request::builder()
        .method(request.method.clone())
        .uri(request.uri.clone())
        .body(())
        .unwrap();
    *unsigned.headers_mut() = request.headers.clone();
    unsigned.headers_mut().remove(http::header::AUTHORIZATION);
    let expected = cos_sign::authorization(
        &unsigned,
        &cos_sign::Credentials::new("AKIDtest", "secret"),
        cos_sign::KeyTime::new(start.parse().unwrap(), end.parse().unwrap()),
    );
    assert_eq!(authorization, expected, "signed for {host}");
}

#[tokio::test]
async fn off_by_default_a_foreign_redirect_is_returned() {
    let transport = Arc::new(ScriptedTransport::new());
    transport.push(foreign_redirect());
    transport.push(ScriptedResponse::status(204).header("x-cos-request-id", "req-ok"));
    let client = builder(&transport).region("ap-guangzhou").build().unwrap();
    let error = client
        .bucket(BUCKET)
        .unwrap()
        .delete_object("k")
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::FOUND));
    assert_eq!(hosts(&transport), [DEFAULT_HOST]);
}

#[tokio::test]
async fn off_by_default_the_last_attempt_stays_on_the_default_domain() {
    let transport = Arc::new(ScriptedTransport::new());
    for _ in 0..4 {
        transport.push(foreign_unavailable());
    }
    let client = default_domain_client(&transport, false);
    let error = client
        .bucket(BUCKET)
        .unwrap()
        .delete_object("k")
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(hosts(&transport), [DEFAULT_HOST; 4]);
}

#[tokio::test]
async fn a_foreign_redirect_moves_at_once_and_is_signed_for_the_backup_host() {
    let transport = Arc::new(ScriptedTransport::new());
    transport.push(foreign_redirect());
    transport.push(
        ScriptedResponse::status(200)
            .header("x-cos-request-id", "req-backup")
            .body("hello"),
    );
    let client = default_domain_client(&transport, true);
    let object = client
        .bucket(BUCKET)
        .unwrap()
        .get_object("dir/k.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(&object.body[..], b"hello");

    let requests = transport.requests();
    assert_eq!(hosts(&transport), [DEFAULT_HOST, BACKUP_HOST]);
    assert_eq!(
        requests[1].uri,
        "https://examplebucket-1250000000.cos.ap-guangzhou.tencentcos.cn/dir/k.txt"
    );
    for request in &requests {
        assert_signed_for_its_host(request);
    }
    assert_ne!(
        requests[0].headers["authorization"], requests[1].headers["authorization"],
        "re-signed for the new host"
    );
}

#[tokio::test]
async fn a_redirect_from_cos_is_not_followed() {
    let transport = Arc::new(ScriptedTransport::new());
    transport.push(foreign_redirect().header("x-cos-request-id", "req-302"));
    let client = default_domain_client(&transport, true);
    let error = client
        .bucket(BUCKET)
        .unwrap()
        .delete_object("k")
        .await
        .unwrap_err();
    assert_eq!(error.request_id(), Some("req-302"));
    assert_eq!(hosts(&transport), [DEFAULT_HOST]);
}

#[tokio::test]
async fn a_foreign_redirect_on_the_backup_domain_ends_the_operation() {
    let transport = Arc::new(ScriptedTransport::new());
    transport.push(foreign_redirect());
    transport.push(foreign_redirect());
    transport.push(ScriptedResponse::status(204).header("x-cos-request-id", "req-ok"));
    let client = default_domain_client(&transport, true);
    let error = client
        .bucket(BUCKET)
        .unwrap()
        .delete_object("k")
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::FOUND));
    assert_eq!(error.earlier_attempts().len(), 1);
    assert_eq!(hosts(&transport), [DEFAULT_HOST, BACKUP_HOST]);
}

#[tokio::test]
async fn foreign_failures_send_only_the_last_attempt_to_the_backup_domain() {
    let transport = Arc::new(ScriptedTransport::new());
    transport.push(foreign_unavailable());
    transport.push(foreign_unavailable());
    transport.push(foreign_unavailable());
    transport.push(ScriptedResponse::status(204).header("x-cos-request-id", "req-ok"));
    let client = default_domain_client(&transport, true);
    client
        .bucket(BUCKET)
        .unwrap()
        .delete_object("k")
        .await
        .unwrap();
    assert_eq!(
        hosts(&transport),
        [DEFAULT_HOST, DEFAULT_HOST, DEFAULT_HOST, BACKUP_HOST]
    );
    let requests = transport.requests();
    assert_eq!(requests[3].headers["x-cos-sdk-retry"], "true");
    for request in &requests {
        assert_signed_for_its_host(request);
    }
}

#[tokio::test]
async fn no_answer_at_all_sends_the_last_attempt_to_the_backup_domain() {
    let transport = Arc::new(ScriptedTransport::new());
    transport.push(ScriptedResponse::error(TransportError::timeout(
        "no response",
    )));
    transport.push(ScriptedResponse::error(TransportError::timeout(
        "no response",
    )));
    transport.push(ScriptedResponse::status(204).header("x-cos-request-id", "req-ok"));
    let client = builder(&transport)
        .region("ap-guangzhou")
        .switch_to_backup_domain(true)
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .base_delay(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    client
        .bucket(BUCKET)
        .unwrap()
        .delete_object("k")
        .await
        .unwrap();
    assert_eq!(hosts(&transport), [DEFAULT_HOST, DEFAULT_HOST, BACKUP_HOST]);
}

#[tokio::test]
async fn failures_answered_by_cos_never_switch() {
    let transport = Arc::new(ScriptedTransport::new());
    for n in 0..4 {
        transport.push(foreign_unavailable().header("x-cos-request-id", &format!("req-{n}")));
    }
    let client = default_domain_client(&transport, true);
    let error = client
        .bucket(BUCKET)
        .unwrap()
        .delete_object("k")
        .await
        .unwrap_err();
    assert_eq!(error.request_ids().count(), 4);
    assert_eq!(hosts(&transport), [DEFAULT_HOST; 4]);
}

#[tokio::test]
async fn custom_endpoints_never_switch() {
    for (endpoint, host) in [
        (
            "https://cos.example.com",
            "examplebucket-1250000000.cos.example.com",
        ),
        ("http://127.0.0.1:9", "127.0.0.1:9"),
        (
            "https://cos.ap-guangzhou.tencentcos.cn",
            "examplebucket-1250000000.cos.ap-guangzhou.tencentcos.cn",
        ),
    ] {
        let transport = Arc::new(ScriptedTransport::new());
        transport.push(foreign_redirect());
        let client = builder(&transport)
            .region("ap-guangzhou")
            .endpoint(endpoint)
            .switch_to_backup_domain(true)
            .build()
            .unwrap();
        let bucket = client.bucket(BUCKET).unwrap();
        let error = bucket.delete_object("k").await.unwrap_err();
        assert_eq!(error.status(), Some(http::StatusCode::FOUND), "{endpoint}");

        for _ in 0..4 {
            transport.push(foreign_unavailable());
        }
        bucket.delete_object("k").await.unwrap_err();
        assert_eq!(hosts(&transport), [host; 5], "{endpoint}");
    }
}

#[tokio::test]
async fn the_accelerate_domain_never_switches() {
    let transport = Arc::new(ScriptedTransport::new());
    transport.push(foreign_redirect());
    let client = builder(&transport)
        .region("accelerate")
        .switch_to_backup_domain(true)
        .build()
        .unwrap();
    let error = client
        .bucket(BUCKET)
        .unwrap()
        .delete_object("k")
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::FOUND));
    assert_eq!(
        hosts(&transport),
        ["examplebucket-1250000000.cos.accelerate.myqcloud.com"]
    );
}
