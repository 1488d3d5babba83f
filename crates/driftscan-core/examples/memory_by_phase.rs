//! Memory of a scan, phase by phase: the live heap (a counting allocator around the system
//! one), the process's resident peak, and at the end the live blocks by size. The scan is
//! the library's pipeline as `driftscan scan` runs it, one phase after the other.
//!
//!     cargo run -p driftscan-core --example memory_by_phase -- target/bench/100000
//!
//! The directory is one of `make bench`'s: `drifted.json` and `baselines/`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use driftscan_core::{baseline, pipeline, report, rules, snapshot, source_root};

/// Upper bounds of the block-size classes the live heap is broken down by.
const CLASSES: [usize; 8] = [8, 16, 24, 48, 96, 256, 1024, usize::MAX];

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);
static CLASS_BLOCKS: [AtomicUsize; 8] = [const { AtomicUsize::new(0) }; 8];
static CLASS_BYTES: [AtomicUsize; 8] = [const { AtomicUsize::new(0) }; 8];

fn class(size: usize) -> usize {
    CLASSES.iter().position(|&bound| size <= bound).unwrap_or(CLASSES.len() - 1)
}

struct Counting;

// SAFETY: every call is passed to the system allocator unchanged; the counters are atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Relaxed);
        CLASS_BLOCKS[class(layout.size())].fetch_add(1, Relaxed);
        CLASS_BYTES[class(layout.size())].fetch_add(layout.size(), Relaxed);
        // SAFETY: the caller's layout, as `GlobalAlloc::alloc` requires.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), Relaxed);
        CLASS_BLOCKS[class(layout.size())].fetch_sub(1, Relaxed);
        CLASS_BYTES[class(layout.size())].fetch_sub(layout.size(), Relaxed);
        // SAFETY: a block this allocator handed out, with its layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap_or_default();
    line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).ok_or("usage: memory_by_phase <bench dir>")?);
    let started = std::time::Instant::now();
    let phase = |name: &str| {
        let live = LIVE_BYTES.load(Relaxed) >> 20;
        let (ms, peak) = (started.elapsed().as_millis(), peak_kib() >> 10);
        println!("{name:<10} {ms:>6} ms  live {live:>5} MiB  resident peak {peak:>5} MiB");
    };
    let rules = rules::load_catalog(&[])?;
    let current = snapshot::Snapshot::load(&dir.join("drifted.json"))?;
    phase("snapshot");
    let root = source_root::SourceRoot::at(&dir);
    let baselines = baseline::Baselines::load_account(&dir.join("baselines"), &current.meta.account_id, &root)?;
    phase("baselines");
    let settings = pipeline::Settings {
        baselines_dir: dir.join("baselines"),
        source_root: root,
        use_baseline: true,
        trusted_accounts: Default::default(),
    };
    let mut scan = pipeline::AccountScan::compare_with(current, baselines);
    phase("diff");
    scan.evaluate(&settings, &rules)?;
    phase("rules");
    let pipeline::AccountScan { current, baselines, diffs, result } = scan;
    drop((current, baselines));
    phase("facts freed");
    let sarif = report::sarif::render(&result, &rules);
    phase("sarif");
    report::json::write_scan(&result, None, &mut std::io::sink())?;
    phase("json");
    let text = report::render(report::Format::Text, &result, &rules, &diffs, false);
    phase("text");
    println!("reports: SARIF {} MiB, text {} MiB", sarif.len() >> 20, text.len() >> 20);
    println!("live blocks by size (bytes):");
    let mut lower = 1;
    for (i, bound) in CLASSES.iter().enumerate() {
        let upper = if *bound == usize::MAX { "".to_string() } else { bound.to_string() };
        let (blocks, bytes) = (CLASS_BLOCKS[i].load(Relaxed), CLASS_BYTES[i].load(Relaxed) >> 20);
        println!("  {lower:>5}-{upper:<5} {blocks:>9} blocks {bytes:>5} MiB");
        lower = bound.saturating_add(1);
    }
    Ok(())
}
