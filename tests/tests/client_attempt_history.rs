//! A retried operation's error keeps the errors of its earlier attempts, against the emulator.

use std::collections::HashSet;

use cos_emulator::{FaultRule, Operation};
use cos_tests::{CountingTransport, client_with_transport, slow_down, world};

#[tokio::test]
async fn throttling_beyond_the_attempts_keeps_every_attempt_and_request_id() {
    let world = world("history").await;
    let transport = CountingTransport::new();
    let bucket = client_with_transport(&world.emulator, transport.clone())
        .bucket(world.bucket.name().as_str())
        .unwrap();
    // more throttled answers than the default policy's 4 attempts
    world.emulator.faults().add(
        FaultRule::new(slow_down())
            .operation(Operation::PutObject)
            .times(10),
    );
    let error = bucket.put_object("k").body("v").send().await.unwrap_err();
    assert_eq!(transport.sent(), 4);

    assert_eq!(error.code(), Some("SlowDown"), "{error}");
    let earlier = error.earlier_attempts();
    assert_eq!(earlier.len(), 3, "{error:?}");
    for attempt in earlier {
        assert_eq!(attempt.code(), Some("SlowDown"), "{attempt}");
        assert_eq!(
            attempt.status(),
            Some(http::StatusCode::SERVICE_UNAVAILABLE)
        );
        assert!(attempt.earlier_attempts().is_empty());
    }

    let ids: Vec<&str> = error.request_ids().collect();
    assert_eq!(ids.len(), 4, "one per attempt: {ids:?}");
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        4,
        "distinct: {ids:?}"
    );
    assert_eq!(Some(ids[0]), error.request_id(), "newest first");
    let oldest_first: Vec<&str> = earlier.iter().filter_map(|e| e.request_id()).collect();
    assert_eq!(
        ids[1..].iter().rev().copied().collect::<Vec<_>>(),
        oldest_first
    );

    let text = error.to_string();
    assert!(!text.contains('\n'), "{text}");
    assert!(text.ends_with(" (after 4 attempts)"), "{text}");
    let debug = format!("{error:?}");
    for id in &ids {
        assert!(debug.contains(id), "{id} in {debug}");
    }
}

#[tokio::test]
async fn success_after_two_throttles_is_ok() {
    let world = world("history").await;
    let transport = CountingTransport::new();
    let bucket = client_with_transport(&world.emulator, transport.clone())
        .bucket(world.bucket.name().as_str())
        .unwrap();
    world.emulator.faults().add(
        FaultRule::new(slow_down())
            .operation(Operation::PutObject)
            .times(2),
    );
    let output = bucket.put_object("k").body("v").send().await;
    assert!(output.is_ok(), "{output:?}");
    assert_eq!(transport.sent(), 3);
}

#[tokio::test]
async fn a_404_has_no_earlier_attempts() {
    let world = world("history").await;
    let error = world.bucket.get_object("missing").send().await.unwrap_err();
    assert!(error.is_not_found(), "{error}");
    assert!(error.earlier_attempts().is_empty(), "{error:?}");
    assert_eq!(error.request_ids().count(), 1);
    assert!(!error.to_string().contains("attempts"), "{error}");
}
