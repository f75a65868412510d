//! The validated value types.

use cos_types::{
    BucketName, ClientErrorKind, Error, InvalidBucketName, InvalidObjectKey, ObjectKey, Region,
};

#[test]
fn bucket_names() {
    let bucket = BucketName::try_from("examplebucket-1250000000").unwrap();
    assert_eq!(
        (bucket.name(), bucket.appid()),
        ("examplebucket", "1250000000")
    );
    assert_eq!(bucket.to_string(), "examplebucket-1250000000");
    assert_eq!(bucket.as_ref(), "examplebucket-1250000000");
    // A '-' inside the name part is fine; the APPID is after the last one.
    let bucket = BucketName::try_from(String::from("my-photos-2024-1250000000")).unwrap();
    assert_eq!(
        (bucket.name(), bucket.appid()),
        ("my-photos-2024", "1250000000")
    );
    assert_eq!(
        BucketName::new("my-photos", "1250000000").unwrap().as_str(),
        "my-photos-1250000000"
    );
    let longest = format!("{}-1250000000", "a".repeat(50));
    assert!(longest.parse::<BucketName>().is_ok());

    let rejected = [
        ("examplebucket", "expected <name>-<appid>"),
        ("examplebucket-", "must be all digits"),
        ("examplebucket-12a", "must be all digits"),
        ("-1250000000", "name part before -<appid> is empty"),
        ("Example-1250000000", "only lowercase"),
        ("example_bucket-1250000000", "only lowercase"),
        ("example.bucket-1250000000", "only lowercase"),
        ("-example-1250000000", "must not start or end"),
        ("example--1250000000", "must not start or end"),
        ("example-123456789012345678901", "longer than 20 digits"),
    ];
    for (input, reason) in rejected {
        let error = input.parse::<BucketName>().unwrap_err();
        assert_eq!(error.name, input);
        assert!(error.reason.contains(reason), "{input}: {error}");
        assert!(error.to_string().contains(input), "{error}");
    }
    let too_long = format!("{}-1250000000", "a".repeat(51));
    let error: InvalidBucketName = too_long.parse::<BucketName>().unwrap_err();
    assert!(error.reason.contains("longer than 50"), "{error}");
}

#[test]
fn regions() {
    for region in [
        "ap-guangzhou",
        "na-siliconvalley",
        "ap-beijing-1",
        "ap-shanghai-fsi",
        "sg",
        "cossh",
    ] {
        assert_eq!(region.parse::<Region>().unwrap().as_str(), region);
    }
    for (input, reason) in [
        ("", "empty"),
        ("AP-Guangzhou", "only lowercase"),
        ("ap guangzhou", "only lowercase"),
        ("ap.guangzhou", "only lowercase"),
        ("-ap", "must not start or end"),
        ("ap-", "must not start or end"),
    ] {
        let error = Region::try_from(input).unwrap_err();
        assert!(error.reason.contains(reason), "{input:?}: {error}");
    }
    assert!("a".repeat(64).parse::<Region>().is_err());
}

#[test]
fn object_keys() {
    for key in [
        "a",
        "a/b/c.txt",
        "/leading",
        "dir/",
        "a/../b",
        "...",
        "中文/文件.txt",
        " ",
    ] {
        assert_eq!(ObjectKey::try_from(key).unwrap().as_str(), key);
    }
    let longest = "k".repeat(850);
    assert!(longest.parse::<ObjectKey>().is_ok());
    // 850 bytes, not characters: 284 three-byte characters are 852 bytes.
    assert!("中".repeat(284).parse::<ObjectKey>().is_err());

    for root in [
        "/",
        "//",
        ".",
        "..",
        "./",
        "a/..",
        "a/b/../..",
        "/./",
        "../",
    ] {
        let error = root.parse::<ObjectKey>().unwrap_err();
        assert!(error.reason.contains("bucket root"), "{root:?}: {error}");
    }
    let error = "".parse::<ObjectKey>().unwrap_err();
    assert!(error.reason.contains("empty"));
    let error: InvalidObjectKey = "x".repeat(851).parse::<ObjectKey>().unwrap_err();
    assert!(error.reason.contains("850"));
    // A long key is shown shortened.
    assert!(error.to_string().len() < 200, "{error}");
    assert!(error.to_string().contains("851 bytes"), "{error}");
}

#[test]
fn validation_errors_become_invalid_input_client_errors() {
    fn parse(bucket: &str) -> cos_types::Result<BucketName> {
        Ok(bucket.parse()?)
    }
    let error: Error = parse("Bad").unwrap_err();
    let client = error.as_client().unwrap();
    assert_eq!(client.kind(), ClientErrorKind::InvalidInput);
    assert!(!error.is_retryable());
    let source = std::error::Error::source(&error).unwrap();
    assert!(source.downcast_ref::<InvalidBucketName>().is_some());
}
