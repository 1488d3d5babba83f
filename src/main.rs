use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = driftscan::cli::Cli::parse();
    match driftscan::app::run(cli).map_err(anyhow::Error::from) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(driftscan::app::exit::BAD_INPUT)
        }
    }
}
