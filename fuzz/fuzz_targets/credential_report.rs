//! The credential report CSV: any text parses or fails with a line, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = driftscan_core::snapshot::credential_report::parse(text);
});
