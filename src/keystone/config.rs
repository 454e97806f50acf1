//! The `[keystone]` configuration table: token settings, and the domains,
//! projects, users and role assignments that Keystone serves.

use serde::{Deserialize, Serialize};

/// Settings and accounts of the Keystone v3 emulation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KeystoneConfig {
    /// Seconds an issued token stays valid, like Keystone's `[token] expiration`.
    pub token_lifetime: u64,
    /// Maximum number of live tokens kept in memory; issuing one more evicts the
    /// token that expires first.
    pub max_tokens: usize,
    /// Region of every endpoint in the service catalog.
    pub region: String,
    /// Whether the v3 API is also served at `/v3` next to `/identity/v3`.
    pub serve_bare_v3: bool,
    /// Domains that users and projects belong to.
    pub domains: Vec<DomainConfig>,
    /// Projects that tokens can be scoped to.
    pub projects: Vec<ProjectConfig>,
    /// Users that can authenticate with a password.
    pub users: Vec<UserConfig>,
    /// Roles of users on projects.
    pub role_assignments: Vec<RoleAssignmentConfig>,
}

/// One domain.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DomainConfig {
    /// Domain id, such as Keystone's `default`.
    pub id: String,
    /// Unique domain name, such as `Default`.
    pub name: String,
}

/// One project.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectConfig {
    /// Project id: lower-case hex digits (dashes allowed), because Nova only
    /// routes URLs whose project id has that form.
    pub id: String,
    /// Project name, unique within its domain.
    pub name: String,
    /// Id of the project's domain.
    pub domain: String,
}

/// One user.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// User id.
    pub id: String,
    /// User name, unique within its domain.
    pub name: String,
    /// Password for the `password` authentication method.
    pub password: Secret,
    /// Id of the user's domain.
    pub domain: String,
}

/// The roles of one user on one project, like `openstack role add`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RoleAssignmentConfig {
    /// User id, or a user name that is unique across domains.
    pub user: String,
    /// Project id, or a project name that is unique across domains.
    pub project: String,
    /// Role names; implied roles are added when a token is issued.
    pub roles: Vec<String>,
}

/// A password or token that `Debug` prints as `***`, so that it cannot reach a
/// log line through a derived `Debug` of a containing type.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Returns the secret value itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_hides_value() {
        let user = UserConfig {
            id: "u".to_owned(),
            name: "admin".to_owned(),
            password: Secret::new("hunter2"),
            domain: "default".to_owned(),
        };
        let printed = format!("{user:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("***"), "{printed}");
    }
}
