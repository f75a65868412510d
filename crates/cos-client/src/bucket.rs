//! The bucket handle: bucket operations and the entry points of object operations.

use cos_types::{BucketName, Result};
use futures::{Stream, TryStreamExt};
use http::Method;

use crate::client::{Client, Operation, Sink, decode_error};
use crate::model::{ListEntry, ListMultipartUploadsPage, ListObjectsPage, MultipartUploadSummary};
use crate::object::{
    AppendObject, CopyObject, GetObject, HeadObject, InitiateMultipartUpload, PutObject,
};
use crate::options::{CannedAcl, Headers};
use crate::xml;

/// A bucket of a [`Client`]: cheap to clone, borrows nothing.
#[derive(Debug, Clone)]
pub struct Bucket {
    client: Client,
    name: BucketName,
}

impl Bucket {
    pub(crate) fn new(client: Client, name: BucketName) -> Self {
        Bucket { client, name }
    }

    /// The bucket's name.
    pub fn name(&self) -> &BucketName {
        &self.name
    }

    /// The client this handle uses.
    pub fn client(&self) -> &Client {
        &self.client
    }

    fn bucket_op(&self, name: &'static str, method: Method) -> Operation {
        let mut op = Operation::new(name, method);
        op.bucket = Some(self.name.clone());
        op
    }

    /// PUT Bucket: creates the bucket (private).
    pub async fn create(&self) -> Result<()> {
        self.create_with_acl(CannedAcl::Private).await
    }

    /// PUT Bucket with a canned ACL.
    pub async fn create_with_acl(&self, acl: CannedAcl) -> Result<()> {
        let mut headers = Headers::default();
        headers.set("x-cos-acl", acl.as_str());
        let mut op = self.bucket_op("CreateBucket", Method::PUT);
        op.headers = headers.take()?;
        self.client.execute(op, Sink::Buffer).await?;
        Ok(())
    }

    /// HEAD Bucket: succeeds when the bucket exists and is accessible.
    pub async fn head(&self) -> Result<()> {
        self.client
            .execute(self.bucket_op("HeadBucket", Method::HEAD), Sink::Buffer)
            .await?;
        Ok(())
    }

    /// Whether the bucket exists: `false` on 404, an error on anything but 2xx/404 (403 included).
    pub async fn exists(&self) -> Result<bool> {
        match self.head().await {
            Ok(()) => Ok(true),
            Err(error) if error.status() == Some(http::StatusCode::NOT_FOUND) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// DELETE Bucket (it must be empty).
    pub async fn delete(&self) -> Result<()> {
        self.client
            .execute(self.bucket_op("DeleteBucket", Method::DELETE), Sink::Buffer)
            .await?;
        Ok(())
    }

    /// PUT Object: `bucket.put_object("key").content_type("text/plain").body("hi").send().await`.
    pub fn put_object(&self, key: &str) -> PutObject {
        PutObject::new(self.clone(), key)
    }

    /// GET Object: into memory ([`send`](GetObject::send)), as a stream
    /// ([`send_stream`](GetObject::send_stream)) or to a file ([`to_file`](GetObject::to_file)).
    pub fn get_object(&self, key: &str) -> GetObject {
        GetObject::new(self.clone(), key)
    }

    /// HEAD Object.
    pub fn head_object(&self, key: &str) -> HeadObject {
        HeadObject::new(self.clone(), key)
    }

    /// PUT Object - Copy into `key`; name the source with [`CopyObject::source_key`].
    pub fn copy_object(&self, key: &str) -> CopyObject {
        CopyObject::new(self.clone(), key)
    }

    /// Append Object at `position` (0 creates an appendable object).
    pub fn append_object(&self, key: &str, position: u64) -> AppendObject {
        AppendObject::new(self.clone(), key, position)
    }

    /// Initiate Multipart Upload.
    pub fn initiate_multipart_upload(&self, key: &str) -> InitiateMultipartUpload {
        InitiateMultipartUpload::new(self.clone(), key)
    }

    /// GET Bucket (list objects v1), paginated; see [`ListObjects`].
    pub fn list_objects(&self) -> ListObjects {
        ListObjects {
            bucket: self.clone(),
            prefix: None,
            delimiter: None,
            marker: None,
            max_keys: None,
        }
    }

    /// List Multipart Uploads: the uploads begun and neither completed nor aborted,
    /// paginated; see [`ListMultipartUploads`].
    pub fn list_multipart_uploads(&self) -> ListMultipartUploads {
        ListMultipartUploads {
            bucket: self.clone(),
            prefix: None,
            max_uploads: None,
        }
    }
}

/// GET Bucket (list objects v1); built by [`Bucket::list_objects`].
///
/// Keys are requested with `encoding-type=url` (so any byte survives XML) and decoded.
#[derive(Debug, Clone)]
#[must_use = "a listing does nothing until its stream is polled"]
pub struct ListObjects {
    bucket: Bucket,
    prefix: Option<String>,
    delimiter: Option<String>,
    marker: Option<String>,
    max_keys: Option<u32>,
}

impl ListObjects {
    /// Only keys starting with `prefix`.
    pub fn prefix(mut self, prefix: &str) -> Self {
        self.prefix = Some(prefix.to_owned());
        self
    }

    /// Groups keys sharing a prefix up to `delimiter` (usually `/`) into common prefixes.
    pub fn delimiter(mut self, delimiter: &str) -> Self {
        self.delimiter = Some(delimiter.to_owned());
        self
    }

    /// Starts after this key.
    pub fn marker(mut self, marker: &str) -> Self {
        self.marker = Some(marker.to_owned());
        self
    }

    /// Page size (1..=1000; COS's default is 1000).
    pub fn max_keys(mut self, max_keys: u32) -> Self {
        self.max_keys = Some(max_keys);
        self
    }

    /// One page, starting after `marker`.
    pub async fn page(&self, marker: Option<&str>) -> Result<ListObjectsPage> {
        let mut op = Operation::new("ListObjects", Method::GET);
        op.bucket = Some(self.bucket.name.clone());
        if let Some(prefix) = &self.prefix {
            op.query.push(("prefix", Some(prefix.clone())));
        }
        if let Some(delimiter) = &self.delimiter {
            op.query.push(("delimiter", Some(delimiter.clone())));
        }
        op.query.push(("encoding-type", Some("url".to_owned())));
        if let Some(marker) = marker {
            op.query.push(("marker", Some(marker.to_owned())));
        }
        if let Some(max_keys) = self.max_keys {
            op.query.push(("max-keys", Some(max_keys.to_string())));
        }
        let answer = self.bucket.client.execute(op, Sink::Buffer).await?;
        xml::list_objects(answer.bytes()).map_err(|e| decode_error("ListObjects", e))
    }

    /// Every page, fetched as the stream is polled.
    pub fn pages(self) -> impl Stream<Item = Result<ListObjectsPage>> + Send + 'static {
        let start = self.marker.clone();
        futures::stream::try_unfold((self, Some(start)), |(list, next)| async move {
            let Some(marker) = next else { return Ok(None) };
            let page = list.page(marker.as_deref()).await?;
            let following = page.continuation();
            if page.is_truncated && following.is_none() {
                // ending here would pass a partial listing off as complete
                return Err(crate::error::client_error(
                    cos_types::ClientErrorKind::Decode,
                    "ListObjects: a page says more results follow but gives no NextMarker, \
                     key or common prefix to continue from",
                ));
            }
            if following.is_some() && following == marker {
                // a truncated page that does not move the marker would be fetched forever
                return Err(crate::error::client_error(
                    cos_types::ClientErrorKind::Decode,
                    format!(
                        "ListObjects: a truncated page did not advance past marker {following:?}"
                    ),
                ));
            }
            Ok(Some((page, (list, following.map(Some)))))
        })
    }

    /// Every object and common prefix, across pages.
    pub fn entries(self) -> impl Stream<Item = Result<ListEntry>> + Send + 'static {
        self.pages()
            .map_ok(|page| {
                let prefixes = page
                    .common_prefixes
                    .into_iter()
                    .map(ListEntry::CommonPrefix);
                let objects = page.contents.into_iter().map(ListEntry::Object);
                futures::stream::iter(prefixes.chain(objects).map(Ok))
            })
            .try_flatten()
    }
}

/// List Multipart Uploads (`GET /?uploads`); built by [`Bucket::list_multipart_uploads`].
///
/// Lists the uploads begun and neither completed nor aborted, by key and then by when they
/// were begun: what a process that lost its state can resume with
/// [`Upload::resume_from_server`](crate::Upload::resume_from_server), or should abort.
/// Keys are requested with `encoding-type=url` and decoded.
///
/// # Example
///
/// ```
/// use futures::TryStreamExt;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let emulator = cos_emulator::Emulator::start(cos_emulator::Config::new("AKIDexample", "secret")).await?;
/// # let client = cos_client::Client::builder()
/// #     .endpoint(emulator.endpoint())
/// #     .credentials(cos_client::Credentials::new("AKIDexample", "secret"))
/// #     .build()?;
/// # let bucket = client.bucket("examplebucket-1250000000")?;
/// # bucket.create().await?;
/// let begun = bucket.initiate_multipart_upload("backups/disk.img").send().await?;
/// let uploads: Vec<_> = bucket
///     .list_multipart_uploads()
///     .prefix("backups/")
///     .uploads()
///     .try_collect()
///     .await?;
/// assert_eq!(uploads.len(), 1);
/// assert_eq!(uploads[0].key, "backups/disk.img");
/// assert_eq!(uploads[0].upload_id, begun.upload_id);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a listing does nothing until its stream is polled"]
pub struct ListMultipartUploads {
    bucket: Bucket,
    prefix: Option<String>,
    max_uploads: Option<u32>,
}

impl ListMultipartUploads {
    /// Only uploads whose key starts with `prefix`.
    pub fn prefix(mut self, prefix: &str) -> Self {
        self.prefix = Some(prefix.to_owned());
        self
    }

    /// Page size (1..=1000; COS's default is 1000).
    pub fn max_uploads(mut self, max_uploads: u32) -> Self {
        self.max_uploads = Some(max_uploads);
        self
    }

    /// One page, starting after `key_marker` (and, for that key, after `upload_id_marker`).
    pub async fn page(
        &self,
        key_marker: Option<&str>,
        upload_id_marker: Option<&str>,
    ) -> Result<ListMultipartUploadsPage> {
        let mut op = Operation::new("ListMultipartUploads", Method::GET);
        op.bucket = Some(self.bucket.name.clone());
        op.query.push(("uploads", None));
        if let Some(prefix) = &self.prefix {
            op.query.push(("prefix", Some(prefix.clone())));
        }
        op.query.push(("encoding-type", Some("url".to_owned())));
        if let Some(key_marker) = key_marker {
            op.query.push(("key-marker", Some(key_marker.to_owned())));
        }
        if let Some(upload_id_marker) = upload_id_marker {
            op.query
                .push(("upload-id-marker", Some(upload_id_marker.to_owned())));
        }
        if let Some(max_uploads) = self.max_uploads {
            op.query
                .push(("max-uploads", Some(max_uploads.to_string())));
        }
        let answer = self.bucket.client.execute(op, Sink::Buffer).await?;
        xml::list_multipart_uploads(answer.bytes())
            .map_err(|e| decode_error("ListMultipartUploads", e))
    }

    /// Every page, fetched as the stream is polled.
    pub fn pages(self) -> impl Stream<Item = Result<ListMultipartUploadsPage>> + Send + 'static {
        type Markers = (Option<String>, Option<String>);
        let start: Markers = (None, None);
        futures::stream::try_unfold(
            (self, Some(start)),
            |(list, next): (ListMultipartUploads, Option<Markers>)| async move {
                let Some((key_marker, upload_id_marker)) = next else {
                    return Ok(None);
                };
                let page = list
                    .page(key_marker.as_deref(), upload_id_marker.as_deref())
                    .await?;
                let following = page.continuation();
                if page.is_truncated && following.is_none() {
                    // ending here would pass a partial listing off as complete
                    return Err(crate::error::client_error(
                        cos_types::ClientErrorKind::Decode,
                        "ListMultipartUploads: a page says more results follow but gives no \
                         NextKeyMarker or upload to continue from",
                    ));
                }
                let following = following.map(|(key, upload_id)| (Some(key), upload_id));
                if following
                    .as_ref()
                    .is_some_and(|f| *f == (key_marker.clone(), upload_id_marker.clone()))
                {
                    // a truncated page that does not move the markers would be fetched forever
                    return Err(crate::error::client_error(
                        cos_types::ClientErrorKind::Decode,
                        format!(
                            "ListMultipartUploads: a truncated page did not advance past key \
                             marker {key_marker:?}, upload id marker {upload_id_marker:?}"
                        ),
                    ));
                }
                Ok(Some((page, (list, following))))
            },
        )
    }

    /// Every upload, across pages.
    pub fn uploads(self) -> impl Stream<Item = Result<MultipartUploadSummary>> + Send + 'static {
        self.pages()
            .map_ok(|page| futures::stream::iter(page.uploads.into_iter().map(Ok)))
            .try_flatten()
    }
}
