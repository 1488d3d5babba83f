//! The `driftscan` command: parses the command line and the configuration file, runs one
//! command (see [`commands`]) and turns its outcome into an exit code.

mod cli;
mod commands;
mod config;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

// See Cargo.toml: the scan allocates millions of small values across threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc (v3) keeps freed pages for a second before it gives them back; a scan frees
/// a file's text or a side's facts and allocates findings and reports right after, so the
/// pages of both were resident at once. 10 ms (v2's default) at 100k resources: peak
/// ~620 -> ~580 MB, same time; 0 ms: ~560 MB but 0.3 s slower (pages faulted in again).
#[allow(unsafe_code)]
fn return_freed_memory_soon() {
    // `mi_option_purge_delay` comes right before `mi_option_use_numa_nodes` in mimalloc.h
    // (v2 and v3); the crate names the one and not the other.
    let purge_delay = libmimalloc_sys::mi_option_use_numa_nodes - 1;
    // SAFETY: sets a process-wide allocator option to a plain value; mimalloc allows it at
    // any time from any thread.
    unsafe { libmimalloc_sys::mi_option_set(purge_delay, 10) }
}

fn main() -> ExitCode {
    return_freed_memory_soon();
    // The matches are kept: a setting of driftscan.toml applies only where no flag was given.
    let matches = cli::Cli::command().get_matches();
    let cli = cli::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match commands::run(cli, &matches).map_err(anyhow::Error::from) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            match e.downcast_ref::<driftscan_core::Error>() {
                Some(core) => eprintln!("error: {}", in_flags(core)),
                None => eprintln!("error: {e}"),
            }
            let code =
                e.downcast_ref::<driftscan_core::Error>().map_or(commands::exit::BAD_INPUT, commands::exit_code_of);
            ExitCode::from(code)
        }
    }
}

/// The library's error as this command words it: where the fix is one of its flags, the
/// flag is named (the library knows no flags).
fn in_flags(err: &driftscan_core::Error) -> String {
    use driftscan_core::Error;
    match err {
        Error::SourceRootNotDirectory { path } => format!("--source-root {}: not a directory", path.display()),
        Error::OutsideSourceRoot { .. } => {
            format!("{err}; give --source-root DIR with the repository that holds the baselines")
        }
        Error::SarifNeedsFiles { .. } => format!("{err}: write them with --sarif-dir DIR"),
        Error::PeriodReversed { from, to } => format!("--from {from} is after --to {to}"),
        Error::NotAGitWorkTree { .. } => format!("{err} (--baselines DIR)"),
        Error::OrganizationNotListed { detail } => format!(
            "cannot list the organization's accounts ({detail}): --org needs {}",
            driftscan_core::error::ORG_LISTING_NEEDS
        ),
        _ => err.to_string(),
    }
}
