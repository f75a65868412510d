#!/usr/bin/env python3
"""Drives a running cos-emulator through the official COS Python SDK (cos-python-sdk-v5).

Usage: official_sdk.py ENDPOINT SECRET_ID SECRET_KEY

ENDPOINT is the emulator's address as it prints it (http://127.0.0.1:PORT). The SDK keeps
its real COS endpoint names and reaches the emulator as its HTTP proxy, so every request is
what the SDK would send to COS. Exits non-zero, naming the failed check, on any mismatch.
Run by `cargo xtask interop` (and `cargo xtask ci`).
"""

import base64
import hashlib
import os
import re
import sys
import tempfile
import urllib.error
import urllib.request

import crcmod
from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_exception import CosServiceError

REGION = "ap-guangzhou"
BUCKET = "interop-1250000000"
CRC64 = crcmod.mkCrcFun(0x142F0E1EBA9EA3693, initCrc=0, xorOut=0xFFFFFFFFFFFFFFFF, rev=True)
REQUEST_ID = re.compile(r"^[A-Za-z0-9+/]+=*$")

checks = 0


def check(condition, what):
    global checks
    if not condition:
        raise AssertionError(what)
    checks += 1


def client_for(endpoint, secret_id, secret_key):
    config = CosConfig(
        Region=REGION,
        SecretId=secret_id,
        SecretKey=secret_key,
        Scheme="http",
        Proxies={"http": endpoint},
    )
    return CosS3Client(config, retry=0)


def expect_service_error(call, code, status):
    try:
        call()
    except CosServiceError as error:
        check(error.get_error_code() == code, f"expected {code}, got {error.get_error_code()}: {error.get_origin_msg()}")
        check(error.get_status_code() == status, f"expected status {status} for {code}, got {error.get_status_code()}")
        request_id = error.get_request_id()
        check(bool(request_id) and REQUEST_ID.match(request_id), f"request id from the emulator: {request_id!r}")
        decoded = base64.b64decode(request_id).decode()
        check(re.match(r"^[0-9a-f]{8}_[0-9a-f]{8}_", decoded), f"request id is the emulator's: {decoded!r}")
        check(bool(error.get_trace_id()), "trace id present")
        check(error.get_resource_location(), "resource present")
        return error
    raise AssertionError(f"expected {code}, the call succeeded")


def main():
    endpoint, secret_id, secret_key = sys.argv[1:4]
    client = client_for(endpoint, secret_id, secret_key)

    client.create_bucket(Bucket=BUCKET)
    buckets = client.list_buckets()["Buckets"]["Bucket"]
    buckets = buckets if isinstance(buckets, list) else [buckets]
    check(BUCKET in [b["Name"] for b in buckets], f"bucket listed: {buckets}")
    client.head_bucket(Bucket=BUCKET)
    expect_service_error(lambda: client.create_bucket(Bucket=BUCKET), "BucketAlreadyOwnedByYou", 409)

    # put / get / head
    body = b"hello from the official SDK\n" * 100
    put = client.put_object(Bucket=BUCKET, Key="dir/hello.txt", Body=body, Metadata={"x-cos-meta-origin": "python"})
    check(put["ETag"] == '"%s"' % hashlib.md5(body).hexdigest(), f"put ETag {put['ETag']}")
    check(put["x-cos-hash-crc64ecma"] == str(CRC64(body)), "put CRC64")
    got = client.get_object(Bucket=BUCKET, Key="dir/hello.txt")
    check(got["Body"].get_raw_stream().read() == body, "get returns the body")
    check(got["x-cos-meta-origin"] == "python", "metadata returned")
    ranged = client.get_object(Bucket=BUCKET, Key="dir/hello.txt", Range="bytes=6-9")
    check(ranged["Body"].get_raw_stream().read() == body[6:10], "range")
    head = client.head_object(Bucket=BUCKET, Key="dir/hello.txt")
    check(head["Content-Length"] == str(len(body)), "head length")
    check(head["x-cos-hash-crc64ecma"] == str(CRC64(body)), "head CRC64")

    # listing with prefix and delimiter
    for key in ["dir/a", "dir/sub/b", "dir/sub/c", "other"]:
        client.put_object(Bucket=BUCKET, Key=key, Body=key.encode())
    listing = client.list_objects(Bucket=BUCKET, Prefix="dir/", Delimiter="/")
    keys = [c["Key"] for c in listing.get("Contents", [])]
    prefixes = [p["Prefix"] for p in listing.get("CommonPrefixes", [])]
    check(keys == ["dir/a", "dir/hello.txt"], f"listed keys {keys}")
    check(prefixes == ["dir/sub/"], f"common prefixes {prefixes}")
    paged = client.list_objects(Bucket=BUCKET, MaxKeys=2)
    check(paged["IsTruncated"] == "true" and len(paged["Contents"]) == 2, "paging")

    # copy
    copied = client.copy_object(
        Bucket=BUCKET,
        Key="copied.txt",
        CopySource={"Bucket": BUCKET, "Key": "dir/hello.txt", "Region": REGION},
    )
    check(copied["ETag"] == put["ETag"], f"copy ETag {copied}")
    check(client.get_object(Bucket=BUCKET, Key="copied.txt")["Body"].get_raw_stream().read() == body, "copy data")

    # multipart
    part1 = bytes(range(256)) * 4096  # 1 MiB
    part2 = b"tail"
    upload_id = client.create_multipart_upload(Bucket=BUCKET, Key="multi.bin")["UploadId"]
    etags = []
    for number, part in [(1, part1), (2, part2)]:
        etags.append(client.upload_part(Bucket=BUCKET, Key="multi.bin", Body=part, PartNumber=number, UploadId=upload_id)["ETag"])
    parts = client.list_parts(Bucket=BUCKET, Key="multi.bin", UploadId=upload_id)["Part"]
    check([p["PartNumber"] for p in parts] == ["1", "2"], f"list parts {parts}")
    done = client.complete_multipart_upload(
        Bucket=BUCKET,
        Key="multi.bin",
        UploadId=upload_id,
        MultipartUpload={"Part": [{"ETag": etags[0], "PartNumber": 1}, {"ETag": etags[1], "PartNumber": 2}]},
    )
    check(done["ETag"].endswith('-2"'), f"multipart ETag {done['ETag']}")
    whole = client.get_object(Bucket=BUCKET, Key="multi.bin")
    check(whole["Body"].get_raw_stream().read() == part1 + part2, "multipart data")
    check(whole["x-cos-hash-crc64ecma"] == str(CRC64(part1 + part2)), "multipart CRC64")

    # the SDK's own concurrent multipart upload and ranged download, CRC64 checked
    with tempfile.TemporaryDirectory() as scratch:
        source = os.path.join(scratch, "source.bin")
        target = os.path.join(scratch, "target.bin")
        payload = hashlib.sha256(b"seed").digest() * (1024 * 1024 // 32) * 5 + b"odd tail"  # 5 MiB + 8 bytes
        with open(source, "wb") as f:
            f.write(payload)
        uploaded = client.upload_file(Bucket=BUCKET, Key="uploaded.bin", LocalFilePath=source, PartSize=1, MAXThread=4, EnableMD5=True)
        check(uploaded["ETag"].endswith('-6"'), f"upload_file used 6 parts: {uploaded}")
        client.download_file(Bucket=BUCKET, Key="uploaded.bin", DestFilePath=target, PartSize=1, MAXThread=4, EnableCRC=True)
        with open(target, "rb") as f:
            check(f.read() == payload, "download_file returns what upload_file sent")

    # presigned download through plain HTTP
    url = client.get_presigned_download_url(Bucket=BUCKET, Key="dir/hello.txt", Expired=300)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": endpoint}))
    with opener.open(url) as response:
        check(response.read() == body, "presigned download")
    try:
        # Same length, one hex digit changed.
        damaged = re.sub(r"q-signature=(.)", lambda m: "q-signature=" + ("1" if m.group(1) == "0" else "0"), url)
        opener.open(damaged)
        raise AssertionError("a damaged presigned URL was accepted")
    except urllib.error.HTTPError as error:
        check(error.code == 403 and b"<Code>SignatureDoesNotMatch</Code>" in error.read(), "damaged presigned URL")

    # errors
    expect_service_error(lambda: client.get_object(Bucket=BUCKET, Key="missing"), "NoSuchKey", 404)
    wrong = client_for(endpoint, secret_id, secret_key + "x")
    expect_service_error(lambda: wrong.list_objects(Bucket=BUCKET), "SignatureDoesNotMatch", 403)
    unknown = client_for(endpoint, "AKIDunknown", secret_key)
    expect_service_error(lambda: unknown.list_objects(Bucket=BUCKET), "InvalidAccessKeyId", 403)
    expect_service_error(lambda: client.delete_bucket(Bucket=BUCKET), "BucketNotEmpty", 409)

    # delete, one and many
    client.delete_object(Bucket=BUCKET, Key="other")
    all_keys = [c["Key"] for c in client.list_objects(Bucket=BUCKET)["Contents"]]
    deleted = client.delete_objects(Bucket=BUCKET, Delete={"Object": [{"Key": k} for k in all_keys], "Quiet": "false"})
    check(sorted(d["Key"] for d in deleted["Deleted"]) == sorted(all_keys), f"delete multiple {deleted}")
    check("Contents" not in client.list_objects(Bucket=BUCKET), "bucket empty")
    client.delete_bucket(Bucket=BUCKET)
    expect_service_error(lambda: client.list_objects(Bucket=BUCKET), "NoSuchBucket", 404)

    print(f"official SDK interop: {checks} checks passed")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as failure:
        print(f"official SDK interop FAILED: {failure}", file=sys.stderr)
        sys.exit(1)
