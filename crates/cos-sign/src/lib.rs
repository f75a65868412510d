//! `cos-sign`: Tencent Cloud COS request signing (q-sign-algorithm=sha1) and presigned URLs.
//!
//! This crate is being built; see the workspace README for the crate map.
