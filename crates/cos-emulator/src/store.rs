//! Buckets, objects and multipart uploads: an in-memory index, with object data either in
//! memory or in files under a data directory.
//!
//! On disk, every change is made visible by one `rename` of a small JSON record written to
//! a temporary file first; data files are written in full (and synced) before a record
//! names them, so a crash never exposes a half-written object. Data files nobody names are
//! removed on the next start.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use bytes::Bytes;
use http::StatusCode;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

use crate::checksum::{self, BodyHasher};
use crate::error::{CosError, CosResult};
use crate::time::unix_millis;

/// Parts other than the last must be at least this large (protocol.md §5).
pub(crate) const MIN_PART_SIZE: u64 = 1024 * 1024;
/// Largest single PUT, POST, Copy or part.
pub(crate) const MAX_SINGLE_UPLOAD: u64 = 5 * 1024 * 1024 * 1024;
/// Highest part number.
pub(crate) const MAX_PART_NUMBER: u32 = 10_000;
/// Buffered bytes per upload written to disk.
const DISK_WRITE_BUFFER: usize = 1024 * 1024;

/// Attributes of a stored object, returned as headers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ObjectMeta {
    pub(crate) size: u64,
    /// Quoted, as sent in `ETag`.
    pub(crate) etag: String,
    pub(crate) crc64: u64,
    pub(crate) last_modified: u64,
    pub(crate) content_type: String,
    /// Standard headers stored with the object (`cache-control`, `content-disposition`, ...),
    /// lower-case names.
    pub(crate) headers: Vec<(String, String)>,
    /// `x-cos-meta-*` headers, lower-case names including the prefix.
    pub(crate) user_meta: Vec<(String, String)>,
    pub(crate) storage_class: String,
    pub(crate) appendable: bool,
}

/// The descriptive attributes a request sets on an object (everything but the digests).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct ObjectAttributes {
    pub(crate) content_type: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) user_meta: Vec<(String, String)>,
    pub(crate) storage_class: Option<String>,
}

impl ObjectMeta {
    fn new(attributes: ObjectAttributes, content: &Content, etag: String) -> Self {
        ObjectMeta {
            size: content.len,
            etag,
            crc64: content.crc64,
            last_modified: unix_millis(SystemTime::now()),
            content_type: attributes
                .content_type
                .unwrap_or_else(|| "application/octet-stream".to_owned()),
            headers: attributes.headers,
            user_meta: attributes.user_meta,
            storage_class: attributes
                .storage_class
                .unwrap_or_else(|| "STANDARD".to_owned()),
            appendable: false,
        }
    }
}

/// A file under `data/`. It is removed when the last reference goes away while the
/// store is still running (replaced, deleted, or an upload that failed half way).
#[derive(Debug)]
pub(crate) struct DiskFile {
    path: PathBuf,
    name: String,
    store_closed: Arc<AtomicBool>,
}

impl DiskFile {
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for DiskFile {
    fn drop(&mut self) {
        if !self.store_closed.load(Ordering::Acquire) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A contiguous piece of an object's data.
#[derive(Debug, Clone)]
pub(crate) enum Segment {
    Memory(Bytes),
    /// `len` bytes of a data file from `offset` on.
    File {
        file: Arc<DiskFile>,
        offset: u64,
        len: u64,
    },
}

impl Segment {
    pub(crate) fn len(&self) -> u64 {
        match self {
            Segment::Memory(bytes) => bytes.len() as u64,
            Segment::File { len, .. } => *len,
        }
    }
}

/// The segments covering `start..end` of the data `segments` make up (shared, not copied).
pub(crate) fn slice_segments(segments: &[Segment], start: u64, end: u64) -> Arc<[Segment]> {
    let mut out = Vec::new();
    let mut position = 0u64;
    for segment in segments {
        let len = segment.len();
        let (from, to) = (start.max(position), end.min(position + len));
        if from < to {
            let (skip, take) = (from - position, to - from);
            out.push(match segment {
                Segment::Memory(bytes) => {
                    Segment::Memory(bytes.slice(skip as usize..(skip + take) as usize))
                }
                Segment::File { file, offset, .. } => Segment::File {
                    file: file.clone(),
                    offset: offset + skip,
                    len: take,
                },
            });
        }
        position += len;
    }
    out.into()
}

/// Data plus its digests.
#[derive(Debug, Clone)]
pub(crate) struct Content {
    pub(crate) segments: Arc<[Segment]>,
    pub(crate) len: u64,
    pub(crate) md5: [u8; 16],
    pub(crate) crc64: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct StoredObject {
    pub(crate) meta: ObjectMeta,
    pub(crate) segments: Arc<[Segment]>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct BucketInfo {
    pub(crate) name: String,
    pub(crate) region: String,
    pub(crate) created: u64,
}

#[derive(Debug)]
struct Bucket {
    info: BucketInfo,
    objects: BTreeMap<String, StoredObject>,
}

#[derive(Debug, Clone)]
pub(crate) struct Part {
    pub(crate) number: u32,
    pub(crate) md5: [u8; 16],
    pub(crate) crc64: u64,
    pub(crate) size: u64,
    pub(crate) last_modified: u64,
    segments: Arc<[Segment]>,
}

impl Part {
    pub(crate) fn etag(&self) -> String {
        format!("\"{}\"", checksum::hex(&self.md5))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct UploadInfo {
    pub(crate) id: String,
    pub(crate) bucket: String,
    pub(crate) key: String,
    pub(crate) initiated: u64,
    pub(crate) attributes: ObjectAttributes,
}

#[derive(Debug)]
struct Upload {
    info: UploadInfo,
    parts: BTreeMap<u32, Part>,
}

#[derive(Default)]
struct State {
    buckets: BTreeMap<String, Bucket>,
    uploads: BTreeMap<String, Upload>,
}

/// Where data lives.
struct Disk {
    root: PathBuf,
}

impl Disk {
    fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }
    fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }
    fn bucket_record(&self, bucket: &str) -> PathBuf {
        self.root.join("buckets").join(format!("{bucket}.json"))
    }
    fn objects_dir(&self, bucket: &str) -> PathBuf {
        self.root.join("objects").join(bucket)
    }
    fn object_record(&self, bucket: &str, key: &str) -> PathBuf {
        // Keys can be 850 bytes and contain any character: name the record by a digest.
        self.objects_dir(bucket).join(format!(
            "{}.json",
            checksum::hex(&checksum::md5(key.as_bytes()))
        ))
    }
    fn upload_dir(&self, id: &str) -> PathBuf {
        self.root.join("uploads").join(id)
    }
}

#[derive(Serialize, Deserialize)]
struct SegmentRecord {
    file: String,
    #[serde(default)]
    offset: u64,
    len: u64,
}

#[derive(Serialize, Deserialize)]
struct ObjectRecord {
    key: String,
    meta: ObjectMeta,
    segments: Vec<SegmentRecord>,
}

#[derive(Serialize, Deserialize)]
struct PartRecord {
    number: u32,
    md5: String,
    crc64: u64,
    size: u64,
    last_modified: u64,
    segments: Vec<SegmentRecord>,
}

/// One page of a GET Bucket listing.
#[derive(Debug, Default)]
pub(crate) struct ObjectPage {
    pub(crate) contents: Vec<(String, ObjectMeta)>,
    pub(crate) common_prefixes: Vec<String>,
    pub(crate) truncated: bool,
    pub(crate) next_marker: Option<String>,
}

/// One page of a multipart-uploads listing.
#[derive(Debug, Default)]
pub(crate) struct UploadPage {
    pub(crate) uploads: Vec<UploadInfo>,
    pub(crate) common_prefixes: Vec<String>,
    pub(crate) truncated: bool,
    pub(crate) next_key_marker: Option<String>,
    pub(crate) next_upload_id_marker: Option<String>,
}

/// One page of a ListParts answer.
#[derive(Debug)]
pub(crate) struct PartPage {
    pub(crate) upload: UploadInfo,
    pub(crate) parts: Vec<Part>,
    pub(crate) truncated: bool,
    pub(crate) next_marker: u32,
}

/// A part named in a CompleteMultipartUpload body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CompletedPart {
    pub(crate) number: u32,
    pub(crate) etag: String,
}

/// The object store shared by every connection.
pub(crate) struct Store {
    disk: Option<Disk>,
    state: Mutex<State>,
    ids: AtomicU64,
    closed: Arc<AtomicBool>,
}

impl Drop for Store {
    fn drop(&mut self) {
        // Keep the data files: the records on disk still name them.
        self.closed.store(true, Ordering::Release);
    }
}

impl Store {
    pub(crate) fn in_memory() -> Self {
        Store {
            disk: None,
            state: Mutex::new(State::default()),
            ids: AtomicU64::new(0),
            closed: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Opens (creating it when needed) a data directory and loads what it holds.
    pub(crate) fn on_disk(root: &Path) -> io::Result<Self> {
        let disk = Disk {
            root: root.to_path_buf(),
        };
        for dir in ["data", "tmp", "buckets", "objects", "uploads"] {
            std::fs::create_dir_all(root.join(dir))?;
        }
        // Anything in tmp/ is an interrupted write.
        for entry in std::fs::read_dir(disk.tmp_dir())? {
            let _ = std::fs::remove_file(entry?.path());
        }
        let closed = Arc::new(AtomicBool::new(false));
        let mut files: HashMap<String, Arc<DiskFile>> = HashMap::new();
        let data_dir = disk.data_dir();
        let mut open_segments = |records: Vec<SegmentRecord>| -> io::Result<Arc<[Segment]>> {
            records
                .into_iter()
                .map(|record| {
                    if record.file.contains(['/', '\\']) || record.file.starts_with('.') {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!("bad data file name {:?}", record.file),
                        ));
                    }
                    let file = files
                        .entry(record.file.clone())
                        .or_insert_with(|| {
                            Arc::new(DiskFile {
                                path: data_dir.join(&record.file),
                                name: record.file.clone(),
                                store_closed: closed.clone(),
                            })
                        })
                        .clone();
                    Ok(Segment::File {
                        file,
                        offset: record.offset,
                        len: record.len,
                    })
                })
                .collect()
        };
        let mut state = State::default();
        for entry in std::fs::read_dir(root.join("buckets"))? {
            let path = entry?.path();
            let info: BucketInfo = read_json(&path)?;
            let mut objects = BTreeMap::new();
            let objects_dir = disk.objects_dir(&info.name);
            if objects_dir.is_dir() {
                for entry in std::fs::read_dir(&objects_dir)? {
                    let record: ObjectRecord = read_json(&entry?.path())?;
                    let segments = open_segments(record.segments)?;
                    objects.insert(
                        record.key,
                        StoredObject {
                            meta: record.meta,
                            segments,
                        },
                    );
                }
            }
            state
                .buckets
                .insert(info.name.clone(), Bucket { info, objects });
        }
        for entry in std::fs::read_dir(root.join("uploads"))? {
            let dir = entry?.path();
            let info: UploadInfo = match read_json(&dir.join("upload.json")) {
                Ok(info) => info,
                // An upload whose record never got written was never acknowledged.
                Err(_) => {
                    let _ = std::fs::remove_dir_all(&dir);
                    continue;
                }
            };
            let mut parts = BTreeMap::new();
            for entry in std::fs::read_dir(&dir)? {
                let path = entry?.path();
                if path.file_name().is_some_and(|n| n == "upload.json") {
                    continue;
                }
                let record: PartRecord = read_json(&path)?;
                let md5 = parse_md5_hex(&record.md5)
                    .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad part digest"))?;
                parts.insert(
                    record.number,
                    Part {
                        number: record.number,
                        md5,
                        crc64: record.crc64,
                        size: record.size,
                        last_modified: record.last_modified,
                        segments: open_segments(record.segments)?,
                    },
                );
            }
            state
                .uploads
                .insert(info.id.clone(), Upload { info, parts });
        }
        // Data files no record names are leftovers of interrupted writes.
        let named: HashSet<&String> = files.keys().collect();
        for entry in std::fs::read_dir(disk.data_dir())? {
            let entry = entry?;
            if !named.contains(&entry.file_name().to_string_lossy().into_owned()) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        drop(named);
        Ok(Store {
            disk: Some(disk),
            state: Mutex::new(state),
            ids: AtomicU64::new(0),
            closed,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind; keep serving.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn unique_name(&self) -> String {
        let n = self.ids.fetch_add(1, Ordering::Relaxed);
        // Fixed-width fields: names sort in creation order (upload-id-marker relies on it).
        format!(
            "{:012x}{:08x}{n:012x}",
            unix_millis(SystemTime::now()),
            std::process::id()
        )
    }

    /// A place to stream a request body into.
    pub(crate) async fn sink(&self, expected_len: u64) -> io::Result<Sink> {
        let target = match &self.disk {
            None => {
                // One allocation of the announced size (already checked against the
                // limits): the body is copied once, from the network buffers into it.
                let mut buffer = Vec::new();
                let capacity = usize::try_from(expected_len).unwrap_or(usize::MAX);
                buffer.try_reserve_exact(capacity).map_err(|e| {
                    io::Error::new(
                        io::ErrorKind::OutOfMemory,
                        format!("cannot hold {expected_len} bytes in memory: {e}"),
                    )
                })?;
                SinkTarget::Memory(buffer)
            }
            Some(disk) => {
                let name = format!("{}.blob", self.unique_name());
                let file = Arc::new(DiskFile {
                    path: disk.data_dir().join(&name),
                    name,
                    store_closed: self.closed.clone(),
                });
                let handle = tokio::fs::File::create(file.path()).await?;
                SinkTarget::File {
                    writer: tokio::io::BufWriter::with_capacity(DISK_WRITE_BUFFER, handle),
                    file,
                }
            }
        };
        Ok(Sink {
            hasher: BodyHasher::new(),
            target,
        })
    }

    fn persist_json<T: Serialize>(&self, path: &Path, value: &T) -> CosResult<()> {
        let Some(disk) = &self.disk else {
            return Ok(());
        };
        let tmp = disk.tmp_dir().join(self.unique_name());
        let result = (|| {
            let text = serde_json::to_vec(value).map_err(io::Error::other)?;
            let mut file = std::fs::File::create(&tmp)?;
            io::Write::write_all(&mut file, &text)?;
            file.sync_data()?;
            std::fs::rename(&tmp, path)
        })();
        result.map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            CosError::internal(format!("writing {}: {e}", path.display()))
        })
    }

    fn remove_record(&self, path: &Path) -> CosResult<()> {
        match std::fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(CosError::internal(format!(
                "removing {}: {e}",
                path.display()
            ))),
        }
    }

    // ---- buckets ----

    pub(crate) fn list_buckets(&self) -> Vec<BucketInfo> {
        self.lock()
            .buckets
            .values()
            .map(|b| b.info.clone())
            .collect()
    }

    pub(crate) fn create_bucket(&self, name: &str, region: &str) -> CosResult<()> {
        let mut state = self.lock();
        if state.buckets.contains_key(name) {
            return Err(CosError::new(
                StatusCode::CONFLICT,
                "BucketAlreadyOwnedByYou",
                "The bucket you tried to create already exists, and you own it.",
            ));
        }
        if state.buckets.len() >= 200 {
            return Err(CosError::bad_request(
                "TooManyBuckets",
                "You have attempted to create more than 200 buckets.",
            ));
        }
        let info = BucketInfo {
            name: name.to_owned(),
            region: region.to_owned(),
            created: unix_millis(SystemTime::now()),
        };
        if let Some(disk) = &self.disk {
            std::fs::create_dir_all(disk.objects_dir(name))
                .map_err(|e| CosError::internal(format!("creating bucket directory: {e}")))?;
            self.persist_json(&disk.bucket_record(name), &info)?;
        }
        state.buckets.insert(
            name.to_owned(),
            Bucket {
                info,
                objects: BTreeMap::new(),
            },
        );
        Ok(())
    }

    pub(crate) fn bucket(&self, name: &str) -> CosResult<BucketInfo> {
        self.lock()
            .buckets
            .get(name)
            .map(|b| b.info.clone())
            .ok_or_else(CosError::no_such_bucket)
    }

    pub(crate) fn delete_bucket(&self, name: &str) -> CosResult<()> {
        let mut state = self.lock();
        let bucket = state
            .buckets
            .get(name)
            .ok_or_else(CosError::no_such_bucket)?;
        if !bucket.objects.is_empty() {
            return Err(CosError::new(
                StatusCode::CONFLICT,
                "BucketNotEmpty",
                "The bucket you tried to delete is not empty.",
            ));
        }
        if let Some(disk) = &self.disk {
            self.remove_record(&disk.bucket_record(name))?;
            let _ = std::fs::remove_dir_all(disk.objects_dir(name));
        }
        state.buckets.remove(name);
        let abandoned: Vec<String> = state
            .uploads
            .values()
            .filter(|u| u.info.bucket == name)
            .map(|u| u.info.id.clone())
            .collect();
        for id in abandoned {
            state.uploads.remove(&id);
            if let Some(disk) = &self.disk {
                let _ = std::fs::remove_dir_all(disk.upload_dir(&id));
            }
        }
        Ok(())
    }

    // ---- objects ----

    pub(crate) fn get_object(&self, bucket: &str, key: &str) -> CosResult<StoredObject> {
        let state = self.lock();
        let bucket = state
            .buckets
            .get(bucket)
            .ok_or_else(CosError::no_such_bucket)?;
        bucket
            .objects
            .get(key)
            .cloned()
            .ok_or_else(CosError::no_such_key)
    }

    /// Fails early (before a body is read) when the bucket is missing or the key is taken
    /// and must not be overwritten.
    pub(crate) fn check_writable(
        &self,
        bucket: &str,
        key: &str,
        forbid_overwrite: bool,
    ) -> CosResult<()> {
        let state = self.lock();
        let bucket = state
            .buckets
            .get(bucket)
            .ok_or_else(CosError::no_such_bucket)?;
        if forbid_overwrite && bucket.objects.contains_key(key) {
            return Err(file_already_exists());
        }
        Ok(())
    }

    fn insert_object(
        &self,
        state: &mut State,
        bucket: &str,
        key: &str,
        object: StoredObject,
        forbid_overwrite: bool,
    ) -> CosResult<()> {
        let entry = state
            .buckets
            .get_mut(bucket)
            .ok_or_else(CosError::no_such_bucket)?;
        if forbid_overwrite && entry.objects.contains_key(key) {
            return Err(file_already_exists());
        }
        if let Some(disk) = &self.disk {
            let record = ObjectRecord {
                key: key.to_owned(),
                meta: object.meta.clone(),
                segments: segment_records(&object.segments),
            };
            self.persist_json(&disk.object_record(bucket, key), &record)?;
        }
        entry.objects.insert(key.to_owned(), object);
        Ok(())
    }

    pub(crate) fn put_object(
        &self,
        bucket: &str,
        key: &str,
        attributes: ObjectAttributes,
        content: Content,
        forbid_overwrite: bool,
    ) -> CosResult<ObjectMeta> {
        let etag = format!("\"{}\"", checksum::hex(&content.md5));
        let meta = ObjectMeta::new(attributes, &content, etag);
        let object = StoredObject {
            meta: meta.clone(),
            segments: content.segments,
        };
        let mut state = self.lock();
        self.insert_object(&mut state, bucket, key, object, forbid_overwrite)?;
        Ok(meta)
    }

    /// Copies an object's data (shared, not duplicated) under a new key.
    pub(crate) fn copy_object(
        &self,
        source_bucket: &str,
        source_key: &str,
        bucket: &str,
        key: &str,
        replace: Option<ObjectAttributes>,
        forbid_overwrite: bool,
    ) -> CosResult<ObjectMeta> {
        let mut state = self.lock();
        let source = state
            .buckets
            .get(source_bucket)
            .ok_or_else(|| {
                CosError::new(
                    StatusCode::NOT_FOUND,
                    "NoSuchBucket",
                    "The bucket of the copy source does not exist.",
                )
            })?
            .objects
            .get(source_key)
            .cloned()
            .ok_or_else(|| {
                CosError::new(
                    StatusCode::NOT_FOUND,
                    "NoSuchKey",
                    "The copy source object does not exist.",
                )
            })?;
        if source.meta.size > MAX_SINGLE_UPLOAD {
            return Err(CosError::bad_request(
                "EntityTooLarge",
                "A copy source larger than 5 GB must be copied part by part.",
            ));
        }
        let mut meta = source.meta.clone();
        if let Some(attributes) = replace {
            let content = Content {
                segments: source.segments.clone(),
                len: meta.size,
                md5: [0; 16],
                crc64: meta.crc64,
            };
            let etag = meta.etag.clone();
            meta = ObjectMeta::new(attributes, &content, etag);
        }
        meta.last_modified = unix_millis(SystemTime::now());
        meta.appendable = false;
        let object = StoredObject {
            meta: meta.clone(),
            segments: source.segments,
        };
        self.insert_object(&mut state, bucket, key, object, forbid_overwrite)?;
        Ok(meta)
    }

    /// Deletes a key; `Ok(false)` when there was nothing to delete.
    pub(crate) fn delete_object(&self, bucket: &str, key: &str) -> CosResult<bool> {
        let mut state = self.lock();
        let entry = state
            .buckets
            .get_mut(bucket)
            .ok_or_else(CosError::no_such_bucket)?;
        if !entry.objects.contains_key(key) {
            return Ok(false);
        }
        if let Some(disk) = &self.disk {
            self.remove_record(&disk.object_record(bucket, key))?;
        }
        entry.objects.remove(key);
        Ok(true)
    }

    /// Checks an append before its body is read; returns whether the object exists.
    pub(crate) fn check_append(&self, bucket: &str, key: &str, position: u64) -> CosResult<()> {
        let state = self.lock();
        let bucket = state
            .buckets
            .get(bucket)
            .ok_or_else(CosError::no_such_bucket)?;
        check_append_position(bucket.objects.get(key), position)
    }

    /// Appends `content` at `position`, creating an appendable object at position 0.
    pub(crate) fn append_object(
        &self,
        bucket: &str,
        key: &str,
        position: u64,
        attributes: ObjectAttributes,
        content: Content,
    ) -> CosResult<ObjectMeta> {
        let mut state = self.lock();
        let existing = state
            .buckets
            .get(bucket)
            .ok_or_else(CosError::no_such_bucket)?
            .objects
            .get(key)
            .cloned();
        check_append_position(existing.as_ref(), position)?;
        let object = match existing {
            None => {
                let etag = format!("\"{}\"", checksum::hex(&content.md5));
                let mut meta = ObjectMeta::new(attributes, &content, etag);
                meta.appendable = true;
                StoredObject {
                    meta,
                    segments: content.segments,
                }
            }
            Some(previous) => {
                let mut meta = previous.meta.clone();
                // The whole-object MD5 would need the old data again; chain the digests
                // instead, so the ETag still changes with every append.
                let mut chained = meta.etag.clone().into_bytes();
                chained.extend_from_slice(&content.md5);
                meta.etag = format!("\"{}\"", checksum::hex(&checksum::md5(&chained)));
                meta.crc64 = checksum::crc64_combine(meta.crc64, content.crc64, content.len);
                meta.size += content.len;
                meta.last_modified = unix_millis(SystemTime::now());
                let segments: Arc<[Segment]> = previous
                    .segments
                    .iter()
                    .chain(content.segments.iter())
                    .cloned()
                    .collect();
                StoredObject { meta, segments }
            }
        };
        let meta = object.meta.clone();
        self.insert_object(&mut state, bucket, key, object, false)?;
        Ok(meta)
    }

    pub(crate) fn list_objects(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: Option<&str>,
        marker: &str,
        max_keys: usize,
    ) -> CosResult<ObjectPage> {
        let state = self.lock();
        let bucket = state
            .buckets
            .get(bucket)
            .ok_or_else(CosError::no_such_bucket)?;
        let mut page = ObjectPage::default();
        let mut count = 0;
        let start = std::ops::Bound::Excluded(marker.to_owned());
        let range = if marker.is_empty() {
            bucket.objects.range::<String, _>(..)
        } else {
            bucket.objects.range((start, std::ops::Bound::Unbounded))
        };
        for (key, object) in range {
            if !key.starts_with(prefix) {
                if key.as_str() > prefix {
                    break;
                }
                continue;
            }
            let common_prefix = delimiter.and_then(|d| {
                key[prefix.len()..]
                    .find(d)
                    .map(|at| &key[..prefix.len() + at + d.len()])
            });
            if let Some(common) = common_prefix {
                if common <= marker || page.common_prefixes.last().is_some_and(|p| p == common) {
                    continue;
                }
                if count == max_keys {
                    page.truncated = true;
                    break;
                }
                page.common_prefixes.push(common.to_owned());
                page.next_marker = Some(common.to_owned());
            } else {
                if count == max_keys {
                    page.truncated = true;
                    break;
                }
                page.contents.push((key.clone(), object.meta.clone()));
                page.next_marker = Some(key.clone());
            }
            count += 1;
        }
        if !page.truncated {
            page.next_marker = None;
        }
        Ok(page)
    }

    // ---- multipart ----

    pub(crate) fn create_upload(
        &self,
        bucket: &str,
        key: &str,
        attributes: ObjectAttributes,
    ) -> CosResult<UploadInfo> {
        let mut state = self.lock();
        if !state.buckets.contains_key(bucket) {
            return Err(CosError::no_such_bucket());
        }
        let info = UploadInfo {
            id: self.unique_name(),
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            initiated: unix_millis(SystemTime::now()),
            attributes,
        };
        if let Some(disk) = &self.disk {
            let dir = disk.upload_dir(&info.id);
            std::fs::create_dir_all(&dir)
                .map_err(|e| CosError::internal(format!("creating upload directory: {e}")))?;
            self.persist_json(&dir.join("upload.json"), &info)?;
        }
        state.uploads.insert(
            info.id.clone(),
            Upload {
                info: info.clone(),
                parts: BTreeMap::new(),
            },
        );
        Ok(info)
    }

    pub(crate) fn check_upload(&self, bucket: &str, key: &str, id: &str) -> CosResult<()> {
        let state = self.lock();
        find_upload(&state, bucket, key, id).map(|_| ())
    }

    pub(crate) fn put_part(
        &self,
        bucket: &str,
        key: &str,
        id: &str,
        number: u32,
        content: Content,
    ) -> CosResult<Part> {
        let mut state = self.lock();
        find_upload(&state, bucket, key, id)?;
        let part = Part {
            number,
            md5: content.md5,
            crc64: content.crc64,
            size: content.len,
            last_modified: unix_millis(SystemTime::now()),
            segments: content.segments,
        };
        if let Some(disk) = &self.disk {
            let record = PartRecord {
                number,
                md5: checksum::hex(&part.md5),
                crc64: part.crc64,
                size: part.size,
                last_modified: part.last_modified,
                segments: segment_records(&part.segments),
            };
            self.persist_json(
                &disk.upload_dir(id).join(format!("part-{number}.json")),
                &record,
            )?;
        }
        if let Some(upload) = state.uploads.get_mut(id) {
            upload.parts.insert(number, part.clone());
        }
        Ok(part)
    }

    pub(crate) fn list_parts(
        &self,
        bucket: &str,
        key: &str,
        id: &str,
        marker: u32,
        max_parts: usize,
    ) -> CosResult<PartPage> {
        let state = self.lock();
        let upload = find_upload(&state, bucket, key, id)?;
        let mut parts: Vec<Part> = upload
            .parts
            .range(marker.saturating_add(1)..)
            .take(max_parts + 1)
            .map(|(_, p)| p.clone())
            .collect();
        let truncated = parts.len() > max_parts;
        parts.truncate(max_parts);
        let next_marker = parts.last().map_or(marker, |p| p.number);
        Ok(PartPage {
            upload: upload.info.clone(),
            parts,
            truncated,
            next_marker,
        })
    }

    pub(crate) fn list_uploads(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: Option<&str>,
        key_marker: &str,
        upload_id_marker: &str,
        max_uploads: usize,
    ) -> CosResult<UploadPage> {
        let state = self.lock();
        if !state.buckets.contains_key(bucket) {
            return Err(CosError::no_such_bucket());
        }
        let mut uploads: Vec<&UploadInfo> = state
            .uploads
            .values()
            .map(|u| &u.info)
            .filter(|u| u.bucket == bucket && u.key.starts_with(prefix))
            .filter(|u| {
                key_marker.is_empty()
                    || u.key.as_str() > key_marker
                    || (u.key == key_marker
                        && !upload_id_marker.is_empty()
                        && u.id.as_str() > upload_id_marker)
            })
            .collect();
        uploads.sort_by(|a, b| (&a.key, a.initiated, &a.id).cmp(&(&b.key, b.initiated, &b.id)));
        let mut page = UploadPage::default();
        let mut count = 0;
        for upload in uploads {
            let common = delimiter.and_then(|d| {
                upload.key[prefix.len()..]
                    .find(d)
                    .map(|at| &upload.key[..prefix.len() + at + d.len()])
            });
            if let Some(common) = common
                && page.common_prefixes.last().is_some_and(|p| p == common)
            {
                continue;
            }
            if count == max_uploads {
                page.truncated = true;
                break;
            }
            count += 1;
            match common {
                Some(common) => {
                    page.common_prefixes.push(common.to_owned());
                    page.next_key_marker = Some(common.to_owned());
                    page.next_upload_id_marker = None;
                }
                None => {
                    page.next_key_marker = Some(upload.key.clone());
                    page.next_upload_id_marker = Some(upload.id.clone());
                    page.uploads.push(upload.clone());
                }
            }
        }
        Ok(page)
    }

    pub(crate) fn abort_upload(&self, bucket: &str, key: &str, id: &str) -> CosResult<()> {
        let mut state = self.lock();
        find_upload(&state, bucket, key, id)?;
        if let Some(disk) = &self.disk {
            std::fs::remove_dir_all(disk.upload_dir(id))
                .map_err(|e| CosError::internal(format!("removing upload: {e}")))?;
        }
        state.uploads.remove(id);
        Ok(())
    }

    /// Validates the listed parts and assembles the object (sharing the parts' data).
    pub(crate) fn complete_upload(
        &self,
        bucket: &str,
        key: &str,
        id: &str,
        listed: &[CompletedPart],
        forbid_overwrite: bool,
    ) -> CosResult<ObjectMeta> {
        let mut state = self.lock();
        let upload = find_upload(&state, bucket, key, id)?;
        if listed.is_empty() {
            return Err(CosError::malformed_xml(
                "CompleteMultipartUpload must list at least one part",
            ));
        }
        let mut chosen = Vec::with_capacity(listed.len());
        for (index, wanted) in listed.iter().enumerate() {
            if index > 0 && wanted.number <= listed[index - 1].number {
                return Err(CosError::bad_request(
                    "InvalidPartOrder",
                    "The list of parts was not in ascending order. Parts must be ordered by part number.",
                ));
            }
            let part = upload
                .parts
                .get(&wanted.number)
                .filter(|p| etags_match(&p.etag(), &wanted.etag))
                .ok_or_else(|| {
                    CosError::bad_request(
                        "InvalidPart",
                        format!(
                            "Part {} was not uploaded or its ETag {} does not match.",
                            wanted.number, wanted.etag
                        ),
                    )
                })?;
            chosen.push(part);
        }
        if let Some(small) = chosen[..chosen.len() - 1]
            .iter()
            .find(|p| p.size < MIN_PART_SIZE)
        {
            return Err(CosError::bad_request(
                "EntityTooSmall",
                format!(
                    "Part {} is {} bytes; every part but the last must be at least 1 MB.",
                    small.number, small.size
                ),
            ));
        }
        let mut crc64 = 0u64;
        let mut size = 0u64;
        for part in &chosen {
            crc64 = checksum::crc64_combine(crc64, part.crc64, part.size);
            size += part.size;
        }
        let md5s: Vec<[u8; 16]> = chosen.iter().map(|p| p.md5).collect();
        let segments: Arc<[Segment]> = chosen
            .iter()
            .flat_map(|p| p.segments.iter().cloned())
            .collect();
        let content = Content {
            segments: segments.clone(),
            len: size,
            md5: [0; 16],
            crc64,
        };
        let meta = ObjectMeta::new(
            upload.info.attributes.clone(),
            &content,
            checksum::multipart_etag(&md5s),
        );
        let object = StoredObject {
            meta: meta.clone(),
            segments,
        };
        self.insert_object(&mut state, bucket, key, object, forbid_overwrite)?;
        if let Some(disk) = &self.disk {
            let _ = std::fs::remove_dir_all(disk.upload_dir(id));
        }
        state.uploads.remove(id);
        Ok(meta)
    }
}

fn file_already_exists() -> CosError {
    CosError::new(
        StatusCode::CONFLICT,
        "FileAlreadyExists",
        "The object already exists and x-cos-forbid-overwrite is true.",
    )
}

fn check_append_position(existing: Option<&StoredObject>, position: u64) -> CosResult<()> {
    let length = match existing {
        Some(object) if !object.meta.appendable => {
            return Err(CosError::new(
                StatusCode::CONFLICT,
                "ObjectNotAppendable",
                "The object was not created by an append and cannot be appended to.",
            ));
        }
        Some(object) => object.meta.size,
        None => 0,
    };
    if position != length {
        return Err(CosError::new(
            StatusCode::CONFLICT,
            "AppendPositionErr",
            format!("The append position {position} does not equal the object length {length}."),
        ));
    }
    Ok(())
}

fn find_upload<'s>(state: &'s State, bucket: &str, key: &str, id: &str) -> CosResult<&'s Upload> {
    if !state.buckets.contains_key(bucket) {
        return Err(CosError::no_such_bucket());
    }
    state
        .uploads
        .get(id)
        .filter(|u| u.info.bucket == bucket && u.info.key == key)
        .ok_or_else(CosError::no_such_upload)
}

/// ETags compare without their quotes (clients send them either way).
pub(crate) fn etags_match(a: &str, b: &str) -> bool {
    a.trim().trim_matches('"') == b.trim().trim_matches('"')
}

fn segment_records(segments: &[Segment]) -> Vec<SegmentRecord> {
    segments
        .iter()
        .filter_map(|s| match s {
            Segment::File { file, offset, len } => Some(SegmentRecord {
                file: file.name.clone(),
                offset: *offset,
                len: *len,
            }),
            Segment::Memory(_) => None,
        })
        .collect()
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> io::Result<T> {
    let bytes = std::fs::read(path)?;
    serde_json::from_slice(&bytes).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: {e}", path.display()),
        )
    })
}

fn parse_md5_hex(text: &str) -> Option<[u8; 16]> {
    let mut out = [0u8; 16];
    if text.len() != 32 {
        return None;
    }
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

/// A request body on its way into the store, hashed as it streams.
pub(crate) struct Sink {
    hasher: BodyHasher,
    target: SinkTarget,
}

enum SinkTarget {
    Memory(Vec<u8>),
    File {
        writer: tokio::io::BufWriter<tokio::fs::File>,
        file: Arc<DiskFile>,
    },
}

impl Sink {
    pub(crate) async fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        self.hasher.update(chunk);
        match &mut self.target {
            SinkTarget::Memory(buffer) => {
                buffer.extend_from_slice(chunk);
                Ok(())
            }
            SinkTarget::File { writer, .. } => writer.write_all(chunk).await,
        }
    }

    pub(crate) fn len(&self) -> u64 {
        self.hasher.len()
    }

    /// Flushes and syncs the data; the result is not visible until the store records it.
    pub(crate) async fn finish(self) -> io::Result<Content> {
        let len = self.hasher.len();
        let (md5, crc64) = self.hasher.finish();
        let segment = match self.target {
            SinkTarget::Memory(buffer) => Segment::Memory(Bytes::from(buffer)),
            SinkTarget::File { mut writer, file } => {
                writer.flush().await?;
                writer.get_ref().sync_data().await?;
                Segment::File {
                    file,
                    offset: 0,
                    len,
                }
            }
        };
        let segments: Arc<[Segment]> = if len == 0 {
            Arc::new([])
        } else {
            Arc::new([segment])
        };
        Ok(Content {
            segments,
            len,
            md5,
            crc64,
        })
    }
}
