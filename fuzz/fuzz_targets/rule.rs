//! Rule files: any text is a rule or a `file:line` error, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = driftscan_core::rules::parse_rule(Path::new("rules/fuzz/FUZZ-1.toml"), text);
});
