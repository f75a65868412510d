//! A tour of the client: `cargo run --example tour`.
//!
//! Runs against an embedded `cos-emulator` by default. To run it against COS itself, set
//! `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY` (and `TENCENTCLOUD_SESSION_TOKEN` for
//! temporary credentials), `COS_BUCKET` (`<name>-<appid>`, an existing bucket) and
//! `COS_REGION`; the tour then works under a `cos-rust-sdk-tour/` prefix and removes what
//! it wrote.

use std::time::Duration;

use cos_client::model::ListEntry;
use cos_client::{Client, Credentials, EnvironmentCredentials, PutBody};
use futures::TryStreamExt;

type Outcome = Result<(), Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> Outcome {
    let real = match (std::env::var("COS_BUCKET"), std::env::var("COS_REGION")) {
        (Ok(bucket), Ok(region)) if EnvironmentCredentials::read().is_ok() => {
            Some((bucket, region))
        }
        _ => None,
    };
    match real {
        Some((bucket, region)) => {
            println!(
                "== COS itself: bucket {bucket} in {region} (credentials from the environment)"
            );
            let client = Client::builder()
                .region(region)
                .credentials(EnvironmentCredentials)
                .build()?;
            let bucket = client.bucket(&bucket)?;
            tour(&client, &bucket, "cos-rust-sdk-tour/", None).await
        }
        None => on_emulator().await,
    }
}

/// The tour against an emulator started in this process.
async fn on_emulator() -> Outcome {
    println!(
        "== embedded emulator (set TENCENTCLOUD_SECRET_ID/_KEY, COS_BUCKET and COS_REGION to use COS)"
    );
    let emulator =
        cos_emulator::Emulator::start(cos_emulator::Config::new("AKIDtour", "tour-secret-key"))
            .await?;
    println!("   listening on {}", emulator.endpoint());
    let client = Client::builder()
        .endpoint(emulator.endpoint())
        .region(emulator.region())
        .credentials(Credentials::new("AKIDtour", "tour-secret-key"))
        .build()?;
    let bucket = client.bucket(&format!("tour-{}", emulator.appid()))?;
    println!("\n-- create bucket {}", bucket.name());
    bucket.create().await?;
    println!("   exists: {}", bucket.exists().await?);
    tour(&client, &bucket, "", Some(&emulator)).await?;
    println!("\n-- delete bucket");
    bucket.delete().await?;
    let exists = bucket.exists().await?;
    println!("   exists: {exists}");
    emulator.shutdown().await;
    if exists {
        return Err("the tour left its bucket behind".into());
    }
    Ok(())
}

async fn tour(
    client: &Client,
    bucket: &cos_client::Bucket,
    prefix: &str,
    emulator: Option<&cos_emulator::Emulator>,
) -> Outcome {
    let key = |name: &str| format!("{prefix}{name}");

    println!("\n-- upload (CRC-64 checked against x-cos-hash-crc64ecma)");
    let put = bucket
        .put_object(&key("docs/readme.txt"))
        .content_type("text/plain; charset=utf-8")
        .metadata("author", "tour")
        .body("Hello from the cos-client tour!\n")
        .send()
        .await?;
    println!(
        "   docs/readme.txt  etag {}  crc64 {:?}",
        put.etag.unwrap_or_default(),
        put.crc64
    );
    for name in ["docs/a.txt", "docs/b.txt", "images/cat.jpg", "top.txt"] {
        bucket
            .put_object(&key(name))
            .body(format!("content of {name}"))
            .send()
            .await?;
    }
    let local = std::env::temp_dir().join(format!("cos-tour-upload-{}.bin", std::process::id()));
    std::fs::write(&local, vec![7u8; 256 * 1024])?;
    bucket
        .put_object(&key("data/blob.bin"))
        .body(PutBody::file(&local).await?)
        .send()
        .await?;
    println!("   5 more objects, one of them from a 256 KiB file");

    println!("\n-- multipart upload: a 5 MiB file in 1 MiB parts, 4 at a time");
    let big = std::env::temp_dir().join(format!("cos-tour-big-{}.bin", std::process::id()));
    std::fs::write(
        &big,
        (0..5 * 1024 * 1024u32)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>(),
    )?;
    // On a part that keeps failing, the error carries the upload id and the finished
    // parts, and `.resume(..)` continues from there.
    let uploaded = bucket
        .upload_file(&key("data/big.bin"), &big)
        .part_size(1024 * 1024)
        .concurrency(4)
        .send()
        .await?;
    let _ = std::fs::remove_file(&big);
    println!(
        "   data/big.bin  {} bytes in {} parts  etag {}  crc64 {:?} (checked against the parts')",
        uploaded.size,
        uploaded.parts,
        uploaded.etag.unwrap_or_default(),
        uploaded.crc64
    );

    println!("\n-- list with delimiter '/'");
    let entries: Vec<ListEntry> = bucket
        .list_objects()
        .prefix(prefix)
        .delimiter("/")
        .entries()
        .try_collect()
        .await?;
    for entry in &entries {
        match entry {
            ListEntry::CommonPrefix(p) => println!("   [dir]  {p}"),
            ListEntry::Object(o) => println!("   {:>7}  {}", o.size, o.key),
        }
    }
    println!("\n-- list everything, 2 keys per page");
    let pages: Vec<_> = bucket
        .list_objects()
        .prefix(prefix)
        .max_keys(2)
        .pages()
        .try_collect()
        .await?;
    for (number, page) in pages.iter().enumerate() {
        let keys: Vec<&str> = page.contents.iter().map(|o| o.key.as_str()).collect();
        println!("   page {}: {keys:?}", number + 1);
    }

    println!("\n-- download");
    let object = bucket.get_object(&key("docs/readme.txt")).send().await?;
    println!(
        "   {:?} ({:?}, metadata {:?})",
        String::from_utf8_lossy(&object.body),
        object.meta.content_type,
        object.meta.metadata
    );
    let part = bucket
        .get_object(&key("docs/readme.txt"))
        .range(0..=4)
        .send()
        .await?;
    println!("   bytes 0..=4: {:?}", String::from_utf8_lossy(&part.body));
    let stream = bucket
        .get_object(&key("data/blob.bin"))
        .send_stream()
        .await?;
    let chunks: Vec<bytes::Bytes> = stream.try_collect().await?;
    println!(
        "   streamed data/blob.bin: {} bytes in {} chunks (verified)",
        chunks.iter().map(|c| c.len()).sum::<usize>(),
        chunks.len()
    );
    let downloaded =
        std::env::temp_dir().join(format!("cos-tour-download-{}.bin", std::process::id()));
    let meta = bucket
        .get_object(&key("data/blob.bin"))
        .to_file(&downloaded)
        .await?;
    println!(
        "   saved to {} ({:?} bytes, crc64 {:?})",
        downloaded.display(),
        meta.content_length,
        meta.crc64
    );

    println!("\n-- head");
    let meta = bucket.head_object(&key("docs/readme.txt")).send().await?;
    println!(
        "   size {:?}, etag {:?}, type {:?}, crc64 {:?}",
        meta.content_length, meta.etag, meta.content_type, meta.crc64
    );

    println!("\n-- copy");
    let copied = bucket
        .copy_object(&key("docs/readme-copy.txt"))
        .source_key(&key("docs/readme.txt"))
        .send()
        .await?;
    println!("   docs/readme-copy.txt etag {}", copied.etag);

    println!("\n-- presigned GET URL (valid 5 minutes)");
    let url = bucket
        .presign(
            http::Method::GET,
            &key("docs/readme.txt"),
            Duration::from_secs(300),
        )
        .url()
        .await?;
    println!("   {url}");

    if let Some(emulator) = emulator {
        println!("\n-- retries: the emulator throttles the next two uploads (503 SlowDown)");
        emulator.faults().add(
            cos_emulator::FaultRule::new(cos_emulator::Fault::Error {
                status: 503,
                code: "SlowDown".into(),
                message: None,
            })
            .operation(cos_emulator::Operation::PutObject)
            .times(2),
        );
        bucket
            .put_object(&key("retried.txt"))
            .body("made it")
            .send()
            .await?;
        println!("   uploaded after backing off and retrying twice");
    }

    println!("\n-- error handling: a key that does not exist");
    match bucket.get_object(&key("no/such/key.txt")).send().await {
        Ok(_) => println!("   unexpectedly found"),
        Err(error) => {
            println!("   {error}");
            if let Some(service) = error.as_service() {
                println!("   status      {}", service.status());
                println!("   code        {}", service.code());
                println!("   message     {}", service.message());
                println!("   request id  {}", service.request_id().unwrap_or("-"));
                println!("   trace id    {}", service.trace_id().unwrap_or("-"));
                println!("   resource    {}", service.resource().unwrap_or("-"));
                println!("   retryable   {}", error.is_retryable());
            }
        }
    }

    println!("\n-- delete");
    let names = [
        "docs/readme.txt",
        "docs/readme-copy.txt",
        "docs/a.txt",
        "docs/b.txt",
        "images/cat.jpg",
        "top.txt",
        "data/blob.bin",
        "data/big.bin",
    ];
    let result = bucket.delete_objects(names.iter().map(|n| key(n))).await?;
    println!(
        "   deleted {} keys in one request, {} failed",
        result.deleted.len(),
        result.failed.len()
    );
    if emulator.is_some() {
        bucket.delete_object(&key("retried.txt")).await?;
    }
    let left: Vec<ListEntry> = bucket
        .list_objects()
        .prefix(prefix)
        .entries()
        .try_collect()
        .await?;
    println!("   objects left under the prefix: {}", left.len());
    let _ = std::fs::remove_file(&local);
    let _ = std::fs::remove_file(&downloaded);
    let _ = client;
    Ok(())
}

// `cargo test` runs the README's main job too (the example is built with `test = true`).
#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn the_tour_runs_to_the_end_on_the_emulator() {
        super::on_emulator()
            .await
            .unwrap_or_else(|error| panic!("the tour failed: {error}"));
    }
}
