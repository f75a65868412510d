//! `verify` round trips: what `sign`/`Presign` produce is accepted, any tampering is refused
//! with the right error.

use cos_sign::verify::{VerifyError, verify};
use cos_sign::{Credentials, KeyTime, Presign, encode};
use http::{Method, Request};

const NOW: u64 = 1_700_000_000;

fn credentials() -> Credentials {
    Credentials::new("AKIDEXAMPLE", "SECRETEXAMPLE")
}

fn lookup(credentials: &Credentials) -> impl FnOnce(&str) -> Option<Credentials> + '_ {
    move |id| (id == credentials.secret_id()).then(|| credentials.clone())
}

fn signed_put(credentials: &Credentials) -> Request<()> {
    let mut request = Request::put(format!(
        "http://127.0.0.1:9000{}?partNumber=1&uploadId=a%2Bb+c&acl",
        encode::path("dir/文件 a+b%.txt")
    ))
    .header("content-type", "text/plain")
    .header("content-length", "5")
    .header("x-cos-meta-Author", " Zhang San ")
    .header("user-agent", "test")
    .body(())
    .unwrap();
    cos_sign::sign(
        &mut request,
        credentials,
        KeyTime::starting_at(NOW, std::time::Duration::from_secs(600)),
    );
    request
}

#[test]
fn a_signed_request_verifies() {
    let credentials = credentials();
    let request = signed_put(&credentials);
    assert_eq!(request.headers()["host"], "127.0.0.1:9000");
    let verified = verify(&request, NOW, lookup(&credentials)).unwrap();
    assert_eq!(verified.secret_id(), "AKIDEXAMPLE");
    assert_eq!(
        verified.header_list(),
        [
            "content-length",
            "content-type",
            "host",
            "x-cos-meta-author"
        ]
    );
    assert_eq!(verified.url_param_list(), ["acl", "partnumber", "uploadid"]);
    assert!(!verified.is_presigned());
    assert!(verified.unsigned_params().is_empty());
}

#[test]
fn unsigned_headers_may_change_signed_ones_may_not() {
    let credentials = credentials();
    let mut request = signed_put(&credentials);
    request
        .headers_mut()
        .insert("user-agent", "other".parse().unwrap());
    // Surrounding whitespace is not significant (servers strip it).
    request
        .headers_mut()
        .insert("x-cos-meta-author", "Zhang San".parse().unwrap());
    verify(&request, NOW, lookup(&credentials)).unwrap();

    request
        .headers_mut()
        .insert("content-type", "text/html".parse().unwrap());
    let error = verify(&request, NOW, lookup(&credentials)).unwrap_err();
    assert!(
        matches!(error, VerifyError::SignatureMismatch(_)),
        "{error:?}"
    );
    assert_eq!(error.cos_error_code(), "SignatureDoesNotMatch");
}

#[test]
fn a_removed_signed_header_is_a_mismatch_with_a_reason() {
    let credentials = credentials();
    let mut request = signed_put(&credentials);
    request.headers_mut().remove("content-length");
    match verify(&request, NOW, lookup(&credentials)).unwrap_err() {
        VerifyError::SignatureMismatch(mismatch) => {
            assert!(
                mismatch.reason().unwrap().contains("content-length"),
                "{mismatch:?}"
            );
            assert!(mismatch.string_to_sign().starts_with("sha1\n"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn tampering_with_path_query_or_method_fails() {
    let credentials = credentials();
    let original = signed_put(&credentials);
    let tamper = |uri: &str, method: Method| {
        let mut request = original.clone();
        *request.uri_mut() = uri.parse().unwrap();
        *request.method_mut() = method;
        verify(&request, NOW, lookup(&credentials))
    };
    let path = encode::path("dir/文件 a+b%.txt");
    assert!(
        tamper(
            &format!("{path}?partNumber=1&uploadId=a%2Bb+c&acl"),
            Method::PUT
        )
        .is_ok()
    );
    // `+` and `%20` in the query are the same space; `%2B` is a plus.
    assert!(
        tamper(
            &format!("{path}?partNumber=1&uploadId=a%2Bb%20c&acl="),
            Method::PUT
        )
        .is_ok()
    );
    assert!(
        tamper(
            &format!("{path}?partNumber=1&uploadId=a+b+c&acl"),
            Method::PUT
        )
        .is_err()
    );
    assert!(
        tamper(
            &format!("{path}?partNumber=2&uploadId=a%2Bb+c&acl"),
            Method::PUT
        )
        .is_err()
    );
    assert!(tamper(&format!("{path}?partNumber=1&acl"), Method::PUT).is_err());
    assert!(
        tamper(
            &format!(
                "{}?partNumber=1&uploadId=a%2Bb+c&acl",
                encode::path("dir/文件 a b%.txt")
            ),
            Method::PUT
        )
        .is_err()
    );
    assert!(
        tamper(
            &format!("{path}?partNumber=1&uploadId=a%2Bb+c&acl"),
            Method::POST
        )
        .is_err()
    );
    // An extra, unsigned parameter is accepted and reported.
    let verified = tamper(
        &format!("{path}?partNumber=1&uploadId=a%2Bb+c&acl&extra=1"),
        Method::PUT,
    )
    .unwrap();
    assert_eq!(verified.unsigned_params(), ["extra"]);
}

#[test]
fn window_secret_and_token_are_checked() {
    let credentials = credentials();
    let request = signed_put(&credentials);
    assert_eq!(
        verify(&request, NOW + 601, lookup(&credentials)).unwrap_err(),
        VerifyError::Expired {
            end: NOW + 600,
            now: NOW + 601
        }
    );
    assert_eq!(
        verify(&request, NOW - 61, lookup(&credentials)).unwrap_err(),
        VerifyError::NotYetValid {
            start: NOW - 60,
            now: NOW - 61
        }
    );
    assert_eq!(
        verify(&request, NOW, |_: &str| None::<Credentials>).unwrap_err(),
        VerifyError::UnknownSecretId("AKIDEXAMPLE".into())
    );
    let other_key = Credentials::new("AKIDEXAMPLE", "WRONG");
    assert!(matches!(
        verify(&request, NOW, lookup(&other_key)).unwrap_err(),
        VerifyError::SignatureMismatch(_)
    ));
    let expecting_token = credentials.clone().with_session_token("T");
    assert_eq!(
        verify(&request, NOW, lookup(&expecting_token)).unwrap_err(),
        VerifyError::TokenMismatch
    );
}

#[test]
fn session_tokens_are_sent_signed_and_checked() {
    let credentials = credentials().with_session_token("TOKEN/+=");
    let mut request =
        Request::get("https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/k")
            .body(())
            .unwrap();
    cos_sign::sign(&mut request, &credentials, KeyTime::new(NOW - 60, NOW + 60));
    assert_eq!(request.headers()["x-cos-security-token"], "TOKEN/+=");
    assert!(
        request.headers()["authorization"]
            .to_str()
            .unwrap()
            .contains("q-header-list=host;x-cos-security-token&")
    );
    verify(&request, NOW, lookup(&credentials)).unwrap();
    request
        .headers_mut()
        .insert("x-cos-security-token", "OTHER".parse().unwrap());
    assert_eq!(
        verify(&request, NOW, lookup(&credentials)).unwrap_err(),
        VerifyError::TokenMismatch
    );
}

#[test]
fn mismatch_diagnostics_do_not_show_the_session_token() {
    let token = "SessionTokenValue123";
    let credentials = credentials().with_session_token(token);
    // The token is signed both as the header and as a listed query parameter.
    let mut request = Request::get(format!(
        "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/k?x-cos-security-token={token}&x-ci-security-token={token}"
    ))
    .body(())
    .unwrap();
    cos_sign::sign(&mut request, &credentials, KeyTime::new(NOW - 60, NOW + 60));
    verify(&request, NOW, lookup(&credentials)).unwrap();
    let authorization = request.headers()["authorization"].to_str().unwrap();
    let wrong = format!(
        "{}{}",
        &authorization[..authorization.len() - 40],
        "0".repeat(40)
    );
    request
        .headers_mut()
        .insert("authorization", wrong.parse().unwrap());
    let error = verify(&request, NOW, lookup(&credentials)).unwrap_err();
    let VerifyError::SignatureMismatch(mismatch) = &error else {
        panic!("{error:?}");
    };
    let http_string = mismatch.http_string();
    assert_eq!(
        http_string,
        "get\n/k\nx-ci-security-token=<redacted>&x-cos-security-token=<redacted>\n\
         host=examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com&x-cos-security-token=<redacted>\n"
    );
    for shown in [
        format!("{error}"),
        format!("{error:?}"),
        http_string.to_owned(),
        mismatch.string_to_sign().to_owned(),
    ] {
        assert!(!shown.contains(token), "{shown}");
    }
}

#[test]
fn a_signing_report_debug_hides_the_sign_key_and_the_token() {
    let token = "SessionTokenValue123";
    let credentials = credentials().with_session_token(token);
    let request = Request::get(format!(
        "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/k?x-cos-security-token={token}"
    ))
    .body(())
    .unwrap();
    let report = cos_sign::signing_report(
        &request,
        &credentials,
        KeyTime::new(NOW - 60, NOW + 60),
        &cos_sign::HeaderPolicy::default(),
    );
    let debug = format!("{report:?}");
    assert!(!debug.contains(token), "{debug}");
    assert!(!debug.contains(report.sign_key()), "{debug}");
    assert!(debug.contains("x-cos-security-token=<redacted>"), "{debug}");
    // The accessors still give the real values.
    assert!(report.http_string_lossy().contains(token));
    assert_eq!(report.sign_key().len(), 40);
    assert!(debug.contains(report.signature()), "{debug}");
}

#[test]
fn malformed_and_missing_signatures() {
    let credentials = credentials();
    let bare = Request::get("/k").header("host", "h").body(()).unwrap();
    assert_eq!(
        verify(&bare, NOW, lookup(&credentials)).unwrap_err(),
        VerifyError::Missing
    );
    let signed = signed_put(&credentials);
    let authorization = signed.headers()["authorization"]
        .to_str()
        .unwrap()
        .to_owned();
    for (from, to, what) in [
        ("q-sign-algorithm=sha1", "q-sign-algorithm=sha256", "sha256"),
        ("&q-ak=AKIDEXAMPLE", "", "q-ak"),
        (";1700000600&q-key", "-1700000600&q-key", "q-sign-time"),
        ("&q-signature=", "&q-signature=zz", "q-signature"),
    ] {
        let mut request = signed.clone();
        request.headers_mut().insert(
            "authorization",
            authorization.replacen(from, to, 1).parse().unwrap(),
        );
        match verify(&request, NOW, lookup(&credentials)).unwrap_err() {
            VerifyError::Malformed(text) => assert!(text.contains(what), "{text}"),
            other => panic!("{from}: {other:?}"),
        }
    }
}

#[test]
fn presigned_urls_verify_in_both_list_spellings() {
    let credentials = credentials().with_session_token("TOK EN");
    let url = Presign::new(Method::GET, "http://127.0.0.1:9000", "a/./b/名 字.txt")
        .param(
            "response-content-disposition",
            "attachment; filename=\"报告 2024.pdf\"",
        )
        .param("名", "v")
        .url(&credentials, KeyTime::new(NOW - 60, NOW + 300))
        .unwrap();
    assert!(
        url.contains("&q-url-param-list=%e5%90%8d%3Bresponse-content-disposition&"),
        "{url}"
    );
    let uri: http::Uri = url.parse().unwrap();
    let as_received = |uri: http::Uri| {
        Request::get(uri.path_and_query().unwrap().as_str())
            .header("host", "127.0.0.1:9000")
            .body(())
            .unwrap()
    };
    let verified = verify(&as_received(uri.clone()), NOW, lookup(&credentials)).unwrap();
    assert!(verified.is_presigned());
    assert!(verified.unsigned_params().is_empty());
    // Python's spelling: the escapes in the list escaped again, spaces as `+`, literal `;`.
    let (base, query) = url.split_once('?').unwrap();
    let python = format!(
        "{base}?{}",
        query
            .replace("=%e5%90%8d%3Bresponse", "=%25e5%2590%258d;response")
            .replace("%20", "+")
    );
    verify(
        &as_received(python.parse().unwrap()),
        NOW,
        lookup(&credentials),
    )
    .unwrap();
    // Tampered parameter, wrong host, missing token.
    let tampered = url.replace("&%E5%90%8D=v", "&%E5%90%8D=w");
    assert!(matches!(
        verify(
            &as_received(tampered.parse().unwrap()),
            NOW,
            lookup(&credentials)
        )
        .unwrap_err(),
        VerifyError::SignatureMismatch(_)
    ));
    let other_host = Request::get(uri.path_and_query().unwrap().as_str())
        .header("host", "127.0.0.1:9001")
        .body(())
        .unwrap();
    assert!(verify(&other_host, NOW, lookup(&credentials)).is_err());
    let without_token = url.replace("&x-cos-security-token=TOK%20EN", "");
    assert_eq!(
        verify(
            &as_received(without_token.parse().unwrap()),
            NOW,
            lookup(&credentials)
        )
        .unwrap_err(),
        VerifyError::TokenMismatch
    );
}
