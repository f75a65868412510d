//! `cos-emulator`: A local Tencent Cloud COS-compatible server for tests, examples and benchmarks.
//!
//! This crate is being built; see the workspace README for the crate map.
