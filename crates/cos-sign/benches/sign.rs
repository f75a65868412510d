//! Nanoseconds per signature: `cos_sign::authorization` beside a naive implementation (format!
//! strings, BTreeMap, String pushes) and beside the crypto floor (the two HMAC-SHA1 and the
//! SHA-1 every implementation computes, over inputs of the same sizes), in the same run.

use std::collections::BTreeMap;
use std::hint::black_box;

use cos_sign::{Credentials, HeaderPolicy, KeyTime, encode};
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use http::Request;
use sha1::{Digest, Sha1};

type HmacSha1 = Hmac<Sha1>;

fn typical_put() -> Request<()> {
    Request::put("https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/dir/object.bin?partNumber=3&uploadId=1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361")
        .header("host", "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com")
        .header("content-type", "application/octet-stream")
        .header("content-length", "5242880")
        .header("content-md5", "mQ/fVh815F3k6TAUm8m0eg==")
        .header("x-cos-meta-author", "Zhang San")
        .header("x-cos-storage-class", "STANDARD_IA")
        .body(())
        .unwrap()
}

fn long_unicode_get() -> Request<()> {
    let key = "目录/子目录/".repeat(10) + "a file with spaces, (parens) & ünïcödé.jpg";
    Request::get(format!(
        "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com{}",
        encode::path(&key)
    ))
    .header(
        "host",
        "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
    )
    .body(())
    .unwrap()
}

/// The obvious implementation: decode into Strings, collect into BTreeMaps, format! everything.
fn naive_authorization(
    request: &Request<()>,
    credentials: &Credentials,
    key_time: KeyTime,
) -> String {
    fn url_encode(input: &str) -> String {
        let mut out = String::new();
        for byte in input.bytes() {
            if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
                out.push(byte as char);
            } else {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
        out
    }
    fn decode(input: &str) -> String {
        percent_encoding::percent_decode_str(&input.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    }
    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
    let path = percent_encoding::percent_decode_str(request.uri().path())
        .decode_utf8_lossy()
        .into_owned();
    let mut params = BTreeMap::new();
    for pair in request
        .uri()
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        params.insert(
            url_encode(&decode(name)).to_lowercase(),
            url_encode(&decode(value)),
        );
    }
    let policy = HeaderPolicy::cos_default();
    let mut headers = BTreeMap::new();
    for (name, value) in request.headers() {
        if policy.signs(name) {
            headers.insert(
                url_encode(name.as_str()).to_lowercase(),
                url_encode(value.to_str().unwrap().trim()),
            );
        }
    }
    let join = |map: &BTreeMap<String, String>| {
        map.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    };
    let list = |map: &BTreeMap<String, String>| map.keys().cloned().collect::<Vec<_>>().join(";");
    let http_string = format!(
        "{}\n{}\n{}\n{}\n",
        request.method().as_str().to_lowercase(),
        path,
        join(&params),
        join(&headers)
    );
    let key_time = format!("{};{}", key_time.start(), key_time.end());
    let mut mac = HmacSha1::new_from_slice(credentials.secret_key().as_bytes()).unwrap();
    mac.update(key_time.as_bytes());
    let sign_key = hex(&mac.finalize().into_bytes());
    let string_to_sign = format!(
        "sha1\n{key_time}\n{}\n",
        hex(&Sha1::digest(http_string.as_bytes()))
    );
    let mut mac = HmacSha1::new_from_slice(sign_key.as_bytes()).unwrap();
    mac.update(string_to_sign.as_bytes());
    let signature = hex(&mac.finalize().into_bytes());
    format!(
        "q-sign-algorithm=sha1&q-ak={}&q-sign-time={key_time}&q-key-time={key_time}&q-header-list={}&q-url-param-list={}&q-signature={signature}",
        credentials.secret_id(),
        list(&headers),
        list(&params)
    )
}

/// The cryptography alone, over inputs of the sizes the real signature hashes.
struct Floor {
    secret_key: Vec<u8>,
    key_time: Vec<u8>,
    http_string: Vec<u8>,
    sign_key: Vec<u8>,
    string_to_sign: Vec<u8>,
}

impl Floor {
    fn run(&self) -> [u8; 20] {
        let mut mac = HmacSha1::new_from_slice(&self.secret_key).unwrap();
        mac.update(&self.key_time);
        let first = mac.finalize().into_bytes();
        let digest = Sha1::digest(&self.http_string);
        let mut mac = HmacSha1::new_from_slice(&self.sign_key).unwrap();
        mac.update(&self.string_to_sign);
        let mut out: [u8; 20] = mac.finalize().into_bytes().into();
        out[0] ^= first[0] ^ digest[0];
        out
    }
}

fn bench(c: &mut Criterion) {
    let credentials = Credentials::new(
        "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q",
        "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
    );
    let key_time = KeyTime::new(1557989151, 1557996351);
    for (name, request) in [
        ("put_6_headers_2_params", typical_put()),
        ("get_long_unicode_key", long_unicode_get()),
    ] {
        assert_eq!(
            naive_authorization(&request, &credentials, key_time),
            cos_sign::authorization(&request, &credentials, key_time)
        );
        let report = cos_sign::signing_report(
            &request,
            &credentials,
            key_time,
            &HeaderPolicy::cos_default(),
        );
        let floor = Floor {
            secret_key: credentials.secret_key().as_bytes().to_vec(),
            key_time: report.key_time().as_bytes().to_vec(),
            http_string: report.http_string().to_vec(),
            sign_key: report.sign_key().as_bytes().to_vec(),
            string_to_sign: report.string_to_sign().as_bytes().to_vec(),
        };
        let mut group = c.benchmark_group(name);
        group.bench_function("cos_sign", |b| {
            b.iter(|| {
                cos_sign::authorization(
                    black_box(&request),
                    black_box(&credentials),
                    black_box(key_time),
                )
            })
        });
        group.bench_function("naive", |b| {
            b.iter(|| {
                naive_authorization(
                    black_box(&request),
                    black_box(&credentials),
                    black_box(key_time),
                )
            })
        });
        group.bench_function("crypto_floor", |b| b.iter(|| black_box(&floor).run()));
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
