//! `cos_client::crc64` against the CRC-64 vectors recorded from the official Python SDK.

use cos_client::{Crc64, crc64, crc64_combine};
use cos_tests::load_vectors;

fn input(vector: &serde_json::Value) -> Option<Vec<u8>> {
    let description = vector["description"].as_str().unwrap_or_default();
    let length: usize = match &vector["length"] {
        serde_json::Value::Number(n) => n.as_u64()? as usize,
        serde_json::Value::String(s) => s.parse().ok()?,
        _ => return None,
    };
    let data: Vec<u8> = match description {
        d if d.starts_with("bytes(i % 251") => (0..length).map(|i| (i % 251) as u8).collect(),
        "1 MiB of 0x00" => vec![0; length],
        "1 MiB of 0xFF" => vec![0xFF; length],
        "1 MiB of \"a\"" => vec![b'a'; length],
        "bytes 0..255" => (0..=255u8).collect(),
        _ => {
            let hex = vector["input_hex"].as_str()?;
            (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect()
        }
    };
    assert_eq!(data.len(), length, "{}", vector["id"]);
    Some(data)
}

#[test]
fn every_vector_matches() {
    let vectors = load_vectors("crc64_vectors.json");
    assert_eq!(
        vectors["algorithm"]["check_123456789"],
        "0x995DC9BBDF1939FA"
    );
    let mut checked = 0;
    for vector in vectors["vectors"].as_array().unwrap() {
        let data =
            input(vector).unwrap_or_else(|| panic!("cannot rebuild input of {}", vector["id"]));
        let expected: u64 = vector["crc64_decimal"].as_str().unwrap().parse().unwrap();
        assert_eq!(crc64(&data), expected, "{}", vector["id"]);

        let mut hasher = Crc64::new();
        for chunk in data.chunks(4093) {
            hasher.update(chunk);
        }
        assert_eq!(
            hasher.finish(),
            expected,
            "{} hashed in chunks",
            vector["id"]
        );

        let split = data.len() / 3;
        let (a, b) = data.split_at(split);
        assert_eq!(
            crc64_combine(crc64(a), crc64(b), b.len() as u64),
            expected,
            "{} combined",
            vector["id"]
        );
        checked += 1;
    }
    assert_eq!(checked, 19);
}
