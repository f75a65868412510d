//! `cos-client`: the Tencent Cloud COS client.
//!
//! This crate is being built; see the workspace README for the crate map.
