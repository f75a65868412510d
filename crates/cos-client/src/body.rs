//! Upload bodies: what can be sent again on a retry, and what cannot.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures::Stream;
use futures::stream::BoxStream;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::crc64::{Crc64, crc64};
use crate::transport::Body;

const FILE_CHUNK: usize = 64 * 1024;

/// The body of an upload (PUT Object, Upload Part, Append).
///
/// | source | replayable on retry |
/// |---|---|
/// | bytes in memory ([`From<Bytes>`], `Vec<u8>`, `String`, `&'static str`) | yes |
/// | a file or a range of it ([`PutBody::file`], [`PutBody::file_range`]) | yes: re-opened and read from its offset each attempt |
/// | a stream ([`PutBody::stream`]) | no: a failed attempt ends the operation, and the error says why |
///
/// COS needs `Content-Length`, so every body has a known length. A stream that ends
/// early or runs long fails the attempt instead of uploading a different object.
pub struct PutBody {
    source: Source,
}

enum Source {
    Bytes {
        bytes: Bytes,
        crc: OnceLock<u64>,
    },
    File {
        path: PathBuf,
        offset: u64,
        len: u64,
    },
    Stream {
        stream: Mutex<Option<BoxStream<'static, io::Result<Bytes>>>>,
        len: u64,
    },
}

impl PutBody {
    /// An empty body.
    pub fn empty() -> Self {
        Bytes::new().into()
    }

    /// The whole file at `path` (its length is read now).
    pub async fn file(path: impl AsRef<Path>) -> io::Result<Self> {
        let path = path.as_ref().to_path_buf();
        let len = tokio::fs::metadata(&path).await?.len();
        Ok(PutBody {
            source: Source::File {
                path,
                offset: 0,
                len,
            },
        })
    }

    /// `len` bytes of the file at `path`, from byte `offset`.
    pub fn file_range(path: impl Into<PathBuf>, offset: u64, len: u64) -> Self {
        PutBody {
            source: Source::File {
                path: path.into(),
                offset,
                len,
            },
        }
    }

    /// A one-shot stream of exactly `len` bytes. Not replayable: a failed attempt is not retried.
    pub fn stream(
        stream: impl Stream<Item = io::Result<Bytes>> + Send + 'static,
        len: u64,
    ) -> Self {
        PutBody {
            source: Source::Stream {
                stream: Mutex::new(Some(Box::pin(stream))),
                len,
            },
        }
    }

    /// The body's length in bytes.
    pub fn len(&self) -> u64 {
        match &self.source {
            Source::Bytes { bytes, .. } => bytes.len() as u64,
            Source::File { len, .. } | Source::Stream { len, .. } => *len,
        }
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a failed attempt can send this body again.
    pub fn is_replayable(&self) -> bool {
        !matches!(self.source, Source::Stream { .. })
    }

    /// `len` bytes of this body from byte `offset`, as a body of its own; `None` for a
    /// one-shot stream, which cannot be cut into parts that are each replayable.
    pub(crate) fn slice(&self, offset: u64, len: u64) -> Option<PutBody> {
        debug_assert!(
            offset.saturating_add(len) <= self.len(),
            "a slice within the body"
        );
        match &self.source {
            Source::Bytes { bytes, .. } => {
                let start = usize::try_from(offset).ok()?;
                let end = usize::try_from(offset + len).ok()?;
                Some(PutBody::from(bytes.slice(start..end)))
            }
            Source::File {
                path,
                offset: start,
                ..
            } => Some(PutBody::file_range(
                path.clone(),
                start.saturating_add(offset),
                len,
            )),
            Source::Stream { .. } => None,
        }
    }

    /// The CRC-64 of the body's bytes, read in chunks (a file is never held in memory whole).
    /// `Ok(None)` for a one-shot stream, which reading would consume.
    pub(crate) async fn read_crc64(&self) -> io::Result<Option<u64>> {
        match &self.source {
            Source::Bytes { bytes, crc } => Ok(Some(*crc.get_or_init(|| crc64(bytes)))),
            Source::File { .. } => {
                let Some(opened) = self.open().await? else {
                    return Ok(None);
                };
                let mut body = opened.body;
                while let Some(chunk) = futures::StreamExt::next(&mut body).await {
                    chunk?;
                }
                Ok(opened.crc.get())
            }
            Source::Stream { .. } => Ok(None),
        }
    }

    /// The MD5 and CRC-64 of the body's bytes, read in chunks. `Ok(None)` for a one-shot
    /// stream, which reading would consume.
    pub(crate) async fn read_md5_and_crc64(&self) -> io::Result<Option<([u8; 16], u64)>> {
        use md5::Digest;
        if let Source::Stream { .. } = self.source {
            return Ok(None);
        }
        let Some(opened) = self.open().await? else {
            return Ok(None);
        };
        let mut md5 = md5::Md5::new();
        let mut body = opened.body;
        while let Some(chunk) = futures::StreamExt::next(&mut body).await {
            md5.update(&chunk?);
        }
        let Some(crc) = opened.crc.get() else {
            return Ok(None);
        };
        Ok(Some((md5.finalize().into(), crc)))
    }

    /// Opens the body for one attempt. `Ok(None)`: a one-shot stream already consumed.
    pub(crate) async fn open(&self) -> io::Result<Option<OpenedBody>> {
        match &self.source {
            Source::Bytes { bytes, crc } => {
                let crc = *crc.get_or_init(|| crc64(bytes));
                Ok(Some(OpenedBody {
                    body: Body::from(bytes.clone()),
                    crc: CrcSlot::known(crc),
                }))
            }
            Source::File { path, offset, len } => {
                if offset.checked_add(*len).is_none() {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("{len} bytes from offset {offset} lie beyond any file"),
                    ));
                }
                let mut file = tokio::fs::File::open(path).await?;
                if *offset > 0 {
                    file.seek(io::SeekFrom::Start(*offset)).await?;
                }
                let reader = file.take(*len);
                let chunks = futures::stream::try_unfold(reader, |mut reader| async move {
                    let mut buffer = BytesMut::with_capacity(FILE_CHUNK);
                    let read = reader.read_buf(&mut buffer).await?;
                    Ok::<_, io::Error>((read > 0).then(|| (buffer.freeze(), reader)))
                });
                Ok(Some(hashed(chunks, *len)))
            }
            Source::Stream { stream, len } => {
                let taken = stream.lock().unwrap_or_else(|e| e.into_inner()).take();
                Ok(taken.map(|stream| hashed(stream, *len)))
            }
        }
    }
}

fn hashed(stream: impl Stream<Item = io::Result<Bytes>> + Send + 'static, len: u64) -> OpenedBody {
    let crc = CrcSlot::pending();
    let stream = HashingStream {
        inner: Box::pin(stream),
        hasher: Crc64::new(),
        expected: len,
        slot: crc.clone(),
    };
    OpenedBody {
        body: Body::from_stream(stream, Some(len)),
        crc,
    }
}

impl fmt::Debug for PutBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Source::Bytes { bytes, .. } => write!(f, "PutBody::Bytes({} bytes)", bytes.len()),
            Source::File { path, offset, len } => {
                write!(
                    f,
                    "PutBody::File({}, offset {offset}, {len} bytes)",
                    path.display()
                )
            }
            Source::Stream { len, .. } => write!(f, "PutBody::Stream({len} bytes, one-shot)"),
        }
    }
}

impl From<Bytes> for PutBody {
    fn from(bytes: Bytes) -> Self {
        PutBody {
            source: Source::Bytes {
                bytes,
                crc: OnceLock::new(),
            },
        }
    }
}

impl From<Vec<u8>> for PutBody {
    fn from(bytes: Vec<u8>) -> Self {
        Bytes::from(bytes).into()
    }
}

impl From<String> for PutBody {
    fn from(text: String) -> Self {
        Bytes::from(text).into()
    }
}

impl From<&'static str> for PutBody {
    fn from(text: &'static str) -> Self {
        Bytes::from_static(text.as_bytes()).into()
    }
}

impl From<&'static [u8]> for PutBody {
    fn from(bytes: &'static [u8]) -> Self {
        Bytes::from_static(bytes).into()
    }
}

/// A body opened for one attempt, with the slot its CRC-64 lands in once fully sent.
pub(crate) struct OpenedBody {
    pub(crate) body: Body,
    pub(crate) crc: CrcSlot,
}

/// The CRC-64 of the bytes sent, known once the body stream has ended.
#[derive(Clone, Debug)]
pub(crate) struct CrcSlot(Arc<OnceLock<u64>>);

impl CrcSlot {
    fn known(crc: u64) -> Self {
        let slot = OnceLock::new();
        let _ = slot.set(crc);
        CrcSlot(Arc::new(slot))
    }

    fn pending() -> Self {
        CrcSlot(Arc::new(OnceLock::new()))
    }

    pub(crate) fn get(&self) -> Option<u64> {
        self.0.get().copied()
    }
}

struct HashingStream {
    inner: BoxStream<'static, io::Result<Bytes>>,
    hasher: Crc64,
    expected: u64,
    slot: CrcSlot,
}

impl Stream for HashingStream {
    type Item = io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match this.inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.hasher.update(&chunk);
                if this.hasher.len() > this.expected {
                    return Poll::Ready(Some(Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "the upload body is longer than its declared {} bytes",
                            this.expected
                        ),
                    ))));
                }
                if this.hasher.len() == this.expected {
                    // Recorded now, not at the end of the stream: an HTTP/1.1 sender stops
                    // polling once Content-Length bytes are out, so the end may never be seen.
                    let _ = this.slot.0.set(this.hasher.finish());
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(None) => {
                if this.hasher.len() != this.expected {
                    return Poll::Ready(Some(Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!(
                            "the upload body ended after {} of its declared {} bytes",
                            this.hasher.len(),
                            this.expected
                        ),
                    ))));
                }
                let _ = this.slot.0.set(this.hasher.finish());
                Poll::Ready(None)
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_shot_stream_opens_once() {
        let chunks = futures::stream::iter(vec![
            Ok(Bytes::from_static(b"ab")),
            Ok(Bytes::from_static(b"c")),
        ]);
        let body = PutBody::stream(chunks, 3);
        assert!(!body.is_replayable());
        let opened = body.open().await.unwrap().expect("first open");
        assert_eq!(opened.crc.get(), None);
        assert_eq!(&opened.body.collect().await.unwrap()[..], b"abc");
        assert_eq!(opened.crc.get(), Some(crc64(b"abc")));
        assert!(
            body.open().await.unwrap().is_none(),
            "a stream cannot be opened twice"
        );
    }

    #[tokio::test]
    async fn short_stream_is_an_error() {
        let chunks = futures::stream::iter(vec![Ok(Bytes::from_static(b"ab"))]);
        let opened = PutBody::stream(chunks, 5).open().await.unwrap().unwrap();
        let error = opened.body.collect().await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
        assert!(error.to_string().contains("2 of its declared 5"), "{error}");
    }

    #[tokio::test]
    async fn file_range_is_reread_each_attempt() {
        let path = std::env::temp_dir().join(format!("cos-client-body-{}", fastrand::u64(..)));
        std::fs::write(&path, b"0123456789").unwrap();
        let body = PutBody::file_range(&path, 3, 4);
        for _ in 0..2 {
            let opened = body.open().await.unwrap().unwrap();
            assert_eq!(&opened.body.collect().await.unwrap()[..], b"3456");
            assert_eq!(opened.crc.get(), Some(crc64(b"3456")));
        }
        std::fs::remove_file(&path).unwrap();
    }

    #[tokio::test]
    async fn slices_read_their_own_bytes() {
        let path = std::env::temp_dir().join(format!("cos-client-slice-{}", fastrand::u64(..)));
        std::fs::write(&path, b"0123456789").unwrap();
        let file = PutBody::file_range(&path, 2, 7); // "2345678"
        let part = file.slice(3, 2).expect("a file can be sliced");
        assert_eq!(part.len(), 2);
        assert_eq!(
            &part
                .open()
                .await
                .unwrap()
                .unwrap()
                .body
                .collect()
                .await
                .unwrap()[..],
            b"56"
        );
        assert_eq!(part.read_crc64().await.unwrap(), Some(crc64(b"56")));

        let bytes = PutBody::from("abcdef")
            .slice(1, 3)
            .expect("bytes can be sliced");
        assert_eq!(bytes.read_crc64().await.unwrap(), Some(crc64(b"bcd")));

        let stream = PutBody::stream(futures::stream::empty(), 0);
        assert!(
            stream.slice(0, 0).is_none(),
            "a one-shot stream cannot be cut"
        );
        assert_eq!(stream.read_crc64().await.unwrap(), None);
        std::fs::remove_file(&path).unwrap();
    }
}
