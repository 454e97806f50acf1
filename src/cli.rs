//! Command-line interface of the `mock-nova` binary.

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use mock_nova::config::{AuthMode, Config, LogFormat};

/// A mock of the OpenStack Compute (Nova) API for flavor extra specs.
#[derive(Debug, Parser)]
#[command(name = "mock-nova", version, about)]
pub struct Cli {
    /// TOML configuration file; its keys override the built-in defaults.
    #[arg(long, value_name = "FILE", env = "MOCK_NOVA_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on, such as 127.0.0.1:8774; port 0 picks a free port.
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// Highest supported compute microversion, such as 2.100.
    #[arg(long, value_name = "VERSION")]
    pub max_microversion: Option<String>,
    /// How Nova requests are authenticated.
    #[arg(long, value_enum)]
    pub auth: Option<AuthMode>,
    /// Base URL for links in responses instead of the request's host.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Log output format.
    #[arg(long, value_enum)]
    pub log_format: Option<LogFormat>,
    /// Seed that makes generated ids (requests, flavors, tokens) reproducible.
    #[arg(long, value_name = "NUMBER", value_parser = clap::value_parser!(i64).range(0..))]
    pub seed: Option<i64>,
    /// File to load the state from at start and save it to after each change.
    #[arg(long, value_name = "PATH")]
    pub state_file: Option<PathBuf>,
    /// What to do instead of serving.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands of the binary; without one it serves.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Checks that a running mock-nova is ready and exits 0 if it is, 1 if not;
    /// meant for container health checks where no curl is installed.
    Healthcheck {
        /// Readiness URL to probe.
        #[arg(long, default_value = "http://127.0.0.1:8774/readyz")]
        url: String,
        /// Seconds to wait for the answer, at least 1.
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..))]
        timeout: u64,
    },
}

/// Returns the environment variables for the configuration. Variables that
/// are not valid UTF-8 are skipped, unless they are mock-nova's own.
fn environment() -> anyhow::Result<Vec<(String, String)>> {
    let mut variables = Vec::new();
    for (name, value) in std::env::vars_os() {
        let Some(name) = name.to_str() else {
            continue;
        };
        if name == "MOCK_NOVA_CONFIG" {
            continue;
        }
        match value.into_string() {
            Ok(value) => variables.push((name.to_owned(), value)),
            Err(_) if name.starts_with("MOCK_NOVA_") => {
                anyhow::bail!(
                    "environment variable {name} is not valid UTF-8; \
                     set it to UTF-8 text or unset it"
                )
            }
            Err(_) => {}
        }
    }
    Ok(variables)
}

impl Cli {
    /// Loads the configuration layers: defaults, `--config`, `MOCK_NOVA_*`, flags.
    pub fn load_config(&self) -> anyhow::Result<Config> {
        let text = match &self.config {
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .with_context(|| format!("failed to read config file {}", path.display()))?,
            ),
            None => None,
        };
        let file = self.config.as_deref().zip(text.as_deref());
        Config::from_layers(file, environment()?.into_iter(), &self.flag_table())
    }

    fn flag_table(&self) -> toml::Table {
        let mut table = toml::Table::new();
        let mut set = |key: &str, value: Option<String>| {
            if let Some(value) = value {
                table.insert(key.to_owned(), toml::Value::String(value));
            }
        };
        set("bind", self.bind.clone());
        set("max_microversion", self.max_microversion.clone());
        set("auth", self.auth.map(|mode| enum_name(&mode)));
        set("public_url", self.public_url.clone());
        set(
            "log_format",
            self.log_format.map(|format| enum_name(&format)),
        );
        set(
            "state_file",
            self.state_file
                .as_ref()
                .map(|path| path.to_string_lossy().into_owned()),
        );
        if let Some(seed) = self.seed {
            table.insert("seed".to_owned(), toml::Value::Integer(seed));
        }
        table
    }
}

fn enum_name(value: &impl clap::ValueEnum) -> String {
    value
        .to_possible_value()
        .map(|possible| possible.get_name().to_owned())
        .unwrap_or_default()
}

/// Flavor ids named in the start-up line; a large seed is summarized.
const LOGGED_FLAVOR_IDS: usize = 20;

/// Joins the first `count` items with commas, adding `,...` when there are more.
fn list_start(items: &[&str], count: usize) -> String {
    let mut text = items[..items.len().min(count)].join(",");
    if items.len() > count {
        text.push_str(",...");
    }
    text
}

/// Starts the server and runs it until SIGINT or SIGTERM.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let shutdown = shutdown_signal()?;
    let max_microversion = config.max_microversion;
    let auth = enum_name(&config.auth);
    let server = mock_nova::Server::bind(config).await?;
    let address = server.local_addr()?;
    // The flavors served, which come from the state file when one was loaded.
    let flavors = server
        .state()
        .namespaces
        .export(None)
        .map(|seed| seed.flavors);
    let flavor_ids: Vec<&str> = flavors
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|flavor| flavor.id.as_str())
        .collect();
    tracing::info!(
        %address,
        %max_microversion,
        auth,
        flavors = flavor_ids.len(),
        flavor_ids = %list_start(&flavor_ids, LOGGED_FLAVOR_IDS),
        "mock-nova listening on http://{address}"
    );
    server.run(shutdown).await?;
    tracing::info!("mock-nova stopped");
    Ok(())
}

/// Installs the SIGINT and SIGTERM handlers and returns a future that completes
/// on either. The handlers are installed before the future is first polled, so a
/// signal that arrives right after start-up is not lost to the default action.
///
/// # Errors
/// The operating system refused a signal handler.
#[cfg(unix)]
fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};

    let mut interrupt =
        signal(SignalKind::interrupt()).context("failed to install the SIGINT handler")?;
    let mut terminate =
        signal(SignalKind::terminate()).context("failed to install the SIGTERM handler")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => tracing::info!("received SIGINT, shutting down"),
            _ = terminate.recv() => tracing::info!("received SIGTERM, shutting down"),
        }
    })
}

/// Returns a future that completes on Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("received Ctrl-C, shutting down");
    })
}

/// Probes a readiness URL with a plain HTTP/1.1 GET and tells whether it
/// answered 200 within the timeout.
pub fn healthcheck(url: &str, timeout: std::time::Duration) -> anyhow::Result<bool> {
    use std::io::{Read, Write};
    use std::net::ToSocketAddrs;

    let uri: axum::http::Uri = url
        .parse()
        .with_context(|| format!("invalid URL {url:?}"))?;
    if uri.scheme_str() != Some("http") {
        anyhow::bail!("only http:// URLs can be probed, not {url:?}");
    }
    let authority = uri
        .authority()
        .with_context(|| format!("URL {url:?} has no host"))?;
    let port = authority.port_u16().unwrap_or(80);
    // An IPv6 literal comes in brackets, which name resolution does not take.
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let address = (host, port)
        .to_socket_addrs()
        .with_context(|| format!("failed to resolve {}", authority.host()))?
        .next()
        .with_context(|| format!("no address for {}", authority.host()))?;
    let mut stream = std::net::TcpStream::connect_timeout(&address, timeout)
        .with_context(|| format!("failed to connect to {address}"))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let path = uri.path_and_query().map_or("/", |pq| pq.as_str());
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )?;
    let mut head = [0u8; 12];
    stream
        .read_exact(&mut head)
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                anyhow::anyhow!("timed out after {} s waiting for {url}", timeout.as_secs())
            }
            _ => anyhow::anyhow!("no answer from {url}: {error}"),
        })?;
    Ok(head.starts_with(b"HTTP/1.1 200") || head.starts_with(b"HTTP/1.0 200"))
}
