//! Configuration: built-in defaults, then a TOML file, then `MOCK_NOVA_*`
//! environment variables, then command-line flags.
//!
//! The built-in defaults are `config.example.toml`, embedded in the binary, so the
//! documented example and the defaults cannot drift apart. Every key of that file
//! can be set from the environment as `MOCK_NOVA_<KEY>`, with `__` between the
//! parts of a nested key (`MOCK_NOVA_KEYSTONE__TOKEN_LIFETIME`).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, bail};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::keystone::KeystoneConfig;
use crate::microversion::Microversion;
use crate::store::NewFlavor;

/// Text of the embedded default configuration.
pub const DEFAULT_CONFIG: &str = include_str!("../config.example.toml");

/// Prefix of the environment variables that override configuration keys.
pub const ENV_PREFIX: &str = "MOCK_NOVA_";

/// The whole server configuration.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Listening address; port 0 picks a free port.
    pub bind: SocketAddr,
    /// Highest supported compute microversion.
    #[serde(
        deserialize_with = "deserialize_microversion",
        serialize_with = "serialize_microversion"
    )]
    pub max_microversion: Microversion,
    /// How Nova requests are authenticated.
    pub auth: AuthMode,
    /// Base URL for links instead of the request's scheme and host; empty for none.
    pub public_url: String,
    /// Log output format.
    pub log_format: LogFormat,
    /// Largest accepted request body, in bytes.
    pub max_request_body_size: usize,
    /// File the state is loaded from at start and saved to after each change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_file: Option<std::path::PathBuf>,
    /// Maximum number of namespaces besides the default one.
    pub max_namespaces: usize,
    /// Connection and request limits.
    #[serde(default)]
    pub limits: Limits,
    /// Fault-injection rules installed at start.
    #[serde(default)]
    pub faults: Vec<crate::faults::FaultRule>,
    /// Maximum number of requests the journal keeps; 0 disables it.
    pub journal_capacity: usize,
    /// Seed that makes generated ids reproducible; random ids when absent.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Tokens accepted in every authentication mode, each with a fixed identity.
    #[serde(default)]
    pub static_tokens: Vec<StaticToken>,
    /// Keystone's token settings and accounts.
    pub keystone: KeystoneConfig,
    /// Flavors the store starts with; the application state takes them over,
    /// leaving this list empty in the state's copy of the configuration.
    pub flavors: Vec<FlavorSeed>,
}

/// A token declared in the configuration, for curl and for tests that need an
/// exact set of roles.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StaticToken {
    /// The token value clients send in `X-Auth-Token`.
    pub token: String,
    /// User id and name of the caller.
    pub user: String,
    /// Project id of the caller.
    pub project: String,
    /// Role names; implied roles are added (admin implies member implies reader).
    #[serde(default)]
    pub roles: Vec<String>,
}

/// Connection and request limits that keep slow or hostile clients from
/// tying the server up.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Connections served at once; further clients wait in the listen backlog.
    pub max_connections: usize,
    /// Seconds a client has to send a complete request head.
    pub header_read_timeout_seconds: u64,
    /// Seconds a client has to send a request body.
    pub body_read_timeout_seconds: u64,
    /// Largest request head (request line and headers), in bytes; at least 8192.
    pub max_header_bytes: usize,
    /// Seconds in-flight requests get to finish after SIGINT or SIGTERM.
    pub shutdown_grace_seconds: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            header_read_timeout_seconds: 10,
            body_read_timeout_seconds: 30,
            max_header_bytes: 65_536,
            shutdown_grace_seconds: 30,
        }
    }
}

/// Authentication strategy for Nova requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// A token issued by the built-in Keystone (or a static token) is required.
    Keystone,
    /// Nova's `noauth2` convention: the token is `user[:project]`.
    Noauth,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// One flavor of the seed data, as written in the configuration file.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FlavorSeed {
    /// Public flavor id.
    pub id: String,
    /// Nova's internal integer id, which appears in a few messages; assigned in
    /// order when absent. Exports include it so that a reload keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_id: Option<u64>,
    /// Unique name.
    pub name: String,
    /// RAM in MiB.
    pub ram: u32,
    /// Root disk in GiB.
    pub disk: u32,
    /// Number of vCPUs.
    pub vcpus: u32,
    /// Swap in MiB.
    #[serde(default)]
    pub swap: u32,
    /// Ephemeral disk in GiB.
    #[serde(default)]
    pub ephemeral: u32,
    /// Bandwidth factor.
    #[serde(default = "default_rxtx_factor")]
    pub rxtx_factor: f64,
    /// Whether every project can use the flavor.
    #[serde(default = "default_true")]
    pub is_public: bool,
    /// Whether the flavor is disabled.
    #[serde(default)]
    pub disabled: bool,
    /// Description shown from microversion 2.55.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Extra specs.
    #[serde(default)]
    pub extra_specs: BTreeMap<String, String>,
    /// Projects with access to a private flavor.
    #[serde(default)]
    pub projects: Vec<String>,
}

impl From<&crate::store::Flavor> for FlavorSeed {
    fn from(flavor: &crate::store::Flavor) -> Self {
        Self {
            id: flavor.flavor_id.clone(),
            internal_id: Some(flavor.internal_id),
            name: flavor.name.clone(),
            ram: flavor.memory_mb,
            disk: flavor.root_gb,
            vcpus: flavor.vcpus,
            swap: flavor.swap,
            ephemeral: flavor.ephemeral_gb,
            rxtx_factor: flavor.rxtx_factor,
            is_public: flavor.is_public,
            disabled: flavor.disabled,
            description: flavor.description.clone(),
            extra_specs: flavor.extra_specs.clone(),
            projects: flavor.projects.clone(),
        }
    }
}

fn dedup_keeping_order(items: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    items
        .into_iter()
        .filter(|item| seen.insert(item.clone()))
        .collect()
}

fn default_rxtx_factor() -> f64 {
    1.0
}

fn default_true() -> bool {
    true
}

impl From<FlavorSeed> for NewFlavor {
    fn from(seed: FlavorSeed) -> Self {
        Self {
            internal_id: seed.internal_id,
            flavor_id: seed.id,
            name: seed.name,
            memory_mb: seed.ram,
            vcpus: seed.vcpus,
            root_gb: seed.disk,
            ephemeral_gb: seed.ephemeral,
            swap: seed.swap,
            rxtx_factor: seed.rxtx_factor,
            is_public: seed.is_public,
            disabled: seed.disabled,
            description: seed.description,
            extra_specs: seed.extra_specs,
            projects: dedup_keeping_order(seed.projects),
        }
    }
}

fn deserialize_microversion<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Microversion, D::Error> {
    let text = String::deserialize(deserializer)?;
    let version: Microversion = text.parse().map_err(|_| {
        serde::de::Error::custom(format!(
            "invalid microversion {text:?}: expected MAJOR.MINOR such as \"2.100\""
        ))
    })?;
    if version < Microversion::MIN || version > Microversion::NEWEST {
        return Err(serde::de::Error::custom(format!(
            "microversion {text} is outside the range this server implements ({} to {})",
            Microversion::MIN,
            Microversion::NEWEST
        )));
    }
    Ok(version)
}

fn serialize_microversion<S: Serializer>(
    version: &Microversion,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&version.to_string())
}

impl Default for Config {
    fn default() -> Self {
        Self::from_layers(None, std::iter::empty(), &toml::Table::new())
            .expect("the embedded default configuration is valid")
    }
}

impl Config {
    /// Builds the configuration from its layers.
    ///
    /// `file` is the text of the file given with `--config`, `env` the process
    /// environment, and `flags` the keys set on the command line.
    ///
    /// # Errors
    /// Returns an error naming the key when a layer does not parse or a value has
    /// the wrong type.
    pub fn from_layers(
        file: Option<(&Path, &str)>,
        env: impl Iterator<Item = (String, String)>,
        flags: &toml::Table,
    ) -> anyhow::Result<Self> {
        let mut merged: toml::Table =
            toml::from_str(DEFAULT_CONFIG).context("embedded default configuration")?;
        if let Some((path, text)) = file {
            let table: toml::Table = toml::from_str(text)
                .with_context(|| format!("failed to parse config file {}", path.display()))?;
            merge_tables(&mut merged, table);
        }
        merge_tables(&mut merged, env_table(env)?);
        merge_tables(&mut merged, flags.clone());
        let config: Config = merged
            .try_into()
            .context("invalid configuration (check the keys against config.example.toml)")?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> anyhow::Result<()> {
        // hyper rejects smaller head buffers by panicking, so check here.
        if self.limits.max_header_bytes < 8192 {
            bail!(
                "limits.max_header_bytes is {}, but must be at least 8192",
                self.limits.max_header_bytes
            );
        }
        if self.limits.max_connections == 0 {
            bail!("limits.max_connections must be at least 1");
        }
        let url = &self.public_url;
        let scheme_ok = url.starts_with("http://") || url.starts_with("https://");
        if !url.is_empty() && !scheme_ok {
            bail!(
                "public_url {:?} must start with http:// or https://",
                self.public_url
            );
        }
        self.keystone.validate()
    }
}

/// Overlays `overlay` on `base`: tables merge key by key, any other value
/// (arrays included) replaces the old one.
fn merge_tables(base: &mut toml::Table, overlay: toml::Table) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(existing)), toml::Value::Table(table)) => {
                merge_tables(existing, table);
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Turns `MOCK_NOVA_*` variables into a table, parsing each value as a TOML value
/// when it is one (`8080`, `true`, `["a"]`) and as a string otherwise.
fn env_table(env: impl Iterator<Item = (String, String)>) -> anyhow::Result<toml::Table> {
    let mut table = toml::Table::new();
    for (name, raw) in env {
        let Some(key) = name.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        let path: Vec<String> = key.split("__").map(str::to_ascii_lowercase).collect();
        if path.iter().any(String::is_empty) {
            bail!("environment variable {name} has an empty key part");
        }
        // Floats stay text: no number key is a float, and versions such as
        // 2.100 must not turn into 2.1.
        let value = toml::from_str::<toml::Table>(&format!("value = {raw}"))
            .ok()
            .and_then(|mut parsed| parsed.remove("value"))
            .filter(|value| !value.is_float())
            .unwrap_or(toml::Value::String(raw));
        insert_path(&mut table, &path, value);
    }
    Ok(table)
}

fn insert_path(table: &mut toml::Table, path: &[String], value: toml::Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut current = table;
    for part in parents {
        let entry = current
            .entry(part.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        let toml::Value::Table(next) = entry else {
            return;
        };
        current = next;
    }
    current.insert(last.clone(), value);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_seed_devstack_flavors() {
        let config = Config::default();
        let ids: Vec<&str> = config.flavors.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "1", "2", "3", "4", "5", "42", "84", "c1", "d1", "d2", "d3", "d4"
            ]
        );
    }

    #[test]
    fn defaults_listen_on_loopback() {
        assert_eq!(Config::default().bind, "127.0.0.1:8774".parse().unwrap());
    }

    #[test]
    fn defaults_advertise_newest_microversion() {
        assert_eq!(Config::default().max_microversion, Microversion::NEWEST);
    }

    #[test]
    fn file_overrides_defaults() {
        let file = "max_microversion = \"2.96\"";
        let config = Config::from_layers(
            Some((Path::new("x.toml"), file)),
            std::iter::empty(),
            &toml::Table::new(),
        )
        .unwrap();
        assert_eq!(config.max_microversion, Microversion::new(2, 96));
        assert_eq!(config.flavors.len(), 12);
    }

    #[test]
    fn file_flavors_replace_defaults() {
        let file = "[[flavors]]\nid = \"x\"\nname = \"x\"\nram = 1\ndisk = 0\nvcpus = 1\n";
        let config = Config::from_layers(
            Some((Path::new("x.toml"), file)),
            std::iter::empty(),
            &toml::Table::new(),
        )
        .unwrap();
        assert_eq!(config.flavors.len(), 1);
        assert!(config.flavors[0].is_public);
        assert_eq!(config.flavors[0].rxtx_factor, 1.0);
    }

    #[test]
    fn env_overrides_file() {
        let file = "bind = \"127.0.0.1:1\"";
        let config = Config::from_layers(
            Some((Path::new("x.toml"), file)),
            env(&[("MOCK_NOVA_BIND", "127.0.0.1:2"), ("OTHER", "x")]).into_iter(),
            &toml::Table::new(),
        )
        .unwrap();
        assert_eq!(config.bind.port(), 2);
    }

    #[test]
    fn env_values_are_typed() {
        let config = Config::from_layers(
            None,
            env(&[("MOCK_NOVA_MAX_REQUEST_BODY_SIZE", "1000")]).into_iter(),
            &toml::Table::new(),
        )
        .unwrap();
        assert_eq!(config.max_request_body_size, 1000);
    }

    #[test]
    fn env_versions_stay_text() {
        let config = Config::from_layers(
            None,
            env(&[("MOCK_NOVA_MAX_MICROVERSION", "2.100")]).into_iter(),
            &toml::Table::new(),
        )
        .unwrap();
        assert_eq!(config.max_microversion, Microversion::new(2, 100));
    }

    #[test]
    fn flags_override_env() {
        let mut flags = toml::Table::new();
        flags.insert("bind".into(), "127.0.0.1:3".into());
        let config = Config::from_layers(
            None,
            env(&[("MOCK_NOVA_BIND", "127.0.0.1:2")]).into_iter(),
            &flags,
        )
        .unwrap();
        assert_eq!(config.bind.port(), 3);
    }

    #[test]
    fn unknown_key_is_rejected() {
        let result = Config::from_layers(
            Some((Path::new("x.toml"), "colour = 1")),
            std::iter::empty(),
            &toml::Table::new(),
        );
        assert!(result.is_err());
    }

    #[test]
    fn microversion_above_newest_is_rejected() {
        let result = Config::from_layers(
            Some((Path::new("x.toml"), "max_microversion = \"2.200\"")),
            std::iter::empty(),
            &toml::Table::new(),
        );
        let message = format!("{:#}", result.unwrap_err());
        assert!(message.contains("outside the range"), "{message}");
    }

    #[test]
    fn small_header_limit_is_rejected() {
        let result = Config::from_layers(
            Some((Path::new("x.toml"), "[limits]\nmax_header_bytes = 100")),
            std::iter::empty(),
            &toml::Table::new(),
        );
        let message = format!("{:#}", result.unwrap_err());
        assert!(message.contains("at least 8192"), "{message}");
    }

    #[test]
    fn malformed_microversion_is_rejected() {
        let result = Config::from_layers(
            Some((Path::new("x.toml"), "max_microversion = \"two\"")),
            std::iter::empty(),
            &toml::Table::new(),
        );
        assert!(result.is_err());
    }
}
