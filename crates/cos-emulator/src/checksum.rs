//! Object checksums: CRC-64/XZ (`x-cos-hash-crc64ecma`) and MD5 (ETags, Content-MD5).

use crc_fast::CrcAlgorithm;
use md5::{Digest, Md5};

const CRC_64_XZ: CrcAlgorithm = CrcAlgorithm::Crc64Xz;

/// Both digests of a body, updated as its chunks stream in.
pub(crate) struct BodyHasher {
    md5: Md5,
    crc: crc_fast::Digest,
    len: u64,
}

impl BodyHasher {
    pub(crate) fn new() -> Self {
        BodyHasher {
            md5: Md5::new(),
            crc: crc_fast::Digest::new(CRC_64_XZ),
            len: 0,
        }
    }

    pub(crate) fn update(&mut self, chunk: &[u8]) {
        self.md5.update(chunk);
        self.crc.update(chunk);
        self.len += chunk.len() as u64;
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    pub(crate) fn finish(self) -> ([u8; 16], u64) {
        (self.md5.finalize().into(), self.crc.finalize())
    }
}

pub(crate) fn md5(data: &[u8]) -> [u8; 16] {
    Md5::digest(data).into()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// ETag of a multipart object: MD5 of the concatenated binary part MD5s, then `-N`.
pub(crate) fn multipart_etag(part_md5s: &[[u8; 16]]) -> String {
    let mut md5 = Md5::new();
    for part in part_md5s {
        md5.update(part);
    }
    format!("\"{}-{}\"", hex(&md5.finalize()), part_md5s.len())
}

/// CRC-64/XZ of `A || B` from `crc(A)`, `crc(B)` and `len(B)`, without reading either.
pub(crate) fn crc64_combine(crc1: u64, crc2: u64, len2: u64) -> u64 {
    crc_fast::checksum_combine(CRC_64_XZ, crc1, crc2, len2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crc(data: &[u8]) -> u64 {
        let mut hasher = BodyHasher::new();
        hasher.update(data);
        hasher.finish().1
    }

    #[test]
    fn crc_is_crc64_xz() {
        assert_eq!(crc(b"123456789"), 0x995D_C9BB_DF19_39FA);
        assert_eq!(crc(b""), 0);
    }

    #[test]
    fn combine_equals_crc_of_concatenation() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        for split in [0, 1, 9, 4096, 9_999, 10_000] {
            let (a, b) = data.split_at(split);
            assert_eq!(
                crc64_combine(crc(a), crc(b), b.len() as u64),
                crc(&data),
                "split at {split}"
            );
        }
    }

    #[test]
    fn multipart_etag_has_part_count() {
        let etag = multipart_etag(&[md5(b"a"), md5(b"b")]);
        assert!(etag.starts_with('"') && etag.ends_with("-2\""), "{etag}");
        assert_eq!(etag.len(), 1 + 32 + 2 + 1);
    }
}
