//! CRC-64/XZ, the checksum COS sends as `x-cos-hash-crc64ecma`.
//!
//! COS names it "CRC64 ECMA"; it is the reflected ECMA-182 polynomial with an all-ones
//! initial value and final xor, catalogued as CRC-64/XZ (check value of `"123456789"`:
//! `0x995DC9BBDF1939FA`). The arithmetic is `crc-fast`'s (SIMD where available);
//! [`crc64_combine`] joins the checksums of consecutive pieces, which is how a
//! multipart object's checksum is derived from its parts' checksums.

use crc_fast::CrcAlgorithm;

const CRC_64_XZ: CrcAlgorithm = CrcAlgorithm::Crc64Xz;

/// The CRC-64/XZ of `data`, as COS computes `x-cos-hash-crc64ecma`.
///
/// ```
/// assert_eq!(cos_client::crc64(b"123456789"), 0x995D_C9BB_DF19_39FA);
/// ```
pub fn crc64(data: &[u8]) -> u64 {
    crc_fast::checksum(CRC_64_XZ, data)
}

/// An incremental CRC-64/XZ hasher.
///
/// ```
/// let mut hasher = cos_client::Crc64::new();
/// hasher.update(b"1234");
/// hasher.update(b"56789");
/// assert_eq!(hasher.finish(), cos_client::crc64(b"123456789"));
/// assert_eq!(hasher.len(), 9);
/// ```
#[derive(Clone)]
pub struct Crc64 {
    digest: crc_fast::Digest,
}

impl Crc64 {
    /// A hasher that has seen no bytes.
    pub fn new() -> Self {
        Crc64 {
            digest: crc_fast::Digest::new(CRC_64_XZ),
        }
    }

    /// Feeds `data` to the hasher.
    pub fn update(&mut self, data: &[u8]) {
        self.digest.update(data);
    }

    /// The checksum of every byte fed so far.
    pub fn finish(&self) -> u64 {
        self.digest.finalize()
    }

    /// How many bytes were fed so far.
    pub fn len(&self) -> u64 {
        self.digest.get_amount()
    }

    /// Whether no byte was fed yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for Crc64 {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Crc64 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Crc64")
            .field("crc", &self.finish())
            .field("len", &self.len())
            .finish()
    }
}

/// The CRC-64/XZ of `A ++ B` from `crc_a = crc64(A)`, `crc_b = crc64(B)` and `len_b = B.len()`.
///
/// This is how a multipart object's `x-cos-hash-crc64ecma` follows from its parts' checksums
/// without reading the data again.
///
/// ```
/// use cos_client::{crc64, crc64_combine};
/// let whole = crc64(b"hello world");
/// assert_eq!(crc64_combine(crc64(b"hello "), crc64(b"world"), 5), whole);
/// ```
pub fn crc64_combine(crc_a: u64, crc_b: u64, len_b: u64) -> u64 {
    crc_fast::checksum_combine(CRC_64_XZ, crc_a, crc_b, len_b)
}

/// Parses an `x-cos-hash-crc64ecma` value (an unsigned decimal string).
pub(crate) fn parse_header(value: &http::HeaderValue) -> Option<u64> {
    value.to_str().ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value() {
        assert_eq!(crc64(b"123456789"), 0x995D_C9BB_DF19_39FA);
        assert_eq!(crc64(b""), 0);
    }

    #[test]
    fn combine_matches_whole_for_every_split() {
        let data: Vec<u8> = (0..300u32).map(|i| (i % 251) as u8).collect();
        let whole = crc64(&data);
        for split in 0..=data.len() {
            let (a, b) = data.split_at(split);
            assert_eq!(
                crc64_combine(crc64(a), crc64(b), b.len() as u64),
                whole,
                "split at {split}"
            );
        }
    }

    #[test]
    fn incremental_matches_one_shot() {
        let data = b"The quick brown fox jumps over the lazy dog";
        let mut hasher = Crc64::new();
        for chunk in data.chunks(7) {
            hasher.update(chunk);
        }
        assert_eq!(hasher.finish(), crc64(data));
        assert_eq!(hasher.len(), data.len() as u64);
    }
}
