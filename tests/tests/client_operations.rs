//! Every client operation end to end against `cos-emulator`.

use std::time::Duration;

use bytes::Bytes;
use cos_client::model::ListEntry;
use cos_client::{PutBody, StorageClass, crc64, crc64_combine};
use cos_tests::world;
use futures::{StreamExt, TryStreamExt};

#[tokio::test]
async fn buckets_create_head_exist_list_delete() {
    let world = world("buckets").await;
    let bucket = &world.bucket;
    bucket.head().await.unwrap();
    assert!(bucket.exists().await.unwrap());

    let listed = world.client.list_buckets().await.unwrap();
    assert!(
        listed
            .buckets
            .iter()
            .any(|b| b.name == bucket.name().as_str()),
        "{listed:?}"
    );

    let other = world
        .client
        .bucket(&format!("never-made-{}", world.emulator.appid()))
        .unwrap();
    assert!(!other.exists().await.unwrap());

    bucket.delete().await.unwrap();
    assert!(!bucket.exists().await.unwrap());
}

#[tokio::test]
async fn put_head_get_delete_with_options() {
    let world = world("objects").await;
    let bucket = &world.bucket;
    let key = "dir/with space/ünïcödé+plus.txt";
    let data = "hello, object";
    let put = bucket
        .put_object(key)
        .content_type("text/plain")
        .metadata("Author", "tests")
        .storage_class(StorageClass::Standard)
        .body(data)
        .send()
        .await
        .unwrap();
    assert_eq!(put.crc64, Some(crc64(data.as_bytes())));
    assert!(put.etag.is_some());

    let meta = bucket.head_object(key).send().await.unwrap();
    assert_eq!(meta.content_length, Some(data.len() as u64));
    assert_eq!(meta.content_type.as_deref(), Some("text/plain"));
    assert_eq!(meta.crc64, Some(crc64(data.as_bytes())));
    assert_eq!(
        meta.metadata.get("author").map(String::as_str),
        Some("tests")
    );
    assert_eq!(meta.etag, put.etag);
    assert!(meta.last_modified.is_some());
    assert!(meta.request_id.is_some());

    let object = bucket.get_object(key).send().await.unwrap();
    assert_eq!(&object.body[..], data.as_bytes());
    assert_eq!(
        object.meta.metadata.get("author").map(String::as_str),
        Some("tests")
    );

    let range = bucket.get_object(key).range(7..=12).send().await.unwrap();
    assert_eq!(&range.body[..], b"object");

    bucket.delete_object(key).await.unwrap();
    let error = bucket.head_object(key).send().await.unwrap_err();
    assert!(error.is_not_found(), "{error}");
}

#[tokio::test]
async fn file_upload_stream_download_and_file_download() {
    let world = world("files").await;
    let bucket = &world.bucket;
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let dir = std::env::temp_dir().join(format!("cos-tests-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("source.bin");
    std::fs::write(&source, &data).unwrap();

    bucket
        .put_object("whole.bin")
        .body(PutBody::file(&source).await.unwrap())
        .send()
        .await
        .unwrap();
    bucket
        .put_object("slice.bin")
        .body(PutBody::file_range(&source, 1000, 5000))
        .send()
        .await
        .unwrap();
    let chunks = futures::stream::iter(
        data.chunks(7000)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect::<Vec<_>>(),
    );
    bucket
        .put_object("streamed.bin")
        .body(PutBody::stream(chunks, data.len() as u64))
        .send()
        .await
        .unwrap();

    let slice = bucket.get_object("slice.bin").send().await.unwrap();
    assert_eq!(&slice.body[..], &data[1000..6000]);

    let stream = bucket
        .get_object("streamed.bin")
        .send_stream()
        .await
        .unwrap();
    assert_eq!(stream.meta().content_length, Some(data.len() as u64));
    assert_eq!(&stream.collect().await.unwrap()[..], &data[..]);

    let target = dir.join("downloaded.bin");
    let meta = bucket
        .get_object("whole.bin")
        .to_file(&target)
        .await
        .unwrap();
    assert_eq!(meta.crc64, Some(crc64(&data)));
    assert_eq!(std::fs::read(&target).unwrap(), data);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn listing_paginates_groups_and_decodes_keys() {
    let world = world("listing").await;
    let bucket = &world.bucket;
    let keys = [
        "a/1.txt",
        "a/2.txt",
        "a/sub/3.txt",
        "b/4.txt",
        "c d/5&6.txt",
        "top.txt",
    ];
    for key in keys {
        bucket
            .put_object(key)
            .body(key.to_owned())
            .send()
            .await
            .unwrap();
    }

    let pages: Vec<_> = bucket
        .list_objects()
        .max_keys(2)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    let listed: Vec<String> = pages
        .iter()
        .flat_map(|p| p.contents.iter().map(|o| o.key.clone()))
        .collect();
    assert_eq!(listed, keys);

    let entries: Vec<ListEntry> = bucket
        .list_objects()
        .delimiter("/")
        .entries()
        .try_collect()
        .await
        .unwrap();
    let prefixes: Vec<&str> = entries
        .iter()
        .filter_map(|e| match e {
            ListEntry::CommonPrefix(p) => Some(p.as_str()),
            ListEntry::Object(_) => None,
        })
        .collect();
    assert_eq!(prefixes, ["a/", "b/", "c d/"]);
    let objects: Vec<&str> = entries
        .iter()
        .filter_map(|e| match e {
            ListEntry::Object(o) => Some(o.key.as_str()),
            ListEntry::CommonPrefix(_) => None,
        })
        .collect();
    assert_eq!(objects, ["top.txt"]);

    let under_a: Vec<ListEntry> = bucket
        .list_objects()
        .prefix("a/")
        .delimiter("/")
        .entries()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(under_a.len(), 3, "{under_a:?}");
}

#[tokio::test]
async fn copy_and_delete_multiple() {
    let world = world("copying").await;
    let bucket = &world.bucket;
    bucket
        .put_object("original")
        .metadata("origin", "yes")
        .body("copied bytes")
        .send()
        .await
        .unwrap();
    let copied = bucket
        .copy_object("copy")
        .source_key("original")
        .send()
        .await
        .unwrap();
    assert!(!copied.etag.is_empty());
    let object = bucket.get_object("copy").send().await.unwrap();
    assert_eq!(&object.body[..], b"copied bytes");
    assert_eq!(
        object.meta.metadata.get("origin").map(String::as_str),
        Some("yes")
    );

    let result = bucket
        .delete_objects(["original", "copy", "never-existed"])
        .await
        .unwrap();
    let mut deleted: Vec<&str> = result.deleted.iter().map(|d| d.key.as_str()).collect();
    deleted.sort_unstable();
    assert_eq!(deleted, ["copy", "never-existed", "original"]);
    assert!(result.failed.is_empty());
    let left: Vec<ListEntry> = bucket.list_objects().entries().try_collect().await.unwrap();
    assert!(left.is_empty());
}

#[tokio::test]
async fn append_grows_an_object() {
    let world = world("appending").await;
    let bucket = &world.bucket;
    let first = bucket
        .append_object("log.txt", 0)
        .body("one,")
        .send()
        .await
        .unwrap();
    assert_eq!(first.next_position, 4);
    let second = bucket
        .append_object("log.txt", first.next_position)
        .body("two")
        .send()
        .await
        .unwrap();
    assert_eq!(second.next_position, 7);
    assert_eq!(second.crc64, Some(crc64(b"one,two")));
    let object = bucket.get_object("log.txt").send().await.unwrap();
    assert_eq!(&object.body[..], b"one,two");

    let wrong = bucket
        .append_object("log.txt", 3)
        .body("x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        wrong.as_service().map(|s| s.code()),
        Some("AppendPositionErr"),
        "{wrong}"
    );
}

#[tokio::test]
async fn multipart_upload_low_level() {
    let world = world("multipart").await;
    let bucket = &world.bucket;
    let part_one = vec![b'a'; 1024 * 1024];
    let part_two = b"tail".to_vec();
    let upload = bucket
        .initiate_multipart_upload("big.bin")
        .content_type("application/octet-stream")
        .send()
        .await
        .unwrap();
    assert!(!upload.upload_id.is_empty());

    let one = bucket
        .upload_part("big.bin", &upload.upload_id, 1, part_one.clone())
        .await
        .unwrap();
    let two = bucket
        .upload_part("big.bin", &upload.upload_id, 2, part_two.clone())
        .await
        .unwrap();
    let listed = bucket
        .list_parts("big.bin", &upload.upload_id, None)
        .await
        .unwrap();
    assert_eq!(
        listed
            .parts
            .iter()
            .map(|p| p.part_number)
            .collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(listed.parts[0].size, part_one.len() as u64);

    assert_eq!(one.crc64, Some(crc64(&part_one)));
    assert_eq!(one.size, part_one.len() as u64);
    // out of order on purpose: the client sorts them; with their CRC-64 and size, Complete
    // checks the assembled object's checksum
    let parts = [two.completed().unwrap(), one.completed().unwrap()];
    let done = bucket
        .complete_multipart_upload("big.bin", &upload.upload_id, &parts)
        .await
        .unwrap();
    assert!(!done.etag.is_empty());
    let expected_crc = crc64_combine(crc64(&part_one), crc64(&part_two), part_two.len() as u64);
    assert_eq!(done.crc64, Some(expected_crc));
    let meta = bucket.head_object("big.bin").send().await.unwrap();
    assert_eq!(
        meta.content_length,
        Some((part_one.len() + part_two.len()) as u64)
    );
    assert_eq!(meta.crc64, Some(expected_crc));

    let aborted = bucket
        .initiate_multipart_upload("abandoned.bin")
        .send()
        .await
        .unwrap();
    bucket
        .upload_part("abandoned.bin", &aborted.upload_id, 1, "x")
        .await
        .unwrap();
    bucket
        .abort_multipart_upload("abandoned.bin", &aborted.upload_id)
        .await
        .unwrap();
    let gone = bucket
        .list_parts("abandoned.bin", &aborted.upload_id, None)
        .await
        .unwrap_err();
    assert_eq!(
        gone.as_service().map(|s| s.code()),
        Some("NoSuchUpload"),
        "{gone}"
    );
}

#[tokio::test]
async fn presigned_urls_work_without_the_client() {
    let world = world("presigned").await;
    let bucket = &world.bucket;
    bucket
        .put_object("shared.txt")
        .body("shared content")
        .send()
        .await
        .unwrap();
    let url = bucket
        .presign(http::Method::GET, "shared.txt", Duration::from_secs(300))
        .url()
        .await
        .unwrap();
    assert!(url.starts_with(&world.emulator.endpoint()), "{url}");
    let fetched = fetch(&url).await;
    assert_eq!(fetched, "shared content");
}

/// A GET through plain reqwest: the URL alone must be enough.
async fn fetch(url: &str) -> String {
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

#[tokio::test]
async fn many_concurrent_requests_share_one_client() {
    let world = world("concurrent").await;
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let bucket = world.bucket.clone();
            tokio::spawn(async move {
                let key = format!("k{i}");
                bucket
                    .put_object(&key)
                    .body(format!("v{i}"))
                    .send()
                    .await
                    .unwrap();
                bucket.get_object(&key).send().await.unwrap().body
            })
        })
        .collect();
    for (i, task) in tasks.into_iter().enumerate() {
        assert_eq!(task.await.unwrap(), format!("v{i}").as_bytes());
    }
    let count = world
        .bucket
        .list_objects()
        .entries()
        .filter(|e| futures::future::ready(e.is_ok()))
        .count()
        .await;
    assert_eq!(count, 32);
}
