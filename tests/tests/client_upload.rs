//! The high-level upload (`Bucket::upload_file`): single PUT or multipart, bounded
//! concurrency, failures that can be resumed, and the abort policy.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use cos_client::{Bucket, UploadFailure, crc64};
use cos_emulator::{Fault, FaultRule, Faults, Operation};
use cos_tests::{CountingTransport, World, client_with_transport, world};
use cos_types::ClientErrorKind;

const MIB: usize = 1024 * 1024;
/// Four parts of 1 MiB parts, the last one half full.
const FOUR_PARTS: usize = 3 * MIB + MIB / 2;

/// Deterministic, non-repeating bytes (xorshift), so a part in the wrong place shows.
fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// A file removed when the test ends.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &[u8]) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "cos-tests-upload-{}-{}-{name}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::write(&path, contents).expect("the test file is written");
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn counted_bucket(world: &World) -> (Bucket, Arc<CountingTransport>) {
    let transport = CountingTransport::new();
    let bucket = client_with_transport(&world.emulator, transport.clone())
        .bucket(world.bucket.name().as_str())
        .unwrap();
    (bucket, transport)
}

/// Makes every Upload Part fail with `status`/`code` from the first request for part
/// `part_number` on (an emulator fault installed by the transport just before that request).
fn fail_parts_from(
    transport: &CountingTransport,
    faults: Faults,
    part_number: u32,
    status: u16,
    code: &str,
) {
    let marker = format!("partNumber={part_number}&");
    let code = code.to_owned();
    let installed = AtomicBool::new(false);
    transport.set_hook(move |request| {
        let query = format!("{}&", request.uri().query().unwrap_or_default());
        if query.contains(&marker) && !installed.swap(true, Ordering::SeqCst) {
            faults.add(
                FaultRule::new(Fault::Error {
                    status,
                    code: code.clone(),
                    message: None,
                })
                .operation(Operation::UploadPart)
                .times(1000),
            );
        }
    });
}

fn part_numbers(failure: &UploadFailure) -> Vec<u32> {
    failure.completed.iter().map(|p| p.part_number).collect()
}

async fn stored(bucket: &Bucket, key: &str) -> Vec<u8> {
    bucket.get_object(key).send().await.unwrap().body.to_vec()
}

#[tokio::test]
async fn a_large_file_goes_up_in_parts_and_reads_back_identical() {
    let world = world("upload").await;
    let (bucket, transport) = counted_bucket(&world);
    let contents = data(FOUR_PARTS, 1);
    let file = TempFile::new("large", &contents);

    let output = bucket
        .upload_file("big/file.bin", &file.0)
        .content_type("application/x-test")
        .metadata("origin", "tests")
        .part_size(MIB as u64)
        .concurrency(3)
        .send()
        .await
        .unwrap();

    assert_eq!(output.parts, 4);
    assert_eq!(output.size, FOUR_PARTS as u64);
    assert_eq!(output.key, "big/file.bin");
    assert!(output.upload_id.is_some());
    assert_eq!(output.crc64, Some(crc64(&contents)));
    assert_eq!(transport.sent(), 6, "Initiate, four parts, Complete");

    let object = world
        .bucket
        .get_object("big/file.bin")
        .send()
        .await
        .unwrap();
    assert_eq!(object.body.len(), contents.len());
    assert!(
        object.body[..] == contents[..],
        "the object reads back identical"
    );
    assert_eq!(
        object.meta.content_type.as_deref(),
        Some("application/x-test")
    );
    assert_eq!(object.meta.metadata["origin"], "tests");
    assert_eq!(object.meta.etag, output.etag);
}

#[tokio::test]
async fn bytes_in_memory_go_up_in_parts_too() {
    let world = world("upload").await;
    let contents = data(2 * MIB + 10, 2);
    let output = world
        .bucket
        .upload("from-memory", contents.clone())
        .part_size(MIB as u64)
        .send()
        .await
        .unwrap();
    assert_eq!(output.parts, 3);
    assert_eq!(output.crc64, Some(crc64(&contents)));
    assert!(stored(&world.bucket, "from-memory").await == contents);
}

#[tokio::test]
async fn data_up_to_the_threshold_is_one_put() {
    let world = world("upload").await;
    let (bucket, transport) = counted_bucket(&world);

    let small = data(100 * 1024, 3);
    let file = TempFile::new("small", &small);
    let output = bucket.upload_file("small", &file.0).send().await.unwrap();
    assert_eq!(transport.sent(), 1, "one PUT Object");
    assert_eq!((output.parts, output.upload_id.as_deref()), (1, None));
    assert_eq!(output.crc64, Some(crc64(&small)));
    assert!(stored(&world.bucket, "small").await == small);

    // above the part size, but not above an explicit threshold
    let larger = data(FOUR_PARTS, 4);
    let file = TempFile::new("larger", &larger);
    let output = bucket
        .upload_file("larger", &file.0)
        .part_size(MIB as u64)
        .multipart_threshold(4 * MIB as u64)
        .send()
        .await
        .unwrap();
    assert_eq!(transport.sent(), 2, "one more PUT Object");
    assert_eq!(output.parts, 1);
    assert!(stored(&world.bucket, "larger").await == larger);
}

#[tokio::test]
async fn no_more_parts_are_in_flight_than_the_concurrency() {
    let world = world("upload").await;
    let (bucket, transport) = counted_bucket(&world);
    // a part is only answered once two are in flight together: an upload that sent them
    // one at a time would never finish
    transport.hold_until_in_flight(2);
    let contents = data(FOUR_PARTS, 5);
    let file = TempFile::new("concurrent", &contents);
    let upload = bucket
        .upload_file("concurrent", &file.0)
        .part_size(MIB as u64)
        .concurrency(2)
        .send();
    let output = tokio::time::timeout(std::time::Duration::from_secs(120), upload)
        .await
        .expect("two parts were in flight together")
        .unwrap();
    assert_eq!(output.parts, 4);
    assert_eq!(
        transport.max_in_flight(),
        2,
        "never more than two at a time"
    );
    assert!(stored(&world.bucket, "concurrent").await == contents);

    let (bucket, transport) = counted_bucket(&world);
    bucket
        .upload_file("sequential", &file.0)
        .part_size(MIB as u64)
        .concurrency(1)
        .send()
        .await
        .unwrap();
    assert_eq!(transport.max_in_flight(), 1);
}

#[tokio::test]
async fn a_persistent_transient_failure_leaves_an_upload_to_resume() {
    let world = world("upload").await;
    let (bucket, transport) = counted_bucket(&world);
    fail_parts_from(
        &transport,
        world.emulator.faults().clone(),
        3,
        500,
        "InternalError",
    );
    let contents = data(FOUR_PARTS, 6);
    let file = TempFile::new("resume", &contents);

    let failure = bucket
        .upload_file("resumable", &file.0)
        .part_size(MIB as u64)
        .concurrency(1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(failure.error.code(), Some("InternalError"));
    assert_eq!(
        failure.error.earlier_attempts().len(),
        3,
        "the part was retried before giving up"
    );
    assert_eq!(part_numbers(&failure), [1, 2], "part 4 was never started");
    assert!(!failure.aborted);
    assert!(failure.is_resumable(), "{failure}");
    let upload_id = failure.upload_id.clone().expect("the upload id");
    assert!(failure.to_string().contains(&upload_id), "{failure}");
    let listed = world
        .bucket
        .list_parts("resumable", &upload_id, None)
        .await
        .unwrap();
    let listed: Vec<u32> = listed.parts.iter().map(|p| p.part_number).collect();
    assert_eq!(listed, [1, 2]);

    world.emulator.faults().clear();
    let (bucket, transport) = counted_bucket(&world);
    let output = bucket
        .upload_file("resumable", &file.0)
        .part_size(MIB as u64)
        .resume(upload_id.clone(), failure.completed)
        .send()
        .await
        .unwrap();
    assert_eq!(transport.sent(), 3, "parts 3 and 4, then Complete");
    assert_eq!(output.upload_id.as_deref(), Some(upload_id.as_str()));
    assert_eq!(output.crc64, Some(crc64(&contents)));
    assert!(stored(&world.bucket, "resumable").await == contents);
}

#[tokio::test]
async fn resuming_uploads_again_a_part_whose_data_changed() {
    let world = world("upload").await;
    let (bucket, transport) = counted_bucket(&world);
    fail_parts_from(
        &transport,
        world.emulator.faults().clone(),
        3,
        503,
        "ServiceUnavailable",
    );
    let mut contents = data(FOUR_PARTS, 7);
    let file = TempFile::new("changed", &contents);
    let failure = bucket
        .upload_file("changed", &file.0)
        .part_size(MIB as u64)
        .concurrency(1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(part_numbers(&failure), [1, 2]);
    world.emulator.faults().clear();

    contents[10] ^= 0xff; // in part 1
    std::fs::write(&file.0, &contents).unwrap();
    let (bucket, transport) = counted_bucket(&world);
    bucket
        .upload_file("changed", &file.0)
        .part_size(MIB as u64)
        .resume(failure.upload_id.clone().unwrap(), failure.completed)
        .send()
        .await
        .unwrap();
    assert_eq!(transport.sent(), 4, "parts 1, 3 and 4, then Complete");
    assert!(stored(&world.bucket, "changed").await == contents);
}

#[tokio::test]
async fn resuming_with_another_part_size_is_refused() {
    let world = world("upload").await;
    let (bucket, transport) = counted_bucket(&world);
    fail_parts_from(
        &transport,
        world.emulator.faults().clone(),
        2,
        500,
        "InternalError",
    );
    let contents = data(FOUR_PARTS, 8);
    let file = TempFile::new("part-size", &contents);
    let failure = bucket
        .upload_file("part-size", &file.0)
        .part_size(MIB as u64)
        .concurrency(1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(part_numbers(&failure), [1]);
    world.emulator.faults().clear();

    let upload_id = failure.upload_id.clone().unwrap();
    let refused = world
        .bucket
        .upload_file("part-size", &file.0)
        .part_size(2 * MIB as u64)
        .resume(upload_id.clone(), failure.completed.clone())
        .send()
        .await
        .unwrap_err();
    let kind = refused.error.as_client().map(|c| c.kind());
    assert_eq!(kind, Some(ClientErrorKind::InvalidInput));
    assert!(
        refused.error.to_string().contains("part size"),
        "{}",
        refused.error
    );
    assert!(refused.is_resumable(), "the upload is left as it was");
    assert_eq!(
        refused.completed, failure.completed,
        "nothing the caller had is lost"
    );
}

#[tokio::test]
async fn a_non_retryable_failure_aborts_the_upload() {
    let world = world("upload").await;
    let (bucket, transport) = counted_bucket(&world);
    fail_parts_from(
        &transport,
        world.emulator.faults().clone(),
        2,
        403,
        "AccessDenied",
    );
    let contents = data(FOUR_PARTS, 9);
    let file = TempFile::new("denied", &contents);
    let failure = bucket
        .upload_file("denied", &file.0)
        .part_size(MIB as u64)
        .concurrency(1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(failure.error.code(), Some("AccessDenied"));
    assert!(
        failure.error.earlier_attempts().is_empty(),
        "403 is not retried"
    );
    assert!(failure.aborted, "{failure}");
    assert!(!failure.is_resumable());
    assert!(failure.to_string().contains("aborted"), "{failure}");
    let upload_id = failure.upload_id.clone().expect("the upload id");

    let gone = world
        .bucket
        .list_parts("denied", &upload_id, None)
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Some("NoSuchUpload"));
    assert!(
        world
            .bucket
            .head_object("denied")
            .send()
            .await
            .unwrap_err()
            .is_not_found()
    );

    // `?` gives the error that ended the upload
    let error: cos_types::Error = failure.into();
    assert_eq!(error.code(), Some("AccessDenied"));
}

#[tokio::test]
async fn keep_on_failure_leaves_the_upload_in_place() {
    let world = world("upload").await;
    let (bucket, transport) = counted_bucket(&world);
    fail_parts_from(
        &transport,
        world.emulator.faults().clone(),
        2,
        403,
        "AccessDenied",
    );
    let contents = data(FOUR_PARTS, 10);
    let file = TempFile::new("kept", &contents);
    let failure = bucket
        .upload_file("kept", &file.0)
        .part_size(MIB as u64)
        .concurrency(1)
        .keep_on_failure()
        .send()
        .await
        .unwrap_err();
    assert!(!failure.aborted);
    assert!(failure.is_resumable());
    let upload_id = failure.upload_id.clone().unwrap();
    let listed = world
        .bucket
        .list_parts("kept", &upload_id, None)
        .await
        .unwrap();
    assert_eq!(listed.parts.len(), 1);
}

#[tokio::test]
async fn invalid_settings_are_refused_before_any_request() {
    let world = world("upload").await;
    let (bucket, transport) = counted_bucket(&world);
    let file = TempFile::new("invalid", &data(FOUR_PARTS, 11));

    let failure = bucket
        .upload_file("invalid", &file.0)
        .part_size(512 * 1024)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        failure.error.as_client().map(|c| c.kind()),
        Some(ClientErrorKind::InvalidInput)
    );
    assert!(
        failure.error.to_string().contains("part size 524288"),
        "{failure}"
    );
    assert!(failure.upload_id.is_none());

    let failure = bucket
        .upload_file("invalid", &file.0)
        .concurrency(0)
        .send()
        .await
        .unwrap_err();
    assert!(
        failure.error.to_string().contains("concurrency"),
        "{failure}"
    );

    let failure = bucket
        .upload_file("invalid", file.0.with_extension("missing"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        failure.error.as_client().map(|c| c.kind()),
        Some(ClientErrorKind::Io)
    );

    assert_eq!(transport.sent(), 0, "nothing was sent");
}

/// Counts the Upload Part requests (those with a `partNumber` query) `transport` sends.
fn count_part_requests(transport: &CountingTransport) -> Arc<AtomicUsize> {
    let parts = Arc::new(AtomicUsize::new(0));
    let counter = parts.clone();
    transport.set_hook(move |request| {
        if request
            .uri()
            .query()
            .is_some_and(|query| query.contains("partNumber="))
        {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    parts
}

/// Uploads `contents` as `key` in 1 MiB parts, one at a time, with every part from part 3 on
/// failing for good; returns the upload id, the failure's completed parts thrown away.
async fn interrupted_at_part_3(world: &World, key: &str, contents: &[u8]) -> (String, TempFile) {
    let (bucket, transport) = counted_bucket(world);
    fail_parts_from(
        &transport,
        world.emulator.faults().clone(),
        3,
        500,
        "InternalError",
    );
    let file = TempFile::new(&key.replace('/', "-"), contents);
    let failure = bucket
        .upload_file(key, &file.0)
        .part_size(MIB as u64)
        .concurrency(1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(part_numbers(&failure), [1, 2]);
    assert!(failure.is_resumable(), "{failure}");
    world.emulator.faults().clear();
    (failure.upload_id.expect("the upload id"), file)
}

#[tokio::test]
async fn resuming_from_the_server_uploads_only_the_missing_parts() {
    let world = world("upload").await;
    let contents = data(FOUR_PARTS, 12);
    let (upload_id, file) = interrupted_at_part_3(&world, "crashed", &contents).await;

    let (bucket, transport) = counted_bucket(&world);
    let parts = count_part_requests(&transport);
    let output = bucket
        .upload_file("crashed", &file.0)
        .part_size(MIB as u64)
        .resume_from_server(upload_id.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(parts.load(Ordering::SeqCst), 2, "parts 3 and 4 only");
    assert_eq!(transport.sent(), 4, "List Parts, parts 3 and 4, Complete");
    assert_eq!(output.upload_id.as_deref(), Some(upload_id.as_str()));
    assert_eq!((output.parts, output.size), (4, FOUR_PARTS as u64));
    assert_eq!(output.crc64, Some(crc64(&contents)));
    let object = world.bucket.get_object("crashed").send().await.unwrap();
    assert!(
        object.body[..] == contents[..],
        "the object reads back identical"
    );
    assert_eq!(object.meta.crc64, Some(crc64(&contents)));
}

#[tokio::test]
async fn resuming_from_the_server_uploads_again_a_part_whose_data_changed() {
    let world = world("upload").await;
    let mut contents = data(FOUR_PARTS, 13);
    let (upload_id, file) = interrupted_at_part_3(&world, "edited", &contents).await;

    contents[MIB - 1] ^= 0xff; // the last byte of part 1
    std::fs::write(&file.0, &contents).unwrap();
    let (bucket, transport) = counted_bucket(&world);
    let parts = count_part_requests(&transport);
    let output = bucket
        .upload_file("edited", &file.0)
        .part_size(MIB as u64)
        .resume_from_server(upload_id)
        .send()
        .await
        .unwrap();
    assert_eq!(parts.load(Ordering::SeqCst), 3, "parts 1, 3 and 4");
    assert_eq!(output.crc64, Some(crc64(&contents)));
    let object = world.bucket.get_object("edited").send().await.unwrap();
    assert!(
        object.body[..] == contents[..],
        "the object has the new data"
    );
    assert_eq!(object.meta.crc64, Some(crc64(&contents)));
}

#[tokio::test]
async fn resuming_an_unknown_upload_says_so_and_uploads_nothing() {
    let world = world("upload").await;
    let file = TempFile::new("unknown", &data(FOUR_PARTS, 14));
    let (bucket, transport) = counted_bucket(&world);
    let parts = count_part_requests(&transport);
    let failure = bucket
        .upload_file("unknown", &file.0)
        .part_size(MIB as u64)
        .resume_from_server("no-such-upload-id")
        .send()
        .await
        .unwrap_err();
    assert_eq!(failure.error.code(), Some("NoSuchUpload"));
    assert_eq!(parts.load(Ordering::SeqCst), 0, "no Upload Part was sent");
    assert_eq!(failure.upload_id.as_deref(), Some("no-such-upload-id"));
    assert!(!failure.is_resumable());
    assert!(!failure.aborted);
    let message = failure.to_string();
    assert!(
        message.contains("no-such-upload-id does not exist"),
        "{message}"
    );
    assert!(
        world
            .bucket
            .head_object("unknown")
            .send()
            .await
            .unwrap_err()
            .is_not_found()
    );
}

#[tokio::test]
async fn listing_multipart_uploads_finds_the_interrupted_ones_by_prefix() {
    use futures::TryStreamExt;
    let world = world("upload").await;
    let contents = data(FOUR_PARTS, 15);
    let (interrupted, _file) = interrupted_at_part_3(&world, "logs/interrupted", &contents).await;
    let other_key = world
        .bucket
        .initiate_multipart_upload("logs/other")
        .send()
        .await
        .unwrap()
        .upload_id;
    world
        .bucket
        .initiate_multipart_upload("elsewhere/begun")
        .send()
        .await
        .unwrap();
    let completed = world
        .bucket
        .upload("logs/completed", data(2 * MIB, 16))
        .part_size(MIB as u64)
        .send()
        .await
        .unwrap()
        .upload_id
        .expect("a multipart upload");

    // one upload a page, so the listing has to follow the markers
    let (bucket, transport) = counted_bucket(&world);
    let uploads: Vec<_> = bucket
        .list_multipart_uploads()
        .prefix("logs/")
        .max_uploads(1)
        .uploads()
        .try_collect()
        .await
        .unwrap();
    let listed: Vec<(&str, &str)> = uploads
        .iter()
        .map(|u| (u.key.as_str(), u.upload_id.as_str()))
        .collect();
    assert_eq!(
        listed,
        [
            ("logs/interrupted", interrupted.as_str()),
            ("logs/other", other_key.as_str())
        ]
    );
    assert!(uploads.iter().all(|u| u.upload_id != completed));
    assert!(uploads.iter().all(|u| !u.initiated.is_empty()));
    assert_eq!(uploads[0].storage_class.as_deref(), Some("STANDARD"));
    assert_eq!(transport.sent(), 2, "one page per upload");

    // what the listing gives is enough to finish the upload
    let file = TempFile::new("listed", &contents);
    world
        .bucket
        .upload_file(&uploads[0].key, &file.0)
        .part_size(MIB as u64)
        .resume_from_server(&uploads[0].upload_id)
        .send()
        .await
        .unwrap();
    assert!(stored(&world.bucket, "logs/interrupted").await == contents);
    let left: Vec<_> = world
        .bucket
        .list_multipart_uploads()
        .prefix("logs/")
        .uploads()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(left.len(), 1, "the completed upload is no longer listed");
    assert_eq!(left[0].upload_id, other_key);
}

#[tokio::test]
async fn resuming_with_parts_without_a_crc64_checks_their_etag_against_the_data() {
    let world = world("upload").await;
    let (bucket, transport) = counted_bucket(&world);
    fail_parts_from(
        &transport,
        world.emulator.faults().clone(),
        3,
        503,
        "ServiceUnavailable",
    );
    let mut contents = data(FOUR_PARTS, 12);
    let file = TempFile::new("etag-only", &contents);
    let failure = bucket
        .upload_file("etag-only", &file.0)
        .part_size(MIB as u64)
        .concurrency(1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(part_numbers(&failure), [1, 2]);
    world.emulator.faults().clear();

    contents[10] ^= 0xff; // in part 1, whose ETag (an MD5) no longer matches
    std::fs::write(&file.0, &contents).unwrap();
    let part_1 = &failure.completed[0];
    // number and ETag only, as List Parts or a caller's own records give them; part 2's
    // ETag is not an MD5 (as with server-side encryption), so it cannot be checked
    let given = [
        cos_client::model::CompletedPart::new(1, part_1.etag.clone()),
        cos_client::model::CompletedPart::new(2, "\"sse-opaque-etag\""),
    ];
    let (bucket, transport) = counted_bucket(&world);
    let output = bucket
        .upload_file("etag-only", &file.0)
        .part_size(MIB as u64)
        .resume(failure.upload_id.clone().unwrap(), given)
        .send()
        .await
        .unwrap();
    assert_eq!(transport.sent(), 5, "parts 1 to 4, then Complete");
    assert_eq!(output.crc64, Some(crc64(&contents)));
    assert!(stored(&world.bucket, "etag-only").await == contents);
}

#[tokio::test]
async fn a_part_answering_no_such_upload_is_neither_aborted_nor_resumable() {
    let world = world("upload").await;
    let (bucket, transport) = counted_bucket(&world);
    fail_parts_from(
        &transport,
        world.emulator.faults().clone(),
        2,
        404,
        "NoSuchUpload",
    );
    let contents = data(FOUR_PARTS, 13);
    let file = TempFile::new("vanished", &contents);
    let failure = bucket
        .upload_file("vanished", &file.0)
        .part_size(MIB as u64)
        .concurrency(1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(failure.error.code(), Some("NoSuchUpload"));
    assert!(!failure.is_resumable(), "{failure}");
    assert!(
        !failure.aborted,
        "no Abort is sent for an upload COS does not know"
    );
    assert!(failure.abort_error.is_none(), "{failure}");
    assert_eq!(transport.sent(), 3, "Initiate, part 1, part 2; no Abort");
    assert!(
        failure.to_string().contains("start a new upload"),
        "{failure}"
    );
}

#[tokio::test]
async fn an_abort_answering_no_such_upload_leaves_nothing_to_resume() {
    let world = world("upload").await;
    let (bucket, transport) = counted_bucket(&world);
    fail_parts_from(
        &transport,
        world.emulator.faults().clone(),
        2,
        403,
        "AccessDenied",
    );
    world.emulator.faults().add(
        FaultRule::new(Fault::Error {
            status: 404,
            code: "NoSuchUpload".to_owned(),
            message: None,
        })
        .operation(Operation::AbortMultipartUpload),
    );
    let contents = data(FOUR_PARTS, 14);
    let file = TempFile::new("abort-gone", &contents);
    let failure = bucket
        .upload_file("abort-gone", &file.0)
        .part_size(MIB as u64)
        .concurrency(1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(failure.error.code(), Some("AccessDenied"));
    assert_eq!(
        failure.abort_error.as_ref().and_then(|e| e.code()),
        Some("NoSuchUpload")
    );
    assert!(!failure.aborted);
    assert!(!failure.is_resumable(), "{failure}");
}

#[tokio::test]
async fn a_complete_whose_answer_is_lost_is_a_success_once_the_object_is_checked() {
    let world = world("upload").await;
    // Complete is performed, then the connection closes before the answer's body: the
    // retry finds the upload gone (NoSuchUpload)
    world.emulator.faults().add(
        FaultRule::new(Fault::CloseConnection {
            after_bytes: Some(0),
        })
        .operation(Operation::CompleteMultipartUpload)
        .times(1),
    );
    let (bucket, transport) = counted_bucket(&world);
    let contents = data(FOUR_PARTS, 15);
    let file = TempFile::new("lost-answer", &contents);
    let output = bucket
        .upload_file("lost-answer", &file.0)
        .part_size(MIB as u64)
        .concurrency(1)
        .send()
        .await
        .unwrap();
    assert_eq!(
        transport.sent(),
        8,
        "Initiate, 4 parts, Complete twice, HEAD Object"
    );
    assert_eq!(output.size, FOUR_PARTS as u64);
    assert_eq!(output.crc64, Some(crc64(&contents)));
    assert!(output.etag.is_some());
    assert!(stored(&world.bucket, "lost-answer").await == contents);
}
