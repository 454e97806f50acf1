//! Turning a parsed token request into a token: scope lookup, the password and
//! token methods, and role assignment, in Keystone's order and with its
//! status codes.

use chrono::{DateTime, Utc};

use super::Keystone;
use super::directory::{Domain, Project, User};
use super::error::KeystoneError;
use super::request::{AuthRequest, PasswordMethod, ScopeRequest, Selector};
use super::token::{IssuedToken, TokenProject, TokenRequest, TokenUser};

impl Keystone {
    /// Authenticates a token request and issues the token.
    ///
    /// Keystone looks the scope up before it runs the methods, so an unknown
    /// project fails with 401 even when the password is wrong too.
    ///
    /// # Errors
    /// - 400 for a project or user given by name without its domain, or a
    ///   trust scope without an id;
    /// - 401 for an unknown user, domain or project, a wrong or missing
    ///   password, methods that name different users, or a user without a role
    ///   on the project;
    /// - 401 for any domain, system or trust scope, because no user has a role
    ///   on a domain or the system here and there are no trusts;
    /// - 404 for a `token` method whose token is unknown or expired.
    pub fn authenticate(&self, request: &AuthRequest) -> Result<IssuedToken, KeystoneError> {
        let project = self.resolve_scope(&request.scope)?;

        let mut user_id: Option<String> = None;
        let mut methods: Vec<String> = Vec::new();
        let mut expires_at: Option<DateTime<Utc>> = None;
        let mut parent_audit_id = None;
        for method in &request.methods {
            let method_user_id = match method.as_str() {
                "password" => {
                    let payload = request
                        .password
                        .as_ref()
                        .ok_or_else(|| KeystoneError::expecting("password", "identity"))?;
                    methods.insert(0, method.clone());
                    self.check_password(payload)?.id.clone()
                }
                "token" => {
                    let value = request
                        .token
                        .as_ref()
                        .ok_or_else(|| KeystoneError::expecting("token", "identity"))?;
                    let previous = self
                        .tokens
                        .validate(value.expose())
                        .ok_or_else(KeystoneError::token_not_found)?;
                    // A rescoped token keeps the original expiry, so that
                    // rescoping cannot extend a login indefinitely.
                    expires_at = Some(previous.expires_at);
                    parent_audit_id = previous.audit_ids.last().cloned();
                    methods.insert(0, method.clone());
                    methods.extend(previous.methods.iter().cloned());
                    previous.user.id.clone()
                }
                _ => return Err(KeystoneError::UnsupportedMethod),
            };
            match &user_id {
                Some(known) if *known != method_user_id => {
                    return Err(KeystoneError::unauthorized(
                        "the authentication methods identify different users",
                    ));
                }
                _ => user_id = Some(method_user_id),
            }
        }
        let mut seen = std::collections::HashSet::new();
        methods.retain(|method| seen.insert(method.clone()));

        let user = user_id
            .as_deref()
            .and_then(|id| self.directory.user(id))
            .ok_or_else(|| KeystoneError::unauthorized("no authentication method named a user"))?;
        let roles = match project {
            Some(project) => {
                let roles = self.directory.roles_on_project(&user.id, &project.id);
                if roles.is_empty() {
                    return Err(KeystoneError::unauthorized(format!(
                        "user {} has no role on project {}",
                        user.name, project.name
                    )));
                }
                roles
            }
            None => Vec::new(),
        };

        let token_user = TokenUser {
            id: user.id.clone(),
            name: user.name.clone(),
            domain: self.domain_of(&user.domain_id),
        };
        let token_project = project.map(|project| TokenProject {
            id: project.id.clone(),
            name: project.name.clone(),
            domain: self.domain_of(&project.domain_id),
        });
        Ok(self.tokens.issue(TokenRequest {
            user: token_user,
            project: token_project,
            roles,
            methods,
            expires_at,
            parent_audit_id,
        }))
    }

    /// Returns the domain with an id the directory checked at startup.
    fn domain_of(&self, id: &str) -> Domain {
        self.directory
            .domain(id)
            .cloned()
            .unwrap_or_else(|| Domain {
                id: id.to_owned(),
                name: id.to_owned(),
            })
    }

    /// Finds a domain by name, or by id when no name is given.
    fn find_domain(&self, selector: &Selector) -> Result<&Domain, KeystoneError> {
        let found = match (&selector.name, &selector.id) {
            (Some(name), _) => self.directory.domain_by_name(name),
            (None, Some(id)) => self.directory.domain(id),
            (None, None) => return Err(KeystoneError::expecting("id or name", "domain")),
        };
        found.ok_or_else(|| {
            let label = selector.name.as_ref().or(selector.id.as_ref());
            KeystoneError::unauthorized(format!("unknown domain {}", label.map_or("", |l| l)))
        })
    }

    fn resolve_scope(&self, scope: &ScopeRequest) -> Result<Option<&Project>, KeystoneError> {
        match scope {
            ScopeRequest::Default | ScopeRequest::Unscoped => Ok(None),
            ScopeRequest::Project { project, domain } => {
                self.find_project(project, domain.as_ref()).map(Some)
            }
            ScopeRequest::Domain(_) => Err(KeystoneError::unauthorized(
                "domain scope requested, but no user has a role on a domain",
            )),
            ScopeRequest::System => Err(KeystoneError::unauthorized(
                "system scope requested, but no user has a system role",
            )),
            ScopeRequest::Trust { id: None } => Err(KeystoneError::expecting("trust_id", "trust")),
            ScopeRequest::Trust { id: Some(_) } => Err(KeystoneError::unauthorized(
                "trust scope requested, but no trusts exist",
            )),
        }
    }

    fn find_project(
        &self,
        project: &Selector,
        domain: Option<&Selector>,
    ) -> Result<&Project, KeystoneError> {
        if let Some(name) = &project.name {
            let domain = domain.ok_or_else(|| KeystoneError::expecting("domain", "project"))?;
            let domain = self.find_domain(domain)?;
            return self
                .directory
                .project_by_name(name, &domain.id)
                .ok_or_else(|| {
                    KeystoneError::unauthorized(format!(
                        "unknown project {name} in domain {}",
                        domain.name
                    ))
                });
        }
        let id = project.id.as_deref().unwrap_or_default();
        self.directory
            .project(id)
            .ok_or_else(|| KeystoneError::unauthorized(format!("unknown project id {id}")))
    }

    fn check_password(&self, payload: &PasswordMethod) -> Result<&User, KeystoneError> {
        let user = if let Some(name) = &payload.user.name {
            let domain = payload
                .domain
                .as_ref()
                .ok_or_else(|| KeystoneError::expecting("domain", "user"))?;
            let domain = self.find_domain(domain)?;
            self.directory
                .user_by_name(name, &domain.id)
                .ok_or_else(|| {
                    KeystoneError::unauthorized(format!(
                        "unknown user {name} in domain {}",
                        domain.name
                    ))
                })?
        } else {
            let id = payload.user.id.as_deref().unwrap_or_default();
            self.directory
                .user(id)
                .ok_or_else(|| KeystoneError::unauthorized(format!("unknown user id {id}")))?
        };
        match &payload.password {
            Some(password) if *password == user.password => Ok(user),
            Some(_) => Err(KeystoneError::unauthorized(format!(
                "wrong password for user {}",
                user.name
            ))),
            None => Err(KeystoneError::unauthorized(format!(
                "no password given for user {}",
                user.name
            ))),
        }
    }
}
