//! One account from its current state to every report asked of it: the pipeline
//! `driftscan scan` runs, with the loading and the reports in parallel where they can be.
//! The command says what it wants (where the state comes from, which reports go where);
//! [`ScanSession::run`] does the rest.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::baseline::{self, Baselines};
use crate::error::{Error, Result};
use crate::findings::ScanResult;
use crate::output::{AtomicFile, write_atomic};
use crate::pipeline::{AccountScan, Settings};
use crate::report::{self, Format};
use crate::rules::Rule;
use crate::scan_info::ScanInfo;
use crate::snapshot::Snapshot;

/// Where the account's current state comes from.
pub enum Current<'a> {
    /// A snapshot file: the account's baselines are read while its facts are parsed.
    File(&'a Path),
    /// A collector that reads it (the live account).
    Collect(Box<dyn FnOnce() -> Result<Snapshot> + Send + 'a>),
}

/// The reports a scan writes.
pub struct Outputs<'a> {
    pub sarif: Option<&'a Path>,
    pub json: Option<&'a Path>,
    /// The main report's format, and its file; without one its text is handed back
    /// ([`Scanned::main`]) for the caller to print.
    pub format: Format,
    pub output: Option<&'a Path>,
    /// Terminal colors in a text main report.
    pub color: bool,
}

/// How long each stage took, from the start of the session.
#[derive(Debug, Clone, Copy)]
pub struct Timings {
    pub loaded: Duration,
    pub compared: Duration,
    pub evaluated: Duration,
    pub reported: Duration,
}

/// What a session leaves: the scan (facts, baselines, drift and findings) and the main
/// report's text when it went to no file.
#[derive(Debug)]
pub struct Scanned {
    pub scan: AccountScan,
    pub main: Option<String>,
    /// Rules evaluated on resources, summed over resources.
    pub rule_evaluations: usize,
    pub timings: Timings,
}

/// An account's baselines read before its facts were, and the account.
type Peeked = (String, Result<Baselines>);

/// The settings and rules every account of a run is scanned with.
pub struct ScanSession<'a> {
    pub settings: &'a Settings,
    pub rules: &'a [Rule],
}

impl ScanSession<'_> {
    /// Loads the account, compares it with its baselines, evaluates the rules and writes
    /// `outputs`. `identify` gives the run's identification for the JSON report (git is
    /// asked about the baselines, which runs beside the SARIF report).
    pub fn run(
        &self,
        current: Current,
        outputs: &Outputs,
        identify: impl FnOnce(&ScanResult) -> Result<ScanInfo> + Send,
    ) -> Result<Scanned> {
        let started = Instant::now();
        let (current, peeked) = self.load(current)?;
        let loaded = started.elapsed();
        let mut scan = match peeked {
            Some((account, baselines)) if account == current.meta.account_id => {
                AccountScan::compare_with(current, baselines?)
            }
            _ => AccountScan::compare(current, self.settings)?,
        };
        let compared = started.elapsed();
        scan.evaluate(self.settings, self.rules)?;
        let evaluated = started.elapsed();
        let main = self.report(&scan, outputs, identify)?;
        let timings = Timings { loaded, compared, evaluated, reported: started.elapsed() };
        let rule_evaluations = self.evaluations(&scan);
        Ok(Scanned { scan, main, rule_evaluations, timings })
    }

    /// The current state, and the baselines read beside its facts: those of the one
    /// account the directory holds, else of the account the snapshot names (read first
    /// from its `meta`), with that account; [`ScanSession::run`] checks it is the facts'.
    fn load(&self, current: Current) -> Result<(Snapshot, Option<Peeked>)> {
        let settings = self.settings;
        let load_baselines = |account: &str| {
            (account.to_string(), Baselines::load_account(&settings.baselines_dir, account, &settings.source_root))
        };
        let (current, peeked) = match current {
            Current::Collect(collect) => (collect(), None),
            Current::File(path) if !settings.use_baseline => (Snapshot::load(path), None),
            Current::File(path) => match baseline::accounts(&settings.baselines_dir).as_slice() {
                [only] => {
                    let (current, baselines) = rayon::join(|| Snapshot::load(path), || load_baselines(only));
                    (current, Some(baselines))
                }
                _ => Snapshot::load_with(path, load_baselines),
            },
        };
        Ok((current?, peeked))
    }

    /// Writes the reports, side by side: they are independent. The SARIF (the longest:
    /// ~0.2 s at 100k resources, then its write and sync) on one thread from the start; on
    /// the other, the run's identification, then the JSON report and the main one. Each
    /// file is written by the task that rendered it.
    fn report(
        &self,
        scan: &AccountScan,
        outputs: &Outputs,
        identify: impl FnOnce(&ScanResult) -> Result<ScanInfo> + Send,
    ) -> Result<Option<String>> {
        let (result, diffs, rules) = (&scan.result, &scan.diffs[..], self.rules);
        let color = outputs.color && outputs.format == Format::Text && outputs.output.is_none();
        let write_sarif =
            |path: &Path| write_atomic(path, report::render(Format::Sarif, result, rules, diffs, false).as_bytes());
        let json_and_main = || -> Result<_> {
            let info = identify(result)?;
            let render = |format: Format| match format {
                Format::Json => report::json::render_scan(result, Some(&info)),
                _ => report::render(format, result, rules, diffs, color),
            };
            // The JSON report goes straight to its file: it is the largest text of all.
            let write_json = |path: &Path| -> Result<()> {
                let mut file = AtomicFile::create(path)?;
                report::json::write_scan(result, Some(&info), &mut file).map_err(|e| Error::io(path, e))?;
                file.commit()
            };
            Ok(rayon::join(|| outputs.json.map(write_json), || render(outputs.format)))
        };
        let (sarif, json_and_main) = rayon::join(|| outputs.sarif.map(write_sarif), json_and_main);
        sarif.transpose()?;
        let (json, main) = json_and_main?;
        json.transpose()?;
        match outputs.output {
            Some(path) => write_atomic(path, main.as_bytes()).map(|()| None),
            None => Ok(Some(main)),
        }
    }

    /// Counted per run of one resource type (the diff is sorted by type): a rule list
    /// searched for each of 100k resources was a serial 8 ms.
    fn evaluations(&self, scan: &AccountScan) -> usize {
        scan.diffs
            .chunk_by(|a, b| a.resource_type == b.resource_type)
            .map(|run| {
                run.len() * self.rules.iter().filter(|r| r.resource_types.contains(&run[0].resource_type)).count()
            })
            .sum()
    }
}
