//! Fuzzes the eight_by_eight parsers, normalizers, store and renderer: the first byte picks the
//! endpoint, the rest is its response body. See tests/common/pipeline.rs.
#![no_main]

#[allow(dead_code)]
#[path = "../../tests/common/pipeline.rs"]
mod pipeline;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Some((selector, body)) = data.split_first() {
        pipeline::eight_by_eight(*selector, body);
    }
});
