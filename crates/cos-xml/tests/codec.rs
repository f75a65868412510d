//! The COS documents decode from what COS sends and survive an encode/decode round trip.
#![cfg(feature = "codec")]

use cos_xml::codec::{self, *};

/// The ListBucketResult example of COS doc 436/7734 (values shortened).
const LIST_BUCKET: &str = r#"<?xml version='1.0' encoding='utf-8' ?>
<ListBucketResult>
	<Name>examplebucket-1250000000</Name>
	<Prefix>doc/</Prefix>
	<Marker/>
	<MaxKeys>1000</MaxKeys>
	<Delimiter>/</Delimiter>
	<IsTruncated>true</IsTruncated>
	<NextMarker>doc/b.txt</NextMarker>
	<CommonPrefixes><Prefix>doc/sub/</Prefix></CommonPrefixes>
	<CommonPrefixes><Prefix>doc/sub2/</Prefix></CommonPrefixes>
	<Contents>
		<Key>doc/a.txt</Key>
		<LastModified>2019-05-16T06:45:51.000Z</LastModified>
		<ETag>&quot;ee8de918d05640145b18f70f4c3aa602&quot;</ETag>
		<Size>1048576</Size>
		<Owner><ID>1250000000</ID><DisplayName>1250000000</DisplayName></Owner>
		<StorageClass>STANDARD</StorageClass>
	</Contents>
	<Contents>
		<Key>doc/b.txt</Key>
		<LastModified>2019-05-16T06:45:52.000Z</LastModified>
		<ETag>"a1"</ETag>
		<Size>0</Size>
		<StorageClass>STANDARD_IA</StorageClass>
		<StorageTier>FREQUENT</StorageTier>
		<Unknown>ignored</Unknown>
	</Contents>
</ListBucketResult>"#;

#[test]
fn list_bucket_result_reads_the_documented_shape() {
    let page: ListBucketResult = codec::decode(LIST_BUCKET.as_bytes()).unwrap();
    assert_eq!(page.name, "examplebucket-1250000000");
    assert_eq!(page.prefix, "doc/");
    assert_eq!(page.marker, "");
    assert_eq!(page.max_keys, 1000);
    assert_eq!(page.delimiter.as_deref(), Some("/"));
    assert!(page.is_truncated);
    assert_eq!(page.next_marker.as_deref(), Some("doc/b.txt"));
    let prefixes: Vec<_> = page
        .common_prefixes
        .iter()
        .map(|p| p.prefix.as_str())
        .collect();
    assert_eq!(prefixes, ["doc/sub/", "doc/sub2/"]);
    assert_eq!(page.contents.len(), 2);
    let first = &page.contents[0];
    assert_eq!(first.key, "doc/a.txt");
    assert_eq!(first.etag, "\"ee8de918d05640145b18f70f4c3aa602\"");
    assert_eq!(first.size, 1_048_576);
    assert_eq!(first.owner.as_ref().unwrap().id, "1250000000");
    assert_eq!(page.contents[1].storage_tier.as_deref(), Some("FREQUENT"));
    assert_eq!(page.contents[1].owner, None);
}

#[test]
fn an_empty_listing_has_no_entries() {
    let body = b"<ListBucketResult><Name>b-1250000000</Name><Prefix/><Marker/><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>";
    let page: ListBucketResult = codec::decode(body).unwrap();
    assert!(page.contents.is_empty() && page.common_prefixes.is_empty());
    assert!(!page.is_truncated);
    assert_eq!(page.next_marker, None);
}

#[test]
fn an_error_root_is_never_a_success() {
    let body =
        b"<?xml version='1.0'?>\n<Error><Code>InternalError</Code><Message>m</Message></Error>";
    assert_eq!(
        codec::decode::<CopyObjectResult>(body),
        Err(DecodeError::ErrorDocument)
    );
    assert_eq!(
        codec::decode::<CompleteMultipartUploadResult>(body),
        Err(DecodeError::ErrorDocument)
    );
}

#[test]
fn a_result_without_its_etag_is_not_a_success() {
    let body = b"<CompleteMultipartUploadResult><Location>l</Location><Bucket>b</Bucket><Key>k</Key></CompleteMultipartUploadResult>";
    assert!(matches!(
        codec::decode::<CompleteMultipartUploadResult>(body),
        Err(DecodeError::Invalid(_))
    ));
    let body = b"<CopyObjectResult><LastModified>x</LastModified></CopyObjectResult>";
    assert!(matches!(
        codec::decode::<CopyObjectResult>(body),
        Err(DecodeError::Invalid(_))
    ));
}

#[test]
fn wrong_or_missing_roots_are_named() {
    assert_eq!(
        codec::decode::<ListBucketResult>(b"<html><body>502</body></html>"),
        Err(DecodeError::UnexpectedRoot {
            expected: "ListBucketResult",
            found: Some("html".into())
        })
    );
    assert_eq!(
        codec::decode::<ListBucketResult>(b"{\"json\": true}"),
        Err(DecodeError::UnexpectedRoot {
            expected: "ListBucketResult",
            found: None
        })
    );
    assert_eq!(
        codec::decode::<ListBucketResult>(b"\xFF<a/>"),
        Err(DecodeError::NotUtf8)
    );
    let bad_number = b"<ListPartsResult><MaxParts>lots</MaxParts></ListPartsResult>";
    let error = codec::decode::<ListPartsResult>(bad_number).unwrap_err();
    assert!(matches!(error, DecodeError::Invalid(_)), "{error}");
}

#[test]
fn delete_result_error_children_are_per_key_failures() {
    let body = br#"<DeleteResult>
        <Deleted><Key>a</Key></Deleted>
        <Error><Key>b</Key><Code>AccessDenied</Code><Message>Access Denied.</Message></Error>
        <Deleted><Key>c</Key><DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>v1</DeleteMarkerVersionId></Deleted>
    </DeleteResult>"#;
    let result: DeleteResult = codec::decode(body).unwrap();
    let deleted: Vec<_> = result.deleted.iter().map(|d| d.key.as_str()).collect();
    assert_eq!(deleted, ["a", "c"]);
    assert_eq!(result.deleted[1].delete_marker, Some(true));
    assert_eq!(result.errors.len(), 1);
    assert_eq!(result.errors[0].key, "b");
    assert_eq!(result.errors[0].code, "AccessDenied");
}

#[test]
fn list_buckets_reads_nested_entries() {
    let body = br#"<ListAllMyBucketsResult>
        <Owner><ID>qcs::cam::uin/100000000001:uin/100000000001</ID><DisplayName>100000000001</DisplayName></Owner>
        <Buckets>
            <Bucket><Name>a-1250000000</Name><Location>ap-guangzhou</Location><CreationDate>2019-05-16T06:45:51Z</CreationDate><BucketType>cos</BucketType></Bucket>
            <Bucket><Name>b-1250000000</Name><Location>ap-beijing</Location><CreationDate>2019-05-17T06:45:51Z</CreationDate></Bucket>
        </Buckets>
    </ListAllMyBucketsResult>"#;
    let list: ListAllMyBucketsResult = codec::decode(body).unwrap();
    assert_eq!(list.owner.display_name, "100000000001");
    let names: Vec<_> = list
        .buckets
        .bucket
        .iter()
        .map(|b| b.name.as_str())
        .collect();
    assert_eq!(names, ["a-1250000000", "b-1250000000"]);
    assert_eq!(list.buckets.bucket[1].location, "ap-beijing");
}

fn round_trip<T: Document + PartialEq + std::fmt::Debug>(value: T) {
    let xml = codec::encode(&value);
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(xml.contains(&format!("<{}>", T::ROOT)), "{xml}");
    let back: T = codec::decode(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}: {xml}"));
    assert_eq!(back, value, "{xml}");
}

#[test]
fn every_document_round_trips() {
    let owner = Owner {
        id: "1250000000".into(),
        display_name: "owner & co <1>".into(),
    };
    round_trip(codec::decode::<ListBucketResult>(LIST_BUCKET.as_bytes()).unwrap());
    round_trip(ListAllMyBucketsResult {
        owner: owner.clone(),
        buckets: Buckets {
            bucket: vec![BucketEntry {
                name: "a-1250000000".into(),
                location: "ap-guangzhou".into(),
                creation_date: "2019-05-16T06:45:51Z".into(),
                bucket_type: Some("cos".into()),
            }],
        },
        marker: None,
        next_marker: None,
        is_truncated: Some(false),
    });
    round_trip(InitiateMultipartUploadResult {
        bucket: "b-1250000000".into(),
        key: "dir/含 空格.bin".into(),
        upload_id: "1585130821cbb7df".into(),
    });
    round_trip(CompleteMultipartUpload {
        parts: (1..=3)
            .map(|n| CompletedPart {
                part_number: n,
                etag: format!("\"etag{n}\""),
            })
            .collect(),
    });
    round_trip(CompleteMultipartUploadResult {
        location: "b-1250000000.cos.ap-guangzhou.myqcloud.com/k".into(),
        bucket: "b-1250000000".into(),
        key: "k".into(),
        etag: "\"abc-3\"".into(),
    });
    round_trip(Delete {
        quiet: true,
        objects: vec![
            ObjectIdentifier {
                key: "a<b>&c".into(),
                version_id: None,
            },
            ObjectIdentifier {
                key: "d".into(),
                version_id: Some("v2".into()),
            },
        ],
    });
    round_trip(DeleteResult {
        deleted: vec![DeletedObject {
            key: "a".into(),
            ..Default::default()
        }],
        errors: vec![DeleteFailure {
            key: "b".into(),
            version_id: None,
            code: "AccessDenied".into(),
            message: "no".into(),
        }],
    });
    round_trip(CopyObjectResult {
        etag: "\"e\"".into(),
        last_modified: "2019-05-16T06:45:51.000Z".into(),
        crc64: Some("11051210869376104954".into()),
        version_id: None,
    });
    round_trip(CopyPartResult {
        etag: "\"e\"".into(),
        last_modified: "t".into(),
    });
    round_trip(ListPartsResult {
        bucket: "b".into(),
        key: "k".into(),
        upload_id: "u".into(),
        initiator: Some(owner.clone()),
        owner: Some(owner.clone()),
        storage_class: "STANDARD".into(),
        next_part_number_marker: 2,
        max_parts: 1000,
        is_truncated: true,
        parts: vec![PartEntry {
            part_number: 1,
            last_modified: "t".into(),
            etag: "\"p1\"".into(),
            size: 1_048_576,
        }],
        ..Default::default()
    });
    round_trip(ListMultipartUploadsResult {
        bucket: "b".into(),
        max_uploads: 1000,
        prefix: Some("p/".into()),
        uploads: vec![UploadEntry {
            key: "p/k".into(),
            upload_id: "u".into(),
            storage_class: "STANDARD".into(),
            initiator: Some(owner.clone()),
            owner: None,
            initiated: "t".into(),
        }],
        common_prefixes: vec![CommonPrefix {
            prefix: "p/q/".into(),
        }],
        ..Default::default()
    });
}

#[test]
fn an_encoded_error_document_is_read_by_parse_error() {
    let document = ErrorDocument {
        code: "NoSuchKey".into(),
        message: "The specified key does not exist.".into(),
        resource: "b-1250000000.cos.ap-guangzhou.myqcloud.com/a&b".into(),
        request_id: "NjU2".into(),
        trace_id: String::new(),
    };
    let xml = codec::encode(&document);
    let parsed = cos_xml::parse_error(xml.as_bytes()).unwrap();
    assert_eq!(parsed.code(), Some("NoSuchKey"));
    assert_eq!(
        parsed.resource(),
        Some("b-1250000000.cos.ap-guangzhou.myqcloud.com/a&b")
    );
    assert_eq!(parsed.trace_id(), None);
    assert!(
        xml.contains("<TraceId/>") || xml.contains("<TraceId></TraceId>"),
        "{xml}"
    );
    assert_eq!(
        codec::decode::<ErrorDocument>(xml.as_bytes()).unwrap(),
        document
    );
}
