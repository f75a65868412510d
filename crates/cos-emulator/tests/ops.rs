//! Buckets and objects through the HTTP API: answers, headers and COS error codes.

mod common;

use common::*;
use http::{Method, StatusCode};

#[tokio::test]
async fn bucket_lifecycle() {
    let emulator = start().await;
    let client = Client::new(&emulator);
    let path = format!("/{BUCKET}");

    let created = client.request(Method::PUT, &path).send().await;
    assert_eq!(created.status, StatusCode::OK);
    assert_eq!(created.header("server"), Some("tencent-cos"));
    assert!(created.header("x-cos-request-id").is_some());

    let again = client.request(Method::PUT, &path).send().await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "BucketAlreadyOwnedByYou");

    let head = client.request(Method::HEAD, &path).send().await;
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(head.header("x-cos-bucket-region"), Some("ap-guangzhou"));

    let list = client.get("/").await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.xml_all("Name"), [BUCKET]);
    assert_eq!(list.xml("Location").as_deref(), Some("ap-guangzhou"));

    client.put(&format!("{path}/k"), "x").await;
    let not_empty = client.request(Method::DELETE, &path).send().await;
    assert_eq!(not_empty.status, StatusCode::CONFLICT);
    assert_eq!(not_empty.code(), "BucketNotEmpty");

    client
        .request(Method::DELETE, &format!("{path}/k"))
        .send()
        .await;
    let deleted = client.request(Method::DELETE, &path).send().await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);

    let missing = client.request(Method::HEAD, &path).send().await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.is_empty(), "HEAD errors have no body");
    assert!(missing.header("x-cos-trace-id").is_some());
    let missing = client.get(&format!("{path}/k")).await;
    assert_eq!(missing.code(), "NoSuchBucket");
}

#[tokio::test]
async fn bucket_names_are_validated() {
    let emulator = start().await;
    let client = Client::new(&emulator);
    for bad in ["/Bad-1250000000", "/nodash", "/-x-1250000000"] {
        let reply = client.request(Method::PUT, bad).send().await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(reply.code(), "InvalidBucketName", "{bad}");
    }
}

#[tokio::test]
async fn put_get_head_delete_with_checksums_and_metadata() {
    let (_emulator, client) = with_bucket().await;
    let data = data(100_000, 1);
    let path = format!("/{BUCKET}/dir/obj%20one");
    let put = client
        .request(Method::PUT, &path)
        .header("content-type", "text/plain")
        .header("x-cos-meta-Color", "blue")
        .header("content-md5", &md5_base64(&data))
        .body(data.clone())
        .send()
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text());
    let etag = format!("\"{}\"", md5_hex(&data));
    assert_eq!(put.header("etag"), Some(etag.as_str()));
    let crc = crc64(&data).to_string();
    assert_eq!(put.header("x-cos-hash-crc64ecma"), Some(crc.as_str()));

    let get = client.get(&path).await;
    assert_eq!(get.status, StatusCode::OK);
    assert_eq!(get.body, data);
    assert_eq!(get.header("etag"), Some(etag.as_str()));
    assert_eq!(get.header("x-cos-hash-crc64ecma"), Some(crc.as_str()));
    assert_eq!(get.header("content-type"), Some("text/plain"));
    assert_eq!(get.header("x-cos-meta-color"), Some("blue"));
    assert!(get.header("last-modified").is_some());

    let head = client.request(Method::HEAD, &path).send().await;
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(head.header("content-length"), Some("100000"));
    assert_eq!(head.header("x-cos-meta-color"), Some("blue"));
    assert!(head.body.is_empty());

    let overridden = client
        .get(&format!("{path}?response-content-type=application%2Fjson"))
        .await;
    assert_eq!(overridden.header("content-type"), Some("application/json"));

    let delete = client.request(Method::DELETE, &path).send().await;
    assert_eq!(delete.status, StatusCode::NO_CONTENT);
    let gone = client.get(&path).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.code(), "NoSuchKey");
    assert_eq!(
        gone.xml("Resource").as_deref(),
        Some(format!("{}/{BUCKET}/dir/obj one", client.addr).as_str())
    );
    // Deleting what is not there is not an error.
    let again = client.request(Method::DELETE, &path).send().await;
    assert_eq!(again.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn content_md5_and_length_are_checked() {
    let (_emulator, client) = with_bucket().await;
    let path = format!("/{BUCKET}/k");
    let bad_digest = client
        .request(Method::PUT, &path)
        .header("content-md5", &md5_base64(b"other"))
        .body("data")
        .send()
        .await;
    assert_eq!(bad_digest.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_digest.code(), "BadDigest");
    assert_eq!(
        client.get(&path).await.status,
        StatusCode::NOT_FOUND,
        "nothing stored"
    );

    let invalid = client
        .request(Method::PUT, &path)
        .header("content-md5", "not-base64!")
        .body("data")
        .send()
        .await;
    assert_eq!(invalid.code(), "InvalidDigest");

    // A chunked body has no Content-Length.
    let mut request = client.request(Method::PUT, &path).unsigned().build();
    request.headers_mut().remove("content-length");
    sign(&mut request, SECRET_ID, SECRET_KEY, None);
    let mut head = format!("PUT {} HTTP/1.1\r\n", request.uri());
    for (name, value) in request.headers() {
        head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    head.push_str("transfer-encoding: chunked\r\nconnection: close\r\n\r\n4\r\ndata\r\n0\r\n\r\n");
    let answer = send_bytes(client.addr, head.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 411"), "{answer}");
    assert!(
        answer.contains("<Code>MissingContentLength</Code>"),
        "{answer}"
    );
}

#[tokio::test]
async fn keys_longer_than_850_bytes_are_refused() {
    let (_emulator, client) = with_bucket().await;
    let ok = client
        .put(&format!("/{BUCKET}/{}", "k".repeat(850)), "x")
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    let long = client
        .put(&format!("/{BUCKET}/{}", "k".repeat(851)), "x")
        .await;
    assert_eq!(long.status, StatusCode::BAD_REQUEST);
    assert_eq!(long.code(), "KeyTooLong");
}

#[tokio::test]
async fn ranges() {
    let (_emulator, client) = with_bucket().await;
    let data = data(1000, 2);
    let path = format!("/{BUCKET}/r");
    client.put(&path, data.clone()).await;
    let part = client
        .request(Method::GET, &path)
        .header("range", "bytes=10-19")
        .send()
        .await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.body, data[10..20]);
    assert_eq!(part.header("content-range"), Some("bytes 10-19/1000"));
    // The CRC is the whole object's, even for a range.
    assert_eq!(
        part.header("x-cos-hash-crc64ecma"),
        Some(crc64(&data).to_string().as_str())
    );
    let suffix = client
        .request(Method::GET, &path)
        .header("range", "bytes=-5")
        .send()
        .await;
    assert_eq!(suffix.body, data[995..]);
    let open = client
        .request(Method::GET, &path)
        .header("range", "bytes=990-")
        .send()
        .await;
    assert_eq!(open.body, data[990..]);
    let beyond = client
        .request(Method::GET, &path)
        .header("range", "bytes=1000-")
        .send()
        .await;
    assert_eq!(beyond.status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(beyond.code(), "InvalidRange");
}

#[tokio::test]
async fn a_last_byte_of_u64_max_is_clamped_to_the_object() {
    let (emulator, client) = with_bucket().await;
    let data = data(100, 3);
    let path = format!("/{BUCKET}/huge-range");
    client.put(&path, data.clone()).await;
    let range = format!("bytes=5-{}", u64::MAX);
    for method in [Method::GET, Method::HEAD] {
        let request = client
            .request(method.clone(), &path)
            .header("range", &range)
            .build();
        let reply = send_raw(emulator.addr(), request)
            .await
            .unwrap_or_else(|e| panic!("{method} with {range:?} got no answer: {e}"));
        assert_eq!(reply.status, StatusCode::PARTIAL_CONTENT, "{method}");
        assert_eq!(reply.header("content-length"), Some("95"), "{method}");
        assert_eq!(
            reply.header("content-range"),
            Some("bytes 5-99/100"),
            "{method}"
        );
        if method == Method::GET {
            assert_eq!(reply.body, data[5..]);
        }
    }
    // The server is still up.
    assert_eq!(client.get(&path).await.body, data);
}

#[tokio::test]
async fn conditional_requests() {
    let (_emulator, client) = with_bucket().await;
    let path = format!("/{BUCKET}/c");
    let put = client.put(&path, "hello").await;
    let etag = put.header("etag").unwrap().to_owned();
    let last_modified = client
        .request(Method::HEAD, &path)
        .send()
        .await
        .header("last-modified")
        .unwrap()
        .to_owned();
    let get_with = |name: &'static str, value: String| {
        let client = client.clone();
        let path = path.clone();
        async move {
            client
                .request(Method::GET, &path)
                .header(name, &value)
                .send()
                .await
        }
    };
    assert_eq!(
        get_with("if-match", etag.clone()).await.status,
        StatusCode::OK
    );
    let failed = get_with("if-match", "\"nope\"".into()).await;
    assert_eq!(failed.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(failed.code(), "PreconditionFailed");
    let not_modified = get_with("if-none-match", etag.clone()).await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);
    assert!(not_modified.body.is_empty());
    assert_eq!(
        get_with("if-none-match", "\"other\"".into()).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get_with("if-modified-since", last_modified.clone())
            .await
            .status,
        StatusCode::NOT_MODIFIED
    );
    assert_eq!(
        get_with("if-modified-since", "Thu, 01 Jan 2015 00:00:00 GMT".into())
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        get_with(
            "if-unmodified-since",
            "Thu, 01 Jan 2015 00:00:00 GMT".into()
        )
        .await
        .code(),
        "PreconditionFailed"
    );
    assert_eq!(
        get_with("if-unmodified-since", last_modified).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn forbid_overwrite() {
    let (_emulator, client) = with_bucket().await;
    let path = format!("/{BUCKET}/once");
    let first = client
        .request(Method::PUT, &path)
        .header("x-cos-forbid-overwrite", "true")
        .body("1")
        .send()
        .await;
    assert_eq!(first.status, StatusCode::OK);
    let second = client
        .request(Method::PUT, &path)
        .header("x-cos-forbid-overwrite", "true")
        .body("2")
        .send()
        .await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert_eq!(second.code(), "FileAlreadyExists");
    assert_eq!(client.get(&path).await.body, "1");

    // The same on copies and on completing a multipart upload.
    let copy = client
        .request(Method::PUT, &path)
        .header("x-cos-forbid-overwrite", "true")
        .header("x-cos-copy-source", &format!("/{BUCKET}/once"))
        .send()
        .await;
    assert_eq!(copy.code(), "FileAlreadyExists");
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
        .body("3")
        .send()
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let complete = client
        .request(Method::POST, &format!("{path}?uploadId={upload_id}"))
        .header("x-cos-forbid-overwrite", "true")
        .body(format!(
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part></CompleteMultipartUpload>"
        ))
        .send()
        .await;
    assert_eq!(complete.code(), "FileAlreadyExists");
    assert_eq!(client.get(&path).await.body, "1");
}

#[tokio::test]
async fn copy_with_and_without_replaced_metadata() {
    let (_emulator, client) = with_bucket().await;
    let source = format!("/{BUCKET}/src");
    client
        .request(Method::PUT, &source)
        .header("x-cos-meta-a", "1")
        .header("content-type", "text/plain")
        .body("copy me")
        .send()
        .await;
    let copy = client
        .request(Method::PUT, &format!("/{BUCKET}/dst"))
        .header(
            "x-cos-copy-source",
            &format!("{BUCKET}.cos.ap-guangzhou.myqcloud.com/src"),
        )
        .send()
        .await;
    assert_eq!(copy.status, StatusCode::OK, "{}", copy.text());
    assert_eq!(
        copy.xml("ETag").as_deref(),
        Some(format!("\"{}\"", md5_hex(b"copy me")).as_str())
    );
    assert!(copy.text().contains("<CopyObjectResult>"));
    let copied = client.get(&format!("/{BUCKET}/dst")).await;
    assert_eq!(copied.body, "copy me");
    assert_eq!(copied.header("x-cos-meta-a"), Some("1"));

    let replaced = client
        .request(Method::PUT, &format!("/{BUCKET}/dst2"))
        .header("x-cos-copy-source", &format!("/{BUCKET}/src"))
        .header("x-cos-metadata-directive", "Replaced")
        .header("x-cos-meta-b", "2")
        .send()
        .await;
    assert_eq!(replaced.status, StatusCode::OK);
    let copied = client.get(&format!("/{BUCKET}/dst2")).await;
    assert_eq!(copied.body, "copy me");
    assert_eq!(copied.header("x-cos-meta-a"), None);
    assert_eq!(copied.header("x-cos-meta-b"), Some("2"));

    let missing = client
        .request(Method::PUT, &format!("/{BUCKET}/dst3"))
        .header("x-cos-copy-source", &format!("/{BUCKET}/nothing"))
        .send()
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.code(), "NoSuchKey");
    let bad = client
        .request(Method::PUT, &format!("/{BUCKET}/dst3"))
        .header("x-cos-copy-source", "nonsense")
        .send()
        .await;
    assert_eq!(bad.code(), "InvalidCopySource");
}

#[tokio::test]
async fn list_objects_with_prefix_delimiter_and_paging() {
    let (_emulator, client) = with_bucket().await;
    for key in ["a/1", "a/2", "b/1", "c", "d e"] {
        client
            .put(&format!("/{BUCKET}/{}", key.replace(' ', "%20")), "x")
            .await;
    }
    let all = client.get(&format!("/{BUCKET}")).await;
    assert_eq!(all.xml_all("Key"), ["a/1", "a/2", "b/1", "c", "d e"]);
    assert_eq!(all.xml("IsTruncated").as_deref(), Some("false"));
    assert!(all.xml("NextMarker").is_none());

    let grouped = client.get(&format!("/{BUCKET}?delimiter=%2F")).await;
    assert_eq!(grouped.xml_all("Key"), ["c", "d e"]);
    let prefixes: Vec<String> = grouped
        .xml_all("CommonPrefixes")
        .iter()
        .map(|p| p.replace("<Prefix>", "").replace("</Prefix>", ""))
        .collect();
    assert_eq!(prefixes, ["a/", "b/"]);

    let prefixed = client.get(&format!("/{BUCKET}?prefix=a%2F")).await;
    assert_eq!(prefixed.xml_all("Key"), ["a/1", "a/2"]);

    let page1 = client.get(&format!("/{BUCKET}?max-keys=2")).await;
    assert_eq!(page1.xml_all("Key"), ["a/1", "a/2"]);
    assert_eq!(page1.xml("IsTruncated").as_deref(), Some("true"));
    assert_eq!(page1.xml("NextMarker").as_deref(), Some("a/2"));
    let page2 = client
        .get(&format!("/{BUCKET}?max-keys=2&marker=a%2F2"))
        .await;
    assert_eq!(page2.xml_all("Key"), ["b/1", "c"]);

    let encoded = client
        .get(&format!("/{BUCKET}?encoding-type=url&prefix=d"))
        .await;
    assert_eq!(encoded.xml_all("Key"), ["d%20e"]);
    assert_eq!(encoded.xml("EncodingType").as_deref(), Some("url"));

    let too_many = client.get(&format!("/{BUCKET}?max-keys=1001")).await;
    assert_eq!(too_many.status, StatusCode::BAD_REQUEST);
    assert_eq!(too_many.code(), "InvalidArgument");
}

#[tokio::test]
async fn delete_multiple() {
    let (_emulator, client) = with_bucket().await;
    for key in ["x", "y"] {
        client.put(&format!("/{BUCKET}/{key}"), "1").await;
    }
    let body = "<Delete><Quiet>false</Quiet><Object><Key>x</Key></Object>\
                <Object><Key>y</Key></Object><Object><Key>absent</Key></Object></Delete>";
    let missing_md5 = client
        .request(Method::POST, &format!("/{BUCKET}?delete"))
        .body(body)
        .send()
        .await;
    assert_eq!(missing_md5.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing_md5.code(), "InvalidRequest");
    let reply = client
        .request(Method::POST, &format!("/{BUCKET}?delete"))
        .header("content-md5", &md5_base64(body.as_bytes()))
        .header("content-type", "application/xml")
        .body(body)
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.xml_all("Key"), ["x", "y", "absent"]);
    assert_eq!(
        client.get(&format!("/{BUCKET}/x")).await.status,
        StatusCode::NOT_FOUND
    );

    let malformed = "<Delete><Object><Key>x</Key>";
    let reply = client
        .request(Method::POST, &format!("/{BUCKET}?delete"))
        .header("content-md5", &md5_base64(malformed.as_bytes()))
        .body(malformed)
        .send()
        .await;
    assert_eq!(reply.code(), "MalformedXML");
}

#[tokio::test]
async fn multipart_upload() {
    let (_emulator, client) = with_bucket().await;
    let path = format!("/{BUCKET}/big");
    let init = client
        .request(Method::POST, &format!("{path}?uploads"))
        .header("x-cos-meta-kind", "multi")
        .send()
        .await;
    assert_eq!(init.status, StatusCode::OK);
    let upload_id = init.xml("UploadId").unwrap();
    let part1 = data(1024 * 1024, 3);
    let part2 = data(1000, 4);
    let mut etags = Vec::new();
    for (number, part) in [(1, &part1), (2, &part2)] {
        let reply = client
            .request(
                Method::PUT,
                &format!("{path}?partNumber={number}&uploadId={upload_id}"),
            )
            .body(part.clone())
            .send()
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        assert_eq!(
            reply.header("etag"),
            Some(format!("\"{}\"", md5_hex(part)).as_str())
        );
        etags.push(reply.header("etag").unwrap().to_owned());
    }
    let parts = client.get(&format!("{path}?uploadId={upload_id}")).await;
    assert_eq!(parts.xml_all("PartNumber"), ["1", "2"]);
    assert_eq!(parts.xml_all("Size"), ["1048576", "1000"]);

    let uploads = client.get(&format!("/{BUCKET}?uploads")).await;
    assert_eq!(
        uploads.xml_all("UploadId"),
        std::slice::from_ref(&upload_id)
    );

    let complete_body = |list: &[(u32, &str)]| {
        let mut body = String::from("<CompleteMultipartUpload>");
        for (n, etag) in list {
            body.push_str(&format!(
                "<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>"
            ));
        }
        body + "</CompleteMultipartUpload>"
    };
    let complete = |body: String| {
        let client = client.clone();
        let path = format!("{path}?uploadId={upload_id}");
        async move { client.request(Method::POST, &path).body(body).send().await }
    };
    let wrong_order = complete(complete_body(&[(2, &etags[1]), (1, &etags[0])])).await;
    assert_eq!(wrong_order.code(), "InvalidPartOrder");
    let wrong_etag = complete(complete_body(&[(1, "\"bad\""), (2, &etags[1])])).await;
    assert_eq!(wrong_etag.code(), "InvalidPart");
    let missing = complete(complete_body(&[(1, &etags[0]), (3, &etags[1])])).await;
    assert_eq!(missing.code(), "InvalidPart");

    let done = complete(complete_body(&[(1, &etags[0]), (2, &etags[1])])).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    let whole: Vec<u8> = [part1.as_slice(), part2.as_slice()].concat();
    let crc = crc64(&whole).to_string();
    assert_eq!(done.header("x-cos-hash-crc64ecma"), Some(crc.as_str()));
    let etag = done.xml("ETag").unwrap();
    assert!(etag.ends_with("-2\""), "{etag}");

    let get = client.get(&path).await;
    assert_eq!(get.body, whole);
    assert_eq!(get.header("etag"), Some(etag.as_str()));
    assert_eq!(get.header("x-cos-hash-crc64ecma"), Some(crc.as_str()));
    assert_eq!(get.header("x-cos-meta-kind"), Some("multi"));
    let range = client
        .request(Method::GET, &path)
        .header("range", "bytes=1048570-1048585")
        .send()
        .await;
    assert_eq!(range.body, whole[1_048_570..1_048_586]);

    let gone = client.get(&format!("{path}?uploadId={upload_id}")).await;
    assert_eq!(gone.code(), "NoSuchUpload");
}

#[tokio::test]
async fn multipart_small_parts_and_abort() {
    let (_emulator, client) = with_bucket().await;
    let path = format!("/{BUCKET}/small");
    let upload_id = client
        .request(Method::POST, &format!("{path}?uploads"))
        .send()
        .await
        .xml("UploadId")
        .unwrap();
    let mut etags = Vec::new();
    for number in 1..=2 {
        let reply = client
            .request(
                Method::PUT,
                &format!("{path}?partNumber={number}&uploadId={upload_id}"),
            )
            .body("tiny")
            .send()
            .await;
        etags.push(reply.header("etag").unwrap().to_owned());
    }
    let body = format!(
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{}</ETag></Part>\
         <Part><PartNumber>2</PartNumber><ETag>{}</ETag></Part></CompleteMultipartUpload>",
        etags[0], etags[1]
    );
    let small = client
        .request(Method::POST, &format!("{path}?uploadId={upload_id}"))
        .body(body)
        .send()
        .await;
    assert_eq!(small.status, StatusCode::BAD_REQUEST);
    assert_eq!(small.code(), "EntityTooSmall");

    let bad_number = client
        .request(
            Method::PUT,
            &format!("{path}?partNumber=10001&uploadId={upload_id}"),
        )
        .body("x")
        .send()
        .await;
    assert_eq!(bad_number.code(), "InvalidArgument");

    let abort = client
        .request(Method::DELETE, &format!("{path}?uploadId={upload_id}"))
        .send()
        .await;
    assert_eq!(abort.status, StatusCode::NO_CONTENT);
    let after = client
        .request(
            Method::PUT,
            &format!("{path}?partNumber=3&uploadId={upload_id}"),
        )
        .body("x")
        .send()
        .await;
    assert_eq!(after.status, StatusCode::NOT_FOUND);
    assert_eq!(after.code(), "NoSuchUpload");
}

#[tokio::test]
async fn append() {
    let (_emulator, client) = with_bucket().await;
    let path = format!("/{BUCKET}/log");
    let first = client
        .request(Method::POST, &format!("{path}?append&position=0"))
        .body("hello ")
        .send()
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    assert_eq!(first.header("x-cos-next-append-position"), Some("6"));
    let wrong = client
        .request(Method::POST, &format!("{path}?append&position=3"))
        .body("x")
        .send()
        .await;
    assert_eq!(wrong.status, StatusCode::CONFLICT);
    assert_eq!(wrong.code(), "AppendPositionErr");
    let second = client
        .request(Method::POST, &format!("{path}?append&position=6"))
        .body("world")
        .send()
        .await;
    assert_eq!(second.header("x-cos-next-append-position"), Some("11"));
    let get = client.get(&path).await;
    assert_eq!(get.body, "hello world");
    assert_eq!(
        get.header("x-cos-hash-crc64ecma"),
        Some(crc64(b"hello world").to_string().as_str())
    );
    assert_eq!(get.header("x-cos-object-type"), Some("appendable"));

    client.put(&format!("/{BUCKET}/plain"), "p").await;
    let not_appendable = client
        .request(Method::POST, &format!("/{BUCKET}/plain?append&position=1"))
        .body("x")
        .send()
        .await;
    assert_eq!(not_appendable.code(), "ObjectNotAppendable");
}

#[tokio::test]
async fn virtual_hosted_and_proxy_forms() {
    let (_emulator, client) = with_bucket().await;
    let host = format!("{BUCKET}.cos.ap-guangzhou.myqcloud.com");
    let put = client
        .request_to(Method::PUT, "/vh", &host)
        .body("virtual")
        .send()
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text());
    let absolute = client
        .request_to(Method::GET, &format!("http://{host}/vh"), &host)
        .send()
        .await;
    assert_eq!(absolute.body, "virtual");
    // Any suffix after the bucket label works, e.g. a wildcard DNS name for local tests.
    let custom = client
        .request_to(
            Method::GET,
            "/vh",
            &format!("{BUCKET}.localhost:{}", client.addr.port()),
        )
        .send()
        .await;
    assert_eq!(custom.body, "virtual");
    let path_style = client.get(&format!("/{BUCKET}/vh")).await;
    assert_eq!(path_style.body, "virtual");
    let service = client
        .request_to(
            Method::GET,
            "http://service.cos.myqcloud.com/",
            "service.cos.myqcloud.com",
        )
        .send()
        .await;
    assert_eq!(service.xml_all("Name"), [BUCKET]);
    let error = client
        .request_to(Method::GET, "/nothing", &host)
        .send()
        .await;
    assert_eq!(
        error.xml("Resource").as_deref(),
        Some(format!("{host}/nothing").as_str())
    );
}

#[tokio::test]
async fn unsupported_subresources_say_so() {
    let (_emulator, client) = with_bucket().await;
    let reply = client.get(&format!("/{BUCKET}?lifecycle")).await;
    assert_eq!(reply.status, StatusCode::NOT_IMPLEMENTED);
    assert_eq!(reply.code(), "NotImplemented");
}

#[tokio::test]
async fn header_names_are_spelled_as_cos_spells_them() {
    let (_emulator, client) = with_bucket().await;
    let path = format!("/{BUCKET}/case");
    client.put(&path, "etag: inside the body").await;
    // HEAD then GET on one connection: the HEAD answer announces a length but has no body.
    let mut raw = Vec::new();
    for (method, close) in [(Method::HEAD, false), (Method::GET, true)] {
        let request = client.request(method.clone(), &path).build();
        raw.extend_from_slice(format!("{method} {path} HTTP/1.1\r\n").as_bytes());
        for (name, value) in request.headers() {
            raw.extend_from_slice(format!("{name}: {}\r\n", value.to_str().unwrap()).as_bytes());
        }
        if close {
            raw.extend_from_slice(b"connection: close\r\n");
        }
        raw.extend_from_slice(b"\r\n");
    }
    let answer = send_bytes(client.addr, &raw).await;
    assert_eq!(answer.matches("HTTP/1.1 200 OK\r\n").count(), 2, "{answer}");
    assert_eq!(answer.matches("\r\nETag: \"").count(), 2, "{answer}");
    assert_eq!(
        answer.matches("\r\nContent-Length: 21\r\n").count(),
        2,
        "{answer}"
    );
    assert!(answer.contains("\r\nx-cos-request-id: "), "{answer}");
    assert!(answer.contains("\r\nLast-Modified: "), "{answer}");
    assert!(answer.contains("\r\nServer: tencent-cos\r\n"), "{answer}");
    assert!(
        answer.ends_with("\r\n\r\netag: inside the body"),
        "{answer}"
    );
}

/// Multipart copy of `source` into `dest` in two ranged parts; returns the completed object.
async fn copy_in_two_parts(client: &Client, source: &str, dest: &str, size: usize) -> Reply {
    let path = format!("/{BUCKET}/{dest}");
    let upload_id = client
        .request(Method::POST, &format!("{path}?uploads"))
        .send()
        .await
        .xml("UploadId")
        .unwrap();
    let split = 1024 * 1024;
    let mut etags = Vec::new();
    for (number, range) in [
        (1, format!("bytes=0-{}", split - 1)),
        (2, format!("bytes={split}-{}", size - 1)),
    ] {
        let reply = client
            .request(
                Method::PUT,
                &format!("{path}?partNumber={number}&uploadId={upload_id}"),
            )
            .header(
                "x-cos-copy-source",
                &format!("{BUCKET}.cos.ap-guangzhou.myqcloud.com/{source}"),
            )
            .header("x-cos-copy-source-range", &range)
            .send()
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        assert!(reply.text().contains("<CopyPartResult>"));
        etags.push(reply.xml("ETag").unwrap());
    }
    let body = format!(
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{}</ETag></Part>\
         <Part><PartNumber>2</PartNumber><ETag>{}</ETag></Part></CompleteMultipartUpload>",
        etags[0], etags[1]
    );
    let done = client
        .request(Method::POST, &format!("{path}?uploadId={upload_id}"))
        .body(body)
        .send()
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    done
}

#[tokio::test]
async fn upload_part_copy() {
    let (_emulator, client) = with_bucket().await;
    let source = data(1024 * 1024 + 4321, 11);
    client
        .put(&format!("/{BUCKET}/source"), source.clone())
        .await;
    let done = copy_in_two_parts(&client, "source", "copy", source.len()).await;
    assert_eq!(
        done.header("x-cos-hash-crc64ecma"),
        Some(crc64(&source).to_string().as_str())
    );
    assert_eq!(client.get(&format!("/{BUCKET}/copy")).await.body, source);

    let upload_id = client
        .request(Method::POST, &format!("/{BUCKET}/x?uploads"))
        .send()
        .await
        .xml("UploadId")
        .unwrap();
    let beyond = client
        .request(
            Method::PUT,
            &format!("/{BUCKET}/x?partNumber=1&uploadId={upload_id}"),
        )
        .header("x-cos-copy-source", &format!("/{BUCKET}/source"))
        .header("x-cos-copy-source-range", "bytes=99999999-")
        .send()
        .await;
    assert_eq!(beyond.code(), "InvalidRange");

    // A last byte of u64::MAX is clamped to the source: the part is bytes 7.. of it.
    let request = client
        .request(
            Method::PUT,
            &format!("/{BUCKET}/x?partNumber=1&uploadId={upload_id}"),
        )
        .header("x-cos-copy-source", &format!("/{BUCKET}/source"))
        .header("x-cos-copy-source-range", &format!("bytes=7-{}", u64::MAX))
        .build();
    let huge = send_raw(client.addr, request)
        .await
        .expect("a huge copy-source range is answered");
    assert_eq!(huge.status, StatusCode::OK, "{}", huge.text());
    assert_eq!(
        huge.header("x-cos-hash-crc64ecma"),
        Some(crc64(&source[7..]).to_string().as_str())
    );
}

#[tokio::test]
async fn paging_through_common_prefixes_and_uploads() {
    let (_emulator, client) = with_bucket().await;
    for key in ["a/1", "a/2", "b/1", "c"] {
        client.put(&format!("/{BUCKET}/{key}"), "x").await;
    }
    let mut seen = Vec::new();
    let mut marker = String::new();
    loop {
        let page = client
            .get(&format!(
                "/{BUCKET}?delimiter=%2F&max-keys=1&marker={}",
                marker.replace('/', "%2F")
            ))
            .await;
        let prefixes = page.xml_all("CommonPrefixes");
        seen.extend(
            prefixes
                .iter()
                .map(|p| p.replace("<Prefix>", "").replace("</Prefix>", "")),
        );
        seen.extend(page.xml_all("Key"));
        if page.xml("IsTruncated").as_deref() != Some("true") {
            break;
        }
        marker = page.xml("NextMarker").unwrap();
    }
    assert_eq!(seen, ["a/", "b/", "c"]);

    let mut ids = Vec::new();
    for key in ["u1", "u1", "u2"] {
        ids.push(
            client
                .request(Method::POST, &format!("/{BUCKET}/{key}?uploads"))
                .send()
                .await
                .xml("UploadId")
                .unwrap(),
        );
    }
    let mut listed = Vec::new();
    let (mut key_marker, mut id_marker) = (String::new(), String::new());
    loop {
        let page = client
            .get(&format!(
                "/{BUCKET}?uploads&max-uploads=1&key-marker={key_marker}&upload-id-marker={id_marker}"
            ))
            .await;
        listed.extend(page.xml_all("UploadId"));
        if page.xml("IsTruncated").as_deref() != Some("true") {
            break;
        }
        key_marker = page.xml("NextKeyMarker").unwrap();
        id_marker = page.xml("NextUploadIdMarker").unwrap();
    }
    assert_eq!(listed, ids);
}
