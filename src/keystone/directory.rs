//! The identity data Keystone serves: domains, projects, users and role
//! assignments, checked once at startup and read-only afterwards.

use std::collections::HashMap;

use anyhow::{Context, bail};

use super::config::{KeystoneConfig, Secret};
use crate::identity::expand_roles;

/// A domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    /// Domain id.
    pub id: String,
    /// Domain name.
    pub name: String,
}

/// A project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// Project id.
    pub id: String,
    /// Project name.
    pub name: String,
    /// Id of the project's domain.
    pub domain_id: String,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// User id.
    pub id: String,
    /// User name.
    pub name: String,
    /// Id of the user's domain.
    pub domain_id: String,
    /// Password of the `password` method.
    pub password: Secret,
}

/// A role as tokens list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Role id, derived from the name so that it is the same on every run.
    pub id: String,
    /// Lower-case role name.
    pub name: String,
}

impl Role {
    /// Builds the role of a name. The id is the UUIDv5 of the name in a fixed
    /// namespace, written as 32 hex digits like Keystone's ids.
    pub fn named(name: &str) -> Self {
        let id = uuid::Uuid::new_v5(&ROLE_ID_NAMESPACE, name.as_bytes());
        Self {
            id: id.simple().to_string(),
            name: name.to_owned(),
        }
    }
}

/// Namespace of the UUIDv5 role ids; any fixed value works.
const ROLE_ID_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x6d6f_636b_6e6f_7661_726f_6c65_7331_0001);

/// The validated identity data of one configuration.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    domains: Vec<Domain>,
    projects: Vec<Project>,
    users: Vec<User>,
    /// Role names assigned to `(user id, project id)`, without implied roles.
    assignments: HashMap<(String, String), Vec<String>>,
}

impl Directory {
    /// Builds the directory from the `[keystone]` table.
    ///
    /// # Errors
    /// Names the first invalid entry. Entries are invalid when an id is empty
    /// or repeated, a name repeats within a domain, a project id is one Nova
    /// cannot route, a domain reference is missing, or a role assignment names
    /// an unknown or ambiguous user or project.
    pub fn new(config: &KeystoneConfig) -> anyhow::Result<Self> {
        let mut directory = Self::default();
        for domain in &config.domains {
            directory.add_domain(domain.id.clone(), domain.name.clone())?;
        }
        for project in &config.projects {
            directory.add_project(Project {
                id: project.id.clone(),
                name: project.name.clone(),
                domain_id: project.domain.clone(),
            })?;
        }
        for user in &config.users {
            directory.add_user(User {
                id: user.id.clone(),
                name: user.name.clone(),
                domain_id: user.domain.clone(),
                password: user.password.clone(),
            })?;
        }
        for assignment in &config.role_assignments {
            let context = || {
                format!(
                    "invalid keystone.role_assignments entry for user {:?} on project {:?}",
                    assignment.user, assignment.project
                )
            };
            let user_id = directory
                .resolve_user(&assignment.user)
                .with_context(context)?;
            let project_id = directory
                .resolve_project(&assignment.project)
                .with_context(context)?;
            if assignment.roles.iter().any(|role| role.trim().is_empty()) {
                bail!("{}: role names must not be empty", context());
            }
            let roles = directory
                .assignments
                .entry((user_id, project_id))
                .or_default();
            roles.extend(assignment.roles.iter().map(|role| role.trim().to_owned()));
        }
        Ok(directory)
    }

    fn add_domain(&mut self, id: String, name: String) -> anyhow::Result<()> {
        if id.is_empty() || name.is_empty() {
            bail!("keystone.domains: id and name must not be empty");
        }
        if self.domains.iter().any(|domain| domain.id == id) {
            bail!("keystone.domains: domain id {id:?} is repeated");
        }
        if self.domains.iter().any(|domain| domain.name == name) {
            bail!("keystone.domains: domain name {name:?} is repeated");
        }
        self.domains.push(Domain { id, name });
        Ok(())
    }

    fn add_project(&mut self, project: Project) -> anyhow::Result<()> {
        let routable = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b) || b == b'-';
        if project.id.is_empty() || !project.id.bytes().all(routable) {
            bail!(
                "keystone.projects: project id {:?} must consist of lower-case hex digits \
                 and dashes, because Nova only routes such project ids in URLs",
                project.id
            );
        }
        if project.name.is_empty() {
            bail!(
                "keystone.projects: project {} has an empty name",
                project.id
            );
        }
        if self.domain(&project.domain_id).is_none() {
            bail!(
                "keystone.projects: project {:?} names domain {:?}, which is not in keystone.domains",
                project.name,
                project.domain_id
            );
        }
        if self.projects.iter().any(|known| known.id == project.id) {
            bail!("keystone.projects: project id {:?} is repeated", project.id);
        }
        if self
            .project_by_name(&project.name, &project.domain_id)
            .is_some()
        {
            bail!(
                "keystone.projects: project name {:?} is repeated in domain {:?}",
                project.name,
                project.domain_id
            );
        }
        self.projects.push(project);
        Ok(())
    }

    fn add_user(&mut self, user: User) -> anyhow::Result<()> {
        if user.id.is_empty() || user.name.is_empty() {
            bail!("keystone.users: id and name must not be empty");
        }
        if self.domain(&user.domain_id).is_none() {
            bail!(
                "keystone.users: user {:?} names domain {:?}, which is not in keystone.domains",
                user.name,
                user.domain_id
            );
        }
        if self.users.iter().any(|known| known.id == user.id) {
            bail!("keystone.users: user id {:?} is repeated", user.id);
        }
        if self.user_by_name(&user.name, &user.domain_id).is_some() {
            bail!(
                "keystone.users: user name {:?} is repeated in domain {:?}",
                user.name,
                user.domain_id
            );
        }
        self.users.push(user);
        Ok(())
    }

    /// Returns the id of the user with this id, or else of the only user with
    /// this name.
    fn resolve_user(&self, id_or_name: &str) -> anyhow::Result<String> {
        if let Some(user) = self.user(id_or_name) {
            return Ok(user.id.clone());
        }
        let named: Vec<&User> = self
            .users
            .iter()
            .filter(|user| user.name == id_or_name)
            .collect();
        match named.as_slice() {
            [user] => Ok(user.id.clone()),
            [] => bail!("no user has the id or name {id_or_name:?}"),
            _ => bail!("several users are named {id_or_name:?}; use the user id"),
        }
    }

    /// Returns the id of the project with this id, or else of the only project
    /// with this name.
    fn resolve_project(&self, id_or_name: &str) -> anyhow::Result<String> {
        if let Some(project) = self.project(id_or_name) {
            return Ok(project.id.clone());
        }
        let named: Vec<&Project> = self
            .projects
            .iter()
            .filter(|project| project.name == id_or_name)
            .collect();
        match named.as_slice() {
            [project] => Ok(project.id.clone()),
            [] => bail!("no project has the id or name {id_or_name:?}"),
            _ => bail!("several projects are named {id_or_name:?}; use the project id"),
        }
    }

    /// Returns the domain with this id.
    pub fn domain(&self, id: &str) -> Option<&Domain> {
        self.domains.iter().find(|domain| domain.id == id)
    }

    /// Returns the domain with this name.
    pub fn domain_by_name(&self, name: &str) -> Option<&Domain> {
        self.domains.iter().find(|domain| domain.name == name)
    }

    /// Returns the project with this id.
    pub fn project(&self, id: &str) -> Option<&Project> {
        self.projects.iter().find(|project| project.id == id)
    }

    /// Returns the project with this name in a domain.
    pub fn project_by_name(&self, name: &str, domain_id: &str) -> Option<&Project> {
        self.projects
            .iter()
            .find(|project| project.name == name && project.domain_id == domain_id)
    }

    /// Returns the user with this id.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|user| user.id == id)
    }

    /// Returns the user with this name in a domain.
    pub fn user_by_name(&self, name: &str, domain_id: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|user| user.name == name && user.domain_id == domain_id)
    }

    /// Returns the roles of a user on a project with the implied roles added,
    /// or an empty list when the user has no role there.
    pub fn roles_on_project(&self, user_id: &str, project_id: &str) -> Vec<Role> {
        let key = (user_id.to_owned(), project_id.to_owned());
        let assigned = self
            .assignments
            .get(&key)
            .map(Vec::as_slice)
            .unwrap_or_default();
        expand_roles(assigned)
            .iter()
            .map(|name| Role::named(name))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn default_directory() -> Directory {
        Directory::new(&Config::default().keystone).expect("default accounts are valid")
    }

    fn keystone_config(patch: impl FnOnce(&mut KeystoneConfig)) -> KeystoneConfig {
        let mut config = Config::default().keystone;
        patch(&mut config);
        config
    }

    #[test]
    fn default_admin_has_expanded_roles() {
        let directory = default_directory();
        let domain = directory.domain_by_name("Default").unwrap();
        let admin = directory.user_by_name("admin", &domain.id).unwrap();
        let project = directory.project_by_name("admin", &domain.id).unwrap();
        let roles: Vec<String> = directory
            .roles_on_project(&admin.id, &project.id)
            .into_iter()
            .map(|role| role.name)
            .collect();
        assert_eq!(roles, ["admin", "manager", "member", "reader"]);
    }

    #[test]
    fn default_reader_has_no_role_on_admin_project() {
        let directory = default_directory();
        let reader = directory.user_by_name("reader", "default").unwrap();
        let project = directory.project_by_name("admin", "default").unwrap();
        assert!(
            directory
                .roles_on_project(&reader.id, &project.id)
                .is_empty()
        );
    }

    #[test]
    fn role_ids_are_stable_hex() {
        let first = Role::named("member");
        assert_eq!(first, Role::named("member"));
        assert_eq!(first.id.len(), 32);
        assert_ne!(first.id, Role::named("reader").id);
    }

    #[test]
    fn upper_case_project_id_is_rejected() {
        let config = keystone_config(|config| config.projects[0].id = "ABC".to_owned());
        let message = format!("{:#}", Directory::new(&config).unwrap_err());
        assert!(message.contains("lower-case hex"), "{message}");
    }

    #[test]
    fn unknown_domain_is_rejected() {
        let config = keystone_config(|config| config.users[0].domain = "nowhere".to_owned());
        let message = format!("{:#}", Directory::new(&config).unwrap_err());
        assert!(message.contains("nowhere"), "{message}");
    }

    #[test]
    fn repeated_user_name_is_rejected() {
        let config = keystone_config(|config| {
            let mut copy = config.users[0].clone();
            copy.id = "another-id".to_owned();
            config.users.push(copy);
        });
        let message = format!("{:#}", Directory::new(&config).unwrap_err());
        assert!(message.contains("repeated"), "{message}");
    }

    #[test]
    fn assignment_to_unknown_user_is_rejected() {
        let config = keystone_config(|config| config.role_assignments[0].user = "ghost".to_owned());
        let message = format!("{:#}", Directory::new(&config).unwrap_err());
        assert!(message.contains("ghost"), "{message}");
    }
}
