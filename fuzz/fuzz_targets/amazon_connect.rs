//! Fuzzes the amazon_connect parsers, normalizer, store and renderer: the first byte
//! picks the operation (ListQueues, GetCurrentMetricData, GetMetricDataV2,
//! GetCurrentUserData), the rest is its response body. See tests/common/pipeline.rs.
#![no_main]

#[allow(dead_code)]
#[path = "../../tests/common/pipeline.rs"]
mod pipeline;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Some((selector, body)) = data.split_first() {
        pipeline::amazon_connect(*selector, body);
    }
});
