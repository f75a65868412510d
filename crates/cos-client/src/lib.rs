//! `cos-client`: the Tencent Cloud COS client.

mod crc64;
pub mod model;
pub mod transport;
mod xml;

pub use crc64::{Crc64, crc64, crc64_combine};
