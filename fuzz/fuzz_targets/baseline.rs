//! Baseline loading and its line index: any text loads or fails with a position.
#![no_main]

use driftscan_core::VariantArray;
use std::path::Path;

use driftscan_core::baseline::Baselines;
use driftscan_core::snapshot::{Meta, Service};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let meta = Meta {
        account_id: "123456789012".into(),
        partition: "aws".into(),
        regions: vec!["us-east-1".into()],
        scanned_at: Default::default(),
        tool_version: "fuzz".into(),
        caller_arn: String::new(),
        collection_gaps: Vec::new(),
        account_name: None,
        organization_accounts: Vec::new(),
    };
    let root = driftscan_core::source_root::SourceRoot::at(Path::new("."));
    let mut baselines = Baselines::none(Path::new("baselines"), &meta, &root);
    for &service in Service::VARIANTS {
        let _ = baselines.load_text(Path::new("iam.json"), text, service, "123456789012");
    }
});
