//! driftscan's integration tests, one test crate (as ripgrep does): one link, one binary.

mod common;

mod access_review;
mod bad_input;
mod catalog;
mod cli;
mod config;
mod demo;
mod drift_property;
mod evidence;
mod exceptions;
mod faults;
mod golden;
mod html_report;
mod module_graph;
mod moto_e2e;
mod org;
mod partitions;
mod read_only;
mod rule_cases;
mod sarif_valid;
mod secrets;
mod testbed;
