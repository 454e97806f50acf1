//! Who is calling: the identity a token resolves to, role implication, and the
//! `noauth` token convention of Nova's `noauth2` middleware.

/// Role names from strongest to weakest. Each role implies the ones after it, as
/// Keystone's default implied roles do (admin implies member implies reader); Nova
/// also knows `manager` between admin and member.
const ROLE_HIERARCHY: [&str; 4] = ["admin", "manager", "member", "reader"];

/// The caller of a request after authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Keystone user id (in `noauth` mode, the user name).
    pub user_id: String,
    /// User name.
    pub user_name: String,
    /// Project id the token is scoped to; Nova compares it with the project id in URLs.
    pub project_id: String,
    /// Project name.
    pub project_name: String,
    /// Lower-case role names with implied roles already added.
    pub roles: Vec<String>,
}

impl Identity {
    /// Builds an identity whose role list is expanded with the implied roles.
    pub fn new(
        user_id: impl Into<String>,
        user_name: impl Into<String>,
        project_id: impl Into<String>,
        project_name: impl Into<String>,
        roles: &[impl AsRef<str>],
    ) -> Self {
        Self {
            user_id: user_id.into(),
            user_name: user_name.into(),
            project_id: project_id.into(),
            project_name: project_name.into(),
            roles: expand_roles(roles),
        }
    }

    /// Resolves a token of the `noauth` convention used by Nova's `noauth2`
    /// middleware: `user:project`, or a bare `user` whose project is the user name.
    /// The user `admin` holds the admin role; any other user is a member and reader.
    pub fn from_noauth_token(token: &str) -> Option<Self> {
        if token.is_empty() {
            return None;
        }
        let (user, project) = match token.split_once(':') {
            Some((user, project)) if !project.is_empty() => (user, project),
            Some((user, _)) => (user, user),
            None => (token, token),
        };
        let roles: &[&str] = if user == "admin" {
            &["admin"]
        } else {
            &["member"]
        };
        Some(Self::new(user, user, project, project, roles))
    }

    /// Tells whether the caller holds `role`, directly or by implication.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles
            .iter()
            .any(|held| held.eq_ignore_ascii_case(role))
    }

    /// Tells whether the caller is an administrator, which in Nova's default policy
    /// means holding the admin role.
    pub fn is_admin(&self) -> bool {
        self.has_role("admin")
    }
}

/// Lower-cases role names and adds every role they imply, keeping the given order
/// first and the implied roles after it without duplicates.
pub fn expand_roles(roles: &[impl AsRef<str>]) -> Vec<String> {
    let mut expanded: Vec<String> = Vec::new();
    let mut push = |role: &str| {
        if !expanded.iter().any(|held| held == role) {
            expanded.push(role.to_owned());
        }
    };
    for role in roles {
        push(&role.as_ref().trim().to_ascii_lowercase());
    }
    for role in roles {
        let role = role.as_ref().trim().to_ascii_lowercase();
        if let Some(rank) = ROLE_HIERARCHY.iter().position(|known| *known == role) {
            ROLE_HIERARCHY[rank + 1..]
                .iter()
                .for_each(|implied| push(implied));
        }
    }
    expanded.retain(|role| !role.is_empty());
    expanded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_implies_all_roles() {
        assert_eq!(
            expand_roles(&["admin"]),
            ["admin", "manager", "member", "reader"]
        );
    }

    #[test]
    fn member_implies_reader() {
        assert_eq!(expand_roles(&["member"]), ["member", "reader"]);
    }

    #[test]
    fn roles_are_lower_cased() {
        assert_eq!(expand_roles(&["READER"]), ["reader"]);
    }

    #[test]
    fn unknown_roles_are_kept() {
        assert_eq!(expand_roles(&["auditor", "reader"]), ["auditor", "reader"]);
    }

    #[test]
    fn empty_roles_are_dropped() {
        assert!(expand_roles(&[""]).is_empty());
    }

    #[test]
    fn noauth_user_and_project() {
        let identity = Identity::from_noauth_token("demo:abc").unwrap();
        assert_eq!(identity.user_id, "demo");
        assert_eq!(identity.project_id, "abc");
        assert!(!identity.is_admin());
        assert!(identity.has_role("reader"));
    }

    #[test]
    fn noauth_bare_user_is_project() {
        let identity = Identity::from_noauth_token("admin").unwrap();
        assert_eq!(identity.project_id, "admin");
        assert!(identity.is_admin());
    }

    #[test]
    fn noauth_empty_token_is_rejected() {
        assert_eq!(Identity::from_noauth_token(""), None);
    }
}
