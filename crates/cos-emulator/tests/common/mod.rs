//! A tiny HTTP client for driving the emulator in tests: one connection per request,
//! hyper's HTTP/1 client, requests signed with `cos_sign` when credentials are set.

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;

use bytes::Bytes;
use cos_emulator::{Config, Emulator};
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

pub const SECRET_ID: &str = "AKIDtestemulator";
pub const SECRET_KEY: &str = "testsecretkey";
pub const BUCKET: &str = "test-1250000000";

pub async fn start() -> Emulator {
    start_with(Config::new(SECRET_ID, SECRET_KEY)).await
}

pub async fn start_with(config: Config) -> Emulator {
    Emulator::start(config).await.expect("emulator starts")
}

/// An emulator with [`BUCKET`] created, and a client for it.
pub async fn with_bucket() -> (Emulator, Client) {
    let emulator = start().await;
    let client = Client::new(&emulator);
    let reply = client
        .request(Method::PUT, &format!("/{BUCKET}"))
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    (emulator, client)
}

#[derive(Clone)]
pub struct Client {
    pub addr: SocketAddr,
    pub secret_id: Option<String>,
    pub secret_key: String,
    pub token: Option<String>,
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The text of the first `<name>` element of the body.
    pub fn xml(&self, name: &str) -> Option<String> {
        let text = self.text();
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find(&format!("</{name}>"))? + start;
        Some(text[start..end].to_owned())
    }

    pub fn xml_all(&self, name: &str) -> Vec<String> {
        let text = self.text();
        let open = format!("<{name}>");
        let close = format!("</{name}>");
        let mut out = Vec::new();
        let mut rest = text.as_str();
        while let Some(at) = rest.find(&open) {
            rest = &rest[at + open.len()..];
            let end = rest.find(&close).expect("closed");
            out.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
        out
    }

    /// The error code of a COS error answer, checking the answer is COS-shaped.
    pub fn code(&self) -> String {
        assert!(self.header("x-cos-request-id").is_some(), "no request id");
        assert!(self.header("x-cos-trace-id").is_some(), "no trace id");
        assert_eq!(
            self.xml("RequestId").as_deref(),
            self.header("x-cos-request-id"),
            "{}",
            self.text()
        );
        for field in ["Message", "Resource", "TraceId"] {
            assert!(self.xml(field).is_some(), "no {field} in {}", self.text());
        }
        self.xml("Code")
            .unwrap_or_else(|| panic!("no Code in {}", self.text()))
    }
}

pub struct RequestBuilder {
    client: Client,
    request: Request<Full<Bytes>>,
    sign: bool,
}

impl Client {
    pub fn new(emulator: &Emulator) -> Self {
        Client {
            addr: emulator.addr(),
            secret_id: Some(SECRET_ID.to_owned()),
            secret_key: SECRET_KEY.to_owned(),
            token: None,
        }
    }

    pub fn anonymous(&self) -> Self {
        Client {
            secret_id: None,
            ..self.clone()
        }
    }

    pub fn with_key(&self, secret_id: &str, secret_key: &str) -> Self {
        Client {
            secret_id: Some(secret_id.to_owned()),
            secret_key: secret_key.to_owned(),
            ..self.clone()
        }
    }

    /// A path-style request to this emulator (`/bucket/key?query`, already encoded).
    pub fn request(&self, method: Method, path_and_query: &str) -> RequestBuilder {
        let request = Request::builder()
            .method(method)
            .uri(path_and_query)
            .header("host", self.addr.to_string())
            .body(Full::new(Bytes::new()))
            .unwrap();
        RequestBuilder {
            client: self.clone(),
            request,
            sign: true,
        }
    }

    /// A request with an arbitrary target (absolute form) and Host.
    pub fn request_to(&self, method: Method, uri: &str, host: &str) -> RequestBuilder {
        let mut builder = self.request(method, "/");
        *builder.request.uri_mut() = uri.parse().unwrap();
        builder
            .request
            .headers_mut()
            .insert("host", HeaderValue::from_str(host).unwrap());
        builder
    }

    pub async fn put(&self, path: &str, body: impl Into<Bytes>) -> Reply {
        self.request(Method::PUT, path).body(body).send().await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.request(Method::GET, path).send().await
    }
}

impl RequestBuilder {
    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        self.request
            .headers_mut()
            .insert(name, HeaderValue::from_str(value).unwrap());
        self
    }

    pub fn remove_header(mut self, name: &'static str) -> Self {
        self.request.headers_mut().remove(name);
        self
    }

    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        let body = body.into();
        let length = body.len();
        *self.request.body_mut() = Full::new(body);
        self.header("content-length", &length.to_string())
    }

    pub fn unsigned(mut self) -> Self {
        self.sign = false;
        self
    }

    /// The request as it would be sent (signed).
    pub fn build(mut self) -> Request<Full<Bytes>> {
        let method = self.request.method().clone();
        if (method == Method::PUT || method == Method::POST)
            && !self.request.headers().contains_key("content-length")
        {
            self.request
                .headers_mut()
                .insert("content-length", HeaderValue::from(0));
        }
        if self.sign
            && let Some(secret_id) = &self.client.secret_id
        {
            sign(
                &mut self.request,
                secret_id,
                &self.client.secret_key,
                self.client.token.as_deref(),
            );
        }
        self.request
    }

    pub async fn send(self) -> Reply {
        let addr = self.client.addr;
        send_raw(addr, self.build())
            .await
            .expect("request answered")
    }
}

pub fn sign(
    request: &mut Request<Full<Bytes>>,
    secret_id: &str,
    secret_key: &str,
    token: Option<&str>,
) {
    let mut credentials = cos_sign::Credentials::new(secret_id, secret_key);
    if let Some(token) = token {
        credentials = credentials.with_session_token(token);
    }
    cos_sign::sign(
        request,
        &credentials,
        cos_sign::KeyTime::from_now(std::time::Duration::from_secs(600)),
    );
}

/// Sends one request on a new connection and reads the whole answer.
pub async fn send_raw(addr: SocketAddr, request: Request<Full<Bytes>>) -> Result<Reply, String> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("send: {e}"))?;
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|e| format!("body: {e}"))?
        .to_bytes();
    Ok(Reply {
        status: parts.status,
        headers: parts.headers,
        body,
    })
}

/// Writes raw bytes on a new connection and reads until the server closes it.
pub async fn send_bytes(addr: SocketAddr, bytes: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

pub fn md5_base64(data: &[u8]) -> String {
    use base64::Engine;
    use md5::Digest;
    base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(data))
}

pub fn md5_hex(data: &[u8]) -> String {
    use md5::Digest;
    md5::Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// CRC-64/XZ from the table-driven `crc` crate: an implementation independent of the
/// one the emulator uses, so the tests check the server rather than repeat it.
pub const CRC_64_XZ: crc::Crc<u64> = crc::Crc::<u64>::new(&crc::CRC_64_XZ);

pub fn crc64(data: &[u8]) -> u64 {
    CRC_64_XZ.checksum(data)
}

/// Deterministic test data.
pub fn data(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| {
            (i as u32)
                .wrapping_mul(2_654_435_761)
                .rotate_left(seed as u32 % 31) as u8
                ^ seed
        })
        .collect()
}
