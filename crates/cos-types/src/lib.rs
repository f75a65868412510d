//! `cos-types`: The error model and validated value types of the Tencent Cloud COS SDK.
//!
//! This crate is being built; see the workspace README for the crate map.
