//! Fuzzes the eight_by_eight_analytics parsers, normalizer, store and renderer: the first
//! byte picks the endpoint (`/queues`, `/agents`, the token), the rest is its response
//! body. See tests/common/pipeline.rs.
#![no_main]

#[allow(dead_code)]
#[path = "../../tests/common/pipeline.rs"]
mod pipeline;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Some((selector, body)) = data.split_first() {
        pipeline::eight_by_eight_analytics(*selector, body);
    }
});
