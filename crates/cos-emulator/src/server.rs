//! The HTTP side: accepting connections, one request's path through routing, faults,
//! authentication and the operation, and the headers every answer carries.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, DATE, SERVER};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::body::{self, Damage, DamagedBody, ResponseBody};
use crate::config::Config;
use crate::error::CosError;
use crate::faults::{Fault, Faults};
use crate::route::{self, Operation, Target};
use crate::store::Store;
use crate::wire::{CosCaseIo, ResponseLog};
use crate::{admin, auth, ops, time, xml};

/// How long shutdown waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Everything the request handlers share.
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) store: Store,
    pub(crate) faults: Faults,
    request_counter: AtomicU64,
    instance: u32,
}

/// Ids and names of the request being served, for its answer.
pub(crate) struct RequestIds {
    pub(crate) request_id: String,
    pub(crate) trace_id: String,
}

impl Shared {
    pub(crate) fn new(config: Config, store: Store) -> Self {
        let instance = std::process::id()
            ^ (time::unix_millis(std::time::SystemTime::now()) as u32).rotate_left(16);
        Shared {
            config,
            store,
            faults: Faults::default(),
            request_counter: AtomicU64::new(0),
            instance,
        }
    }

    /// Request ids shaped like COS's: base64 of `<time>_<instance>_<counter>_<n>`.
    fn next_ids(&self) -> RequestIds {
        let n = self.request_counter.fetch_add(1, Ordering::Relaxed);
        let secs = self
            .faults
            .now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let engine = base64::engine::general_purpose::STANDARD;
        let raw = format!(
            "{secs:08x}_{:08x}_{n:x}_{:x}",
            self.instance,
            n * 7919 % 65_521
        );
        let trace = format!(
            "{raw}_{:016x}",
            (u64::from(self.instance) << 32 | n).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        );
        RequestIds {
            request_id: engine.encode(raw),
            trace_id: engine.encode(trace),
        }
    }

    pub(crate) fn owner_id(&self) -> &str {
        &self.config.appid
    }
}

/// Returned by the handler to make hyper drop the connection without an answer.
#[derive(Debug)]
pub(crate) struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("fault injection: connection closed without a response")
    }
}

impl std::error::Error for DropConnection {}

/// Accepts connections until `stop` turns true, then drains them.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) = match accepted {
                    Ok(pair) => pair,
                    // Out of file descriptors or a reset before accept: keep serving.
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                let log = ResponseLog::default();
                let io = TokioIo::new(CosCaseIo::new(stream, log.clone()));
                let service = service_fn(move |request: Request<Incoming>| {
                    let shared = shared.clone();
                    let log = log.clone();
                    async move {
                        let is_head_request = request.method() == Method::HEAD;
                        let response = handle(shared, request).await;
                        if response.is_ok() {
                            log.push(is_head_request);
                        }
                        response
                    }
                });
                let connection = http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(io, service);
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    let _ = connection.await;
                });
            }
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    break;
                }
            }
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
}

async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<ResponseBody>, DropConnection> {
    let ids = shared.next_ids();
    let (parts, incoming) = request.into_parts();
    let waits_for_continue = parts
        .headers
        .get(http::header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let mut incoming = Some(incoming);
    let response = respond(&shared, parts, &mut incoming, &ids).await?;
    // A body the answer did not need (refused request, ignored configuration, injected
    // fault) is read anyway, so the client is heard out and the connection stays usable.
    // A client waiting for `100 Continue` has sent nothing, and is not asked to.
    if !waits_for_continue && let Some(body) = incoming.take() {
        discard_body(body).await;
    }
    Ok(response)
}

async fn respond(
    shared: &Shared,
    parts: http::request::Parts,
    incoming: &mut Option<Incoming>,
    ids: &RequestIds,
) -> Result<Response<ResponseBody>, DropConnection> {
    let method = parts.method.clone();
    let routed = match route::route(&parts) {
        Ok(routed) => routed,
        Err(error) => {
            let resource = parts.uri.path().to_owned();
            return Ok(finish(
                shared,
                ids,
                error_response(&error, &method, &resource, ids),
            ));
        }
    };
    if let Target::Admin(rest) = &routed.target {
        return Ok(finish(
            shared,
            ids,
            admin::handle(shared, &method, rest, incoming.take()).await,
        ));
    }
    let operation = route::classify(&method, &routed, &parts);
    let chosen = shared
        .faults
        .choose(&method, &routed.resource_path(), operation);
    if !chosen.latency.is_zero() {
        tokio::time::sleep(chosen.latency).await;
    }
    let resource = routed.resource();
    let mut damage = None;
    match chosen.action {
        None | Some(Fault::Latency { .. }) => {}
        Some(Fault::Error {
            status,
            code,
            message,
        }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let message = message.unwrap_or_else(|| format!("Injected fault: {code}."));
            let error = CosError::new(status, code, message);
            return Ok(finish(
                shared,
                ids,
                error_response(&error, &method, &resource, ids),
            ));
        }
        Some(Fault::CloseConnection { after_bytes: None }) => return Err(DropConnection),
        Some(Fault::BadGatewayHtml) => {
            // A load balancer's page: none of COS's headers, so no `finish`.
            let page = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
                        <center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n\
                        </body>\r\n</html>\r\n";
            let mut response = Response::new(body::full(page));
            *response.status_mut() = StatusCode::BAD_GATEWAY;
            let headers = response.headers_mut();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
            headers.insert(CONTENT_LENGTH, HeaderValue::from(page.len()));
            headers.insert(SERVER, HeaderValue::from_static("nginx"));
            return Ok(response);
        }
        Some(Fault::OkWithErrorBody { code, message }) => {
            let message = message.unwrap_or_else(|| format!("Injected fault: {code}."));
            let body = xml::error(&code, &message, &resource, &ids.request_id, &ids.trace_id);
            let mut response = xml_response(StatusCode::OK, body);
            if let Ok(value) = HeaderValue::from_str(&ids.trace_id) {
                response.headers_mut().insert("x-cos-trace-id", value);
            }
            return Ok(finish(shared, ids, response));
        }
        Some(other) => damage = Some(other),
    }
    let now = shared.faults.now();
    let (parts, authenticated) = auth::authenticate(parts, &shared.config, now);
    let result = match authenticated {
        Ok(_) if operation == Operation::Other => Err(route::unsupported(&method, &routed)),
        Ok(_) => {
            let context = ops::Context {
                shared,
                parts: &parts,
                routed: &routed,
            };
            ops::dispatch(&context, operation, incoming).await
        }
        Err(error) => Err(error),
    };
    let response = match result {
        Ok(response) => response,
        Err(error) => error_response(&error, &method, &resource, ids),
    };
    let response = finish(shared, ids, response);
    Ok(match damage {
        Some(fault) => damage_response(response, &fault),
        None => response,
    })
}

/// Most of an unused request body that is read and thrown away, so that a client still
/// sending it sees the answer rather than a reset connection.
const DISCARD_LIMIT: u64 = 16 * 1024 * 1024;

/// Reads and drops an unread request body (up to [`DISCARD_LIMIT`]).
async fn discard_body(mut body: Incoming) {
    let mut discarded = 0u64;
    while discarded <= DISCARD_LIMIT {
        match body.frame().await {
            Some(Ok(frame)) => {
                discarded += frame.data_ref().map_or(0, |d| d.len() as u64);
            }
            _ => return,
        }
    }
}

fn damage_response(response: Response<ResponseBody>, fault: &Fault) -> Response<ResponseBody> {
    let length = response
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    let damage = match fault {
        Fault::CloseConnection { after_bytes } => Damage {
            abort_at: Some(after_bytes.unwrap_or(0)),
            ..Damage::default()
        },
        Fault::TruncateBody { after_bytes } => Damage {
            truncate_at: Some(after_bytes.unwrap_or(length / 2)),
            ..Damage::default()
        },
        Fault::CorruptBody => Damage {
            flip_at: (length > 0).then_some(length / 2),
            ..Damage::default()
        },
        _ => Damage::default(),
    };
    let (parts, body) = response.into_parts();
    Response::from_parts(parts, DamagedBody::wrap(body, damage))
}

/// Adds the headers every COS answer has.
fn finish(
    shared: &Shared,
    ids: &RequestIds,
    mut response: Response<ResponseBody>,
) -> Response<ResponseBody> {
    let headers = response.headers_mut();
    headers.insert(SERVER, HeaderValue::from_static("tencent-cos"));
    if let Ok(value) = HeaderValue::from_str(&time::http_date(shared.faults.now())) {
        headers.insert(DATE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&ids.request_id) {
        headers.insert("x-cos-request-id", value);
    }
    if !headers.contains_key(CONTENT_LENGTH) {
        headers.insert(CONTENT_LENGTH, HeaderValue::from(0));
    }
    response
}

pub(crate) fn xml_response(status: StatusCode, body: Vec<u8>) -> Response<ResponseBody> {
    let length = body.len();
    let mut response = Response::new(body::full(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/xml"));
    headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
    response
}

/// The COS error answer; HEAD requests get the headers only, as from COS.
pub(crate) fn error_response(
    error: &CosError,
    method: &Method,
    resource: &str,
    ids: &RequestIds,
) -> Response<ResponseBody> {
    let mut response = if *method == Method::HEAD {
        let mut response = Response::new(body::empty());
        *response.status_mut() = error.status;
        response
    } else {
        let body = xml::error(
            &error.code,
            &error.message,
            resource,
            &ids.request_id,
            &ids.trace_id,
        );
        xml_response(error.status, body)
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&ids.trace_id) {
        headers.insert("x-cos-trace-id", value);
    }
    response
}

/// Binds the listener (so the caller knows the address before serving starts).
pub(crate) async fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    TcpListener::bind(addr).await
}
