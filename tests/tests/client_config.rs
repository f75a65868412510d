//! Client settings end to end: timeouts, STS tokens, non-COS error pages.

use std::time::Duration;

use cos_client::{Client, Credentials, RetryPolicy};
use cos_emulator::{Config, Emulator, Fault, FaultRule, Operation};
use cos_tests::{CountingTransport, SECRET_ID, SECRET_KEY, client_with_transport, world};
use cos_types::ClientErrorKind;

fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(20))
}

#[tokio::test]
async fn a_slow_attempt_times_out_and_is_retried() {
    let world = world("timeouts").await;
    world.bucket.put_object("k").body("v").send().await.unwrap();
    world.emulator.faults().add(
        FaultRule::new(Fault::Latency { millis: 2_000 })
            .operation(Operation::GetObject)
            .times(1),
    );
    let transport = CountingTransport::new();
    let client = Client::builder()
        .endpoint(world.emulator.endpoint())
        .credentials(Credentials::new(SECRET_ID, SECRET_KEY))
        .transport(transport.clone())
        .attempt_timeout(Some(Duration::from_millis(200)))
        .retry_policy(quick_retries())
        .build()
        .unwrap();
    let bucket = client.bucket(world.bucket.name().as_str()).unwrap();
    let object = bucket.get_object("k").send().await.unwrap();
    assert_eq!(&object.body[..], b"v");
    assert_eq!(
        transport.sent(),
        2,
        "the slow attempt was abandoned and retried"
    );
}

#[tokio::test]
async fn the_operation_deadline_covers_every_attempt() {
    let world = world("timeouts").await;
    world.emulator.faults().add(
        FaultRule::new(Fault::Latency { millis: 2_000 })
            .operation(Operation::HeadBucket)
            .times(10),
    );
    let client = Client::builder()
        .endpoint(world.emulator.endpoint())
        .credentials(Credentials::new(SECRET_ID, SECRET_KEY))
        .operation_timeout(Some(Duration::from_millis(300)))
        .retry_policy(quick_retries())
        .build()
        .unwrap();
    let error = client
        .bucket(world.bucket.name().as_str())
        .unwrap()
        .head()
        .await
        .unwrap_err();
    assert_eq!(
        error.as_client().map(|c| c.kind()),
        Some(ClientErrorKind::Timeout),
        "{error}"
    );
}

#[tokio::test]
async fn a_load_balancer_page_is_retried_then_reported_whole() {
    let world = world("proxies").await;
    let transport = CountingTransport::new();
    let bucket = client_with_transport(&world.emulator, transport.clone())
        .bucket(world.bucket.name().as_str())
        .unwrap();

    world
        .emulator
        .faults()
        .add(FaultRule::new(Fault::BadGatewayHtml).times(1));
    bucket.put_object("k").body("v").send().await.unwrap();
    assert_eq!(transport.sent(), 2);

    world
        .emulator
        .faults()
        .add(FaultRule::new(Fault::BadGatewayHtml).times(10));
    let error = bucket.get_object("k").send().await.unwrap_err();
    let service = error
        .as_service()
        .expect("a service error, even without a COS body");
    assert_eq!(service.status(), 502);
    assert!(service.code_is_derived());
    assert!(String::from_utf8_lossy(service.raw_body()).contains("502 Bad Gateway"));
    assert!(error.is_retryable());
}

#[tokio::test]
async fn sts_credentials_send_their_token() {
    let temporary =
        Credentials::new("AKIDtemporary", "temporary-key").with_session_token("sts-token-1");
    let emulator = Emulator::start(Config::with_credential(temporary))
        .await
        .unwrap();
    let with_token = Client::builder()
        .endpoint(emulator.endpoint())
        .credentials(
            Credentials::new("AKIDtemporary", "temporary-key").with_session_token("sts-token-1"),
        )
        .build()
        .unwrap();
    let bucket = with_token
        .bucket(&format!("sts-{}", emulator.appid()))
        .unwrap();
    bucket.create().await.unwrap();
    bucket.put_object("k").body("v").send().await.unwrap();
    let url = bucket
        .presign(http::Method::GET, "k", Duration::from_secs(60))
        .url()
        .await
        .unwrap();
    assert!(url.contains("x-cos-security-token=sts-token-1"), "{url}");

    let without_token = Client::builder()
        .endpoint(emulator.endpoint())
        .credentials(Credentials::new("AKIDtemporary", "temporary-key"))
        .build()
        .unwrap();
    let error = without_token
        .bucket(bucket.name().as_str())
        .unwrap()
        .get_object("k")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::FORBIDDEN), "{error}");
}
