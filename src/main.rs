use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

fn main() -> ExitCode {
    // The matches are kept: a setting of driftscan.toml applies only where no flag was given.
    let matches = driftscan::cli::Cli::command().get_matches();
    let cli = driftscan::cli::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match driftscan::app::run(cli, &matches).map_err(anyhow::Error::from) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            let code = e.downcast_ref::<driftscan::Error>().map_or(driftscan::app::exit::BAD_INPUT, driftscan::app::exit_code_of);
            ExitCode::from(code)
        }
    }
}
