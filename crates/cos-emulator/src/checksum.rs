//! Object checksums: CRC-64/XZ (`x-cos-hash-crc64ecma`) and MD5 (ETags, Content-MD5).

use md5::{Digest, Md5};

/// Reflected ECMA-182 polynomial of CRC-64/XZ.
const CRC64_POLY_REFLECTED: u64 = 0xC96C_5795_D787_0F42;

/// Both digests of a body, updated as its chunks stream in.
pub(crate) struct BodyHasher {
    md5: Md5,
    crc: crc64fast::Digest,
    len: u64,
}

impl BodyHasher {
    pub(crate) fn new() -> Self {
        BodyHasher {
            md5: Md5::new(),
            crc: crc64fast::Digest::new(),
            len: 0,
        }
    }

    pub(crate) fn update(&mut self, chunk: &[u8]) {
        self.md5.update(chunk);
        self.crc.write(chunk);
        self.len += chunk.len() as u64;
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    pub(crate) fn finish(self) -> ([u8; 16], u64) {
        (self.md5.finalize().into(), self.crc.sum64())
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

/// CRC of `A || B` from `crc(A)`, `crc(B)` and `len(B)`, without reading either: the
/// zlib combine method (GF(2) matrix squaring) applied to the 64-bit polynomial. Valid
/// for CRC-64/XZ because, like zlib's CRC-32, it is reflected with all-ones init and xorout.
pub(crate) fn crc64_combine(mut crc1: u64, crc2: u64, mut len2: u64) -> u64 {
    if len2 == 0 {
        return crc1;
    }
    let mut odd = [0u64; 64];
    odd[0] = CRC64_POLY_REFLECTED;
    let mut row = 1u64;
    for entry in odd.iter_mut().skip(1) {
        *entry = row;
        row <<= 1;
    }
    let mut even = [0u64; 64];
    gf2_square(&mut even, &odd); // operator for two zero bits
    gf2_square(&mut odd, &even); // four zero bits
    loop {
        gf2_square(&mut even, &odd);
        if len2 & 1 != 0 {
            crc1 = gf2_times(&even, crc1);
        }
        len2 >>= 1;
        if len2 == 0 {
            break;
        }
        gf2_square(&mut odd, &even);
        if len2 & 1 != 0 {
            crc1 = gf2_times(&odd, crc1);
        }
        len2 >>= 1;
        if len2 == 0 {
            break;
        }
    }
    crc1 ^ crc2
}

fn gf2_times(matrix: &[u64; 64], mut vector: u64) -> u64 {
    let mut sum = 0;
    let mut row = 0;
    while vector != 0 {
        if vector & 1 != 0 {
            sum ^= matrix[row];
        }
        vector >>= 1;
        row += 1;
    }
    sum
}

fn gf2_square(square: &mut [u64; 64], matrix: &[u64; 64]) {
    for (row, entry) in square.iter_mut().enumerate() {
        *entry = gf2_times(matrix, matrix[row]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crc(data: &[u8]) -> u64 {
        let mut digest = crc64fast::Digest::new();
        digest.write(data);
        digest.sum64()
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
