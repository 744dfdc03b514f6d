//! Fuzzes the twilio_taskrouter parsers, normalizer, store and renderer: the first byte
//! picks the answer (TaskQueues, bulk real-time statistics, cumulative statistics,
//! Workers, Activities), the rest is its body. See tests/common/pipeline.rs.
#![no_main]

#[allow(dead_code)]
#[path = "../../tests/common/pipeline.rs"]
mod pipeline;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Some((selector, body)) = data.split_first() {
        pipeline::twilio_taskrouter(*selector, body);
    }
});
