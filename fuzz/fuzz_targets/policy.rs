//! Policy normalization: any text is a document or an error, never a panic; a document
//! normalizes to a fixed point (normalizing its own output changes nothing).
#![no_main]

use driftscan_core::snapshot::policy::PolicyDocument;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(doc) = PolicyDocument::parse(text) {
        let again = PolicyDocument::parse(&serde_json::to_string(&doc).unwrap()).expect("normalized output parses");
        assert_eq!(doc, again, "normalization is idempotent");
    }
});
