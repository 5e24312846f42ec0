//! Shared helpers for the benchmarks: loading `../shared/data`.
