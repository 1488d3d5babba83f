//! The HTML report in a real browser (headless Chromium, started by the test with no
//! network and no sandbox): it loads, shows the findings count, and its filter works,
//! both from the URL fragment and as the same function the controls call.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

pub fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("DRIFTSCAN_CHROMIUM").map(PathBuf::from).or_else(|| {
        ["chromium", "chromium-browser"].iter().find_map(|name| {
            std::env::var_os("PATH")?.to_str()?.split(':').map(|d| Path::new(d).join(name)).find(|p| p.exists())
        })
    });
    if found.is_none() {
        assert!(std::env::var_os("DRIFTSCAN_REQUIRE_TOOLS").is_none(), "chromium not found (make installs it)");
        eprintln!("skipped: no chromium");
    }
    found
}

/// The DOM after the page's scripts ran.
pub fn rendered(browser: &Path, url: &str, profile: &Path) -> String {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--virtual-time-budget=2000", "--dump-dom", url])
        .output()
        .expect("chromium runs");
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_html_report_loads_counts_and_filters_in_a_browser() {
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("report.html");
    let run = driftscan(&["scan", "--snapshot", path_str(&demo_today()), "--format", "html", "-o", path_str(&report)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains(" src="), "no external assets");
    assert!(html.contains("CC6.1") && html.contains("<details>"), "SOC 2 criteria and the drift diff are in the page");

    let json = tmp.path().join("r.json");
    driftscan(&["scan", "--snapshot", path_str(&demo_today()), "--format", "json", "-o", path_str(&json)]);
    let findings: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let findings = findings["findings"].as_array().unwrap();
    let critical = findings.iter().filter(|f| f["severity"] == "critical").count();
    let total = findings.len();

    let Some(browser) = chromium() else { return };
    let url = format!("file://{}", report.display());
    let all = rendered(&browser, &url, &tmp.path().join("profile-1"));
    assert!(all.contains(&format!("{total} of {total} findings shown")), "the count is shown once scripts ran");
    let filtered = rendered(&browser, &format!("{url}#severity=critical"), &tmp.path().join("profile-2"));
    assert!(filtered.contains(&format!("{critical} of {total} findings shown")), "the severity filter applies");
    assert_eq!(filtered.matches("<tr data-severity=").count(), total, "every row is still in the page, only hidden");
    assert_eq!(filtered.matches(" hidden\"").count(), total - critical, "non-critical rows are hidden");
}
