//! The `cos-emulator` binary: prints its address first, serves, stops on SIGTERM.

#![cfg(unix)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::*;
use http::{Method, StatusCode};

#[tokio::test]
async fn prints_its_address_serves_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cos-emulator"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--secret-id",
            SECRET_ID,
            "--secret-key",
            SECRET_KEY,
            "--region",
            "ap-beijing",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    let endpoint = first_line.trim();
    let addr = endpoint
        .strip_prefix("http://")
        .expect(endpoint)
        .parse()
        .unwrap();
    let client = Client {
        addr,
        secret_id: Some(SECRET_ID.into()),
        secret_key: SECRET_KEY.into(),
        token: None,
    };
    assert_eq!(
        client
            .request(Method::PUT, &format!("/{BUCKET}"))
            .send()
            .await
            .status,
        StatusCode::OK
    );
    let head = client
        .request(Method::HEAD, &format!("/{BUCKET}"))
        .send()
        .await;
    assert_eq!(head.header("x-cos-bucket-region"), Some("ap-beijing"));

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "clean exit on SIGTERM: {exit:?}");
}

#[test]
fn bad_arguments_are_named() {
    let output = Command::new(env!("CARGO_BIN_EXE_cos-emulator"))
        .args([
            "--listen",
            "nowhere",
            "--secret-id",
            "a",
            "--secret-key",
            "b",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--listen \"nowhere\""), "{stderr}");

    let output = Command::new(env!("CARGO_BIN_EXE_cos-emulator"))
        .args(["--secret-id", "a"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("--secret-key is required"));
}
