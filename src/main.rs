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

fn main() -> ExitCode {
    // The matches are kept: a setting of driftscan.toml applies only where no flag was given.
    let matches = cli::Cli::command().get_matches();
    let cli = cli::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match commands::run(cli, &matches).map_err(anyhow::Error::from) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            let code =
                e.downcast_ref::<driftscan_core::Error>().map_or(commands::exit::BAD_INPUT, commands::exit_code_of);
            ExitCode::from(code)
        }
    }
}
