//! Retries, integrity and clock skew under injected faults.

use bytes::Bytes;
use cos_client::PutBody;
use cos_emulator::{Fault, FaultRule, Operation};
use cos_tests::{CountingTransport, client_with_transport, slow_down, world};
use cos_types::ClientErrorKind;
use futures::StreamExt;

#[tokio::test]
async fn slow_down_twice_then_success_is_retried() {
    let world = world("faults").await;
    let transport = CountingTransport::new();
    let bucket = client_with_transport(&world.emulator, transport.clone())
        .bucket(world.bucket.name().as_str())
        .unwrap();
    world.emulator.faults().add(
        FaultRule::new(slow_down())
            .operation(Operation::PutObject)
            .times(2),
    );
    bucket.put_object("k").body("v").send().await.unwrap();
    assert_eq!(transport.sent(), 3, "two throttled attempts, then success");
    assert_eq!(&bucket.get_object("k").send().await.unwrap().body[..], b"v");
}

#[tokio::test]
async fn throttling_beyond_the_attempt_limit_is_reported() {
    let world = world("faults").await;
    world.emulator.faults().add(
        FaultRule::new(slow_down())
            .operation(Operation::PutObject)
            .times(10),
    );
    let error = world
        .bucket
        .put_object("k")
        .body("v")
        .send()
        .await
        .unwrap_err();
    assert!(error.is_throttled(), "{error}");
    assert_eq!(error.as_service().map(|s| s.code()), Some("SlowDown"));
}

#[tokio::test]
async fn a_404_is_not_retried() {
    let world = world("faults").await;
    world
        .bucket
        .put_object("present")
        .body("v")
        .send()
        .await
        .unwrap();
    // one injected 404: a retry would find the object
    world.emulator.faults().add(
        FaultRule::new(Fault::Error {
            status: 404,
            code: "NoSuchKey".into(),
            message: None,
        })
        .operation(Operation::GetObject)
        .times(1),
    );
    let transport = CountingTransport::new();
    let bucket = client_with_transport(&world.emulator, transport.clone())
        .bucket(world.bucket.name().as_str())
        .unwrap();
    let error = bucket.get_object("present").send().await.unwrap_err();
    assert_eq!(error.as_service().map(|s| s.code()), Some("NoSuchKey"));
    assert_eq!(transport.sent(), 1);
    assert!(world.bucket.get_object("present").send().await.is_ok());
}

#[tokio::test]
async fn connection_closed_mid_body_is_retried_for_bytes() {
    let world = world("faults").await;
    // large enough that the server flushes the head and some data before it hangs up
    let data = vec![42u8; 4 * 1024 * 1024];
    world
        .bucket
        .put_object("k")
        .body(data.clone())
        .send()
        .await
        .unwrap();
    world.emulator.faults().add(
        FaultRule::new(Fault::CloseConnection {
            after_bytes: Some(2 * 1024 * 1024),
        })
        .operation(Operation::GetObject)
        .times(1),
    );
    let transport = CountingTransport::new();
    let bucket = client_with_transport(&world.emulator, transport.clone())
        .bucket(world.bucket.name().as_str())
        .unwrap();
    let object = bucket.get_object("k").send().await.unwrap();
    assert_eq!(transport.sent(), 2, "the broken transfer was fetched again");
    assert_eq!(object.body.len(), data.len());
    assert_eq!(&object.body[..], &data[..]);
}

#[tokio::test]
async fn connection_closed_mid_body_ends_a_stream_with_an_error() {
    let world = world("faults").await;
    // large enough that the server flushes the head and some data before it hangs up
    let size = 4 * 1024 * 1024;
    world
        .bucket
        .put_object("k")
        .body(vec![1u8; size])
        .send()
        .await
        .unwrap();
    world.emulator.faults().add(
        FaultRule::new(Fault::CloseConnection {
            after_bytes: Some(2 * 1024 * 1024),
        })
        .operation(Operation::GetObject)
        .times(1),
    );
    let mut stream = world.bucket.get_object("k").send_stream().await.unwrap();
    let mut received = 0;
    let mut failure = None;
    while let Some(item) = stream.next().await {
        match item {
            Ok(chunk) => received += chunk.len(),
            Err(error) => {
                failure = Some(error);
                break;
            }
        }
    }
    let error = failure.unwrap_or_else(|| {
        panic!(
            "a broken stream must not end cleanly ({received} bytes, meta {:?})",
            stream.meta()
        )
    });
    assert!(received < size, "{received}");
    assert!(error.as_client().is_some(), "{error}");
}

#[tokio::test]
async fn connection_closed_on_upload_is_retried_for_bytes_and_reported_for_a_stream() {
    let world = world("faults").await;
    let close = || {
        FaultRule::new(Fault::CloseConnection { after_bytes: None })
            .operation(Operation::PutObject)
            .times(1)
    };

    world.emulator.faults().add(close());
    world
        .bucket
        .put_object("bytes")
        .body("replayable")
        .send()
        .await
        .unwrap();

    world.emulator.faults().add(close());
    let chunks = futures::stream::iter(vec![Ok(Bytes::from_static(b"one-shot"))]);
    let error = world
        .bucket
        .put_object("stream")
        .body(PutBody::stream(chunks, 8))
        .send()
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("one-shot stream"),
        "the error says why it was not retried: {error}"
    );
    assert!(
        world
            .bucket
            .head_object("stream")
            .send()
            .await
            .unwrap_err()
            .is_not_found()
    );
}

#[tokio::test]
async fn a_truncated_body_is_never_returned() {
    let world = world("faults").await;
    world
        .bucket
        .put_object("k")
        .body(vec![9u8; 10_000])
        .send()
        .await
        .unwrap();
    world.emulator.faults().add(
        FaultRule::new(Fault::TruncateBody { after_bytes: None })
            .operation(Operation::GetObject)
            .times(10),
    );
    let error = world.bucket.get_object("k").send().await.unwrap_err();
    assert!(error.as_client().is_some(), "{error}");
}

#[tokio::test]
async fn a_corrupted_byte_is_an_integrity_error() {
    let world = world("faults").await;
    world
        .bucket
        .put_object("k")
        .body(vec![5u8; 4096])
        .send()
        .await
        .unwrap();
    world.emulator.faults().add(
        FaultRule::new(Fault::CorruptBody)
            .operation(Operation::GetObject)
            .times(10),
    );

    let error = world.bucket.get_object("k").send().await.unwrap_err();
    assert_eq!(
        error.as_client().map(|c| c.kind()),
        Some(ClientErrorKind::Integrity),
        "{error}"
    );

    let stream = world.bucket.get_object("k").send_stream().await.unwrap();
    let error = stream.collect().await.unwrap_err();
    assert_eq!(
        error.as_client().map(|c| c.kind()),
        Some(ClientErrorKind::Integrity),
        "{error}"
    );

    let target = std::env::temp_dir().join(format!("cos-tests-corrupt-{}", std::process::id()));
    let error = world
        .bucket
        .get_object("k")
        .to_file(&target)
        .await
        .unwrap_err();
    assert_eq!(
        error.as_client().map(|c| c.kind()),
        Some(ClientErrorKind::Integrity),
        "{error}"
    );
    assert!(
        !target.exists(),
        "no corrupted file is left at the destination"
    );
    let leftovers: Vec<_> = std::fs::read_dir(target.parent().unwrap())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| {
            name.starts_with(&format!(
                ".{}.",
                target.file_name().unwrap().to_string_lossy()
            )) && name.ends_with(".cos-partial")
        })
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary files left behind: {leftovers:?}"
    );
}

#[tokio::test]
async fn one_corrupted_download_is_retried() {
    let world = world("faults").await;
    world
        .bucket
        .put_object("k")
        .body(vec![5u8; 4096])
        .send()
        .await
        .unwrap();
    world.emulator.faults().add(
        FaultRule::new(Fault::CorruptBody)
            .operation(Operation::GetObject)
            .times(1),
    );
    let object = world.bucket.get_object("k").send().await.unwrap();
    assert!(object.body.iter().all(|&b| b == 5));
}

#[tokio::test]
async fn copy_answering_200_with_error_is_an_error() {
    let world = world("faults").await;
    world
        .bucket
        .put_object("src")
        .body("v")
        .send()
        .await
        .unwrap();
    world.emulator.faults().add(
        FaultRule::new(Fault::OkWithErrorBody {
            code: "InvalidArgument".into(),
            message: None,
        })
        .operation(Operation::CopyObject)
        .times(1),
    );
    let error = world
        .bucket
        .copy_object("dst")
        .source_key("src")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error.as_service().map(|s| s.code()),
        Some("InvalidArgument"),
        "{error}"
    );
}

#[tokio::test]
async fn clock_skew_is_corrected() {
    let world = world("faults").await;
    world.emulator.faults().set_clock_skew(3600);
    world.bucket.put_object("k").body("v").send().await.unwrap();
    let offset = world.client.clock_offset();
    assert!(
        (3500..=3700).contains(&offset),
        "offset learnt from the server: {offset}"
    );
    world.bucket.get_object("k").send().await.unwrap();
}

#[tokio::test]
async fn a_server_clock_behind_ours_is_corrected_too() {
    let world = world("faults").await;
    world.emulator.faults().set_clock_skew(-1800);
    let transport = CountingTransport::new();
    let client = client_with_transport(&world.emulator, transport.clone());
    let bucket = client.bucket(world.bucket.name().as_str()).unwrap();
    bucket.put_object("k").body("v").send().await.unwrap();
    assert_eq!(transport.sent(), 2, "one refused attempt, one corrected");
    let offset = client.clock_offset();
    assert!(
        (-1900..=-1700).contains(&offset),
        "offset learnt from the server: {offset}"
    );
    bucket.get_object("k").send().await.unwrap();
    assert_eq!(
        transport.sent(),
        3,
        "later requests are signed right the first time"
    );
}
