//! The authentication stage: request time, then the COS signature (header or presigned
//! query) with the key-time window and the STS token, answered with COS's error codes.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::StatusCode;
use http::request::Parts;

use crate::config::Config;
use crate::error::{CosError, CosResult};
use crate::time::parse_http_date;

/// Checks one request at server time `now`. On success, returns the SecretId that signed
/// the request (`None` for an anonymous request the configuration lets through).
pub(crate) fn authenticate(
    parts: Parts,
    config: &Config,
    now: SystemTime,
) -> (Parts, CosResult<Option<String>>) {
    if let Err(e) = check_request_time(&parts, now, config.max_clock_skew) {
        return (parts, Err(e));
    }
    let signed = parts.headers.contains_key(http::header::AUTHORIZATION)
        || parts
            .uri
            .query()
            .is_some_and(|q| q.split('&').any(|p| p.starts_with("q-signature=")));
    if !signed {
        let result = if config.allow_anonymous {
            Ok(None)
        } else {
            Err(CosError::access_denied(
                "Access Denied. The request carries no signature (no Authorization header and no q-signature parameter).",
            ))
        };
        return (parts, result);
    }
    let now_secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let request = http::Request::from_parts(parts, ());
    let result = cos_sign::verify::verify(&request, now_secs, |secret_id| {
        config
            .credentials
            .iter()
            .find(|c| c.secret_id() == secret_id)
            .cloned()
    });
    let (parts, ()) = request.into_parts();
    let result = result
        .map(|verified| Some(verified.secret_id().to_owned()))
        .map_err(|e| verify_error(&e));
    (parts, result)
}

fn verify_error(error: &cos_sign::verify::VerifyError) -> CosError {
    use cos_sign::verify::VerifyError;
    let code = error.cos_error_code();
    let message = match error {
        VerifyError::Missing | VerifyError::Malformed(_) => format!("Access Denied. {error}."),
        VerifyError::UnknownSecretId(_) => {
            format!("The SecretId you provided does not exist in our records: {error}.")
        }
        VerifyError::NotYetValid { .. } | VerifyError::Expired { .. } => {
            format!("Request has expired: {error}.")
        }
        VerifyError::TokenMismatch => format!("The security token is invalid: {error}."),
        VerifyError::SignatureMismatch(mismatch) => format!(
            "The Signature you specified does not match the signature computed by the server. \
             {}StringToSign: {:?}; HttpString: {:?}",
            mismatch
                .reason()
                .map(|r| format!("{r}. "))
                .unwrap_or_default(),
            mismatch.string_to_sign(),
            mismatch.http_string()
        ),
        _ => error.to_string(),
    };
    CosError::new(StatusCode::FORBIDDEN, code, message)
}

/// COS refuses a `Date` more than 15 minutes from its own clock.
fn check_request_time(parts: &Parts, now: SystemTime, max_skew: Duration) -> CosResult<()> {
    let Some(date) = parts.headers.get(http::header::DATE) else {
        return Ok(());
    };
    let Some(sent) = date.to_str().ok().and_then(parse_http_date) else {
        return Err(CosError::access_denied(
            "The Date header is not a valid HTTP date.",
        ));
    };
    let skew = now.duration_since(sent).unwrap_or_else(|e| e.duration());
    if skew > max_skew {
        return Err(CosError::new(
            StatusCode::FORBIDDEN,
            "RequestTimeTooSkewed",
            format!(
                "The difference between the request time and the server's time is too large \
                 ({} s; at most {} s).",
                skew.as_secs(),
                max_skew.as_secs()
            ),
        ));
    }
    Ok(())
}
