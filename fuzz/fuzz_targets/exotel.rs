//! Fuzzes the exotel parser, normalizer, store and renderer with a response body.
//! See tests/common/pipeline.rs.
#![no_main]

#[allow(dead_code)]
#[path = "../../tests/common/pipeline.rs"]
mod pipeline;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    pipeline::exotel(data);
});
