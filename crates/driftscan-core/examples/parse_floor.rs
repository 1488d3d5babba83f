//! The parse floor of `make bench`: the time to read and parse the given JSON files with
//! serde_json and nothing else (no typed facts, no positions, no values kept), one after
//! the other. A scan of the same files cannot be faster than this on one core.
//!
//!     cargo run --example parse_floor -- snapshot.json baselines/123456789012/*.json
//!
//! Prints `<seconds> <bytes>`.

fn main() -> std::process::ExitCode {
    let started = std::time::Instant::now();
    let mut bytes = 0usize;
    for path in std::env::args().skip(1) {
        let parsed = std::fs::read(&path).map_err(|e| e.to_string()).and_then(|text| {
            bytes += text.len();
            serde_json::from_slice::<serde::de::IgnoredAny>(&text).map(|_| ()).map_err(|e| e.to_string())
        });
        if let Err(e) = parsed {
            eprintln!("{path}: {e}");
            return std::process::ExitCode::from(2);
        }
    }
    println!("{:.3} {bytes}", started.elapsed().as_secs_f64());
    std::process::ExitCode::SUCCESS
}
