//! An error carrying the errors of the earlier attempts of the same operation.

use bytes::Bytes;
use cos_types::{ClientError, ClientErrorKind, Error, ServiceError};
use http::{HeaderMap, HeaderValue, StatusCode};

fn slow_down(request_id: &str) -> Error {
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-cos-request-id",
        HeaderValue::from_str(request_id).unwrap(),
    );
    let body = Bytes::from_static(
        b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
    );
    ServiceError::from_response(StatusCode::SERVICE_UNAVAILABLE, &headers, body).into()
}

fn timeout() -> Error {
    ClientError::new(
        ClientErrorKind::Timeout,
        "GetObject examplebucket-1250000000/a",
    )
    .into()
}

#[test]
fn a_first_attempt_error_has_no_history() {
    let error = slow_down("id-1");
    assert!(error.earlier_attempts().is_empty());
    assert_eq!(error.request_ids().collect::<Vec<_>>(), ["id-1"]);
    assert!(!error.to_string().contains("attempts"), "{error}");
    assert!(!format!("{error:?}").contains("earlier_attempts"));

    let error = error.with_earlier_attempts(Vec::new());
    assert!(error.earlier_attempts().is_empty());
    assert!(!error.to_string().contains("attempts"), "{error}");
}

#[test]
fn earlier_attempts_are_kept_oldest_first() {
    let error = slow_down("id-3").with_earlier_attempts(vec![slow_down("id-1"), slow_down("id-2")]);
    let earlier: Vec<_> = error
        .earlier_attempts()
        .iter()
        .map(|e| e.request_id().unwrap())
        .collect();
    assert_eq!(earlier, ["id-1", "id-2"]);
    assert_eq!(error.request_id(), Some("id-3"), "the last attempt's id");
    assert_eq!(
        error.request_ids().collect::<Vec<_>>(),
        ["id-3", "id-2", "id-1"],
        "newest first"
    );
    // the same history through the inner type
    assert_eq!(error.as_service().unwrap().earlier_attempts().len(), 2);
    // the classification is the last attempt's
    assert!(error.is_throttled() && error.is_retryable());
}

#[test]
fn display_stays_one_line_and_counts_the_attempts() {
    let error = slow_down("id-3").with_earlier_attempts(vec![slow_down("id-1"), slow_down("id-2")]);
    let text = error.to_string();
    assert_eq!(
        text,
        "COS service error 503 SlowDown: Please reduce your request rate. (request id: id-3) \
         (after 3 attempts)"
    );
    assert!(!text.contains('\n'));

    let error = timeout().with_earlier_attempts(vec![slow_down("id-1")]);
    assert_eq!(
        error.to_string(),
        "COS client error (timeout) in GetObject examplebucket-1250000000/a (after 2 attempts)"
    );
}

#[test]
fn debug_shows_every_earlier_error() {
    let error = timeout().with_earlier_attempts(vec![slow_down("id-1"), slow_down("id-2")]);
    let debug = format!("{error:?}");
    assert!(debug.contains("earlier_attempts"), "{debug}");
    assert!(debug.contains("id-1") && debug.contains("id-2"), "{debug}");

    let error = slow_down("id-3").with_earlier_attempts(vec![timeout()]);
    let debug = format!("{error:?}");
    assert!(debug.contains("earlier_attempts"), "{debug}");
    assert!(debug.contains("Timeout"), "{debug}");
}

#[test]
fn client_errors_in_the_history_have_no_request_id_to_give() {
    // a timeout, then a throttled answer, then a timeout again
    let error = timeout().with_earlier_attempts(vec![timeout(), slow_down("id-2")]);
    assert_eq!(error.request_id(), None);
    assert_eq!(error.request_ids().collect::<Vec<_>>(), ["id-2"]);
    assert_eq!(error.earlier_attempts().len(), 2);
    assert!(error.as_client().is_some());
}

#[test]
fn a_new_history_replaces_the_old_one() {
    let error = slow_down("id-9")
        .with_earlier_attempts(vec![slow_down("id-1")])
        .with_earlier_attempts(vec![slow_down("id-7"), slow_down("id-8")]);
    assert_eq!(
        error.request_ids().collect::<Vec<_>>(),
        ["id-9", "id-8", "id-7"]
    );
}

#[test]
fn a_cloned_service_error_keeps_its_history() {
    let error = slow_down("id-2").with_earlier_attempts(vec![slow_down("id-1")]);
    let service = error.as_service().unwrap().clone();
    assert_eq!(service.earlier_attempts().len(), 1);
    assert_eq!(service.earlier_attempts()[0].request_id(), Some("id-1"));
    assert!(service.to_string().ends_with(" (after 2 attempts)"));
}

#[test]
fn the_history_does_not_grow_the_error() {
    assert!(std::mem::size_of::<Error>() <= 16);
}
