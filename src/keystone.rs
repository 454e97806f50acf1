//! A minimal Keystone v3 on the same port as Nova, so that real clients can
//! log in with a password: version discovery, and issuing, validating and
//! revoking tokens at `/v3/auth/tokens`.
//!
//! - [`config`]: the `[keystone]` configuration table.
//! - [`directory`]: domains, projects, users and role assignments.
//! - [`request`]: parsing and checking token requests.
//! - [`authenticate`]: the password and token methods and scoping.
//! - [`token`]: token values and the bounded token store.
//! - [`views`]: discovery documents, token bodies and the catalog.
//! - [`routes`]: the HTTP routes.
//! - [`error`]: Keystone's error bodies.

pub mod authenticate;
pub mod config;
pub mod directory;
pub mod error;
pub mod request;
pub mod routes;
pub mod token;
pub mod views;

use anyhow::{Context, bail};
use chrono::TimeDelta;

pub use config::KeystoneConfig;
pub use request::SUPPORTED_METHODS;

use directory::Directory;
use token::{TokenGenerator, TokenStore};

/// The Keystone service: the identity data and the live tokens.
#[derive(Debug)]
pub struct Keystone {
    /// Domains, projects, users and role assignments.
    pub directory: Directory,
    /// Live tokens, shared with the authenticator of Nova requests.
    pub tokens: TokenStore,
    /// Region of every catalog endpoint.
    pub region: String,
    /// Whether the v3 API is also served at `/v3`.
    pub serve_bare_v3: bool,
}

impl Keystone {
    /// Builds the service from its configuration. Token values are random, or
    /// the same from run to run when `seed` is given.
    ///
    /// # Errors
    /// As [`KeystoneConfig::validate`].
    pub fn new(config: &KeystoneConfig, seed: Option<u64>) -> anyhow::Result<Self> {
        config.validate()?;
        let lifetime = token_lifetime(config)?;
        Ok(Self {
            directory: Directory::new(config)?,
            tokens: TokenStore::new(lifetime, config.max_tokens, TokenGenerator::new(seed)),
            region: config.region.clone(),
            serve_bare_v3: config.serve_bare_v3,
        })
    }
}

fn token_lifetime(config: &KeystoneConfig) -> anyhow::Result<TimeDelta> {
    i64::try_from(config.token_lifetime)
        .ok()
        .and_then(TimeDelta::try_seconds)
        .with_context(|| {
            format!(
                "keystone.token_lifetime {} is too large",
                config.token_lifetime
            )
        })
}

impl KeystoneConfig {
    /// Checks the settings and the identity data.
    ///
    /// # Errors
    /// Names the invalid key: a token lifetime or token maximum of zero, an
    /// empty region, or invalid identity data (see [`Directory::new`]).
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.token_lifetime == 0 {
            bail!("keystone.token_lifetime must be at least 1 second");
        }
        token_lifetime(self)?;
        if self.max_tokens == 0 {
            bail!("keystone.max_tokens must be at least 1");
        }
        if self.region.is_empty() {
            bail!("keystone.region must not be empty");
        }
        Directory::new(self).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::{AuthMode, Config};

    fn load(file: &str, env: &[(&str, &str)]) -> anyhow::Result<Config> {
        let env = env
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()));
        Config::from_layers(
            Some((Path::new("test.toml"), file)),
            env,
            &toml::Table::new(),
        )
    }

    #[test]
    fn default_auth_is_keystone() {
        assert_eq!(Config::default().auth, AuthMode::Keystone);
    }

    #[test]
    fn default_accounts_are_valid() {
        let config = Config::default().keystone;
        assert_eq!(config.users.len(), 3);
        assert_eq!(config.region, "RegionOne");
        assert!(super::Keystone::new(&config, None).is_ok());
    }

    #[test]
    fn env_sets_token_lifetime() {
        let config = load("", &[("MOCK_NOVA_KEYSTONE__TOKEN_LIFETIME", "60")]).unwrap();
        assert_eq!(config.keystone.token_lifetime, 60);
        assert_eq!(config.keystone.users.len(), 3);
    }

    #[test]
    fn env_sets_static_tokens() {
        // The example given in config.example.toml.
        let tokens = r#"[{token = "t", user = "admin", project = "6cf3812b427b4a74a872ed207de2845c", roles = ["admin"]}]"#;
        let config = load("", &[("MOCK_NOVA_STATIC_TOKENS", tokens)]).unwrap();
        assert_eq!(config.static_tokens.len(), 1);
        assert_eq!(config.static_tokens[0].roles, ["admin"]);
    }

    #[test]
    fn zero_token_lifetime_is_rejected() {
        let message = format!(
            "{:#}",
            load("[keystone]\ntoken_lifetime = 0\n", &[]).unwrap_err()
        );
        assert!(message.contains("token_lifetime"), "{message}");
    }

    #[test]
    fn zero_max_tokens_is_rejected() {
        let message = format!(
            "{:#}",
            load("[keystone]\nmax_tokens = 0\n", &[]).unwrap_err()
        );
        assert!(message.contains("max_tokens"), "{message}");
    }

    #[test]
    fn file_users_replace_defaults() {
        let file = r#"
[[keystone.users]]
id = "u1"
name = "solo"
password = "pw"
domain = "default"

[[keystone.role_assignments]]
user = "solo"
project = "demo"
roles = ["member"]
"#;
        let config = load(file, &[]).unwrap();
        assert_eq!(config.keystone.users.len(), 1);
        assert_eq!(config.keystone.projects.len(), 2);
    }

    #[test]
    fn assignment_of_removed_user_is_rejected() {
        let file = r#"
[[keystone.users]]
id = "u1"
name = "solo"
password = "pw"
domain = "default"
"#;
        let message = format!("{:#}", load(file, &[]).unwrap_err());
        assert!(message.contains("admin"), "{message}");
    }
}
