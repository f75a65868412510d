//! Signature checks answered as COS answers them.

mod common;

use common::*;
use cos_emulator::{Config, Credentials};
use http::{Method, StatusCode};

#[tokio::test]
async fn anonymous_requests_are_denied_unless_allowed() {
    let (emulator, client) = with_bucket().await;
    let denied = client.anonymous().get(&format!("/{BUCKET}")).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(denied.code(), "AccessDenied");
    drop(emulator);

    let open = start_with(Config::new(SECRET_ID, SECRET_KEY).allow_anonymous(true)).await;
    let client = Client::new(&open).anonymous();
    assert_eq!(
        client
            .request(Method::PUT, &format!("/{BUCKET}"))
            .send()
            .await
            .status,
        StatusCode::OK
    );
    // Signed requests are still verified.
    let wrong = Client::new(&open)
        .with_key(SECRET_ID, "wrong")
        .get("/")
        .await;
    assert_eq!(wrong.code(), "SignatureDoesNotMatch");
}

#[tokio::test]
async fn wrong_key_unknown_id_and_tampering() {
    let (_emulator, client) = with_bucket().await;
    let wrong_key = client.with_key(SECRET_ID, "not-the-key").get("/").await;
    assert_eq!(wrong_key.status, StatusCode::FORBIDDEN);
    assert_eq!(wrong_key.code(), "SignatureDoesNotMatch");

    let unknown = client.with_key("AKIDunknown", SECRET_KEY).get("/").await;
    assert_eq!(unknown.status, StatusCode::FORBIDDEN);
    assert_eq!(unknown.code(), "InvalidAccessKeyId");

    // A signed header changed after signing.
    let mut request = client
        .request(Method::PUT, &format!("/{BUCKET}/k"))
        .header("x-cos-meta-a", "1")
        .body("x")
        .build();
    request
        .headers_mut()
        .insert("x-cos-meta-a", "2".parse().unwrap());
    let tampered = send_raw(client.addr, request).await.unwrap();
    assert_eq!(tampered.code(), "SignatureDoesNotMatch");
}

#[tokio::test]
async fn expired_signatures_and_skewed_dates() {
    let (emulator, client) = with_bucket().await;
    let mut request = client.request(Method::GET, "/").unsigned().build();
    let credentials = cos_sign::Credentials::new(SECRET_ID, SECRET_KEY);
    cos_sign::sign(
        &mut request,
        &credentials,
        cos_sign::KeyTime::new(1_000_000_000, 1_000_000_600),
    );
    let expired = send_raw(client.addr, request).await.unwrap();
    assert_eq!(expired.status, StatusCode::FORBIDDEN);
    assert_eq!(expired.code(), "Request has expired");

    let old_date = client
        .request(Method::GET, "/")
        .header("date", "Thu, 16 May 2019 06:45:51 GMT")
        .send()
        .await;
    assert_eq!(old_date.status, StatusCode::FORBIDDEN);
    assert_eq!(old_date.code(), "RequestTimeTooSkewed");

    let now = httpdate::fmt_http_date(std::time::SystemTime::now());
    let current = client
        .request(Method::GET, "/")
        .header("date", &now)
        .send()
        .await;
    assert_eq!(current.status, StatusCode::OK);

    // Skewing the server clock by an hour makes the same request too skewed, and the
    // server's Date header shows the skewed clock.
    emulator.faults().set_clock_skew(3600);
    let skewed = client
        .request(Method::GET, "/")
        .header("date", &now)
        .send()
        .await;
    assert_eq!(skewed.code(), "RequestTimeTooSkewed");
    let server_date = httpdate::parse_http_date(skewed.header("date").unwrap()).unwrap();
    assert!(
        server_date > std::time::SystemTime::now() + std::time::Duration::from_secs(3000),
        "Date header follows the skewed clock"
    );
    // A signature window of 10 minutes is over on a clock an hour ahead.
    let late = client.get("/").await;
    assert_eq!(late.code(), "Request has expired");
}

#[tokio::test]
async fn sts_tokens() {
    let config = Config::new(SECRET_ID, SECRET_KEY)
        .credential(Credentials::new("AKIDtemporary", "tempkey").with_session_token("token-1"));
    let emulator = start_with(config).await;
    let mut client = Client::new(&emulator).with_key("AKIDtemporary", "tempkey");
    client.token = Some("token-1".into());
    assert_eq!(client.get("/").await.status, StatusCode::OK);

    client.token = Some("token-2".into());
    let wrong = client.get("/").await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(wrong.code(), "AccessDenied");

    client.token = None;
    assert_eq!(client.get("/").await.code(), "AccessDenied");

    // A presigned URL carries the token as a query parameter.
    let sts = cos_sign::Credentials::new("AKIDtemporary", "tempkey").with_session_token("token-1");
    let url = cos_sign::Presign::new(Method::GET, format!("http://{}", client.addr), "")
        .url(
            &sts,
            cos_sign::KeyTime::from_now(std::time::Duration::from_secs(300)),
        )
        .unwrap();
    assert!(url.contains("x-cos-security-token=token-1"), "{url}");
    let path_and_query = url.split_once(&client.addr.to_string()).unwrap().1;
    let listed = client.anonymous().get(path_and_query).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text());
    let without_token = path_and_query.replace("&x-cos-security-token=token-1", "");
    assert_eq!(
        client.anonymous().get(&without_token).await.code(),
        "AccessDenied"
    );
}

#[tokio::test]
async fn signature_mismatch_diagnostics_do_not_show_the_session_token() {
    let token = "SessionTokenSecret42";
    let config = Config::new(SECRET_ID, SECRET_KEY)
        .credential(Credentials::new("AKIDtemporary", "tempkey").with_session_token(token));
    let emulator = start_with(config).await;
    let mut client = Client::new(&emulator).with_key("AKIDtemporary", "not-the-key");
    client.token = Some(token.into());
    let reply = client.get("/").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.code(), "SignatureDoesNotMatch");
    let message = reply.xml("Message").unwrap();
    assert!(
        message.contains("x-cos-security-token=&lt;redacted&gt;"),
        "{message}"
    );
    assert!(!reply.text().contains(token), "{}", reply.text());
    for (name, value) in &reply.headers {
        assert!(
            !value.to_str().unwrap_or_default().contains(token),
            "{name}: {value:?}"
        );
    }
}

#[tokio::test]
async fn presigned_urls() {
    let (_emulator, client) = with_bucket().await;
    client
        .put(&format!("/{BUCKET}/shared%20file"), "presigned body")
        .await;
    let credentials = cos_sign::Credentials::new(SECRET_ID, SECRET_KEY);
    let url = cos_sign::Presign::new(
        Method::GET,
        format!("http://{}", client.addr),
        format!("{BUCKET}/shared file"),
    )
    .url(
        &credentials,
        cos_sign::KeyTime::from_now(std::time::Duration::from_secs(300)),
    )
    .unwrap();
    let path_and_query = url.split_once(&client.addr.to_string()).unwrap().1;
    let reply = client.anonymous().get(path_and_query).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.body, "presigned body");

    // Change the last hex digit of q-signature.
    let last = if path_and_query.ends_with('0') {
        "1"
    } else {
        "0"
    };
    let bad = format!("{}{last}", &path_and_query[..path_and_query.len() - 1]);
    let reply = client.anonymous().get(&bad).await;
    assert_eq!(reply.code(), "SignatureDoesNotMatch");
}

#[tokio::test]
async fn a_refused_large_upload_still_gets_its_error_answer() {
    let (_emulator, client) = with_bucket().await;
    // 8 MiB does not fit in socket buffers: the server must read it to be heard.
    let reply = client
        .with_key(SECRET_ID, "wrong")
        .put(&format!("/{BUCKET}/big"), data(8 * 1024 * 1024, 3))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.code(), "SignatureDoesNotMatch");
}
