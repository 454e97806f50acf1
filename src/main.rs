//! The `mock-nova` binary: parses the command line, loads the configuration,
//! starts logging and serves until SIGINT or SIGTERM; or runs the `healthcheck`
//! subcommand.

mod cli;

/// jemalloc serves the many small, short-lived allocations of request handling
/// faster than the system allocator.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    if let Some(cli::Command::Healthcheck { url, timeout }) = &cli.command {
        let timeout = std::time::Duration::from_secs(*timeout);
        return match cli::healthcheck(url, timeout) {
            Ok(true) => std::process::ExitCode::SUCCESS,
            Ok(false) => {
                eprintln!("mock-nova: {url} is not ready");
                std::process::ExitCode::FAILURE
            }
            Err(error) => {
                eprintln!("mock-nova: health check failed: {error:#}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    let config = match cli.load_config() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("mock-nova: {error:#}");
            return std::process::ExitCode::from(2);
        }
    };
    let _log_guard = mock_nova::telemetry::init(config.log_format);
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
