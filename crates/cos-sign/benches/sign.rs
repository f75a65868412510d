//! Signing benchmarks.

fn main() {}
