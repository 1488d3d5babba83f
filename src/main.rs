use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = driftscan::cli::Cli::parse();
    match driftscan::app::run(cli).map_err(anyhow::Error::from) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            let code = e.downcast_ref::<driftscan::Error>().map_or(driftscan::app::exit::BAD_INPUT, driftscan::app::exit_code_of);
            ExitCode::from(code)
        }
    }
}
