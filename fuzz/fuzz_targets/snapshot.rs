//! Snapshot loading: any text is a snapshot or a positioned error, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = driftscan_core::snapshot::Snapshot::parse(Path::new("fuzz.json"), text);
});
