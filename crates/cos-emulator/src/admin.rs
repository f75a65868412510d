//! The admin API under `/-/` on the emulator's own host (a bucket name cannot start with
//! `-`, so it never collides with path-style bucket requests):
//!
//! | request | effect |
//! |---|---|
//! | `GET /-/faults` | installed rules: `[{"id":1,"rule":{...},"remaining":2}]` |
//! | `POST /-/faults` + a [`FaultRule`] as JSON | installs it; answers `201 {"id":1}` |
//! | `DELETE /-/faults` | removes every rule |
//! | `DELETE /-/faults/<id>` | removes one rule (404 if unknown) |
//! | `GET /-/clock`, `PUT /-/clock` + `{"skew_secs":-1200}` | reads or sets the clock skew (at most ten years either way; 400 beyond) |
//! | `GET /-/health` | `{"status":"ok"}` |

use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderValue, Method, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::body::{self, ResponseBody};
use crate::faults::{FaultId, FaultRule, MAX_CLOCK_SKEW_SECS};
use crate::server::Shared;

/// Largest admin request body.
const MAX_ADMIN_BODY: usize = 64 * 1024;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Clock {
    skew_secs: i64,
}

pub(crate) async fn handle(
    shared: &Shared,
    method: &Method,
    path: &str,
    body: Option<Incoming>,
) -> Response<ResponseBody> {
    let faults = &shared.faults;
    let path = path.trim_end_matches('/');
    match (method, path) {
        (&Method::GET, "health") => json_response(StatusCode::OK, &json!({"status": "ok"})),
        (&Method::GET, "faults") => json_response(StatusCode::OK, &faults.list()),
        (&Method::POST, "faults") => match read_json::<FaultRule>(body).await {
            Ok(rule) => {
                let id = faults.add(rule);
                json_response(StatusCode::CREATED, &json!({ "id": id }))
            }
            Err(message) => bad_request(&message),
        },
        (&Method::DELETE, "faults") => {
            faults.clear();
            empty(StatusCode::NO_CONTENT)
        }
        (&Method::GET, "clock") => json_response(
            StatusCode::OK,
            &Clock {
                skew_secs: faults.clock_skew(),
            },
        ),
        (&Method::PUT, "clock") => match read_json::<Clock>(body).await {
            Ok(clock) if clock.skew_secs.unsigned_abs() > MAX_CLOCK_SKEW_SECS.unsigned_abs() => {
                bad_request(&format!(
                    "skew_secs {} is out of range: the clock skew is at most \
                     {MAX_CLOCK_SKEW_SECS} s (ten years) either way",
                    clock.skew_secs
                ))
            }
            Ok(clock) => {
                let skew_secs = faults.set_clock_skew(clock.skew_secs);
                json_response(StatusCode::OK, &Clock { skew_secs })
            }
            Err(message) => bad_request(&message),
        },
        (&Method::DELETE, rest) if rest.starts_with("faults/") => {
            let id = rest["faults/".len()..].parse::<u64>();
            match id {
                Ok(id) if faults.remove(FaultId(id)) => empty(StatusCode::NO_CONTENT),
                Ok(id) => json_response(
                    StatusCode::NOT_FOUND,
                    &json!({"error": format!("no fault rule with id {id}")}),
                ),
                Err(_) => bad_request(&format!("{rest:?} does not end with a rule id")),
            }
        }
        _ => json_response(
            StatusCode::NOT_FOUND,
            &json!({"error": format!("no admin endpoint {method} /-/{path}; see the cos-emulator README")}),
        ),
    }
}

async fn read_json<T: for<'de> Deserialize<'de>>(body: Option<Incoming>) -> Result<T, String> {
    let body = body.ok_or("the request body was already read")?;
    let bytes = http_body_util::Limited::new(body, MAX_ADMIN_BODY)
        .collect()
        .await
        .map_err(|e| format!("reading the request body: {e}"))?
        .to_bytes();
    serde_json::from_slice(&bytes).map_err(|e| format!("invalid JSON body: {e}"))
}

fn bad_request(message: &str) -> Response<ResponseBody> {
    json_response(StatusCode::BAD_REQUEST, &json!({ "error": message }))
}

fn empty(status: StatusCode) -> Response<ResponseBody> {
    let mut response = Response::new(body::empty());
    *response.status_mut() = status;
    response
}

fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response<ResponseBody> {
    let text = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    let length = text.len();
    let mut response = Response::new(body::full(text));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
        .headers_mut()
        .insert(CONTENT_LENGTH, HeaderValue::from(length));
    response
}
