//! Service errors reach the caller whole: status, code, message, request id.

use std::time::SystemTime;

use cos_tests::{SECRET_KEY, client_for, world};
use cos_types::ClientErrorKind;

#[tokio::test]
async fn missing_key_is_no_such_key_with_request_id() {
    let world = world("errors").await;
    let error = world
        .bucket
        .get_object("absent.txt")
        .send()
        .await
        .unwrap_err();
    assert!(error.is_not_found());
    assert!(!error.is_retryable());
    let service = error.as_service().expect("a service error");
    assert_eq!(service.status(), 404);
    assert_eq!(service.code(), "NoSuchKey");
    assert!(!service.message().is_empty());
    let request_id = service
        .request_id()
        .expect("COS answers carry a request id");
    assert!(
        error.to_string().contains(request_id),
        "Display names the request id: {error}"
    );

    // HEAD has no body: the code is derived and the request id comes from the headers
    let head = world
        .bucket
        .head_object("absent.txt")
        .send()
        .await
        .unwrap_err();
    assert_eq!(head.status(), Some(http::StatusCode::NOT_FOUND));
    assert!(head.request_id().is_some());
}

#[tokio::test]
async fn missing_bucket_is_no_such_bucket() {
    let world = world("errors").await;
    let ghost = world
        .client
        .bucket(&format!("ghost-{}", world.emulator.appid()))
        .unwrap();
    let error = ghost.put_object("k").body("v").send().await.unwrap_err();
    assert_eq!(
        error.as_service().map(|s| s.code()),
        Some("NoSuchBucket"),
        "{error}"
    );
    assert!(error.is_not_found());
}

#[tokio::test]
async fn wrong_secret_key_is_signature_does_not_match() {
    let world = world("errors").await;
    let impostor = client_for(&world.emulator, "not-the-secret-key");
    let bucket = impostor.bucket(world.bucket.name().as_str()).unwrap();
    let error = bucket.get_object("anything").send().await.unwrap_err();
    let service = error.as_service().expect("a service error");
    assert_eq!(service.status(), 403);
    assert_eq!(service.code(), "SignatureDoesNotMatch");
    assert!(!error.is_retryable());
    assert_ne!(SECRET_KEY, "not-the-secret-key");
}

#[tokio::test]
async fn failed_conditions_are_412() {
    let world = world("errors").await;
    let put = world
        .bucket
        .put_object("conditional")
        .body("v1")
        .send()
        .await
        .unwrap();
    let etag = put.etag.unwrap();

    let matched = world
        .bucket
        .get_object("conditional")
        .if_match(&etag)
        .send()
        .await
        .unwrap();
    assert_eq!(&matched.body[..], b"v1");

    let error = world
        .bucket
        .get_object("conditional")
        .if_match("\"0000\"")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error.status(),
        Some(http::StatusCode::PRECONDITION_FAILED),
        "{error}"
    );

    let past = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    let error = world
        .bucket
        .head_object("conditional")
        .if_unmodified_since(past)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error.status(),
        Some(http::StatusCode::PRECONDITION_FAILED),
        "{error}"
    );
}

#[tokio::test]
async fn invalid_input_is_refused_before_sending() {
    let world = world("errors").await;
    assert!(world.client.bucket("No_Such_Format").is_err());
    for key in ["", "/", "a/.."] {
        let error = world.bucket.delete_object(key).await.unwrap_err();
        assert_eq!(
            error.as_client().map(|c| c.kind()),
            Some(ClientErrorKind::InvalidInput),
            "{key:?}"
        );
    }
    // the bucket is still there: no object operation reached the bucket root
    assert!(world.bucket.exists().await.unwrap());
}
