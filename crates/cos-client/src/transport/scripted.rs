//! An in-memory [`Transport`] for unit tests (feature `test-util`).
//!
//! [`ScriptedTransport`] answers requests from a queue of scripted outcomes, in order,
//! and records each request it received (method, URI, headers and the whole body), so a
//! test can check what the client sent — the retry marker, the signature, the body
//! replayed on a second attempt — without a server.
//!
//! ```
//! use cos_client::transport::scripted::{ScriptedTransport, ScriptedResponse};
//! use cos_client::transport::{Transport, TransportError};
//!
//! # tokio_test_block_on(async {
//! let transport = ScriptedTransport::new();
//! transport.push(ScriptedResponse::status(503));
//! transport.push(ScriptedResponse::status(200).body("done"));
//! let request = http::Request::get("http://127.0.0.1/b/k").body("".into()).unwrap();
//! let answer = transport.send(request).await.unwrap();
//! assert_eq!(answer.status(), 503);
//! assert_eq!(transport.requests().len(), 1);
//! # });
//! # fn tokio_test_block_on(f: impl std::future::Future<Output = ()>) {
//! #     futures::executor::block_on(f)
//! # }
//! ```

use std::collections::VecDeque;
use std::sync::Mutex;

use bytes::Bytes;

use super::{Body, ResponseBody, Transport, TransportError};

/// One scripted outcome: a response, possibly with a body that breaks off, or an error.
#[derive(Debug)]
pub struct ScriptedResponse {
    outcome: Outcome,
}

#[derive(Debug)]
enum Outcome {
    Response {
        status: http::StatusCode,
        headers: http::HeaderMap,
        body: Bytes,
        /// After the body, the stream fails with this error instead of ending.
        break_after_body: bool,
    },
    Error(TransportError),
}

impl ScriptedResponse {
    /// A response with `status`, no headers and an empty body.
    ///
    /// # Panics
    /// If `status` is not a valid HTTP status code (100..=999).
    pub fn status(status: u16) -> Self {
        let status = http::StatusCode::from_u16(status).expect("a valid HTTP status code");
        ScriptedResponse {
            outcome: Outcome::Response {
                status,
                headers: http::HeaderMap::new(),
                body: Bytes::new(),
                break_after_body: false,
            },
        }
    }

    /// A transport failure instead of a response.
    pub fn error(error: TransportError) -> Self {
        ScriptedResponse {
            outcome: Outcome::Error(error),
        }
    }

    /// Adds a response header.
    ///
    /// # Panics
    /// If `name` or `value` is not a valid header name or value.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let Outcome::Response { headers, .. } = &mut self.outcome {
            headers.append(
                http::HeaderName::from_bytes(name.as_bytes()).expect("a valid header name"),
                http::HeaderValue::from_str(value).expect("a valid header value"),
            );
        }
        self
    }

    /// Sets the response body.
    pub fn body(mut self, bytes: impl Into<Bytes>) -> Self {
        if let Outcome::Response { body, .. } = &mut self.outcome {
            *body = bytes.into();
        }
        self
    }

    /// Makes the body stream fail (as a dropped connection) after its bytes.
    pub fn break_after_body(mut self) -> Self {
        if let Outcome::Response {
            break_after_body, ..
        } = &mut self.outcome
        {
            *break_after_body = true;
        }
        self
    }
}

/// A request as the transport received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// The method.
    pub method: http::Method,
    /// The absolute URI.
    pub uri: http::Uri,
    /// Every header sent.
    pub headers: http::HeaderMap,
    /// The whole body.
    pub body: Bytes,
}

/// A [`Transport`] answering from a script; see the [module docs](self).
#[derive(Debug, Default)]
pub struct ScriptedTransport {
    script: Mutex<VecDeque<ScriptedResponse>>,
    requests: Mutex<Vec<RecordedRequest>>,
}

impl ScriptedTransport {
    /// A transport with an empty script.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues the answer to the next unanswered request.
    pub fn push(&self, response: ScriptedResponse) {
        self.script
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(response);
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// How many scripted answers are left.
    pub fn remaining(&self) -> usize {
        self.script.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

#[async_trait::async_trait]
impl Transport for ScriptedTransport {
    async fn send(
        &self,
        request: http::Request<Body>,
    ) -> Result<http::Response<ResponseBody>, TransportError> {
        let (parts, body) = request.into_parts();
        let body = body.collect().await?;
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(RecordedRequest {
                method: parts.method,
                uri: parts.uri,
                headers: parts.headers,
                body,
            });
        let next = self
            .script
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop_front();
        let Some(next) = next else {
            return Err(TransportError::other(
                "the scripted transport has no answer left",
            ));
        };
        match next.outcome {
            Outcome::Error(error) => Err(error),
            Outcome::Response {
                status,
                headers,
                body,
                break_after_body,
            } => {
                let body = if break_after_body {
                    let items: Vec<Result<Bytes, TransportError>> = vec![
                        Ok(body),
                        Err(TransportError::io(std::io::Error::new(
                            std::io::ErrorKind::UnexpectedEof,
                            "connection closed before the end of the body",
                        ))),
                    ];
                    ResponseBody::from_stream(futures::stream::iter(items))
                } else {
                    ResponseBody::from_bytes(body)
                };
                let mut response = http::Response::new(body);
                *response.status_mut() = status;
                *response.headers_mut() = headers;
                Ok(response)
            }
        }
    }
}
