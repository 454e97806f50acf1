//! The `mock-nova` binary: parses the command line, loads the configuration,
//! starts logging and serves until SIGINT or SIGTERM.

mod cli;

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    let config = match cli.load_config() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("mock-nova: {error:#}");
            return std::process::ExitCode::from(2);
        }
    };
    mock_nova::telemetry::init(config.log_format);
    match cli::serve(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(
                error = format!("{error:#}"),
                "mock-nova stopped with an error"
            );
            std::process::ExitCode::FAILURE
        }
    }
}
