//! AWS Config facts: whether a configuration recorder records, per region.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFacts {
    /// One entry per scanned region, keyed `arn:aws:config:<region>:<account>:configuration-recorder`.
    #[serde(deserialize_with = "super::unique::map")]
    pub recorders: BTreeMap<String, ConfigRecorder>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigRecorder {
    pub region: String,
    /// `None` when the region has no configuration recorder.
    pub name: Option<String>,
    pub recording: bool,
    pub all_supported: bool,
    pub include_global_resources: bool,
}
